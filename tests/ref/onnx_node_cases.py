"""onnx_node_cases.py - the ONNX project's operator conformance cases as files.

Recent onnx packages build the node test cases in memory
(onnx.backend.test.loader.load_model_tests(kind='node')); this writes each
one out the way older wheels shipped them:
OUT/NAME/model.onnx and OUT/NAME/test_data_set_K/{input,output}_I.pb, plus
OUT/NAME/tolerance (rtol atol).  Usage: onnx_node_cases.py OUT"""
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.loader import load_model_tests

warnings.filterwarnings("ignore")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
n = 0
for t in load_model_tests(kind="node"):
    d = os.path.join(out, t.name)
    if t.model is None or not t.data_sets:
        continue
    try:
        os.makedirs(d, exist_ok=True)
        onnx.save(t.model, os.path.join(d, "model.onnx"))
        for k, (ins, outs) in enumerate(t.data_sets):
            ds = os.path.join(d, f"test_data_set_{k}")
            os.makedirs(ds, exist_ok=True)
            for i, a in enumerate(ins):
                if isinstance(a, np.ndarray):
                    open(os.path.join(ds, f"input_{i}.pb"), "wb").write(
                        numpy_helper.from_array(a).SerializeToString())
            for i, a in enumerate(outs):
                if isinstance(a, np.ndarray):
                    open(os.path.join(ds, f"output_{i}.pb"), "wb").write(
                        numpy_helper.from_array(a).SerializeToString())
        with open(os.path.join(d, "tolerance"), "w") as f:
            f.write(f"{t.rtol} {t.atol}\n")
        n += 1
    except Exception as ex:  # types numpy_helper cannot write: skip the case
        print(f"skipped {t.name}: {ex}", file=sys.stderr)
print(f"{n} cases in {out} (onnx {onnx.__version__})")
