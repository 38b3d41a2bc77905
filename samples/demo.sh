#!/bin/sh
# demo.sh - the sample experiment behind `make demo`.
#
# dh 0.1.0 is the foundation: the tools, tensor streams, man pages and
# completions.  Training and inference are not built yet, so this demo runs
# what exists - it makes a small labelled dataset as a tensor stream, pipes
# it through dh, and shows what the training tool answers today.
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
echo "== 5. training is not built yet in this version: the tool says so (exit 2)"
printf '\010\007\072\002\012\000' >"$out/empty-model.onnx"
printf 'name: toy\n' >"$out/toy.yml"
dh-train "$out/empty-model.onnx" "$out/toy.yml" --epochs 1 || echo "(exit status $?)"
echo
echo "demo done: outputs in $out"
