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
# 16- and 32-bit RGB RLE, which GDCM 3.0.21 reassembles in the wrong byte
# order: dh decodes these itself (32-bit samples as float64, exact)
for file in SC_rgb_rle_16bit.dcm SC_rgb_rle_16bit_2frame.dcm \
	SC_rgb_rle_32bit.dcm SC_rgb_rle_32bit_2frame.dcm; do
	[ -f "$P/$file" ] || continue
	run dh-image convert "$P/$file" o.npy
	py_cmp "read $file (pydicom agrees)" "$PYDCM" "$P/$file" o.npy 0
done
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

# the file's own window (MR_small: centre 600, width 1600), against the
# DICOM linear VOI function (PS3.3 C.11.2.1.2) mapped to 0..255
run dh-image info --json "$P/MR_small.dcm"
expect_out "info: the window pydicom reads" '"window_center": 600, "window_width": 1600'
run dh-image convert --window file "$P/MR_small.dcm" o.npy
py_cmp "--window file (within 1 level of the VOI function)" '
import sys, numpy as np, pydicom
ds = pydicom.dcmread(sys.argv[1])
c, w = float(ds.WindowCenter), float(ds.WindowWidth)
x = ds.pixel_array.astype(np.float64)
want = np.clip(((x - (c - 0.5)) / (w - 1) + 0.5) * 255, 0, 255)
d = np.abs(np.load(sys.argv[2]).astype(np.float64) - want).max()
print("window %g/%g, max diff %.3f" % (c, w, d))
sys.exit(0 if d <= 1 else 1)' "$P/MR_small.dcm" o.npy
run dh-image convert --window file "$P/CT_small.dcm" o.npy
expect_err "--window file without a window: one line" "the file gives no window"

# more transfer syntaxes and layouts of pydicom'"'"'s files: colour JPEG held
# as YBR_FULL / YBR_FULL_422 (dcmtk made them), uncompressed YBR_FULL_422,
# deflate, JPEG 2000, and the 15-frame RT dose (raw, RLE, big endian 32-bit)
# whose Dose Grid Scaling GDCM applies as a slope; pydicom decodes and
# converts to RGB: exact
PYDCM2='
import sys, warnings, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, convert_color_space
warnings.simplefilter("ignore")
ds = pydicom.dcmread(sys.argv[1])
want = ds.pixel_array.astype(np.float64)
if ds.PhotometricInterpretation.startswith("YBR"):
    want = convert_color_space(ds.pixel_array, "YBR_FULL", "RGB").astype(np.float64)
if "DoseGridScaling" in ds:
    want = want * float(ds.DoseGridScaling)
elif "RescaleSlope" in ds and ds.SamplesPerPixel == 1:
    want = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
dh = np.load(sys.argv[2])
if dh.shape != want.shape:
    sys.exit("shape: pydicom %s, dh %s" % (want.shape, dh.shape))
d = np.abs(dh - want).max()
print("%s %s: max diff %g" % (ds.file_meta.TransferSyntaxUID, ds.PhotometricInterpretation, d))
sys.exit(0 if d == 0 else 1)
'
for file in SC_rgb_jpeg_dcmtk.dcm SC_rgb_dcmtk_+eb+cy+n1.dcm \
	SC_rgb_dcmtk_+eb+cy+s2.dcm SC_rgb_small_odd_jpeg.dcm \
	SC_jpeg_no_color_transform.dcm SC_ybr_full_422_uncompressed.dcm \
	image_dfl.dcm JPEG2000.dcm 693_J2KI.dcm rtdose.dcm rtdose_rle.dcm \
	rtdose_expb.dcm; do
	[ -f "$P/$file" ] || continue
	if ! "$PYTHON3" -W ignore -c 'import sys, pydicom; pydicom.dcmread(sys.argv[1]).pixel_array' "$P/$file" 2>/dev/null; then
		skip "read $file" "pydicom cannot decode it here"
		continue
	fi
	run dh-image convert "$P/$file" o.npy
	py_cmp "read $file (pydicom agrees)" "$PYDCM2" "$P/$file" o.npy
done
# 12-bit lossy JPEG, which pydicom cannot decode: against gdcmconv --raw
if command -v gdcmconv >/dev/null 2>&1; then
	for file in JPGExtended.dcm JPEG-lossy.dcm; do
		gdcmconv --raw "$P/$file" raw.dcm 2>/dev/null || continue
		run dh-image convert "$P/$file" o.npy
		py_cmp "read $file (12-bit JPEG) = gdcmconv --raw, read by pydicom" "$PYDCM" raw.dcm o.npy 0
	done
fi
# transfer syntaxes dh does not decode: one clear line, exit 1
"$PYTHON3" -W ignore - "$P/MR_small.dcm" <<'PY'
import sys, pydicom
from pydicom.encaps import encapsulate
for ts, name in (("1.2.840.10008.1.2.4.100", "mpeg2"),
                 ("1.2.840.10008.1.2.4.102", "h264"),
                 ("1.2.840.10008.1.2.4.107", "hevc")):
    d = pydicom.dcmread(sys.argv[1])
    d.file_meta.TransferSyntaxUID = ts
    d.PixelData = encapsulate([d.PixelData])
    d["PixelData"].is_undefined_length = True
    d["PixelData"].VR = "OB"
    d.save_as("ts_%s.dcm" % name, write_like_original=False)
PY
for v in mpeg2:MPEG2 h264:MPEG-4 hevc:HEVC; do
	f=ts_${v%:*}.dcm
	[ -f $f ] || continue
	run dh-image convert $f o.npy
	expect_rc "$f: exit 1" 1
	expect_err "$f: one line naming the syntax" "^dh-image: $f: DICOM transfer syntax 1\.2\.840\.10008\.1\.2\.4\.1[0-9]+ \(${v#*:}.*\) is not supported"
done

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

# --- writing: Secondary Capture through GDCM --------------------------------
# sources of each kind dh writes, in numpy
"$PYTHON3" - <<'PY'
import numpy as np
rs = np.random.RandomState(5)
h, w = 37, 53
y, x = np.mgrid[0:h, 0:w]
np.save("s_u8.npy", ((x * 5 + y * 3) % 256).astype(np.uint8))
np.save("s_u16.npy", (x * 1200 + y * 37).astype(np.uint16))
np.save("s_i16.npy", (x * 900 - y * 700).astype(np.int16))
np.save("s_rgb8.npy", rs.randint(0, 256, (h, w, 3)).astype(np.uint8))
np.save("s_rgb16.npy", rs.randint(0, 65536, (h, w, 3)).astype(np.uint16))
# integers beyond 16 bits but within 65536 steps: an intercept, exact
np.save("s_i32.npy", (x * 1000 + y * 10 + 100000).astype(np.int32))
# fractional values: quantised to 65536 levels with a slope
np.save("s_f32.npy", (rs.rand(h, w) * 7.5 - 2).astype(np.float32))
np.save("s_nan.npy", np.full((4, 4), np.nan, np.float32))
np.save("s_vol.npy", np.zeros((3, 4, 5), np.uint8))
np.save("s_rgba.npy", np.zeros((4, 5, 4), np.uint8))
PY
WCHECK='
import sys, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut
ds = pydicom.dcmread(sys.argv[1])
src = np.load(sys.argv[2])
if ds.SOPClassUID != "1.2.840.10008.5.1.4.1.1.7":
    sys.exit("SOP class %s" % ds.SOPClassUID)
for k in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex"):
    if str(ds.get(k, "missing")) != "":
        sys.exit("%s is %r, not present and empty" % (k, ds.get(k)))
a = ds.pixel_array
slope = float(getattr(ds, "RescaleSlope", 1))
if src.ndim == 2:
    a = apply_modality_lut(a, ds)
tol = slope / 2 if slope != 1 else 0
if a.shape != src.shape:
    sys.exit("shape: pydicom %s, source %s" % (a.shape, src.shape))
d = np.abs(a.astype(np.float64) - src.astype(np.float64)).max()
print("%s: %s %d bits, slope %g, max diff %g (tolerance %g)" % (
    sys.argv[1], ds.PhotometricInterpretation, ds.BitsAllocated, slope, d, tol))
sys.exit(0 if d <= tol else 1)
'
for k in u8 u16 i16 rgb8 rgb16 i32 f32; do
	run dh-image convert s_$k.npy w_$k.dcm
	py_cmp "write $k as DICOM: pydicom reads the source pixels" "$WCHECK" \
		w_$k.dcm s_$k.npy
	run dh-image convert w_$k.dcm back.npy
	py_cmp "write $k as DICOM: dh reads it back" "$WCHECK" w_$k.dcm back.npy
done
if command -v dciodvfy >/dev/null 2>&1; then
	for k in u8 i16 rgb8 f32; do
		if dciodvfy w_$k.dcm >vfy.txt 2>&1 && ! grep -q "^Error" vfy.txt &&
			grep -q "^SCImage" vfy.txt; then
			ok "dciodvfy: w_$k.dcm is a valid SC image (no errors)"
		else
			not_ok "dciodvfy w_$k.dcm" "$(grep -m 3 "^Error" vfy.txt)"
		fi
	done
else
	skip "dciodvfy on the files dh writes" "dicom3tools is not installed"
fi
if command -v dcmdump >/dev/null 2>&1; then
	run dcmdump -q w_f32.dcm
	expect_out "dcmdump: SOP class" "\(0008,0016\) UI =SecondaryCaptureImageStorage"
	expect_out "dcmdump: rescale slope written" "\(0028,1053\) DS \[1\.142[0-9]*e-0?4\]"
	expect_out "dcmdump: patient name empty" "\(0010,0010\) PN \(no value available\)"
fi
# CT: Hounsfield units (float after the rescale) go back as int16, exactly,
# with the pixel spacing as Nominal Scanned Pixel Spacing (SC's attribute)
run dh-image convert "$P/CT_small.dcm" ct.dcm
py_cmp "write CT_small again: same HU, same spacing" '
import sys, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut
a, b = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2])
ha = apply_modality_lut(a.pixel_array, a)
hb = apply_modality_lut(b.pixel_array, b)
sp = [float(v) for v in b.NominalScannedPixelSpacing]
want = [float(v) for v in a.PixelSpacing]
print("HU equal %s, spacing %s (source %s)" % (np.array_equal(ha, hb), sp, want))
sys.exit(0 if np.array_equal(ha, hb) and np.allclose(sp, want) else 1)' \
	"$P/CT_small.dcm" ct.dcm
run dh-image convert "$SK/camera.png" cam.dcm
py_cmp "dh-image convert camera.png camera.dcm: pixels exact" '
import sys, numpy as np, pydicom, cv2
a = pydicom.dcmread(sys.argv[1]).pixel_array
b = cv2.imread(sys.argv[2], cv2.IMREAD_UNCHANGED)
print("equal %s" % np.array_equal(a, b))
sys.exit(0 if np.array_equal(a, b) else 1)' cam.dcm "$SK/camera.png"
run dh-image convert s_vol.npy o.dcm
expect_err "write a volume as DICOM: one line" "^dh-image: o.dcm: DICOM output holds one 2D image"
run dh-image convert s_rgba.npy o.dcm
expect_err "write RGBA as DICOM: one line" "^dh-image: o.dcm: DICOM output holds gray or RGB images, not 4 channels"
run dh-image convert s_nan.npy o.dcm
expect_err "write NaN as DICOM: one line" "^dh-image: o.dcm: DICOM cannot hold NaN"

# broken files: one line naming the file, exit 1, no crash
head -c 1000 "$P/CT_small.dcm" >cut.dcm
for f in cut.dcm "$P/rtdose_1frame.dcm" "$P/liver_1frame.dcm"; do
	[ -f "$f" ] || continue
	run dh-image convert "$f" o.npy
	expect_rc "$(basename "$f"): exit 1" 1
	expect_err "$(basename "$f"): one line" "^dh-image: .*$(basename "$f"): "
done
finish
