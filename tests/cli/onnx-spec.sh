# onnx-spec.sh - dh-onnx new --spec (dh-onnx-spec(5)): the man page's
# examples and a spec using every layer type build models that the onnx
# package's full check accepts and that onnxruntime runs with dh-infer's
# outputs (1e-4 relative); seeds are reproducible; bad specs give exact
# one-line errors with file:line:column.
. "$DH_SRCDIR/tests/lib.sh"

page=$DH_SRCDIR/man/dh-onnx-spec.5
# the man page's YAML examples, as printed
awk '/^\.nf$/ { buf = ""; on = 1; next }
	/^\.fi$/ { if (on && buf ~ /^name: /) { n++; f = "example" n ".yml"; printf "%s", buf > f; close(f) } on = 0; next }
	on { gsub(/\\-/, "-"); buf = buf $0 "\n" }' "$page"
[ -s example1.yml ] && [ -s example2.yml ] && ok "dh-onnx-spec.5 has two YAML examples" ||
	not_ok "dh-onnx-spec.5 has two YAML examples" "$(ls)"

# every layer type, 1-D and 2-D, linear upsampling, stacked LSTMs
cat >all.yml <<'EOF'
name: every_type
input: [2, 12, 12]
layers:
  - {name: c1, type: conv, filters: 6, kernel: [3, 5], stride: [1, 2], padding: [1, 2], dilation: 1}
  - {name: bn, type: batchnorm, epsilon: 0.001, momentum: 0.8}
  - {name: a1, type: leakyrelu, alpha: 0.2}
  - {name: g, type: conv, filters: 6, kernel: 3, padding: same, groups: 3, bias: false}
  - {name: a2, type: elu, alpha: 0.5}
  - {name: s1, type: add, inputs: [a1, a2]}
  - {name: m1, type: mul, inputs: [s1, g]}
  - {name: d1, type: sub, inputs: [m1, a1]}
  - {name: a3, type: selu}
  - {name: a4, type: hardsigmoid, alpha: 0.3, beta: 0.4}
  - {name: p1, type: maxpool, kernel: 2}
  - {name: p2, type: avgpool, kernel: 3, stride: 1, padding: 1}
  - {name: up, type: resize, scale: 2, mode: linear}
  - {name: t1, type: convtranspose, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1}
  - {name: a5, type: tanh}
  - {name: a6, type: softplus, input: t1}
  - {name: a7, type: softsign}
  - {name: cat, type: concat, inputs: [a5, a6, a7]}
  - {name: gm, type: globalmaxpool}
  - {name: ga, type: globalavgpool, input: cat}
  - {name: s2, type: add, inputs: [gm, ga]}
  - {name: f, type: flatten}
  - {name: dr, type: dropout, rate: 0.3}
  - {name: fc1, type: linear, units: 24}
  - {name: r1, type: relu}
  - {name: rs, type: reshape, shape: [4, -1]}
  - {name: l1, type: lstm, hidden: 5, sequences: true}
  - {name: l2, type: lstm, hidden: 7}
  - {name: i, type: identity}
  - {name: fc2, type: gemm, units: 5, bias: false}
  - {name: sg, type: sigmoid}
  - {name: sm, type: softmax}
  - {name: ls, type: logsoftmax, input: fc2, axis: 1}
output: ls
EOF
cat >conv1d.yml <<'EOF'
input: [3, 20]
layers:
  - {name: c, type: conv, filters: 4, kernel: 5, padding: valid, stride: 2}
  - {name: p, type: maxpool, kernel: 2}
  - {name: u, type: upsample, scale: 3}
  - {name: f, type: flatten}
  - {name: o, type: dense, units: 2}
EOF

for f in example1 example2 all conv1d; do
	run dh-onnx new --spec $f.yml --seed 5 -o $f.onnx
	expect_rc "new --spec $f.yml exits 0" 0
	run dh-onnx check $f.onnx
	expect_rc "dh-onnx check accepts $f.onnx" 0
done
dh-onnx new --spec example1.yml --seed 5 -o again.onnx
cmp -s example1.onnx again.onnx && ok "the same spec and seed give the same bytes" ||
	not_ok "the same spec and seed give the same bytes" "files differ"
dh-onnx new --spec example1.yml --seed 6 -o other.onnx
run dh-onnx diff example1.onnx other.onnx
expect_rc "another seed gives other weights" 1
run dh-onnx weights reset other.onnx --seed 5 -o reset.onnx
cmp -s example1.onnx reset.onnx && ok "weights reset with the seed gives the spec's model again" ||
	not_ok "weights reset with the seed gives the spec's model again" "$(dh-onnx diff example1.onnx reset.onnx | head -3)"
run dh-onnx info example2.onnx
expect_out "the U-Net's output is inferred as [N, 2, 32, 32]" "^  head: float32 \[N, 2, 32, 32\]$"
run dh-onnx info all.onnx
expect_out "every-type output [N, 5]" "^  ls: float32 \[N, 5\]$"
run dh-onnx optimize example1.onnx -o folded.onnx
expect_rc "optimize folds the residual block's BatchNormalization" 0
run dh-onnx info folded.onnx
if grep -q BatchNormalization "$out_file"; then
	not_ok "optimize leaves no BatchNormalization after a Conv" "$(grep BatchNorm "$out_file")"
else
	ok "optimize leaves no BatchNormalization after a Conv"
fi
run dh-onnx new --spec example2.yml --external-data -o ext.onnx
expect_rc "new --spec --external-data" 0
[ -s ext.onnx.data ] && ok "spec models take external data" || not_ok "spec models take external data" "$(ls)"

ort=$(ort_python)
if [ -z "$ort" ]; then
	skip "spec models against onnx and onnxruntime" "no Python here imports onnx and onnxruntime"
else
	for f in example1 example2 all conv1d ext folded; do
		if "$ort" -c "
import onnx, numpy as np, onnxruntime as ort
onnx.checker.check_model('$f.onnx', full_check=True)
s = ort.InferenceSession('$f.onnx', providers=['CPUExecutionProvider'])
i = s.get_inputs()[0]
x = np.random.default_rng(2).standard_normal([3] + list(i.shape[1:])).astype(np.float32)
np.save('$f-x.npy', x)
np.save('$f-ort.npy', s.run(None, {i.name: x})[0])" 2>err.txt; then
			ok "$f.onnx passes onnx.checker's full check and runs in onnxruntime"
		else
			not_ok "$f.onnx passes onnx.checker's full check and runs in onnxruntime" "$(tail -3 err.txt)"
			continue
		fi
		run dh-infer $f.onnx $f-x.npy -o $f-dh.npy
		expect_rc "dh-infer runs $f.onnx" 0
		if msg=$("$ort" -c "
import numpy as np, sys
g, w = np.load('$f-dh.npy'), np.load('$f-ort.npy')
if g.shape != w.shape:
    sys.exit('shape %s, want %s' % (g.shape, w.shape))
d = float(np.abs(g - w).max() / max(np.abs(w).max(), 1e-30))
print('relative difference %.3g' % d)
sys.exit(0 if d <= 1e-4 else 'relative difference %.3g > 1e-4' % d)" 2>&1); then
			ok "$f: dh-infer gives onnxruntime's outputs ($msg)"
		else
			not_ok "$f: dh-infer gives onnxruntime's outputs" "$msg"
		fi
	done
fi

# bad specs: one exact line each, exit 1, no output
bad() { # name, yaml text, expected message after "dh-onnx: "
	printf '%s' "$2" >"$1.yml"
	run dh-onnx new --spec "$1.yml" -o "$1.onnx"
	expect_rc "bad spec $1: exit 1" 1
	if [ "$(cat "$err_file")" = "dh-onnx: $3" ]; then
		ok "bad spec $1: $3"
	else
		not_ok "bad spec $1" "want 'dh-onnx: $3', got '$(cat "$err_file")'"
	fi
	[ -e "$1.onnx" ] && not_ok "bad spec $1 writes nothing" "$1.onnx exists"
}
bad unknown-attr 'input: [1, 8, 8]
layers:
  - {name: c, type: conv, filter: 4, kernel: 3}
' "unknown-attr.yml:3:27: layer 'c' (conv): unknown attribute 'filter' (it takes filters kernel stride padding dilation groups bias)"
bad missing 'input: [1, 8, 8]
layers:
  - name: c
    type: conv
    kernel: 3
' "missing.yml:3:5: layer 'c' (conv): 'filters' is required"
bad type 'input: [4]
layers:
  - {name: x, type: convv}
' "type.yml:3:21: layer 'x': unknown type 'convv' (one of conv, convtranspose, maxpool, avgpool, globalavgpool, globalmaxpool, dense, batchnorm, relu, leakyrelu, elu, selu, sigmoid, hardsigmoid, tanh, softplus, softsign, softmax, logsoftmax, identity, add, sub, mul, concat, upsample, flatten, reshape, dropout, lstm)"
bad forward-ref 'input: [4]
layers:
  - {name: a, type: relu, input: b}
  - {name: b, type: relu}
' "forward-ref.yml:3:34: layer 'a': input 'b' is not an earlier layer"
bad shapes 'input: [4]
layers:
  - {name: a, type: dense, units: 2}
  - {name: s, type: add, inputs: [a, input]}
' "shapes.yml:4:34: layer 's' (add): inputs 'a' [2] and 'input' [4] differ in shape"
bad flat 'input: [1, 8, 8]
layers:
  - {name: fc, type: dense, units: 2}
' "flat.yml:3:5: layer 'fc' (dense) wants a flat input [F] (add a flatten layer before it), not [1, 8, 8] from 'input'"
bad kernel 'input: [1, 4, 4]
layers:
  - {name: c, type: conv, filters: 2, kernel: 5}
' "kernel.yml:3:5: layer 'c' (conv): the kernel does not fit the input [1, 4, 4]"
bad dup 'input: [4]
layers:
  - {name: a, type: relu}
  - {name: a, type: tanh}
' "dup.yml:4:12: the name 'a' is used twice"
bad range 'input: [4]
layers:
  - {name: d, type: dense, units: -3}
' "range.yml:3:35: layer 'd' (dense): units must be a whole number from 1 to 16777216"
bad concat 'input: [2, 8, 8]
layers:
  - {name: p, type: maxpool, kernel: 2}
  - {name: c, type: concat, inputs: [p, input]}
' "concat.yml:4:37: layer 'c' (concat): 'p' [2, 4, 4] and 'input' [2, 8, 8] differ outside axis 1"
bad top 'input: [4]
layer:
  - {name: a, type: relu}
' "top.yml:2:1: unknown key 'layer' (a spec has name, input, layers and output)"
bad syntax 'input: [4
layers: []
' "syntax.yml:2:7: did not find expected ',' or ']' while parsing a flow sequence"
bad empty '' "empty.yml: empty: a spec has input: and layers:"
run dh-onnx new lenet --spec all.yml -o x.onnx
expect_rc "--spec with an architecture: usage error" 2
run dh-onnx new --spec all.yml --classes 3 -o x.onnx
expect_rc "--spec with --classes: usage error" 2

finish
