/* test_ops_norm.c - BatchNormalization in training and inference mode:
 * outputs and running statistics against NumPy (ONNX's reference formulas,
 * tests/ref), backward against finite differences. */
#include <stdlib.h>

#include "gradcheck.h"
#include "ref_ops.h"

static void bn_inputs(dh_tensor **in)
{
	in[0] = T(bn_x);
	in[1] = T(bn_scale);
	in[2] = T(bn_b);
	in[3] = T(bn_mean);
	in[4] = T(bn_var);
}

static void free_all(dh_tensor **t, int n)
{
	for (int i = 0; i < n; i++)
		dh_tensor_free(t[i]);
}

TEST(batchnorm_inference_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[5], *out[1];
	bn_inputs(in);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	if (run_forward(&t.ctx, DH_OP_BATCHNORM, &a, 5, in, 1, out)) {
		CHECK_CLOSE("bn inference", dh_tensor_f32(out[0]), bn_infer_y,
			    NUMEL(bn_infer_y), 1e-6, 1e-5);
		dh_tensor_free(out[0]);
	}
	/* gradients w.r.t. X, scale, B; the statistics are constants */
	GC_OP("bn inference", &t.ctx, DH_OP_BATCHNORM, &a, 5, in, 1,
	      .eps = 5e-3, .wrt = 7);
	free_all(in, 5);
	env_release(&t);
}

TEST(batchnorm_training_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[5], *out[3];
	bn_inputs(in);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	a.training_mode = 1;
	a.momentum = 0.8f;
	if (run_forward(&t.ctx, DH_OP_BATCHNORM, &a, 5, in, 3, out)) {
		CHECK_CLOSE("bn training Y", dh_tensor_f32(out[0]), bn_train_y,
			    NUMEL(bn_train_y), 1e-5, 1e-5);
		CHECK_CLOSE("bn running_mean", dh_tensor_f32(out[1]),
			    bn_train_rmean, 2, 1e-7, 1e-6);
		CHECK_CLOSE("bn running_var", dh_tensor_f32(out[2]),
			    bn_train_rvar, 2, 1e-7, 1e-6);
		free_all(out, 3);
	}
	GC_OP("bn training", &t.ctx, DH_OP_BATCHNORM, &a, 5, in, 3,
	      .eps = 5e-3, .wrt = 7);
	/* without the running outputs */
	GC_OP("bn training, Y only", &t.ctx, DH_OP_BATCHNORM, &a, 5, in, 1,
	      .eps = 5e-3, .wrt = 7);
	free_all(in, 5);
	env_release(&t);
}

TEST(batchnorm_edge_shapes)
{
	test_env t;
	env_init(&t, 1);
	/* [N, C] (after a Gemm), odd sizes; [1, C, 1, 1] normalises nothing
	 * in training but must not divide by zero */
	static const int64_t xs[][4] = {{5, 3, 0, 0}, {2, 3, 3, 5}};
	static const int nd[] = {2, 4};
	for (int k = 0; k < 2; k++) {
		int64_t c = xs[k][1], sc[1] = {c};
		dh_tensor *in[5] = {t_new(nd[k], xs[k]), t_new(1, sc),
				    t_new(1, sc), t_new(1, sc), t_new(1, sc)};
		t_rand(in[0], &t.rng, -2, 2);
		t_rand(in[1], &t.rng, 0.5f, 1.5f);
		t_rand(in[2], &t.rng, -1, 1);
		dh_tensor_fill(in[4], 1.0);
		dh_op_attrs a;
		dh_op_attrs_init(&a, DH_OP_BATCHNORM);
		a.training_mode = 1;
		GC_OP("bn training edge", &t.ctx, DH_OP_BATCHNORM, &a, 5, in,
		      1, .eps = 5e-3, .wrt = 7);
		free_all(in, 5);
	}
	int64_t s1[4] = {1, 2, 1, 1}, sc[1] = {2};
	dh_tensor *in[5] = {t_new(4, s1), t_new(1, sc), t_new(1, sc),
			    t_new(1, sc), t_new(1, sc)}, *out[1];
	t_rand(in[0], &t.rng, -2, 2);
	dh_tensor_fill(in[1], 1.0);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	a.training_mode = 1;
	if (run_forward(&t.ctx, DH_OP_BATCHNORM, &a, 5, in, 1, out)) {
		CHECK_NEAR(dh_tensor_f32(out[0])[0], 0.0, 0);
		dh_tensor_free(out[0]);
	}
	/* running outputs without training_mode are an error; so is a
	 * scale of the wrong length */
	dh_shape s[5], o[3];
	for (int i = 0; i < 5; i++)
		dh_shape_of(&s[i], in[i]);
	dh_err e;
	a.training_mode = 0;
	CHECK_INT(dh_op_infer(DH_OP_BATCHNORM, &a, "bn1", 5, s, 3, o, &e),
		  DH_EINVAL);
	s[1].d[0] = 3;
	CHECK_INT(dh_op_infer(DH_OP_BATCHNORM, &a, "bn1", 5, s, 1, o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "BatchNormalization node 'bn1': scale [3] must be "
			 "[2]");
	free_all(in, 5);
	env_release(&t);
}

TEST(layernorm_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[3] = {T(ln_x), T(ln_scale), T(ln_b)}, *out[3];
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_LAYERNORM);
	a.axis = 2;
	if (run_forward(&t.ctx, DH_OP_LAYERNORM, &a, 3, in, 3, out)) {
		CHECK_CLOSE("layernorm Y", dh_tensor_f32(out[0]), ln_y,
			    NUMEL(ln_y), 1e-5, 1e-5);
		CHECK_INT(out[1]->ndim, 4);
		CHECK_INT(out[1]->shape[2], 1);
		CHECK_CLOSE("layernorm Mean", dh_tensor_f32(out[1]), ln_mean,
			    NUMEL(ln_mean), 1e-6, 1e-6);
		CHECK_CLOSE("layernorm InvStdDev", dh_tensor_f32(out[2]),
			    ln_invstd, NUMEL(ln_invstd), 1e-6, 1e-5);
		free_all(out, 3);
	}
	GC_OP("layernorm axis 2", &t.ctx, DH_OP_LAYERNORM, &a, 3, in, 1,
	      .eps = 5e-3);
	/* the default axis -1, without B */
	dh_op_attrs_init(&a, DH_OP_LAYERNORM);
	int64_t s5[1] = {5};
	dh_tensor *in2[2] = {in[0], t_new(1, s5)};
	t_rand(in2[1], &t.rng, 0.5f, 1.5f);
	GC_OP("layernorm axis -1, no B", &t.ctx, DH_OP_LAYERNORM, &a, 2, in2,
	      1, .eps = 5e-3);
	dh_shape s[2], o[1];
	dh_shape_of(&s[0], in[0]);
	dh_shape_of(&s[1], in[1]);
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_LAYERNORM, &a, "ln", 2, s, 1, o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "LayerNormalization node 'ln': Scale [4, 5]");
	dh_tensor_free(in2[1]);
	free_all(in, 3);
	env_release(&t);
}

TEST(instancenorm_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[3] = {T(ln_x), T(in_scale), T(in_b)}, *out[1];
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_INSTANCENORM);
	if (run_forward(&t.ctx, DH_OP_INSTANCENORM, &a, 3, in, 1, out)) {
		CHECK_CLOSE("instancenorm", dh_tensor_f32(out[0]), in_y,
			    NUMEL(in_y), 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	GC_OP("instancenorm", &t.ctx, DH_OP_INSTANCENORM, &a, 3, in, 1,
	      .eps = 5e-3);
	free_all(in, 3);
	env_release(&t);
}

/* Planes wider than a vector (and not a multiple of one), where the
 * AVX-512 row kernels run their main loops: Y against a double-precision
 * reference, gradients against finite differences. */
TEST(batchnorm_training_wide_planes)
{
	test_env t;
	env_init(&t, 2);
	static const int64_t hw[][2] = {{5, 13}, {8, 8}, {1, 37}};
	for (int k = 0; k < 3; k++) {
		int64_t sx[4] = {2, 3, hw[k][0], hw[k][1]}, sc[1] = {3};
		dh_tensor *in[5] = {t_new(4, sx), t_new(1, sc), t_new(1, sc),
				    t_new(1, sc), t_new(1, sc)};
		t_rand(in[0], &t.rng, -2, 3);
		t_rand(in[1], &t.rng, 0.5f, 1.5f);
		t_rand(in[2], &t.rng, -1, 1);
		t_rand(in[4], &t.rng, 0.5f, 1.5f);
		dh_op_attrs a;
		dh_op_attrs_init(&a, DH_OP_BATCHNORM);
		a.training_mode = 1;
		dh_tensor *out[1];
		int64_t P = hw[k][0] * hw[k][1], n = 2 * 3 * P;
		if (run_forward(&t.ctx, DH_OP_BATCHNORM, &a, 5, in, 1, out)) {
			const float *x = dh_tensor_f32(in[0]);
			float *want = malloc(sizeof(float) * (size_t)n);
			for (int64_t c = 0; c < 3; c++) {
				double s = 0, q = 0;
				for (int64_t i = 0; i < 2; i++)
					for (int64_t j = 0; j < P; j++)
						s += x[(i * 3 + c) * P + j];
				double mu = s / (2 * P);
				for (int64_t i = 0; i < 2; i++)
					for (int64_t j = 0; j < P; j++) {
						double d = x[(i * 3 + c) * P + j] - mu;
						q += d * d;
					}
				double inv = 1.0 / sqrt(q / (2 * P) + a.epsilon);
				for (int64_t i = 0; i < 2; i++)
					for (int64_t j = 0; j < P; j++) {
						int64_t o = (i * 3 + c) * P + j;
						want[o] = (float)((x[o] - mu) * inv *
									  dh_tensor_f32(in[1])[c] +
								  dh_tensor_f32(in[2])[c]);
					}
			}
			CHECK_CLOSE("bn training Y, wide planes",
				    dh_tensor_f32(out[0]), want, n, 1e-5, 1e-5);
			free(want);
			free_all(out, 1);
		}
		GC_OP("bn training, wide planes", &t.ctx, DH_OP_BATCHNORM, &a,
		      5, in, 1, .eps = 5e-3, .wrt = 7);
		free_all(in, 5);
	}
	env_release(&t);
}

TAP_MAIN(TAP_CASE(batchnorm_inference_matches_numpy),
	 TAP_CASE(batchnorm_training_matches_numpy),
	 TAP_CASE(batchnorm_edge_shapes), TAP_CASE(layernorm_matches_numpy),
	 TAP_CASE(instancenorm_matches_numpy),
	 TAP_CASE(batchnorm_training_wide_planes))
