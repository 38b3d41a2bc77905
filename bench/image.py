"""bench/image.py - dh's image operations against OpenCV's on the same
pixels, same thread count, in the same run.  Prints milliseconds (best of
several runs) and the ratio dh / OpenCV (below 1: dh is faster).

usage: /usr/bin/python3 bench/image.py BENCH_BINARY [THREADS] [SIZE...]
"""
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np


def best(fn, reps):
    t = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, (time.perf_counter() - t0) * 1e3)
    return t


def main():
    binary = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    sizes = [int(s) for s in sys.argv[3:]] or [512, 4096]
    cv2.setNumThreads(threads)
    print("threads %d, OpenCV %s" % (threads, cv2.__version__))
    for size in sizes:
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([binary, str(size), str(threads), d],
                                 check=True, capture_output=True, text=True)
            dh = dict((l.split()[0], float(l.split()[1]))
                      for l in out.stdout.splitlines())
            rgb = np.load(os.path.join(d, "rgb.npy"))
            b = np.load(os.path.join(d, "bin.npy"))
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        h, w = rgb.shape[:2]
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 30, 1)
        ops = {
            "resize_linear": lambda: cv2.resize(
                rgb, (size // 2 + 1, size // 2 + 1),
                interpolation=cv2.INTER_LINEAR),
            "resize_area": lambda: cv2.resize(
                rgb, (size // 3, size // 3), interpolation=cv2.INTER_AREA),
            "gaussian5": lambda: cv2.GaussianBlur(rgb, (5, 5), 0),
            "rotate30": lambda: cv2.warpAffine(rgb, m, (w, h)),
            "rgb2gray": lambda: cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY),
            "rgb2hsv": lambda: cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV),
            "otsu": lambda: cv2.threshold(
                gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU),
            "components8": lambda: cv2.connectedComponentsWithStats(
                b, connectivity=8),
            "erode3": lambda: cv2.erode(gray, np.ones((3, 3), np.uint8)),
            "dilate_ellipse5": lambda: cv2.dilate(gray, ell),
        }
        reps = 20 if size <= 1024 else 4
        print("\n%dx%d RGB uint8" % (size, size))
        print("%-16s %10s %10s %8s" % ("op", "dh ms", "OpenCV ms", "ratio"))
        for name, fn in ops.items():
            t = best(fn, reps)
            print("%-16s %10.3f %10.3f %8.2f" % (name, dh[name], t,
                                                dh[name] / t))


main()
