/* softmax.c - Softmax and LogSoftmax along one axis (ONNX opset 13), forward
 * and backward.
 *
 * The tensor is seen as [outer, n, inner] around the axis; each of the
 * outer * inner lines of n elements is one independent job.  The maximum is
 * subtracted before exponentiating, and sums run in double. */
#include "config.h"

#include <math.h>

#include "ops/cpu/cpu.h"

static void split_axis(const dh_tensor *t, int64_t axis, int64_t *outer,
		       int64_t *n, int64_t *inner)
{
	if (axis < 0)
		axis += t->ndim;
	*outer = *inner = 1;
	for (int i = 0; i < t->ndim; i++) {
		if (i < axis)
			*outer *= t->shape[i];
		else if (i > axis)
			*inner *= t->shape[i];
	}
	*n = t->shape[axis];
}

static void softmax_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			    const dh_tensor *X, dh_tensor *Y, int log_out)
{
	int64_t outer, n, inner;
	split_axis(X, a->axis, &outer, &n, &inner);
	const float *x = dh_tensor_f32(X);
	float *y = dh_tensor_f32(Y);
	DH_OMP_FOR(ctx, outer * n * inner)
	for (int64_t l = 0; l < outer * inner; l++) {
		int64_t base = (l / inner) * n * inner + l % inner;
		const float *xl = x + base;
		float *yl = y + base;
		float mx = -INFINITY;
		for (int64_t i = 0; i < n; i++)
			mx = xl[i * inner] > mx ? xl[i * inner] : mx;
		double sum = 0.0;
		for (int64_t i = 0; i < n; i++)
			sum += exp((double)xl[i * inner] - mx);
		if (log_out) {
			double ls = log(sum);
			for (int64_t i = 0; i < n; i++)
				yl[i * inner] =
					(float)((double)xl[i * inner] - mx - ls);
		} else {
			for (int64_t i = 0; i < n; i++)
				yl[i * inner] = (float)(
					exp((double)xl[i * inner] - mx) / sum);
		}
	}
}

/* Softmax: dx = y (dy - sum(dy y)).  LogSoftmax: dx = dy - exp(y) sum(dy). */
static void softmax_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			     const dh_tensor *Y, const dh_tensor *dY,
			     dh_tensor *dX, int log_out)
{
	int64_t outer, n, inner;
	split_axis(Y, a->axis, &outer, &n, &inner);
	const float *y = dh_tensor_f32(Y), *dy = dh_tensor_f32(dY);
	float *dx = dh_tensor_f32(dX);
	DH_OMP_FOR(ctx, outer * n * inner)
	for (int64_t l = 0; l < outer * inner; l++) {
		int64_t base = (l / inner) * n * inner + l % inner;
		const float *yl = y + base, *dyl = dy + base;
		float *dxl = dx + base;
		double s = 0.0;
		for (int64_t i = 0; i < n; i++)
			s += log_out ? (double)dyl[i * inner]
				     : (double)dyl[i * inner] * yl[i * inner];
		for (int64_t i = 0; i < n; i++) {
			int64_t k = i * inner;
			dxl[k] = log_out ? (float)(dyl[k] - exp(yl[k]) * s)
					 : (float)(yl[k] * (dyl[k] - s));
		}
	}
}

dh_status dh_cpu_softmax_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 dh_tensor *const *out, dh_err *e)
{
	softmax_forward(ctx, a, in[0], out[0], 0);
	return DH_OK;
}

dh_status dh_cpu_softmax_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				  int nin, const dh_tensor *const *in, int nout,
				  const dh_tensor *const *out,
				  const dh_tensor *const *dout,
				  dh_tensor *const *din, dh_err *e)
{
	if (din[0])
		softmax_backward(ctx, a, out[0], dout[0], din[0], 0);
	return DH_OK;
}

dh_status dh_cpu_logsoftmax_forward(const dh_op_ctx *ctx,
				    const dh_op_attrs *a, int nin,
				    const dh_tensor *const *in, int nout,
				    dh_tensor *const *out, dh_err *e)
{
	softmax_forward(ctx, a, in[0], out[0], 1);
	return DH_OK;
}

dh_status dh_cpu_logsoftmax_backward(const dh_op_ctx *ctx,
				     const dh_op_attrs *a, int nin,
				     const dh_tensor *const *in, int nout,
				     const dh_tensor *const *out,
				     const dh_tensor *const *dout,
				     dh_tensor *const *din, dh_err *e)
{
	if (din[0])
		softmax_backward(ctx, a, out[0], dout[0], din[0], 1);
	return DH_OK;
}
