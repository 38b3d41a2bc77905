# image-opencv.sh - dh-image's operations against OpenCV (python3-opencv) on
# real photographs (python3-skimage's data, when installed) and synthetic
# images of odd sizes.  The tolerance of each comparison is the largest
# difference allowed in any sample, in grey levels:
#   0  resize nearest/linear/area, rotate nearest/linear, flip, transpose,
#      crop, pad, gray, RGB->HSV, RGB<->YCbCr, gaussian 3/5/7 (default
#      sigma), box of odd size, median, Otsu (threshold and image),
#      morphology, histogram equalisation, Zhang-Suen thinning, outer
#      contours (count, and the pixels cv2.drawContours draws), normalize
#      (NORM_MINMAX), gamma (a LUT computed in numpy), adjust 0.5/0.5,
#      multi-level Otsu (skimage's threshold_multiotsu: same thresholds,
#      same classes)
#   1  resize cubic, rotate cubic, HSV->RGB (OpenCV truncates in a way dh
#      follows only approximately), gaussian from sigma / larger kernels
#      (OpenCV rounds its fixed-point taps its own way), box of even size
#      (OpenCV's rounding of those means is not reproduced), adjust
#      1.3/-20 (cv2.addWeighted rounds some halves the other way)
# Components: the same count, labels equal up to renumbering, and per
# component the same area and bounding box, centroids within 1e-6 pixels
# (dh prints 6 decimals).
. "$DH_SRCDIR/tests/lib.sh"

. "$DH_SRCDIR/tests/cli/image-cmp.sh"
if ! "$PYTHON3" -c 'import cv2, numpy' 2>/dev/null; then
	skip "opencv comparisons" "$PYTHON3 cannot import cv2 and numpy"
	finish
fi

# synthetic images: smooth colour, gray noise with edges, binary blobs
"$PYTHON3" - <<'PY'
import cv2, numpy as np
rs = np.random.RandomState(5)
h, w = 61, 97
y, x = np.mgrid[0:h, 0:w]
rgb = np.stack([(x * 255 // (w - 1)), (y * 255 // (h - 1)),
                ((x + y) * 7) % 256], -1).astype(np.uint8)
rgb[20:40, 30:60] = rs.randint(0, 256, (20, 30, 3))
cv2.imwrite("synth_rgb.png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
g = rs.randint(0, 256, (h, w)).astype(np.uint8)
g[:, 50:] = 200
cv2.imwrite("synth_gray.png", g)
b = (cv2.GaussianBlur(rs.rand(83, 71).astype(np.float32), (0, 0), 2) > 0.5)
cv2.imwrite("synth_bin.png", b.astype(np.uint8) * 255)
PY

IMGS="synth_rgb.png synth_gray.png"
ximgproc=
"$PYTHON3" -c 'import cv2; cv2.ximgproc.thinning' 2>/dev/null && ximgproc=yes
SK=/usr/lib/python3/dist-packages/skimage/data
for f in camera.png astronaut.png coffee.png; do
	[ -f "$SK/$f" ] && IMGS="$IMGS $SK/$f"
done
[ -f "$SK/camera.png" ] || skip "photographs" "python3-skimage is not installed"

for img in $IMGS; do
	b=$(basename "$img" .png)
	for size in 37x23 300x200 256x256 1000x700; do
		W=${size%x*} H=${size#*x}
		for m in nearest linear cubic area; do
			tol=0
			[ $m = cubic ] && tol=1
			run dh-image resize --interp $m $size "$img" o.npy
			cmp_ref "$b resize $m $size" resize "$img" o.npy $tol $W $H $m
		done
	done
	for angle in 30 -45 90 17.5; do
		for m in nearest linear cubic; do
			tol=0
			[ $m = cubic ] && tol=1
			for border in constant replicate reflect101 wrap; do
				run dh-image rotate --interp $m --border $border \
					--value 7 -- $angle "$img" o.npy
				cmp_ref "$b rotate $angle $m $border" rotate "$img" \
					o.npy $tol $angle 1 $m $border 7
			done
		done
	done
	run dh-image rotate --scale 0.6 -- 33 "$img" o.npy
	cmp_ref "$b rotate scaled" rotate "$img" o.npy 0 33 0.6 linear constant 0
	for a in h v both; do
		run dh-image flip --axis $a "$img" o.npy
		cmp_ref "$b flip $a" flip "$img" o.npy 0 $a
	done
	run dh-image transpose "$img" o.npy
	cmp_ref "$b transpose" transpose "$img" o.npy 0
	run dh-image crop 3,5,20,11 "$img" o.npy
	cmp_ref "$b crop" crop "$img" o.npy 0 3 5 20 11
	for border in constant replicate reflect reflect101 wrap; do
		run dh-image pad --border $border --value 9 5,130,7,3 "$img" o.npy
		cmp_ref "$b pad $border" pad "$img" o.npy 0 5 130 7 3 $border 9
	done
	run dh-image gray "$img" o.npy
	cmp_ref "$b gray" gray "$img" o.npy 0
	for k in 3 5 7; do
		run dh-image blur -k $k "$img" o.npy
		cmp_ref "$b gaussian $k" gauss "$img" o.npy 0 $k 0
	done
	for k in 9 15; do
		run dh-image blur -k $k "$img" o.npy
		cmp_ref "$b gaussian $k" gauss "$img" o.npy 1 $k 0
	done
	for s in 0.8 1.5 3; do
		run dh-image blur --sigma $s "$img" o.npy
		cmp_ref "$b gaussian sigma $s" gauss "$img" o.npy 1 0 $s
		run dh-image blur -k 7 --sigma $s "$img" o.npy
		cmp_ref "$b gaussian 7 sigma $s" gauss "$img" o.npy 1 7 $s
	done
	for k in 3 5 7 4; do
		tol=0
		[ $k = 4 ] && tol=1
		run dh-image blur --kind box -k $k "$img" o.npy
		cmp_ref "$b box $k" box "$img" o.npy $tol $k
	done
	for k in 3 5 7; do
		run dh-image blur --kind median -k $k "$img" o.npy
		cmp_ref "$b median $k" median "$img" o.npy 0 $k
	done
	run dh-image adjust --contrast 0.5 --brightness 0.5 "$img" o.npy
	cmp_ref "$b adjust 0.5, 0.5" adjust "$img" o.npy 0 0.5 0.5
	run dh-image adjust --contrast 1.3 --brightness -20 "$img" o.npy
	cmp_ref "$b adjust 1.3, -20" adjust "$img" o.npy 1 1.3 -20
	run dh-image normalize --min 10 --max 200 "$img" o.npy
	cmp_ref "$b normalize 10..200" normalize "$img" o.npy 0 10 200
	run dh-image gamma 0.5 "$img" o.npy
	cmp_ref "$b gamma 0.5" gamma "$img" o.npy 0 0.5
	for op in erode dilate open close; do
		for sh in rect cross ellipse; do
			for sz in 3x3 5x5 7x3 4x4; do
				run dh-image morph --shape $sh --size $sz $op "$img" o.npy
				cmp_ref "$b $op $sh $sz" morph "$img" o.npy 0 $op $sh \
					${sz%x*} ${sz#*x} 1
			done
		done
	done
done

# colour: RGB images only
for img in $IMGS; do
	b=$(basename "$img" .png)
	case $b in synth_gray | camera) continue ;; esac
	run dh-image color hsv "$img" o.npy
	cmp_ref "$b rgb->hsv" hsv "$img" o.npy 0
	run dh-image color hsv "$img" hsv.npy
	[ "$rc" -eq 0 ] && run dh-image color --from hsv rgb hsv.npy o.npy
	cmp_ref "$b hsv->rgb" hsv2rgb "$img" o.npy 1
	run dh-image color ycbcr "$img" o.npy
	cmp_ref "$b rgb->ycbcr" ycbcr "$img" o.npy 0
	run dh-image color ycbcr "$img" ycc.npy
	[ "$rc" -eq 0 ] && run dh-image color --from ycbcr rgb ycc.npy o.npy
	cmp_ref "$b ycbcr->rgb" ycbcr2rgb "$img" o.npy 0
	run dh-image color bgr "$img" o.npy
	cmp_ref "$b rgb->bgr" bgr "$img" o.npy 0
done

# thresholds and components on gray images
for img in $IMGS; do
	b=$(basename "$img" .png)
	case $b in synth_gray | camera) ;; *) continue ;; esac
	run dh-image otsu "$img" o.npy
	t=$(sed -n 's/^threshold //p' "$out_file")
	cmp_ref "$b otsu" otsu "$img" o.npy 0 "$t"
	if "$PYTHON3" -c 'import skimage.filters' 2>/dev/null; then
		for k in 2 3 4; do
			run dh-image multiotsu --classes $k "$img" o.npy
			t=$(sed -n 's/^thresholds //p' "$out_file" | tr ' ' ,)
			cmp_ref "$b multi-level Otsu, $k classes (skimage)" multiotsu \
				"$img" o.npy 0 $k "$t"
		done
	fi
	run dh-image equalize "$img" o.npy
	cmp_ref "$b equalize" equalize "$img" o.npy 0
	run dh-image otsu "$img" bin_$b.png
	run dh-image contours bin_$b.png o.npy
	cmp_ref "$b outer contours" contours bin_$b.png o.npy 0 \
		"$(cat "$out_file")"
	if [ -n "$ximgproc" ]; then
		run dh-image thin bin_$b.png o.npy
		cmp_ref "$b thinning" thin bin_$b.png o.npy 0
	fi
	for c in 4 8; do
		run dh-image components --stats -c $c bin_$b.png o.npy
		cp "$out_file" stats_$b$c.txt
		cmp_ref "$b components $c (with statistics)" components \
			bin_$b.png o.npy 0 $c "$(head -n 1 stats_$b$c.txt)" \
			"$PWD/stats_$b$c.txt"
	done
done
run dh-image contours synth_bin.png o.npy
cmp_ref "blobs outer contours" contours synth_bin.png o.npy 0 "$(cat "$out_file")"
if [ -n "$ximgproc" ]; then
	run dh-image thin synth_bin.png o.npy
	cmp_ref "blobs thinning (cv2.ximgproc Zhang-Suen)" thin synth_bin.png \
		o.npy 0
fi
for c in 4 8; do
	run dh-image components -c $c synth_bin.png o.npy
	cmp_ref "blobs components $c" components synth_bin.png o.npy 0 $c \
		"$(cat "$out_file")"
	run dh-image components --stats -c $c synth_bin.png o.npy
	cp "$out_file" stats$c.txt
	cmp_ref "blobs components $c: area, bounding box, centroid" components \
		synth_bin.png o.npy 0 $c "$(head -n 1 stats$c.txt)" \
		"$PWD/stats$c.txt"
	run dh-image morph --iterations 3 --shape ellipse --size 5x5 open \
		synth_bin.png o.npy
	cmp_ref "blobs open x3" morph synth_bin.png o.npy 0 open ellipse 5 5 3
done

run_cases
finish
