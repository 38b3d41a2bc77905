# infer_latency.sh - dh-infer --latency: the text and JSON reports, their
# order (p50 <= p90 <= p99), the run count, the sample it times, and the
# usage errors around it.
. "$DH_SRCDIR/tests/lib.sh"

dh-onnx new lenet --input 1x28x28 --classes 10 -o m.onnx
run dh-infer m.onnx --latency=30 -j1
expect_rc "--latency=30 without inputs (zeros of the model's shape)" 0
expect_out "first line: model, batch 1, runs, warm-up, threads" "^latency of m.onnx, batch 1, 30 runs after 10 warm-up, 1 thread$"
for p in p50 p90 p99; do
	expect_out "a $p line in milliseconds" "^$p [0-9]+\.[0-9]{4} ms$"
done
expect_out "mean, min and max" "^mean [0-9]+\.[0-9]{4} ms, min [0-9]+\.[0-9]{4} ms, max [0-9]+\.[0-9]{4} ms$"
[ "$(wc -l <"$out_file")" -eq 5 ] && ok "five lines" || not_ok "five lines" "$(cat "$out_file")"
if awk '/^p50/ { a = $2 } /^p90/ { b = $2 } /^p99/ { c = $2 } /^mean/ { mn = $5; mx = $8 }
	END { exit !(mn <= a && a <= b && b <= c && c <= mx && mn > 0) }' "$out_file"; then
	ok "min <= p50 <= p90 <= p99 <= max"
else
	not_ok "percentiles in order" "$(cat "$out_file")"
fi

run dh-infer m.onnx --latency --json --warmup 2
expect_rc "--latency --json" 0
if have_numpy && "$PYTHON3" -c '
import json, sys
j = json.loads(open(sys.argv[1]).read())
assert set(j) == {"batch", "runs", "warmup", "threads", "p50_ms", "p90_ms", "p99_ms", "mean_ms", "min_ms", "max_ms"}, j
assert j["batch"] == 1 and j["runs"] == 100 and j["warmup"] == 2
assert 0 < j["min_ms"] <= j["p50_ms"] <= j["p90_ms"] <= j["p99_ms"] <= j["max_ms"]
' "$out_file"; then
	ok "JSON: 100 runs by default, the keys, the order"
else
	not_ok "--latency --json" "$(cat "$out_file")"
fi

# a sample from the inputs: an image (any size), or a stream
if have_numpy; then
	"$PYTHON3" -c 'import numpy as np; np.save("x.npy", np.ones((3, 1, 28, 28), np.float32)); np.save("p.npy", (np.arange(50 * 40) % 256).astype(np.uint8).reshape(50, 40))'
	dh-image convert p.npy p.png
	run dh-infer m.onnx x.npy --latency=5
	expect_rc "--latency on a stream's first sample" 0
	run dh-infer m.onnx p.png --latency=5
	expect_rc "--latency on an image" 0
else
	skip "--latency on a stream's first sample" "no numpy"
	skip "--latency on an image" "no numpy"
fi

run dh-infer m.onnx --latency=0
expect_rc "--latency=0 is a usage error" 2
run dh-infer m.onnx --latency 50
expect_rc "--latency 50 (a space) is a usage error" 2
expect_err "it shows the form" "--latency=50"
run dh-infer m.onnx --latency --evaluate
expect_rc "--latency with --evaluate is a usage error" 2
run dh-infer m.onnx --warmup 3
expect_rc "--warmup without --latency is a usage error" 2
dh-onnx new lstm --input 8x4 --classes 3 -o seq.onnx
run dh-infer seq.onnx --latency=3
expect_rc "--latency on a sequence model (fixed T, F)" 0
finish
