# image-corpus.sh - the image fuzz corpora (tests/fuzz/corpus: the seeds of
# `make fuzz-image`, and files dh's DICOM and NIfTI writers made) replayed
# through dh-image, then damaged copies of each: cut at several places,
# bytes flipped (seeded, so every run tries the same files), and headers
# claiming absurd sizes (decompression bombs).  Every file gets exit status
# 0 or 1, at most one line on stderr naming the file, no crash, and stays
# within 1 GiB of memory and 20 seconds.
. "$DH_SRCDIR/tests/lib.sh"

corpus=$DH_SRCDIR/tests/fuzz/corpus
if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
	skip "image corpora" "$PYTHON3 cannot import numpy"
	finish
fi
vlimit=1048576
(ulimit -v $vlimit && dh-image --version) >/dev/null 2>&1 || vlimit=

# clean NAME FILE [convert]: dh-image info and convert (or convert alone)
# end cleanly on FILE
clean() {
	c_bad=
	for cmd in ${3:-info convert}; do
		rm -f out.npy
		if [ $cmd = info ]; then set -- info "$2"; else set -- convert "$2" out.npy; fi
		( [ -z "$vlimit" ] || ulimit -v $vlimit
		exec timeout 20 dh-image "$@" >"$out_file" 2>"$err_file")
		rc=$?
		lines=$(wc -l <"$err_file")
		if [ "$rc" -gt 1 ] || [ "$lines" -gt 1 ] ||
			{ [ "$lines" -eq 1 ] && ! grep -q "^dh-image: " "$err_file"; }; then
			c_bad="$c_bad $cmd(exit $rc, $lines lines: $(head -c 160 "$err_file"))"
		fi
	done
	[ -z "$c_bad" ]
}

for dir in png jpeg tiff bmp pnm npyimg dicom nifti; do
	n=0 bad=""
	for f in "$corpus/$dir"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		b=$(basename "$f")
		cp "$f" "orig_$b"
		clean "$b" "orig_$b" || bad="$bad $b:$c_bad"
		if [ "$rc" -ne 0 ] && [ $dir != npyimg ]; then
			bad="$bad $b(a seed that does not read: exit $rc)"
		fi
	done
	[ "$n" -gt 0 ] || { skip "$dir corpus" "empty"; continue; }
	[ -z "$bad" ] && ok "$dir corpus: $n seeds read cleanly" ||
		not_ok "$dir corpus seeds" "$bad"
done

# damaged copies of every seed (gzip-compressed NIfTI damaged inside the
# stream too, so the decoder sees more than a bad CRC)
"$PYTHON3" - "$corpus" <<'PY'
import gzip, os, sys, struct
import numpy as np
corpus = sys.argv[1]
rs = np.random.RandomState(2026)
os.makedirs("bad", exist_ok=True)
for d in sorted(os.listdir(corpus)):
    if d not in ("png", "jpeg", "tiff", "bmp", "pnm", "npyimg", "dicom", "nifti"):
        continue
    for f in sorted(os.listdir(os.path.join(corpus, d))):
        data = open(os.path.join(corpus, d, f), "rb").read()
        gz = f.endswith(".gz")
        raw = gzip.decompress(data) if gz else data
        base, ext = (f[:-7], ".nii.gz") if gz else os.path.splitext(f)
        out = []
        for k, cut in enumerate(sorted(set(int(len(raw) * q) for q in
                                           (0.02, 0.25, 0.6, 0.95)))):
            out.append(("cut%d" % k, raw[:cut]))
        for k in range(4):
            b = bytearray(raw)
            for _ in range(1 + k % 3):
                i = rs.randint(0, len(b))
                b[i] ^= 1 << rs.randint(0, 8)
            out.append(("flip%d" % k, bytes(b)))
        for tag, b in out:
            if gz:
                b = gzip.compress(b)
            open(os.path.join("bad", "%s_%s_%s%s" % (d, base, tag, ext)), "wb").write(b)
# bombs: headers claiming huge images over tiny data
hdr = bytearray(open(os.path.join(corpus, "nifti", "vol.nii"), "rb").read()[:352])
struct.pack_into("<8h", hdr, 40, 3, 30000, 30000, 30000, 1, 1, 1, 1)
open("bad/nifti_bomb.nii", "wb").write(bytes(hdr) + b"\0" * 64)
struct.pack_into("<8h", hdr, 40, 4, 2, 2, 2, -5, 1, 1, 1)
open("bad/nifti_negdim.nii", "wb").write(bytes(hdr) + b"\0" * 64)
# fields nifti_clib complains about on stderr by itself (found by
# fuzz_nifti): dh checks them first, so there is one line
struct.pack_into("<8h", hdr, 40, 9, 2, 2, 2, 1, 1, 1, 1)
open("bad/nifti_dim0.nii", "wb").write(bytes(hdr) + b"\0" * 64)
struct.pack_into("<8h", hdr, 40, 3, 2, 2, 2, 1, 1, 1, 1)
struct.pack_into("<h", hdr, 70, 255)
open("bad/nifti_dtype.nii", "wb").write(bytes(hdr) + b"\0" * 64)
try:
    import pydicom
    ds = pydicom.dcmread(os.path.join(corpus, "dicom", "g8.dcm"))
    ds.Rows = ds.Columns = 65535
    ds.NumberOfFrames = "100000"
    ds.save_as("bad/dicom_bomb.dcm")
    ds = pydicom.dcmread(os.path.join(corpus, "dicom", "g16.dcm"))
    ds.Rows = 0
    ds.save_as("bad/dicom_zero.dcm")
except ImportError:
    pass
PY
for dir in png jpeg tiff bmp pnm npyimg dicom nifti; do
	n=0 bad=""
	for f in bad/${dir}_*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		# GDCM and nifti_clib read the header again in convert
		case $dir in
		dicom | nifti) clean "$f" "$f" convert ;;
		*) clean "$f" "$f" ;;
		esac || bad="$bad $(basename "$f"):$c_bad"
	done
	[ "$n" -gt 0 ] || continue
	[ -z "$bad" ] && ok "$dir: $n damaged files handled cleanly" ||
		not_ok "$dir damaged files" "$bad"
done
for f in bad/nifti_dim0.nii bad/nifti_dtype.nii; do
	run dh-image convert "$f" out.npy
	expect_rc "$(basename "$f"): exit 1" 1
	expect_err "$(basename "$f"): one line (nifti_clib kept quiet)" "^dh-image: $f: bad NIfTI file: (dim\[0\]|datatype)"
done
for f in bad/nifti_bomb.nii bad/dicom_bomb.dcm; do
	[ -f "$f" ] || continue
	( [ -z "$vlimit" ] || ulimit -v $vlimit
	exec dh-image convert "$f" out.npy >"$out_file" 2>"$err_file")
	rc=$?
	expect_rc "$(basename "$f"): refused, exit 1" 1
	expect_err "$(basename "$f"): one line, over the pixel limit" "^dh-image: $f: .*(over the limit|limit of)"
done
finish
