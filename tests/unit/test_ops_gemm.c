/* test_ops_gemm.c - Gemm and MatMul: forward against NumPy, backward against
 * finite differences. */
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "gradcheck.h"
#include "ops/cpu/cpu.h"
#include "ref_ops.h"

TEST(gemm_forward_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_GEMM);
	a.alpha = 0.7f, a.beta = 1.3f;
	dh_tensor *in[3] = {T(gemm1_a), T(gemm1_b), T(gemm1_c)}, *out[1];
	if (run_forward(&t.ctx, DH_OP_GEMM, &a, 3, in, 1, out)) {
		CHECK_CLOSE("gemm1", dh_tensor_f32(out[0]), gemm1_y,
			    NUMEL(gemm1_y), 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	for (int i = 0; i < 3; i++)
		dh_tensor_free(in[i]);

	dh_op_attrs_init(&a, DH_OP_GEMM);
	a.trans_a = a.trans_b = 1, a.beta = 0.5f;
	dh_tensor *in2[3] = {T(gemm2_a), T(gemm2_b), T(gemm2_c)};
	if (run_forward(&t.ctx, DH_OP_GEMM, &a, 3, in2, 1, out)) {
		CHECK_CLOSE("gemm2 (transA, transB, C [M,1])",
			    dh_tensor_f32(out[0]), gemm2_y, NUMEL(gemm2_y),
			    1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	for (int i = 0; i < 3; i++)
		dh_tensor_free(in2[i]);
	env_release(&t);
}

TEST(gemm_backward_all_transposes_and_c_shapes)
{
	test_env t;
	env_init(&t, 2);
	/* C shapes broadcast to [M, N] = [3, 5] */
	static const int64_t cs[][3] = {{0}, {1, 5}, {2, 3, 1}, {2, 1, 5},
					{2, 3, 5}, {1, 1}};
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++)
			for (int c = 0; c < 6; c++) {
				dh_op_attrs a;
				dh_op_attrs_init(&a, DH_OP_GEMM);
				a.trans_a = ta, a.trans_b = tb;
				a.alpha = 0.8f, a.beta = -1.5f;
				int64_t sa[2] = {ta ? 4 : 3, ta ? 3 : 4};
				int64_t sb[2] = {tb ? 5 : 4, tb ? 4 : 5};
				dh_tensor *in[3] = {t_new(2, sa), t_new(2, sb),
						    t_new((int)cs[c][0],
							  cs[c] + 1)};
				for (int i = 0; i < 3; i++)
					t_rand(in[i], &t.rng, -1, 1);
				char what[64];
				snprintf(what, sizeof what,
					 "gemm transA=%d transB=%d C#%d", ta,
					 tb, c);
				GC_OP(what, &t.ctx, DH_OP_GEMM, &a, 3, in, 1,
				      .eps = 1e-2);
				for (int i = 0; i < 3; i++)
					dh_tensor_free(in[i]);
			}
	env_release(&t);
}

TEST(gemm_without_c)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_GEMM);
	dh_tensor *in[3] = {T(gemm1_a), T(gemm1_b), NULL}, *out[1];
	if (run_forward(&t.ctx, DH_OP_GEMM, &a, 2, in, 1, out)) {
		/* gemm1_y - 1.3 C, scaled back by 1/0.7 */
		float want[15];
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 5; j++)
				want[i * 5 + j] = (gemm1_y[i * 5 + j] -
						   1.3f * gemm1_c[j]) /
						  0.7f;
		CHECK_CLOSE("gemm no C", dh_tensor_f32(out[0]), want, 15,
			    1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	/* a NULL optional C passed as a third input is the same */
	if (run_forward(&t.ctx, DH_OP_GEMM, &a, 3, in, 1, out))
		dh_tensor_free(out[0]);
	GC_OP("gemm no C", &t.ctx, DH_OP_GEMM, &a, 2, in, 1, .eps = 1e-2);
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	env_release(&t);
}

TEST(gemm_shape_errors_name_the_node)
{
	test_env t;
	env_init(&t, 1);
	t.ctx.node = "fc2";
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_GEMM);
	int64_t sa[2] = {3, 4}, sb[2] = {5, 6}, so[2] = {3, 6};
	dh_tensor *in[2] = {t_new(2, sa), t_new(2, sb)}, *out = t_new(2, so);
	dh_err e;
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_GEMM, &a, 2,
				(const dh_tensor *const *)in, 1, &out, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "Gemm node 'fc2'");
	CHECK_HAS(e.msg, "disagree on K");
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	dh_tensor_free(out);
	env_release(&t);
}

TEST(matmul_forward_broadcast_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_MATMUL);
	dh_tensor *in[2] = {T(matmul_a), T(matmul_b)}, *out[1];
	if (run_forward(&t.ctx, DH_OP_MATMUL, &a, 2, in, 1, out)) {
		CHECK_INT(out[0]->ndim, 4);
		CHECK_INT(out[0]->shape[1], 3);
		CHECK_CLOSE("matmul", dh_tensor_f32(out[0]), matmul_y,
			    NUMEL(matmul_y), 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	/* both operands are broadcast along a batch axis */
	GC_OP("matmul broadcast", &t.ctx, DH_OP_MATMUL, &a, 2, in, 1,
	      .eps = 1e-2);
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	int64_t s2[2] = {1, 7}, s3[2] = {7, 1};
	dh_tensor *in2[2] = {t_new(2, s2), t_new(2, s3)};
	t_rand(in2[0], &t.rng, -1, 1);
	t_rand(in2[1], &t.rng, -1, 1);
	GC_OP("matmul [1,7]x[7,1]", &t.ctx, DH_OP_MATMUL, &a, 2, in2, 1,
	      .eps = 1e-2);
	dh_tensor_free(in2[0]);
	dh_tensor_free(in2[1]);
	env_release(&t);
}

TEST(matmul_promotes_vectors)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_MATMUL);
	/* two copies of the vector: the checker perturbs inputs one by one */
	dh_tensor *v = T(mmv_a), *v2 = T(mmv_a), *m3 = T(mmv_b), *w = T(mmv_c);
	dh_tensor *out[1];
	struct {
		dh_tensor *x, *y;
		const float *want;
		int64_t n;
		int ndim;
	} c[] = {{v, m3, mmv_y1, NUMEL(mmv_y1), 2},
		 {m3, w, mmv_y2, NUMEL(mmv_y2), 2},
		 {v, v2, mmv_y3, 1, 0}};
	for (int k = 0; k < 3; k++) {
		dh_tensor *in[2] = {c[k].x, c[k].y};
		if (run_forward(&t.ctx, DH_OP_MATMUL, &a, 2, in, 1, out)) {
			CHECK_INT(out[0]->ndim, c[k].ndim);
			CHECK_CLOSE("matmul with a vector",
				    dh_tensor_f32(out[0]), c[k].want, c[k].n,
				    1e-6, 1e-6);
			dh_tensor_free(out[0]);
		}
		GC_OP("matmul with a vector", &t.ctx, DH_OP_MATMUL, &a, 2, in,
		      1, .eps = 1e-2);
	}
	dh_tensor_free(v);
	dh_tensor_free(v2);
	dh_tensor_free(m3);
	dh_tensor_free(w);
	env_release(&t);
}

/* dh_cpu_sgemm (the own AVX-512 kernel where the CPU has it, OpenBLAS
 * otherwise) against a double-precision product, over shapes that leave
 * partial tiles and K blocks, few rows of A (no packing), every
 * transpose, alpha and beta; and, for
 * dh's kernel, the same bits with 1 and 2 threads (each element sums K in
 * a fixed order). */
TEST(sgemm_matches_reference_and_ignores_threads)
{
	static const int64_t shapes[][3] = {
		{1, 1, 1},    {7, 47, 5},     {9, 49, 257},  {64, 100, 300},
		{130, 97, 513}, {17, 1600, 33}, {33, 31, 1000}, {8, 48, 256},
		{200, 7, 70}, {3, 500, 41},
		/* at most 4 rows of A against a large B: the unpacked
		 * path (a batch-1 fully connected layer) */
		{1, 700, 1000}, {3, 130, 600}, {4, 64, 1030}, {2, 1000, 77},
		/* tall and narrower than a panel: run transposed */
		{300, 20, 700}, {97, 1, 64}};
	static const float ab[][2] = {{1.0f, 0.0f}, {0.5f, 1.0f},
				      {1.0f, -0.75f}};
	dh_rng r;
	dh_rng_seed(&r, 7);
	int own = dh_cpu_sgemm_kernel_own();
	printf("# sgemm kernel: %s\n", own ? "dh AVX-512" : "OpenBLAS");
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		for (int ta = 0; ta < 2; ta++)
			for (int tb = 0; tb < 2; tb++)
				for (int q = 0; q < 3; q++) {
					int64_t m = shapes[s][0], n = shapes[s][1],
						k = shapes[s][2];
					/* leading dimensions wider than the
					 * matrices, to catch stride slips */
					int64_t lda = (ta ? m : k) + 3,
						ldb = (tb ? k : n) + 5, ldc = n + 2;
					int64_t ra = ta ? k : m, rb = tb ? n : k;
					float *a = malloc(sizeof(float) * ra * lda);
					float *b = malloc(sizeof(float) * rb * ldb);
					float *c0 = malloc(sizeof(float) * m * ldc);
					float *c1 = malloc(sizeof(float) * m * ldc);
					float *c2 = malloc(sizeof(float) * m * ldc);
					if (!a || !b || !c0 || !c1 || !c2) {
						printf("# out of memory\n");
						exit(99);
					}
					for (int64_t i = 0; i < ra * lda; i++)
						a[i] = dh_rng_uniform(&r, -1, 1);
					for (int64_t i = 0; i < rb * ldb; i++)
						b[i] = dh_rng_uniform(&r, -1, 1);
					for (int64_t i = 0; i < m * ldc; i++)
						c0[i] = c1[i] = c2[i] =
							dh_rng_uniform(&r, -1, 1);
					float al = ab[q][0], be = ab[q][1];
#ifdef _OPENMP
					omp_set_num_threads(1);
#endif
					dh_cpu_sgemm(ta, tb, m, n, k, al, a, lda, b,
						     ldb, be, c1, ldc);
#ifdef _OPENMP
					omp_set_num_threads(2);
#endif
					dh_cpu_sgemm(ta, tb, m, n, k, al, a, lda, b,
						     ldb, be, c2, ldc);
					double worst = 0.0;
					int64_t wi = 0, same = 1;
					for (int64_t i = 0; i < m; i++)
						for (int64_t j = 0; j < ldc; j++) {
							int64_t o = i * ldc + j;
							same &= memcmp(c1 + o, c2 + o,
								       sizeof(float)) == 0;
							if (j >= n) {
								/* past the matrix:
								 * untouched */
								same &= c1[o] == c0[o];
								continue;
							}
							double acc = 0.0, mag = 0.0;
							for (int64_t p = 0; p < k; p++) {
								double x = ta ? a[p * lda + i]
									      : a[i * lda + p];
								double y = tb ? b[j * ldb + p]
									      : b[p * ldb + j];
								acc += x * y;
								mag += fabs(x * y);
							}
							double want = al * acc +
								      (be == 0.0f ? 0.0
										  : be * c0[o]);
							double err = fabs(c1[o] - want) /
								     (fabs(al) * mag +
								      fabs(be * c0[o]) + 1e-30);
							if (err > worst)
								worst = err, wi = o;
						}
					if (worst > 1e-5 || (!same && own))
						printf("# sgemm %lldx%lldx%lld ta=%d "
						       "tb=%d alpha=%g beta=%g: worst "
						       "relative error %.3g at %lld "
						       "(tolerance 1e-5), threads "
						       "agree: %s\n",
						       (long long)m, (long long)n,
						       (long long)k, ta, tb, al, be,
						       worst, (long long)wi,
						       same ? "yes" : "no");
					CHECK(worst <= 1e-5);
					/* OpenBLAS may split K differently per
					 * thread count: only dh's kernel
					 * promises this */
					CHECK(same || !own);
					free(a);
					free(b);
					free(c0);
					free(c1);
					free(c2);
				}
#ifdef _OPENMP
	omp_set_num_threads(1);
#endif
}

TAP_MAIN(TAP_CASE(gemm_forward_matches_numpy),
	 TAP_CASE(gemm_backward_all_transposes_and_c_shapes),
	 TAP_CASE(gemm_without_c), TAP_CASE(gemm_shape_errors_name_the_node),
	 TAP_CASE(matmul_forward_broadcast_matches_numpy),
	 TAP_CASE(matmul_promotes_vectors),
	 TAP_CASE(sgemm_matches_reference_and_ignores_threads))
