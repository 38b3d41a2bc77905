# train_resume.sh - a run stopped after 2 epochs and resumed for 2 more
# writes the very bytes of a 4-epoch run: weights, Adam's moments and step
# count, BatchNorm statistics, Dropout's random state, the schedule, the
# best epoch and the early-stop counters all travel in the checkpoint.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "resuming" "numpy is not importable by $PYTHON3"
	finish
fi
"$PYTHON3" -c '
import json, numpy as np
def save(path, n, seed, flip=False):
    r = np.random.default_rng(seed)
    y = r.integers(0, 2, n)
    x = (0.3 * r.random((n, 1, 8, 8)) + 0.6 * y.reshape(-1, 1, 1, 1)).astype(np.float32)
    with open(path, "wb") as f:
        np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
        np.save(f, x); np.save(f, (1 - y if flip else y).astype(np.int64))
save("train.npy", 300, 1)
save("val.npy", 100, 2)
'
dh-onnx new mlp --input 1x8x8 --classes 2 --width 16 --seed 1 -o mlp.onnx
dh-onnx new vgg11_bn --input 1x8x8 --classes 2 --seed 1 -o vgg.onnx

# Adam, a schedule, metrics, keep-best and early stop (which never fires)
opts="--validation val.npy --optimizer adam --lr 0.01 --schedule step:1:0.5 --metrics accuracy,f1 --keep-best val_loss --early-stop val_loss:10 --seed 5 -j2"
run dh-train mlp.onnx train.npy $opts --epochs 4 -o full.onnx
expect_rc "4 epochs straight" 0
run dh-train mlp.onnx train.npy $opts --epochs 2 -o half.onnx
expect_rc "2 epochs" 0
[ -s half.onnx.ckpt ] && ok "a checkpoint beside the model" || not_ok "a checkpoint beside the model" "no half.onnx.ckpt"
run dh-train mlp.onnx train.npy $opts --epochs 4 --resume half.onnx.ckpt -o resumed.onnx --log log.jsonl
expect_rc "resumed for 2 more" 0
grep -q "resuming from half.onnx.ckpt after epoch 2" "$err_file" && ok "it says where it resumes" ||
	not_ok "it says where it resumes" "$(cat "$err_file")"
cmp full.onnx resumed.onnx >/dev/null && ok "2 + 2 resumed epochs: the bytes of 4 straight (Adam, schedule, keep-best)" ||
	not_ok "2 + 2 resumed epochs: the bytes of 4 straight (Adam, schedule, keep-best)" "$(cmp full.onnx resumed.onnx)"
if "$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("log.jsonl")]
assert [e["epoch"] for e in l] == [1, 2, 3, 4], l
assert [e["lr"] for e in l] == [0.01, 0.005, 0.0025, 0.00125], [e["lr"] for e in l]
'; then ok "the resumed log holds all 4 epochs, with the schedule's rates"
else not_ok "the resumed log holds all 4 epochs" "$(cat log.jsonl)"; fi

# --resume may name the model beside the checkpoint
run dh-train mlp.onnx train.npy $opts --epochs 4 --resume half.onnx -o resumed2.onnx
cmp full.onnx resumed2.onnx >/dev/null && ok "--resume OUT.onnx finds OUT.onnx.ckpt" ||
	not_ok "--resume OUT.onnx finds OUT.onnx.ckpt" "exit $rc: $(cat "$err_file")"

# SGD with momentum on a CNN with BatchNorm and Dropout (vgg11_bn)
v="--optimizer sgd --lr 0.05 --momentum 0.9 --batch 50 --seed 3 -j2"
dh-train -q vgg.onnx train.npy $v --epochs 3 -o vfull.onnx
dh-train -q vgg.onnx train.npy $v --epochs 1 -o vhalf.onnx
run dh-train -q vgg.onnx train.npy $v --epochs 3 --resume vhalf.onnx.ckpt -o vres.onnx
expect_rc "a CNN resumed" 0
cmp vfull.onnx vres.onnx >/dev/null && ok "1 + 2 resumed epochs of a CNN with BatchNorm and Dropout: the same bytes" ||
	not_ok "1 + 2 resumed epochs of a CNN with BatchNorm and Dropout: the same bytes" "they differ"

# a resumed run must repeat the options that decide the result
run dh-train mlp.onnx train.npy $(echo "$opts" | sed 's/--lr 0.01/--lr 0.02/') --epochs 4 --resume half.onnx.ckpt -o z.onnx
expect_rc "another learning rate on resume exits 1" 1
expect_err "another learning rate on resume: one line naming it" "^dh-train: half.onnx.ckpt: the checkpoint was trained with 'lr=0.01', this run asks for 'lr=0.02'$"
run dh-train vgg.onnx train.npy $opts --epochs 4 --resume half.onnx.ckpt -o z.onnx
expect_rc "another model's checkpoint exits 1" 1
run dh-train mlp.onnx train.npy $opts --epochs 4 --resume nothere.ckpt -o z.onnx
expect_rc "a missing checkpoint exits 1" 1
expect_err "a missing checkpoint: one line" "^dh-train: cannot open 'nothere.ckpt': No such file or directory$"
head -c 1000 half.onnx.ckpt >cut.ckpt
run dh-train mlp.onnx train.npy $opts --epochs 4 --resume cut.ckpt -o z.onnx
expect_rc "a truncated checkpoint exits 1" 1
expect_err "a truncated checkpoint: one line with the offset" "^dh-train: cut.ckpt:[0-9]+: "
run dh-train mlp.onnx train.npy $opts --epochs 4 --resume mlp.onnx.ckpt -o z.onnx
expect_rc "a model without its checkpoint exits 1" 1
finish
