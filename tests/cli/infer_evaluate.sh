# infer_evaluate.sh - dh-infer --evaluate on class scores: the confusion
# matrix, accuracy and per-class precision/recall/F1 equal a reference
# computed in plain Python from dh-infer's own scores; DDF splits bring
# their labels and class names; --plot draws the same matrix.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "dh-infer --evaluate" "no numpy"
	finish
fi
dh-onnx new lenet --input 1x28x28 --classes 4 --seed 8 -o m.onnx
"$PYTHON3" -c '
import json, numpy as np
r = np.random.default_rng(2)
with open("g.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
    for n in (16, 9):
        np.save(f, r.random((n, 1, 28, 28)).astype(np.float32) * 3)
        np.save(f, r.integers(0, 4, n))
import cv2, os
os.makedirs("pics", exist_ok=True)
lines = ["name: toy", "classes: [ant, bee, cat, dog]", "images:"]
for i in range(12):
    cv2.imwrite("pics/%02d.png" % i, (r.random((30, 26, 3)) * 255).astype(np.uint8))
    lines += ["  - location: pics/%02d.png" % i, "    label: %s" % ["ant", "bee", "cat", "dog"][i % 4]]
lines += ["split:", "  test: [1, 2, 3, 5, 8, 9, 10, 11]", "  training: [0, 4, 6, 7]"]
open("toy.yml", "w").write("\n".join(lines) + "\n")' || { not_ok "fixtures" "python failed"; finish; }

# the reference: argmax of dh-infer's own stream output
dh-infer -q m.onnx g.npy -o s.npy
run dh-infer m.onnx g.npy --evaluate --json
expect_rc "--evaluate --json" 0
cp "$out_file" e.json
run dh-infer m.onnx g.npy --evaluate
expect_rc "--evaluate (text)" 0
cp "$out_file" e.txt
cat >ref.py <<'PY'
import json, sys
import numpy as np
f = open("s.npy", "rb"); np.load(f)
g = open("g.npy", "rb"); np.load(g)
pred, true = [], []
while True:
    try:
        y, t = np.load(f), np.load(f)
    except (EOFError, ValueError):
        break
    np.load(g); np.load(g)
    pred += [int(v) for v in y.argmax(1)]
    true += [int(v) for v in t]
C = 4
cm = [[0] * C for _ in range(C)]
for a, b in zip(true, pred):
    cm[a][b] += 1
def div(a, b):
    return a / b if b else 0.0
per = []
for k in range(C):
    tp = cm[k][k]
    p = div(tp, sum(cm[j][k] for j in range(C)))
    r = div(tp, sum(cm[k]))
    per.append((p, r, div(2 * p * r, p + r), sum(cm[k])))
acc = sum(cm[k][k] for k in range(C)) / len(true)
j = json.load(open("e.json"))
assert j["samples"] == len(true) == 25
assert j["confusion"] == cm, (j["confusion"], cm)
assert abs(j["accuracy"] - acc) < 1e-12
for k in range(C):
    c = j["classes"][k]
    assert abs(c["precision"] - per[k][0]) < 1e-12 and abs(c["recall"] - per[k][1]) < 1e-12
    assert abs(c["f1"] - per[k][2]) < 1e-12 and c["support"] == per[k][3], (c, per[k])
assert abs(j["macro"]["f1"] - sum(p[2] for p in per) / C) < 1e-12
# the text report says the same
t = open("e.txt").read().splitlines()
assert t[0] == "samples 25" and t[1] == "accuracy %.4f" % acc, t[:2]
rows = t[t.index("confusion matrix (rows: true class, columns: predicted)") + 1:]
assert [[int(v) for v in r.split()] for r in rows] == cm, rows
for k in range(C):
    line = [l for l in t if l.split()[:1] == [str(k)]][0].split()
    assert abs(float(line[3]) - per[k][2]) < 6e-5, line
PY
if "$PYTHON3" ref.py; then
	ok "confusion matrix, accuracy and per-class P/R/F1 equal the Python reference (JSON and text)"
else
	not_ok "--evaluate against the reference" "$(cat e.json)"
fi

# --plot: the same counts in the SVG's cells
run dh-infer m.onnx g.npy --evaluate --plot cm.svg
expect_rc "--evaluate --plot" 0
if "$PYTHON3" -c '
import json, re, xml.etree.ElementTree as E
r = E.parse("cm.svg").getroot()
ns = "{http://www.w3.org/2000/svg}"
cells = [c for c in r.iter(ns + "rect") if c.find(ns + "title") is not None]
cm = json.load(open("e.json"))["confusion"]
assert len(cells) == 16
for c in cells:
    m = re.match(r"true (\d+), predicted (\d+): (\d+)$", c.find(ns + "title").text)
    assert cm[int(m.group(1))][int(m.group(2))] == int(m.group(3))
'; then
	ok "the SVG draws every cell of the matrix with its count"
else
	not_ok "--plot SVG" "$(head -c 400 cm.svg)"
fi
run dh-infer m.onnx g.npy --plot x.svg
expect_rc "--plot without --evaluate is a usage error" 2

# a DDF split: labels and class names from the dataset
run dh-infer m.onnx --split test toy.yml --evaluate --json
expect_rc "--evaluate on a DDF split" 0
cp "$out_file" d.json
run dh-infer m.onnx --split test toy.yml -f csv -o d.csv
expect_rc "a DDF split to CSV" 0
if "$PYTHON3" -c '
import csv, json
rows = list(csv.reader(open("d.csv")))
assert rows[0][:4] == ["id", "path", "label", "target"] and rows[0][4:] == ["score_ant", "score_bee", "score_cat", "score_dog"], rows[0]
names = ["ant", "bee", "cat", "dog"]
ids = [int(r[0]) for r in rows[1:]]
assert ids == [1, 2, 3, 5, 8, 9, 10, 11], ids
cm = [[0] * 4 for _ in range(4)]
for r in rows[1:]:
    assert r[1].endswith("pics/%02d.png" % int(r[0])) and r[3] == names[int(r[0]) % 4], r
    s = [float(v) for v in r[4:]]
    assert r[2] == names[s.index(max(s))]
    cm[names.index(r[3])][names.index(r[2])] += 1
j = json.load(open("d.json"))
assert j["confusion"] == cm and [c["name"] for c in j["classes"]] == names, (j, cm)
'; then
	ok "DDF split: ids, paths, class names and the matrix agree with the rows"
else
	not_ok "DDF split evaluation" "$(cat d.csv d.json)"
fi
run dh-infer m.onnx --split test toy.yml --evaluate
expect_out "the text report names the classes" "^dog +[0-9]"

# the same split three ways: through the loader, as dh-dataset stream
# writes it, and as image files: the same pixels, the same scores
run dh-dataset stream toy.yml --split test --size 28x28 --channels 1 -o toy.npy
if [ "$rc" -eq 0 ]; then
	dh-infer -q m.onnx toy.npy -f csv -o via-stream.csv
	dh-infer -q m.onnx pics/01.png pics/02.png pics/03.png pics/05.png pics/08.png pics/09.png pics/10.png pics/11.png -f csv -o via-files.csv
	if "$PYTHON3" -c '
import csv, sys
def scores(f):
    return [[float(v) for v in r[-4:]] for r in list(csv.reader(open(f)))[1:]]
a, b, c = scores("d.csv"), scores("via-stream.csv"), scores("via-files.csv")
d = max(abs(x - y) for p, q in ((a, b), (a, c)) for r, s in zip(p, q) for x, y in zip(r, s))
print("# worst difference %.3g" % d)
sys.exit(not (len(a) == len(b) == len(c) == 8 and d <= 1e-5))'; then
		ok "a DDF split, dh-dataset stream and image files give the same scores"
	else
		not_ok "DDF, stream and files agree" "$(cat d.csv via-stream.csv via-files.csv)"
	fi
else
	skip "a DDF split, dh-dataset stream and image files agree" "dh-dataset stream: $(head -c 200 "$err_file")"
fi

# no labels, no evaluation
"$PYTHON3" -c 'import numpy as np; np.save("plain.npy", np.zeros((2, 1, 28, 28), np.float32))'
run dh-infer m.onnx plain.npy --evaluate
expect_rc "--evaluate on a plain stream exits 1" 1
expect_err "it says why" "^dh-infer: plain.npy: --evaluate needs a grouped stream with a 'target' field$"
run dh-infer m.onnx pics/00.png --evaluate
expect_rc "--evaluate on image files exits 1" 1
expect_err "it says what it needs" "^dh-infer: --evaluate needs targets"
run dh-infer m.onnx --split nosuch toy.yml
expect_rc "an unknown split exits 1" 1
expect_err "the split is named with the ones there are" "^dh-infer: toy.yml: no split 'nosuch' \(it has 'test', 'training'\)$"
finish
