"""bench/image.py - dh's image operations against OpenCV's on the same
pixels, same thread count, in the same run.  Prints milliseconds and the
ratio dh / OpenCV (below 1: dh is faster), one row per operation and size.

BENCH_CPU=1 compares CPU time (the process's, all threads) instead of wall
time, for a machine too busy for wall times; meaningful with THREADS=1.

Each side times the best of several calls; the whole comparison runs
BENCH_REPEAT times (default 3), alternating dh and OpenCV, and the row
shows the median of each side and the median of the per-run ratios.
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for both sides.

usage: /usr/bin/python3 bench/image.py BENCH_BINARY [THREADS] [SIZE...]
"""
import os
import sys

for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if _v in os.environ:
        # unset before numpy/cv2 load OpenBLAS: run again without them
        env = dict((k, v) for k, v in os.environ.items()
                   if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402


CLOCK = (time.process_time if os.environ.get("BENCH_CPU") == "1"
         else time.perf_counter)


def best(fn, reps):
    t = 1e30
    for _ in range(reps):
        t0 = CLOCK()
        fn()
        t = min(t, (CLOCK() - t0) * 1e3)
    return t


def cv_ops(rgb, b, size):
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    ell = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 30, 1)
    return {
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


def main():
    binary = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    sizes = [int(s) for s in sys.argv[3:]] or [512, 4096]
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    only = os.environ.get("BENCH_OPS", "").split()
    cv2.setNumThreads(threads)
    print("threads %d, OpenCV %s, median of %d runs, %s time, load %.2f"
          % (threads, cv2.__version__, repeat,
             "CPU" if CLOCK is time.process_time else "wall",
             os.getloadavg()[0]))
    for size in sizes:
        reps = 20 if size <= 1024 else 4
        dhs, cvs = [], []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as d:
                out = subprocess.run([binary, str(size), str(threads), d],
                                     check=True, capture_output=True,
                                     text=True)
                dhs.append(dict((l.split()[0], float(l.split()[1]))
                                for l in out.stdout.splitlines()))
                rgb = np.load(os.path.join(d, "rgb.npy"))
                b = np.load(os.path.join(d, "bin.npy"))
            ops = cv_ops(rgb, b, size)
            cvs.append(dict((name, best(fn, reps))
                            for name, fn in ops.items()
                            if not only or name in only))
        print("\n%dx%d RGB uint8" % (size, size))
        print("%-16s %10s %10s %8s" % ("op", "dh ms", "OpenCV ms", "ratio"))
        for name in cvs[0]:
            td = statistics.median(r[name] for r in dhs)
            tc = statistics.median(r[name] for r in cvs)
            ratio = statistics.median(a[name] / c[name]
                                      for a, c in zip(dhs, cvs))
            print("%-16s %10.3f %10.3f %8.2f" % (name, td, tc, ratio))
        sys.stdout.flush()


main()
