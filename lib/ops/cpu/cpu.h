/* cpu.h - the CPU backend's kernels (internal to lib/ops/cpu/).
 *
 * Each file holds one op family; table.c gathers them into the dispatch
 * table.  Kernels are called by dh_op_forward/dh_op_backward after the
 * arity, dtypes and shapes were checked, so they only check what depends
 * on values.  Parallel loops give each output element to one thread and sum
 * in a fixed order, so results do not depend on scheduling. */
#ifndef DH_OPS_CPU_CPU_H
#define DH_OPS_CPU_CPU_H

#include <stdint.h>
#include <string.h>

#include "ops/op.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef _OPENMP
#define DH_PRAGMA(x) _Pragma(#x)
/* A parallel for over a loop worth splitting (work: elements touched). */
#define DH_OMP_FOR(ctx, work)                                                \
	DH_PRAGMA(omp parallel for num_threads(dh_cpu_threads(ctx, work)))
/* The same for an elementwise loop with no dependence between iterations
 * and no reduction, which the compiler may then vectorise (each element
 * is computed as in the scalar loop, so results do not change). */
#define DH_OMP_FOR_SIMD(ctx, work)                                           \
	DH_PRAGMA(omp parallel for simd num_threads(dh_cpu_threads(ctx, work)))
/* A loop the compiler may vectorise: no dependence between iterations. */
#define DH_OMP_SIMD DH_PRAGMA(omp simd)
#else
#define DH_OMP_FOR(ctx, work)
#define DH_OMP_FOR_SIMD(ctx, work)
#define DH_OMP_SIMD
#endif

/* Threads for a loop touching `work` elements: one below the device's
 * parallel_min (see device.h for why it is high by default). */
static inline int dh_cpu_threads(const dh_op_ctx *ctx, int64_t work)
{
	const dh_device *d = ctx->dev;
	long long min = d->parallel_min > 0 ? d->parallel_min
					    : DH_DEVICE_PARALLEL_MIN;
	return work < min || d->threads < 1 ? 1 : d->threads;
}

/* Threads for a kernel that opens its own parallel region and divides the
 * work itself (Conv, Winograd): the device's, or one when already inside a
 * parallel region. */
static inline int dh_cpu_team(const dh_op_ctx *ctx)
{
	int nt = ctx->dev->threads > 1 ? ctx->dev->threads : 1;
#ifdef _OPENMP
	return omp_in_parallel() ? 1 : nt;
#else
	(void)nt;
	return 1;
#endif
}

/* This thread's number in the current team (0 outside one). */
static inline int dh_cpu_thread_id(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

/* Row-major C = alpha * op(A) op(B) + beta * C, op(A) [m, k], op(B) [k, n]. */
void dh_cpu_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
		  float alpha, const float *a, int64_t lda, const float *b,
		  int64_t ldb, float beta, float *c, int64_t ldc);
/* 1 when dh_cpu_sgemm runs dh's own AVX-512 kernel (sgemm.c), 0 when
 * OpenBLAS does all the work (no AVX-512F, or DH_SGEMM=openblas). */
int dh_cpu_sgemm_kernel_own(void);
/* A product whose op(A) [m, k] is packed once and used many times
 * (winograd.c's transformed weights): element (i, p) of op(A) goes to
 * ap[dh_cpu_sgemm_apack_index(m, k, i, p)] in a buffer of
 * dh_cpu_sgemm_apack_floats(m, k) floats (rows past m zero), and
 * dh_cpu_sgemm_apacked computes C [m, n] = op(A) B + beta C on the calling
 * thread.  The layout is the own kernel's panels (for 8 rows, a run of 8
 * floats per p); only where dh_cpu_sgemm_kernel_own() is 1 (elsewhere it
 * is row-major and OpenBLAS runs the product). */
int64_t dh_cpu_sgemm_apack_index(int64_t m, int64_t k, int64_t i, int64_t p);
int64_t dh_cpu_sgemm_apack_floats(int64_t m, int64_t k);
void dh_cpu_sgemm_apacked(int64_t m, int64_t n, int64_t k, const float *ap,
			  const float *b, int64_t ldb, float beta, float *c,
			  int64_t ldc);
/* 1 when the CPU runs AVX-512F and VL and this build has kernels for it
 * (checked once); the other kernels with AVX-512 paths dispatch on it.
 * DH_NO_AVX512=1 turns every AVX-512 path off (both functions answer 0),
 * to test the portable paths on a machine that has AVX-512. */
int dh_cpu_avx512(void);
/* Relu's gradient: dy where v (Relu's input, or its output) is above 0,
 * else dy * 0 (which keeps NaN and the sign of zero), as a bitwise choice
 * between the two values, which vectorises where a conditional does not
 * (GCC will not if-convert it).  Shared by Relu and the ops a Relu is
 * folded into (graph/plan.c). */
static inline __attribute__((always_inline)) float dh_cpu_relu_grad(float v,
								      float dy)
{
	float zero = dy * 0.0f;
	uint32_t bd, bz, m = -(uint32_t)(v > 0.0f);
	memcpy(&bd, &dy, sizeof bd);
	memcpy(&bz, &zero, sizeof bz);
	bd = (bd & m) | (bz & ~m);
	memcpy(&dy, &bd, sizeof bd);
	return dy;
}

/* The sum of p[0 .. n) in double, in an order fixed by n (norm.c). */
double dh_cpu_dsum(const float *p, int64_t n);

#if defined(__x86_64__) && defined(__GNUC__)
#define DH_CPU_X86_AVX512 1
#define DH_TARGET_AVX512 __attribute__((target("avx512f,avx512vl")))
#endif

const dh_backend *dh_cpu_backend(void);

#define DH_CPU_KERNEL(name)                                                  \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e);                                                  \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)

DH_CPU_KERNEL(gemm);
DH_CPU_KERNEL(matmul);
DH_CPU_KERNEL(conv);
DH_CPU_KERNEL(maxpool);
DH_CPU_KERNEL(averagepool);
DH_CPU_KERNEL(globalaveragepool);
DH_CPU_KERNEL(globalmaxpool);
DH_CPU_KERNEL(batchnorm);
DH_CPU_KERNEL(relu);
DH_CPU_KERNEL(leakyrelu);
DH_CPU_KERNEL(sigmoid);
DH_CPU_KERNEL(tanh);
DH_CPU_KERNEL(elu);
DH_CPU_KERNEL(selu);
DH_CPU_KERNEL(softplus);
DH_CPU_KERNEL(softsign);
DH_CPU_KERNEL(hardsigmoid);
DH_CPU_KERNEL(gelu);
DH_CPU_KERNEL(abs);
DH_CPU_KERNEL(neg);
DH_CPU_KERNEL(exp);
DH_CPU_KERNEL(log);
DH_CPU_KERNEL(sqrt);
DH_CPU_KERNEL(reciprocal);
DH_CPU_KERNEL(softmax);
DH_CPU_KERNEL(logsoftmax);
DH_CPU_KERNEL(add);
DH_CPU_KERNEL(sub);
DH_CPU_KERNEL(mul);
DH_CPU_KERNEL(div);
DH_CPU_KERNEL(flatten);
DH_CPU_KERNEL(reshape);
DH_CPU_KERNEL(identity);
DH_CPU_KERNEL(dropout);
DH_CPU_KERNEL(layernorm);
DH_CPU_KERNEL(instancenorm);
DH_CPU_KERNEL(transpose);
DH_CPU_KERNEL(concat);
DH_CPU_KERNEL(split);
DH_CPU_KERNEL(slice);
DH_CPU_KERNEL(pad);
DH_CPU_KERNEL(squeeze);
DH_CPU_KERNEL(unsqueeze);
DH_CPU_KERNEL(reducesum);
DH_CPU_KERNEL(reducemean);
DH_CPU_KERNEL(reducemax);
DH_CPU_KERNEL(reducemin);
DH_CPU_KERNEL(reducel2);
DH_CPU_KERNEL(convtranspose);
DH_CPU_KERNEL(pow);
DH_CPU_KERNEL(prelu);
DH_CPU_KERNEL(sum);
DH_CPU_KERNEL(mean);
DH_CPU_KERNEL(max);
DH_CPU_KERNEL(min);
DH_CPU_KERNEL(clip);
DH_CPU_KERNEL(gather);
DH_CPU_KERNEL(expand);
DH_CPU_KERNEL(tile);
DH_CPU_KERNEL(resize);
DH_CPU_KERNEL(rnn);
DH_CPU_KERNEL(gru);
DH_CPU_KERNEL(lstm);
DH_CPU_KERNEL(erf);

#endif
