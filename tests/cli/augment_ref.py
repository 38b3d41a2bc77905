"""augment_ref.py - references for tests/cli/augment.sh (NumPy and OpenCV).

  augment_ref.py make DIR            write the inputs
  augment_ref.py cmp CASE OUT.npy    compare dh-augment's output with the
                                     reference for CASE; prints the worst
                                     difference and the tolerance
  augment_ref.py stats ...           see the functions below
"""
import json
import sys

import numpy as np

try:
    import cv2
except ImportError:  # the OpenCV cases skip
    cv2 = None


def make():
    rng = np.random.default_rng(1)
    img = (rng.random((45, 60, 3)) * 255).astype(np.uint8)
    # smooth enough that interpolation differences stay small
    yy, xx = np.mgrid[0:45, 0:60]
    smooth = np.stack([xx * 4, yy * 5, (xx + yy) * 2], -1).clip(0, 255).astype(np.uint8)
    np.save("rgb.npy", img)
    np.save("smooth.npy", smooth)
    if cv2 is not None:
        cv2.imwrite("rgb.png", img[:, :, ::-1])
    # streams
    x = (rng.random((40, 3, 16, 20)) * 255).astype(np.uint8)
    lab = (rng.random((40, 1, 16, 20)) * 4).astype(np.uint8)
    # input channel 0 equals the mask label * 60: geometry must keep them equal
    x[:, 0] = lab[:, 0] * 60
    ids = np.arange(40, dtype=np.int64)
    write_stream("g.npy", ["input", "mask", "id"], [(x[:25], lab[:25], ids[:25]), (x[25:], lab[25:], ids[25:])])
    perm = rng.permutation(40)
    write_stream("shuffled.npy", ["input", "mask", "id"], [(x[perm], lab[perm], ids[perm])])
    # mirror statistics: 2000 samples of [[1, 2]]
    m = np.tile(np.array([[[[1, 2]]]], np.uint8), (2000, 1, 1, 1))
    np.save("pairs.npy", m)


def write_stream(path, fields, groups):
    with open(path, "wb") as f:
        np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": fields}).encode(), np.uint8))
        for g in groups:
            for a in g:
                np.save(f, a)


def read_stream(path):
    out = []
    with open(path, "rb") as f:
        first = np.load(f)
        fields = json.loads(first.tobytes().decode())["fields"]
        while True:
            try:
                out.append({k: np.load(f) for k in fields})
            except (EOFError, ValueError):
                break
    return {k: np.concatenate([g[k] for g in out]) for k in fields}


def reference(case):
    img = np.load("smooth.npy" if case.startswith("smooth-") else "rgb.npy")
    case = case.replace("smooth-", "")
    if case == "mirror":
        return img[:, ::-1], 0
    if case == "flip":
        return img[::-1], 0
    if case == "transpose":
        return img.transpose(1, 0, 2), 0
    if case == "center_crop":
        h, w = 30, 40
        y, x = (45 - h) // 2, (60 - w) // 2
        return img[y:y + h, x:x + w], 0
    if case == "center_crop_square":
        return img[:, 7:52], 0
    if case == "normalize":
        mean = np.array([0.485, 0.456, 0.406], np.float32)
        std = np.array([0.229, 0.224, 0.225], np.float32)
        return (img.astype(np.float32) / 255 - mean) / std, 1e-5
    if case == "div255":
        return img.astype(np.float32) / 255, 1e-7
    if case == "resize":  # OpenCV's bilinear resize, within one level
        return cv2.resize(img, (32, 20), interpolation=cv2.INTER_LINEAR), 1
    if case == "resize_nearest":
        return cv2.resize(img, (32, 20), interpolation=cv2.INTER_NEAREST), 0
    if case == "rotate":
        # OpenCV interpolates with 5-bit fixed-point weights: within 2 levels
        # on a smooth image
        m = cv2.getRotationMatrix2D(((60 - 1) / 2, (45 - 1) / 2), 30, 1.0)
        return cv2.warpAffine(img, m, (60, 45), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0), 1
    if case == "rotate_cubic":  # bicubic, a = -0.75
        m = cv2.getRotationMatrix2D(((60 - 1) / 2, (45 - 1) / 2), 30, 1.0)
        return cv2.warpAffine(img, m, (60, 45), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0), 1
    if case.startswith("rotate_border_"):  # every pixel, border rules included
        b = {"reflect_101": cv2.BORDER_REFLECT_101, "replicate": cv2.BORDER_REPLICATE,
             "reflect": cv2.BORDER_REFLECT}[case[len("rotate_border_"):]]
        m = cv2.getRotationMatrix2D(((60 - 1) / 2, (45 - 1) / 2), 30, 1.0)
        return cv2.warpAffine(img, m, (60, 45), flags=cv2.INTER_LINEAR, borderMode=b), 1
    if case == "rotate_nearest":
        m = cv2.getRotationMatrix2D(((60 - 1) / 2, (45 - 1) / 2), 90, 1.0)
        return cv2.warpAffine(img, m, (60, 45), flags=cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0), 0
    if case == "gamma":
        lut = np.clip(np.round(255 * (np.arange(256) / 255) ** 0.5), 0, 255).astype(np.uint8)
        return lut[img], 0
    raise SystemExit("unknown case " + case)


def cmp(case, out):
    want, tol = reference(case)
    got = np.load(out)
    if got.shape != want.shape:
        print("shape %s, want %s" % (got.shape, want.shape))
        return 1
    d = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if case.endswith("rotate") or case.endswith("rotate_cubic"):
        # where the source position lies within a pixel of the border,
        # both blend the border value in, but OpenCV with 5-bit weights;
        # compare the pixels whose source lies inside
        m = cv2.invertAffineTransform(cv2.getRotationMatrix2D(((60 - 1) / 2, (45 - 1) / 2), 30, 1.0))
        yy, xx = np.mgrid[0:45, 0:60]
        sx = m[0, 0] * xx + m[0, 1] * yy + m[0, 2]
        sy = m[1, 0] * xx + m[1, 1] * yy + m[1, 2]
        inside = (sx >= 2) & (sx <= 57) & (sy >= 2) & (sy <= 42)
        print("# comparing %d of %d pixels" % (inside.sum(), inside.size))
        d = d * inside[:, :, None]
    i = np.unravel_index(np.argmax(d), d.shape)
    print("worst |dh - ref| = %g at %s (tolerance %g)" % (d[i], i, tol))
    return 0 if d[i] <= tol else 1


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        make()
    elif cmd == "cmp":
        sys.exit(cmp(sys.argv[2], sys.argv[3]))
    elif cmd == "mirror-count":
        recs = []
        with open(sys.argv[2], "rb") as f:
            while True:
                try:
                    recs.append(np.load(f))
                except (EOFError, ValueError):
                    break
        a = np.concatenate(recs)
        flipped = int((a[:, 0, 0, 0] == 2).sum())
        print("%d of %d mirrored" % (flipped, len(a)))
        # binomial(2000, 0.5): sd 22.4; 5 sd
        sys.exit(0 if abs(flipped - 1000) <= 112 else 1)
    elif cmd == "masks-follow":
        s = read_stream(sys.argv[2])
        ok = (s["input"][:, 0] == s["mask"][:, 0] * 60).all()
        print("input channel 0 == mask * 60: %s; shapes %s %s" % (ok, s["input"].shape, s["mask"].shape))
        sys.exit(0 if ok else 1)
    elif cmd == "same-by-id":
        a, b = read_stream(sys.argv[2]), read_stream(sys.argv[3])
        ia, ib = np.argsort(a["id"]), np.argsort(b["id"])
        ok = all((a[k][ia] == b[k][ib]).all() for k in ("input", "mask", "id"))
        print("same samples by id: %s" % ok)
        sys.exit(0 if ok else 1)


main()
