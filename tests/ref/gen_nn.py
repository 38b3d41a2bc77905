#!/usr/bin/python3
"""gen_nn.py - reference values for tests/unit/test_nn.c, from NumPy.

Writes tests/unit/ref_nn.h: losses (softmax cross-entropy with class weights
and label smoothing, binary cross-entropy from logits, MSE) and three steps
of SGD / Adam / AdamW written from PyTorch's documented update rules.
Run with Debian's /usr/bin/python3 (python3-numpy).
"""
import os
import sys

import numpy as np

rng = np.random.default_rng(4242)
out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float32)
    shape = ", ".join(str(d) for d in a.shape) or "1"
    out.append("static const int64_t %s_shape[] = {%s};" % (name, shape))
    out.append("static const int %s_ndim = %d;" % (name, a.ndim))
    out.append("static const float %s[] = {%s};" % (
        name, ", ".join("%.9g" % v for v in a.ravel()) or "0"))


def emit_scalar(name, v):
    out.append("static const double %s = %.17g;" % (name, v))


def rand(*shape):
    return rng.uniform(-2, 2, size=shape).astype(np.float32)


# --- softmax cross-entropy -------------------------------------------------
def ce(z, y, w=None, s=0.0):
    z = z.astype(np.float64)
    c = z.shape[1]
    # move C last: [N, C, d...] -> [N, d..., C]
    zl = np.moveaxis(z, 1, -1).reshape(-1, c)
    yl = y.reshape(-1)
    lse = np.log(np.exp(zl - zl.max(1, keepdims=True)).sum(1, keepdims=True)) + zl.max(1, keepdims=True)
    logp = zl - lse
    q = np.full(zl.shape, s / c)
    q[np.arange(len(yl)), yl] += 1 - s
    wy = np.ones(len(yl)) if w is None else w.astype(np.float64)[yl]
    return (wy * -(q * logp).sum(1)).sum() / wy.sum()


z = rand(5, 4); y = np.array([0, 3, 1, 1, 2])
w = np.array([0.5, 2.0, 1.0, 1.5], dtype=np.float32)
emit("ce_z", z); emit("ce_w", w)
out.append("static const int64_t ce_y[] = {%s};" % ", ".join(map(str, y)))
emit_scalar("ce_plain", ce(z, y))
emit_scalar("ce_weighted", ce(z, y, w))
emit_scalar("ce_smooth", ce(z, y, w, 0.1))
z4 = rand(2, 3, 2, 2); y4 = rng.integers(0, 3, (2, 2, 2))
emit("ce4_z", z4)
out.append("static const int64_t ce4_y[] = {%s};" % ", ".join(map(str, y4.ravel())))
emit_scalar("ce4_plain", ce(z4, y4))

# --- BCE from logits, MSE ---------------------------------------------------
bz = rand(3, 4) * 3; bt = rng.uniform(0, 1, (3, 4)).astype(np.float32)
emit("bce_z", bz); emit("bce_t", bt)
zd = bz.astype(np.float64); p = 1 / (1 + np.exp(-zd))
emit_scalar("bce_mean", np.mean(-(bt * np.log(p) + (1 - bt) * np.log(1 - p))))
mp = rand(2, 5); mt = rand(2, 5)
emit("mse_p", mp); emit("mse_t", mt)
emit_scalar("mse_mean", np.mean((mp.astype(np.float64) - mt) ** 2))
emit_scalar("mse_sum", np.sum((mp.astype(np.float64) - mt) ** 2))


# --- MAE, Huber, NLL, soft Dice ----------------------------------------------
md = (mp.astype(np.float64) - mt)
emit_scalar("mae_mean", np.mean(np.abs(md)))
hd = 0.8
emit_scalar("huber_mean", np.mean(np.where(np.abs(md) <= hd, 0.5 * md ** 2, hd * (np.abs(md) - 0.5 * hd))))
lp = rand(5, 4)
emit("nll_lp", lp)
wy = w.astype(np.float64)[y]
emit_scalar("nll_weighted", -(wy * lp.astype(np.float64)[np.arange(5), y]).sum() / wy.sum())
dpb = rng.uniform(0, 1, (2, 3, 4, 4)).astype(np.float32)
dtg = (rng.uniform(0, 1, (2, 3, 4, 4)) > 0.6).astype(np.float32)
dtg[1, 2] = 0  # an empty mask
emit("dice_p", dpb); emit("dice_t", dtg)
inter = (dpb.astype(np.float64) * dtg).sum(axis=(2, 3))
den = dpb.astype(np.float64).sum(axis=(2, 3)) + dtg.sum(axis=(2, 3))
emit_scalar("dice_loss", 1 - ((2 * inter + 1.0) / (den + 1.0)).mean())

# --- optimizers: three steps ------------------------------------------------
p0 = rand(7); gs = [rand(7) for _ in range(3)]
emit("opt_p0", p0)
emit("opt_g", np.stack(gs))


def sgd(lr, mom=0.0, damp=0.0, wd=0.0, nesterov=False):
    p = p0.astype(np.float64).copy(); buf = None
    for g in gs:
        d = g + wd * p
        if mom:
            buf = d.copy() if buf is None else mom * buf + (1 - damp) * d
            d = d + mom * buf if nesterov else buf
        p = p - lr * d
    return p


def adam(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False):
    p = p0.astype(np.float64).copy(); m = np.zeros(7); v = np.zeros(7)
    for t, g in enumerate(gs, 1):
        d = g.astype(np.float64)
        if decoupled:
            p = p - lr * wd * p
        else:
            d = d + wd * p
        m = b1 * m + (1 - b1) * d
        v = b2 * v + (1 - b2) * d * d
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return p


emit("sgd_plain", sgd(0.1))
emit("sgd_momentum", sgd(0.1, mom=0.9, damp=0.1, wd=0.01))
emit("sgd_nesterov", sgd(0.05, mom=0.8, wd=0.02, nesterov=True))
emit("adam_plain", adam(0.01))
emit("adam_l2", adam(0.01, b1=0.8, b2=0.99, wd=0.1))
emit("adamw", adam(0.01, wd=0.1, decoupled=True))



def rmsprop(lr, alpha=0.99, eps=1e-8, wd=0.0, mom=0.0):
    p = p0.astype(np.float64).copy(); v = np.zeros(7); buf = np.zeros(7)
    for g in gs:
        d = g + wd * p
        v = alpha * v + (1 - alpha) * d * d
        step = d / (np.sqrt(v) + eps)
        if mom:
            buf = mom * buf + step
            step = buf
        p = p - lr * step
    return p


def adagrad(lr, eps=1e-10, wd=0.0):
    p = p0.astype(np.float64).copy(); s = np.zeros(7)
    for g in gs:
        d = g + wd * p
        s = s + d * d
        p = p - lr * d / (np.sqrt(s) + eps)
    return p


def adadelta(lr, rho=0.9, eps=1e-6, wd=0.0):
    p = p0.astype(np.float64).copy(); v = np.zeros(7); u = np.zeros(7)
    for g in gs:
        d = g + wd * p
        v = rho * v + (1 - rho) * d * d
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * d
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


emit("rmsprop_plain", rmsprop(0.01))
emit("rmsprop_momentum", rmsprop(0.01, alpha=0.9, wd=0.05, mom=0.5))
emit("adagrad_y", adagrad(0.1, wd=0.01))
emit("adadelta_y", adadelta(1.0, wd=0.01))
allg = np.concatenate([gs[0], gs[1]]).astype(np.float64)
emit_scalar("clip_norm", np.sqrt((allg ** 2).sum()))

# --- learning-rate schedules: PyTorch's recursive (chainable) forms ----------
import math
T = 25


def recursive(step):
    lr, out = None, []
    for t in range(T):
        lr = step(t, lr)
        out.append(lr)
    return np.array(out)


base = 0.1
emit("sched_step", recursive(lambda t, lr: base if t == 0 else (lr * 0.5 if t % 4 == 0 else lr)))
ms = [3, 7, 8, 20]
emit("sched_multistep", recursive(lambda t, lr: base if t == 0 else lr * 0.3 ** ms.count(t)))
emit("sched_exp", recursive(lambda t, lr: base if t == 0 else lr * 0.9))
Tm, emin = 10, 0.001


def cosine(t, lr):
    if t == 0:
        return base
    if (t - 1 - Tm) % (2 * Tm) == 0:
        return lr + (base - emin) * (1 - math.cos(math.pi / Tm)) / 2
    return (1 + math.cos(math.pi * t / Tm)) / (1 + math.cos(math.pi * (t - 1) / Tm)) * (lr - emin) + emin


cos_lr = recursive(cosine)
emit("sched_cosine", cos_lr)
# LinearLR(start_factor=0.25, total_iters=5) chained with the cosine
W, sf = 5, 0.25
fac = []
f = None
for t in range(T):
    if t == 0:
        f = sf
    elif t <= W:
        f = f * (1 + (1 - sf) / (W * sf + (t - 1) * (1 - sf)))
    fac.append(f)
emit("sched_cosine_warm", cos_lr * np.array(fac))

# ReduceLROnPlateau(mode=min, factor=0.5, patience=2, threshold=0.01,
# cooldown=1, min_lr=0.02) on a fixed metric sequence
metrics = [1.0, 0.9, 0.95, 0.91, 0.905, 0.89, 0.895, 0.9, 0.9, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75]
best, bad, cd, lr, lrs = math.inf, 0, 0, 0.1, []
for m in metrics:
    if m < best * (1 - 0.01):
        best, bad = m, 0
    else:
        bad += 1
    if cd > 0:
        cd -= 1
        bad = 0
    if bad > 2:
        nl = max(lr * 0.5, 0.02)
        if lr - nl > 1e-8:
            lr = nl
        cd, bad = 1, 0
    lrs.append(lr)
emit("plateau_metrics", metrics)
emit("plateau_lr", lrs)

# --- metrics ------------------------------------------------------------------
ms_ = rand(30, 4); ml = rng.integers(0, 4, 30)
ml[:3] = 3  # class 3 well represented; some class may never be predicted
emit("met_scores", ms_)
out.append("static const int64_t met_labels[] = {%s};" % ", ".join(map(str, ml)))
pred = ms_.argmax(1)
cm = np.zeros((4, 4), dtype=np.int64)
for t_, p_ in zip(ml, pred):
    cm[t_, p_] += 1
out.append("static const int64_t met_cm[] = {%s};" % ", ".join(map(str, cm.ravel())))
tp = np.diag(cm).astype(np.float64)
prec = np.divide(tp, cm.sum(0), out=np.zeros(4), where=cm.sum(0) > 0)
rec = np.divide(tp, cm.sum(1), out=np.zeros(4), where=cm.sum(1) > 0)
f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros(4), where=(prec + rec) > 0)
emit("met_prec", prec); emit("met_rec", rec); emit("met_f1", f1)
emit_scalar("met_acc", tp.sum() / cm.sum())
emit_scalar("met_macro_f1", f1.mean())
top2 = sum(int((ms_[i] > ms_[i, ml[i]]).sum() < 2) for i in range(30))
out.append("static const int64_t met_top2 = %d;" % top2)
mp_ = rng.uniform(0, 1, (2, 2, 5, 5)).astype(np.float32)
mt_ = (rng.uniform(0, 1, (2, 2, 5, 5)) > 0.5).astype(np.float32)
emit("mask_p", mp_); emit("mask_t", mt_)
a_ = mp_ >= 0.4; b_ = mt_ >= 0.5
emit_scalar("mask_dice", 2 * (a_ & b_).sum() / (a_.sum() + b_.sum()))
emit_scalar("mask_iou", (a_ & b_).sum() / (a_ | b_).sum())

# --- cross-entropy with ignore_index (255) on [N, C, H, W] ------------------
zi = rand(2, 3, 2, 3)
yi = rng.integers(0, 3, (2, 2, 3)); yi[0, 1, 2] = 255; yi[1, 0, 0] = 255
emit("cei_z", zi)
out.append("static const int64_t cei_y[] = {%s};" % ", ".join(map(str, yi.ravel())))
wi = np.array([1.0, 2.0, 0.5])
zl = np.moveaxis(zi.astype(np.float64), 1, -1).reshape(-1, 3)
yl = yi.reshape(-1)
keep = yl != 255
lse = np.log(np.exp(zl).sum(1))
nll = lse - zl[np.arange(len(yl)), np.where(keep, yl, 0)]
emit_scalar("cei_loss", (wi[yl[keep]] * nll[keep]).sum() / wi[yl[keep]].sum())

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "ref_nn.h")
with open(path, "w") as f:
    f.write("/* ref_nn.h - generated by tests/ref/gen_nn.py from NumPy; "
            "do not edit. */\n")
    f.write("#ifndef DH_TESTS_REF_NN_H\n#define DH_TESTS_REF_NN_H\n"
            "#include <stdint.h>\n")
    for line in out:
        f.write(line.replace("static const", "static const __attribute__((unused))") + "\n")
    f.write("#endif\n")
print("wrote", os.path.normpath(path), file=sys.stderr)
