# train_options.sh - dh-train's training options: early stop at the right
# epoch, keep-best, class weights against a NumPy reference, metrics against
# NumPy, NaN/Inf stops naming the node (or skips), the SVG plot, schedules,
# and the usage errors.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "training options" "numpy is not importable by $PYTHON3"
	finish
fi
"$PYTHON3" -c '
import json, numpy as np
def save(path, n, seed, flip=False, nan=None):
    r = np.random.default_rng(seed)
    y = r.integers(0, 3, n)
    x = (0.3 * r.random((n, 1, 8, 8)) + 0.3 * y.reshape(-1, 1, 1, 1)).astype(np.float32)
    if nan is not None:
        x[nan, 0, 2, 2] = np.nan
    with open(path, "wb") as f:
        np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
        np.save(f, x); np.save(f, ((y + 1) % 3 if flip else y).astype(np.int64))
save("train.npy", 300, 1)
save("val.npy", 90, 2)
save("inv.npy", 90, 3, flip=True)
save("nan.npy", 64, 4, nan=10)
'
dh-onnx new mlp --input 1x8x8 --classes 3 --width 16 --seed 1 -o mlp.onnx

# early stop: validation labels shifted by one class, so that val_loss
# rises while the training loss falls; best at epoch 1, patience 2: the run
# stops after epoch 3
run dh-train mlp.onnx train.npy --validation inv.npy --optimizer sgd --lr 0.1 \
	--epochs 20 --early-stop val_loss:2 --keep-best val_loss --log es.jsonl -o es.onnx
expect_rc "--early-stop trains and stops" 0
if "$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("es.jsonl")]
v = [e["val_loss"] for e in l]
assert len(l) == 3, v
assert v[1] >= v[0] and v[2] >= v[0], v
assert l[0].get("best") and not l[1].get("best") and not l[2].get("best"), l
'; then ok "--early-stop val_loss:2 stops after epoch 3 when epoch 1 was the best"
else not_ok "--early-stop val_loss:2 stops after epoch 3" "$(cat es.jsonl)"; fi
grep -q "early stop after epoch 3: val_loss has not improved for 2 epochs (best .* at epoch 1)" "$err_file" &&
	ok "the early stop is announced" || not_ok "the early stop is announced" "$(cat "$err_file")"
run dh-onnx info es.onnx
expect_out "--keep-best writes the best epoch's weights" "^  dh.epochs: 1$"
expect_out "--keep-best is recorded" "^  dh.best_by: val_loss$"
dh-train -q mlp.onnx train.npy --validation inv.npy --optimizer sgd --lr 0.1 --epochs 1 -o one.onnx
"$PYTHON3" - <<'PY' && ok "the best epoch's model is epoch 1's model" || not_ok "the best epoch's model is epoch 1's model" "weights differ"
import onnx, sys
a, b = onnx.load("es.onnx"), onnx.load("one.onnx")
wa = {t.name: t.raw_data for t in a.graph.initializer}
wb = {t.name: t.raw_data for t in b.graph.initializer}
sys.exit(wa != wb)
PY

# class weights: one batch of the whole set, so the first (and only)
# training loss is the weighted cross-entropy of the initial model
dh-infer mlp.onnx train.npy -o logits.npy 2>/dev/null
run dh-train mlp.onnx train.npy --class-weights 1,3,0.5 --batch 300 --epochs 1 --metrics none --log cw.jsonl -o cw.onnx
expect_rc "--class-weights 1,3,0.5" 0
dh-train -q mlp.onnx train.npy --class-weights balanced --batch 300 --epochs 1 --metrics none --log bal.jsonl -o bal.onnx
dh-train -q mlp.onnx train.npy --batch 300 --epochs 1 --metrics none --log plain.jsonl -o plain.onnx
if "$PYTHON3" -c '
import json, numpy as np
def stream(path):
    f = open(path, "rb"); np.load(f); out = []
    while True:
        try: out.append(np.load(f))
        except (EOFError, ValueError): return out
s = stream("train.npy"); y = np.concatenate(s[1::2])
z = np.concatenate(stream("logits.npy")[0::2]).astype(np.float64)
lp = z - z.max(1, keepdims=True); lp = lp - np.log(np.exp(lp).sum(1, keepdims=True))
def ce(w):
    wy = w[y]
    return -(wy * lp[np.arange(len(y)), y]).sum() / wy.sum()
cnt = np.bincount(y, minlength=3)
for log, w in (("cw.jsonl", np.array([1, 3, 0.5])), ("bal.jsonl", len(y) / (3 * cnt)), ("plain.jsonl", np.ones(3))):
    got = json.loads(open(log).readline())["loss"]
    ref = ce(w)
    assert abs(got - ref) <= 1e-5 * abs(ref), (log, got, ref)
assert abs(ce(np.array([1, 3, 0.5])) - ce(np.ones(3))) > 1e-3
'; then ok "class weights (a list, balanced, none) give NumPy's weighted cross-entropy"
else not_ok "class weights give NumPy's weighted cross-entropy" "$(cat cw.jsonl bal.jsonl plain.jsonl)"; fi
run dh-train mlp.onnx train.npy --class-weights 1,2 -o z.onnx
expect_rc "two weights for three classes exit 1" 1
expect_err "two weights for three classes: one line" "^dh-train: --class-weights: 2 weights for 3 classes$"
run dh-train mlp.onnx train.npy --class-weights 1,2,3 --loss mse -o z.onnx
expect_rc "--class-weights with mse is a usage error" 2

# metrics: the validation metrics of an evaluation-only epoch against NumPy
run dh-train mlp.onnx train.npy --validation val.npy --lr 1e-12 --epochs 1 --metrics accuracy,top2,precision,recall,f1 --log m.jsonl -o m.onnx
expect_rc "--metrics accuracy,top2,precision,recall,f1" 0
dh-infer m.onnx val.npy -o vlogits.npy 2>/dev/null
if "$PYTHON3" -c '
import json, numpy as np
def stream(path):
    f = open(path, "rb"); np.load(f); out = []
    while True:
        try: out.append(np.load(f))
        except (EOFError, ValueError): return out
y = np.concatenate(stream("val.npy")[1::2]); z = np.concatenate(stream("vlogits.npy")[0::2])
p = z.argmax(1)
l = json.loads(open("m.jsonl").readline())
prec = [((p == c) & (y == c)).sum() / max((p == c).sum(), 1) for c in range(3)]
rec = [((p == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in range(3)]
f1 = [2 * a * b / (a + b) if a + b else 0 for a, b in zip(prec, rec)]
top2 = np.mean([(z[i] > z[i, y[i]]).sum() < 2 for i in range(len(y))])
for k, v in (("val_accuracy", (p == y).mean()), ("val_precision", np.mean(prec)), ("val_recall", np.mean(rec)), ("val_f1", np.mean(f1)), ("val_top2", top2)):
    assert abs(l[k] - v) < 1e-5, (k, l[k], v)
'; then ok "validation accuracy, top-2, macro precision, recall and F1 match NumPy"
else not_ok "validation metrics match NumPy" "$(cat m.jsonl)"; fi
run dh-train mlp.onnx train.npy --metrics accuracy,bogus -o z.onnx
expect_rc "an unknown metric is a usage error" 2
expect_err "an unknown metric: one line naming it" "unknown metric 'bogus'"
run dh-train mlp.onnx train.npy --metrics mse -o z.onnx
expect_rc "mse against class labels exits 1" 1

# NaN in the data: stop naming the input; --on-nan skip goes on
run dh-train -q mlp.onnx nan.npy --batch 8 -o n.onnx
expect_rc "NaN in the input stops the run (1)" 1
expect_err "NaN in the input: one line saying so" "^dh-train: the input holds NaN \(sample [0-9] of the batch\): bad data"
run dh-train mlp.onnx nan.npy --batch 8 --epochs 2 --on-nan skip --log nan.jsonl -o n.onnx
expect_rc "--on-nan skip goes on" 0
"$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("nan.jsonl")]
assert [e["skipped_batches"] for e in l] == [1, 1], l
assert [e["samples"] for e in l] == [56, 56], l' && ok "--on-nan skip skips one batch per epoch and counts it" ||
	not_ok "--on-nan skip counts the skipped batches" "$(cat nan.jsonl)"
# a diverging run: the node where infinities appear is named
run dh-train -q mlp.onnx train.npy --optimizer sgd --lr 1e6 --epochs 3 -o d.onnx
expect_rc "a diverging run stops (1)" 1
expect_err "a diverging run names the node" "^dh-train: [A-Za-z]+ node '[^']+': (output|input gradient) holds (NaN|an infinity) at element [0-9]+: training diverged"

# the plot: a valid SVG with a panel per figure
run dh-train mlp.onnx train.npy --validation val.npy --epochs 3 --metrics accuracy,f1 --plot curves.svg -o p.onnx
expect_rc "--plot curves.svg" 0
if "$PYTHON3" -c '
import xml.etree.ElementTree as ET
t = ET.parse("curves.svg"); r = t.getroot()
ns = "{http://www.w3.org/2000/svg}"
assert r.tag == ns + "svg", r.tag
texts = [e.text for e in r.iter(ns + "text")]
for w in ("loss", "accuracy", "f1", "training", "validation", "epoch"):
    assert w in texts, (w, texts)
paths = [e for e in r.iter(ns + "path") if e.get("stroke-width") == "2"]
assert len(paths) == 6, len(paths)
'; then ok "the plot is valid SVG: loss, accuracy and f1 panels, training and validation lines, legend"
else not_ok "the plot is valid SVG with its panels" "$(head -c 300 curves.svg)"; fi
run dh-train mlp.onnx train.npy --plot curves.png -o z.onnx
expect_rc "--plot FILE.png is not supported (2)" 2
expect_err "--plot FILE.png says so" "PNG is not supported"

# the profile: every op type of the MLP, shares adding up to one, the
# slowest nodes, steps counted (300 samples, batch 64: 5 steps an epoch)
run dh-train mlp.onnx train.npy --epochs 2 -b 64 --profile prof.jsonl -o pr.onnx
expect_rc "--profile prof.jsonl" 0
if "$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("prof.jsonl")]
ops = [e for e in l if "op" in e and "node" not in e]
nodes = [e for e in l if "node" in e]
parts = {e["part"]: e["ms"] for e in l if "part" in e}
assert {"Gemm", "Relu"} <= {e["op"] for e in ops}, ops
assert abs(sum(e["share"] for e in ops) - 1) < 1e-3, ops
assert sorted(parts) == ["loss", "optimizer"], parts
t = [e["forward_ms"] + e["backward_ms"] for e in nodes]
assert len(nodes) == sum(e["nodes"] for e in ops), nodes
assert all(a >= b - 2e-6 for a, b in zip(t, t[1:])), nodes
'; then ok "--profile .jsonl: op types, shares, parts and nodes slowest first"
else not_ok "--profile .jsonl" "$(head -c 400 prof.jsonl)"; fi
# a U-Net's Relus follow BatchNormalizations: folded into them, each
# counted on the profile's "folded" line and nowhere else
"$PYTHON3" -c '
import json, numpy as np
r = np.random.default_rng(5)
x = r.random((32, 1, 8, 8)).astype(np.float32)
y = (x[:, 0] > 0.5).astype(np.int64) + (x[:, 0] > 0.8)
with open("seg.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
    np.save(f, x); np.save(f, y)
'
dh-onnx new unet --input 1x8x8 --classes 3 --width 4 --depth 2 --seed 1 -o unet.onnx
run dh-train unet.onnx seg.npy -b 16 --profile profu.jsonl -o pru.onnx
expect_rc "--profile of a U-Net (BatchNorm, Relu)" 0
if "$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("profu.jsonl")]
ops = [e for e in l if "op" in e and "node" not in e]
nodes = [e for e in l if "node" in e]
folded = [e for e in l if "folded" in e]
assert folded == [{"folded": "Relu", "nodes": 10}], folded
assert "Relu" not in {e["op"] for e in ops}, ops
assert all(e["op"] != "Relu" for e in nodes), nodes
assert abs(sum(e["share"] for e in ops) - 1) < 1e-3, ops
'; then ok "--profile: Relus folded into BatchNorm are counted apart"
else not_ok "--profile's folded Relus" "$(cat profu.jsonl | head -c 600)"; fi
run dh-train -q mlp.onnx train.npy -b 64 --profile - -o pr.onnx
expect_rc "--profile - (stdout)" 0
expect_out "--profile - prints the table per step" "^profile: ms per step over 5 steps"
rm -f prbad.onnx
run dh-train -q mlp.onnx train.npy --profile nodir/prof.txt -o prbad.onnx
expect_rc "--profile into a missing folder fails (1)" 1
expect_err "--profile's bad path is named" "cannot write 'nodir/prof.txt'"
[ ! -e prbad.onnx ] && ok "--profile's bad path fails before training (no model written)" ||
	not_ok "--profile's bad path fails before training" "prbad.onnx was written"

# schedules
run dh-train mlp.onnx train.npy --epochs 3 --lr 0.1 --optimizer sgd --schedule exponential:0.5 --log s.jsonl -o s.onnx
expect_rc "--schedule exponential:0.5" 0
"$PYTHON3" -c '
import json
assert [json.loads(x)["lr"] for x in open("s.jsonl")] == [0.1, 0.05, 0.025]' &&
	ok "the exponential schedule halves the rate each epoch" || not_ok "the exponential schedule" "$(cat s.jsonl)"
run dh-train mlp.onnx train.npy --schedule wobble -o z.onnx
expect_rc "an unknown schedule is a usage error" 2

# usage errors
run dh-train mlp.onnx train.npy --early-stop val_loss -o z.onnx
expect_rc "--early-stop without a patience is a usage error" 2
run dh-train mlp.onnx train.npy --early-stop val_loss:3 -o z.onnx
expect_rc "--early-stop on val_loss without validation data is a usage error" 2
expect_err "--early-stop without validation data says why" "no validation data"
run dh-train mlp.onnx train.npy --keep-best val_nothing -o z.onnx
expect_rc "--keep-best on an unknown figure is a usage error" 2
run dh-train mlp.onnx train.npy --augment aug.txt -o z.onnx
expect_rc "--augment on a tensor stream is a usage error" 2
run dh-train mlp.onnx train.npy --size 28x28 -o z.onnx
expect_rc "--size on a tensor stream is a usage error" 2
finish
