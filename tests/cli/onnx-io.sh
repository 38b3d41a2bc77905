# onnx-io.sh - ONNX files made by the onnx package (an outside producer):
# dh reads every storage form to the same values numpy holds, summarises and
# compares models, and names each structural fault precisely.
. "$DH_SRCDIR/tests/lib.sh"

if ! "$PYTHON3" -c 'import onnx, numpy' 2>/dev/null; then
	skip "ONNX files from the onnx package" "onnx or numpy is not importable by $PYTHON3"
	finish
fi
"$PYTHON3" "$DH_SRCDIR/tests/ref/make_onnx_cases.py" . || { not_ok "make the ONNX cases" "script failed"; finish; }
ok "the onnx package made the test models"

# dh's schema agrees with the onnx package's, field by field
run "$PYTHON3" "$DH_SRCDIR/tests/ref/check_onnx_proto.py" "$DH_SRCDIR/lib/onnx/onnx.proto"
expect_rc "lib/onnx/onnx.proto numbers every field as the onnx package does" 0

# values: raw_data, typed fields, external data
for t in float32 float16 float64 uint8 int8 uint16 int16 int32 int64 bool; do
	for form in raw typed; do
		dh-test-stream onnx-init types.onnx "${t}_$form" >got.npy 2>err.txt
		if "$PYTHON3" -c "
import numpy as np, sys
a, b = np.load('got.npy'), np.load('$t.npy')
sys.exit(not (a.dtype == b.dtype and a.shape == b.shape and (a.view(np.uint8) == b.view(np.uint8)).all()))"; then
			ok "$t initializer from $form data has numpy's exact bytes"
		else
			not_ok "$t initializer from $form data has numpy's exact bytes" "$(cat err.txt)"
		fi
	done
done
for w in w1 b1 w2 b2; do
	dh-test-stream onnx-init external.onnx "$w" >got.npy 2>err.txt
	if "$PYTHON3" -c "import numpy as np, sys; sys.exit(not (np.load('got.npy') == np.load('$w.npy')).all())"; then
		ok "external data: $w has numpy's values"
	else
		not_ok "external data: $w has numpy's values" "$(cat err.txt)"
	fi
done

# info
run dh-onnx info good.onnx
expect_rc "info exits 0" 0
expect_out "info shows the input with its symbolic batch" "^  x: float32 \[N, 1, 4, 4\]$"
expect_out "info shows the op histogram" "^  Conv +1$"
expect_out "info counts the parameters" "^parameters: 210 in 4 initializers$"
expect_out "info attributes parameters and FLOPs to layers" "^  fc +Gemm +170 +320$"
expect_out "info shows the metadata" "^  dh.epochs: 5$"
run dh-onnx info --json good.onnx
cp "$out_file" info.json
if "$PYTHON3" -c '
import json, onnx, numpy as np
from onnx import numpy_helper
j = json.load(open("info.json"))
m = onnx.load("good.onnx")
assert j["parameters"] == sum(numpy_helper.to_array(t).size for t in m.graph.initializer)
assert j["nodes"] == len(m.graph.node)
assert j["opsets"] == {"ai.onnx": 13}
assert j["ops"] == {"Conv": 1, "Relu": 1, "MaxPool": 1, "Flatten": 1, "Gemm": 1}
assert [l["name"] for l in j["layers"]] == [n.name for n in m.graph.node]
assert j["metadata"] == {"dh.dataset": "fashion-mnist", "dh.epochs": "5"}
assert j["inputs"] == [{"name": "x", "type": "float32 [N, 1, 4, 4]"}]
# FLOPs per sample: conv 4x1x3x3 on 4x4 (2 per multiply-add), fc 16->10
conv = 2 * 4 * 4 * 4 * 9
fc = 2 * 10 * 16
assert j["layers"][0]["flops"] == conv and j["layers"][4]["flops"] == fc, j["layers"]
assert j["flops"] >= conv + fc, j["flops"]
'; then ok "info --json agrees with the onnx package"; else not_ok "info --json agrees with the onnx package" "$(cat info.json)"; fi

# check
for f in good external types; do
	run dh-onnx check $f.onnx
	expect_rc "check passes $f.onnx" 0
done
bad() { # file, expected message (ERE)
	run dh-onnx check "$1"
	expect_rc "check rejects $1" 1
	expect_err "check names the fault in $1" "^dh-onnx: $1: $2"
}
bad dangling.onnx "node 'add' \(Add\): input 'bias' is not produced by any node, initializer or graph input$"
bad cycle.onnx "the graph has a cycle through node 'A' \(Add\)$"
bad order.onnx "nodes are not in topological order"
bad dup-output.onnx "node 'two' \(Sigmoid\): output 'y' is already produced by node 'one' \(Relu\)$"
bad no-output.onnx "graph output 'z' is not produced"
bad raw-size.onnx "initializer 'bias': raw_data has 10 bytes, but float32 \[4\] needs 16$"
bad typed-count.onnx "initializer 'bias': 3 values for dims \[4\] \(4 elements\)$"
bad init-type.onnx "initializer 'bias' is FLOAT but the graph input of that name is declared INT64$"
bad no-opset.onnx "no opset_import for the default \(ai.onnx\) domain$"
bad huge-dims.onnx "initializer 'huge': dims \[1099511627776, 1073741824\] are negative or too large$"
bad ext-escape.onnx "initializer 'w1': external data location '../external.bin' leaves the model's folder$"
bad ext-absolute.onnx "initializer 'w1': external data location '/etc/passwd' leaves the model's folder$"
bad ext-missing.onnx "initializer 'w1': cannot open external data '.*missing.bin': No such file or directory$"
bad ext-length.onnx "initializer 'w1': external data length 7, but its dims need 144 bytes$"
ln -s /etc external-link 2>/dev/null
run dh-onnx info truncated.onnx
expect_rc "a truncated model exits 1" 1
expect_err "a truncated model: the byte offset of the fault" "^dh-onnx: truncated.onnx: byte [0-9]+: not an ONNX model"

# diff
run dh-onnx diff good.onnx good.onnx
expect_rc "diff of a model with itself exits 0" 0
expect_out "diff of a model with itself" "^no differences$"
run dh-onnx diff good.onnx tweaked.onnx
expect_rc "diff of a changed weight exits 1" 1
expect_out "diff names the weight and the element" "^~ weight 'w2': 1 of 160 values differ by more than 0 \(max 0.00(1|0999[0-9]*) at element 53\)$"
run dh-onnx diff --tol 0.01 good.onnx tweaked.onnx
expect_rc "diff within --tol exits 0" 0
run dh-onnx diff good.onnx dangling.onnx
expect_out "diff shows topology changes" "^- node #1 'relu1' \(Relu\)$"
finish
