/* test_ops_elementwise.c - Add, Sub, Mul, Div with NumPy broadcasting:
 * forward against NumPy (tests/ref), backward (including the sums over
 * broadcast axes) against finite differences. */
#include "gradcheck.h"
#include "ref_ops.h"

static void check_binary(test_env *t, dh_op_type op, dh_tensor *a,
			 dh_tensor *b, const float *want, int64_t nwant)
{
	dh_op_attrs at;
	dh_op_attrs_init(&at, op);
	dh_tensor *in[2] = {a, b}, *out[1];
	if (run_forward(&t->ctx, op, &at, 2, in, 1, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), nwant);
		CHECK_CLOSE(dh_op_name(op), dh_tensor_f32(out[0]), want, nwant,
			    1e-6, 1e-6);
		dh_tensor_free(out[0]);
	}
	GC_OP(dh_op_name(op), &t->ctx, op, &at, 2, in, 1, .eps = 5e-3);
}

TEST(broadcast_arithmetic_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *a = T(bc1_a), *b = T(bc1_b);
	check_binary(&t, DH_OP_ADD, a, b, bc1_add, NUMEL(bc1_add));
	check_binary(&t, DH_OP_SUB, a, b, bc1_sub, NUMEL(bc1_sub));
	dh_tensor_free(a);
	dh_tensor_free(b);
	/* both operands broadcast: [1,3,1] with [2,1,4] */
	a = T(bc2_a), b = T(bc2_b);
	check_binary(&t, DH_OP_MUL, a, b, bc2_mul, NUMEL(bc2_mul));
	check_binary(&t, DH_OP_DIV, a, b, bc2_div, NUMEL(bc2_div));
	dh_tensor_free(a);
	dh_tensor_free(b);
	env_release(&t);
}

TEST(broadcast_gradients_edge_shapes)
{
	test_env t;
	env_init(&t, 2);
	/* (a shape, b shape) pairs, ndim first */
	static const int64_t pairs[][2][5] = {
		{{2, 3, 5}, {2, 3, 5}},       /* same shape */
		{{1, 5}, {2, 3, 5}},          /* bias along the last axis */
		{{4, 2, 3, 4, 5}, {4, 1, 3, 1, 1}}, /* per channel */
		{{0}, {2, 3, 1}},             /* scalar */
		{{4, 3, 1, 1, 7}, {2, 5, 1}}, /* odd sizes, size-1 dims */
		{{1, 1}, {1, 1}},
	};
	static const dh_op_type ops[] = {DH_OP_ADD, DH_OP_SUB, DH_OP_MUL,
					 DH_OP_DIV};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
		for (int k = 0; k < 4; k++) {
			dh_tensor *in[2];
			for (int i = 0; i < 2; i++) {
				in[i] = t_new((int)pairs[p][i][0],
					      pairs[p][i] + 1);
				/* divisors kept away from zero */
				t_rand(in[i], &t.rng, 0.5f, 2.0f);
			}
			dh_op_attrs at;
			dh_op_attrs_init(&at, ops[k]);
			char what[64];
			snprintf(what, sizeof what, "%s pair %zu",
				 dh_op_name(ops[k]), p);
			GC_OP(what, &t.ctx, ops[k], &at, 2, in, 1,
			      .eps = 5e-3);
			dh_tensor_free(in[0]);
			dh_tensor_free(in[1]);
		}
	env_release(&t);
}

TEST(broadcast_is_the_same_with_any_thread_count)
{
	/* large enough for the parallel paths */
	int64_t sa[3] = {64, 32, 33}, sb[2] = {32, 1};
	dh_tensor *in[2] = {t_new(3, sa), t_new(2, sb)};
	dh_rng r;
	dh_rng_seed(&r, 3);
	t_rand(in[0], &r, -1, 1);
	t_rand(in[1], &r, 0.5f, 1);
	dh_tensor *dx[2][2];
	for (int th = 1; th <= 2; th++) {
		test_env t;
		env_init(&t, th);
		dh_op_attrs a;
		dh_op_attrs_init(&a, DH_OP_DIV);
		dh_tensor *out[1];
		if (!run_forward(&t.ctx, DH_OP_DIV, &a, 2, in, 1, out))
			return;
		dh_tensor *dy = t_like(out[0]);
		dh_tensor_fill(dy, 0.25);
		dx[th - 1][0] = t_like(in[0]);
		dx[th - 1][1] = t_like(in[1]);
		const dh_tensor *cdy = dy, *co = out[0];
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_DIV, &a, 2,
					 (const dh_tensor *const *)in, 1, &co,
					 &cdy, dx[th - 1], NULL),
			  DH_OK);
		dh_tensor_free(dy);
		dh_tensor_free(out[0]);
		env_release(&t);
	}
	for (int i = 0; i < 2; i++) {
		CHECK(memcmp(dx[0][i]->data, dx[1][i]->data,
			     dh_tensor_nbytes(dx[0][i])) == 0);
		dh_tensor_free(dx[0][i]);
		dh_tensor_free(dx[1][i]);
		dh_tensor_free(in[i]);
	}
}

TEST(pow_and_prelu_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *a = T(pow_a), *b = T(pow_b);
	check_binary(&t, DH_OP_POW, a, b, pow_y, NUMEL(pow_y));
	dh_tensor_free(a);
	dh_tensor_free(b);
	a = T(prelu_x), b = T(prelu_s);
	/* keep X away from the kink at 0 for the gradient */
	float *x = dh_tensor_f32(a);
	for (int64_t i = 0; i < dh_tensor_numel(a); i++)
		if (fabsf(x[i]) < 0.02f)
			x[i] = 0.02f;
	dh_op_attrs at;
	dh_op_attrs_init(&at, DH_OP_PRELU);
	dh_tensor *in[2] = {a, b}, *out[1];
	if (run_forward(&t.ctx, DH_OP_PRELU, &at, 2, in, 1, out)) {
		const float *y = dh_tensor_f32(out[0]);
		/* the reference used the unclamped X: compare where equal */
		dh_tensor *r = T(prelu_x);
		for (int64_t i = 0; i < dh_tensor_numel(a); i++)
			if (x[i] == dh_tensor_f32(r)[i])
				CHECK_NEAR(y[i], prelu_y[i], 1e-6);
		dh_tensor_free(r);
		dh_tensor_free(out[0]);
	}
	GC_OP("PRelu", &t.ctx, DH_OP_PRELU, &at, 2, in, 1, .eps = 5e-3);
	/* the slope may not grow X */
	dh_shape s[2] = {{2, {3, 1}}, {2, {1, 4}}}, o;
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_PRELU, &at, "pr", 2, s, 1, &o, &e),
		  DH_ESHAPE);
	dh_tensor_free(a);
	dh_tensor_free(b);
	env_release(&t);
}

TEST(variadic_sum_mean_max_min_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[3] = {T(var_a), T(var_b), T(var_c)}, *out[1];
	static const dh_op_type ops[] = {DH_OP_SUM, DH_OP_MEAN, DH_OP_MAX,
					 DH_OP_MIN};
	const float *want[] = {vsum_y, vmean_y, vmax_y, vmin_y};
	for (int k = 0; k < 4; k++) {
		dh_op_attrs a;
		dh_op_attrs_init(&a, ops[k]);
		if (run_forward(&t.ctx, ops[k], &a, 3, in, 1, out)) {
			CHECK_INT(dh_tensor_numel(out[0]), 6);
			CHECK_CLOSE(dh_op_name(ops[k]), dh_tensor_f32(out[0]),
				    want[k], 6, 1e-6, 1e-6);
			dh_tensor_free(out[0]);
		}
		GC_OP(dh_op_name(ops[k]), &t.ctx, ops[k], &a, 3, in, 1,
		      .eps = 2e-3);
		/* one input is the identity */
		GC_OP(dh_op_name(ops[k]), &t.ctx, ops[k], &a, 1, in, 1,
		      .eps = 2e-3);
	}
	for (int i = 0; i < 3; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

TEST(clip_matches_numpy)
{
	test_env t;
	env_init(&t, 1);
	int64_t n = 25;
	dh_tensor *x = t_new(1, &n), *out[1];
	float *p = dh_tensor_f32(x);
	for (int i = 0; i < 25; i++)
		p[i] = -3.1f + 0.25f * (float)i;
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CLIP);
	a.clip_min = -0.5f, a.clip_max = 1.25f;
	if (run_forward(&t.ctx, DH_OP_CLIP, &a, 1, &x, 1, out)) {
		CHECK_CLOSE("clip", dh_tensor_f32(out[0]), clip_y, 25, 1e-6,
			    0);
		dh_tensor_free(out[0]);
	}
	float kinks[2] = {-0.5f, 1.25f};
	t_rand_away(x, &t.rng, -2, 2, kinks, 2, 0.02f);
	GC_OP("clip", &t.ctx, DH_OP_CLIP, &a, 1, &x, 1, .eps = 5e-3);
	/* unbounded by default: the identity */
	dh_op_attrs_init(&a, DH_OP_CLIP);
	GC_OP("clip unbounded", &t.ctx, DH_OP_CLIP, &a, 1, &x, 1);
	a.clip_min = 2, a.clip_max = 1;
	dh_shape s, o;
	dh_shape_of(&s, x);
	CHECK_INT(dh_op_infer(DH_OP_CLIP, &a, "c", 1, &s, 1, &o, NULL),
		  DH_EINVAL);
	dh_tensor_free(x);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(broadcast_arithmetic_matches_numpy),
	 TAP_CASE(broadcast_gradients_edge_shapes),
	 TAP_CASE(broadcast_is_the_same_with_any_thread_count),
	 TAP_CASE(pow_and_prelu_match_numpy),
	 TAP_CASE(variadic_sum_mean_max_min_match_numpy),
	 TAP_CASE(clip_matches_numpy))
