# onnx-zoo.sh - `dh-onnx new`: every architecture passes the onnx package's
# full check and strict shape inference, has exactly the parameters of the
# same network written in PyTorch (and PyTorch's names for ResNet), and the
# same seed gives the same bytes.
. "$DH_SRCDIR/tests/lib.sh"

if ! "$PYTHON3" -c 'import onnx, torch' 2>/dev/null; then
	skip "the model zoo against onnx and PyTorch" "onnx or torch is not importable by $PYTHON3"
	finish
fi

# arch, --input, classes, depth, width (0: default), torch's C H W
while read -r arch input classes depth width c h w; do
	args="--input $input --classes $classes"
	[ "$depth" != 0 ] && args="$args --depth $depth"
	[ "$width" != 0 ] && args="$args --width $width"
	# shellcheck disable=SC2086
	run dh-onnx new "$arch" $args --seed 1 -o "$arch.onnx"
	expect_rc "new $arch $args" 0
	run "$PYTHON3" -c "
import onnx, sys
from onnx import shape_inference
m = onnx.load('$arch.onnx')
onnx.checker.check_model(m, full_check=True)
inf = shape_inference.infer_shapes(m, strict_mode=True)
out = [d.dim_value or d.dim_param for d in inf.graph.output[0].type.tensor_type.shape.dim]
print(out)"
	expect_rc "$arch passes onnx.checker (full) and strict shape inference" 0
	run dh-onnx info --json "$arch.onnx"
	cp "$out_file" info.json
	"$PYTHON3" "$DH_SRCDIR/tests/ref/zoo_torch.py" "$arch" "$c" "$h" "$w" "$classes" "$depth" "$width" >torch.json
	if "$PYTHON3" -c '
import json, sys
d, t = json.load(open("info.json")), json.load(open("torch.json"))
sys.exit(d["parameters"] != t["parameters"])'; then
		ok "$arch has PyTorch's parameter count ($(sed 's/.*"parameters": \([0-9]*\).*/\1/' torch.json))"
	else
		not_ok "$arch has PyTorch's parameter count" "dh $(sed 's/.*"parameters":\([0-9]*\).*/\1/' info.json), torch $(sed 's/.*"parameters": \([0-9]*\).*/\1/' torch.json)"
	fi
done <<'CASES'
mlp 1x28x28 10 0 256 1 28 28
lenet 1x28x28 10 0 0 1 28 28
vgg11 3x32x32 10 0 0 3 32 32
vgg11_bn 3x32x32 10 0 0 3 32 32
resnet18 3x32x32 10 0 0 3 32 32
resnet34 3x32x32 100 0 0 3 32 32
resnet50 3x32x32 10 0 0 3 32 32
resnet18 3x96x96 7 0 0 3 96 96
unet 1x32x32 2 2 8 1 32 32
lstm 20x8 5 0 32 20 8 1
CASES

# ResNet weights carry PyTorch's state_dict names
"$PYTHON3" "$DH_SRCDIR/tests/ref/zoo_torch.py" resnet18 3 96 96 7 >torch.json
if "$PYTHON3" -c '
import json, onnx, sys
names = sorted(t.name for t in onnx.load("resnet18.onnx").graph.initializer)
want = json.load(open("torch.json"))["names"]
missing = set(want) ^ set(names)
print(sorted(missing)[:5])
sys.exit(bool(missing))'; then ok "resnet18's weights have torchvision's names"; else not_ok "resnet18's weights have torchvision's names" "see above"; fi

# reproducible weights
dh-onnx new lenet --input 1x28x28 --classes 10 --seed 7 -o a.onnx
dh-onnx new lenet --input 1x28x28 --classes 10 --seed 7 -o b.onnx
dh-onnx new lenet --input 1x28x28 --classes 10 --seed 8 -o c.onnx
cmp -s a.onnx b.onnx && ok "the same seed gives the same file" || not_ok "the same seed gives the same file" "they differ"
cmp -s a.onnx c.onnx && not_ok "another seed gives other weights" "identical" || ok "another seed gives other weights"
# He-normal statistics of conv2 (fan_in 32*5*5): std sqrt(2/800) = 0.05
if "$PYTHON3" -c '
import onnx, sys
from onnx import numpy_helper
w = {t.name: numpy_helper.to_array(t) for t in onnx.load("a.onnx").graph.initializer}
s = w["conv2.weight"].std()
print(s)
sys.exit(not (abs(s - 0.05) < 0.002 and abs(w["conv2.weight"].mean()) < 0.002 and (w["conv2.bias"] == 0).all()))'; then
	ok "conv weights are He-normal, biases zero"
else
	not_ok "conv weights are He-normal, biases zero" "see above"
fi
run dh-onnx info a.onnx
expect_out "the model records its architecture and seed" "^  dh.init_seed: 7$"

# usage errors
run dh-onnx new lenet --classes 10 -o x.onnx
expect_rc "new without --input exits 2" 2
expect_err "new without --input says so" "the input shape\? \(--input CxHxW, or TxF for lstm\)"
run dh-onnx new alexnet --input 3x32x32 --classes 10 -o x.onnx
expect_rc "an unknown architecture exits 2" 2
expect_err "an unknown architecture is named" "unknown architecture 'alexnet'"
run dh-onnx new unet --input 1x30x30 --classes 2 -o x.onnx
expect_err "unet explains the size it needs" "unet of depth 4 wants H and W divisible by 16"
run dh-onnx new lstm --input 1x28x28 --classes 2 -o x.onnx
expect_err "lstm wants TxF" "lstm wants --input TxF"
run dh-onnx new mlp --input 1x28x28 --classes 10 -o /nonexistent/dir/x.onnx
expect_rc "an unwritable output exits 1" 1
[ -e x.onnx ] && not_ok "no output after a usage error" "x.onnx exists"
finish
