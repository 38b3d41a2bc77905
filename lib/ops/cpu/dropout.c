/* dropout.c - Dropout (ONNX opset 13), forward and backward.
 *
 * Training: mask = (u >= ratio) for u uniform in [0, 1), output =
 * x * mask / (1 - ratio).  The draws come from ctx->rng split into child
 * streams per block of elements, so the mask is the same whatever the thread
 * count; the parent stream then advances once, so the next call draws a new
 * mask.  Inference (or ratio 0): output = x and the mask is all true.
 * Backward needs the mask output. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"

#define DROPOUT_BLOCK 4096

static int dropout_active(const dh_op_attrs *a)
{
	return a->training_mode && a->ratio > 0.0f;
}

dh_status dh_cpu_dropout_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	uint8_t *mask = nout > 1 ? (uint8_t *)out[1]->data : NULL;
	int64_t n = dh_tensor_numel(in[0]);
	if (!dropout_active(a)) {
		memcpy(y, x, (size_t)n * sizeof(float));
		if (mask)
			memset(mask, 1, (size_t)n);
		return DH_OK;
	}
	if (!ctx->rng)
		return dh_op_fail(e, DH_EINVAL, DH_OP_DROPOUT, ctx->node,
				  "training needs a random stream");
	float ratio = a->ratio, keep = 1.0f / (1.0f - ratio);
	int64_t blocks = (n + DROPOUT_BLOCK - 1) / DROPOUT_BLOCK;
	const dh_rng *parent = ctx->rng;
	DH_OMP_FOR(ctx, n * 8)
	for (int64_t b = 0; b < blocks; b++) {
		dh_rng r;
		dh_rng_split(&r, parent, (uint64_t)b);
		int64_t end = (b + 1) * DROPOUT_BLOCK < n ? (b + 1) * DROPOUT_BLOCK
							  : n;
		for (int64_t i = b * DROPOUT_BLOCK; i < end; i++) {
			int k = dh_rng_float(&r) >= ratio;
			y[i] = k ? x[i] * keep : 0.0f;
			if (mask)
				mask[i] = (uint8_t)k;
		}
	}
	dh_rng_u64(ctx->rng);
	return DH_OK;
}

dh_status dh_cpu_dropout_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				  int nin, const dh_tensor *const *in, int nout,
				  const dh_tensor *const *out,
				  const dh_tensor *const *dout,
				  dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t n = dh_tensor_numel(in[0]);
	if (!dropout_active(a)) {
		memcpy(dx, dy, (size_t)n * sizeof(float));
		return DH_OK;
	}
	if (nout < 2)
		return dh_op_fail(e, DH_EINVAL, DH_OP_DROPOUT, ctx->node,
				  "backward in training needs the mask output");
	const uint8_t *mask = (const uint8_t *)out[1]->data;
	float keep = 1.0f / (1.0f - a->ratio);
	DH_OMP_FOR(ctx, n)
	for (int64_t i = 0; i < n; i++)
		dx[i] = mask[i] ? dy[i] * keep : 0.0f;
	return DH_OK;
}
