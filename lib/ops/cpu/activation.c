/* activation.c - elementwise unary ops (activations and math functions),
 * forward and backward.
 *
 * Each op is a pair: its value f(x) and its derivative given x and the
 * forward output y (several derivatives are cheapest from y).  The kernels
 * run one loop over contiguous memory, written out in each op's function
 * (UNARY below) where the op is a constant, so no loop switches on it. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ops/cpu/cpu.h"

#define SQRT_HALF 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_OVER_PI 0.79788456080286535588

static float sigmoidf(float x)
{
	/* never exponentiate a large positive number */
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	float z = expf(x);
	return z / (1.0f + z);
}

static inline __attribute__((always_inline)) float
unary_f(dh_op_type op, const dh_op_attrs *a, float x)
{
	switch (op) {
	case DH_OP_RELU: return x > 0.0f ? x : 0.0f;
	case DH_OP_LEAKYRELU: return x >= 0.0f ? x : a->alpha * x;
	case DH_OP_SIGMOID: return sigmoidf(x);
	case DH_OP_TANH: return tanhf(x);
	case DH_OP_ELU: return x > 0.0f ? x : a->alpha * expm1f(x);
	case DH_OP_SELU:
		return a->gamma * (x > 0.0f ? x : a->alpha * expm1f(x));
	case DH_OP_SOFTPLUS:
		return (x > 0.0f ? x : 0.0f) + log1pf(expf(-fabsf(x)));
	case DH_OP_SOFTSIGN: return x / (1.0f + fabsf(x));
	case DH_OP_HARDSIGMOID: {
		float v = a->alpha * x + a->beta;
		return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
	}
	case DH_OP_GELU:
		if (a->approximate_tanh) {
			double t = tanh(SQRT_2_OVER_PI *
					(x + 0.044715 * (double)x * x * x));
			return (float)(0.5 * x * (1.0 + t));
		}
		return (float)(0.5 * x * (1.0 + erf(x * SQRT_HALF)));
	case DH_OP_ABS: return fabsf(x);
	case DH_OP_NEG: return -x;
	case DH_OP_EXP: return expf(x);
	case DH_OP_LOG: return logf(x);
	case DH_OP_SQRT: return sqrtf(x);
	case DH_OP_RECIPROCAL: return 1.0f / x;
	case DH_OP_CLIP:
		return x < a->clip_min ? a->clip_min
		       : x > a->clip_max ? a->clip_max : x;
	case DH_OP_ERF: return erff(x);
	default: return x;
	}
}

/* dy/dx at x, where y = f(x). */
static inline __attribute__((always_inline)) float
unary_df(dh_op_type op, const dh_op_attrs *a, float x, float y)
{
	switch (op) {
	case DH_OP_RELU: return x > 0.0f ? 1.0f : 0.0f;
	case DH_OP_LEAKYRELU: return x >= 0.0f ? 1.0f : a->alpha;
	case DH_OP_SIGMOID: return y * (1.0f - y);
	case DH_OP_TANH: return 1.0f - y * y;
	case DH_OP_ELU: return x > 0.0f ? 1.0f : y + a->alpha;
	case DH_OP_SELU:
		return a->gamma * (x > 0.0f ? 1.0f : a->alpha * expf(x));
	case DH_OP_SOFTPLUS: return sigmoidf(x);
	case DH_OP_SOFTSIGN: {
		float d = 1.0f + fabsf(x);
		return 1.0f / (d * d);
	}
	case DH_OP_HARDSIGMOID: {
		float v = a->alpha * x + a->beta;
		return v > 0.0f && v < 1.0f ? a->alpha : 0.0f;
	}
	case DH_OP_GELU:
		if (a->approximate_tanh) {
			double xd = x, u = SQRT_2_OVER_PI *
					   (xd + 0.044715 * xd * xd * xd);
			double t = tanh(u);
			double du = SQRT_2_OVER_PI *
				    (1.0 + 3.0 * 0.044715 * xd * xd);
			return (float)(0.5 * (1.0 + t) +
				       0.5 * xd * (1.0 - t * t) * du);
		}
		return (float)(0.5 * (1.0 + erf(x * SQRT_HALF)) +
			       x * INV_SQRT_2PI * exp(-0.5 * x * x));
	case DH_OP_ABS: return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : 0.0f;
	case DH_OP_NEG: return -1.0f;
	case DH_OP_EXP: return y;
	case DH_OP_LOG: return 1.0f / x;
	case DH_OP_SQRT: return 0.5f / y;
	case DH_OP_RECIPROCAL: return -y * y;
	case DH_OP_CLIP:
		return x >= a->clip_min && x <= a->clip_max ? 1.0f : 0.0f;
	case DH_OP_ERF: /* 2 / sqrt(pi) exp(-x^2) */
		return (float)(1.12837916709551257390 * exp(-(double)x * x));
	default: return 1.0f;
	}
}

/* dL/dx from dL/dy = dy: dy * f'(x); Relu's as a bitwise choice
 * (dh_cpu_relu_grad: dy * 1 is dy, dy * 0 keeps the sign of zero and
 * NaN). */
static inline __attribute__((always_inline)) float
unary_grad(dh_op_type op, const dh_op_attrs *a, float x, float y, float dy)
{
	if (op == DH_OP_RELU)
		return dh_cpu_relu_grad(x, dy);
	return dy * unary_df(op, a, x, y);
}

/* The loops live in each op's own function, not in a shared inline
 * helper: OpenMP outlines a parallel loop before inlining, so a loop in a
 * helper would test the op for every element. */
#define UNARY(name, OP)                                                      \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		const float *x = dh_tensor_f32(in[0]);                       \
		float *y = dh_tensor_f32(out[0]);                            \
		int64_t n = dh_tensor_numel(in[0]);                          \
		DH_OMP_FOR_SIMD(ctx, n)                                      \
		for (int64_t i = 0; i < n; i++)                              \
			y[i] = unary_f(OP, a, x[i]);                         \
		return DH_OK;                                                \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		if (!din[0])                                                 \
			return DH_OK;                                        \
		const float *x = dh_tensor_f32(in[0]);                       \
		const float *y = dh_tensor_f32(out[0]);                      \
		const float *dy = dh_tensor_f32(dout[0]);                    \
		float *dx = dh_tensor_f32(din[0]);                           \
		int64_t n = dh_tensor_numel(in[0]);                          \
		DH_OMP_FOR_SIMD(ctx, n)                                      \
		for (int64_t i = 0; i < n; i++)                              \
			dx[i] = unary_grad(OP, a, x[i], y[i], dy[i]);        \
		return DH_OK;                                                \
	}

UNARY(relu, DH_OP_RELU)
UNARY(leakyrelu, DH_OP_LEAKYRELU)
UNARY(sigmoid, DH_OP_SIGMOID)
UNARY(tanh, DH_OP_TANH)
UNARY(elu, DH_OP_ELU)
UNARY(selu, DH_OP_SELU)
UNARY(softplus, DH_OP_SOFTPLUS)
UNARY(softsign, DH_OP_SOFTSIGN)
UNARY(hardsigmoid, DH_OP_HARDSIGMOID)
UNARY(gelu, DH_OP_GELU)
UNARY(abs, DH_OP_ABS)
UNARY(neg, DH_OP_NEG)
UNARY(exp, DH_OP_EXP)
UNARY(log, DH_OP_LOG)
UNARY(sqrt, DH_OP_SQRT)
UNARY(reciprocal, DH_OP_RECIPROCAL)
UNARY(clip, DH_OP_CLIP)
UNARY(erf, DH_OP_ERF)
