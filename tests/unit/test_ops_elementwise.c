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

TAP_MAIN(TAP_CASE(broadcast_arithmetic_matches_numpy),
	 TAP_CASE(broadcast_gradients_edge_shapes),
	 TAP_CASE(broadcast_is_the_same_with_any_thread_count))
