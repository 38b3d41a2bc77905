# image-codecs.sh - reading files written by outside tools (OpenCV's
# imwrite, vips, libtiff's tiffcp) and writing files that OpenCV reads back.
# Lossless formats must agree exactly (tolerance 0); JPEG by PSNR (at least
# 40 dB at dh's default quality 95; files OpenCV wrote must decode exactly,
# both being libjpeg-turbo).
. "$DH_SRCDIR/tests/lib.sh"
. "$DH_SRCDIR/tests/cli/image-cmp.sh"
if ! "$PYTHON3" -c 'import cv2, numpy' 2>/dev/null; then
	skip "codec comparisons" "$PYTHON3 cannot import cv2 and numpy"
	finish
fi

# sources written by OpenCV
"$PYTHON3" - <<'PY'
import cv2, numpy as np
rs = np.random.RandomState(7)
h, w = 45, 67
y, x = np.mgrid[0:h, 0:w]
g8 = ((x * 3 + y * 5) % 256).astype(np.uint8)
g8[10:20, 10:30] = rs.randint(0, 256, (10, 20))
bgr = np.stack([g8, 255 - g8, (x * 7 % 256).astype(np.uint8)], -1)
bgra = np.dstack([bgr, (y * 5 % 256).astype(np.uint8)])
g16 = (x * 977 + y * 31).astype(np.uint16)
bgr16 = np.stack([g16, 65535 - g16, g16 // 3], -1)
f32 = (rs.rand(h, w).astype(np.float32) - 0.5) * 1000
for ext in ("png", "bmp", "tif", "pgm", "jpg"):
    cv2.imwrite("g8." + ext, g8)
for ext in ("png", "bmp", "tif", "ppm", "jpg"):
    cv2.imwrite("rgb8." + ext, bgr)
for ext in ("png", "bmp", "tif"):
    cv2.imwrite("rgba8." + ext, bgra)
for ext in ("png", "tif", "pgm"):
    cv2.imwrite("g16." + ext, g16)
for ext in ("png", "tif", "ppm"):
    cv2.imwrite("rgb16." + ext, bgr16)
cv2.imwrite("f32.tif", f32)
cv2.imwrite("g8_ascii.pgm", g8, [cv2.IMWRITE_PXM_BINARY, 0])
cv2.imwrite("rgb8_ascii.ppm", bgr, [cv2.IMWRITE_PXM_BINARY, 0])
cv2.imwrite("g8_prog.jpg", g8, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
cv2.imwrite("g8_lzw.tif", g8, [cv2.IMWRITE_TIFF_COMPRESSION, 5])
cv2.imwritemulti("pages.tif", [g8, 255 - g8, g8 // 2])
PY

for f in g8.png g8.bmp g8.tif g8.pgm g8_ascii.pgm g8_lzw.tif \
	rgb8.png rgb8.bmp rgb8.tif rgb8.ppm rgb8_ascii.ppm \
	rgba8.png rgba8.bmp rgba8.tif g16.png g16.tif g16.pgm \
	rgb16.png rgb16.tif rgb16.ppm f32.tif g8.jpg rgb8.jpg g8_prog.jpg; do
	run dh-image convert "$f" o.npy
	cmp_ref "read $f (OpenCV wrote)" read "$f" o.npy 0
done
run dh-image convert pages.tif o.npy
cmp_ref "read a 3-page TIFF as a volume" readmulti pages.tif o.npy 0

# vips and tiffcp
SK=/usr/lib/python3/dist-packages/skimage/data
if command -v vips >/dev/null 2>&1 && [ -f "$SK/astronaut.png" ]; then
	vips copy "$SK/astronaut.png" v.ppm
	vips copy "$SK/camera.png" v.pgm
	vips tiffsave "$SK/astronaut.png" v_tiled.tif --tile --tile-width 64 \
		--tile-height 32 --compression deflate
	vips tiffsave "$SK/astronaut.png" v_lzw.tif --compression lzw \
		--predictor horizontal
	vips tiffsave "$SK/camera.png" v_pyr.tif --tile --pyramid
	vips copy "$SK/astronaut.png" v_ilace.png[interlace]
	vips pngsave "$SK/camera.png" v_pal.png --palette --colours 16
	for f in v.ppm v.pgm v_tiled.tif v_lzw.tif v_pyr.tif v_ilace.png \
		v_pal.png; do
		run dh-image convert "$f" o.npy
		cmp_ref "read $f (vips wrote)" read "$f" o.npy 0
	done
else
	skip "files written by vips" "vips or python3-skimage missing"
fi
if command -v tiffcp >/dev/null 2>&1; then
	tiffcp -p separate rgb8.tif t_planar.tif
	tiffcp -t -w 16 -l 16 -c zip rgb16.tif t_tiles16.tif
	tiffcp -s -r 7 -c lzw g16.tif t_strips.tif
	tiffcp -c packbits f32.tif t_packbits.tif
	tiffcp -p separate rgba8.tif t_planar_rgba.tif
	for f in t_planar.tif t_tiles16.tif t_strips.tif t_packbits.tif \
		t_planar_rgba.tif; do
		run dh-image convert "$f" o.npy
		cmp_ref "read $f (tiffcp wrote)" read "$f" o.npy 0
	done
else
	skip "files written by tiffcp" "libtiff-tools missing"
fi
for f in "$SK/foo3x5x4indexed.png" "$SK/green_palette.png" \
	"$SK/chessboard_GRAY_U16.tif" "$SK/chessboard_GRAY_U16B.tif"; do
	[ -f "$f" ] || continue
	run dh-image convert "$f" o.npy
	cmp_ref "read $(basename "$f") (skimage's data)" read "$f" o.npy 0
done
if [ -f "$SK/_blobs_3d_fiji_skeleton.tif" ]; then
	run dh-image convert "$SK/_blobs_3d_fiji_skeleton.tif" o.npy
	cmp_ref "read a 30-page ImageJ stack as a volume" readmulti \
		"$SK/_blobs_3d_fiji_skeleton.tif" o.npy 0
fi

# dh writes, OpenCV reads: against dh's own reading of the source (checked
# above to equal OpenCV's)
for src in g8.png rgb8.png rgba8.png g16.png rgb16.png f32.tif; do
	b=${src%.*}
	run dh-image convert "$src" "src_$b.npy"
	case $b in
	g8) outs="png bmp tif pgm pbm" ;;
	rgb8) outs="png bmp tif ppm" ;;
	rgba8) outs="png bmp" ;; # OpenCV premultiplies TIFF alpha: see below
	g16) outs="png tif pgm" ;;
	rgb16) outs="png tif ppm" ;;
	f32) outs="tif" ;;
	esac
	for ext in $outs; do
		[ $ext = pbm ] && continue
		run dh-image convert "$src" "w_$b.$ext"
		if [ "$rc" -ne 0 ]; then
			not_ok "write $b.$ext" "$(cat "$err_file")"
			continue
		fi
		cp "src_$b.npy" o.npy
		cmp_ref "write $b.$ext, OpenCV reads it" read "w_$b.$ext" o.npy 0
	done
done
# RGBA TIFF: dh writes unassociated alpha (ExtraSamples 2), which OpenCV
# reads premultiplied; vips reads it as written
if command -v vips >/dev/null 2>&1; then
	run dh-image convert rgba8.png w_rgba8.tif
	vips copy w_rgba8.tif w_rgba8_vips.png
	run dh-image convert rgba8.png o.npy
	cmp_ref "write rgba8.tif, vips reads it" read w_rgba8_vips.png o.npy 0
fi
# JPEG: dh's encoding (quality 95) against OpenCV's of the same pixels
# (its default quality is 95 too), as decoded by OpenCV; the synthetic
# pattern is hard on JPEG, so the two are compared with each other, not
# with the source
for src in g8 rgb8; do
	run dh-image convert $src.png "w_$src.jpg"
	run dh-image convert $src.jpg o.npy
	cmp_ref "write $src.jpg, as close to OpenCV's as 40 dB" psnr \
		"w_$src.jpg" o.npy 40
done
if [ -f "$SK/astronaut.png" ]; then
	run dh-image convert "$SK/astronaut.png" w_astro.jpg
	run dh-image convert "$SK/astronaut.png" o.npy
	cmp_ref "write a photograph as JPEG: 36 dB or better" psnr \
		w_astro.jpg o.npy 36
fi
# bilevel: dh writes P4, OpenCV reads 0/255
run dh-image otsu g8.png bin.png
run dh-image convert bin.png w_bin.pbm
run dh-image convert bin.png o.npy
cmp_ref "write .pbm, OpenCV reads it" read w_bin.pbm o.npy 0

# round trips through dh alone: every dtype TIFF and .npy hold
"$PYTHON3" - <<'PY'
import numpy as np
rs = np.random.RandomState(3)
for t in ("uint8", "uint16", "int16", "int32", "float32", "float64"):
    a = (rs.rand(13, 17, 3) * 20000 - 9000).astype(t)
    np.save("rt_%s.npy" % t, a)
np.save("rt_vol.npy", (rs.rand(4, 9, 11) * 60000).astype(np.uint16))
np.save("rt_vol4.npy", (rs.rand(3, 9, 11, 2) * 255).astype(np.uint8))
PY
for f in rt_uint8 rt_uint16 rt_int16 rt_int32 rt_float32 rt_float64 rt_vol \
	rt_vol4; do
	run dh-image convert $f.npy $f.tif
	[ "$rc" -eq 0 ] && run dh-image convert $f.tif back.npy
	if [ "$rc" -eq 0 ] && cmp -s $f.npy back.npy; then
		ok "round trip $f through TIFF, byte-identical .npy"
	else
		not_ok "round trip $f through TIFF" "rc $rc: $(cat "$err_file")"
	fi
done

# more files written by vips, read by Pillow or known in numpy: PNG of 1
# and 4 bits and gray+alpha, PBM P1 and P4, CMYK JPEG (Adobe, inverted),
# TIFF of int8, int32, uint32 (read as float64, exact) and float64
if command -v vips >/dev/null 2>&1 && [ -f "$SK/camera.png" ] &&
	"$PYTHON3" -c 'import PIL' 2>/dev/null; then
	"$PYTHON3" -c '
import numpy as np
rs = np.random.RandomState(1)
a = rs.randint(-2**31, 2**31 - 1, (7, 9)).astype(np.int64)
open("m.mat", "w").write("9 7\n" + "\n".join(" ".join(str(v) for v in r) for r in a) + "\n")
np.save("m_src.npy", a)'
	vips pngsave "$SK/camera.png" v_b1.png --bitdepth 1
	vips pngsave "$SK/camera.png" v_b4.png --bitdepth 4
	vips bandjoin_const "$SK/camera.png" v_la.v 200
	vips pngsave v_la.v v_la.png
	vips ppmsave "$SK/camera.png" v_p4.pbm --bitdepth 1
	vips ppmsave "$SK/camera.png" v_p1.pbm --bitdepth 1 --ascii
	vips colourspace "$SK/astronaut.png" v_cmyk.v cmyk &&
		vips jpegsave v_cmyk.v v_cmyk.jpg
	for f in v_b1.png v_b4.png v_la.png v_p4.pbm v_p1.pbm v_cmyk.jpg; do
		[ -f $f ] || { skip "read $f" "vips could not write it"; continue; }
		run dh-image convert $f o.npy
		if [ "$rc" -eq 0 ] && msg=$("$PYTHON3" -c '
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
r = np.array(im.convert("RGB") if im.mode == "CMYK" else im)
if r.dtype == bool:
    r = r.astype(np.uint8) * 255
a = np.load("o.npy")
print("%s (%s): equal to Pillow %s" % (sys.argv[1], im.mode, a.shape == r.shape and np.array_equal(a, r)))
sys.exit(0 if a.shape == r.shape and np.array_equal(a, r) else 1)' $f 2>&1); then
			echo "# $msg"
			ok "read $f (vips wrote, Pillow agrees)"
		else
			not_ok "read $f" "rc $rc $(cat "$err_file") $msg"
		fi
	done
	vips matrixload m.mat m.v
	for t in char:int8:-128:127 int:int32:x:x uint:uint32:0:4294967295 \
		double:float64:x:x; do
		IFS=: read -r vt nt lo hi <<EOT
$t
EOT
		vips cast m.v v_$nt.tif $vt
		run dh-image convert v_$nt.tif o.npy
		if [ "$rc" -eq 0 ] && msg=$("$PYTHON3" -c '
import sys, numpy as np
s = np.load("m_src.npy")
lo, hi = sys.argv[1:3]
if lo != "x":
    s = np.clip(s, int(lo), int(hi))  # vips cast saturates
a = np.load("o.npy")
same = a.shape == s.shape and np.array_equal(a.astype(np.float64), s.astype(np.float64))
print("%s read as %s: equal %s" % (sys.argv[3], a.dtype, same))
sys.exit(0 if same else 1)' $lo $hi $nt 2>&1); then
			echo "# $msg"
			ok "read a $nt TIFF (vips wrote) exactly"
		else
			not_ok "read a $nt TIFF" "rc $rc $(cat "$err_file") $msg"
		fi
	done
else
	skip "more vips files" "vips, python3-skimage or Pillow missing"
fi

# info on the formats
run dh-image info --json rgb16.png
expect_out "info --json: png 16-bit" '"format": "png", "width": 67, "height": 45, "depth": 1, "channels": 3, "dtype": "uint16"'
run dh-image info pages.tif
expect_out "info: tiff pages" 'tiff image, 67x45x3, uint8, 1 channel \(gray\), 3 pages'
run dh-image info g8_prog.jpg
expect_out "info: progressive jpeg" 'jpeg image, 67x45, uint8, 1 channel \(gray\), +progressive'

run_cases
finish
