"""check_onnx_proto.py - dh's lib/onnx/onnx.proto against the onnx package.

Every message, field, enum value and oneof that dh's schema declares must
have the same number (and repeated-ness and type) in the schema compiled
into the installed onnx Python package.  Prints one line per difference and
exits 1 if there is any.  Usage: check_onnx_proto.py PATH/TO/onnx.proto
"""
import re
import sys

import onnx  # noqa: F401  (registers the descriptors)
from onnx import onnx_ml_pb2 as pb

SCALARS = {"int64": 3, "int32": 5, "uint64": 4, "float": 2, "double": 1,
           "string": 9, "bytes": 12}


def parse(text):
    """message path -> {name: (number, repeated, type)}; enums likewise."""
    text = re.sub(r"//[^\n]*", "", text)
    stack, msgs, enums = [], {}, {}
    for tok in re.finditer(r"(message|enum|oneof)\s+(\w+)\s*\{|\}|"
                           r"(repeated|optional)?\s*([\w.]+)\s+(\w+)\s*=\s*(\d+)[^;]*;|"
                           r"(\w+)\s*=\s*(\d+)\s*;", text):
        if tok.group(1):
            kind, name = tok.group(1), tok.group(2)
            if kind == "oneof":
                stack.append(("oneof", name))
                continue
            path = ".".join([n for k, n in stack if k != "oneof"] + [name])
            stack.append((kind, name))
            (msgs if kind == "message" else enums)[path] = {}
        elif tok.group(0) == "}":
            stack.pop()
        elif tok.group(7):
            path = ".".join(n for k, n in stack if k != "oneof")
            enums[path][tok.group(7)] = int(tok.group(8))
        else:
            label, typ, name, num = tok.group(3), tok.group(4), tok.group(5), int(tok.group(6))
            path = ".".join(n for k, n in stack if k != "oneof")
            kind = [k for k, n in stack if k != "oneof"][-1]
            if kind == "enum":
                enums[path][name] = num
            else:
                msgs[path][name] = (num, label == "repeated", typ)
    return msgs, enums


def find(path):
    d = pb.DESCRIPTOR.message_types_by_name[path.split(".")[0]]
    for part in path.split(".")[1:]:
        d = d.nested_types_by_name[part]
    return d


def find_enum(path):
    parts = path.split(".")
    if len(parts) == 1:
        return pb.DESCRIPTOR.enum_types_by_name[parts[0]]
    return find(".".join(parts[:-1])).enum_types_by_name[parts[-1]]


def main():
    msgs, enums = parse(open(sys.argv[1]).read())
    bad = 0
    for path, fields in msgs.items():
        d = find(path)
        for name, (num, rep, typ) in fields.items():
            f = d.fields_by_name.get(name)
            if f is None:
                # newer than the installed onnx: fine unless the number
                # means something else there
                other = d.fields_by_number.get(num)
                if other is not None:
                    print(f"{path}.{name}: number {num} is {other.name} in onnx")
                    bad += 1
                else:
                    print(f"note: {path}.{name} = {num} is newer than onnx {onnx.__version__}")
                continue
            if f.number != num:
                print(f"{path}.{name}: number {num}, onnx has {f.number}")
                bad += 1
                continue
            if rep != (f.label == f.LABEL_REPEATED):
                print(f"{path}.{name}: repeated={rep} differs")
                bad += 1
            if typ in SCALARS and f.type != SCALARS[typ]:
                print(f"{path}.{name}: type {typ} differs ({f.type})")
                bad += 1
    for path, values in enums.items():
        e = find_enum(path)
        for name, num in values.items():
            v = e.values_by_name.get(name)
            if v is None and num not in e.values_by_number:
                print(f"note: enum {path}.{name} = {num} is newer than onnx {onnx.__version__}")
                continue
            if v is None or v.number != num:
                print(f"enum {path}.{name}: {num}, onnx has {v.number if v else 'none'}")
                bad += 1
    print(f"{sum(len(f) for f in msgs.values())} fields in {len(msgs)} messages, "
          f"{sum(len(v) for v in enums.values())} enum values checked; {bad} differences")
    sys.exit(1 if bad else 0)


main()
