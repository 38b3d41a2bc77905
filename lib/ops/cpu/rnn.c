/* rnn.c - the recurrent ops RNN, GRU and LSTM (ONNX opset 14, layout 0 or
 * 1 (batch first, through sequence-first copies); every ONNX activation
 * (defaults Tanh; Sigmoid/Tanh; Sigmoid/Tanh/Tanh); clip; LSTM's
 * input_forget), forward,
 * reverse and bidirectional, with sequence lengths, initial states, biases
 * and LSTM peepholes; forward and backward (through time).
 *
 * Per direction, the input projections of every step come from one sgemm
 * (X W^T, biases added); each step then adds H_prev R^T (one sgemm over the
 * batch) and applies the gates.  A batch row whose sequence has ended keeps
 * its state and writes zeros to Y.  The backward pass runs the forward
 * again keeping every step's gates and states in the workspace, walks the
 * steps backwards, and finishes with sgemms for dX, dW and dR.  Sums run in
 * a fixed order: the result does not depend on the thread count.
 *
 * Gate blocks in W, R and B: LSTM i, o, f, c; GRU z, r, h. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/op_private.h"

typedef struct rnn_dims {
	dh_op_type op;
	int64_t S, B, I, H, G, D, GH;
	int lbr; /* GRU linear_before_reset */
	const dh_op_attrs *attrs; /* for the activations */
	int layout;            /* 1: batch first (X [B, S, I]) */
	float clip;            /* > 0: gate inputs clipped to [-clip, clip] */
	int couple;            /* LSTM input_forget: f = 1 - i */
} rnn_dims;

/* Per-direction scratch, carved from the workspace. */
typedef struct rnn_ws {
	float *xw;  /* [S B, G H] input projections + biases, by time */
	float *act; /* [S B, G H] gate activations, by time */
	float *hs;  /* [(S + 1) B, H] state before processing step k */
	float *cs;  /* [(S + 1) B, H] LSTM cell before step k */
	float *hrh; /* [S B, H] GRU (lbr): H_prev Rh^T + Rbh, by time */
	float *hr;  /* [B, G H] this step's H_prev R^T */
	float *dgx; /* [S B, G H] gradients of the input projections */
	float *dgr; /* [B, G H] gradients of this step's recurrent terms */
	float *dh, *dc, *t1, *t2; /* [B, H] */
	/* layout 1: sequence-first copies of the batch-first X, Y (or dY),
	 * initial_h, initial_c, Y_h, Y_c (or their gradients), and of the
	 * gradients of X, initial_h and initial_c */
	float *lx, *ly, *lh, *lc, *lyh, *lyc, *ldx, *ldh, *ldc;
	/* clip: 1 where a gate's input was inside [-clip, clip], else 0
	 * ([S B, G H] by time; NULL without clip) */
	float *clipm;
} rnn_ws;

static float sigm(float x)
{
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	float z = expf(x);
	return z / (1.0f + z);
}

/* An activation with its parameters, resolved for one direction. */
typedef struct ract {
	dh_rnn_act k;
	float a, b;
} ract;

/* f, g, h of direction dir, the op's defaults filled in. */
static void rnn_acts(const dh_op_attrs *at, dh_op_type op, int64_t dir,
		     ract *r)
{
	static const dh_rnn_act def[3][3] = {
		{DH_RACT_TANH},
		{DH_RACT_SIGMOID, DH_RACT_TANH},
		{DH_RACT_SIGMOID, DH_RACT_TANH, DH_RACT_TANH}};
	int row = op == DH_OP_RNN ? 0 : op == DH_OP_GRU ? 1 : 2, n = row + 1;
	for (int j = 0; j < 3; j++) {
		int slot = (int)dir * n + j;
		dh_rnn_act k = j < n ? at->rnn_acts[slot] : DH_RACT_DEFAULT;
		r[j].k = k == DH_RACT_DEFAULT && j < n ? def[row][j] : k;
		r[j].a = j < n ? at->rnn_alpha[slot] : 0.0f;
		r[j].b = j < n ? at->rnn_beta[slot] : 0.0f;
	}
}

static float ract_f(const ract *r, float x)
{
	switch (r->k) {
	case DH_RACT_SIGMOID: return sigm(x);
	case DH_RACT_RELU: return x > 0.0f ? x : 0.0f;
	case DH_RACT_AFFINE: return r->a * x + r->b;
	case DH_RACT_LEAKYRELU: return x >= 0.0f ? x : r->a * x;
	case DH_RACT_THRESHOLDEDRELU: return x > r->a ? x : 0.0f;
	case DH_RACT_SCALEDTANH: return r->a * tanhf(r->b * x);
	case DH_RACT_HARDSIGMOID: {
		float v = r->a * x + r->b;
		return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
	}
	case DH_RACT_ELU: return x > 0.0f ? x : r->a * expm1f(x);
	case DH_RACT_SOFTSIGN: return x / (1.0f + fabsf(x));
	case DH_RACT_SOFTPLUS:
		return (x > 0.0f ? x : 0.0f) + log1pf(expf(-fabsf(x)));
	default: return tanhf(x);
	}
}

/* The derivative from the output y = f(x): every activation here allows
 * it, so the backward pass needs the stored outputs only. */
static float ract_df(const ract *r, float y)
{
	switch (r->k) {
	case DH_RACT_SIGMOID: return y * (1.0f - y);
	case DH_RACT_RELU: return y > 0.0f ? 1.0f : 0.0f;
	case DH_RACT_AFFINE: return r->a;
	case DH_RACT_LEAKYRELU: return y > 0.0f ? 1.0f : r->a;
	case DH_RACT_THRESHOLDEDRELU: return y != 0.0f ? 1.0f : 0.0f;
	case DH_RACT_SCALEDTANH: {
		float t = r->a != 0.0f ? y / r->a : 0.0f;
		return r->a * r->b * (1.0f - t * t);
	}
	case DH_RACT_HARDSIGMOID:
		return y > 0.0f && y < 1.0f ? r->a : 0.0f;
	case DH_RACT_ELU: return y > 0.0f ? 1.0f : y + r->a;
	case DH_RACT_SOFTSIGN: {
		float t = 1.0f - fabsf(y);
		return t * t;
	}
	case DH_RACT_SOFTPLUS: return -expm1f(-y);
	default: return 1.0f - y * y;
	}
}

/* A gate's input, clipped when clip > 0; *m (when m) records whether it
 * passed unclipped, for the backward pass. */
static inline float gate_in(float v, float clip, float *m)
{
	if (!m)
		return v;
	if (v > clip) {
		*m = 0.0f;
		return clip;
	}
	if (v < -clip) {
		*m = 0.0f;
		return -clip;
	}
	*m = 1.0f;
	return v;
}

static dh_status rnn_setup(const dh_op_ctx *ctx, dh_op_type op,
			   const dh_op_attrs *a, const dh_tensor *const *in,
			   int nin, rnn_dims *d, rnn_ws *w, int64_t **lens_out,
			   dh_err *e)
{
	d->op = op;
	d->layout = a->rnn_layout;
	d->clip = a->rnn_clip;
	d->couple = op == DH_OP_LSTM && a->input_forget;
	d->S = in[0]->shape[d->layout ? 1 : 0];
	d->B = in[0]->shape[d->layout ? 0 : 1];
	d->I = in[0]->shape[2];
	d->G = dh_rnn_gates(op);
	d->H = in[1]->shape[1] / d->G;
	d->GH = d->G * d->H;
	d->D = a->direction == DH_RNN_BIDIRECTIONAL ? 2 : 1;
	d->lbr = op == DH_OP_GRU && a->linear_before_reset;
	d->attrs = a;
	size_t sb = (size_t)(d->S * d->B), gh = (size_t)d->GH;
	size_t h = (size_t)d->H, nb = (size_t)d->B, nd = (size_t)d->D;
	size_t lay = d->layout ? 1 : 0;
	/* the sequence lengths (int64) take two floats' room each */
	size_t parts[] = {sb * gh, sb * gh, (sb + nb) * h, (sb + nb) * h,
			  sb * h,  nb * gh, sb * gh,       nb * gh,
			  nb * h,  nb * h,  nb * h,        nb * h,
			  lay * sb * (size_t)d->I, lay * sb * nd * h,
			  lay * nd * nb * h, lay * nd * nb * h,
			  lay * nd * nb * h, lay * nd * nb * h,
			  lay * sb * (size_t)d->I, lay * nd * nb * h,
			  lay * nd * nb * h, (d->clip > 0.0f) * sb * gh, 2 * nb};
	size_t total = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (dh_size_add(total, parts[i], &total))
			return dh_op_fail(e, DH_ENOMEM, op, ctx->node,
					  "scratch size overflows");
	if (!ctx->ws)
		return dh_op_fail(e, DH_EINVAL, op, ctx->node,
				  "needs a workspace");
	/* 64-byte aligned block; every part but the last is floats, and the
	 * lengths go first so that they stay 8-byte aligned */
	float *p = dh_workspace_get(ctx->ws, (total ? total : 1) * sizeof(float),
				    e);
	if (!p)
		return e ? e->status : DH_ENOMEM;
	int64_t *lens = (int64_t *)(void *)p;
	p += 2 * nb;
	float **slots[] = {&w->xw, &w->act, &w->hs, &w->cs, &w->hrh, &w->hr,
			   &w->dgx, &w->dgr, &w->dh, &w->dc, &w->t1, &w->t2,
			   &w->lx, &w->ly, &w->lh, &w->lc, &w->lyh, &w->lyc,
			   &w->ldx, &w->ldh, &w->ldc, &w->clipm};
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		*slots[i] = p;
		p += parts[i];
	}
	*lens_out = lens;
	if (!(d->clip > 0.0f))
		w->clipm = NULL;
	const dh_tensor *sl = nin > 4 ? in[4] : NULL;
	for (int64_t b = 0; b < d->B; b++) {
		int64_t v = d->S;
		if (sl) {
			v = (int64_t)dh_dtype_get(sl->dtype, sl->data,
						  (size_t)b);
			if (v < 0 || v > d->S)
				return dh_op_fail(e, DH_ERANGE, op, ctx->node,
						  "sequence_lens[%lld] = %lld "
						  "is outside [0, %lld]",
						  (long long)b, (long long)v,
						  (long long)d->S);
		}
		lens[b] = v;
	}
	return DH_OK;
}

static int reversed(const dh_op_attrs *a, int64_t dir)
{
	return a->direction == DH_RNN_REVERSE ||
	       (a->direction == DH_RNN_BIDIRECTIONAL && dir == 1);
}

/* Optional input i, or NULL. */
static const float *opt_in(const dh_tensor *const *in, int nin, int i)
{
	return nin > i && in[i] ? dh_tensor_f32(in[i]) : NULL;
}

/* Run direction dir forward, filling w->xw, act, hs, cs, hrh; write Y, Y_h,
 * Y_c when given. */
static void rnn_run(const rnn_dims *d, const dh_op_attrs *a, int64_t dir,
		    const dh_tensor *const *in, int nin, const int64_t *lens,
		    rnn_ws *w, float *y, float *yh, float *yc)
{
	int64_t S = d->S, B = d->B, H = d->H, GH = d->GH;
	const float *x = dh_tensor_f32(in[0]);
	const float *W = dh_tensor_f32(in[1]) + dir * GH * d->I;
	const float *R = dh_tensor_f32(in[2]) + dir * GH * H;
	const float *bias = opt_in(in, nin, 3);
	const float *h0 = opt_in(in, nin, 5);
	const float *c0 = d->op == DH_OP_LSTM ? opt_in(in, nin, 6) : NULL;
	const float *P = d->op == DH_OP_LSTM ? opt_in(in, nin, 7) : NULL;
	if (bias)
		bias += dir * 2 * GH;
	if (P)
		P += dir * 3 * H;
	ract A[3];
	rnn_acts(d->attrs, d->op, dir, A);
	/* input projections with both biases, except GRU's Rbh under
	 * linear_before_reset, which goes inside r * (...) */
	dh_cpu_sgemm(0, 1, S * B, GH, d->I, 1.0f, x, d->I, W, d->I, 0.0f,
		     w->xw, GH);
	if (bias)
		for (int64_t r = 0; r < S * B; r++)
			for (int64_t j = 0; j < GH; j++) {
				int skip_rb = d->lbr && j >= 2 * H;
				w->xw[r * GH + j] +=
					bias[j] + (skip_rb ? 0.0f : bias[GH + j]);
			}
	if (h0)
		memcpy(w->hs, h0 + dir * B * H, (size_t)(B * H) * sizeof(float));
	else
		memset(w->hs, 0, (size_t)(B * H) * sizeof(float));
	if (c0)
		memcpy(w->cs, c0 + dir * B * H, (size_t)(B * H) * sizeof(float));
	else
		memset(w->cs, 0, (size_t)(B * H) * sizeof(float));
	int rev = reversed(a, dir);
	for (int64_t k = 0; k < S; k++) {
		int64_t t = rev ? S - 1 - k : k;
		const float *hp = w->hs + k * B * H, *cp = w->cs + k * B * H;
		float *hn = w->hs + (k + 1) * B * H, *cn = w->cs + (k + 1) * B * H;
		float *act = w->act + t * B * GH;
		/* recurrent terms; GRU's h block waits for r unless lbr */
		int64_t plain = d->op == DH_OP_GRU && !d->lbr ? 2 * H : GH;
		dh_cpu_sgemm(0, 1, B, plain, H, 1.0f, hp, H, R, H, 0.0f, w->hr,
			     GH);
		for (int64_t b = 0; b < B; b++) {
			const float *xr = w->xw + (t * B + b) * GH;
			const float *hr = w->hr + b * GH;
			const float *hpb = hp + b * H, *cpb = cp + b * H;
			float *ab = act + b * GH, *hb = hn + b * H;
			float *cb = cn + b * H;
			if (t >= lens[b]) {
				memcpy(hb, hpb, (size_t)H * sizeof(float));
				memcpy(cb, cpb, (size_t)H * sizeof(float));
				memset(ab, 0, (size_t)GH * sizeof(float));
				continue;
			}
			float *mb = w->clipm ? w->clipm + (t * B + b) * GH
					     : NULL;
			float cl = d->clip;
#define M(j) (mb ? mb + (j) : NULL)
			for (int64_t u = 0; u < H; u++) {
				if (d->op == DH_OP_RNN) {
					float v = gate_in(xr[u] + hr[u], cl,
							  M(u));
					ab[u] = ract_f(&A[0], v);
					hb[u] = ab[u];
				} else if (d->op == DH_OP_LSTM) {
					float pi = P ? P[u] : 0.0f;
					float po = P ? P[H + u] : 0.0f;
					float pf = P ? P[2 * H + u] : 0.0f;
					float ig = ract_f(&A[0], gate_in(
						xr[u] + hr[u] + pi * cpb[u], cl,
						M(u)));
					float fg =
						d->couple
							? 1.0f - ig
							: ract_f(&A[0], gate_in(
								  xr[2 * H + u] +
									  hr[2 * H + u] +
									  pf * cpb[u],
								  cl, M(2 * H + u)));
					float cg = ract_f(&A[1], gate_in(
						xr[3 * H + u] + hr[3 * H + u],
						cl, M(3 * H + u)));
					float c = fg * cpb[u] + ig * cg;
					float og = ract_f(&A[0], gate_in(
						xr[H + u] + hr[H + u] + po * c,
						cl, M(H + u)));
					ab[u] = ig, ab[H + u] = og;
					ab[2 * H + u] = fg, ab[3 * H + u] = cg;
					cb[u] = c;
					hb[u] = og * ract_f(&A[2], c);
				} else {
					ab[u] = ract_f(&A[0],
						       gate_in(xr[u] + hr[u], cl,
							       M(u)));
					ab[H + u] = ract_f(&A[0], gate_in(
						xr[H + u] + hr[H + u], cl,
						M(H + u)));
				}
			}
#undef M
			if (d->op != DH_OP_LSTM)
				memcpy(cb, cpb, (size_t)H * sizeof(float));
		}
		if (d->op == DH_OP_GRU) {
			/* h block: lbr: r * (H_prev Rh^T + Rbh); else
			 * (r * H_prev) Rh^T (Rbh is in xw) */
			const float *Rh = R + 2 * H * H;
			if (d->lbr) {
				float *hrh = w->hrh + t * B * H;
				dh_cpu_sgemm(0, 1, B, H, H, 1.0f, hp, H, Rh, H,
					     0.0f, hrh, H);
				for (int64_t b = 0; b < B; b++)
					for (int64_t u = 0; u < H; u++)
						hrh[b * H + u] +=
							bias ? bias[GH + 2 * H + u]
							     : 0.0f;
			} else {
				for (int64_t b = 0; b < B; b++)
					for (int64_t u = 0; u < H; u++)
						w->t1[b * H + u] =
							act[b * GH + H + u] *
							hp[b * H + u];
				dh_cpu_sgemm(0, 1, B, H, H, 1.0f, w->t1, H, Rh,
					     H, 0.0f, w->hr + 2 * H, GH);
			}
			for (int64_t b = 0; b < B; b++) {
				if (t >= lens[b])
					continue;
				const float *xr = w->xw + (t * B + b) * GH;
				float *ab = act + b * GH, *hb = hn + b * H;
				const float *hpb = hp + b * H;
				for (int64_t u = 0; u < H; u++) {
					float rec =
						d->lbr ? ab[H + u] *
								 w->hrh[(t * B + b) *
									H + u]
						       : w->hr[b * GH + 2 * H + u];
					float *m = w->clipm
							   ? w->clipm +
								     (t * B + b) *
									     GH +
								     2 * H + u
							   : NULL;
					float hh = ract_f(&A[1], gate_in(
						xr[2 * H + u] + rec, d->clip, m));
					ab[2 * H + u] = hh;
					hb[u] = (1.0f - ab[u]) * hh +
						ab[u] * hpb[u];
				}
			}
		}
		if (y)
			for (int64_t b = 0; b < B; b++) {
				float *yr = y + ((t * d->D + dir) * B + b) * H;
				if (t < lens[b])
					memcpy(yr, hn + b * H,
					       (size_t)H * sizeof(float));
				else
					memset(yr, 0, (size_t)H * sizeof(float));
			}
	}
	if (yh)
		memcpy(yh + dir * B * H, w->hs + S * B * H,
		       (size_t)(B * H) * sizeof(float));
	if (yc)
		memcpy(yc + dir * B * H, w->cs + S * B * H,
		       (size_t)(B * H) * sizeof(float));
}

/* dst[j, i, :] = src[i, j, :] for src [a, b, c]: batch-first tensors to
 * the sequence-first order the kernels use, and back. */
static void swap01(const float *src, int64_t a, int64_t b, int64_t c,
		   float *dst)
{
	for (int64_t i = 0; i < a; i++)
		for (int64_t j = 0; j < b; j++)
			memcpy(dst + (j * a + i) * c, src + (i * b + j) * c,
			       (size_t)c * sizeof(float));
}

/* A tensor struct over scratch memory, on the caller's stack (no
 * allocation): enough for the kernels, which read shape and data. */
static void view(dh_tensor *t, float *data, int ndim, int64_t d0, int64_t d1,
		 int64_t d2, int64_t d3)
{
	memset(t, 0, sizeof *t);
	t->dtype = DH_F32;
	t->ndim = ndim;
	int64_t s[4] = {d0, d1, d2, d3};
	for (int i = 0; i < ndim; i++)
		t->shape[i] = s[i];
	t->data = data;
}

/* Layout 1: point in2[] at sequence-first copies of X, initial_h and
 * initial_c (the others are the same in both layouts). */
static void layout_inputs(const rnn_dims *d, rnn_ws *w, int nin,
			  const dh_tensor *const *in, const dh_tensor **in2,
			  dh_tensor *tmp)
{
	for (int i = 0; i < nin; i++)
		in2[i] = in[i];
	swap01(dh_tensor_f32(in[0]), d->B, d->S, d->I, w->lx);
	view(&tmp[0], w->lx, 3, d->S, d->B, d->I, 0);
	in2[0] = &tmp[0];
	float *bufs[2] = {w->lh, w->lc};
	for (int k = 0; k < 2; k++) {
		int i = 5 + k;
		if (nin <= i || !in[i])
			continue;
		swap01(dh_tensor_f32(in[i]), d->B, d->D, d->H, bufs[k]);
		view(&tmp[1 + k], bufs[k], 3, d->D, d->B, d->H, 0);
		in2[i] = &tmp[1 + k];
	}
}

static dh_status rnn_forward(dh_op_type op, const dh_op_ctx *ctx,
			     const dh_op_attrs *a, int nin,
			     const dh_tensor *const *in, int nout,
			     dh_tensor *const *out, dh_err *e)
{
	rnn_dims d;
	rnn_ws w;
	int64_t *lens;
	dh_status st = rnn_setup(ctx, op, a, in, nin, &d, &w, &lens, e);
	if (st)
		return st;
	const dh_tensor *in2[8];
	dh_tensor tmp[3];
	float *y = dh_tensor_f32(out[0]);
	float *yh = nout > 1 ? dh_tensor_f32(out[1]) : NULL;
	float *yc = nout > 2 ? dh_tensor_f32(out[2]) : NULL;
	if (d.layout) {
		layout_inputs(&d, &w, nin, in, in2, tmp);
		in = in2;
		y = w.ly;
		yh = yh ? w.lyh : NULL;
		yc = yc ? w.lyc : NULL;
	}
	for (int64_t dir = 0; dir < d.D; dir++)
		rnn_run(&d, a, dir, in, nin, lens, &w, y, yh, yc);
	if (d.layout) {
		/* [S, D, B, H] -> [B, S, D, H]; [D, B, H] -> [B, D, H] */
		swap01(w.ly, d.S * d.D, d.B, d.H, dh_tensor_f32(out[0]));
		if (yh)
			swap01(w.lyh, d.D, d.B, d.H, dh_tensor_f32(out[1]));
		if (yc)
			swap01(w.lyc, d.D, d.B, d.H, dh_tensor_f32(out[2]));
	}
	return DH_OK;
}

/* Backward of one step for the rows still running: from dh (and dY) fill
 * dgx (by time), dgr, the elementwise part of dH_prev (t1) and dC_prev
 * (dc, LSTM). */
static void step_backward(const rnn_dims *d, int64_t t, int64_t k,
			  const int64_t *lens, const float *dy, int64_t dir,
			  const float *P, const float *R, rnn_ws *w,
			  float *dP)
{
	ract A[3];
	rnn_acts(d->attrs, d->op, dir, A);
	int64_t B = d->B, H = d->H, GH = d->GH;
	const float *hp = w->hs + k * B * H, *cp = w->cs + k * B * H;
	const float *cn = w->cs + (k + 1) * B * H;
	const float *act = w->act + t * B * GH;
	float *dgx = w->dgx + t * B * GH;
	memset(w->dgr, 0, (size_t)(B * GH) * sizeof(float));
	memset(dgx, 0, (size_t)(B * GH) * sizeof(float));
	for (int64_t b = 0; b < B; b++) {
		if (t >= lens[b])
			continue;
		const float *ab = act + b * GH;
		float *gx = dgx + b * GH, *gr = w->dgr + b * GH;
		/* a clipped gate input passes no gradient */
		const float *mb = w->clipm ? w->clipm + (t * B + b) * GH : NULL;
#define MK(j) (mb ? mb[j] : 1.0f)
		for (int64_t u = 0; u < H; u++) {
			float dH = w->dh[b * H + u] +
				   (dy ? dy[((t * d->D + dir) * B + b) * H + u]
				       : 0.0f);
			if (d->op == DH_OP_RNN) {
				gx[u] = gr[u] = dH * ract_df(&A[0], ab[u]) *
						MK(u);
				w->t1[b * H + u] = 0.0f;
			} else if (d->op == DH_OP_LSTM) {
				float ig = ab[u], og = ab[H + u];
				float fg = ab[2 * H + u], cg = ab[3 * H + u];
				float c = cn[b * H + u], tc = ract_f(&A[2], c);
				float cprev = cp[b * H + u];
				float pi = P ? P[u] : 0.0f;
				float po = P ? P[H + u] : 0.0f;
				float pf = P ? P[2 * H + u] : 0.0f;
				float dgo = dH * tc * ract_df(&A[0], og) *
					    MK(H + u);
				float dC = w->dc[b * H + u] +
					   dH * og * ract_df(&A[2], tc) +
					   dgo * po;
				/* input_forget: f = 1 - i, so i also gets
				 * -dC * C_prev and f's own weights nothing */
				float di = dC * cg -
					   (d->couple ? dC * cprev : 0.0f);
				float dgi = di * ract_df(&A[0], ig) * MK(u);
				float dgf = d->couple
						    ? 0.0f
						    : dC * cprev *
							      ract_df(&A[0], fg) *
							      MK(2 * H + u);
				float dgc = dC * ig * ract_df(&A[1], cg) *
					    MK(3 * H + u);
				gx[u] = gr[u] = dgi;
				gx[H + u] = gr[H + u] = dgo;
				gx[2 * H + u] = gr[2 * H + u] = dgf;
				gx[3 * H + u] = gr[3 * H + u] = dgc;
				w->dc[b * H + u] = dC * fg + dgi * pi + dgf * pf;
				w->t1[b * H + u] = 0.0f;
				if (dP) {
					dP[u] += dgi * cprev;
					dP[H + u] += dgo * c;
					dP[2 * H + u] += dgf * cprev;
				}
			} else {
				float z = ab[u], r = ab[H + u], hh = ab[2 * H + u];
				float hprev = hp[b * H + u];
				float dz = dH * (hprev - hh);
				float dgh = dH * (1.0f - z) *
					    ract_df(&A[1], hh) * MK(2 * H + u);
				gx[u] = gr[u] = dz * ract_df(&A[0], z) * MK(u);
				gx[2 * H + u] = dgh;
				if (d->lbr) {
					float hrh = w->hrh[(t * B + b) * H + u];
					float dgr = dgh * hrh *
						    ract_df(&A[0], r) *
						    MK(H + u);
					gx[H + u] = gr[H + u] = dgr;
					gr[2 * H + u] = dgh * r;
				} else {
					/* r's gradient needs dGh Rh first */
					gr[2 * H + u] = dgh;
				}
				w->t1[b * H + u] = dH * z;
			}
		}
	}
#undef MK
	if (d->op == DH_OP_GRU && !d->lbr) {
		/* d(r H_prev) = dGh Rh, then r's gate and H_prev's share */
		dh_cpu_sgemm(0, 0, B, H, H, 1.0f, w->dgr + 2 * H, GH,
			     R + 2 * H * H, H, 0.0f, w->t2, H);
		for (int64_t b = 0; b < B; b++) {
			if (t >= lens[b])
				continue;
			for (int64_t u = 0; u < H; u++) {
				float r = act[b * GH + H + u];
				float drh = w->t2[b * H + u];
				float mr = w->clipm ? w->clipm[(t * B + b) * GH +
							       H + u]
						    : 1.0f;
				float dgr = drh * hp[b * H + u] *
					    ract_df(&A[0], r) * mr;
				dgx[b * GH + H + u] = w->dgr[b * GH + H + u] =
					dgr;
				w->t1[b * H + u] += drh * r;
			}
		}
	}
}

/* Backward through time on sequence-first tensors (layout 0). */
static void rnn_backward_core(dh_op_type op, const dh_op_attrs *a,
			      const rnn_dims *dims, const rnn_ws *ws,
			      const int64_t *lens, int nin,
			      const dh_tensor *const *in, int nout,
			      const dh_tensor *const *dout,
			      dh_tensor *const *din)
{
	rnn_dims d = *dims;
	rnn_ws w = *ws;
	int64_t S = d.S, B = d.B, H = d.H, GH = d.GH, I = d.I;
	const float *x = dh_tensor_f32(in[0]);
	const float *dy = dout[0] ? dh_tensor_f32(dout[0]) : NULL;
	const float *dyh = nout > 1 && dout[1] ? dh_tensor_f32(dout[1]) : NULL;
	const float *dyc = nout > 2 && dout[2] ? dh_tensor_f32(dout[2]) : NULL;
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	for (int i = 1; i < nin; i++)
		if (din[i])
			memset(din[i]->data, 0, dh_tensor_nbytes(din[i]));
	for (int64_t dir = 0; dir < d.D; dir++) {
		const float *W = dh_tensor_f32(in[1]) + dir * GH * I;
		const float *R = dh_tensor_f32(in[2]) + dir * GH * H;
		const float *P = op == DH_OP_LSTM ? opt_in(in, nin, 7) : NULL;
		if (P)
			P += dir * 3 * H;
		float *dP = op == DH_OP_LSTM && nin > 7 && din[7]
				    ? dh_tensor_f32(din[7]) + dir * 3 * H
				    : NULL;
		float *dR = din[2] ? dh_tensor_f32(din[2]) + dir * GH * H : NULL;
		rnn_run(&d, a, dir, in, nin, lens, &w, NULL, NULL, NULL);
		if (dyh)
			memcpy(w.dh, dyh + dir * B * H,
			       (size_t)(B * H) * sizeof(float));
		else
			memset(w.dh, 0, (size_t)(B * H) * sizeof(float));
		if (dyc)
			memcpy(w.dc, dyc + dir * B * H,
			       (size_t)(B * H) * sizeof(float));
		else
			memset(w.dc, 0, (size_t)(B * H) * sizeof(float));
		float *db = nin > 3 && din[3] ? dh_tensor_f32(din[3]) +
							dir * 2 * GH
					      : NULL;
		int rev = reversed(a, dir);
		for (int64_t k = S - 1; k >= 0; k--) {
			int64_t t = rev ? S - 1 - k : k;
			const float *hp = w.hs + k * B * H;
			step_backward(&d, t, k, lens, dy, dir, P, R, &w, dP);
			/* dR: gates against the state they read; GRU's h
			 * block read r * H_prev unless lbr */
			if (dR) {
				int64_t plain = op == DH_OP_GRU && !d.lbr
							? 2 * H
							: GH;
				dh_cpu_sgemm(1, 0, plain, H, B, 1.0f, w.dgr,
					     GH, hp, H, 1.0f, dR, H);
				if (plain < GH) {
					const float *act = w.act + t * B * GH;
					for (int64_t i = 0; i < B * H; i++)
						w.t2[i] = act[(i / H) * GH + H +
							      i % H] *
							  hp[i];
					dh_cpu_sgemm(1, 0, H, H, B, 1.0f,
						     w.dgr + 2 * H, GH, w.t2, H,
						     1.0f, dR + 2 * H * H, H);
				}
			}
			if (db)
				for (int64_t b = 0; b < B; b++)
					for (int64_t j = 0; j < GH; j++)
						db[GH + j] += w.dgr[b * GH + j];
			/* dH_prev = elementwise part + dgr R (GRU's h block
			 * already went through Rh unless lbr) */
			int64_t plain = op == DH_OP_GRU && !d.lbr ? 2 * H : GH;
			dh_cpu_sgemm(0, 0, B, H, plain, 1.0f, w.dgr, GH, R, H,
				     0.0f, w.t2, H);
			for (int64_t b = 0; b < B; b++) {
				if (t >= lens[b])
					continue;
				for (int64_t u = 0; u < H; u++)
					w.dh[b * H + u] = w.t1[b * H + u] +
							  w.t2[b * H + u];
			}
		}
		/* the input side, all steps at once */
		if (dx)
			dh_cpu_sgemm(0, 0, S * B, I, GH, 1.0f, w.dgx, GH, W, I,
				     dir ? 1.0f : 0.0f, dx, I);
		if (din[1])
			dh_cpu_sgemm(1, 0, GH, I, S * B, 1.0f, w.dgx, GH, x, I,
				     0.0f, dh_tensor_f32(din[1]) + dir * GH * I,
				     I);
		if (db)
			for (int64_t r = 0; r < S * B; r++)
				for (int64_t j = 0; j < GH; j++)
					db[j] += w.dgx[r * GH + j];
		if (nin > 5 && din[5])
			memcpy(dh_tensor_f32(din[5]) + dir * B * H, w.dh,
			       (size_t)(B * H) * sizeof(float));
		if (op == DH_OP_LSTM && nin > 6 && din[6])
			memcpy(dh_tensor_f32(din[6]) + dir * B * H, w.dc,
			       (size_t)(B * H) * sizeof(float));
	}
	if (dx && S * B == 0)
		memset(dx, 0, dh_tensor_nbytes(din[0]));
}

static dh_status rnn_backward(dh_op_type op, const dh_op_ctx *ctx,
			      const dh_op_attrs *a, int nin,
			      const dh_tensor *const *in, int nout,
			      const dh_tensor *const *dout,
			      dh_tensor *const *din, dh_err *e)
{
	rnn_dims d;
	rnn_ws w;
	int64_t *lens;
	dh_status st = rnn_setup(ctx, op, a, in, nin, &d, &w, &lens, e);
	if (st)
		return st;
	if (!d.layout) {
		rnn_backward_core(op, a, &d, &w, lens, nin, in, nout, dout,
				  din);
		return DH_OK;
	}
	/* layout 1: sequence-first copies in, gradients out */
	const dh_tensor *in2[8], *dout2[3] = {NULL, NULL, NULL};
	dh_tensor tmp[3], dtmp[3], gtmp[3];
	dh_tensor *din2[8];
	layout_inputs(&d, &w, nin, in, in2, tmp);
	if (dout[0]) {
		swap01(dh_tensor_f32(dout[0]), d.B, d.S * d.D, d.H, w.ly);
		view(&dtmp[0], w.ly, 4, d.S, d.D, d.B, d.H);
		dout2[0] = &dtmp[0];
	}
	float *db[2] = {w.lyh, w.lyc};
	for (int k = 1; k < nout && k < 3; k++) {
		if (!dout[k])
			continue;
		swap01(dh_tensor_f32(dout[k]), d.B, d.D, d.H, db[k - 1]);
		view(&dtmp[k], db[k - 1], 3, d.D, d.B, d.H, 0);
		dout2[k] = &dtmp[k];
	}
	for (int i = 0; i < nin; i++)
		din2[i] = din[i];
	if (din[0]) {
		view(&gtmp[0], w.ldx, 3, d.S, d.B, d.I, 0);
		din2[0] = &gtmp[0];
	}
	float *gb[2] = {w.ldh, w.ldc};
	for (int k = 0; k < 2; k++)
		if (nin > 5 + k && din[5 + k]) {
			view(&gtmp[1 + k], gb[k], 3, d.D, d.B, d.H, 0);
			din2[5 + k] = &gtmp[1 + k];
		}
	rnn_backward_core(op, a, &d, &w, lens, nin, in2, nout, dout2, din2);
	if (din[0])
		swap01(w.ldx, d.S, d.B, d.I, dh_tensor_f32(din[0]));
	for (int k = 0; k < 2; k++)
		if (nin > 5 + k && din[5 + k])
			swap01(gb[k], d.D, d.B, d.H, dh_tensor_f32(din[5 + k]));
	return DH_OK;
}

#define RECURRENT(name, OP)                                                  \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		return rnn_forward(OP, ctx, a, nin, in, nout, out, e);       \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		return rnn_backward(OP, ctx, a, nin, in, nout, dout, din, e); \
	}

RECURRENT(rnn, DH_OP_RNN)
RECURRENT(gru, DH_OP_GRU)
RECURRENT(lstm, DH_OP_LSTM)
