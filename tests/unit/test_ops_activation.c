/* test_ops_activation.c - elementwise unary ops, Softmax and LogSoftmax:
 * forward against NumPy (tests/ref), backward against finite differences. */
#include "gradcheck.h"
#include "ref_ops.h"

typedef struct unary_case {
	dh_op_type op;
	const float *want;
	int positive; /* defined for x > 0 only: use pos_x */
	float alpha;  /* 0: ONNX default */
	int approx;
	float kinks[2];
	int nkinks;
} unary_case;

TEST(unary_ops_match_numpy_and_finite_differences)
{
	test_env t;
	env_init(&t, 2);
	const unary_case cases[] = {
		{DH_OP_RELU, relu_y, 0, 0, 0, {0}, 1},
		{DH_OP_LEAKYRELU, leakyrelu_y, 0, 0, 0, {0}, 1},
		{DH_OP_SIGMOID, sigmoid_y, 0, 0, 0, {0}, 0},
		{DH_OP_TANH, tanh_y, 0, 0, 0, {0}, 0},
		{DH_OP_ELU, elu_y, 0, 0.5f, 0, {0}, 1},
		{DH_OP_SELU, selu_y, 0, 0, 0, {0}, 1},
		{DH_OP_SOFTPLUS, softplus_y, 0, 0, 0, {0}, 0},
		{DH_OP_SOFTSIGN, softsign_y, 0, 0, 0, {0}, 1},
		{DH_OP_HARDSIGMOID, hardsigmoid_y, 0, 0, 0, {-2.5f, 2.5f}, 2},
		{DH_OP_GELU, gelu_y, 0, 0, 0, {0}, 0},
		{DH_OP_GELU, gelutanh_y, 0, 0, 1, {0}, 0},
		{DH_OP_ABS, abs_y, 0, 0, 0, {0}, 1},
		{DH_OP_NEG, neg_y, 0, 0, 0, {0}, 0},
		{DH_OP_EXP, exp_y, 0, 0, 0, {0}, 0},
		{DH_OP_ERF, erf_y, 0, 0, 0, {0}, 0},
		{DH_OP_LOG, log_y, 1, 0, 0, {0}, 0},
		{DH_OP_SQRT, sqrt_y, 1, 0, 0, {0}, 0},
		{DH_OP_RECIPROCAL, reciprocal_y, 1, 0, 0, {0}, 0},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const unary_case *u = &cases[c];
		dh_op_attrs a;
		dh_op_attrs_init(&a, u->op);
		if (u->alpha)
			a.alpha = u->alpha;
		a.approximate_tanh = u->approx;
		char what[64];
		snprintf(what, sizeof what, "%s%s", dh_op_name(u->op),
			 u->approx ? " (tanh)" : "");
		dh_tensor *x = u->positive ? T(pos_x) : T(unary_x), *out[1];
		if (run_forward(&t.ctx, u->op, &a, 1, &x, 1, out)) {
			CHECK_CLOSE(what, dh_tensor_f32(out[0]), u->want, 25,
				    1e-6, 2e-6);
			dh_tensor_free(out[0]);
		}
		/* gradients on random points away from kinks */
		int64_t s[3] = {3, 1, 7};
		dh_tensor *xr = t_new(3, s);
		if (u->positive)
			t_rand(xr, &t.rng, 0.3f, 3.0f);
		else
			t_rand_away(xr, &t.rng, -3, 3, u->kinks, u->nkinks,
				    0.05f);
		GC_OP(what, &t.ctx, u->op, &a, 1, &xr, 1, .eps = 5e-3);
		dh_tensor_free(x);
		dh_tensor_free(xr);
	}
	env_release(&t);
}

TEST(unary_ops_are_stable_at_extremes)
{
	test_env t;
	env_init(&t, 1);
	static const float xv[4] = {-200.0f, -90.0f, 90.0f, 200.0f};
	int64_t s[1] = {4};
	static const dh_op_type ops[] = {DH_OP_SIGMOID, DH_OP_SOFTPLUS,
					 DH_OP_TANH, DH_OP_GELU, DH_OP_ELU};
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		dh_op_attrs a;
		dh_op_attrs_init(&a, ops[k]);
		dh_tensor *x = t_from(1, s, xv), *out[1];
		if (run_forward(&t.ctx, ops[k], &a, 1, &x, 1, out)) {
			const float *y = dh_tensor_f32(out[0]);
			for (int i = 0; i < 4; i++)
				CHECK(isfinite(y[i]));
			dh_tensor_free(out[0]);
		}
		dh_tensor_free(x);
	}
	env_release(&t);
}

TEST(softmax_and_logsoftmax_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(softmax_x), *out[1];
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_SOFTMAX);
	a.axis = 1;
	if (run_forward(&t.ctx, DH_OP_SOFTMAX, &a, 1, &x, 1, out)) {
		CHECK_CLOSE("softmax axis 1", dh_tensor_f32(out[0]),
			    softmax1_y, NUMEL(softmax1_y), 1e-7, 1e-6);
		dh_tensor_free(out[0]);
	}
	GC_OP("softmax axis 1", &t.ctx, DH_OP_SOFTMAX, &a, 1, &x, 1,
	      .eps = 5e-3);
	dh_op_attrs_init(&a, DH_OP_LOGSOFTMAX);
	if (run_forward(&t.ctx, DH_OP_LOGSOFTMAX, &a, 1, &x, 1, out)) {
		CHECK_CLOSE("logsoftmax axis -1", dh_tensor_f32(out[0]),
			    logsoftmax_y, NUMEL(logsoftmax_y), 1e-6, 1e-6);
		dh_tensor_free(out[0]);
	}
	GC_OP("logsoftmax axis -1", &t.ctx, DH_OP_LOGSOFTMAX, &a, 1, &x, 1,
	      .eps = 5e-3);
	a.axis = 0;
	GC_OP("logsoftmax axis 0", &t.ctx, DH_OP_LOGSOFTMAX, &a, 1, &x, 1,
	      .eps = 5e-3);
	dh_tensor_free(x);
	/* large logits do not overflow; a size-1 axis gives 1 (log: 0) */
	static const float big[3] = {1000.0f, 999.0f, -1000.0f};
	int64_t s[2] = {1, 3}, s1[2] = {3, 1};
	x = t_from(2, s, big);
	dh_op_attrs_init(&a, DH_OP_SOFTMAX);
	if (run_forward(&t.ctx, DH_OP_SOFTMAX, &a, 1, &x, 1, out)) {
		CHECK_NEAR(dh_tensor_f32(out[0])[0], 0.7310585786, 1e-6);
		CHECK_NEAR(dh_tensor_f32(out[0])[2], 0.0, 1e-30);
		dh_tensor_free(out[0]);
	}
	dh_tensor_free(x);
	x = t_from(2, s1, big);
	if (run_forward(&t.ctx, DH_OP_SOFTMAX, &a, 1, &x, 1, out)) {
		for (int i = 0; i < 3; i++)
			CHECK_NEAR(dh_tensor_f32(out[0])[i], 1.0, 0);
		dh_tensor_free(out[0]);
	}
	dh_tensor_free(x);
	env_release(&t);
}

/* Relu's gradient is dy * 1 or dy * 0, bit for bit: the sign of zero and
 * NaN come through as in that product, whichever way the loop is written. */
TEST(relu_gradient_bits)
{
	test_env t;
	env_init(&t, 1);
	int64_t shape[1] = {6};
	dh_tensor *x = t_new(1, shape), *y = t_new(1, shape);
	dh_tensor *dy = t_new(1, shape), *dx = t_new(1, shape);
	const float xv[6] = {-1, 0, 2, NAN, 3, -2};
	const float dyv[6] = {NAN, -3, 4, 5, -0.0f, -7};
	for (int i = 0; i < 6; i++) {
		dh_tensor_f32(x)[i] = xv[i];
		dh_tensor_f32(y)[i] = xv[i] > 0 ? xv[i] : 0;
		dh_tensor_f32(dy)[i] = dyv[i];
	}
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_RELU);
	dh_err e;
	const dh_tensor *in[1] = {x}, *out[1] = {y}, *dout[1] = {dy};
	CHECK_INT(dh_op_backward(&t.ctx, DH_OP_RELU, &a, 1, in, 1, out, dout,
				 &dx, &e),
		  DH_OK);
	int bad = 0;
	for (int i = 0; i < 6; i++) {
		float want = dyv[i] * (xv[i] > 0 ? 1.0f : 0.0f);
		float got = dh_tensor_f32(dx)[i];
		bad += isnan(want) ? !isnan(got)
				   : memcmp(&want, &got, sizeof got) != 0;
	}
	CHECK_INT(bad, 0);
	dh_tensor_free(x);
	dh_tensor_free(y);
	dh_tensor_free(dy);
	dh_tensor_free(dx);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(unary_ops_match_numpy_and_finite_differences),
	 TAP_CASE(unary_ops_are_stable_at_extremes),
	 TAP_CASE(softmax_and_logsoftmax_match_numpy),
	 TAP_CASE(relu_gradient_bits))
