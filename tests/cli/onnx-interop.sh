# onnx-interop.sh - models from outside producers run in dh with their
# producer's results: PyTorch's torch.onnx.export (LeNet, ResNet-18, U-Net,
# an LSTM classifier, and a model of assorted layers and activations)
# and dh's own zoo against onnxruntime, within 1e-4 relative.
. "$DH_SRCDIR/tests/lib.sh"

# relative difference of two .npy files, worst element over the largest value
close() { # got want tol
	"$PYTHON3" -c "
import numpy as np, sys
g, w = np.load('$1'), np.load('$2')
if g.shape != w.shape:
    sys.exit('shape %s, want %s' % (g.shape, w.shape))
d = float(np.abs(g - w).max() / max(np.abs(w).max(), 1e-30))
print('relative difference %.3g' % d)
sys.exit(0 if d <= $3 else 'relative difference %.3g > $3' % d)"
}

if "$PYTHON3" -c 'import torch, onnx' 2>/dev/null; then
	"$PYTHON3" "$DH_SRCDIR/tests/ref/torch_models.py" . lenet resnet18 unet lstm misc >/dev/null 2>&1
	for n in lenet resnet18 unet lstm misc; do
		run dh-infer "$n.onnx" "$n-x.npy" -o "$n-dh.npy"
		expect_rc "dh-infer runs PyTorch's $n export" 0
		if msg=$(close "$n-dh.npy" "$n-y.npy" 1e-4 2>&1); then
			ok "PyTorch's $n: dh gives PyTorch's outputs ($msg)"
		else
			not_ok "PyTorch's $n: dh gives PyTorch's outputs" "$msg"
		fi
	done
else
	skip "PyTorch exports" "torch is not importable by $PYTHON3"
fi

# onnxruntime lives in another Python on some machines
ort=""
for p in "$PYTHON3" python3 /usr/local/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import onnxruntime, numpy' 2>/dev/null; then
		ort=$p
		break
	fi
done
if [ -z "$ort" ]; then
	skip "dh against onnxruntime" "no Python here imports onnxruntime (pip install onnxruntime)"
	finish
fi
while read -r arch input classes extra; do
	# shellcheck disable=SC2086
	dh-onnx new "$arch" --input "$input" --classes "$classes" $extra --seed 3 -o m.onnx
	"$ort" -c "
import numpy as np, onnxruntime as ort
s = ort.InferenceSession('m.onnx', providers=['CPUExecutionProvider'])
shape = [5] + [int(d) for d in '$input'.split('x')]
x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
np.save('x.npy', x)
np.save('ort.npy', s.run(None, {'input': x})[0])"
	# batches of 2: the graph is planned again for the last one (1 sample)
	run dh-infer m.onnx --batch 2 -o parts.npy x.npy
	expect_rc "dh-infer runs the zoo's $arch" 0
	"$ort" -c "
import numpy as np
f = open('parts.npy', 'rb')
parts = [np.load(f) for _ in range(3)]
np.save('dh.npy', np.concatenate(parts))"
	if msg=$(PYTHON3=$ort close dh.npy ort.npy 1e-4 2>&1); then
		ok "zoo $arch in batches of 2, 2, 1 agrees with onnxruntime ($msg)"
	else
		not_ok "zoo $arch agrees with onnxruntime" "$msg"
	fi
done <<'CASES'
mlp 1x28x28 10 --width 64
lenet 1x28x28 10
vgg11_bn 3x32x32 10
resnet18 3x32x32 10
resnet50 3x32x32 10
unet 1x32x32 3 --depth 2 --width 8
lstm 12x6 5 --width 16
CASES

# a grouped stream keeps its ids next to the outputs
"$ort" -c "
import json, numpy as np
with open('g.npy', 'wb') as f:
    np.save(f, np.frombuffer(json.dumps({'dh-stream': 1, 'fields': ['input', 'id']}).encode(), np.uint8))
    for k in range(2):
        np.save(f, np.zeros((3, 12, 6), np.float32))
        np.save(f, np.arange(3) + 3 * k)"
run dh-infer m.onnx g.npy
expect_rc "dh-infer on a grouped stream" 0
cp "$out_file" gout.npy
if "$ort" -c "
import json, numpy as np
f = open('gout.npy', 'rb')
m = json.loads(np.load(f).tobytes())
assert m['fields'] == ['output', 'id'], m
for k in range(2):
    y, i = np.load(f), np.load(f)
    assert y.shape == (3, 5) and (i == np.arange(3) + 3 * k).all()
"; then ok "grouped output: the model's outputs, then the ids"; else not_ok "grouped output keeps ids" "see above"; fi

# bad input
dh-onnx new lenet --input 1x28x28 --classes 10 -o lenet.onnx
"$ort" -c "import numpy as np; np.save('wrong.npy', np.zeros((2, 3, 28, 28), np.float32))"
run dh-infer lenet.onnx wrong.npy -o out.npy
expect_rc "samples of the wrong shape exit 1" 1
expect_err "samples of the wrong shape are named" "wrong.npy: samples of shape \[2, 3, 28, 28\] do not fit the model's input 'input' \[N, 1, 28, 28\]$"
[ -e out.npy ] && not_ok "no output file after a failure" "out.npy exists"
"$ort" -c "
import onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 4])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 4])
g = helper.make_graph([helper.make_node('Relu', ['x'], ['r'], name='relu'), helper.make_node('Hardmax', ['r'], ['y'], name='hm')], 'g', [x], [y])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), 'hardmax.onnx')"
run dh-infer hardmax.onnx wrong.npy
expect_rc "an unsupported op exits 1" 1
expect_err "an unsupported op is named with its opset" "^dh-infer: hardmax.onnx: node 'hm' \(op Hardmax, domain ai.onnx, opset 13\) is not supported$"
finish
