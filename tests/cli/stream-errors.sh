# stream-errors.sh - malformed tensor streams give one line with the file,
# the byte offset, the record and the cause; exit 1.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "malformed streams" "numpy is not importable by $PYTHON3"
	finish
fi

"$PYTHON3" -c '
import io, json, numpy as np
def save(name, *arrays, raw=b""):
    with open(name, "wb") as f:
        for a in arrays:
            np.save(f, a)
        f.write(raw)
x = np.zeros((4, 3), np.float32)
save("ok.npy", x)
b = io.BytesIO(); np.save(b, x); full = b.getvalue()
open("trunc-data.npy", "wb").write(full[:-5])
open("trunc-head.npy", "wb").write(full[:40])
open("magic.npy", "wb").write(b"GARBAGE!" + full[8:])
save("complex.npy", np.zeros(3, np.complex64))
save("object.npy", np.array(["a", "b"]))
save("fortran.npy", np.asfortranarray(np.zeros((3, 4), np.float32)))
save("mismatch.npy", x, np.zeros((4, 5), np.float32))
save("dtype-change.npy", x, np.zeros((4, 3), np.float64))
save("scalar.npy", np.float32(1))
man = lambda fields: np.frombuffer(json.dumps({"dh-stream": 1, "fields": fields}).encode(), np.uint8)
save("group-count.npy", man(["input", "target"]), x, np.zeros(3, np.int64))
save("group-trunc.npy", man(["input", "target"]), x)
save("bad-manifest.npy", np.frombuffer(b"{\"dh-stream\": 1, \"fields\": [1]}", np.uint8))
save("version.npy", np.frombuffer(b"{\"dh-stream\": 9, \"fields\": [\"input\"]}", np.uint8))
save("dup.npy", man(["input", "input"]))
open("v9.npy", "wb").write(full[:6] + b"\x09\x00" + full[8:])
'

check() { # file, expected message (ERE)
	run dh-image info "$1"
	expect_rc "$1 exits 1" 1
	expect_err "$1: $3" "^dh-image: $2"
}
check trunc-data.npy "trunc-data.npy: byte 128: record 0: truncated: 43 of 48 data bytes$" "truncated data"
check trunc-head.npy "trunc-head.npy: byte 0: record 0: truncated .npy header" "truncated header"
check magic.npy "magic.npy: not a recognised image format" "not a .npy file"
check complex.npy "complex.npy: byte 0: record 0: dtype '<c8' is not supported" "unsupported dtype"
check object.npy "object.npy: byte 0: record 0: dtype '<U1' is not supported" "strings"
check fortran.npy "fortran.npy: byte 0: record 0: Fortran-ordered array" "Fortran order"
check mismatch.npy "mismatch.npy: byte 176: record 1: field 'input' has shape \[4, 5\] here but \[N, 3\] before$" "shape mismatch"
check dtype-change.npy "dtype-change.npy: byte 176: record 1: field 'input' is float64 here but float32 before$" "dtype change"
check scalar.npy "scalar.npy: byte 128: record 0: field 'input' is a scalar" "scalar record"
check group-count.npy "group-count.npy: byte [0-9]+: record 2: field 'target' has 3 samples but 'input' has 4$" "group length mismatch"
check group-trunc.npy "group-trunc.npy: byte [0-9]+: record 2: truncated: the stream ends inside a group \(field 'target' missing\)$" "truncated group"
check bad-manifest.npy "bad-manifest.npy: byte 128: record 0: stream field 0 has no valid name$" "bad manifest"
check version.npy "version.npy: byte 128: record 0: stream version 9 \(this dh reads version 1\)$" "future version"
check dup.npy "dup.npy: byte 128: record 0: stream field 'input' appears twice$" "duplicate field"
check v9.npy "v9.npy: byte 0: record 0: .npy format version 9.0 is not supported$" "future npy version"

# the same errors from stdin name "stdin"
run dh-image info - <trunc-data.npy
expect_rc "stdin errors exit 1" 1
expect_err "stdin errors name stdin" "^dh-image: stdin: byte 128: record 0: truncated"
finish
