"""epoch_torch.py - PyTorch's side of bench/epoch.sh: one epoch of training
on Fashion-MNIST's 60000 training images, read from Debian's idx files into
memory, with the same network (bench/train_torch.py's definition of dh's zoo
net), optimizer (Adam, default settings), batch and thread count as dh-train.

Usage: epoch_torch.py IDX_DIR ARCH BATCH THREADS

Prints "seconds=S" (the epoch, data already in memory) and
"accuracy=A" (training accuracy over the epoch, for a sanity check)."""
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import build  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    root, arch, batch, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = torch.from_numpy(idx(f"{root}/train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(idx(f"{root}/train-labels-idx1-ubyte.gz").astype(np.int64))
    model = build(arch, 1, 28, 28, 10)
    model.train()
    opt = torch.optim.Adam(model.parameters())
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                         batch_size=batch, shuffle=True)
    t0 = time.perf_counter()
    right = 0
    for xb, yb in loader:
        opt.zero_grad()
        out = model(xb)
        loss = F.cross_entropy(out, yb)
        loss.backward()
        opt.step()
        right += (out.argmax(1) == yb).sum().item()
    print(f"seconds={time.perf_counter() - t0:.3f}")
    print(f"accuracy={right / len(y):.4f}")


main()
