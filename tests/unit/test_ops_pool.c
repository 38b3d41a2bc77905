/* test_ops_pool.c - MaxPool, AveragePool (count_include_pad), global pools:
 * forward against NumPy loops (tests/ref), backward against finite
 * differences. */
#include <stdlib.h>

#include "gradcheck.h"
#include "ref_ops.h"

static void pool_attrs(dh_op_attrs *a, dh_op_type op, int nsp,
		       const int64_t *k, const int64_t *s, const int64_t *p,
		       const int64_t *d)
{
	dh_op_attrs_init(a, op);
	a->kernel_ndim = nsp;
	for (int i = 0; i < nsp; i++) {
		a->kernel_shape[i] = k[i];
		a->strides[i] = s[i];
		a->dilations[i] = d ? d[i] : 1;
		a->pads[i] = p[i];
		a->pads[nsp + i] = p[nsp + i];
	}
}

/* Forward against want; backward by finite differences on distinct
 * inputs, so that no maximum ties. */
static void check_pool(test_env *t, const char *what, dh_op_type op,
		       const dh_op_attrs *a, dh_tensor *x, const float *want,
		       int64_t nwant)
{
	dh_tensor *out[1];
	if (run_forward(&t->ctx, op, a, 1, &x, 1, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), nwant);
		if (dh_tensor_numel(out[0]) == nwant)
			CHECK_CLOSE(what, dh_tensor_f32(out[0]), want, nwant,
				    1e-6, 1e-5);
		dh_tensor_free(out[0]);
	}
	dh_tensor *xd = t_like(x);
	t_rand_distinct(xd, &t->rng, -2, 2, 0.03f);
	GC_OP(what, &t->ctx, op, a, 1, &xd, 1, .eps = 5e-3);
	dh_tensor_free(xd);
}

TEST(maxpool_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(pool_x);
	dh_op_attrs a;
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){3, 2}, (int64_t[]){2, 3},
		   (int64_t[]){1, 1, 1, 0}, (int64_t[]){1, 2});
	check_pool(&t, "maxpool 3x2 s2x3 dil 1x2", DH_OP_MAXPOOL, &a, x,
		   maxpool_y, NUMEL(maxpool_y));
	/* the Indices output: flat positions in X */
	dh_tensor *out[2];
	if (run_forward(&t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 2, out)) {
		CHECK_INT(out[1]->dtype, DH_I64);
		const int64_t *ix = out[1]->data;
		int bad = 0;
		for (int64_t i = 0; i < NUMEL(maxpool_y); i++)
			bad += ix[i] != maxpool_idx[i];
		CHECK_INT(bad, 0);
		GC_OP("maxpool with Indices", &t.ctx, DH_OP_MAXPOOL, &a, 1, &x,
		      2, .eps = 1e-3);
		dh_tensor_free(out[0]);
		dh_tensor_free(out[1]);
	}
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){2, 3}, (int64_t[]){2, 2},
		   (int64_t[]){0, 0, 0, 0}, NULL);
	a.ceil_mode = 1;
	check_pool(&t, "maxpool ceil_mode", DH_OP_MAXPOOL, &a, x,
		   maxpoolceil_y, NUMEL(maxpoolceil_y));
	dh_tensor_free(x);
	env_release(&t);
}

TEST(averagepool_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(pool_x);
	dh_op_attrs a;
	pool_attrs(&a, DH_OP_AVERAGEPOOL, 2, (int64_t[]){3, 3},
		   (int64_t[]){2, 2}, (int64_t[]){1, 2, 1, 0}, NULL);
	check_pool(&t, "averagepool pads excluded", DH_OP_AVERAGEPOOL, &a, x,
		   avgpool_y, NUMEL(avgpool_y));
	a.count_include_pad = 1;
	check_pool(&t, "averagepool count_include_pad", DH_OP_AVERAGEPOOL, &a,
		   x, avgpoolpad_y, NUMEL(avgpoolpad_y));
	pool_attrs(&a, DH_OP_AVERAGEPOOL, 2, (int64_t[]){3, 3},
		   (int64_t[]){2, 3}, (int64_t[]){1, 0, 0, 1}, NULL);
	a.ceil_mode = 1;
	a.count_include_pad = 1;
	check_pool(&t, "averagepool ceil_mode count_include_pad",
		   DH_OP_AVERAGEPOOL, &a, x, avgpoolceil_y,
		   NUMEL(avgpoolceil_y));
	a.count_include_pad = 0;
	check_pool(&t, "averagepool ceil_mode", DH_OP_AVERAGEPOOL, &a, x,
		   avgpoolceilx_y, NUMEL(avgpoolceilx_y));
	dh_tensor_free(x);
	dh_tensor *x1 = T(pool1d_x);
	pool_attrs(&a, DH_OP_AVERAGEPOOL, 1, (int64_t[]){4}, (int64_t[]){3},
		   (int64_t[]){2, 1}, NULL);
	check_pool(&t, "averagepool 1d", DH_OP_AVERAGEPOOL, &a, x1,
		   avgpool1d_y, NUMEL(avgpool1d_y));
	dh_tensor_free(x1);
	env_release(&t);
}

TEST(global_pools_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(pool_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_GLOBALAVERAGEPOOL);
	check_pool(&t, "globalaveragepool", DH_OP_GLOBALAVERAGEPOOL, &a, x,
		   gavgpool_y, NUMEL(gavgpool_y));
	dh_op_attrs_init(&a, DH_OP_GLOBALMAXPOOL);
	check_pool(&t, "globalmaxpool", DH_OP_GLOBALMAXPOOL, &a, x,
		   gmaxpool_y, NUMEL(gmaxpool_y));
	dh_tensor_free(x);
	env_release(&t);
}

TEST(pool_3d_and_edge_shapes_gradients)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	int64_t s3[5] = {1, 2, 3, 4, 5};
	dh_tensor *x = t_new(5, s3);
	t_rand_distinct(x, &t.rng, -2, 2, 0.01f);
	pool_attrs(&a, DH_OP_MAXPOOL, 3, (int64_t[]){2, 2, 3},
		   (int64_t[]){1, 2, 2}, (int64_t[]){1, 0, 1, 0, 1, 1}, NULL);
	GC_OP("maxpool 3d", &t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 1, .eps = 2e-3);
	pool_attrs(&a, DH_OP_AVERAGEPOOL, 3, (int64_t[]){2, 2, 3},
		   (int64_t[]){1, 2, 2}, (int64_t[]){1, 0, 1, 0, 1, 1}, NULL);
	GC_OP("averagepool 3d", &t.ctx, DH_OP_AVERAGEPOOL, &a, 1, &x, 1);
	dh_tensor_free(x);
	/* size-1 spatial dims, stride larger than the kernel */
	int64_t s2[4] = {2, 3, 1, 7};
	x = t_new(4, s2);
	t_rand_distinct(x, &t.rng, -2, 2, 0.03f);
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){1, 2}, (int64_t[]){1, 3},
		   (int64_t[]){0, 0, 0, 0}, NULL);
	GC_OP("maxpool stride > kernel", &t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 1,
	      .eps = 5e-3);
	/* padding larger than the kernel: only count_include_pad can average
	 * a window of padding alone (to 0) */
	pool_attrs(&a, DH_OP_AVERAGEPOOL, 2, (int64_t[]){1, 2},
		   (int64_t[]){1, 1}, (int64_t[]){0, 3, 0, 3}, NULL);
	a.count_include_pad = 1;
	dh_tensor *out[1];
	if (run_forward(&t.ctx, DH_OP_AVERAGEPOOL, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->shape[3], 12);
		CHECK_NEAR(dh_tensor_f32(out[0])[0], 0.0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("averagepool pad > kernel", &t.ctx, DH_OP_AVERAGEPOOL, &a, 1,
	      &x, 1);
	dh_shape s, o;
	dh_shape_of(&s, x);
	dh_err e;
	a.count_include_pad = 0;
	CHECK_INT(dh_op_infer(DH_OP_AVERAGEPOOL, &a, "p", 1, &s, 1, &o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "pools padding only");
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){1, 2}, (int64_t[]){1, 1},
		   (int64_t[]){0, 3, 0, 3}, NULL);
	CHECK_INT(dh_op_infer(DH_OP_MAXPOOL, &a, "mp", 1, &s, 1, &o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "MaxPool node 'mp'");
	a.kernel_ndim = 1;
	CHECK_INT(dh_op_infer(DH_OP_MAXPOOL, &a, "mp", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	dh_tensor_free(x);
	env_release(&t);
}

/* The first maximum in scan order wins a tie, a NaN wins over any number
 * (the first NaN of the window), for the value, the Indices output and the
 * gradient; padded positions are never picked. */
TEST(maxpool_ties_nan_padding)
{
	test_env t;
	env_init(&t, 1);
	int64_t shape[4] = {1, 1, 2, 5};
	dh_tensor *x = t_new(4, shape);
	float *xv = dh_tensor_f32(x);
	const float v[10] = {-3, -3, 5, NAN, 7, -4, -3, 5, NAN, -1};
	for (int i = 0; i < 10; i++)
		xv[i] = v[i];
	dh_op_attrs a;
	/* 2x2 windows, stride 2, one column of padding at each end: columns
	 * {pad, 0}, {1, 2}, {3, 4} */
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){2, 2}, (int64_t[]){2, 2},
		   (int64_t[]){0, 1, 0, 1}, NULL);
	dh_tensor *out[2];
	if (run_forward(&t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 2, out)) {
		const float *y = dh_tensor_f32(out[0]);
		const int64_t *ix = out[1]->data;
		CHECK_INT(dh_tensor_numel(out[0]), 3);
		/* -3 at 0 and 5 tie with later taps; NaN at 3 comes before 7 */
		CHECK_NEAR(y[0], -3.0, 0);
		CHECK_NEAR(y[1], 5.0, 0);
		CHECK_INT(isnan(y[2]) != 0, 1);
		CHECK_INT(ix[0], 0);
		CHECK_INT(ix[1], 2);
		CHECK_INT(ix[2], 3);
		dh_tensor *dy = t_like(out[0]), *dx = t_like(x);
		float *d = dh_tensor_f32(dy);
		d[0] = 1, d[1] = 2, d[2] = 4;
		const dh_tensor *douts[2] = {dy, NULL};
		dh_err e;
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_MAXPOOL, &a, 1,
					 (const dh_tensor *const *)&x, 2,
					 (const dh_tensor *const *)out, douts,
					 &dx, &e),
			  DH_OK);
		const float want[10] = {1, 0, 2, 4, 0, 0, 0, 0, 0, 0};
		CHECK_CLOSE("maxpool gradient at the first maximum",
			    dh_tensor_f32(dx), want, 10, 0, 0);
		dh_tensor_free(dy);
		dh_tensor_free(dx);
		dh_tensor_free(out[0]);
		dh_tensor_free(out[1]);
	}
	dh_tensor_free(x);
	/* the same rules on the 2x2, stride 2 path */
	int64_t shape2[4] = {1, 1, 2, 6};
	x = t_new(4, shape2);
	const float v2[12] = {-3, -3, 5, NAN, 1, 2, -4, -3, 5, 7, NAN, 9};
	for (int i = 0; i < 12; i++)
		dh_tensor_f32(x)[i] = v2[i];
	pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){2, 2}, (int64_t[]){2, 2},
		   (int64_t[]){0, 0, 0, 0}, NULL);
	if (run_forward(&t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 2, out)) {
		const float *y = dh_tensor_f32(out[0]);
		const int64_t *ix = out[1]->data;
		CHECK_NEAR(y[0], -3.0, 0);
		CHECK_INT(isnan(y[1]) && isnan(y[2]), 1);
		CHECK_INT(ix[0], 0);
		CHECK_INT(ix[1], 3);
		CHECK_INT(ix[2], 10);
		dh_tensor_free(out[0]);
		dh_tensor_free(out[1]);
	}
	dh_tensor_free(x);
	int64_t shape3[4] = {2, 3, 4, 6};
	x = t_new(4, shape3);
	t_rand_distinct(x, &t.rng, -2, 2, 0.01f);
	GC_OP("maxpool 2x2 stride 2", &t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 1,
	      .eps = 2e-3);
	dh_tensor_free(x);
	env_release(&t);
}

/* The 2x2, stride 2 path (vectorised where the CPU has AVX-512) against a
 * direct reference of the rules above, on planes wider than a vector,
 * odd sizes, ties and NaNs: values, indices and gradients, bit for bit. */
TEST(maxpool_2x2_matches_reference_rules)
{
	test_env t;
	env_init(&t, 1);
	static const int64_t hw[][2] = {{2, 2},	  {4, 6},   {5, 7},  {6, 34},
					 {7, 33}, {3, 64}, {8, 50}, {28, 28}};
	for (size_t k = 0; k < sizeof hw / sizeof hw[0]; k++) {
		int64_t shape[4] = {2, 3, hw[k][0], hw[k][1]};
		dh_tensor *x = t_new(4, shape);
		float *xv = dh_tensor_f32(x);
		int64_t n = dh_tensor_numel(x);
		for (int64_t i = 0; i < n; i++) {
			/* few distinct values: many ties; some NaNs */
			float u = dh_rng_uniform(&t.rng, 0, 1);
			xv[i] = u < 0.03f ? NAN : (float)(int)(u * 5) - 2.0f;
		}
		dh_op_attrs a;
		pool_attrs(&a, DH_OP_MAXPOOL, 2, (int64_t[]){2, 2},
			   (int64_t[]){2, 2}, (int64_t[]){0, 0, 0, 0}, NULL);
		dh_tensor *out[2];
		if (!run_forward(&t.ctx, DH_OP_MAXPOOL, &a, 1, &x, 2, out)) {
			dh_tensor_free(x);
			continue;
		}
		int64_t H = hw[k][0], W = hw[k][1], oh_n = H / 2, ow_n = W / 2;
		const float *y = dh_tensor_f32(out[0]);
		const int64_t *ix = out[1]->data;
		dh_tensor *dy = t_like(out[0]), *dx = t_like(x);
		t_rand(dy, &t.rng, -1, 1);
		float *want_dx = calloc((size_t)n, sizeof(float));
		int bad = 0;
		for (int64_t p = 0; p < 6; p++)
			for (int64_t oh = 0; oh < oh_n; oh++)
				for (int64_t ow = 0; ow < ow_n; ow++) {
					int64_t at = p * H * W + 2 * oh * W + 2 * ow;
					int64_t tap[4] = {at, at + 1, at + W,
							  at + W + 1};
					int64_t best = at;
					for (int q = 1; q < 4; q++)
						if (xv[tap[q]] > xv[best])
							best = tap[q];
					for (int q = 3; q >= 0; q--)
						if (isnan(xv[tap[q]]))
							best = tap[q];
					int64_t o = (p * oh_n + oh) * ow_n + ow;
					bad |= ix[o] != best;
					bad |= memcmp(&y[o], &xv[best],
						      sizeof(float)) != 0;
					want_dx[best] += dh_tensor_f32(dy)[o];
				}
		if (bad)
			printf("# maxpool 2x2 %lldx%lld: values or indices "
			       "differ from the reference\n",
			       (long long)H, (long long)W);
		CHECK(!bad);
		const dh_tensor *douts[2] = {dy, NULL};
		dh_err e;
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_MAXPOOL, &a, 1,
					 (const dh_tensor *const *)&x, 2,
					 (const dh_tensor *const *)out, douts,
					 &dx, &e),
			  DH_OK);
		CHECK_CLOSE("maxpool 2x2 gradient", dh_tensor_f32(dx), want_dx,
			    n, 0, 0);
		free(want_dx);
		dh_tensor_free(dy);
		dh_tensor_free(dx);
		dh_tensor_free(out[0]);
		dh_tensor_free(out[1]);
		dh_tensor_free(x);
	}
	env_release(&t);
}

TAP_MAIN(TAP_CASE(maxpool_matches_numpy), TAP_CASE(averagepool_matches_numpy),
	 TAP_CASE(global_pools_match_numpy),
	 TAP_CASE(pool_3d_and_edge_shapes_gradients),
	 TAP_CASE(maxpool_ties_nan_padding),
	 TAP_CASE(maxpool_2x2_matches_reference_rules))
