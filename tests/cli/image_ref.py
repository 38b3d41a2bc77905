"""image_ref.py - compare a dh-image result with OpenCV on the same input.

usage: image_ref.py OP IN DH_OUT.npy TOL [ARGS...]
       image_ref.py --batch CASES   (one case a line: NAME, then the
                                     arguments above, tab-separated)

Reads IN with cv2.imread (IMREAD_UNCHANGED; colour turned to RGB order as dh
keeps it), runs the OpenCV operation OP with ARGS, loads dh's result from
DH_OUT.npy and checks that no element differs by more than TOL.  Prints one
line: the worst difference and where, and exits 1 when over the tolerance.
"""
import sys

import cv2
import numpy as np

cv2.setNumThreads(1)


def load(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit("image_ref: OpenCV cannot read " + path)
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    return img


INTERP = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR,
          "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}
BORDER = {"constant": cv2.BORDER_CONSTANT, "replicate": cv2.BORDER_REPLICATE,
          "reflect": cv2.BORDER_REFLECT, "reflect101": cv2.BORDER_REFLECT_101,
          "wrap": cv2.BORDER_WRAP}
SHAPE = {"rect": cv2.MORPH_RECT, "cross": cv2.MORPH_CROSS,
         "ellipse": cv2.MORPH_ELLIPSE}
MORPH = {"erode": cv2.MORPH_ERODE, "dilate": cv2.MORPH_DILATE,
         "open": cv2.MORPH_OPEN, "close": cv2.MORPH_CLOSE}


def reference(op, img, a):
    if op == "resize":
        return cv2.resize(img, (int(a[0]), int(a[1])),
                          interpolation=INTERP[a[2]])
    if op == "rotate":
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0),
                                    float(a[0]), float(a[1]))
        return cv2.warpAffine(img, m, (w, h), flags=INTERP[a[2]],
                              borderMode=BORDER[a[3]],
                              borderValue=(float(a[4]),) * 4)
    if op == "flip":
        return cv2.flip(img, {"h": 1, "v": 0, "both": -1}[a[0]])
    if op == "transpose":
        return cv2.transpose(img)
    if op == "crop":
        x, y, w, h = map(int, a)
        return img[y:y + h, x:x + w]
    if op == "pad":
        t, b, l, r = map(int, a[:4])
        return cv2.copyMakeBorder(img, t, b, l, r, BORDER[a[4]],
                                  value=(float(a[5]),) * 4)
    if op == "gray":
        if img.ndim == 2:
            return img
        return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY if img.shape[2] == 3
                            else cv2.COLOR_RGBA2GRAY)
    if op == "hsv":
        return cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    if op == "hsv2rgb":
        return cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_RGB2HSV),
                            cv2.COLOR_HSV2RGB)
    if op == "ycbcr":
        ycrcb = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
        return ycrcb[:, :, [0, 2, 1]]
    if op == "ycbcr2rgb":
        ycrcb = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
    if op == "bgr":
        return img[:, :, ::-1]
    if op == "gauss":
        k = int(a[0])
        return cv2.GaussianBlur(img, (k, k), float(a[1]))
    if op == "box":
        k = int(a[0])
        return cv2.blur(img, (k, k))
    if op == "median":
        return cv2.medianBlur(img, int(a[0]))
    if op == "otsu":
        t, out = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if a and int(a[0]) != int(t):
            sys.exit("otsu: OpenCV threshold %d, dh %s" % (t, a[0]))
        return out
    if op == "morph":
        k = cv2.getStructuringElement(SHAPE[a[1]], (int(a[2]), int(a[3])))
        return cv2.morphologyEx(img, MORPH[a[0]], k, iterations=int(a[4]))
    if op == "adjust":
        return cv2.addWeighted(img, float(a[0]), img, 0.0, float(a[1]))
    if op == "normalize":
        return cv2.normalize(img, None, float(a[0]), float(a[1]),
                             cv2.NORM_MINMAX)
    if op == "gamma":
        lut = np.array([np.clip(np.rint(255 * (v / 255.0) ** float(a[0])), 0,
                                255) for v in range(256)], np.uint8)
        return cv2.LUT(img, lut)
    if op == "multiotsu":
        from skimage.filters import threshold_multiotsu
        k = int(a[0])
        t = threshold_multiotsu(img, classes=k)
        got = [int(v) for v in a[1].split(",")]
        if list(map(int, t)) != got:
            sys.exit("thresholds: skimage %s, dh %s" % (list(t), got))
        return np.digitize(img, t).astype(np.uint8)
    if op == "contours":
        cs, _ = cv2.findContours((img != 0).astype(np.uint8), cv2.RETR_EXTERNAL,
                                 cv2.CHAIN_APPROX_NONE)
        if len(cs) != int(a[0]):
            sys.exit("contours: OpenCV %d, dh %s" % (len(cs), a[0]))
        return cv2.drawContours(np.zeros(img.shape[:2], np.uint8), cs, -1,
                                255, 1)
    if op == "equalize":
        return cv2.equalizeHist(img)
    if op == "thin":
        return cv2.ximgproc.thinning(img, thinningType=cv2.ximgproc.THINNING_ZHANGSUEN)
    if op in ("read", "readmulti"):
        return img
    sys.exit("image_ref: unknown op " + op)


def components(img, dh, a):
    """Labels must match up to renumbering; count and stats must agree."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(
        (img != 0).astype(np.uint8), connectivity=int(a[0]),
        ltype=cv2.CV_32S)
    if int(a[1]) != n - 1:
        print("count: OpenCV %d, dh %s" % (n - 1, a[1]))
        return 1
    if dh.shape != lab.shape:
        print("shape: OpenCV %s, dh %s" % (lab.shape, dh.shape))
        return 1
    pairs = np.unique(np.stack([lab.ravel(), dh.ravel().astype(np.int64)]),
                      axis=1)
    if pairs.shape[1] != n or len(np.unique(pairs[0])) != n or \
            len(np.unique(pairs[1])) != n:
        print("labelling differs: %d label pairs for %d labels"
              % (pairs.shape[1], n))
        return 1
    same_order = bool(np.all(pairs[0] == pairs[1]))
    if len(a) > 2:
        # dh's --stats lines: "LABEL area A bbox L,T,W,H centroid X,Y"
        cv_of = dict(zip(pairs[1].tolist(), pairs[0].tolist()))
        cents = cv2.connectedComponentsWithStats(
            (img != 0).astype(np.uint8), connectivity=int(a[0]),
            ltype=cv2.CV_32S)[3]
        for line in open(a[2]):
            f = line.split()
            if len(f) != 7 or f[1] != "area":
                continue
            k = cv_of[int(f[0])]
            l, t, w, h = map(int, f[4].split(","))
            cx, cy = map(float, f[6].split(","))
            want = stats[k]
            if [l, t, w, h, int(f[2])] != want.tolist():
                print("stats of label %s: OpenCV %s, dh %s" % (
                    f[0], want.tolist(), [l, t, w, h, int(f[2])]))
                return 1
            if abs(cx - cents[k][0]) > 1e-6 or abs(cy - cents[k][1]) > 1e-6:
                print("centroid of label %s: OpenCV %s, dh %g,%g" % (
                    f[0], cents[k], cx, cy))
                return 1
        print("components ok: %d labels, same numbering: %s, stats equal"
              % (n - 1, same_order))
        return 0
    print("components ok: %d labels, same numbering: %s" % (n - 1, same_order))
    return 0


def main(argv):
    op, src, out, tol = argv[0], argv[1], argv[2], float(argv[3])
    a = argv[4:]
    img = load(src)
    dh = np.load(out)
    if op == "components":
        return components(img, dh, a)
    if op == "psnr":
        # lossy formats: TOL is the least PSNR (dB) accepted
        if img.shape != dh.shape:
            print("psnr: shape: OpenCV %s, dh %s" % (img.shape, dh.shape))
            return 1
        mse = np.mean((img.astype(np.float64) - dh.astype(np.float64)) ** 2)
        psnr = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
        print("psnr %.2f dB (least %g)" % (psnr, tol))
        return 0 if psnr >= tol else 1
    if op == "readmulti":
        ok, pages = cv2.imreadmulti(src, flags=cv2.IMREAD_UNCHANGED)
        img = np.stack(pages)
    ref = reference(op, img, a)
    if ref.dtype != dh.dtype:
        print("%s: dtype: OpenCV %s, dh %s" % (op, ref.dtype, dh.dtype))
        return 1
    if ref.ndim == 3 and ref.shape[2] == 1:
        ref = ref[:, :, 0]
    if ref.shape != dh.shape:
        print("%s: shape: OpenCV %s, dh %s" % (op, ref.shape, dh.shape))
        return 1
    d = np.abs(ref.astype(np.float64) - dh.astype(np.float64))
    if op in ("hsv",):
        # hue is circular (0..179)
        h = d[:, :, 0]
        d[:, :, 0] = np.minimum(h, 180 - h)
    worst = float(d.max()) if d.size else 0.0
    where = np.unravel_index(int(np.argmax(d)), d.shape) if d.size else ()
    over = int((d > tol).sum())
    print("%s: max diff %g at %s (OpenCV %s, dh %s), %d differ, %d over "
          "tolerance %g" % (op, worst, tuple(int(i) for i in where),
                            ref[where] if d.size else "-",
                            dh[where] if d.size else "-",
                            int((d > 0).sum()), over, tol))
    return 1 if over else 0


def batch(path):
    """Run every case; print "PASS<TAB>name<TAB>message" or FAIL."""
    import contextlib
    import io
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                rc = main(f[1:])
        except SystemExit as e:
            rc, buf = 1, io.StringIO(str(e))
        except Exception as e:  # report, go on with the next case
            rc, buf = 1, io.StringIO("%s: %s" % (type(e).__name__, e))
        msg = " ".join(buf.getvalue().split())
        print("%s\t%s\t%s" % ("FAIL" if rc else "PASS", f[0], msg))
    return 0


if len(sys.argv) == 3 and sys.argv[1] == "--batch":
    sys.exit(batch(sys.argv[2]))
sys.exit(main(sys.argv[1:]))
