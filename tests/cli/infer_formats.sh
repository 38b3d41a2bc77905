# infer_formats.sh - dh-infer's outputs agree with each other and with
# onnxruntime: CSV and JSON-lines rows hold the stream path's numbers, image
# inputs are prepared as documented (gray, resized, v/255) and give
# onnxruntime's outputs on the same pixels.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "dh-infer output formats" "no numpy"
	finish
fi
dh-onnx new lenet --input 1x28x28 --classes 10 --seed 3 -o m.onnx
"$PYTHON3" -c '
import json, numpy as np
r = np.random.default_rng(5)
with open("g.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target", "id"]}).encode(), np.uint8))
    for n, off in ((4, 0), (3, 4)):
        np.save(f, r.random((n, 1, 28, 28)).astype(np.float32))
        np.save(f, (np.arange(n) + off) % 10)
        np.save(f, np.arange(n) + 100 + off)
np.save("plain.npy", r.random((5, 1, 28, 28)).astype(np.float32))'

# the stream path, the reference for the rows
run dh-infer m.onnx g.npy -o s.npy
expect_rc "grouped stream in, stream out" 0
run dh-infer m.onnx g.npy --format csv -o s.csv
expect_rc "--format csv" 0
run dh-infer m.onnx g.npy --format jsonl -o s.jsonl
expect_rc "--format jsonl" 0
run dh-infer m.onnx g.npy --format jsonl --softmax -o p.jsonl
expect_rc "--format jsonl --softmax" 0
if "$PYTHON3" -c '
import csv, json, sys, numpy as np
f = open("s.npy", "rb"); np.load(f)
ys, ids, ts = [], [], []
while True:
    try:
        ys.append(np.load(f)); ids.append(np.load(f)); ts.append(np.load(f))
    except (EOFError, ValueError):
        break
y, i, t = np.concatenate(ys), np.concatenate(ids), np.concatenate(ts)
rows = list(csv.reader(open("s.csv")))
assert rows[0] == ["id", "path", "label", "target"] + ["score_%d" % k for k in range(10)], rows[0]
rows = rows[1:]
assert len(rows) == 7, len(rows)
for k, r in enumerate(rows):
    assert int(r[0]) == i[k] and r[1] == "" and int(r[2]) == y[k].argmax() and int(r[3]) == t[k], r
    s = np.array([float(v) for v in r[4:]], np.float32)
    assert (s == y[k]).all(), (s, y[k])
js = [json.loads(l) for l in open("s.jsonl")]
assert len(js) == 7
for k, j in enumerate(js):
    assert j["id"] == i[k] and j["label"] == y[k].argmax() and j["target"] == t[k], j
    assert (np.array(j["scores"], np.float32) == y[k]).all()
ps = [json.loads(l) for l in open("p.jsonl")]
e = np.exp(y.astype(np.float64) - y.max(1, keepdims=True)); e /= e.sum(1, keepdims=True)
d = np.abs(np.array([p["scores"] for p in ps]) - e).max()
assert d < 1e-7, d
'; then
	ok "CSV and JSON lines hold the stream's scores, ids, targets and argmax (softmax to 1e-7)"
else
	not_ok "CSV and JSON lines agree with the stream" "see above"
fi

# a plain stream: ids count from 0, no target column
run dh-infer m.onnx plain.npy -f csv
expect_rc "plain stream to CSV" 0
if head -n 1 "$out_file" | grep -q '^id,path,label,score_0,' && [ "$(sed -n 6p "$out_file" | cut -d, -f1)" = 4 ]; then
	ok "plain stream: no target column, ids from 0"
else
	not_ok "plain stream CSV" "$(head -c 300 "$out_file")"
fi

# class names from the model's dh.classes metadata
ort=""
for p in "$PYTHON3" python3 /usr/local/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import onnxruntime, onnx, numpy' 2>/dev/null; then
		ort=$p
		break
	fi
done
if [ -n "$ort" ]; then
	"$ort" -c '
import onnx
m = onnx.load("m.onnx")
e = m.metadata_props.add(); e.key = "dh.classes"; e.value = "[\"zero\", \"one\", \"t,wo\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\"]"
onnx.save(m, "named.onnx")'
	run dh-infer named.onnx g.npy -f csv
	if head -n 1 "$out_file" | grep -q '^id,path,label,target,score_zero,score_one,"score_t,wo",score_3'; then
		ok "class names from dh.classes head the score columns (quoted when needed)"
	else
		not_ok "class names in the CSV header" "$(head -n 2 "$out_file")"
	fi
	run dh-infer named.onnx g.npy -f jsonl
	if sed -n 2p "$out_file" | grep -q '"target":1,"target_class":"one"'; then
		ok "JSON lines name the true class"
	else
		not_ok "JSON lines name classes" "$(sed -n 2p "$out_file")"
	fi
else
	skip "class names from the model" "no Python with onnx and onnxruntime"
	skip "JSON lines name the true class" "no Python with onnx and onnxruntime"
fi

# images: RGB of other sizes, gray at the model's size, a JPEG
"$PYTHON3" -c '
import numpy as np
r = np.random.default_rng(9)
np.save("rgb.npy", (r.random((40, 33, 3)) * 255).astype(np.uint8))
np.save("gray.npy", (r.random((28, 28)) * 255).astype(np.uint8))
np.save("small.npy", (r.random((20, 16, 3)) * 255).astype(np.uint8))'
dh-image convert rgb.npy a.png && dh-image convert gray.npy b.png && dh-image convert small.npy c.jpg
run dh-infer m.onnx a.png b.png c.jpg -f csv -o img.csv
expect_rc "image files to CSV" 0
if [ "$(cut -d, -f1,2 img.csv | tr '\n' ' ')" = "id,path 0,a.png 1,b.png 2,c.jpg " ]; then
	ok "image rows: ids are argument positions, paths as given"
else
	not_ok "image rows" "$(cat img.csv)"
fi
# the documented preparation, through dh-image: gray, then bilinear resize
for f in a.png c.jpg; do
	dh-image gray "$f" "g-$f.png" && dh-image resize 28x28 "g-$f.png" "r-$f.png"
	dh-image convert "r-$f.png" "r-$f.npy"
done
dh-image convert b.png r-b.png.npy
if [ -n "$ort" ]; then
	if "$ort" -c '
import csv, sys, numpy as np, onnxruntime as ort
x = np.stack([np.load(f).reshape(1, 28, 28) for f in ("r-a.png.npy", "r-b.png.npy", "r-c.jpg.npy")]).astype(np.float32) / np.float32(255)
s = ort.InferenceSession("m.onnx", providers=["CPUExecutionProvider"])
ref = s.run(None, {"input": x})[0]
rows = list(csv.reader(open("img.csv")))[1:]
got = np.array([[float(v) for v in r[3:]] for r in rows])
d = np.abs(got - ref).max()
print("# worst difference %.3g (tolerance 1e-4)" % d)
sys.exit(not d <= 1e-4)'; then
		ok "image inputs give onnxruntime's scores on the same pixels (1e-4)"
	else
		not_ok "image inputs against onnxruntime" "see above"
	fi
else
	skip "image inputs against onnxruntime" "no Python with onnxruntime"
fi

# --scale/--shift/--mean/--std: (v*S+B - M)/D, checked through the stream path
"$PYTHON3" -c '
import numpy as np
g = np.load("gray.npy").astype(np.float32)
x = ((g * np.float32(0.5) + np.float32(-10)) - np.float32(3)) / np.float32(20)
np.save("norm.npy", x.reshape(1, 1, 28, 28).astype(np.float32))'
dh-infer -q m.onnx norm.npy -f csv -o norm-ref.csv
run dh-infer m.onnx b.png -f csv --scale 0.5 --shift -10 --mean 3 --std 20 -o norm.csv
expect_rc "image normalisation options" 0
if "$PYTHON3" -c '
import csv, sys
a = [float(v) for v in list(csv.reader(open("norm.csv")))[1][3:]]
b = [float(v) for v in list(csv.reader(open("norm-ref.csv")))[1][3:]]
sys.exit(not max(abs(x - y) for x, y in zip(a, b)) <= 1e-5)'; then
	ok "--scale, --shift, --mean and --std normalise as documented"
else
	not_ok "normalisation options" "$(cat norm.csv norm-ref.csv)"
fi

# images in, stream out: a grouped stream with the ids
run dh-infer m.onnx a.png b.png -o img.npy
expect_rc "images to a stream" 0
if "$PYTHON3" -c '
import json, numpy as np
f = open("img.npy", "rb")
m = json.loads(bytes(np.load(f)))
assert m["fields"] == ["output", "id"], m
y, i = np.load(f), np.load(f)
assert y.shape == (2, 10) and list(i) == [0, 1]'; then
	ok "images give a grouped stream: output and id"
else
	not_ok "images to a stream" "see above"
fi
finish
