# stream-numpy.sh - tensor streams round-trip with NumPy in both directions,
# and dh writes .npy headers byte for byte as NumPy does.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "tensor streams against numpy" "numpy is not importable by $PYTHON3"
	finish
fi

py() { "$PYTHON3" -c "$@"; }

# How dh-tensor(5) tells Python users to read a stream, from a file or a pipe
records='
import numpy as np
class _Reader:  # numpy reads pipes only through .read()
    def __init__(self, f): self.read = f.read
def records(f):
    r = _Reader(f)
    while f.peek(1):
        yield np.lib.format.read_array(r)
'

# 1. plain .npy files of every dtype: dh re-writes them byte for byte
py '
import numpy as np
rng = np.random.default_rng(1)
for name, dt in [("f4", "<f4"), ("f2", "<f2"), ("f8", "<f8"), ("u1", "|u1"),
                 ("i1", "|i1"), ("u2", "<u2"), ("i2", "<i2"), ("i4", "<i4"),
                 ("i8", "<i8"), ("b1", "|b1")]:
    a = (rng.standard_normal((5, 3, 2)) * 50).astype(dt)
    np.save(name + ".npy", a)
np.save("vec.npy", np.arange(7, dtype=np.float32))
np.save("empty.npy", np.zeros((0, 4), np.float32))
np.save("wide.npy", np.zeros((2, 1, 1, 1, 1, 1, 1, 3), np.int16))
'
for f in f4 f2 f8 u1 i1 u2 i2 i4 i8 b1 vec empty wide; do
	run dh-test-stream cat <"$f.npy"
	if [ "$rc" -eq 0 ] && cmp -s "$out_file" "$f.npy"; then
		ok "dh re-writes $f.npy byte for byte as numpy.save wrote it"
	else
		not_ok "dh re-writes $f.npy byte for byte" "rc $rc; $(cmp "$out_file" "$f.npy" 2>&1) $(cat "$err_file")"
	fi
done

# 2. big-endian input is read correctly (and written little-endian)
py 'import numpy as np; np.save("be.npy", np.arange(12, dtype=">f4").reshape(3, 4))'
run dh-test-stream cat <be.npy
cp "$out_file" be-out.npy
if py 'import numpy as np, sys; a = np.load("be-out.npy"); sys.exit(not (a.dtype == np.dtype("<f4") and (a == np.arange(12).reshape(3, 4)).all()))'; then
	ok "big-endian float32 is read by value"
else
	not_ok "big-endian float32 is read by value" "numpy saw something else"
fi

# 3. a grouped stream written by numpy (manifest + records) goes through dh
#    unchanged, read in turn with numpy.load
py '
import json, numpy as np
with open("grouped.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target", "id"]}).encode(), np.uint8))
    for g in range(3):
        n = 4 if g < 2 else 3
        np.save(f, np.full((n, 1, 2, 2), g, np.float32) + np.arange(n).reshape(n, 1, 1, 1))
        np.save(f, (np.arange(n) + g) % 10)
        np.save(f, np.arange(n) + 4 * g)
'
run dh-test-stream cat <grouped.npy
cp "$out_file" grouped-out.npy
if cmp -s grouped.npy grouped-out.npy; then
	ok "a grouped stream from numpy comes back byte for byte"
else
	not_ok "a grouped stream from numpy comes back byte for byte" "$(cmp grouped.npy grouped-out.npy 2>&1) $(cat "$err_file")"
fi

# 4. a stream dh writes is read by numpy: with numpy.load in turn from a file,
#    and with numpy.lib.format.read_array from a pipe
dh-test-stream gen 3 5 >gen.npy
check_gen='
import json, sys, numpy as np
def check(read):
    man = json.loads(read().tobytes())
    assert man == {"dh-stream": 1, "fields": ["input", "target", "id"]}, man
    for g in range(3):
        x, y, i = read(), read(), read()
        assert x.dtype == np.float32 and x.shape == (5, 1, 2, 3), x.shape
        assert (x.ravel() == (np.arange(30) + 30 * g) * 0.5).all()
        assert y.dtype == np.int64 and (y == (np.arange(5) + 5 * g) % 10).all()
        assert (i == np.arange(5) + 5 * g).all()
'
if py "$check_gen
import os
with open('gen.npy', 'rb') as f:
    check(lambda: np.load(f))
    assert f.tell() == os.path.getsize('gen.npy')
"; then ok "numpy.load reads dh's stream record by record"; else not_ok "numpy.load reads dh's stream record by record" "see above"; fi
if dh-test-stream gen 3 5 | py "$check_gen$records
it = records(sys.stdin.buffer)
check(lambda: next(it))
assert next(it, None) is None
"; then ok "numpy reads dh's stream from a pipe"; else not_ok "numpy reads dh's stream from a pipe" "see above"; fi

# 5. a plain stream read in chunks of rows comes out as several records with
#    the same rows
py 'import numpy as np; np.save("big.npy", np.arange(1000 * 6, dtype=np.float32).reshape(1000, 2, 3))'
dh-test-stream cat 64 <big.npy >chunks.npy
if py "$records"'
parts = list(records(open("chunks.npy", "rb")))
assert len(parts) == 16, len(parts)
assert all(p.shape[0] == 64 for p in parts[:-1]) and parts[-1].shape[0] == 40
assert (np.concatenate(parts) == np.load("big.npy")).all()
'; then ok "a long record is read in bounded chunks"; else not_ok "a long record is read in bounded chunks" "see above"; fi

# 6. float16 conversion agrees with numpy's, for every half and for floats
py '
import numpy as np
h = np.arange(65536, dtype=np.uint16).view(np.float16)
np.save("halves.npy", h.astype(np.float32).reshape(-1, 1))
rng = np.random.default_rng(3)
x = np.concatenate([rng.standard_normal(100000) * 10.0 ** rng.integers(-9, 6, 100000),
                    [65504, 65519.99, 65520, 1e-8, -0.0, np.inf, -np.inf]]).astype(np.float32)
np.save("floats.npy", x.reshape(-1, 1))
'
dh-test-stream f16 <halves.npy >halves16.npy
dh-test-stream f16 <floats.npy >floats16.npy
if py '
import numpy as np
got = np.load("halves16.npy").view(np.uint16).ravel()
want = np.arange(65536, dtype=np.uint16)
nan = np.isnan(want.view(np.float16))
bad = np.nonzero((got != want) & ~nan)[0]
assert bad.size == 0, [hex(want[i]) for i in bad[:5]]
assert np.isnan(got[nan].view(np.float16)).all()
x = np.load("floats.npy").ravel()
got = np.load("floats16.npy").view(np.uint16).ravel()
want = x.astype(np.float16).view(np.uint16)
bad = np.nonzero(got != want)[0]
assert bad.size == 0, [(float(x[i]), hex(got[i]), hex(want[i])) for i in bad[:5]]
'; then ok "float16 conversion matches numpy bit for bit"; else not_ok "float16 conversion matches numpy bit for bit" "see above"; fi

# 7. dh-image info summarises a stream as numpy sees it
run dh-image info --json gen.npy
cp "$out_file" info.json
if py '
import json, numpy as np
j = json.load(open("info.json"))
assert j["kind"] == "grouped" and j["samples"] == 15 and j["groups"] == 3, j
x = j["fields"][0]
assert x["name"] == "input" and x["dtype"] == "float32" and x["shape"] == [15, 1, 2, 3], x
ref = (np.arange(90) * 0.5)
assert abs(x["mean"] - ref.mean()) < 1e-9 and abs(x["std"] - ref.std()) < 1e-6, x
assert x["min"] == 0 and x["max"] == 44.5
'; then ok "dh-image info --json agrees with numpy"; else not_ok "dh-image info --json agrees with numpy" "$(cat info.json)"; fi
run dh-image info - <f4.npy
expect_rc "dh-image info reads stdin" 0
expect_out "dh-image info prints a plain stream's shape" "^stdin: plain tensor stream, 5 samples in 1 records$"

# 8. constant memory: summarising 256 MiB uses far less than 256 MiB
if dh-image --build-info | grep -q '^sanitizers: no'; then
	py 'import numpy as np; np.save("huge.npy", np.ones((16384, 4096), np.float32))'
	rss=$( { /usr/bin/time -f '%M' dh-image info huge.npy >/dev/null; } 2>&1 | tail -n 1)
	if [ -n "$rss" ] && [ "$rss" -lt 131072 ]; then
		ok "a 256 MiB stream is read in constant memory (max RSS ${rss} KiB)"
	else
		not_ok "a 256 MiB stream is read in constant memory" "max RSS '${rss}' KiB"
	fi
	rm -f huge.npy
else
	skip "constant memory" "sanitizer builds use shadow memory"
fi

finish
