# image-dicom.sh - DICOM through GDCM against outside readers and writers:
# pydicom's decoding of its own test files (exact for raw, RLE and the
# lossless JPEG-LS / JPEG 2000 copies of MR_small; rescaled CT within 1e-4
# HU), spacing from Pixel Spacing, multi-frame RGB, files made by dcmtk's
# img2dcm (JPEG kept as is) and GDCM's gdcmimg/gdcmconv (raw, RLE, JPEG-LS,
# JPEG 2000: exact), the intensity window, and broken files.
. "$DH_SRCDIR/tests/lib.sh"

P=/usr/lib/python3/dist-packages/pydicom/data/test_files
if ! "$PYTHON3" -c 'import pydicom, numpy' 2>/dev/null || [ ! -d "$P" ]; then
	skip "DICOM comparisons" "python3-pydicom is not installed"
	finish
fi
if ! dh-image info "$P/MR_small.dcm" >/dev/null 2>&1; then
	skip "DICOM comparisons" "dh was built without GDCM"
	finish
fi

# py_cmp NAME SCRIPT ARGS...: run a Python check; it exits 0 when it agrees
py_cmp() {
	c_name=$1
	shift
	if [ "$rc" -ne 0 ]; then
		not_ok "$c_name" "dh-image failed: $(cat "$err_file")"
		return
	fi
	if c_msg=$("$PYTHON3" -c "$@" 2>&1); then
		echo "# $c_msg"
		ok "$c_name"
	else
		not_ok "$c_name" "$(echo "$c_msg" | tail -n 3)"
	fi
}

PYDCM='
import sys, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut
ds = pydicom.dcmread(sys.argv[1])
want = ds.pixel_array
if float(getattr(ds, "RescaleSlope", 1)) != 1 or float(getattr(ds, "RescaleIntercept", 0)) != 0:
    want = apply_modality_lut(want, ds)
dh = np.load(sys.argv[2])
if dh.shape != want.shape:
    sys.exit("shape: pydicom %s, dh %s" % (want.shape, dh.shape))
d = np.abs(dh.astype(np.float64) - want.astype(np.float64)).max()
tol = float(sys.argv[3])
print("max diff %g (tolerance %g), dh %s" % (d, tol, dh.dtype))
sys.exit(0 if d <= tol else 1)
'
for f in CT_small.dcm:1e-4 MR_small.dcm:0 MR_small_implicit.dcm:0 \
	MR_small_bigendian.dcm:0 MR_small_RLE.dcm:0 SC_rgb_rle_2frame.dcm:0 \
	ExplVR_BigEnd.dcm:0; do
	file=${f%:*} tol=${f#*:}
	[ -f "$P/$file" ] || continue
	run dh-image convert "$P/$file" o.npy
	py_cmp "read $file (pydicom agrees)" "$PYDCM" "$P/$file" o.npy "$tol"
done
# 16- and 32-bit RGB RLE: GDCM 3.0.21 and pydicom decode these differently
# (the bytes of the samples come out in another order); not resolved yet
skip "SC_rgb_rle_16bit.dcm, SC_rgb_rle_32bit_2frame.dcm" \
	"GDCM and pydicom disagree on 16/32-bit RGB RLE"
# lossless compressed copies of MR_small decode to the same pixels
for file in MR_small_jpeg_ls_lossless.dcm MR_small_jp2klossless.dcm; do
	run dh-image convert "$P/$file" o.npy
	py_cmp "read $file (= MR_small's pixels)" "$PYDCM" "$P/MR_small.dcm" \
		o.npy 0
done
run dh-image info --json "$P/CT_small.dcm"
expect_out "info: CT technical tags" '"modality": "CT", "photometric": "MONOCHROME2", "transfer_syntax": "1.2.840.10008.1.2.1"'
expect_out "info: rescale" '"rescale_slope": 1, "rescale_intercept": -1024'
sp=$("$PYTHON3" -c 'import sys, pydicom; s = pydicom.dcmread(sys.argv[1]).PixelSpacing; print("%g, %g" % (float(s[1]), float(s[0])))' "$P/CT_small.dcm")
expect_out "info: spacing from Pixel Spacing" "\"spacing\": \[$sp, "
run dh-image info "$P/SC_rgb_rle_2frame.dcm"
expect_out "info: two RGB frames as a volume" "100x100x2, uint8, 3 channels \(rgb\)"

# the window: centre 40, width 400 HU to 8 bits
run dh-image convert --window 40,400 "$P/CT_small.dcm" o.npy
py_cmp "window 40,400 (within 1 level)" '
import sys, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut
ds = pydicom.dcmread(sys.argv[1])
hu = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
want = np.rint(np.clip((hu - (40 - 200)) / 400, 0, 1) * 255)
d = np.abs(np.load(sys.argv[2]).astype(np.float64) - want).max()
print("max diff %g" % d)
sys.exit(0 if d <= 1 else 1)' "$P/CT_small.dcm" o.npy

# files made by outside tools
SK=/usr/lib/python3/dist-packages/skimage/data
if command -v gdcmimg >/dev/null 2>&1 && [ -f "$SK/camera.png" ]; then
	run dh-image convert "$SK/camera.png" camera.pgm
	run dh-image convert "$SK/camera.png" want.npy
	gdcmimg camera.pgm camera.dcm 2>/dev/null
	for v in raw rle jpegls j2k; do
		if [ $v = raw ]; then
			cp camera.dcm cam_$v.dcm
		else
			gdcmconv --$v camera.dcm cam_$v.dcm 2>/dev/null
		fi
		run dh-image convert cam_$v.dcm o.npy
		py_cmp "gdcmimg + gdcmconv --$v: exact" '
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
print("equal: %s" % np.array_equal(a, b))
sys.exit(0 if a.shape == b.shape and np.array_equal(a, b) else 1)' o.npy want.npy
	done
else
	skip "files from gdcmimg" "libgdcm-tools or python3-skimage missing"
fi
if command -v img2dcm >/dev/null 2>&1 && [ -f "$SK/astronaut.png" ]; then
	run dh-image convert "$SK/astronaut.png" astro.jpg
	img2dcm astro.jpg astro.dcm >/dev/null 2>&1
	run dh-image convert astro.jpg want.npy
	run dh-image convert astro.dcm o.npy
	py_cmp "img2dcm (YBR JPEG kept as is) within 2 levels of libjpeg" '
import sys, numpy as np
a, b = np.load(sys.argv[1]).astype(int), np.load(sys.argv[2]).astype(int)
if a.shape != b.shape:
    sys.exit("shape %s vs %s" % (a.shape, b.shape))
d = np.abs(a - b)
print("max diff %d, mean %.4f" % (d.max(), d.mean()))
sys.exit(0 if d.max() <= 2 else 1)' o.npy want.npy
else
	skip "files from img2dcm" "dcmtk or python3-skimage missing"
fi

# broken files: one line naming the file, exit 1, no crash
head -c 1000 "$P/CT_small.dcm" >cut.dcm
for f in cut.dcm "$P/rtdose_1frame.dcm" "$P/liver_1frame.dcm"; do
	[ -f "$f" ] || continue
	run dh-image convert "$f" o.npy
	expect_rc "$(basename "$f"): exit 1" 1
	expect_err "$(basename "$f"): one line" "^dh-image: .*$(basename "$f"): "
done
finish
