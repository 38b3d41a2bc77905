# image-nifti.sh - NIfTI-1 and NIfTI-2 files from nibabel's test data read
# through nifti_clib, compared with nibabel's reading: voxel values (exact;
# scaled data within 1e-6 relative, dh computing in float32; NaN and Inf
# read as 0, which is what nifti_clib makes of them), the axis
# order (x, y, z -> width, height, depth; further dimensions -> channels),
# spacing, slices along each axis, and .nii files dh writes (NIfTI-1 with
# an sform), read back by nibabel: same voxels, spacing and affine.
. "$DH_SRCDIR/tests/lib.sh"

N=/usr/lib/python3/dist-packages/nibabel/tests/data
if ! "$PYTHON3" -c 'import nibabel, numpy' 2>/dev/null || [ ! -d "$N" ]; then
	skip "NIfTI comparisons" "python3-nibabel is not installed"
	finish
fi
if ! dh-image --build-info 2>/dev/null | grep -qi 'nifti.*yes' &&
	! dh-image info "$N/standard.nii.gz" >/dev/null 2>&1; then
	skip "NIfTI comparisons" "dh was built without nifti_clib"
	finish
fi

# nii_cmp NAME FILE OUT.npy [SLICE]: dh's pixels against nibabel's
nii_cmp() {
	if [ "$rc" -ne 0 ]; then
		not_ok "$1" "dh-image failed: $(cat "$err_file")"
		return
	fi
	if msg=$("$PYTHON3" - "$2" "$3" "${4:-}" <<'PY' 2>&1
import sys
import nibabel as nib
import numpy as np
path, out, sl = sys.argv[1], sys.argv[2], sys.argv[3]
img = nib.load(path)
n = np.asanyarray(img.dataobj)
while n.ndim < 3:
    n = n[..., None]
if n.ndim > 4:
    n = n.reshape(n.shape[:3] + (-1,))
if sl:
    axis, k = sl.split(":")
    k = int(k)
    # dh's slice planes: z -> (y, x), y -> (z, x), x -> (z, y)
    n = {"z": lambda a: a[:, :, k], "y": lambda a: a[:, k, :],
         "x": lambda a: a[k, :, :]}[axis](n)
    want = np.swapaxes(n, 0, 1)
else:
    want = np.swapaxes(n, 0, 2)  # (z, y, x[, t])
    if want.shape[0] == 1:
        want = want[0]
dh = np.load(out)
if dh.ndim == want.ndim + 1 and dh.shape[-1] == 1:
    dh = dh[..., 0]  # a narrow volume keeps its channel axis
if dh.shape != want.shape:
    sys.exit("shape: nibabel %s, dh %s" % (want.shape, dh.shape))
w64 = want.astype(np.float64)
# nifti_clib replaces non-finite floats by 0 as it loads them
w64[~np.isfinite(w64)] = 0
d = np.abs(dh.astype(np.float64) - w64)
tol = 1e-6 * np.nanmax(np.abs(w64)) if dh.dtype.kind == "f" else 0
print("max diff %g (tolerance %g), dtype %s" % (d.max(), tol, dh.dtype))
sys.exit(0 if d.max() <= tol else 1)
PY
	); then
		echo "# $msg"
		ok "$1"
	else
		not_ok "$1" "$msg"
	fi
}

for f in anatomical.nii functional.nii example4d.nii.gz \
	example_nifti2.nii.gz standard.nii.gz reoriented_anat_moved.nii \
	resampled_anat_moved.nii; do
	[ -f "$N/$f" ] || continue
	run dh-image convert "$N/$f" o.npy
	nii_cmp "read $f" "$N/$f" o.npy
	run dh-image info --json "$N/$f"
	want=$("$PYTHON3" -c '
import sys, nibabel as nib
z = [float(v) for v in nib.load(sys.argv[1]).header.get_zooms()[:3]]
print(", ".join("%g" % abs(v) for v in z))' "$N/$f")
	expect_out "spacing of $f" "\"spacing\": \[$want\]"
done
for s in z:3 y:7 x:0; do
	run dh-image convert --slice $s "$N/anatomical.nii" o.npy
	nii_cmp "slice $s of anatomical.nii" "$N/anatomical.nii" o.npy $s
done
# 4-D: a slice keeps the volumes as channels
for s in z:10 x:64; do
	run dh-image convert --slice $s "$N/example4d.nii.gz" o.npy
	nii_cmp "slice $s of the 4-D example4d.nii.gz" "$N/example4d.nii.gz" o.npy $s
done
run dh-image convert --slice y:3 "$N/example_nifti2.nii.gz" o.npy
nii_cmp "slice y:3 of the NIfTI-2 example_nifti2.nii.gz" "$N/example_nifti2.nii.gz" o.npy y:3
run dh-image convert --slice z:25 "$N/anatomical.nii" o.npy
expect_err "a slice past the end: one line" "slice z:25 is outside 0..24"

# writing .nii and .nii.gz: nibabel reads back the same voxels, spacing and
# affine; nifti_tool finds the header good
for f in anatomical.nii example4d.nii.gz standard.nii.gz functional.nii \
	example_nifti2.nii.gz anatomical.nii:gz example4d.nii.gz:gz \
	example_nifti2.nii.gz:gz; do
	case $f in
	*:gz) f=${f%:gz} w=w.nii.gz ;;
	*) w=w.nii ;;
	esac
	[ -f "$N/$f" ] || continue
	rm -f w.nii w.nii.gz
	run dh-image convert "$N/$f" $w
	if [ "$rc" -ne 0 ]; then
		not_ok "write $f as $w" "$(cat "$err_file")"
		continue
	fi
	if [ $w = w.nii.gz ] && ! gzip -t w.nii.gz 2>/dev/null; then
		not_ok "write $f as $w" "not a gzip file"
		continue
	fi
	if command -v nifti_tool >/dev/null 2>&1; then
		if nifti_tool -check_hdr -infiles $w 2>&1 | grep -q "header IS GOOD"; then
			ok "nifti_tool -check_hdr: $w from $f IS GOOD"
		else
			not_ok "nifti_tool -check_hdr $w from $f" "$(nifti_tool -check_hdr -infiles $w 2>&1 | head -3)"
		fi
	fi
	if msg=$("$PYTHON3" -c '
import sys, nibabel as nib, numpy as np
a, b = nib.load(sys.argv[1]), nib.load(sys.argv[2])
x, y = np.asanyarray(a.dataobj), np.asanyarray(b.dataobj)
# scaled integers come back as float32 (dh computes the scaling in float32)
tol = 1e-6 * np.abs(x).max() if y.dtype.kind == "f" else 0
same = x.shape == y.shape and np.abs(x.astype(np.float64) - y).max() <= tol
zoom = np.allclose(a.header.get_zooms()[:3], b.header.get_zooms()[:3])
aff = np.abs(a.affine - b.affine).max()
print("# voxels equal %s, spacing equal %s, affine max diff %g" % (same, zoom, aff))
sys.exit(0 if same and zoom and aff < 1e-4 else 1)' "$N/$f" $w 2>&1); then
		echo "$msg"
		ok "write $f as $w (nibabel reads it back)"
	else
		not_ok "write $f as $w" "$msg"
	fi
done

# broken NIfTI files: one line naming the file, exit 1
head -c 400 "$N/anatomical.nii" >cut.nii
run dh-image convert cut.nii o.npy
expect_rc "truncated .nii: exit 1" 1
expect_err "truncated .nii: one line" "^dh-image: cut.nii: "
head -c 200 "$N/anatomical.nii" >hdr.nii
run dh-image info hdr.nii
expect_rc "header cut short: exit 1" 1
finish
