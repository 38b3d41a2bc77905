/* elementwise.c - Add, Sub, Mul, Div with NumPy broadcasting, forward and
 * backward.
 *
 * Each operand gets strides over the output's dimensions, zero where it is
 * broadcast.  Forward walks output rows.  Backward reduces dY over the
 * broadcast dimensions: each element of an input's gradient is summed by
 * one thread over its own set of output positions, in a fixed order, so the
 * result is the same whatever the thread count. */
#include "config.h"

#include "ops/cpu/cpu.h"

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

static float apply(dh_op_type op, float x, float y)
{
	switch (op) {
	case DH_OP_ADD: return x + y;
	case DH_OP_SUB: return x - y;
	case DH_OP_MUL: return x * y;
	default: return x / y;
	}
}

/* d(x op y)/dx (which == 0) or /dy (which == 1). */
static double partial(dh_op_type op, int which, double x, double y)
{
	switch (op) {
	case DH_OP_ADD: return 1.0;
	case DH_OP_SUB: return which ? -1.0 : 1.0;
	case DH_OP_MUL: return which ? x : y;
	default: return which ? -x / (y * y) : 1.0 / y;
	}
}

static dh_status binary_forward(dh_op_type op, const dh_op_ctx *ctx,
				const dh_tensor *A, const dh_tensor *B,
				dh_tensor *Y)
{
	const float *a = dh_tensor_f32(A), *b = dh_tensor_f32(B);
	float *y = dh_tensor_f32(Y);
	int64_t n = dh_tensor_numel(Y);
	if (dh_tensor_numel(A) == n && dh_tensor_numel(B) == n) {
		DH_OMP_FOR(ctx, n)
		for (int64_t i = 0; i < n; i++)
			y[i] = apply(op, a[i], b[i]);
		return DH_OK;
	}
	int64_t sa[DH_MAX_DIMS], sb[DH_MAX_DIMS];
	bcast_strides(A, Y, sa);
	bcast_strides(B, Y, sb);
	int last = Y->ndim - 1;
	int64_t cols = last >= 0 ? Y->shape[last] : 1;
	int64_t rows = cols ? n / cols : 0;
	int64_t ca = last >= 0 ? sa[last] : 0, cb = last >= 0 ? sb[last] : 0;
	DH_OMP_FOR(ctx, n)
	for (int64_t r = 0; r < rows; r++) {
		int64_t oa = offset_of(Y, sa, r * cols);
		int64_t ob = offset_of(Y, sb, r * cols);
		float *yr = y + r * cols;
		for (int64_t j = 0; j < cols; j++)
			yr[j] = apply(op, a[oa + j * ca], b[ob + j * cb]);
	}
	return DH_OK;
}

/* The gradient of operand `which` (T, shape of in[which]). */
static void binary_grad(dh_op_type op, int which, const dh_op_ctx *ctx,
			const dh_tensor *A, const dh_tensor *B,
			const dh_tensor *dY, dh_tensor *dT)
{
	const float *a = dh_tensor_f32(A), *b = dh_tensor_f32(B);
	const float *dy = dh_tensor_f32(dY);
	float *dt = dh_tensor_f32(dT);
	const dh_tensor *T = which ? B : A;
	int64_t n = dh_tensor_numel(dY), nt = dh_tensor_numel(T);
	if (nt == n && dh_tensor_numel(A) == n && dh_tensor_numel(B) == n) {
		DH_OMP_FOR(ctx, n)
		for (int64_t i = 0; i < n; i++)
			dt[i] = (float)(dy[i] * partial(op, which, a[i], b[i]));
		return;
	}
	int nd = dY->ndim;
	int64_t sa[DH_MAX_DIMS], sb[DH_MAX_DIMS], so[DH_MAX_DIMS];
	bcast_strides(A, dY, sa);
	bcast_strides(B, dY, sb);
	const int64_t *st = which ? sb : sa;
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
			acc += dy[o] * partial(op, which,
					       a[offset_of(dY, sa, o)],
					       b[offset_of(dY, sb, o)]);
		}
		dt[j] = (float)acc;
	}
}

static dh_status binary_backward(dh_op_type op, const dh_op_ctx *ctx,
				 const dh_tensor *const *in,
				 const dh_tensor *dY, dh_tensor *const *din)
{
	for (int w = 0; w < 2; w++)
		if (din[w])
			binary_grad(op, w, ctx, in[0], in[1], dY, din[w]);
	return DH_OK;
}

#define BINARY(name, OP)                                                     \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		return binary_forward(OP, ctx, in[0], in[1], out[0]);        \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		return binary_backward(OP, ctx, in, dout[0], din);           \
	}

BINARY(add, DH_OP_ADD)
BINARY(sub, DH_OP_SUB)
BINARY(mul, DH_OP_MUL)
BINARY(div, DH_OP_DIV)
