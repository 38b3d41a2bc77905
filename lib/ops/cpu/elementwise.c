/* elementwise.c - elementwise ops of several inputs with NumPy
 * broadcasting, forward and backward: Add, Sub, Mul, Div, Pow, PRelu, the
 * variadic Sum, Mean, Max, Min, and Expand.
 *
 * Every op is a function of the input values at one output position, and
 * its partial derivatives.  Each input gets strides over the output's
 * dimensions, zero where it is broadcast.  The backward pass reduces
 * dY * partial over the broadcast dimensions: each element of an input's
 * gradient is summed by one thread over its own output positions, in a
 * fixed order, so the result is the same whatever the thread count. */
#include "config.h"

#include <string.h>

#include <math.h>

#include "ops/cpu/cpu.h"

#define MAX_IN DH_OP_MAX_IO

/* Strides of t (elements) along each of o's dimensions; 0 if broadcast. */
static void bcast_strides(const dh_tensor *t, const dh_tensor *o,
			  int64_t *st)
{
	int64_t s = 1;
	for (int i = o->ndim - 1; i >= 0; i--) {
		int ti = t->ndim - o->ndim + i;
		int64_t d = ti >= 0 ? t->shape[ti] : 1;
		st[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

/* Offset in an operand with strides st of output element i. */
static int64_t offset_of(const dh_tensor *o, const int64_t *st, int64_t i)
{
	int64_t off = 0;
	for (int d = o->ndim - 1; d >= 0; d--) {
		off += (i % o->shape[d]) * st[d];
		i /= o->shape[d];
	}
	return off;
}

/* Index of the input holding the extreme (first on ties) of v. */
static int extreme(dh_op_type op, const double *v, int n)
{
	int k = 0;
	for (int i = 1; i < n; i++)
		if (op == DH_OP_MAX ? v[i] > v[k] : v[i] < v[k])
			k = i;
	return k;
}

static inline __attribute__((always_inline)) double
value(dh_op_type op, const double *v, int n)
{
	double s = 0.0;
	switch (op) {
	case DH_OP_SUB: return v[0] - v[1];
	case DH_OP_MUL: return v[0] * v[1];
	case DH_OP_DIV: return v[0] / v[1];
	case DH_OP_POW: return pow(v[0], v[1]);
	case DH_OP_PRELU: return v[0] < 0 ? v[1] * v[0] : v[0];
	case DH_OP_MAX:
	case DH_OP_MIN: return v[extreme(op, v, n)];
	default: /* Add, Sum, Mean */
		for (int i = 0; i < n; i++)
			s += v[i];
		return op == DH_OP_MEAN ? s / n : s;
	}
}

/* d value / d v[i]. */
static inline __attribute__((always_inline)) double
partial(dh_op_type op, int i, const double *v, int n)
{
	switch (op) {
	case DH_OP_SUB: return i ? -1.0 : 1.0;
	case DH_OP_MUL: return v[1 - i];
	case DH_OP_DIV: return i ? -v[0] / (v[1] * v[1]) : 1.0 / v[1];
	case DH_OP_POW:
		if (i == 0)
			return v[1] * pow(v[0], v[1] - 1.0);
		/* d a^b / db = a^b ln a, defined for a > 0 only */
		return v[0] > 0 ? pow(v[0], v[1]) * log(v[0]) : 0.0;
	case DH_OP_PRELU:
		if (i == 0)
			return v[0] < 0 ? v[1] : 1.0;
		return v[0] < 0 ? v[0] : 0.0;
	case DH_OP_MAX:
	case DH_OP_MIN: return extreme(op, v, n) == i ? 1.0 : 0.0;
	case DH_OP_MEAN: return 1.0 / n;
	default: return 1.0;
	}
}

typedef struct ew {
	dh_op_type op;
	int n;
	const float *p[MAX_IN];
	int64_t st[MAX_IN][DH_MAX_DIMS];
	int same; /* every input has the output's shape */
} ew;

static void ew_init(ew *w, dh_op_type op, int nin,
		    const dh_tensor *const *in, const dh_tensor *Y)
{
	w->op = op;
	w->n = nin;
	w->same = 1;
	int64_t n = dh_tensor_numel(Y);
	for (int i = 0; i < nin; i++) {
		w->p[i] = dh_tensor_f32(in[i]);
		bcast_strides(in[i], Y, w->st[i]);
		w->same &= dh_tensor_numel(in[i]) == n;
	}
}

/* The input values at output position o. */
static void ew_values(const ew *w, const dh_tensor *Y, int64_t o, double *v)
{
	for (int i = 0; i < w->n; i++)
		v[i] = w->p[i][w->same ? o : offset_of(Y, w->st[i], o)];
}

static inline __attribute__((always_inline)) dh_status
ew_forward(dh_op_type op, const dh_op_ctx *ctx, int nin,
			    const dh_tensor *const *in, dh_tensor *Y)
{
	ew w;
	ew_init(&w, op, nin, in, Y);
	float *y = dh_tensor_f32(Y);
	int64_t n = dh_tensor_numel(Y);
	if (w.same && nin == 2 && (op == DH_OP_ADD || op == DH_OP_SUM)) {
		/* residual sums (and the graph's gradient accumulation, in
		 * place: y may be an input): in float, which rounds as the
		 * double sum does (a double holds a sum of two floats exactly
		 * enough that rounding it to float is the float sum), and
		 * vectorises */
		const float *p0 = w.p[0], *p1 = w.p[1];
		DH_OMP_FOR_SIMD(ctx, n)
		for (int64_t o = 0; o < n; o++)
			y[o] = p0[o] + p1[o];
		return DH_OK;
	}
	if (w.same && nin == 2) {
		/* the common case (residual sums, products of equal shapes):
		 * no index arithmetic */
		const float *p0 = w.p[0], *p1 = w.p[1];
		DH_OMP_FOR(ctx, n)
		for (int64_t o = 0; o < n; o++) {
			double v[2] = {p0[o], p1[o]};
			y[o] = (float)value(op, v, 2);
		}
		return DH_OK;
	}
	DH_OMP_FOR(ctx, n)
	for (int64_t o = 0; o < n; o++) {
		double v[MAX_IN];
		ew_values(&w, Y, o, v);
		y[o] = (float)value(op, v, nin);
	}
	return DH_OK;
}

/* The gradient of input `which` (T): sum over the output positions that
 * read each of its elements. */
static inline __attribute__((always_inline)) void
ew_grad(const ew *w, int which, const dh_op_ctx *ctx,
		    const dh_tensor *T, const dh_tensor *dY, dh_tensor *dT)
{
	const float *dy = dh_tensor_f32(dY);
	float *dt = dh_tensor_f32(dT);
	int64_t n = dh_tensor_numel(dY), nt = dh_tensor_numel(T);
	if (w->same && (w->op == DH_OP_ADD || w->op == DH_OP_SUM ||
			(w->op == DH_OP_SUB && which == 0))) {
		/* d(a + b)/da = 1: the gradient is dY itself (residual
		 * connections), the same values as the general loop; copied
		 * by the threads (one thread's copy of a large activation
		 * runs at one core's share of the memory bandwidth) */
		DH_OMP_FOR_SIMD(ctx, n)
		for (int64_t o = 0; o < n; o++)
			dt[o] = dy[o];
		return;
	}
	if (w->same && w->op == DH_OP_SUB) {
		DH_OMP_FOR_SIMD(ctx, n)
		for (int64_t o = 0; o < n; o++)
			dt[o] = -dy[o];
		return;
	}
	if (w->same) {
		DH_OMP_FOR(ctx, n)
		for (int64_t o = 0; o < n; o++) {
			double v[MAX_IN];
			ew_values(w, dY, o, v);
			dt[o] = (float)(dy[o] * partial(w->op, which, v, w->n));
		}
		return;
	}
	int nd = dY->ndim;
	const int64_t *st = w->st[which];
	int64_t so[DH_MAX_DIMS];
	/* output strides, and the dimensions T is broadcast along */
	int red[DH_MAX_DIMS], nred = 0;
	int64_t s = 1, per = 1;
	for (int i = nd - 1; i >= 0; i--) {
		so[i] = s;
		s *= dY->shape[i];
		if (st[i] == 0 && dY->shape[i] != 1) {
			red[nred++] = i;
			per *= dY->shape[i];
		}
	}
	DH_OMP_FOR(ctx, n)
	for (int64_t j = 0; j < nt; j++) {
		/* the first output position that reads T[j] */
		int64_t rem = j, base = 0;
		for (int i = nd - 1; i >= 0; i--) {
			if (st[i] == 0)
				continue;
			int64_t idx = rem % dY->shape[i];
			rem /= dY->shape[i];
			base += idx * so[i];
		}
		double acc = 0.0;
		for (int64_t r = 0; r < per; r++) {
			int64_t o = base, q = r;
			for (int k = 0; k < nred; k++) {
				int d = red[k];
				o += (q % dY->shape[d]) * so[d];
				q /= dY->shape[d];
			}
			double v[MAX_IN];
			ew_values(w, dY, o, v);
			acc += dy[o] * partial(w->op, which, v, w->n);
		}
		dt[j] = (float)acc;
	}
}

static inline __attribute__((always_inline)) dh_status
ew_backward(dh_op_type op, const dh_op_ctx *ctx, int nin,
			     const dh_tensor *const *in, const dh_tensor *dY,
			     dh_tensor *const *din)
{
	ew w;
	ew_init(&w, op, nin, in, dY);
	for (int i = 0; i < nin; i++)
		if (din[i])
			ew_grad(&w, i, ctx, in[i], dY, din[i]);
	return DH_OK;
}

#define ELEMENTWISE(name, OP)                                                \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		return ew_forward(OP, ctx, nin, in, out[0]);                 \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		return ew_backward(OP, ctx, nin, in, dout[0], din);          \
	}

/* Add, with a Relu folded in when the graph's planner found one reading
 * its output alone (relu_after, for inputs of the output's shape only:
 * residual sums then Relu): max(a + b, 0), and both gradients masked
 * where that is 0. */
dh_status dh_cpu_add_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			     int nin, const dh_tensor *const *in, int nout,
			     dh_tensor *const *out, dh_err *e)
{
	if (!a->relu_after)
		return ew_forward(DH_OP_ADD, ctx, nin, in, out[0]);
	const float *p0 = dh_tensor_f32(in[0]), *p1 = dh_tensor_f32(in[1]);
	float *y = dh_tensor_f32(out[0]);
	int64_t n = dh_tensor_numel(out[0]);
	DH_OMP_FOR_SIMD(ctx, n)
	for (int64_t o = 0; o < n; o++) {
		float v = p0[o] + p1[o];
		y[o] = v > 0.0f ? v : 0.0f;
	}
	return DH_OK;
}

dh_status dh_cpu_add_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			      int nin, const dh_tensor *const *in, int nout,
			      const dh_tensor *const *out,
			      const dh_tensor *const *dout,
			      dh_tensor *const *din, dh_err *e)
{
	if (!a->relu_after)
		return ew_backward(DH_OP_ADD, ctx, nin, in, dout[0], din);
	const float *y = dh_tensor_f32(out[0]), *dy = dh_tensor_f32(dout[0]);
	int64_t n = dh_tensor_numel(out[0]);
	for (int i = 0; i < nin; i++) {
		if (!din[i])
			continue;
		float *dt = dh_tensor_f32(din[i]);
		DH_OMP_FOR_SIMD(ctx, n)
		for (int64_t o = 0; o < n; o++)
			dt[o] = dh_cpu_relu_grad(y[o], dy[o]);
	}
	return DH_OK;
}

ELEMENTWISE(sub, DH_OP_SUB)
ELEMENTWISE(mul, DH_OP_MUL)
ELEMENTWISE(div, DH_OP_DIV)
ELEMENTWISE(pow, DH_OP_POW)
ELEMENTWISE(prelu, DH_OP_PRELU)
ELEMENTWISE(sum, DH_OP_SUM)
ELEMENTWISE(mean, DH_OP_MEAN)
ELEMENTWISE(max, DH_OP_MAX)
ELEMENTWISE(min, DH_OP_MIN)
/* Expand is the one-input Sum, broadcast to the shape it is given */
ELEMENTWISE(expand, DH_OP_SUM)
