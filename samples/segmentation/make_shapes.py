#!/usr/bin/env python3
"""make_shapes.py - a tiny synthetic segmentation dataset for dh.

Writes OUT/images/NNNN.png (gray, SIZE x SIZE: one to three filled circles
and squares of random sizes and brightness over a noisy, shaded background),
OUT/masks/NNNN.png (the shapes' pixels: 1, the background: 0; class indices
as DDF masks hold them) and OUT/dataset.yml, a DeepHealth Dataset Format
file whose labels are the masks, with splits training, validation and test.

Usage: make_shapes.py OUT [--train N] [--val N] [--test N] [--size S] [--seed S]
Deterministic: the same seed gives the same files byte for byte.
"""
import argparse
import os
import sys

import cv2
import numpy as np


def sample(rng, size):
    # background: a gradient plus gaussian noise
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    a, b = rng.uniform(-40, 40, 2)
    img = 90 + a * xx + b * yy + rng.normal(0, 30, (size, size))
    mask = np.zeros((size, size), np.uint8)
    for _ in range(rng.integers(1, 4)):
        shape = np.zeros((size, size), np.uint8)
        r = int(rng.integers(size // 10, size // 4))
        cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
        if rng.random() < 0.5:
            cv2.circle(shape, (cx, cy), r, 1, -1)
        else:
            cv2.rectangle(shape, (cx - r, cy - r), (cx + r, cy + r), 1, -1)
        level = rng.uniform(125, 210)
        img = np.where(shape > 0, level + rng.normal(0, 30, (size, size)), img)
        mask |= shape
    return np.clip(img, 0, 255).round().astype(np.uint8), mask


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=384)
    ap.add_argument("--val", type=int, default=64)
    ap.add_argument("--test", type=int, default=64)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    o = ap.parse_args()
    rng = np.random.default_rng(o.seed)
    n = o.train + o.val + o.test
    for d in ("images", "masks"):
        os.makedirs(os.path.join(o.out, d), exist_ok=True)
    lines = ["name: shapes",
             "description: circles and squares on noisy backgrounds "
             "(samples/segmentation/make_shapes.py, seed %d)" % o.seed,
             "images:"]
    for i in range(n):
        img, mask = sample(rng, o.size)
        name = "%04d.png" % i
        if not (cv2.imwrite(os.path.join(o.out, "images", name), img) and
                cv2.imwrite(os.path.join(o.out, "masks", name), mask)):
            sys.exit("make_shapes.py: cannot write %s" % name)
        lines += ["  - location: images/" + name, "    label: masks/" + name]

    def span(a, b):
        return "[" + ", ".join(str(i) for i in range(a, b)) + "]"

    lines += ["split:",
              "  training: " + span(0, o.train),
              "  validation: " + span(o.train, o.train + o.val),
              "  test: " + span(o.train + o.val, n)]
    with open(os.path.join(o.out, "dataset.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("make_shapes.py: %d samples (%d training, %d validation, %d test) "
          "of %dx%d in %s" % (n, o.train, o.val, o.test, o.size, o.size, o.out))


if __name__ == "__main__":
    main()
