# image-slide.sh - whole-slide images through OpenSlide: a pyramidal tiled
# TIFF made with vips and a tiled TIFF made with libtiff's tiffcp from a
# photograph; levels and downsamples, regions equal to OpenSlide's own
# openslide-write-png (exact) and, at level 0 of a losslessly
# compressed slide, to the source pixels (exact); regions outside a slide and
# files that are no slide: one line, exit 1.
. "$DH_SRCDIR/tests/lib.sh"

S=/usr/lib/python3/dist-packages/skimage/data/ihc.png
if ! command -v vips >/dev/null 2>&1 || ! command -v tiffcp >/dev/null 2>&1 ||
	[ ! -f "$S" ]; then
	skip "slides" "vips, libtiff-tools or python3-skimage missing"
	finish
fi
vips replicate "$S" big.v 4 4
vips tiffsave big.v pyr.tif --tile --pyramid --compression deflate \
	--tile-width 256 --tile-height 256
vips copy big.v strip.tif
tiffcp -t -w 256 -l 256 -c zip strip.tif tiled.tif
run dh-image slide info pyr.tif
if [ "$rc" -ne 0 ] && grep -q "without OpenSlide" "$err_file"; then
	skip "slides" "dh was built without OpenSlide"
	finish
fi
expect_out "info: 4 levels" "slide \(generic-tiff\), 4 levels"
expect_out "info: level 2" "level 2: 512x512, downsample 4"
run dh-image slide info --json tiled.tif
expect_out "info --json" '"levels": \[\{"level": 0, "width": 2048, "height": 2048, "downsample": 1\}\]'

# regions against OpenSlide's own command-line tool (RGBA PNG; opaque here);
# x, y are multiples of the downsample: openslide-write-png places regions
# that start between level pixels differently from openslide_read_region
for r in "0 0,0,256,256" "0 1000,600,300,200" "1 1000,600,100,80" \
	"3 1504,1504,60,60" "2 0,0,512,512"; do
	level=${r% *} reg=${r#* }
	run dh-image slide region --level $level --region $reg -o o.npy pyr.tif
	if [ "$rc" -ne 0 ]; then
		not_ok "region $reg at level $level" "$(cat "$err_file")"
		continue
	fi
	if ! command -v openslide-write-png >/dev/null 2>&1 ||
		! "$PYTHON3" -c 'import cv2' 2>/dev/null; then
		skip "region $reg at level $level against openslide-write-png" \
			"openslide-tools or python3-opencv missing"
		continue
	fi
	IFS=, read -r x y w h <<EOR
$reg
EOR
	openslide-write-png pyr.tif $x $y $level $w $h ref.png
	if msg=$("$PYTHON3" -c '
import sys, numpy as np, cv2
ref = cv2.cvtColor(cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
dh = np.load(sys.argv[2])
same = bool((ref[:, :, 3] == 255).all()) and np.array_equal(dh, ref[:, :, :3])
print("equal to openslide-write-png: %s" % same)
sys.exit(0 if same else 1)' ref.png o.npy 2>&1); then
		echo "# $msg"
		ok "region $reg at level $level (as openslide-write-png)"
	else
		not_ok "region $reg at level $level" "$msg"
	fi
done
if "$PYTHON3" -c 'import cv2' 2>/dev/null; then
	run dh-image slide region --region 700,300,128,96 -o o.npy tiled.tif
	if [ "$rc" -eq 0 ] && msg=$("$PYTHON3" -c '
import sys, numpy as np, cv2
src = cv2.cvtColor(cv2.imread(sys.argv[1]), cv2.COLOR_BGR2RGB)
big = np.tile(src, (4, 4, 1))
ref = big[300:396, 700:828]
dh = np.load(sys.argv[2])
print("equal to the source pixels: %s" % np.array_equal(dh, ref))
sys.exit(0 if np.array_equal(dh, ref) else 1)' "$S" o.npy 2>&1); then
		echo "# $msg"
		ok "tiled.tif (tiffcp, zip): level-0 region = source pixels"
	else
		not_ok "tiled.tif region" "rc $rc $(cat "$err_file") $msg"
	fi
fi

run dh-image slide region --region 2000,2000,100,100 -o o.png pyr.tif
expect_rc "region outside: exit 1" 1
expect_err "region outside: one line" "^dh-image: pyr.tif: region 2000,2000 100x100 at level 0 is not inside"
run dh-image slide region --level 9 --region 0,0,10,10 -o o.png pyr.tif
expect_err "no such level: one line" "level 9: the slide has levels 0 to 3"
run dh-image slide info strip.tif
expect_rc "a stripped TIFF is no slide: exit 1" 1
expect_err "a stripped TIFF: one line" "^dh-image: strip.tif: not a slide"
run dh-image slide tiles pyr.tif
expect_rc "slide tiles: not built yet, exit 2" 2
run dh-image slide region pyr.tif
expect_rc "region without --region: usage" 2
finish
