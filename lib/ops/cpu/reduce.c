/* reduce.c - ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceL2 over any
 * set of axes (keepdims either way), forward and backward.
 *
 * Each output element owns the input positions it reduces: one thread
 * sums them in a fixed order, and in the backward pass the same thread
 * writes their gradients, so nothing is shared between threads.  Max and
 * Min send the gradient to the first extremum in row-major order. */
#include "config.h"

#include <math.h>

#include "ops/cpu/cpu.h"

typedef struct reduce_map {
	int nd;
	int64_t shape[DH_MAX_DIMS];  /* X's shape */
	int64_t stride[DH_MAX_DIMS]; /* X's strides */
	int red[DH_MAX_DIMS];        /* reduced axes, in order */
	int nred;
	int keep[DH_MAX_DIMS];       /* kept axes, in order */
	int nkeep;
	int64_t count;               /* positions per output element */
} reduce_map;

static void reduce_map_init(const dh_op_attrs *a, const dh_tensor *x,
			    reduce_map *m)
{
	int mask[DH_MAX_DIMS] = {0};
	for (int i = 0; i < a->naxes; i++)
		mask[a->axes[i] < 0 ? a->axes[i] + x->ndim : a->axes[i]] = 1;
	m->nd = x->ndim;
	m->nred = m->nkeep = 0;
	m->count = 1;
	int64_t s = 1;
	for (int i = x->ndim - 1; i >= 0; i--) {
		m->shape[i] = x->shape[i];
		m->stride[i] = s;
		s *= x->shape[i];
	}
	for (int i = 0; i < x->ndim; i++) {
		int r = a->naxes ? mask[i] : !a->noop_with_empty_axes;
		if (r) {
			m->red[m->nred++] = i;
			m->count *= x->shape[i];
		} else {
			m->keep[m->nkeep++] = i;
		}
	}
}

/* X offset of the first position of output element j. */
static int64_t reduce_base(const reduce_map *m, int64_t j)
{
	int64_t off = 0;
	for (int k = m->nkeep - 1; k >= 0; k--) {
		int d = m->keep[k];
		off += (j % m->shape[d]) * m->stride[d];
		j /= m->shape[d];
	}
	return off;
}

/* X offset of the r-th reduced position from base. */
static int64_t reduce_at(const reduce_map *m, int64_t base, int64_t r)
{
	for (int k = m->nred - 1; k >= 0; k--) {
		int d = m->red[k];
		base += (r % m->shape[d]) * m->stride[d];
		r /= m->shape[d];
	}
	return base;
}

/* Offset of the first extremum (max if sign > 0) of output j. */
static int64_t reduce_arg(const reduce_map *m, const float *x, int64_t base,
			  int sign)
{
	int64_t best = reduce_at(m, base, 0);
	for (int64_t r = 1; r < m->count && !isnan(x[best]); r++) {
		int64_t o = reduce_at(m, base, r);
		if (isnan(x[o]) || (sign > 0 ? x[o] > x[best] : x[o] < x[best]))
			best = o;
	}
	return best;
}

static void reduce_forward(dh_op_type op, const dh_op_ctx *ctx,
			   const dh_op_attrs *a, const dh_tensor *X,
			   dh_tensor *Y)
{
	reduce_map m;
	reduce_map_init(a, X, &m);
	const float *x = dh_tensor_f32(X);
	float *y = dh_tensor_f32(Y);
	int64_t n = dh_tensor_numel(Y);
	DH_OMP_FOR(ctx, n * m.count)
	for (int64_t j = 0; j < n; j++) {
		int64_t base = reduce_base(&m, j);
		if (op == DH_OP_REDUCEMAX || op == DH_OP_REDUCEMIN) {
			y[j] = x[reduce_arg(&m, x, base,
					    op == DH_OP_REDUCEMAX ? 1 : -1)];
			continue;
		}
		double acc = 0.0;
		for (int64_t r = 0; r < m.count; r++) {
			double v = x[reduce_at(&m, base, r)];
			acc += op == DH_OP_REDUCEL2 ? v * v : v;
		}
		if (op == DH_OP_REDUCEMEAN)
			acc = m.count ? acc / (double)m.count : NAN;
		else if (op == DH_OP_REDUCEL2)
			acc = sqrt(acc);
		y[j] = (float)acc;
	}
}

static void reduce_backward(dh_op_type op, const dh_op_ctx *ctx,
			    const dh_op_attrs *a, const dh_tensor *X,
			    const dh_tensor *Y, const dh_tensor *dY,
			    dh_tensor *dX)
{
	if (!dX)
		return;
	reduce_map m;
	reduce_map_init(a, X, &m);
	const float *x = dh_tensor_f32(X), *y = dh_tensor_f32(Y);
	const float *dy = dh_tensor_f32(dY);
	float *dx = dh_tensor_f32(dX);
	int64_t n = dh_tensor_numel(Y);
	DH_OMP_FOR(ctx, n * m.count)
	for (int64_t j = 0; j < n; j++) {
		int64_t base = reduce_base(&m, j);
		int64_t arg = -1;
		if (op == DH_OP_REDUCEMAX || op == DH_OP_REDUCEMIN)
			arg = reduce_arg(&m, x, base,
					 op == DH_OP_REDUCEMAX ? 1 : -1);
		for (int64_t r = 0; r < m.count; r++) {
			int64_t o = reduce_at(&m, base, r);
			float g;
			switch (op) {
			case DH_OP_REDUCESUM: g = dy[j]; break;
			case DH_OP_REDUCEMEAN:
				g = dy[j] / (float)m.count;
				break;
			case DH_OP_REDUCEL2:
				/* the norm has no derivative at 0: use 0 */
				g = y[j] > 0.0f ? dy[j] * x[o] / y[j] : 0.0f;
				break;
			default: g = o == arg ? dy[j] : 0.0f; break;
			}
			dx[o] = g;
		}
	}
}

#define REDUCE(name, OP)                                                     \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		reduce_forward(OP, ctx, a, in[0], out[0]);                   \
		return DH_OK;                                                \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		reduce_backward(OP, ctx, a, in[0], out[0], dout[0], din[0]); \
		return DH_OK;                                                \
	}

REDUCE(reducesum, DH_OP_REDUCESUM)
REDUCE(reducemean, DH_OP_REDUCEMEAN)
REDUCE(reducemax, DH_OP_REDUCEMAX)
REDUCE(reducemin, DH_OP_REDUCEMIN)
REDUCE(reducel2, DH_OP_REDUCEL2)
