# augment.sh - dh-augment: ECVL's augmentation files are read, every
# bad-input rule gives one line with its position, deterministic transforms
# match NumPy/OpenCV, random ones have the right statistics and are
# bit-identical under any thread count or sample order, and masks move with
# their images.
. "$DH_SRCDIR/tests/lib.sh"
ref=$DH_SRCDIR/tests/cli/augment_ref.py

# --- ECVL's files -----------------------------------------------------------
cat >ecvl1.txt <<'EOF'
SequentialAugmentationContainer
    AugResizeDim dims=(256,256) interp="cubic"
    OneOfAugmentationContainer p=0.6
        AugElasticTransform alpha=[30,60] sigma=[3,5] border_type="reflect_101"
        AugGridDistortion num_steps=[4,8] distort_limit=[-0.25,0.25]
    end
    AugMirror p=0.5
    AugRotate angle=[-10,10] gt_interp="nearest"
    AugGammaContrast gamma=[0.7,1.3]
    AugToFloat32 divisor=255 divisor_gt=255
    AugNormalize mean=(0.485,0.456,0.406) std=(0.229,0.224,0.225)
end
EOF
cat >ecvl2.txt <<'EOF'
SequentialAugmentationContainer
    AugRotate angle=[-5,5] center=(0,0) scale=0.5 interp="linear"
    AugAdditiveLaplaceNoise std_dev=[0,0.51]
    AugCoarseDropout p=[0,0.55] drop_size=[0.02,0.1] per_channel=0
    AugAdditivePoissonNoise lambda=[0,40]
    AugResizeDim dims=(500,500) interp="linear"
end
EOF
cat >ecvl3.txt <<'EOF'
SequentialAugmentationContainer
    AugMirror p=0.4
    AugFlip p=0.7
    AugTranspose p=0.5
    AugBrightness beta=[30,60]
    AugGaussianBlur sigma=[1.0,2.0]
    OneOfAugmentationContainer p=0.7
        AugSalt p=[0.1,0.3] per_channel=0.5
        AugPepper p=[0.1,0.3] per_channel=0
        AugSaltAndPepper p=[0.1,0.3] per_channel=1
    end
    AugRandomCrop size=(30,30) border_type="reflect101"
    AugCenterCrop size=(20,20)
    AugCenterCrop
    AugResizeScale scale=(2,2) interp="nearest"
    AugOpticalDistortion distort_limit=[-0.2,0.2] shift_limit=[-0.1,0.1] border_type="constant" border_value=0
    AugGridDistortion num_steps=[5,10] distort_limit=[-0.2,0.2] interp="linear" border_type="reflect_101"
    AugScaleTo new_min=0 new_max=255
    AugDivBy255
end
EOF
# CRLF line ends and trailing spaces (ECVL's reader swallows the next line)
printf 'SequentialAugmentationContainer\r\n  AugMirror p=0.5   \r\n  AugFlip p=0.5\r\n  AugScaleFromTo old_min=0 old_max=255 new_min=0 new_max=1 \r\nend\r\n' >ecvl4.txt
for f in ecvl1.txt ecvl2.txt ecvl3.txt ecvl4.txt; do
	run dh-augment --check -f $f
	expect_rc "ECVL file $f is read" 0
done
expect_out "CRLF and trailing spaces: both flips read" "^  flip p=0.5"

# --- dh-augment(5) documents every transform and parameter -----------------
page=$DH_SRCDIR/man/dh-augment.5
if command -v groff >/dev/null; then
	warn=$(groff -man -t -ww -z "$page" 2>&1)
	[ -z "$warn" ] && ok "dh-augment.5 renders without warnings" ||
		not_ok "dh-augment.5 renders without warnings" "$warn"
fi
missing=""
dh-augment --list >list.txt
for w in $(sed -n 's/^\([a-z_0-9]*\) .*/\1/p; s/^  \([a-z_0-9]*\)[ :].*/\1/p; s/.*(ECVL \([A-Za-z_0-9]*\)).*/\1/p' list.txt | sort -u); do
	grep -q "^\.B $w\$\|\\fB$w\\fR\|^$w\b\|	$w\b\|^Aug[A-Za-z]*	$w" "$page" || missing="$missing $w"
done
[ -z "$missing" ] && ok "dh-augment.5 documents every transform and parameter of --list" ||
	not_ok "dh-augment.5 documents every transform and parameter" "missing:$missing"

# every pipeline printed in dh-augment(5) (synopsis and examples) parses
awk -v dir=. '
	/^\.SH (SYNOPSIS|EXAMPLES)/ { on = 1; next }
	/^\.SH / { on = 0 }
	on && /^\.nf/ { n++; f = dir "/man-ex" n ".aug"; inblk = 1; next }
	on && /^\.fi/ { inblk = 0; next }
	inblk { gsub(/\\-/, "-"); print > f }' "$page"
nex=0 bad=""
for f in man-ex*.aug; do
	[ -f "$f" ] || continue
	nex=$((nex + 1))
	dh-augment --check -f "$f" >/dev/null 2>err.txt || bad="$bad $f: $(cat err.txt)"
done
[ "$nex" -ge 4 ] && [ -z "$bad" ] && ok "the $nex pipelines printed in dh-augment.5 parse" ||
	not_ok "dh-augment.5's pipelines parse" "$nex found;$bad"

# --- errors: one line, file:line:col ---------------------------------------
bad() { # name, file text, expected stderr (exact)
	printf '%b' "$2" >bad.txt
	run dh-augment --check -f bad.txt
	if [ "$rc" -eq 1 ] && [ "$(cat "$err_file")" = "dh-augment: $3" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc, stderr: $(cat "$err_file"); wanted: dh-augment: $3"
	fi
}
bad "unknown transform, nearest name" 'AugMirror p=0.5\nAugRotat angle=[-5,5]\n' \
	"bad.txt:2:1: unknown transform 'AugRotat'; did you mean 'AugRotate'?"
bad "unknown parameter, nearest name" 'rotate angle=[-5,5] intrep=cubic' \
	"bad.txt:1:21: unknown parameter 'intrep' for rotate; did you mean 'interp'?"
bad "range with a > b" 'AugRotate angle=[10,-10]' \
	"bad.txt:1:17: range [10, -10] of angle: the lower bound is above the upper bound"
bad "p outside [0, 1]" 'oneof p=1.2 {\n  mirror\n}' \
	"bad.txt:1:9: p must be between 0 and 1, not 1.2"
bad "non-numeric value" 'AugGaussianBlur sigma=[0.5,one]' \
	"bad.txt:1:28: expected a number in sigma's range, found 'one'"
bad "border names: one list, nearest suggested" 'AugGridDistortion num_steps=5 distort_limit=[-0.1,0.1] border_type="reflect101x"' \
	"bad.txt:1:68: unknown border 'reflect101x'; did you mean 'reflect_101'? (one of constant, replicate, reflect, reflect_101, wrap, transparent)"
bad "missing required parameter" '\n  AugResizeDim interp="linear"' \
	"bad.txt:2:3: AugResizeDim needs dims=(w, h) or scale=(sx, sy)"
bad "unclosed container" 'SequentialAugmentationContainer\n  AugMirror p=0.5\n' \
	"bad.txt:3:1: expected 'end' to close the container opened at 1:1, found end of file"
bad "missing '='" 'AugRotate angle [1,2]' \
	"bad.txt:1:17: expected '=' after 'angle', found '['"
run dh-augment -e 'mirror; flip' --split validation --check
expect_rc "a split the file lacks: exit 1" 1
expect_err "a split the file lacks: says which it has" "^dh-augment: -e: no section 'validation' \(it has: training\)$"
run dh-augment --check
expect_rc "no pipeline: usage error" 2

# --- deterministic transforms against NumPy / OpenCV ---------------------
if ! have_numpy; then
	skip "references" "$PYTHON3 cannot import numpy"
	finish
fi
"$PYTHON3" "$ref" make || { not_ok "make inputs" "augment_ref.py make failed"; finish; }
have_cv2() { "$PYTHON3" -c 'import cv2' 2>/dev/null; }
same_as() { # case, pipeline [input]
	run dh-augment -e "$2" "${3:-rgb.npy}" -o out.npy
	if [ "$rc" -ne 0 ]; then
		not_ok "$1" "$(cat "$err_file")"
		return
	fi
	if msg=$("$PYTHON3" "$ref" cmp "$1" out.npy 2>&1); then
		echo "# $1: $msg"
		ok "$1 as the reference"
	else
		not_ok "$1 as the reference" "$msg"
	fi
}
same_as mirror "mirror p=1"
same_as flip "AugFlip p=1"
same_as transpose "transpose p=1"
same_as center_crop "center_crop size=(40,30)"
same_as center_crop_square "AugCenterCrop"
same_as normalize "normalize mean=(0.485,0.456,0.406) std=(0.229,0.224,0.225) divisor=255"
same_as div255 "AugDivBy255"
same_as gamma "gamma gamma=0.5"
if have_cv2; then
	same_as resize "AugResizeDim dims=(32,20)"
	same_as resize_nearest "resize size=(32,20) interp=nearest"
	same_as smooth-rotate "rotate angle=30" smooth.npy
	same_as rotate_nearest "rotate angle=90 interp=nearest"
	same_as smooth-rotate_cubic "rotate angle=30 interp=cubic" smooth.npy
	for b in reflect_101 replicate reflect; do
		same_as smooth-rotate_border_$b "AugRotate angle=30 border_type=\"$b\"" smooth.npy
	done
else
	skip "OpenCV references" "$PYTHON3 cannot import cv2"
fi
run dh-augment -e "normalize mean=0 std=1" rgb.png -o f.npy
expect_rc "an .npy output keeps the float image" 0
"$PYTHON3" -c 'import numpy as np, sys; a = np.load("f.npy"); sys.exit(0 if a.dtype == np.float32 and a.shape == (45, 60, 3) else 1)' &&
	ok "the .npy holds float32 [45, 60, 3]" || not_ok "float .npy" "$(cat "$err_file")"

# --- random transforms: statistics and reproducibility -----------------------
run dh-augment -e "mirror p=0.5" --seed 4 -o mirrored.npy <pairs.npy
if msg=$("$PYTHON3" "$ref" mirror-count mirrored.npy); then
	echo "# $msg"
	ok "mirror p=0.5 over 2000 samples: within 5 sd of 1000"
else
	not_ok "mirror p=0.5 statistics" "$msg"
fi
pipe='rotate angle=[-30,30]; mirror; elastic alpha=[5,20]; random_crop size=(14,14); gaussian_noise std=[0,8]; color_jitter hue=[-20,20]'
dh-augment -j1 -e "$pipe" --seed 9 <g.npy >t1.npy
dh-augment -j2 -e "$pipe" --seed 9 <g.npy >t2.npy
dh-augment -j2 -e "$pipe" --seed 10 <g.npy >t3.npy
dh-augment -j2 -e "$pipe" --seed 9 --epoch 1 <g.npy >t4.npy
dh-augment -j2 -e "$pipe" --seed 9 <shuffled.npy >t5.npy
if [ -s t1.npy ] && cmp -s t1.npy t2.npy; then
	ok "1 or 2 threads: the same bytes"
else
	not_ok "thread independence" "t1.npy and t2.npy differ"
fi
cmp -s t1.npy t3.npy && not_ok "another seed gives other samples" "identical" || ok "another seed gives other samples"
cmp -s t1.npy t4.npy && not_ok "another epoch gives other samples" "identical" || ok "another epoch gives other samples"
if msg=$("$PYTHON3" "$ref" same-by-id t1.npy t5.npy); then
	ok "shuffled stream: each sample (by id) augmented the same"
else
	not_ok "shuffled order" "$msg"
fi
dh-augment -e 'rotate angle=[-45,45] interp=nearest; elastic interp=nearest; grid_distortion interp=nearest; transpose; random_resized_crop size=(12,10) interp=nearest' --seed 2 <g.npy >m.npy
if msg=$("$PYTHON3" "$ref" masks-follow m.npy); then
	echo "# $msg"
	ok "masks move with their images"
else
	not_ok "masks move with their images" "$msg"
fi
run dh-augment -e 'random_crop size=(10,10)' --mask rgb.npy rgb.npy -o o.png
expect_rc "--mask with a 3-channel image as mask is still read" 0
run dh-augment -e 'rotate angle=[-30,30]' --preview 5 rgb.png -o montage.png
expect_rc "--preview draws a montage" 0
"$PYTHON3" -c 'import cv2, sys; a = cv2.imread("montage.png"); sys.exit(0 if a.shape == (45, 300, 3) else 1)' 2>/dev/null &&
	ok "the montage is 5 images side by side" || skip "montage size" "no cv2 or wrong size"
run dh-augment -e 'random_crop size=[10,20]' rgb.npy -o o.npy
expect_err "a range where a vector belongs: one line with the place" "^dh-augment: -e:1:18: expected a number or a vector \(a, b, \.\.\.\) after 'size=', found '\['$"
run dh-augment -e 'normalize mean=(1,2) std=1' -o failed.npy <g.npy
expect_err "a sample that fails: one line naming the sample and the transform" "^dh-augment: stdin: sample 0: normalize \(line 1\): normalize: mean has 2 values and std 1, but the image has 3 channels$"
[ ! -e failed.npy ] && ok "a failed stream leaves no output file" || not_ok "atomic output" "failed.npy exists"
run dh-augment -e 'oneof { resize size=(8,8); resize size=(9,9) }' <g.npy
expect_err "samples that come out in different sizes: said so" "^dh-augment: stdin: sample [0-9]+ came out .* end the pipeline with a fixed size"
printf 'training:\n  mirror\nvalidation:\n  resize size=(8,8)\n' >splits.txt
run dh-augment -f splits.txt --split validation rgb.npy -o v.npy
expect_rc "--split picks a section" 0
"$PYTHON3" -c 'import numpy as np, sys; sys.exit(0 if np.load("v.npy").shape == (8, 8, 3) else 1)' &&
	ok "the validation section ran" || not_ok "the validation section ran" "wrong shape"
finish
