# train_ddf.sh - dh-train on a DDF dataset through lib/dataset's loader:
# splits, validation, metrics, augmentation, determinism whatever the
# decoder threads, --skip-bad, and one-line errors for a model that does not
# fit the data, a missing split and an empty one.
. "$DH_SRCDIR/tests/lib.sh"

if ! "$PYTHON3" -c 'import numpy, cv2' 2>/dev/null; then
	skip "training from a DDF" "numpy and cv2 are not importable by $PYTHON3"
	finish
fi
"$PYTHON3" -c '
import numpy as np, cv2, os
r = np.random.default_rng(0)
os.makedirs("img", exist_ok=True)
names = ["dark", "bright"]
lines = ["name: toy", "classes: [dark, bright]", "images:"]
for i in range(200):
    y = int(r.integers(0, 2))
    x = (255 * (0.3 * r.random((8, 8)) + 0.6 * y)).clip(0, 255).astype(np.uint8)
    cv2.imwrite("img/%d.png" % i, x)
    lines.append("  - location: img/%d.png\n    label: %s" % (i, names[y]))
head = "\n".join(lines) + "\n"
def split(path, tr, va):
    s = head + "split:\n  training: [" + ", ".join(map(str, tr)) + "]\n"
    if va is not None:
        s += "  validation: [" + ", ".join(map(str, va)) + "]\n"
    open(path, "w").write(s)
split("toy.yml", range(160), range(160, 200))
split("noval.yml", range(200), None)
split("empty.yml", range(160), [])
'
dh-onnx new lenet --input 1x8x8 --classes 2 --seed 1 -o lenet.onnx

run dh-train lenet.onnx toy.yml --epochs 3 --seed 1 --metrics accuracy,f1 --log log.jsonl -o t.onnx
expect_rc "dh-train trains from a DDF" 0
grep -q "training lenet.onnx on 160 samples (with validation)" "$err_file" &&
	ok "it trains on the training split and validates on the validation split" ||
	not_ok "training and validation splits" "$(cat "$err_file")"
if "$PYTHON3" -c '
import json
l = [json.loads(x) for x in open("log.jsonl")]
assert [e["epoch"] for e in l] == [1, 2, 3], l
assert all(e["samples"] == 160 for e in l), l
assert l[-1]["val_accuracy"] >= 0.95 and l[-1]["val_f1"] >= 0.95, l[-1]
'; then ok "the model learns (val accuracy and F1 >= 0.95)"
else not_ok "the model learns from the DDF" "$(cat log.jsonl)"; fi
dh-train -q lenet.onnx toy.yml --epochs 2 --seed 1 --loader-threads 1 -o a1.onnx
dh-train -q lenet.onnx toy.yml --epochs 2 --seed 1 --loader-threads 3 -o a3.onnx
cmp -s a1.onnx a3.onnx && ok "the same bytes with 1 and 3 decoder threads" ||
	not_ok "the same bytes with 1 and 3 decoder threads" "they differ"

# augmentation in the decoder threads: deterministic, and it changes things
printf 'training:\n  mirror p=0.5\n  rotate angle=[-10, 10]\n' >aug.txt
run dh-train lenet.onnx toy.yml --epochs 2 --seed 1 --augment aug.txt --loader-threads 1 -o g1.onnx
expect_rc "--augment with a training section" 0
dh-train -q lenet.onnx toy.yml --epochs 2 --seed 1 --augment aug.txt --loader-threads 3 -o g3.onnx
cmp -s g1.onnx g3.onnx && ok "augmented training gives the same bytes with 1 and 3 decoder threads" ||
	not_ok "augmented training is deterministic" "they differ"
cmp -s g1.onnx a1.onnx && not_ok "augmentation changes the training" "same bytes as without" ||
	ok "augmentation changes the training"
dh-train -q lenet.onnx toy.yml --epochs 2 --seed 1 --augment aug.txt -o r2.onnx
dh-train -q lenet.onnx toy.yml --epochs 1 --seed 1 --augment aug.txt -o r1.onnx
dh-train -q lenet.onnx toy.yml --epochs 2 --seed 1 --augment aug.txt --resume r1.onnx.ckpt -o rr.onnx
cmp -s r2.onnx rr.onnx && ok "an augmented DDF run resumed: the same bytes" ||
	not_ok "an augmented DDF run resumed: the same bytes" "they differ"
printf 'training:\n  bogus_transform\n' >bad.txt
run dh-train lenet.onnx toy.yml --augment bad.txt -o z.onnx
expect_rc "a bad augmentation file exits 1" 1
expect_err "a bad augmentation file: one line naming it" "^dh-train: bad.txt:2:"

# splits
run dh-train lenet.onnx noval.yml --epochs 1 -o z.onnx
expect_rc "no validation split: training only" 0
run dh-train lenet.onnx toy.yml --split-train nosuch -o z.onnx
expect_rc "a missing split exits 1" 1
expect_err "a missing split: one line listing the splits" "^dh-train: toy.yml: no split 'nosuch' \(it has: training, validation\)$"
run dh-train lenet.onnx toy.yml --split-train validation --split-validation training --epochs 1 -o z.onnx
expect_rc "--split-train and --split-validation choose the splits" 0
grep -q "on 40 samples (with validation)" "$err_file" && ok "--split-train validation trains on its 40 samples" ||
	not_ok "--split-train chooses the split" "$(cat "$err_file")"
run dh-train lenet.onnx empty.yml -o z.onnx
expect_rc "an empty split exits 1" 1
expect_err "an empty split: one line" "^dh-train: empty.yml: the split 'validation' is empty$"

# the model does not fit the data
dh-onnx new lenet --input 1x12x12 --classes 2 --seed 1 -o lenet12.onnx
run dh-train lenet12.onnx toy.yml -o z.onnx
expect_rc "a model whose input does not fit the data exits 1" 1
expect_err "a model whose input does not fit: one line naming the model and the data" "^dh-train: lenet12.onnx: toy.yml: samples of shape \[1, 1, 8, 8\] do not fit the model's input 'input' \[N, 1, 12, 12\]"
run dh-train lenet12.onnx toy.yml --size 12x12 --epochs 1 -o z.onnx
expect_rc "--size 12x12 makes them fit" 0
dh-onnx new lenet --input 3x8x8 --classes 2 --seed 1 -o lenet3.onnx
run dh-train lenet3.onnx toy.yml --channels 3 --epochs 1 -o z.onnx
expect_rc "--channels 3 feeds an RGB model" 0

# undecodable samples
echo "not an image" >img/7.png
run dh-train lenet.onnx toy.yml -o z.onnx
expect_rc "an undecodable sample stops the run (1)" 1
grep -q "img/7.png" "$err_file" && ok "the undecodable sample is named" || not_ok "the undecodable sample is named" "$(cat "$err_file")"
run dh-train lenet.onnx toy.yml --skip-bad --epochs 2 --log sk.jsonl -o z.onnx
expect_rc "--skip-bad goes on" 0
[ "$(grep -c "skipped sample 7 (.*img/7.png)" "$err_file")" -eq 1 ] && ok "--skip-bad names the sample once" ||
	not_ok "--skip-bad names the sample once" "$(cat "$err_file")"
grep -q "1 undecodable sample skipped in the training split" "$err_file" && ok "--skip-bad counts the skipped samples" ||
	not_ok "--skip-bad counts the skipped samples" "$(cat "$err_file")"
"$PYTHON3" -c '
import json
assert all(json.loads(x)["samples"] == 159 for x in open("sk.jsonl"))' &&
	ok "--skip-bad trains on the rest (159 samples per epoch)" || not_ok "--skip-bad trains on the rest" "$(cat sk.jsonl)"
finish
