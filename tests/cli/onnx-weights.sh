# onnx-weights.sh - dh-onnx weights export|import|reset|freeze, and models
# with external data: round trips, numpy reading the weights stream, one-line
# errors naming the tensor, frozen layers that dh-train leaves alone, and
# external data that the onnx package and onnxruntime load.
. "$DH_SRCDIR/tests/lib.sh"

dh-onnx new lenet --input 1x28x28 --classes 10 --seed 4 -o lenet.onnx
dh-onnx new mlp --input 1x28x28 --classes 10 --depth 1 --width 32 -o mlp.onnx

run dh-onnx weights export lenet.onnx -o w.npy
expect_rc "weights export exits 0" 0

if have_numpy; then
	if "$PYTHON3" -c '
import json, numpy as np, sys
with open("w.npy", "rb") as f:
    man = json.loads(bytes(np.load(f)))
    w = {n: np.load(f) for n in man["names"]}
    rest = f.read()
assert man["dh-weights"] == 1 and man["kind"] == "weights", man
assert list(w) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                   "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], list(w)
assert w["conv1.weight"].shape == (32, 1, 5, 5) and w["fc2.weight"].shape == (10, 512)
assert all(a.dtype == np.float32 for a in w.values()) and rest == b""
# a stream numpy writes is read back by dh
with open("np.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps(man).encode(), np.uint8))
    for n in man["names"]:
        np.save(f, np.full_like(w[n], 0.5))
' 2>err.txt; then
		ok "numpy reads the weights stream: manifest, names, shapes, nothing after"
	else
		not_ok "numpy reads the weights stream" "$(cat err.txt)"
	fi
	run dh-onnx weights import lenet.onnx np.npy -o half.onnx
	expect_rc "weights import takes a stream numpy wrote" 0
	if dh-onnx weights export half.onnx -o half.npy && "$PYTHON3" -c '
import json, numpy as np
with open("half.npy", "rb") as f:
    names = json.loads(bytes(np.load(f)))["names"]
    assert all((np.load(f) == 0.5).all() for n in names)'; then
		ok "numpy's values land in the model"
	else
		not_ok "numpy's values land in the model" "half.onnx does not hold 0.5"
	fi
fi

# reset: the zoo's initialisation; the zoo's own seed gives the same file
run dh-onnx weights reset lenet.onnx --seed 9 -o r9.onnx
expect_rc "weights reset exits 0" 0
run dh-onnx diff lenet.onnx r9.onnx
expect_rc "reset with another seed changes the weights" 1
expect_out "reset changes conv1.weight" "^~ weight 'conv1.weight'"
run dh-onnx weights reset r9.onnx --seed 4 -o r4.onnx
if cmp -s r4.onnx lenet.onnx; then
	ok "reset with the zoo's seed gives the zoo's file, byte for byte"
else
	not_ok "reset with the zoo's seed gives the zoo's file" "$(dh-onnx diff lenet.onnx r4.onnx | head -3)"
fi

# import into the topology: back to the exported weights
run dh-onnx weights import r9.onnx w.npy -o back.onnx
expect_rc "weights import exits 0" 0
run dh-onnx diff lenet.onnx back.onnx
expect_rc "export, reset, import: the same model again" 0

# strict checks: one line naming the tensor, nothing written
run dh-onnx weights import mlp.onnx w.npy -o bad.onnx
expect_rc "weights of another topology: exit 1" 1
expect_err "the message names the tensor and both shapes" \
	"^dh-onnx: w.npy: tensor 'fc1.weight' has shape \[512, 3136\] where mlp.onnx has \[32, 784\]$"
dh-onnx new lstm --input 5x4 --classes 3 --width 8 -o lstm.onnx
run dh-onnx weights import lstm.onnx w.npy -o bad.onnx
expect_err "a tensor the model has and the file lacks is named" \
	"^dh-onnx: w.npy: no tensor 'lstm.W' \(lstm.onnx has it\)$"
[ -e bad.onnx ] && not_ok "a refused import writes nothing" "bad.onnx exists"
dh-onnx new lenet --input 1x28x28 --classes 7 -o lenet7.onnx
run dh-onnx weights import lenet7.onnx w.npy -o bad.onnx
expect_err "a shape mismatch names the tensor and both shapes" \
	"^dh-onnx: w.npy: tensor 'fc2.weight' has shape \[10, 512\] where lenet7.onnx has \[7, 512\]$"
head -c 100000 w.npy >cut.npy
run dh-onnx weights import lenet.onnx cut.npy -o bad.onnx
expect_rc "a truncated weights file: exit 1" 1
expect_err "a truncated weights file: the tensor, the record and the byte" \
	"^dh-onnx: cut.npy: byte [0-9]+: tensor 'conv2.weight' \(record 3\): truncated"
cp "$DH_SRCDIR/tests/fuzz/corpus/weights/grads.npy" grads.npy
run dh-onnx weights import lenet.onnx grads.npy -o bad.onnx
expect_err "gradients are not weights" "^dh-onnx: grads.npy: holds gradients, not weights$"
run dh-onnx weights import lenet.onnx lenet.onnx -o bad.onnx
expect_rc "a model is not a weights file: exit 1" 1
expect_err "a model given as weights: one line" "^dh-onnx: lenet.onnx: byte 0: "
run dh-onnx weights export lenet.onnx
expect_rc "weights without -o: usage error" 2
run dh-onnx weights explode lenet.onnx -o x
expect_rc "an unknown weights action: usage error" 2
expect_err "an unknown action is named" "unknown weights action 'explode'"
run dh-onnx weights reset lenet.onnx --layers conv1 -o x.onnx
expect_rc "--layers outside freeze: usage error" 2

# freeze: recorded in the metadata, honoured by dh-train
run dh-onnx weights freeze lenet.onnx --layers conv1,fc1.weight -o frozen.onnx
expect_rc "weights freeze exits 0" 0
run dh-onnx info frozen.onnx
expect_out "freeze records the layers in the metadata" "^  dh.frozen: conv1,fc1.weight$"
run dh-onnx weights freeze frozen.onnx --layers conv2,conv1 -o frozen2.onnx
run dh-onnx info frozen2.onnx
expect_out "freezing again adds to the list once" "^  dh.frozen: conv1,fc1.weight,conv2$"
run dh-onnx weights freeze lenet.onnx --layers conv9 -o x.onnx
expect_rc "freezing a layer with no parameters: usage error" 2
expect_err "the unknown layer is named" "^dh-onnx: lenet.onnx: no parameters of 'conv9'"
if have_numpy; then
	"$PYTHON3" -c '
import json, numpy as np
with open("tr.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
    np.save(f, np.random.default_rng(0).standard_normal((16, 1, 28, 28)).astype(np.float32))
    np.save(f, np.arange(16) % 10)'
	run dh-train frozen.onnx tr.npy --epochs 1 --batch 8 -q -o trained.onnx
	expect_rc "dh-train trains a model with frozen layers" 0
	dh-onnx diff frozen.onnx trained.onnx >d.txt
	if ! grep -q "'conv1\.\|'fc1\.weight'" d.txt && grep -q "'conv2.weight'" d.txt &&
		grep -q "'fc1.bias'" d.txt; then
		ok "dh-train leaves the frozen layers as they were and trains the rest"
	else
		not_ok "dh-train honours dh.frozen" "$(cat d.txt)"
	fi
fi

# external data
mkdir sub
run dh-onnx new resnet18 --input 3x32x32 --classes 10 --seed 2 --external-data -o sub/r.onnx
expect_rc "new --external-data exits 0" 0
[ -s sub/r.onnx.data ] && ok "the weights are in r.onnx.data" || not_ok "external data file" "$(ls sub)"
size=$(wc -c <sub/r.onnx)
[ "$size" -lt 100000 ] && ok "the model file holds no large weights ($size bytes)" ||
	not_ok "the model file holds no large weights" "$size bytes"
if ls -a sub | grep -q '^\.[^.]'; then
	not_ok "no temporary files are left" "$(ls -a sub)"
else
	ok "no temporary files are left"
fi
run dh-onnx check sub/r.onnx
expect_rc "check reads external data" 0
dh-onnx new resnet18 --input 3x32x32 --classes 10 --seed 2 -o inline.onnx
run dh-onnx diff inline.onnx sub/r.onnx
expect_rc "external and inline models hold the same weights" 0
run dh-onnx weights reset sub/r.onnx --seed 2 -o moved.onnx
run dh-onnx diff inline.onnx moved.onnx
expect_rc "a model with external data saved elsewhere brings its weights inline" 0
run dh-onnx weights freeze inline.onnx --layers fc --external-data -o sub/f.onnx
expect_rc "weights freeze --external-data" 0
[ -s sub/f.onnx.data ] && ok "freeze writes external data on request" || not_ok "freeze --external-data" "$(ls sub)"

ort=$(ort_python)
if [ -z "$ort" ]; then
	skip "onnx and onnxruntime load external data" "no Python here imports onnx and onnxruntime"
else
	if "$ort" -c '
import onnx, numpy as np, onnxruntime as ort
m = onnx.load("sub/r.onnx", load_external_data=False)
ext = [t for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
assert ext and all({e.key for e in t.external_data} == {"location", "offset", "length"} for t in ext)
assert all(int(dict((e.key, e.value) for e in t.external_data)["offset"]) % 64 == 0 for t in ext)
onnx.checker.check_model("sub/r.onnx", full_check=True)
x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
a = ort.InferenceSession("sub/r.onnx", providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
b = ort.InferenceSession("inline.onnx", providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
assert (a == b).all()
' 2>err.txt; then
		ok "onnx checks and onnxruntime runs the external-data model as the inline one"
	else
		not_ok "onnx and onnxruntime load external data" "$(tail -3 err.txt)"
	fi
fi

finish
