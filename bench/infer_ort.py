"""infer_ort.py - onnxruntime's inference time on one ONNX model, timed as
bench/infer_bench.c times dh: the session is created once, then runs on one
random batch are timed (sequential execution, intra-op threads as asked,
inter-op 1).

Usage: python3 infer_ort.py MODEL.onnx BATCH THREADS [SECONDS]
Prints "ms_per_batch MIN MEDIAN RUNS CPU_MEDIAN" as infer_bench does."""
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    path, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    budget = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    i = s.get_inputs()[0]
    x = np.random.default_rng(1).standard_normal(
        [batch] + list(i.shape[1:])).astype(np.float32)
    feed = {i.name: x}
    for _ in range(3):
        s.run(None, feed)
    t, cpu = [], []
    start = time.perf_counter()
    while len(t) < 10000 and (len(t) < 5 or time.perf_counter() - start < budget):
        t0, c0 = time.perf_counter(), time.process_time()
        s.run(None, feed)
        cpu.append(1e3 * (time.process_time() - c0))
        t.append(1e3 * (time.perf_counter() - t0))
    t.sort()
    cpu.sort()
    print("ms_per_batch %.4f %.4f %d %.4f" % (t[0], t[len(t) // 2], len(t),
                                              cpu[len(cpu) // 2]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--version":
        print("onnxruntime %s" % ort.__version__)
    else:
        main()
