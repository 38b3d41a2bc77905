# infer_masks.sh - segmentation with dh-infer: PNG masks equal NumPy's
# argmax (or sigmoid threshold) of the stream output, named after their
# samples; --evaluate's pixel confusion matrix, Dice and IoU equal a
# reference computed in Python.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "dh-infer masks" "no numpy"
	finish
fi
dh-onnx new unet --input 1x16x16 --classes 3 --depth 1 --width 4 --seed 2 -o u3.onnx
dh-onnx new unet --input 1x16x16 --classes 1 --depth 1 --width 4 --seed 4 -o u1.onnx
"$PYTHON3" -c '
import json, numpy as np
r = np.random.default_rng(1)
x = r.random((5, 1, 16, 16)).astype(np.float32)
with open("seg.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "mask", "id"]}).encode(), np.uint8))
    np.save(f, x)
    np.save(f, r.integers(0, 3, (5, 1, 16, 16)).astype(np.uint8))
    np.save(f, np.arange(5) + 10)
with open("bin.npy", "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
    np.save(f, x)
    np.save(f, (r.random((5, 1, 16, 16)) < 0.4).astype(np.float32))
for i in range(3):
    np.save("img%d.npy" % i, (r.random((16, 16)) * 255).astype(np.uint8))'

# three classes: the argmax, as class indices, one PNG per id
run dh-infer u3.onnx seg.npy -o s3.npy
expect_rc "unet to a stream" 0
run dh-infer u3.onnx seg.npy --format png -o masks3
expect_rc "--format png" 0
for i in 10 11 12 13 14; do dh-image convert "masks3/$i.png" "m3-$i.npy"; done
if "$PYTHON3" -c '
import numpy as np
f = open("s3.npy", "rb"); np.load(f)
y = np.load(f)
for k, i in enumerate(range(10, 15)):
    m = np.load("m3-%d.npy" % i).reshape(16, 16)
    ref = y[k].argmax(0)
    assert m.dtype == np.uint8 and (m == ref).all(), (i, (m != ref).sum())
'; then
	ok "PNG masks are the argmax over channels, exactly, named by id"
else
	not_ok "PNG masks against numpy argmax" "see above"
fi
[ "$(ls masks3 | wc -l)" -eq 5 ] && ok "one mask per sample" || not_ok "one mask per sample" "$(ls masks3)"

# one channel: the sigmoid at 0.5 (logit >= 0), as 0 and 1
run dh-infer u1.onnx bin.npy -o s1.npy
run dh-infer u1.onnx bin.npy -f png -o masks1
expect_rc "one-channel masks" 0
run dh-infer u1.onnx bin.npy -f png -o masks1t --mask-threshold 0.7
for i in 0 1 2 3 4; do dh-image convert "masks1/$i.png" "m1-$i.npy"; dh-image convert "masks1t/$i.png" "m1t-$i.npy"; done
if "$PYTHON3" -c '
import numpy as np
f = open("s1.npy", "rb"); np.load(f)
y = np.load(f).astype(np.float64)
p = 1 / (1 + np.exp(-y))
for i in range(5):
    m = np.load("m1-%d.npy" % i).reshape(16, 16)
    t = np.load("m1t-%d.npy" % i).reshape(16, 16)
    assert (m == (p[i, 0] >= 0.5)).all() and (t == (p[i, 0] >= 0.7)).all(), i
    assert set(np.unique(m)) <= {0, 1}
'; then
	ok "one-channel masks: sigmoid >= threshold (0.5, 0.7), values 0 and 1"
else
	not_ok "one-channel masks against numpy" "see above"
fi

# image files: masks named after them; two that clash stop the run
for i in 0 1 2; do dh-image convert "img$i.npy" "scan$i.png"; done
mkdir -p sub && cp scan0.png sub/scan0.png
run dh-infer u3.onnx scan0.png scan1.png scan2.png -f png -o named
expect_rc "masks of image files" 0
[ -f named/scan0.png ] && [ -f named/scan1.png ] && [ -f named/scan2.png ] &&
	ok "masks are named after their images" || not_ok "masks named after images" "$(ls named)"
run dh-infer u3.onnx scan0.png sub/scan0.png -f png -o clash
expect_rc "two images with one name exit 1" 1
expect_err "the clash is named" "^dh-infer: clash/scan0.png: two inputs would write this mask"
run dh-infer u3.onnx seg.npy -f png
expect_rc "--format png without -o is a usage error" 2
# --native-size: each mask at its image's size (nearest from the model's)
"$PYTHON3" -c 'import numpy as np; np.save("wide.npy", (np.arange(30 * 44) % 256).astype(np.uint8).reshape(30, 44))'
dh-image convert wide.npy wide.png
run dh-infer u3.onnx wide.png -f png -o native --native-size
expect_rc "--native-size" 0
dh-infer -q u3.onnx wide.png -f png -o model
dh-image resize --interp nearest 44x30 model/wide.png near.png
dh-image convert native/wide.png native.npy
dh-image convert near.png near.npy
if "$PYTHON3" -c '
import numpy as np
a, b = np.load("native.npy"), np.load("near.npy")
assert a.shape[:2] == (30, 44) and (a == b).all()'; then
	ok "--native-size: the mask at the image's size, nearest from the model's"
else
	not_ok "--native-size" "$(dh-image info native/wide.png)"
fi
run dh-infer u3.onnx wide.png --native-size
expect_rc "--native-size without --format png is a usage error" 2

# --evaluate on masks: pixel confusion, Dice and IoU
run dh-infer u3.onnx seg.npy --evaluate --json
expect_rc "--evaluate on three-class masks" 0
cp "$out_file" e3.json
run dh-infer u1.onnx bin.npy --evaluate --json
expect_rc "--evaluate on one-channel masks" 0
cp "$out_file" e1.json
run dh-infer u1.onnx bin.npy --evaluate
expect_out "text report: dice line" "^dice [0-9]\.[0-9]{4}$"
if "$PYTHON3" -c '
import json, numpy as np
def ref(cm):
    c = len(cm); out = []
    for k in range(c):
        tp = cm[k][k]; fp = sum(cm[j][k] for j in range(c)) - tp; fn = sum(cm[k]) - tp
        out.append((2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0, tp / (tp + fp + fn) if tp + fp + fn else 1.0))
    return out
f = open("s3.npy", "rb"); np.load(f); y = np.load(f)
g = open("seg.npy", "rb"); np.load(g); np.load(g); t = np.load(g)[:, 0]
pred = y.argmax(1)
cm = [[int(((t == i) & (pred == j)).sum()) for j in range(3)] for i in range(3)]
j = json.load(open("e3.json"))
assert j["confusion"] == cm, (j["confusion"], cm)
r = ref(cm)
for k in range(3):
    assert abs(j["classes"][k]["dice"] - r[k][0]) < 1e-12 and abs(j["classes"][k]["iou"] - r[k][1]) < 1e-12
assert abs(j["dice"] - (r[1][0] + r[2][0]) / 2) < 1e-12 and abs(j["iou"] - (r[1][1] + r[2][1]) / 2) < 1e-12
assert j["pixels"] == 5 * 256 and j["samples"] == 5
f = open("s1.npy", "rb"); np.load(f); y = np.load(f)[:, 0]
g = open("bin.npy", "rb"); np.load(g); np.load(g); t = np.load(g)[:, 0] >= 0.5
p = 1 / (1 + np.exp(-y.astype(np.float64))) >= 0.5
inter = (p & t).sum(); dice = 2 * inter / (p.sum() + t.sum()); iou = inter / (p | t).sum()
j = json.load(open("e1.json"))
assert abs(j["dice"] - dice) < 1e-12 and abs(j["iou"] - iou) < 1e-12, (j, dice, iou)
assert [c["name"] for c in j["classes"]] == ["background", "foreground"]
'; then
	ok "mask evaluation: confusion, per-class and mean Dice/IoU equal the reference"
else
	not_ok "mask evaluation against the reference" "$(cat e3.json e1.json)"
fi
run dh-infer u3.onnx seg.npy --evaluate --plot seg.svg
expect_rc "--plot for masks" 0
"$PYTHON3" -c 'import xml.etree.ElementTree as E; E.parse("seg.svg")' 2>/dev/null &&
	ok "the pixel confusion plot is well-formed XML" || not_ok "seg.svg is XML" "$(head -c 200 seg.svg)"
finish
