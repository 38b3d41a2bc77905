/* layout.c - ops that rearrange elements: Transpose, Slice, Concat, Split,
 * Pad, forward and backward.  (Squeeze and Unsqueeze only rename the shape
 * and live in shape.c.)
 *
 * Transpose and Slice read X through strides: output element i comes from
 * X[base + sum_k idx_k * stride_k].  The mapping is one to one, so the
 * backward writes dY back through the same strides.  Concat and Split copy
 * contiguous blocks; Pad maps each output index to its source per axis. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/op_private.h"

/* Row-major strides of t in elements. */
static void strides_of(const dh_tensor *t, int64_t *st)
{
	int64_t s = 1;
	for (int i = t->ndim - 1; i >= 0; i--) {
		st[i] = s;
		s *= t->shape[i];
	}
}

/* For every index of the contiguous tensor `c` (shape cs, nd dims), the
 * strided position base + sum idx_k * st[k] of `s`.  to_c: c = s[...],
 * else s[...] = c.  Rows of the last axis are the parallel jobs. */
static void strided_move(const dh_op_ctx *ctx, int nd, const int64_t *cs,
			 float *c, float *s, int64_t base, const int64_t *st,
			 int to_c)
{
	int64_t n = 1;
	for (int i = 0; i < nd; i++)
		n *= cs[i];
	if (n == 0)
		return;
	int64_t cols = nd ? cs[nd - 1] : 1, rows = n / cols;
	int64_t cst = nd ? st[nd - 1] : 0;
	DH_OMP_FOR(ctx, n)
	for (int64_t r = 0; r < rows; r++) {
		int64_t off = base, q = r;
		for (int i = nd - 2; i >= 0; i--) {
			off += (q % cs[i]) * st[i];
			q /= cs[i];
		}
		float *cr = c + r * cols;
		if (to_c)
			for (int64_t j = 0; j < cols; j++)
				cr[j] = s[off + j * cst];
		else
			for (int64_t j = 0; j < cols; j++)
				s[off + j * cst] = cr[j];
	}
}

/* ---- Transpose ------------------------------------------------------------ */

static dh_status transpose_map(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       const dh_tensor *x, int64_t *st, dh_err *e)
{
	int64_t perm[DH_MAX_DIMS], xs[DH_MAX_DIMS];
	dh_status s = dh_op_transpose_perm(a, ctx->node, x->ndim, perm, e);
	if (s)
		return s;
	strides_of(x, xs);
	for (int i = 0; i < x->ndim; i++)
		st[i] = xs[perm[i]];
	return DH_OK;
}

dh_status dh_cpu_transpose_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				   int nin, const dh_tensor *const *in,
				   int nout, dh_tensor *const *out, dh_err *e)
{
	int64_t st[DH_MAX_DIMS];
	dh_status s = transpose_map(ctx, a, in[0], st, e);
	if (s)
		return s;
	strided_move(ctx, out[0]->ndim, out[0]->shape, dh_tensor_f32(out[0]),
		     dh_tensor_f32(in[0]), 0, st, 1);
	return DH_OK;
}

dh_status dh_cpu_transpose_backward(const dh_op_ctx *ctx,
				    const dh_op_attrs *a, int nin,
				    const dh_tensor *const *in, int nout,
				    const dh_tensor *const *out,
				    const dh_tensor *const *dout,
				    dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	int64_t st[DH_MAX_DIMS];
	dh_status s = transpose_map(ctx, a, in[0], st, e);
	if (s)
		return s;
	strided_move(ctx, out[0]->ndim, out[0]->shape, dh_tensor_f32(dout[0]),
		     dh_tensor_f32(din[0]), 0, st, 0);
	return DH_OK;
}

/* ---- Slice ---------------------------------------------------------------- */

static dh_status slice_map(const dh_op_ctx *ctx, const dh_op_attrs *a,
			   const dh_tensor *x, int64_t *base, int64_t *st,
			   dh_err *e)
{
	int64_t b[DH_MAX_DIMS], s[DH_MAX_DIMS], c[DH_MAX_DIMS],
		xs[DH_MAX_DIMS];
	dh_shape sx;
	dh_shape_of(&sx, x);
	dh_status r = dh_op_slice_resolve(a, ctx->node, &sx, b, s, c, e);
	if (r)
		return r;
	strides_of(x, xs);
	*base = 0;
	for (int i = 0; i < x->ndim; i++) {
		*base += b[i] * xs[i];
		st[i] = s[i] * xs[i];
	}
	return DH_OK;
}

dh_status dh_cpu_slice_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       int nin, const dh_tensor *const *in, int nout,
			       dh_tensor *const *out, dh_err *e)
{
	int64_t base, st[DH_MAX_DIMS];
	dh_status s = slice_map(ctx, a, in[0], &base, st, e);
	if (s)
		return s;
	strided_move(ctx, out[0]->ndim, out[0]->shape, dh_tensor_f32(out[0]),
		     dh_tensor_f32(in[0]), base, st, 1);
	return DH_OK;
}

dh_status dh_cpu_slice_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				const dh_tensor *const *out,
				const dh_tensor *const *dout,
				dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	int64_t base, st[DH_MAX_DIMS];
	dh_status s = slice_map(ctx, a, in[0], &base, st, e);
	if (s)
		return s;
	memset(din[0]->data, 0, dh_tensor_nbytes(din[0]));
	strided_move(ctx, out[0]->ndim, out[0]->shape, dh_tensor_f32(dout[0]),
		     dh_tensor_f32(din[0]), base, st, 0);
	return DH_OK;
}

/* ---- Concat and Split ------------------------------------------------------
 * Around the axis the big tensor is [outer, total * inner]; part k is
 * [outer, d_k * inner] at column offset (sum of earlier d) * inner. */

static void blocks(const dh_tensor *big, int64_t axis, int64_t *outer,
		   int64_t *inner)
{
	if (axis < 0)
		axis += big->ndim;
	*outer = *inner = 1;
	for (int i = 0; i < big->ndim; i++) {
		if (i < axis)
			*outer *= big->shape[i];
		else if (i > axis)
			*inner *= big->shape[i];
	}
}

/* to_big: copy the parts into big, else big into the parts. */
static void move_parts(const dh_op_ctx *ctx, int64_t axis, dh_tensor *big,
		       int n, const dh_tensor *const *parts, int to_big)
{
	int64_t outer, inner, ax = axis < 0 ? axis + big->ndim : axis;
	blocks(big, axis, &outer, &inner);
	int64_t row = big->shape[ax] * inner;
	float *b = dh_tensor_f32(big);
	int64_t off = 0;
	for (int k = 0; k < n; k++) {
		int64_t w = parts[k]->shape[ax] * inner;
		float *p = dh_tensor_f32(parts[k]);
		DH_OMP_FOR(ctx, outer * w)
		for (int64_t o = 0; o < outer; o++) {
			if (to_big)
				memcpy(b + o * row + off, p + o * w,
				       (size_t)w * sizeof(float));
			else
				memcpy(p + o * w, b + o * row + off,
				       (size_t)w * sizeof(float));
		}
		off += w;
	}
}

dh_status dh_cpu_concat_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				dh_tensor *const *out, dh_err *e)
{
	move_parts(ctx, a->axis, out[0], nin, in, 1);
	return DH_OK;
}

dh_status dh_cpu_concat_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 const dh_tensor *const *out,
				 const dh_tensor *const *dout,
				 dh_tensor *const *din, dh_err *e)
{
	/* inputs whose gradient is not wanted are skipped but keep their
	 * place along the axis */
	int64_t outer, inner, ax = a->axis < 0 ? a->axis + out[0]->ndim
					       : a->axis;
	blocks(out[0], a->axis, &outer, &inner);
	int64_t row = out[0]->shape[ax] * inner, off = 0;
	const float *g = dh_tensor_f32(dout[0]);
	for (int k = 0; k < nin; k++) {
		int64_t w = in[k]->shape[ax] * inner;
		if (din[k]) {
			float *p = dh_tensor_f32(din[k]);
			DH_OMP_FOR(ctx, outer * w)
			for (int64_t o = 0; o < outer; o++)
				memcpy(p + o * w, g + o * row + off,
				       (size_t)w * sizeof(float));
		}
		off += w;
	}
	return DH_OK;
}

dh_status dh_cpu_split_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       int nin, const dh_tensor *const *in, int nout,
			       dh_tensor *const *out, dh_err *e)
{
	move_parts(ctx, a->axis, (dh_tensor *)in[0], nout,
		   (const dh_tensor *const *)out, 0);
	return DH_OK;
}

dh_status dh_cpu_split_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				const dh_tensor *const *out,
				const dh_tensor *const *dout,
				dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	int64_t outer, inner, ax = a->axis < 0 ? a->axis + in[0]->ndim
					       : a->axis;
	blocks(in[0], a->axis, &outer, &inner);
	int64_t row = in[0]->shape[ax] * inner, off = 0;
	float *g = dh_tensor_f32(din[0]);
	for (int k = 0; k < nout; k++) {
		int64_t w = out[k]->shape[ax] * inner;
		const float *p = dout[k] ? dh_tensor_f32(dout[k]) : NULL;
		DH_OMP_FOR(ctx, outer * w)
		for (int64_t o = 0; o < outer; o++) {
			if (p)
				memcpy(g + o * row + off, p + o * w,
				       (size_t)w * sizeof(float));
			else /* an output nobody used: no gradient */
				memset(g + o * row + off, 0,
				       (size_t)w * sizeof(float));
		}
		off += w;
	}
	return DH_OK;
}

/* ---- Pad ------------------------------------------------------------------ */

/* Source index along one axis of output index o, or -1 for the constant. */
static int64_t pad_source(dh_pad_mode m, int64_t o, int64_t pb, int64_t n)
{
	int64_t i = o - pb;
	if (i >= 0 && i < n)
		return i;
	switch (m) {
	case DH_PADMODE_EDGE:
		return i < 0 ? 0 : n - 1;
	case DH_PADMODE_REFLECT:
		/* dh_op_infer checked that one reflection suffices */
		return i < 0 ? -i : 2 * (n - 1) - i;
	default:
		return -1;
	}
}

/* X offset of output element (flat index) o, or -1 for constant padding. */
static int64_t pad_offset(const dh_op_attrs *a, const dh_tensor *x,
			  const dh_tensor *y, int64_t o)
{
	int64_t off = 0, mul = 1;
	for (int i = y->ndim - 1; i >= 0; i--) {
		int64_t idx = o % y->shape[i];
		o /= y->shape[i];
		int64_t s = pad_source(a->pad_mode, idx, a->pad_amounts[i],
				       x->shape[i]);
		if (s < 0)
			return -1;
		off += s * mul;
		mul *= x->shape[i];
	}
	return off;
}

dh_status dh_cpu_pad_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			     int nin, const dh_tensor *const *in, int nout,
			     dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t n = dh_tensor_numel(out[0]);
	DH_OMP_FOR(ctx, n * 4)
	for (int64_t o = 0; o < n; o++) {
		int64_t s = pad_offset(a, in[0], out[0], o);
		y[o] = s < 0 ? a->pad_value : x[s];
	}
	return DH_OK;
}

dh_status dh_cpu_pad_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			      int nin, const dh_tensor *const *in, int nout,
			      const dh_tensor *const *out,
			      const dh_tensor *const *dout,
			      dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t n = dh_tensor_numel(out[0]);
	memset(dx, 0, dh_tensor_nbytes(din[0]));
	/* edge and reflect send several outputs to one input: one pass in
	 * output order keeps the sums deterministic */
	for (int64_t o = 0; o < n; o++) {
		int64_t s = pad_offset(a, in[0], out[0], o);
		if (s >= 0)
			dx[s] += dy[o];
	}
	return DH_OK;
}
