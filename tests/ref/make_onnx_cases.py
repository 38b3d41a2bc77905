"""make_onnx_cases.py - ONNX files made with the onnx package (an outside
producer) for dh's ONNX tests: good models of every storage form, and broken
ones, each broken in one way.  Usage: make_onnx_cases.py OUTDIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
os.chdir(out)
rng = np.random.default_rng(0)


def model(nodes, inputs, outputs, inits=(), opset=13, **kw):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], **kw)
    m.ir_version = 7
    return m


def vi(name, t=TensorProto.FLOAT, shape=None):
    return helper.make_tensor_value_info(name, t, shape)


# a small CNN, with metadata as dh-train will write it
w1 = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
b1 = rng.standard_normal(4).astype(np.float32)
w2 = rng.standard_normal((10, 4 * 2 * 2)).astype(np.float32)
b2 = np.zeros(10, np.float32)
good = model(
    [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
     helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
     helper.make_node("Flatten", ["p1"], ["f1"], name="flat"),
     helper.make_node("Gemm", ["f1", "w2", "b2"], ["y"], name="fc", transB=1)],
    [vi("x", shape=["N", 1, 4, 4])], [vi("y", shape=["N", 10])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
     numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")],
    producer_name="onnx-test", producer_version="1.0")
helper.set_model_props(good, {"dh.dataset": "fashion-mnist", "dh.epochs": "5"})
onnx.checker.check_model(good, full_check=True)
onnx.save(good, "good.onnx")
for name, a in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)]:
    np.save(name + ".npy", a)

# one weight changed by 1e-3
w2b = w2.copy()
w2b[3, 5] += 1e-3
g2 = onnx.load("good.onnx")
g2.graph.initializer[2].CopyFrom(numpy_helper.from_array(w2b, "w2"))
onnx.save(g2, "tweaked.onnx")

# every supported element type, as raw_data and as the typed fields
types = [(np.float32, TensorProto.FLOAT), (np.float16, TensorProto.FLOAT16),
         (np.float64, TensorProto.DOUBLE), (np.uint8, TensorProto.UINT8),
         (np.int8, TensorProto.INT8), (np.uint16, TensorProto.UINT16),
         (np.int16, TensorProto.INT16), (np.int32, TensorProto.INT32),
         (np.int64, TensorProto.INT64), (np.bool_, TensorProto.BOOL)]
inits, nodes, outs = [], [], []
for dt, code in types:
    a = (rng.standard_normal((2, 3)) * 40).astype(dt)
    name = np.dtype(dt).name
    np.save(f"{name}.npy", a)
    raw = numpy_helper.from_array(a, f"{name}_raw")
    # make_tensor turns float16 values into their bits in int32_data itself
    typed = helper.make_tensor(f"{name}_typed", code, a.shape, a.ravel().tolist(), raw=False)
    inits += [raw, typed]
    for t in (raw, typed):
        nodes.append(helper.make_node("Identity", [t.name], [t.name + "_out"]))
        outs.append(vi(t.name + "_out", code, [2, 3]))
onnx.save(model(nodes, [], outs, inits), "types.onnx")

# external data in a side file
ext = onnx.load("good.onnx")
onnx.save_model(ext, "external.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                location="external.bin", size_threshold=0)


def with_location(src, dst, loc, length=None):
    m = onnx.load(src, load_external_data=False)
    t = m.graph.initializer[0]
    for kv in t.external_data:
        if kv.key == "location":
            kv.value = loc
        if kv.key == "length" and length is not None:
            kv.value = str(length)
    onnx.save(m, dst)


with_location("external.onnx", "ext-escape.onnx", "../external.bin")
with_location("external.onnx", "ext-absolute.onnx", "/etc/passwd")
with_location("external.onnx", "ext-missing.onnx", "missing.bin")
with_location("external.onnx", "ext-length.onnx", "external.bin", 7)

# structural faults, one each
x, y = vi("x", shape=[1, 4]), vi("y", shape=[1, 4])
onnx.save(model([helper.make_node("Add", ["x", "bias"], ["y"], name="add")], [x], [y]), "dangling.onnx")
onnx.save(model([helper.make_node("Add", ["x", "b"], ["a"], name="A"),
                 helper.make_node("Relu", ["a"], ["b"], name="B"),
                 helper.make_node("Identity", ["b"], ["y"], name="C")], [x], [y]), "cycle.onnx")
onnx.save(model([helper.make_node("Identity", ["r"], ["y"], name="second"),
                 helper.make_node("Relu", ["x"], ["r"], name="first")], [x], [y]), "order.onnx")
onnx.save(model([helper.make_node("Relu", ["x"], ["y"], name="one"),
                 helper.make_node("Sigmoid", ["x"], ["y"], name="two")], [x], [y]), "dup-output.onnx")
onnx.save(model([helper.make_node("Relu", ["x"], ["r"], name="relu")], [x], [vi("z")]), "no-output.onnx")
bad = numpy_helper.from_array(np.zeros(4, np.float32), "bias")
bad.raw_data = bad.raw_data[:10]
onnx.save(model([helper.make_node("Add", ["x", "bias"], ["y"], name="add")], [x], [y], [bad]), "raw-size.onnx")
bad = helper.make_tensor("bias", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
del bad.float_data[3]
onnx.save(model([helper.make_node("Add", ["x", "bias"], ["y"], name="add")], [x], [y], [bad]), "typed-count.onnx")
m = model([helper.make_node("Add", ["x", "bias"], ["y"], name="add")], [x, vi("bias", TensorProto.INT64, [4])], [y],
          [numpy_helper.from_array(np.zeros(4, np.float32), "bias")])
onnx.save(m, "init-type.onnx")
m = model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x], [y])
del m.opset_import[:]
onnx.save(m, "no-opset.onnx")
big = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 30])
onnx.save(model([helper.make_node("Add", ["x", "huge"], ["y"], name="add")], [x], [y], [big]), "huge-dims.onnx")
data = open("good.onnx", "rb").read()
open("truncated.onnx", "wb").write(data[: len(data) // 2])
