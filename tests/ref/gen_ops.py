#!/usr/bin/python3
"""gen_ops.py - reference values for tests/unit/test_ops_*.c, from NumPy.

Writes tests/unit/ref_ops.h.  Every expected value is computed here with
plain NumPy loops that follow the ONNX operator specification, independently
of dh's kernels (no im2col, no shared code).  Run with Debian's
/usr/bin/python3 (python3-numpy):  /usr/bin/python3 tests/ref/gen_ops.py
"""
import math
import os
import sys

import numpy as np

rng = np.random.default_rng(20261126)
out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float32)
    shape = ", ".join(str(d) for d in a.shape) or "1"
    vals = ", ".join("%.9g" % v for v in a.ravel())
    out.append("static const int64_t %s_shape[] = {%s};" % (name, shape))
    out.append("static const int %s_ndim = %d;" % (name, a.ndim))
    out.append("static const float %s[] = {%s};" % (name, vals or "0"))


def rand(*shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


# --- Gemm / MatMul ---------------------------------------------------------
A = rand(3, 4); B = rand(4, 5); C = rand(5)
emit("gemm1_a", A); emit("gemm1_b", B); emit("gemm1_c", C)
emit("gemm1_y", 0.7 * (A.astype(np.float64) @ B) + 1.3 * C)
A = rand(4, 3); B = rand(5, 4); C = rand(3, 1)
emit("gemm2_a", A); emit("gemm2_b", B); emit("gemm2_c", C)
emit("gemm2_y", 1.0 * (A.T.astype(np.float64) @ B.T) + 0.5 * C)
A = rand(2, 1, 3, 4); B = rand(3, 4, 2)
emit("matmul_a", A); emit("matmul_b", B)
emit("matmul_y", np.matmul(A.astype(np.float64), B))
v1 = rand(4); M3 = rand(2, 4, 3); v2 = rand(3)
emit("mmv_a", v1); emit("mmv_b", M3); emit("mmv_c", v2)
emit("mmv_y1", np.matmul(v1.astype(np.float64), M3))      # [4] x [2,4,3] -> [2,3]
emit("mmv_y2", np.matmul(M3.astype(np.float64), v2))      # [2,4,3] x [3] -> [2,4]
emit("mmv_y3", np.matmul(v1.astype(np.float64), v1))      # [4] x [4] -> []


# --- Conv: direct loops over output positions ------------------------------
def conv_ref(x, w, b, strides, pads, dil, group):
    nsp = x.ndim - 2
    pw = [(0, 0), (0, 0)] + [(pads[i], pads[nsp + i]) for i in range(nsp)]
    xp = np.pad(x.astype(np.float64), pw)
    n, c = x.shape[:2]
    m = w.shape[0]
    k = w.shape[2:]
    outs = [(xp.shape[2 + i] - dil[i] * (k[i] - 1) - 1) // strides[i] + 1
            for i in range(nsp)]
    y = np.zeros((n, m) + tuple(outs))
    cg, mg = c // group, m // group
    for oi in np.ndindex(*outs):
        sl = tuple(slice(oi[i] * strides[i],
                         oi[i] * strides[i] + dil[i] * (k[i] - 1) + 1,
                         dil[i]) for i in range(nsp))
        for g in range(group):
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + sl]
            wg = w[g * mg:(g + 1) * mg].astype(np.float64)
            y[(slice(None), slice(g * mg, (g + 1) * mg)) + oi] = \
                np.tensordot(patch, wg, axes=(list(range(1, nsp + 2)),
                                              list(range(1, nsp + 2))))
    if b is not None:
        y += b.reshape((1, m) + (1,) * nsp)
    return y


convs = [
    # name, x shape, w shape, bias, strides, pads, dilations, group
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), True, [2, 1], [1, 0, 2, 1], [1, 2], 1),
    ("convdw", (1, 4, 5, 5), (8, 1, 3, 3), True, [2, 2], [1, 1, 1, 1], [1, 1], 4),
    ("conv1d", (2, 2, 9), (3, 2, 4), False, [3], [2, 3], [1], 1),
    ("conv3d", (1, 2, 4, 5, 3), (2, 1, 2, 3, 2), True, [1, 2, 1], [1, 0, 1, 0, 1, 1], [1, 1, 1], 2),
    ("convbigpad", (1, 1, 3, 3), (2, 1, 2, 2), True, [3, 3], [3, 3, 3, 3], [1, 1], 1),
]
for name, xs, ws, hasb, s, p, d, g in convs:
    x = rand(*xs); w = rand(*ws); b = rand(ws[0]) if hasb else None
    emit(name + "_x", x); emit(name + "_w", w)
    if hasb:
        emit(name + "_b", b)
    emit(name + "_y", conv_ref(x, w, b, s, p, d, g))


# --- Pools -----------------------------------------------------------------
def pool_ref(x, k, strides, pads, dil, mode, include_pad=False, ceil=False):
    nsp = x.ndim - 2
    ins = x.shape[2:]
    outs = []
    for i in range(nsp):
        span = dil[i] * (k[i] - 1) + 1
        padded = ins[i] + pads[i] + pads[nsp + i]
        if ceil:
            o = -(-(padded - span) // strides[i]) + 1
            if (o - 1) * strides[i] >= ins[i] + pads[i]:
                o -= 1
        else:
            o = (padded - span) // strides[i] + 1
        outs.append(o)
    y = np.zeros(x.shape[:2] + tuple(outs))
    for oi in np.ndindex(*outs):
        vals, padded_taps = [], 0
        for ki in np.ndindex(*k):
            pos = [oi[i] * strides[i] - pads[i] + ki[i] * dil[i]
                   for i in range(nsp)]
            if all(0 <= pos[i] < ins[i] for i in range(nsp)):
                vals.append(x[(slice(None), slice(None)) + tuple(pos)])
            if all(-pads[i] <= pos[i] < ins[i] + pads[nsp + i] for i in range(nsp)):
                padded_taps += 1
        v = np.stack(vals).astype(np.float64)
        idx = (slice(None), slice(None)) + oi
        if mode == "max":
            y[idx] = v.max(axis=0)
        else:
            y[idx] = v.sum(axis=0) / (padded_taps if include_pad else len(vals))
    return y


x = rand(2, 2, 7, 8)
emit("pool_x", x)
emit("maxpool_y", pool_ref(x, [3, 2], [2, 3], [1, 1, 1, 0], [1, 2], "max"))
# MaxPool's Indices for the first case: flat positions in X
idx_ = []
for n_ in range(2):
    for c_ in range(2):
        for oh in range((7 + 2 - 3) // 2 + 1):
            for ow in range((8 + 1 - 3) // 3 + 1):
                best, bi = -np.inf, -1
                for kh in range(3):
                    for kw in range(2):
                        h_, w_ = oh * 2 - 1 + kh, ow * 3 - 1 + kw * 2
                        if 0 <= h_ < 7 and 0 <= w_ < 8 and x[n_, c_, h_, w_] > best:
                            best, bi = x[n_, c_, h_, w_], ((n_ * 2 + c_) * 7 + h_) * 8 + w_
                idx_.append(bi)
out.append("static const int64_t maxpool_idx[] = {%s};" % ", ".join(map(str, idx_)))
emit("maxpoolceil_y", pool_ref(x, [2, 3], [2, 2], [0, 0, 0, 0], [1, 1], "max", ceil=True))
emit("avgpool_y", pool_ref(x, [3, 3], [2, 2], [1, 2, 1, 0], [1, 1], "avg"))
emit("avgpoolpad_y", pool_ref(x, [3, 3], [2, 2], [1, 2, 1, 0], [1, 1], "avg", include_pad=True))
emit("avgpoolceil_y", pool_ref(x, [3, 3], [2, 3], [1, 0, 0, 1], [1, 1], "avg", include_pad=True, ceil=True))
emit("avgpoolceilx_y", pool_ref(x, [3, 3], [2, 3], [1, 0, 0, 1], [1, 1], "avg", ceil=True))
emit("gavgpool_y", x.astype(np.float64).mean(axis=(2, 3), keepdims=True))
emit("gmaxpool_y", x.max(axis=(2, 3), keepdims=True))
x1 = rand(1, 3, 10)
emit("pool1d_x", x1)
emit("avgpool1d_y", pool_ref(x1, [4], [3], [2, 1], [1], "avg"))

# --- BatchNormalization (ONNX reference semantics) -------------------------
x = rand(3, 2, 4, 5); sc = rand(2); bi = rand(2)
mean = rand(2); var = rng.uniform(0.5, 1.5, 2).astype(np.float32)
eps, mom = 1e-5, 0.8
for n_, v_ in (("bn_x", x), ("bn_scale", sc), ("bn_b", bi), ("bn_mean", mean), ("bn_var", var)):
    emit(n_, v_)
xd = x.astype(np.float64)
def bcast(v):
    return v.reshape(1, -1, 1, 1)
emit("bn_infer_y", bcast(sc) * (xd - bcast(mean)) / np.sqrt(bcast(var) + eps) + bcast(bi))
bm = xd.mean(axis=(0, 2, 3)); bv = xd.var(axis=(0, 2, 3))
emit("bn_train_y", bcast(sc) * (xd - bcast(bm)) / np.sqrt(bcast(bv) + eps) + bcast(bi))
emit("bn_train_rmean", mean * mom + bm * (1 - mom))
emit("bn_train_rvar", var * mom + bv * (1 - mom))

# --- unary ops -------------------------------------------------------------
u = np.linspace(-3.1, 2.9, 25).astype(np.float32)
emit("unary_x", u)
ud = u.astype(np.float64)
sig = 1 / (1 + np.exp(-ud))
erf = np.vectorize(math.erf)
selu_a, selu_g = 1.67326319217681884765625, 1.05070102214813232421875
emit("relu_y", np.maximum(ud, 0))
emit("leakyrelu_y", np.where(ud >= 0, ud, 0.01 * ud))
emit("sigmoid_y", sig)
emit("tanh_y", np.tanh(ud))
emit("elu_y", np.where(ud > 0, ud, 0.5 * (np.exp(ud) - 1)))   # alpha 0.5
emit("selu_y", selu_g * np.where(ud > 0, ud, selu_a * (np.exp(ud) - 1)))
emit("softplus_y", np.log1p(np.exp(ud)))
emit("softsign_y", ud / (1 + np.abs(ud)))
emit("hardsigmoid_y", np.clip(0.2 * ud + 0.5, 0, 1))
emit("gelu_y", 0.5 * ud * (1 + erf(ud / math.sqrt(2))))
emit("gelutanh_y", 0.5 * ud * (1 + np.tanh(math.sqrt(2 / math.pi) * (ud + 0.044715 * ud ** 3))))
emit("abs_y", np.abs(ud))
emit("neg_y", -ud)
emit("exp_y", np.exp(ud))
emit("erf_y", erf(ud))
p = np.linspace(0.2, 4.0, 25)
emit("pos_x", p)
emit("log_y", np.log(p))
emit("sqrt_y", np.sqrt(p))
emit("reciprocal_y", 1 / p)

# --- Softmax / LogSoftmax --------------------------------------------------
s = rand(2, 3, 4) * 4
emit("softmax_x", s)
sd = s.astype(np.float64)
e1 = np.exp(sd - sd.max(axis=1, keepdims=True))
emit("softmax1_y", e1 / e1.sum(axis=1, keepdims=True))
lse = np.log(np.exp(sd - sd.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True)) + sd.max(axis=-1, keepdims=True)
emit("logsoftmax_y", sd - lse)

# --- broadcasting arithmetic -----------------------------------------------
a = rand(2, 3, 4); b = rand(3, 1)
emit("bc1_a", a); emit("bc1_b", b)
emit("bc1_add", a.astype(np.float64) + b)
emit("bc1_sub", a.astype(np.float64) - b)
a2 = rand(1, 3, 1); b2 = rng.uniform(0.5, 2.0, (2, 1, 4)).astype(np.float32)
emit("bc2_a", a2); emit("bc2_b", b2)
emit("bc2_mul", a2.astype(np.float64) * b2)
emit("bc2_div", a2.astype(np.float64) / b2)

# --- LayerNormalization (axis 2 of [2, 3, 4, 5]), InstanceNormalization ---
x = rand(2, 3, 4, 5); ls = rand(4, 5); lb = rand(4, 5)
emit("ln_x", x); emit("ln_scale", ls); emit("ln_b", lb)
xd = x.astype(np.float64)
mu = xd.mean(axis=(2, 3), keepdims=True); va = xd.var(axis=(2, 3), keepdims=True)
emit("ln_y", (xd - mu) / np.sqrt(va + 1e-5) * ls + lb)
emit("ln_mean", mu); emit("ln_invstd", 1 / np.sqrt(va + 1e-5))
isc = rand(3); ib = rand(3)
emit("in_scale", isc); emit("in_b", ib)
emit("in_y", (xd - mu) / np.sqrt(va + 1e-5) * isc.reshape(1, 3, 1, 1) + ib.reshape(1, 3, 1, 1))

# --- layout ops ----------------------------------------------------------
x = rand(2, 3, 4)
emit("lay_x", x)
emit("transpose_y", np.transpose(x, (1, 2, 0)))
emit("transpose_rev_y", np.transpose(x))
xs = rand(4, 5, 6)
emit("slice_x", xs)
# axes (0, 2, 1), starts (1, -1, 0), ends (100, -7, 5), steps (2, -2, 3)
emit("slice_y", xs[1:100:2, 0:5:3, -1:-7:-2])
c1 = rand(2, 1, 4); c2 = rand(2, 2, 4)
emit("cat_b", c1); emit("cat_c", c2)
emit("concat_y", np.concatenate([x, c1, c2], axis=1))
xp = rand(2, 6, 3)
emit("split_x", xp)
for k, part in enumerate(np.split(xp, [1, 4], axis=1)):
    emit("split_y%d" % k, part)
# constant pad: begin (0, 1, 2), end (1, 0, -1) (a crop), value 1.5
padded = np.pad(x, [(0, 1), (1, 0), (2, 0)], constant_values=1.5)[:, :, :-1]
emit("padc_y", padded)
pads = [(1, 0), (2, 1), (0, 3)]
emit("padr_y", np.pad(x, pads, mode="reflect"))
emit("pade_y", np.pad(x, pads, mode="edge"))

# --- reductions -------------------------------------------------------------
xr = rand(3, 4, 5)
emit("red_x", xr)
xrd = xr.astype(np.float64)
emit("rsum_y", xrd.sum(axis=(0, 2), keepdims=True))
emit("rmean_y", xrd.mean(axis=-1))
emit("rmax_y", xrd.max(keepdims=True))
emit("rmin_y", xrd.min(axis=1, keepdims=True))
emit("rl2_y", np.sqrt((xrd ** 2).sum(axis=(0, 1))))

# --- ConvTranspose: the scatter definition ---------------------------------
def convt_ref(x, w, b, strides, pads, dil, opad, group):
    nsp = x.ndim - 2
    n, c = x.shape[:2]
    mg = w.shape[1]
    k = w.shape[2:]
    outs = [strides[i] * (x.shape[2 + i] - 1) + opad[i] + (k[i] - 1) * dil[i]
            + 1 - pads[i] - pads[nsp + i] for i in range(nsp)]
    y = np.zeros((n, mg * group) + tuple(outs))
    cg = c // group
    for ci in range(c):
        g = ci // cg
        for xi in np.ndindex(*x.shape[2:]):
            for ki in np.ndindex(*k):
                pos = tuple(xi[i] * strides[i] - pads[i] + ki[i] * dil[i]
                            for i in range(nsp))
                if all(0 <= pos[i] < outs[i] for i in range(nsp)):
                    for m in range(mg):
                        y[(slice(None), g * mg + m) + pos] += \
                            x[(slice(None), ci) + xi].astype(np.float64) * \
                            w[(ci, m) + ki]
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nsp)
    return y


convts = [
    # name, x shape, w shape, bias, strides, pads, dilations, output_padding, group
    ("convt2d", (2, 4, 3, 4), (4, 3, 3, 2), True, [2, 3], [1, 0, 0, 1], [1, 2], [1, 2], 2),
    ("convt1d", (1, 2, 5), (2, 3, 4), False, [1], [2, 1], [1], [0], 1),
    ("convt3d", (1, 2, 2, 3, 2), (2, 1, 2, 2, 3), True, [2, 1, 2], [0, 1, 1, 0, 0, 1], [1, 1, 1], [1, 0, 0], 1),
]
convts += [
    # SAME_UPPER: outputs 3*2 and 4*1 need total pads 1 and 1, at the end
    ("convtsame", (1, 2, 3, 4), (2, 2, 3, 2), False, [2, 1], [0, 0, 1, 1], [1, 1], [0, 0], 1),
    # output_shape (5, 5) with stride 2x1, kernel 3x2: total pads 2 and 0
    ("convtoshape", (1, 2, 3, 4), (2, 2, 3, 2), False, [2, 1], [1, 0, 1, 0], [1, 1], [0, 0], 1),
]
for name, xs, ws, hasb, s, p, d, op, g in convts:
    x = rand(*xs); w = rand(*ws); b = rand(ws[1] * g) if hasb else None
    emit(name + "_x", x); emit(name + "_w", w)
    if hasb:
        emit(name + "_b", b)
    emit(name + "_y", convt_ref(x, w, b, s, p, d, op, g))

# --- Pow, PRelu, variadic Sum/Mean/Max/Min, Clip ---------------------------
pa = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32); pb = rand(3) * 2
emit("pow_a", pa); emit("pow_b", pb)
emit("pow_y", np.power(pa.astype(np.float64), pb))
px = rand(2, 3, 4); ps = rand(3, 1)
emit("prelu_x", px); emit("prelu_s", ps)
emit("prelu_y", np.where(px < 0, ps * px.astype(np.float64), px))
v1 = rand(2, 3); v2 = rand(3); v3 = rand(2, 1)
emit("var_a", v1); emit("var_b", v2); emit("var_c", v3)
vs = np.broadcast_arrays(v1.astype(np.float64), v2, v3)
emit("vsum_y", vs[0] + vs[1] + vs[2])
emit("vmean_y", (vs[0] + vs[1] + vs[2]) / 3)
emit("vmax_y", np.maximum(np.maximum(vs[0], vs[1]), vs[2]))
emit("vmin_y", np.minimum(np.minimum(vs[0], vs[1]), vs[2]))
emit("clip_y", np.clip(u, -0.5, 1.25))

# --- Gather, Expand, Tile ----------------------------------------------------
gd = rand(3, 4, 5)
gi = np.array([[2, 0], [3, -1]])
emit("gather_x", gd)
emit("gather1_y", np.take(gd, gi, axis=1))
emb = rand(6, 3); ei = np.array([[1, 4, 1], [0, 5, 1]])
emit("emb_w", emb)
emit("emb_y", np.take(emb, ei, axis=0))
ex = rand(3, 1)
emit("expand_x", ex)
emit("expand_y", np.broadcast_to(ex, (2, 3, 4)))
tx = rand(2, 3, 2)
emit("tile_x", tx)
emit("tile_y", np.tile(tx, (2, 1, 3)))

# --- Resize: one interpolation matrix per axis ------------------------------
def resize_matrix(n_in, n_out, scale, mode, coord, nearest):
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        if n_in == n_out and scale == 1:
            m[o, o] = 1
            continue
        if coord == "align_corners":
            x = 0.0 if n_out == 1 else o * (n_in - 1) / (n_out - 1)
        elif coord == "asymmetric":
            x = o / scale
        elif coord == "pytorch_half_pixel":
            x = (o + 0.5) / scale - 0.5 if n_out > 1 else 0.0
        else:
            x = (o + 0.5) / scale - 0.5
        if mode == "nearest":
            f = math.floor(x)
            r = {"floor": f, "ceil": math.ceil(x),
                 "round_prefer_ceil": f + 1 if x - f >= 0.5 else f,
                 "round_prefer_floor": f + 1 if x - f > 0.5 else f}[nearest]
            m[o, min(max(int(r), 0), n_in - 1)] = 1
        else:
            x = min(max(x, 0.0), n_in - 1)
            i0 = int(math.floor(x)); i1 = min(i0 + 1, n_in - 1)
            m[o, i0] += 1 - (x - i0); m[o, i1] += x - i0
    return m


def resize_ref(x, out_shape, scales, mode, coord="half_pixel", nearest="round_prefer_floor"):
    y = x.astype(np.float64)
    for ax in range(x.ndim):
        s = scales[ax] if scales else out_shape[ax] / x.shape[ax]
        m = resize_matrix(x.shape[ax], out_shape[ax], s, mode, coord, nearest)
        y = np.moveaxis(np.tensordot(m, np.moveaxis(y, ax, 0), axes=(1, 0)), 0, ax)
    return y


rx = rand(1, 2, 3, 4)
emit("resize_x", rx)
emit("resize_nearest_y", resize_ref(rx, (1, 2, 6, 6), [1, 1, 2, 1.5], "nearest"))
emit("resize_align_y", resize_ref(rx, (1, 2, 6, 8), [1, 1, 2, 2], "linear", "align_corners"))
emit("resize_asym_y", resize_ref(rx, (1, 2, 6, 12), [1, 1, 2, 3], "nearest", "asymmetric", "floor"))
rx2 = rand(2, 3, 4, 3)
emit("resize2_x", rx2)
emit("resize_linear_y", resize_ref(rx2, (2, 3, 5, 7), None, "linear"))
emit("resize_pt_y", resize_ref(rx2, (2, 3, 1, 2), None, "linear", "pytorch_half_pixel"))
# a scale of 1.2 keeps 3 elements but samples between them
emit("resize_keep_y", resize_ref(rx2, (2, 3, 4, 3), [1, 1, 1, 1.2], "linear"))

# --- RNN, GRU, LSTM: ONNX's equations, one sample and step at a time -------
def sg(v):
    return 1 / (1 + np.exp(-v))


def recurrent_ref(kind, X, W, R, B, lens, h0, c0=None, P=None, direction="forward", lbr=0, act=np.tanh, clip=0, couple=0, acts=None):
    def cl(v):
        return np.clip(v, -clip, clip) if clip else v
    S, Bn, _ = X.shape
    D = 2 if direction == "bidirectional" else 1
    G = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    H = W.shape[1] // G
    Y = np.zeros((S, D, Bn, H)); Yh = np.zeros((D, Bn, H)); Yc = np.zeros((D, Bn, H))
    X = X.astype(np.float64)
    for d in range(D):
        f_, g_, h_ = acts[d] if acts else (act if kind == "rnn" else sg, np.tanh, np.tanh)
        rev = direction == "reverse" or d == 1
        Wd, Rd = W[d].astype(np.float64), R[d].astype(np.float64)
        Wb, Rb = B[d, :G * H].astype(np.float64), B[d, G * H:].astype(np.float64)
        for b in range(Bn):
            h = h0[d, b].astype(np.float64).copy()
            c = c0[d, b].astype(np.float64).copy() if c0 is not None else np.zeros(H)
            steps = range(lens[b] - 1, -1, -1) if rev else range(lens[b])
            for t in steps:
                x = X[t, b]
                if kind == "rnn":
                    h = f_(cl(Wd @ x + Rd @ h + Wb + Rb))
                elif kind == "gru":
                    z = f_(cl(Wd[:H] @ x + Rd[:H] @ h + Wb[:H] + Rb[:H]))
                    r = f_(cl(Wd[H:2*H] @ x + Rd[H:2*H] @ h + Wb[H:2*H] + Rb[H:2*H]))
                    if lbr:
                        hh = g_(cl(Wd[2*H:] @ x + r * (Rd[2*H:] @ h + Rb[2*H:]) + Wb[2*H:]))
                    else:
                        hh = g_(cl(Wd[2*H:] @ x + Rd[2*H:] @ (r * h) + Rb[2*H:] + Wb[2*H:]))
                    h = (1 - z) * hh + z * h
                else:
                    Pd = P[d].astype(np.float64) if P is not None else np.zeros(3 * H)
                    pre = Wd @ x + Rd @ h + Wb + Rb
                    i = f_(cl(pre[:H] + Pd[:H] * c))
                    f = 1 - i if couple else f_(cl(pre[2*H:3*H] + Pd[2*H:] * c))
                    cc = g_(cl(pre[3*H:]))
                    c = f * c + i * cc
                    o = f_(cl(pre[H:2*H] + Pd[H:2*H] * c))
                    h = o * h_(c)
                Y[t, d, b] = h
            Yh[d, b] = h; Yc[d, b] = c
    return Y, Yh, Yc


rnn_cases = [
    ("rnn", "bidirectional", 0, [4, 2, 3]),
    ("gru", "forward", 0, [4, 1, 3]),
    ("gru", "reverse", 1, [2, 4, 3]),
    ("lstm", "bidirectional", 0, [3, 4, 1]),
]
for kind, direction, lbr, lens in rnn_cases:
    G = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    D = 2 if direction == "bidirectional" else 1
    S, Bn, I, H = 4, 3, 3, 2
    name = "%s_%s%d" % (kind, direction[:3], lbr)
    X = rand(S, Bn, I); W = rand(D, G * H, I); R = rand(D, G * H, H)
    B = rand(D, 2 * G * H); h0 = rand(D, Bn, H)
    c0 = rand(D, Bn, H) if kind == "lstm" else None
    P = rand(D, 3 * H) if kind == "lstm" else None
    for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0)):
        emit(name + "_" + n_, v_)
    if kind == "lstm":
        emit(name + "_c0", c0); emit(name + "_p", P)
    out.append("static const int64_t %s_lens[] = {%s};" % (name, ", ".join(map(str, lens))))
    Y, Yh, Yc = recurrent_ref(kind, X, W, R, B, lens, h0, c0, P, direction, lbr)
    emit(name + "_y", Y); emit(name + "_yh", Yh)
    if kind == "lstm":
        emit(name + "_yc", Yc)

# RNN with Relu (PyTorch's nonlinearity='relu'), reverse
S, Bn, I, H = 4, 3, 3, 2
X = rand(S, Bn, I); W = rand(1, H, I); R = rand(1, H, H); B = rand(1, 2 * H); h0 = rand(1, Bn, H)
for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0)):
    emit("rnnrelu_" + n_, v_)
Y, Yh, _ = recurrent_ref("rnn", X, W, R, B, [4, 4, 4], h0, direction="reverse", act=lambda v: np.maximum(v, 0))
emit("rnnrelu_y", Y); emit("rnnrelu_yh", Yh)

# LSTM bidirectional with layout 1 (batch first): X [B, S, I], states
# [B, D, H], Y [B, S, D, H]
S, Bn, I, H, D = 4, 3, 3, 2, 2
X = rand(Bn, S, I); W = rand(D, 8, I); R = rand(D, 8, H); B = rand(D, 16)
h0 = rand(Bn, D, H); c0 = rand(Bn, D, H); P = rand(D, 6)
for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0), ("c0", c0), ("p", P)):
    emit("lstml1_" + n_, v_)
out.append("static const int64_t lstml1_lens[] = {4, 2, 3};")
Y, Yh, Yc = recurrent_ref("lstm", X.transpose(1, 0, 2), W, R, B, [4, 2, 3],
                          h0.transpose(1, 0, 2), c0.transpose(1, 0, 2), P, "bidirectional")
emit("lstml1_y", Y.transpose(2, 0, 1, 3)); emit("lstml1_yh", Yh.transpose(1, 0, 2))
emit("lstml1_yc", Yc.transpose(1, 0, 2))

# clip 0.5 on every gate's input: GRU (linear_before_reset) and LSTM
for kind, G in (("gru", 3), ("lstm", 4)):
    S, Bn, I, H = 4, 3, 3, 2
    X = rand(S, Bn, I) * 2; W = rand(1, G * H, I); R = rand(1, G * H, H)
    B = rand(1, 2 * G * H); h0 = rand(1, Bn, H)
    c0 = rand(1, Bn, H) if kind == "lstm" else None
    P = rand(1, 3 * H) if kind == "lstm" else None
    name = kind + "clip"
    for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0)):
        emit(name + "_" + n_, v_)
    if kind == "lstm":
        emit(name + "_c0", c0); emit(name + "_p", P)
    Y, Yh, Yc = recurrent_ref(kind, X, W, R, B, [4, 4, 4], h0, c0, P, "forward", lbr=1, clip=0.5)
    emit(name + "_y", Y); emit(name + "_yh", Yh)
    if kind == "lstm":
        emit(name + "_yc", Yc)

# LSTM with input_forget (f = 1 - i)
S, Bn, I, H = 3, 2, 3, 2
X = rand(S, Bn, I); W = rand(1, 8, I); R = rand(1, 8, H); B = rand(1, 16)
h0 = rand(1, Bn, H); c0 = rand(1, Bn, H); P = rand(1, 6)
for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0), ("c0", c0), ("p", P)):
    emit("lstmif_" + n_, v_)
Y, Yh, Yc = recurrent_ref("lstm", X, W, R, B, [3, 3], h0, c0, P, couple=1)
emit("lstmif_y", Y); emit("lstmif_yh", Yh); emit("lstmif_yc", Yc)

# ONNX activations other than the defaults
A_ = {
    "affine": lambda a, b: (lambda v: a * v + b),
    "scaledtanh": lambda a, b: (lambda v: a * np.tanh(b * v)),
    "softsign": lambda a, b: (lambda v: v / (1 + np.abs(v))),
    "softplus": lambda a, b: (lambda v: np.log1p(np.exp(v))),
    "elu": lambda a, b: (lambda v: np.where(v > 0, v, a * (np.exp(v) - 1))),
    "hardsigmoid": lambda a, b: (lambda v: np.clip(a * v + b, 0, 1)),
    "leakyrelu": lambda a, b: (lambda v: np.where(v >= 0, v, a * v)),
    "thresholdedrelu": lambda a, b: (lambda v: np.where(v > a, v, 0)),
    "sigmoid": lambda a, b: sg,
}
S, Bn, I, H = 3, 2, 3, 2
acts_cases = [
    # name, kind, direction, [(act, alpha, beta) per slot]
    ("ractl", "lstm", "bidirectional", [("hardsigmoid", 0.2, 0.5), ("softsign", 0, 0), ("elu", 1.0, 0),
                                        ("sigmoid", 0, 0), ("scaledtanh", 1.5, 0.7), ("softplus", 0, 0)]),
    ("ractg", "gru", "forward", [("leakyrelu", 0.1, 0), ("affine", 0.5, 0.1)]),
    ("ractr", "rnn", "forward", [("thresholdedrelu", 0.1, 0)]),
]
for name, kind, direction, spec in acts_cases:
    G = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    D = 2 if direction == "bidirectional" else 1
    X = rand(S, Bn, I); W = rand(D, G * H, I); R = rand(D, G * H, H)
    B = rand(D, 2 * G * H); h0 = rand(D, Bn, H)
    c0 = rand(D, Bn, H) if kind == "lstm" else None
    n = len(spec) // D
    fns = [A_[k](a, b) for k, a, b in spec]
    acts = [tuple(fns[d * n:(d + 1) * n]) + (np.tanh,) * (3 - n) for d in range(D)]
    if kind == "rnn":
        acts = [(fns[d], None, None) for d in range(D)]
    for n_, v_ in (("x", X), ("w", W), ("r", R), ("b", B), ("h0", h0)):
        emit(name + "_" + n_, v_)
    if kind == "lstm":
        emit(name + "_c0", c0)
    Y, Yh, Yc = recurrent_ref(kind, X, W, R, B, [S] * Bn, h0, c0, None, direction, acts=acts)
    emit(name + "_y", Y)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "ref_ops.h")
with open(path, "w") as f:
    f.write("/* ref_ops.h - generated by tests/ref/gen_ops.py from NumPy; "
            "do not edit. */\n")
    f.write("#ifndef DH_TESTS_REF_OPS_H\n#define DH_TESTS_REF_OPS_H\n"
            "#include <stdint.h>\n")
    for line in out:
        f.write(line.replace("static const", "static const __attribute__((unused))") + "\n")
    f.write("#endif\n")
print("wrote", os.path.normpath(path), file=sys.stderr)
