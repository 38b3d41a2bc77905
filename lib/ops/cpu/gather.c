/* gather.c - Gather (an embedding lookup when axis is 0) and Tile, forward
 * and backward.
 *
 * Gather sees data as [outer, n, inner] around the axis and the output as
 * [outer, k, inner] for k indices.  Its backward adds dY rows back into the
 * rows the indices picked; repeated indices add up, each (outer, inner)
 * column summed by one thread in index order. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"

typedef struct gather_dims {
	int64_t outer, n, inner, k;
} gather_dims;

static gather_dims gather_dims_of(const dh_op_attrs *a, const dh_tensor *d,
				  const dh_tensor *idx)
{
	int64_t ax = a->axis < 0 ? a->axis + d->ndim : a->axis;
	gather_dims g = {1, d->shape[ax], 1, dh_tensor_numel(idx)};
	for (int i = 0; i < d->ndim; i++) {
		if (i < ax)
			g.outer *= d->shape[i];
		else if (i > ax)
			g.inner *= d->shape[i];
	}
	return g;
}

/* Read and check the indices (negative ones count from the end) into a
 * workspace array. */
static dh_status gather_indices(const dh_op_ctx *ctx, const dh_tensor *idx,
				int64_t n, int64_t **out, dh_err *e)
{
	int64_t k = dh_tensor_numel(idx);
	if (!ctx->ws)
		return dh_op_fail(e, DH_EINVAL, DH_OP_GATHER, ctx->node,
				  "needs a workspace");
	int64_t *p = dh_workspace_get(ctx->ws,
				      (size_t)(k ? k : 1) * sizeof(int64_t), e);
	if (!p)
		return e ? e->status : DH_ENOMEM;
	for (int64_t i = 0; i < k; i++) {
		int64_t v = (int64_t)dh_dtype_get(idx->dtype, idx->data,
						   (size_t)i);
		if (v < -n || v >= n)
			return dh_op_fail(e, DH_ERANGE, DH_OP_GATHER, ctx->node,
					  "index %lld at position %lld is "
					  "outside [-%lld, %lld)",
					  (long long)v, (long long)i,
					  (long long)n, (long long)n);
		p[i] = v < 0 ? v + n : v;
	}
	*out = p;
	return DH_OK;
}

dh_status dh_cpu_gather_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				dh_tensor *const *out, dh_err *e)
{
	gather_dims g = gather_dims_of(a, in[0], in[1]);
	int64_t *idx;
	dh_status st = gather_indices(ctx, in[1], g.n, &idx, e);
	if (st)
		return st;
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	DH_OMP_FOR(ctx, g.outer * g.k * g.inner)
	for (int64_t r = 0; r < g.outer * g.k; r++) {
		int64_t o = r / g.k, i = r % g.k;
		memcpy(y + r * g.inner, x + (o * g.n + idx[i]) * g.inner,
		       (size_t)g.inner * sizeof(float));
	}
	return DH_OK;
}

dh_status dh_cpu_gather_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 const dh_tensor *const *out,
				 const dh_tensor *const *dout,
				 dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	gather_dims g = gather_dims_of(a, in[0], in[1]);
	int64_t *idx;
	dh_status st = gather_indices(ctx, in[1], g.n, &idx, e);
	if (st)
		return st;
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	memset(dx, 0, dh_tensor_nbytes(din[0]));
	DH_OMP_FOR(ctx, g.outer * g.k * g.inner)
	for (int64_t c = 0; c < g.outer * g.inner; c++) {
		int64_t o = c / g.inner, j = c % g.inner;
		for (int64_t i = 0; i < g.k; i++)
			dx[(o * g.n + idx[i]) * g.inner + j] +=
				dy[(o * g.k + i) * g.inner + j];
	}
	return DH_OK;
}

/* X offset read by Tile's output element o. */
static int64_t tile_source(const dh_tensor *x, const dh_tensor *y, int64_t o)
{
	int64_t off = 0, mul = 1;
	for (int i = y->ndim - 1; i >= 0; i--) {
		off += (o % y->shape[i]) % x->shape[i] * mul;
		o /= y->shape[i];
		mul *= x->shape[i];
	}
	return off;
}

dh_status dh_cpu_tile_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			      int nin, const dh_tensor *const *in, int nout,
			      dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t n = dh_tensor_numel(out[0]);
	DH_OMP_FOR(ctx, n * 4)
	for (int64_t o = 0; o < n; o++)
		y[o] = x[tile_source(in[0], out[0], o)];
	return DH_OK;
}

dh_status dh_cpu_tile_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       int nin, const dh_tensor *const *in, int nout,
			       const dh_tensor *const *out,
			       const dh_tensor *const *dout,
			       dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	const dh_tensor *X = in[0], *Y = out[0];
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t nx = dh_tensor_numel(X), copies = 1;
	for (int i = 0; i < X->ndim; i++)
		copies *= a->repeats[i];
	/* each X element sums its copies, in tile order */
	DH_OMP_FOR(ctx, nx * copies)
	for (int64_t j = 0; j < nx; j++) {
		int64_t idx[DH_MAX_DIMS], q = j;
		for (int i = X->ndim - 1; i >= 0; i--) {
			idx[i] = q % X->shape[i];
			q /= X->shape[i];
		}
		double acc = 0.0;
		for (int64_t c = 0; c < copies; c++) {
			int64_t r = c, o = 0, mul = 1;
			for (int i = X->ndim - 1; i >= 0; i--) {
				int64_t t = r % a->repeats[i];
				r /= a->repeats[i];
				o += (t * X->shape[i] + idx[i]) * mul;
				mul *= Y->shape[i];
			}
			acc += dy[o];
		}
		dx[j] = (float)acc;
	}
	return DH_OK;
}
