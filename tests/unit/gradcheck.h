/* gradcheck.h - tensor helpers and a finite-difference gradient checker for
 * the op and nn unit tests.
 *
 * gc_check perturbs every element of the checked inputs by +-eps, evaluates
 * L = sum_k w_k out_k in double for fixed random weights w, and compares
 * (L+ - L-) / (x+ - x-) with the analytic gradient that the backward
 * function gives for dout = w.  The kernels compute in float32, so eps is
 * chosen per op (1e-2 to 1e-3) to keep float rounding in L small next to
 * the difference; the step actually taken is measured after rounding the
 * perturbed value to float.  On failure it prints the worst element, its
 * index, both values and the tolerance, and counts one failed check. */
#ifndef DH_TESTS_GRADCHECK_H
#define DH_TESTS_GRADCHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "core/tensor.h"
#include "ops/op.h"
#include "tap.h"

/* ---- tensors ------------------------------------------------------------ */

/* A zero float32 tensor of shape {d0, d1, ...}: t_new(2, (int64_t[]){2, 3}) */
static inline dh_tensor *t_new(int ndim, const int64_t *shape)
{
	dh_tensor *t = dh_tensor_new(DH_F32, ndim, shape, NULL);
	if (!t) {
		printf("# cannot allocate a tensor\n");
		exit(99);
	}
	return t;
}

static inline dh_tensor *t_like(const dh_tensor *t)
{
	return t_new(t->ndim, t->shape);
}

/* A float32 tensor holding a copy of v. */
static inline dh_tensor *t_from(int ndim, const int64_t *shape, const float *v)
{
	dh_tensor *t = t_new(ndim, shape);
	memcpy(t->data, v, dh_tensor_nbytes(t));
	return t;
}

/* Uniform values in [lo, hi). */
static inline void t_rand(dh_tensor *t, dh_rng *r, float lo, float hi)
{
	float *p = dh_tensor_f32(t);
	for (int64_t i = 0; i < dh_tensor_numel(t); i++)
		p[i] = dh_rng_uniform(r, lo, hi);
}

/* Values in [lo, hi) at least `gap` away from every kink in `kinks` (for
 * ops that are not differentiable there: Relu at 0, ...). */
static inline void t_rand_away(dh_tensor *t, dh_rng *r, float lo, float hi,
			       const float *kinks, int nk, float gap)
{
	float *p = dh_tensor_f32(t);
	for (int64_t i = 0; i < dh_tensor_numel(t); i++) {
		int ok;
		do {
			p[i] = dh_rng_uniform(r, lo, hi);
			ok = 1;
			for (int k = 0; k < nk; k++)
				ok &= fabsf(p[i] - kinks[k]) >= gap;
		} while (!ok);
	}
}

/* Values in [lo, hi), all pairwise at least `gap` apart (MaxPool's argmax
 * must not flip under a perturbation). */
static inline void t_rand_distinct(dh_tensor *t, dh_rng *r, float lo,
				   float hi, float gap)
{
	int64_t n = dh_tensor_numel(t);
	float *p = dh_tensor_f32(t);
	/* shuffled evenly spaced values, then jittered within half a gap */
	int64_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
	for (int64_t i = 0; i < n; i++)
		idx[i] = i;
	dh_rng_shuffle(r, idx, n);
	float step = n > 1 ? (hi - lo) / (float)n : 0.0f;
	if (step < gap)
		printf("# t_rand_distinct: range too small for the gap\n");
	for (int64_t i = 0; i < n; i++)
		p[i] = lo + step * ((float)idx[i] + 0.5f) +
		       dh_rng_uniform(r, -0.25f, 0.25f) * (step - gap);
	free(idx);
}

/* Compare n values with |got - want| <= atol + rtol |want|; on failure
 * print the worst element and count one failed check.  Returns 1 if ok. */
static inline int check_close_at(const char *file, int line, const char *what,
				 const float *got, const float *want,
				 int64_t n, double atol, double rtol)
{
	int64_t worst = -1;
	double wr = 0.0;
	for (int64_t i = 0; i < n; i++) {
		double g = got[i], w = want[i];
		double tol = atol + rtol * fabs(w);
		if (fabs(g - w) <= tol)
			continue;
		double r = fabs(g - w) / tol;
		if ( (worst < 0 || r > wr || isnan(r))) {
			worst = i;
			wr = isnan(r) ? INFINITY : r;
		}
	}
	if (worst < 0)
		return 1;
	printf("#   %s:%d: %s: element %lld of %lld: got %.9g, want %.9g "
	       "(tol %g + %g*|want|)\n",
	       file, line, what, (long long)worst, (long long)n,
	       (double)got[worst], (double)want[worst], atol, rtol);
	tap_failed_checks++;
	return 0;
}
#define CHECK_CLOSE(what, got, want, n, atol, rtol)                          \
	check_close_at(__FILE__, __LINE__, what, got, want, n, atol, rtol)

/* A tensor from a reference array of ref_ops.h: T(gemm1_a). */
#define T(name) t_from(name##_ndim, name##_shape, name)
#define NUMEL(name) ((int64_t)(sizeof name / sizeof name[0]))

/* The usual test context: a CPU device with `threads` threads, a
 * workspace, an optional random stream. */
typedef struct test_env {
	dh_device dev;
	dh_workspace ws;
	dh_rng rng;
	dh_op_ctx ctx;
} test_env;

static inline void env_init(test_env *t, int threads)
{
	dh_device_cpu(&t->dev, threads);
	/* small tensors too take the parallel paths under test */
	t->dev.parallel_min = 1;
	dh_workspace_init(&t->ws);
	dh_rng_seed(&t->rng, 7);
	t->ctx = (dh_op_ctx){&t->dev, "test", &t->ws, &t->rng};
}

static inline void env_release(test_env *t)
{
	dh_workspace_release(&t->ws);
}

/* ---- the gradient checker ----------------------------------------------- */

/* forward: fill out[] from in[]; backward: din[i] (NULL: skip) from dout. */
typedef dh_status (*gc_forward)(void *u, dh_tensor *const *in,
				dh_tensor *const *out, dh_err *e);
typedef dh_status (*gc_backward)(void *u, dh_tensor *const *in,
				 dh_tensor *const *out,
				 dh_tensor *const *dout, dh_tensor *const *din,
				 dh_err *e);

typedef struct gc_opts {
	double eps;         /* perturbation (default 1e-2) */
	double atol, rtol;  /* default 2e-3 each */
	unsigned wrt;       /* bit i: check input i (0: all) */
	unsigned outs;      /* bit k: output k enters L (0: output 0 only) */
	uint64_t seed;
} gc_opts;

static inline double gc_loss(int nout, dh_tensor *const *out,
			     dh_tensor *const *w, unsigned outs)
{
	double l = 0.0;
	for (int k = 0; k < nout; k++) {
		if (!(outs & (1u << k)))
			continue;
		const float *o = dh_tensor_f32(out[k]);
		const float *wk = dh_tensor_f32(w[k]);
		for (int64_t i = 0; i < dh_tensor_numel(out[k]); i++)
			l += (double)o[i] * wk[i];
	}
	return l;
}

static inline int gc_check_at(const char *file, int line, const char *what,
			      gc_forward f, gc_backward b, void *u, int nin,
			      dh_tensor *const *in, int nout,
			      dh_tensor *const *out, gc_opts o)
{
	dh_err e;
	dh_err_clear(&e);
	double eps = o.eps > 0 ? o.eps : 1e-2;
	double atol = o.atol > 0 ? o.atol : 2e-3;
	double rtol = o.rtol > 0 ? o.rtol : 2e-3;
	unsigned wrt = o.wrt ? o.wrt : ~0u;
	unsigned outs = o.outs ? o.outs : 1u;
	dh_rng r;
	dh_rng_seed(&r, o.seed ? o.seed : 12345);
	dh_tensor *w[4] = {0}, *din[8] = {0};
	int bad = 0;
	if (f(u, in, out, &e)) {
		printf("#   %s:%d: %s: forward failed: %s\n", file, line, what,
		       e.msg);
		tap_failed_checks++;
		return 0;
	}
	for (int k = 0; k < nout; k++) {
		w[k] = t_like(out[k]);
		if (out[k]->dtype == DH_F32 && (outs & (1u << k)))
			t_rand(w[k], &r, -1.0f, 1.0f);
	}
	for (int i = 0; i < nin; i++)
		if (in[i] && (wrt & (1u << i)))
			din[i] = t_like(in[i]);
	if (b(u, in, out, w, din, &e)) {
		printf("#   %s:%d: %s: backward failed: %s\n", file, line,
		       what, e.msg);
		tap_failed_checks++;
		bad = 1;
	}
	for (int i = 0; i < nin && !bad; i++) {
		if (!din[i])
			continue;
		float *x = dh_tensor_f32(in[i]);
		const float *g = dh_tensor_f32(din[i]);
		int64_t worst = -1;
		double wr = 0, wnum = 0, wtol = 0;
		for (int64_t j = 0; j < dh_tensor_numel(in[i]); j++) {
			float v = x[j];
			float xp = (float)(v + eps), xm = (float)(v - eps);
			x[j] = xp;
			f(u, in, out, &e);
			double lp = gc_loss(nout, out, w, outs);
			x[j] = xm;
			f(u, in, out, &e);
			double lm = gc_loss(nout, out, w, outs);
			x[j] = v;
			double num = (lp - lm) / ((double)xp - (double)xm);
			double tol = atol + rtol * fabs(num);
			double ratio = fabs(num - g[j]) / tol;
			if (!(ratio <= 1.0) &&
			    (worst < 0 || ratio > wr || isnan(ratio))) {
				worst = j;
				wr = isnan(ratio) ? INFINITY : ratio;
				wnum = num;
				wtol = tol;
			}
		}
		if (worst >= 0) {
			printf("#   %s:%d: %s: d/d input %d, element %lld of "
			       "%lld: analytic %.9g, numeric %.9g (tol %g)\n",
			       file, line, what, i, (long long)worst,
			       (long long)dh_tensor_numel(in[i]),
			       (double)g[worst], wnum, wtol);
			tap_failed_checks++;
			bad = 1;
		}
	}
	/* leave the outputs as the unperturbed forward made them */
	f(u, in, out, &e);
	for (int k = 0; k < nout; k++)
		dh_tensor_free(w[k]);
	for (int i = 0; i < nin; i++)
		dh_tensor_free(din[i]);
	return !bad;
}
#define GC_CHECK(what, f, b, u, nin, in, nout, out, ...)                     \
	gc_check_at(__FILE__, __LINE__, what, f, b, u, nin, in, nout, out,   \
		    (gc_opts){__VA_ARGS__})

/* ---- the checker over dh_op_forward / dh_op_backward -------------------- */

typedef struct gc_op {
	dh_op_type op;
	const dh_op_attrs *attrs;
	const dh_op_ctx *ctx;
	int nin, nout;
} gc_op;

static inline dh_status gc_op_forward(void *u, dh_tensor *const *in,
				      dh_tensor *const *out, dh_err *e)
{
	gc_op *g = u;
	return dh_op_forward(g->ctx, g->op, g->attrs, g->nin,
			     (const dh_tensor *const *)in, g->nout, out, e);
}

static inline dh_status gc_op_backward(void *u, dh_tensor *const *in,
				       dh_tensor *const *out,
				       dh_tensor *const *dout,
				       dh_tensor *const *din, dh_err *e)
{
	gc_op *g = u;
	const dh_tensor *d[4] = {0};
	for (int k = 0; k < g->nout && k < 4; k++)
		d[k] = out[k]->dtype == DH_F32 ? dout[k] : NULL;
	return dh_op_backward(g->ctx, g->op, g->attrs, g->nin,
			      (const dh_tensor *const *)in, g->nout,
			      (const dh_tensor *const *)out, d, din, e);
}

/* Allocate outputs for op from the inputs' shapes (float32; Dropout's mask
 * bool).  Returns the number of outputs, 0 on a shape error (printed). */
static inline int gc_alloc_outputs(dh_op_type op, const dh_op_attrs *a,
				   int nin, dh_tensor *const *in, int nout,
				   dh_tensor **out)
{
	dh_shape s[8], o[4];
	dh_err e;
	/* absent optional inputs: trailing ones dropped, others ndim -1 */
	while (nin > 0 && !in[nin - 1])
		nin--;
	for (int i = 0; i < nin; i++) {
		s[i].ndim = -1;
		if (in[i])
			dh_shape_of(&s[i], in[i]);
	}
	if (dh_op_infer(op, a, "test", nin, s, nout, o, &e)) {
		printf("# infer: %s\n", e.msg);
		tap_failed_checks++;
		return 0;
	}
	for (int k = 0; k < nout; k++) {
		dh_dtype dt = dh_op_output_dtype(op, k);
		out[k] = dh_tensor_new(dt, o[k].ndim, o[k].d, NULL);
	}
	return nout;
}

/* Check op's gradient w.r.t. its float inputs; allocates and frees the
 * outputs itself. */
static inline int gc_op_check_at(const char *file, int line, const char *what,
				 const dh_op_ctx *ctx, dh_op_type op,
				 const dh_op_attrs *a, int nin,
				 dh_tensor *const *in, int nout, gc_opts o)
{
	dh_tensor *out[4] = {0};
	if (!gc_alloc_outputs(op, a, nin, in, nout, out))
		return 0;
	gc_op g = {op, a, ctx, nin, nout};
	int ok = gc_check_at(file, line, what, gc_op_forward, gc_op_backward,
			     &g, nin, in, nout, out, o);
	for (int k = 0; k < nout; k++)
		dh_tensor_free(out[k]);
	return ok;
}
#define GC_OP(what, ctx, op, a, nin, in, nout, ...)                          \
	gc_op_check_at(__FILE__, __LINE__, what, ctx, op, a, nin, in, nout,  \
		       (gc_opts){__VA_ARGS__})

/* Run op forward into freshly allocated outputs; returns out[0] (caller
 * frees every out[k]) or NULL after printing the error. */
static inline dh_tensor *run_forward(const dh_op_ctx *ctx, dh_op_type op,
				     const dh_op_attrs *a, int nin,
				     dh_tensor *const *in, int nout,
				     dh_tensor **out)
{
	dh_err e;
	if (!gc_alloc_outputs(op, a, nin, in, nout, out))
		return NULL;
	if (dh_op_forward(ctx, op, a, nin, (const dh_tensor *const *)in, nout,
			  out, &e)) {
		printf("# forward: %s\n", e.msg);
		tap_failed_checks++;
		for (int k = 0; k < nout; k++)
			dh_tensor_free(out[k]), out[k] = NULL;
		return NULL;
	}
	return out[0];
}

#endif
