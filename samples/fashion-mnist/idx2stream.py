"""idx2stream.py - Fashion-MNIST's idx files as dh tensor streams.

A stop-gap until `dh-dataset import idx` exists: it writes grouped tensor
streams (see dh-tensor(5)) with float32 inputs in [0, 1], shape
[N, 1, 28, 28], and int64 targets.  The first 54000 training images become
train.npy, the last 6000 val.npy, and the 10000 test images test.npy.
Usage: idx2stream.py IDX_DIR OUT_DIR"""
import gzip
import json
import os
import sys

import numpy as np


def idx(path):
    with gzip.open(path) as f:
        b = f.read()
    if b[:2] != b"\0\0" or b[2] != 8:
        sys.exit(f"{path}: not an unsigned-byte idx file")
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def save(path, x, y):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        man = {"dh-stream": 1, "fields": ["input", "target"]}
        np.save(f, np.frombuffer(json.dumps(man).encode(), np.uint8))
        for i in range(0, len(x), 1000):
            np.save(f, (x[i:i + 1000].astype(np.float32) / 255).reshape(-1, 1, 28, 28))
            np.save(f, y[i:i + 1000].astype(np.int64))
    os.replace(tmp, path)


src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
xtr = idx(os.path.join(src, "train-images-idx3-ubyte.gz"))
ytr = idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
xte = idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
yte = idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
save(os.path.join(out, "train.npy"), xtr[:54000], ytr[:54000])
save(os.path.join(out, "val.npy"), xtr[54000:], ytr[54000:])
save(os.path.join(out, "test.npy"), xte, yte)
print(f"{out}: train 54000, val 6000, test 10000 samples")
