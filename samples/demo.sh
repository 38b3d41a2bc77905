#!/bin/sh
# demo.sh - the sample experiment behind `make demo`.
#
# A short tour on a toy dataset (bright vs dark 8x8 images) as a tensor
# stream: inspect it, make a model, train it, evaluate it, run it from a
# pipe.  `make demo` then runs the Fashion-MNIST experiment
# (samples/fashion-mnist/Makefile) when the dataset is installed.
set -eu
: "${DH_BUILDDIR:=$(pwd)}"
: "${PYTHON3:=/usr/bin/python3}"
PATH=$DH_BUILDDIR/tools:$PATH
out=$DH_BUILDDIR/samples/out
mkdir -p "$out"

echo "== dh $(dh-train --version | sed 's/^dh-train (dh) //')"
echo
echo "== 1. a toy dataset (bright vs dark 8x8 images) as a grouped tensor stream"
"$PYTHON3" - "$out/toy.npy" <<'PY'
import json, sys, numpy as np
rng = np.random.default_rng(0)
with open(sys.argv[1], "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target", "id"]}).encode(), np.uint8))
    for g in range(4):
        y = rng.integers(0, 2, 32)
        x = (rng.random((32, 1, 8, 8)) * 0.5 + 0.5 * y.reshape(-1, 1, 1, 1)).astype(np.float32)
        np.save(f, x)
        np.save(f, y.astype(np.int64))
        np.save(f, np.arange(32, dtype=np.int64) + 32 * g)
print("wrote", sys.argv[1])
PY
echo
echo "== 2. dh reads it (dh-image info, constant memory, one pass)"
dh-image info "$out/toy.npy"
echo
echo "== 3. the same from a pipe, as JSON for scripts"
cat "$out/toy.npy" | dh-image info --json -
echo
echo "== 4. bad input gets one line and exit status 1"
printf 'not a stream' >"$out/bad.npy"
dh-image info "$out/bad.npy" || echo "(exit status $?)"
echo
echo "== 5. a model from the zoo, trained on the stream (checkpoint every epoch)"
dh-onnx new mlp --input 1x8x8 --classes 2 --width 16 --seed 1 -o "$out/toy-mlp.onnx"
dh-train "$out/toy-mlp.onnx" "$out/toy.npy" --epochs 3 --batch 16 --optimizer sgd \
	--lr 0.1 --momentum 0.9 --seed 1 --log "$out/toy-log.jsonl" -o "$out/toy-trained.onnx"
dh-onnx info "$out/toy-trained.onnx" | sed -n '/^metadata/,$p'
echo
echo "== 6. evaluation, and inference from a pipe"
dh-infer "$out/toy-trained.onnx" "$out/toy.npy" --evaluate | head -n 3
cat "$out/toy.npy" | dh-infer -q "$out/toy-trained.onnx" | dh-image info -
echo
echo "demo done: outputs in $out"
