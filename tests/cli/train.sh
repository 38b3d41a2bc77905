# train.sh - dh-train on tensor streams: it learns, checkpoints every epoch,
# logs JSON lines, records how the model was trained, is bit-for-bit
# reproducible, freezes layers, and its models run in onnxruntime.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "training" "numpy is not importable by $PYTHON3"
	finish
fi
# bright vs dark 8x8 images with a little noise: two classes any model
# separates
"$PYTHON3" -c '
import json, numpy as np
rng = np.random.default_rng(0)
def save(path, n, seed):
    r = np.random.default_rng(seed)
    y = r.integers(0, 2, n)
    x = (0.3 * r.random((n, 1, 8, 8)) + 0.6 * y.reshape(-1, 1, 1, 1)).astype(np.float32)
    with open(path, "wb") as f:
        np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
        for i in range(0, n, 100):
            np.save(f, x[i:i + 100]); np.save(f, y[i:i + 100].astype(np.int64))
save("train.npy", 400, 1)
save("val.npy", 100, 2)
np.save("plain.npy", np.zeros((10, 1, 8, 8), np.float32))
'
dh-onnx new mlp --input 1x8x8 --classes 2 --width 16 --seed 1 -o mlp.onnx

run dh-train mlp.onnx train.npy --validation val.npy --epochs 3 --batch 32 \
	--optimizer sgd --lr 0.1 --momentum 0.9 --seed 7 -j1 -o a.onnx --log log.jsonl
expect_rc "dh-train trains an MLP on a stream" 0
[ -s "$out_file" ] && not_ok "nothing on stdout (it is free for pipelines)" "$(head -c 200 "$out_file")"
grep -q "epoch 3/3: loss" "$err_file" && ok "progress lines name each epoch" ||
	not_ok "progress lines name each epoch" "$(cat "$err_file")"
if "$PYTHON3" -c '
import json
lines = [json.loads(l) for l in open("log.jsonl")]
assert [l["epoch"] for l in lines] == [1, 2, 3], lines
for l in lines:
    for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds", "samples_per_s"):
        assert k in l, (k, l)
assert lines[-1]["val_accuracy"] >= 0.95, lines[-1]
assert lines[-1]["loss"] < lines[0]["loss"], lines
'; then ok "the JSON log has one object per epoch, and the model learned (val accuracy >= 0.95)"
else not_ok "the JSON log and learning" "$(cat log.jsonl)"; fi
run dh-onnx info a.onnx
expect_out "the model records its training" "^  dh.epochs: 3$"
expect_out "the model records its seed" "^  dh.seed: 7$"
run dh-onnx check a.onnx
expect_rc "the trained model is structurally sound" 0

# reproducible: same seed and threads, same bytes
dh-train -q mlp.onnx train.npy --epochs 2 --seed 7 -j1 -o b.onnx
dh-train -q mlp.onnx train.npy --epochs 2 --seed 7 -j1 -o c.onnx
cmp -s b.onnx c.onnx && ok "same seed, same thread count: identical models (1 thread)" ||
	not_ok "same seed, same thread count: identical models (1 thread)" "they differ"
dh-train -q mlp.onnx train.npy --epochs 2 --seed 7 -j2 -o d.onnx
dh-train -q mlp.onnx train.npy --epochs 2 --seed 7 -j2 -o e.onnx
cmp -s d.onnx e.onnx && ok "same seed, same thread count: identical models (2 threads)" ||
	not_ok "same seed, same thread count: identical models (2 threads)" "they differ"
# and a CNN (convolutions, MaxPool, Relu) on 2 threads
dh-onnx new lenet --input 1x8x8 --classes 2 --seed 1 -o lenet.onnx
dh-train -q lenet.onnx train.npy --epochs 1 --seed 7 -j2 -o l1.onnx
dh-train -q lenet.onnx train.npy --epochs 1 --seed 7 -j2 -o l2.onnx
cmp -s l1.onnx l2.onnx && ok "same seed, same thread count: identical CNNs (2 threads)" ||
	not_ok "same seed, same thread count: identical CNNs (2 threads)" "they differ"
dh-train -q mlp.onnx train.npy --epochs 2 --seed 8 -j1 -o f.onnx
cmp -s b.onnx f.onnx && not_ok "another seed, another model" "identical" || ok "another seed, another model"

# a CNN with BatchNorm learns too, and its running statistics are saved
dh-onnx new vgg11_bn --input 1x8x8 --classes 2 --seed 1 -o vgg.onnx
run dh-train vgg.onnx train.npy --validation val.npy --epochs 2 --batch 50 --seed 1 -o vgg-t.onnx --log vlog.jsonl
expect_rc "dh-train trains a CNN with BatchNorm" 0
run dh-onnx diff vgg.onnx vgg-t.onnx
expect_out "BatchNorm running statistics are updated" "^~ weight 'bn1.running_mean'"

# frozen layers keep their weights
run dh-train mlp.onnx train.npy --epochs 1 --seed 1 --freeze fc1 -o frozen.onnx
expect_rc "--freeze trains the rest" 0
run dh-onnx diff mlp.onnx frozen.onnx
if grep -q "weight 'fc1\." "$out_file"; then not_ok "--freeze fc1 keeps fc1's weights" "$(cat "$out_file")"
else ok "--freeze fc1 keeps fc1's weights"; fi
expect_out "--freeze fc1 still trains fc2" "weight 'fc2.weight'"

# the trained model runs in onnxruntime as in dh
ort=""
for p in "$PYTHON3" python3; do
	"$p" -c 'import onnxruntime' 2>/dev/null && { ort=$p; break; }
done
if [ -n "$ort" ]; then
	"$PYTHON3" -c 'import numpy as np; np.save("x.npy", np.random.default_rng(3).random((5, 1, 8, 8)).astype(np.float32))'
	dh-infer vgg-t.onnx x.npy -o dh.npy
	if "$ort" -c '
import numpy as np, onnxruntime as ort, sys
s = ort.InferenceSession("vgg-t.onnx", providers=["CPUExecutionProvider"])
r = s.run(None, {"input": np.load("x.npy")})[0]
d = np.load("dh.npy")
sys.exit(not np.abs(d - r).max() <= 1e-4 * max(1, np.abs(r).max()))'; then
		ok "the trained model gives onnxruntime's outputs"
	else
		not_ok "the trained model gives onnxruntime's outputs" "they differ"
	fi
else
	skip "the trained model in onnxruntime" "no onnxruntime"
fi

# --evaluate agrees with numpy's argmax over dh-infer's own outputs
run dh-infer a.onnx val.npy --evaluate --json
expect_rc "dh-infer --evaluate" 0
cp "$out_file" eval.json
dh-infer a.onnx val.npy -o scores.npy
if "$PYTHON3" -c '
import json, numpy as np
j = json.load(open("eval.json"))
f = open("scores.npy", "rb"); np.load(f)
f2 = open("val.npy", "rb"); np.load(f2)
pred, true = [], []
while True:
    try:
        y, t = np.load(f), np.load(f)
        np.load(f2); np.load(f2)
    except (EOFError, ValueError):
        break
    pred += list(y.argmax(1)); true += list(t)
pred, true = np.array(pred), np.array(true)
cm = np.zeros((2, 2), int)
for a, b in zip(true, pred):
    cm[a, b] += 1
assert j["samples"] == len(true) == 100, j["samples"]
assert abs(j["accuracy"] - (pred == true).mean()) < 1e-12, j
assert j["confusion"] == cm.tolist(), (j["confusion"], cm)
p1 = cm[1, 1] / max(cm[:, 1].sum(), 1)
assert abs(j["classes"][1]["precision"] - p1) < 1e-12
'; then ok "--evaluate: accuracy, precision and confusion matrix match numpy"
else not_ok "--evaluate matches numpy" "$(cat eval.json)"; fi

# bad input
run dh-train mlp.onnx plain.npy -o z.onnx
expect_rc "a stream without targets exits 1" 1
expect_err "a stream without targets says what is missing" "plain.npy: the stream has no 'target' field"
[ -e z.onnx ] && not_ok "no model after a failure" "z.onnx exists"
dh-onnx new mlp --input 1x9x9 --classes 2 -o mlp9.onnx
run dh-train mlp9.onnx train.npy -o z.onnx
expect_rc "samples of the wrong shape exit 1" 1
expect_err "samples of the wrong shape: one line" "^dh-train: train.npy: samples of shape \[400, 1, 8, 8\] do not fit the model's input 'input' \[N, 1, 9, 9\]$"
dh-onnx new mlp --input 1x8x8 --classes 1 -o mlp1.onnx
run dh-train mlp1.onnx train.npy -o z.onnx
expect_rc "labels beyond the classes exit 1" 1
run dh-train mlp.onnx train.npy
expect_rc "dh-train without -o is a usage error" 2
printf 'name: x\n' >data.yml
run dh-train mlp.onnx data.yml -o z.onnx
expect_rc "a DDF without images exits 1" 1
expect_err "a DDF without images: one line naming the file" "^dh-train: data.yml:1:1: "
finish
