# image-bad.sh - broken image files: truncated files of every format, zero
# and absurd dimensions (decompression bombs), garbage.  Each must give one
# line on stderr naming the file, exit status 1, and no crash; bombs must be
# refused before their pixels are allocated (the run is limited to 1 GiB).
. "$DH_SRCDIR/tests/lib.sh"

# a valid source of each format, made by dh itself
"$PYTHON3" -c '
import struct
w, h = 40, 30
rows = bytes((x * 6 + y * 3) % 256 for y in range(h) for x in range(w))
open("src.pgm", "wb").write(b"P5\n%d %d\n255\n" % (w, h) + rows)
' || { skip "bad input" "$PYTHON3 does not run"; finish; }
for ext in png jpg bmp tif ppm npy; do
	run dh-image color rgb src.pgm src.$ext
	[ "$rc" -eq 0 ] || not_ok "make src.$ext" "$(cat "$err_file")"
done

# 1 GiB of address space, unless the build cannot start under it (the
# sanitizers reserve terabytes of virtual memory)
vlimit=1048576
(ulimit -v $vlimit && dh-image --version) >/dev/null 2>&1 || vlimit=

# bad_case NAME FILE: dh-image convert FILE fails cleanly
bad_case() {
	( [ -z "$vlimit" ] || ulimit -v $vlimit
	dh-image convert "$2" out.npy >"$out_file" 2>"$err_file")
	rc=$?
	if [ "$rc" -ne 1 ]; then
		not_ok "$1" "expected exit status 1, got $rc: $(head -c 300 "$err_file")"
	else
		expect_err "$1" "^dh-image: $2: "
	fi
	if [ -e out.npy ]; then
		not_ok "$1: no output left behind" "out.npy exists"
		rm -f out.npy
	fi
}

for ext in png jpg bmp tif ppm pgm npy; do
	size=$(wc -c <src.$ext)
	for n in 1 8 20 60 $((size / 2)) $((size - 1)); do
		[ "$n" -lt "$size" ] || continue
		head -c "$n" src.$ext >cut_$n.$ext
		# files cut inside the magic are no image at all: the same clean
		# failure
		bad_case "$ext cut at $n of $size bytes" cut_$n.$ext
	done
done

# DICOM and NIfTI (.nii, .nii.gz) as dh writes them, cut short (where
# dh was built with GDCM and nifti_clib); a .nii.gz missing only the last
# byte of its gzip checksum too.
"$PYTHON3" -c 'import numpy as np; np.save("v.npy", (np.arange(4 * 30 * 40) % 251).astype(np.uint8).reshape(4, 30, 40))'
for out in src.dcm:src.pgm v.nii:v.npy v.nii.gz:v.npy; do
	dst=${out%%:*} from=${out#*:}
	run dh-image convert $from $dst
	if [ "$rc" -ne 0 ]; then
		skip "cut $dst" "dh cannot write it here: $(cat "$err_file")"
		continue
	fi
	size=$(wc -c <$dst)
	ext=${dst#*.}
	for n in 100 $((size / 2)) $((size - 1)); do
		[ "$n" -lt "$size" ] || continue
		head -c "$n" $dst >cut_$n.$ext
		bad_case "$ext cut at $n of $size bytes" cut_$n.$ext
	done
done

# absurd and zero sizes, written by hand from each format's layout
"$PYTHON3" - <<'PY'
import struct, zlib

def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

def png(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")

open("png_bomb.png", "wb").write(png(100000, 100000))
open("png_zero.png", "wb").write(png(0, 10))

def bmp(w, h, bpp=24):
    hdr = struct.pack("<2sIHHI", b"BM", 54 + 16, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, bpp, 0, 0, 0, 0, 0, 0)
    return hdr + info + b"\0" * 16

open("bmp_bomb.bmp", "wb").write(bmp(100000, 100000))
open("bmp_zero.bmp", "wb").write(bmp(0, 5))
open("bmp_neg.bmp", "wb").write(bmp(-5, 5))
open("bmp_bits.bmp", "wb").write(bmp(4, 4, 7))
open("pnm_bomb.pgm", "wb").write(b"P5\n100000 100000\n255\n" + b"\0" * 100)
open("pnm_zero.pgm", "wb").write(b"P5\n0 10\n255\n")
open("pnm_huge.pgm", "wb").write(b"P5\n99999999999999999999 1\n255\n")
open("pnm_maxval.pgm", "wb").write(b"P2\n2 1\n10\n5 11\n")
open("npy_bomb.npy", "wb").write(
    b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) +
    b"{'descr': '|u1', 'fortran_order': False, 'shape': (100000, 100000), }".ljust(117) + b"\n")
# a JPEG whose frame header claims 65500 x 65500 pixels
j = bytearray(open("src.jpg", "rb").read())
i = 2
while i < len(j):
    m, ln = j[i + 1], (j[i + 2] << 8) | j[i + 3]
    if m in (0xC0, 0xC1, 0xC2):
        j[i + 5:i + 9] = struct.pack(">HH", 65500, 65500)
        break
    i += 2 + ln
open("jpg_bomb.jpg", "wb").write(bytes(j))
open("garbage.png", "wb").write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
PY
for f in png_bomb.png png_zero.png bmp_bomb.bmp bmp_zero.bmp bmp_neg.bmp \
	bmp_bits.bmp pnm_bomb.pgm pnm_zero.pgm pnm_huge.pgm pnm_maxval.pgm \
	npy_bomb.npy jpg_bomb.jpg garbage.png; do
	bad_case "$f" "$f"
done
if command -v tiffset >/dev/null 2>&1; then
	cp src.tif tif_bomb.tif
	tiffset -s 256 100000 tif_bomb.tif && tiffset -s 257 100000 tif_bomb.tif
	bad_case "tif_bomb.tif" tif_bomb.tif
	cp src.tif tif_zero.tif
	tiffset -s 256 0 tif_zero.tif
	bad_case "tif_zero.tif" tif_zero.tif
fi
run dh-image convert --max-pixels 100 src.png out.npy
expect_rc "--max-pixels refuses a larger image" 1
expect_err "--max-pixels: the message says why" "over the limit of 100 pixels"
run dh-image info png_bomb.png
expect_out "info reads a bomb's header without decoding it" "100000x100000"

# writing: formats that cannot hold the pixels say so
run dh-image convert src.tif out.jpg
expect_rc "rgb to jpg works" 0
"$PYTHON3" -c 'import numpy as np; np.save("f.npy", np.zeros((4, 5), np.float32))'
run dh-image convert f.npy out.png
expect_err "float to png: one clear line" "^dh-image: out.png: PNG cannot hold float32 samples"
run dh-image convert src.png out.xyz
expect_rc "unknown output suffix: exit 1" 1
expect_err "unknown output suffix: one line" "cannot tell the output format"
run dh-image resize 0x5 src.png out.png
expect_rc "resize to zero: usage error" 2
run dh-image crop 30,20,20,20 src.png out.png
expect_err "crop outside: one line" "not inside the 40x30 image"
finish
