/* test_ops_shape.c - Flatten, Reshape, Identity and Dropout. */
#include "gradcheck.h"

TEST(flatten_reshape_identity_move_values_unchanged)
{
	test_env t;
	env_init(&t, 1);
	int64_t s[4] = {2, 3, 2, 2};
	dh_tensor *x = t_new(4, s), *out[1];
	for (int64_t i = 0; i < 24; i++)
		dh_tensor_f32(x)[i] = (float)i;
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_FLATTEN);
	if (run_forward(&t.ctx, DH_OP_FLATTEN, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->shape[0], 2);
		CHECK_INT(out[0]->shape[1], 12);
		CHECK_CLOSE("flatten", dh_tensor_f32(out[0]),
			    dh_tensor_f32(x), 24, 0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("flatten", &t.ctx, DH_OP_FLATTEN, &a, 1, &x, 1);
	dh_op_attrs_init(&a, DH_OP_RESHAPE);
	a.shape_ndim = 3;
	a.shape[0] = 4, a.shape[1] = -1, a.shape[2] = 0;
	if (run_forward(&t.ctx, DH_OP_RESHAPE, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->shape[1], 3);
		CHECK_INT(out[0]->shape[2], 2);
		dh_tensor_free(out[0]);
	}
	GC_OP("reshape", &t.ctx, DH_OP_RESHAPE, &a, 1, &x, 1);
	dh_op_attrs_init(&a, DH_OP_IDENTITY);
	GC_OP("identity", &t.ctx, DH_OP_IDENTITY, &a, 1, &x, 1);
	dh_tensor_free(x);
	env_release(&t);
}

TEST(dropout_is_deterministic_and_scaled)
{
	int64_t s[2] = {100, 101};
	dh_tensor *x = t_new(2, s);
	dh_tensor_fill(x, 2.0);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_DROPOUT);
	a.training_mode = 1;
	a.ratio = 0.25f;
	dh_tensor *m[2][2];
	for (int th = 1; th <= 2; th++) {
		test_env t;
		env_init(&t, th);
		if (!run_forward(&t.ctx, DH_OP_DROPOUT, &a, 1, &x, 2,
				 m[th - 1]))
			return;
		env_release(&t);
	}
	/* same seed: the same mask whatever the thread count */
	CHECK(memcmp(m[0][1]->data, m[1][1]->data, 10100) == 0);
	CHECK(memcmp(m[0][0]->data, m[1][0]->data, 10100 * 4) == 0);
	const float *y = dh_tensor_f32(m[0][0]);
	const uint8_t *mask = m[0][1]->data;
	int64_t kept = 0;
	for (int64_t i = 0; i < 10100; i++) {
		kept += mask[i];
		CHECK_NEAR(y[i], mask[i] ? 2.0 / 0.75 : 0.0, 1e-6);
	}
	/* about 75% kept: 7575 expected, sd ~ 43.5 */
	CHECK(kept > 7575 - 250 && kept < 7575 + 250);
	/* the stream moved on: a second call draws another mask */
	test_env t;
	env_init(&t, 1);
	dh_tensor *m2[2];
	const dh_tensor *cx = x;
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_DROPOUT, &a, 1, &cx, 2, m[0],
				NULL),
		  DH_OK);
	if (run_forward(&t.ctx, DH_OP_DROPOUT, &a, 1, &x, 2, m2)) {
		CHECK(memcmp(m2[1]->data, m[0][1]->data, 10100) != 0);
		/* backward: dy * mask / (1 - ratio) */
		dh_tensor *dy = t_like(x), *dx = t_like(x);
		dh_tensor_fill(dy, 1.0);
		const dh_tensor *co[2] = {m2[0], m2[1]}, *cd[2] = {dy, NULL};
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_DROPOUT, &a, 1, &cx, 2,
					 co, cd, &dx, NULL),
			  DH_OK);
		const uint8_t *mk = m2[1]->data;
		int bad = 0;
		for (int64_t i = 0; i < 10100; i++)
			bad += dh_tensor_f32(dx)[i] !=
			       (mk[i] ? 1.0f / 0.75f : 0.0f);
		CHECK_INT(bad, 0);
		dh_err e;
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_DROPOUT, &a, 1, &cx, 1,
					 co, cd, &dx, &e),
			  DH_EINVAL);
		CHECK_HAS(e.msg, "mask");
		dh_tensor_free(dy);
		dh_tensor_free(dx);
		dh_tensor_free(m2[0]);
		dh_tensor_free(m2[1]);
	}
	/* inference: the identity, mask all true */
	a.training_mode = 0;
	GC_OP("dropout inference", &t.ctx, DH_OP_DROPOUT, &a, 1, &x, 2);
	t.ctx.rng = NULL;
	a.training_mode = 1;
	dh_err e;
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_DROPOUT, &a, 1, &cx, 2, m[0],
				&e),
		  DH_EINVAL);
	a.ratio = 1.0f;
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_DROPOUT, &a, 1, &cx, 2, m[0],
				&e),
		  DH_ERANGE);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			dh_tensor_free(m[i][k]);
	dh_tensor_free(x);
	env_release(&t);
}

/* With its stream re-seeded before every call, training Dropout draws the
 * same mask each time and is linear in x: finite differences apply. */
static dh_status dropout_fixed_fwd(void *u, dh_tensor *const *in,
				   dh_tensor *const *out, dh_err *e)
{
	gc_op *g = u;
	dh_rng_seed(g->ctx->rng, 99);
	return gc_op_forward(u, in, out, e);
}

TEST(dropout_gradient_matches_finite_differences)
{
	test_env t;
	env_init(&t, 1);
	int64_t s[2] = {3, 5};
	dh_tensor *x = t_new(2, s);
	t_rand(x, &t.rng, -1, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_DROPOUT);
	a.training_mode = 1;
	a.ratio = 0.4f;
	dh_tensor *out[2];
	if (!gc_alloc_outputs(DH_OP_DROPOUT, &a, 1, &x, 2, out))
		return;
	gc_op g = {DH_OP_DROPOUT, &a, &t.ctx, 1, 2};
	GC_CHECK("dropout training", dropout_fixed_fwd, gc_op_backward, &g, 1,
		 &x, 2, out);
	dh_tensor_free(out[0]);
	dh_tensor_free(out[1]);
	dh_tensor_free(x);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(flatten_reshape_identity_move_values_unchanged),
	 TAP_CASE(dropout_is_deterministic_and_scaled),
	 TAP_CASE(dropout_gradient_matches_finite_differences))
