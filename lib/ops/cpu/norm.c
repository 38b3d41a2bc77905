/* norm.c - BatchNormalization (ONNX opset 15), forward and backward.
 *
 * Inputs X [N, C, ...], scale, B, input_mean, input_var [C].  Inference
 * (training_mode = 0) normalises with input_mean and input_var.  Training
 * normalises with the batch's mean and biased variance and, when the
 * running_mean and running_var outputs are present, writes
 *   running = input * momentum + batch * (1 - momentum)
 * as ONNX specifies.  Backward recomputes the batch statistics from X
 * instead of keeping them, so the op holds no state between passes.  One
 * thread per channel; sums in double. */
#include "config.h"

#include <math.h>

#include "ops/cpu/cpu.h"

typedef struct bn_dims {
	int64_t n, c, hw; /* samples, channels, spatial size */
} bn_dims;

static bn_dims bn_dims_of(const dh_tensor *x)
{
	bn_dims d = {x->shape[0], x->shape[1], 1};
	for (int i = 2; i < x->ndim; i++)
		d.hw *= x->shape[i];
	return d;
}

/* Mean and biased variance of channel ch (two passes, for accuracy). */
static void channel_stats(const float *x, bn_dims d, int64_t ch, double *mean,
			  double *var)
{
	double s = 0.0, m = (double)(d.n * d.hw);
	for (int64_t i = 0; i < d.n; i++) {
		const float *p = x + (i * d.c + ch) * d.hw;
		for (int64_t j = 0; j < d.hw; j++)
			s += p[j];
	}
	double mu = m > 0 ? s / m : 0.0, q = 0.0;
	for (int64_t i = 0; i < d.n; i++) {
		const float *p = x + (i * d.c + ch) * d.hw;
		for (int64_t j = 0; j < d.hw; j++)
			q += (p[j] - mu) * (p[j] - mu);
	}
	*mean = mu;
	*var = m > 0 ? q / m : 0.0;
}

dh_status dh_cpu_batchnorm_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				   int nin, const dh_tensor *const *in,
				   int nout, dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]), *scale = dh_tensor_f32(in[1]);
	const float *bias = dh_tensor_f32(in[2]), *imean = dh_tensor_f32(in[3]);
	const float *ivar = dh_tensor_f32(in[4]);
	float *y = dh_tensor_f32(out[0]);
	float *rmean = nout > 1 ? dh_tensor_f32(out[1]) : NULL;
	float *rvar = nout > 2 ? dh_tensor_f32(out[2]) : NULL;
	bn_dims d = bn_dims_of(in[0]);
	if (a->training_mode && d.n * d.hw == 0)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_BATCHNORM, ctx->node,
				  "an empty batch has no statistics");
	double mom = a->momentum;
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t ch = 0; ch < d.c; ch++) {
		double mu, var;
		if (a->training_mode) {
			channel_stats(x, d, ch, &mu, &var);
			if (rmean)
				rmean[ch] = (float)(imean[ch] * mom +
						    mu * (1.0 - mom));
			if (rvar)
				rvar[ch] = (float)(ivar[ch] * mom +
						   var * (1.0 - mom));
		} else {
			mu = imean[ch];
			var = ivar[ch];
		}
		double k = scale[ch] / sqrt(var + a->epsilon);
		double b = bias[ch] - mu * k;
		for (int64_t i = 0; i < d.n; i++) {
			const float *p = x + (i * d.c + ch) * d.hw;
			float *q = y + (i * d.c + ch) * d.hw;
			for (int64_t j = 0; j < d.hw; j++)
				q[j] = (float)(p[j] * k + b);
		}
	}
	return DH_OK;
}

dh_status dh_cpu_batchnorm_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				    int nin, const dh_tensor *const *in,
				    int nout, const dh_tensor *const *out,
				    const dh_tensor *const *dout,
				    dh_tensor *const *din, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]), *scale = dh_tensor_f32(in[1]);
	const float *imean = dh_tensor_f32(in[3]), *ivar = dh_tensor_f32(in[4]);
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	float *dscale = din[1] ? dh_tensor_f32(din[1]) : NULL;
	float *dbias = din[2] ? dh_tensor_f32(din[2]) : NULL;
	/* input_mean and input_var are statistics, not parameters */
	if (din[3])
		dh_tensor_fill(din[3], 0.0);
	if (din[4])
		dh_tensor_fill(din[4], 0.0);
	bn_dims d = bn_dims_of(in[0]);
	double m = (double)(d.n * d.hw);
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t ch = 0; ch < d.c; ch++) {
		double mu, var;
		if (a->training_mode)
			channel_stats(x, d, ch, &mu, &var);
		else
			mu = imean[ch], var = ivar[ch];
		double inv = 1.0 / sqrt(var + a->epsilon);
		double sdy = 0.0, sdyx = 0.0;
		for (int64_t i = 0; i < d.n; i++) {
			const float *p = x + (i * d.c + ch) * d.hw;
			const float *g = dy + (i * d.c + ch) * d.hw;
			for (int64_t j = 0; j < d.hw; j++) {
				sdy += g[j];
				sdyx += g[j] * (p[j] - mu) * inv;
			}
		}
		if (dscale)
			dscale[ch] = (float)sdyx;
		if (dbias)
			dbias[ch] = (float)sdy;
		if (!dx)
			continue;
		double k = scale[ch] * inv;
		for (int64_t i = 0; i < d.n; i++) {
			const float *p = x + (i * d.c + ch) * d.hw;
			const float *g = dy + (i * d.c + ch) * d.hw;
			float *q = dx + (i * d.c + ch) * d.hw;
			for (int64_t j = 0; j < d.hw; j++) {
				if (!a->training_mode) {
					q[j] = (float)(g[j] * k);
					continue;
				}
				/* the batch statistics depend on x too */
				double xh = (p[j] - mu) * inv;
				q[j] = (float)(k * (g[j] - sdy / m -
						    xh * sdyx / m));
			}
		}
	}
	return DH_OK;
}
