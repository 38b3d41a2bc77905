/* sgemm.c - dh_cpu_sgemm: dh's own AVX-512 single-precision GEMM, with
 * OpenBLAS as the fallback.
 *
 * OpenBLAS 0.3.21 runs its AVX2 (Haswell) sgemm kernel on the CPUs this
 * project trains on (AMD Zen 5, whose AVX-512 units are 512 bits wide), so
 * it reaches about half the FMA peak.  This file packs op(A) into panels of
 * MR rows and op(B) into panels of NR columns (zeros past the edges), the
 * usual Goto/BLIS blocking (KC deep, MC rows of A per packed block, NC
 * columns of B), and an 8x48 micro-kernel keeps 24 zmm accumulators.
 *
 * Threads split C into column ranges (row ranges when C is narrow); each
 * element of C is computed by one thread, summing K in blocks of KC in the
 * same order whatever the thread count, so results are bit-identical for
 * any number of threads.
 *
 * Dispatch: the kernel runs where the CPU has AVX-512F (checked once with
 * __builtin_cpu_supports) and the product is large enough to pay for the
 * packing; DH_SGEMM=openblas forces OpenBLAS everywhere (to compare), and
 * builds whose compiler lacks the target attribute use OpenBLAS only. */
#include "config.h"

#include <cblas.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/alloc.h"
#include "ops/cpu/cpu.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define DH_HAVE_AVX512_GEMM 1
#include <immintrin.h>
#endif

/* ---- OpenBLAS and the exact fallbacks ------------------------------------ */

static void blas_sgemm(int trans_a, int trans_b, int64_t m, int64_t n,
		       int64_t k, float alpha, const float *a, int64_t lda,
		       const float *b, int64_t ldb, float beta, float *c,
		       int64_t ldc)
{
	if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX ||
	    ldb > INT_MAX || ldc > INT_MAX) {
		/* beyond what the BLAS interface's int can say: slow but
		 * right */
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++) {
				double acc = 0.0;
				for (int64_t p = 0; p < k; p++)
					acc += (double)(trans_a ? a[p * lda + i]
								: a[i * lda + p]) *
					       (trans_b ? b[j * ldb + p]
							: b[p * ldb + j]);
				float *cij = c + i * ldc + j;
				*cij = (float)(alpha * acc +
					       (beta == 0.0f ? 0.0 : beta * *cij));
			}
		return;
	}
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
		    alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

#ifdef DH_HAVE_AVX512_GEMM

#define MR 8
#define NR 48
#define KC 256
#define MC 128
#define NC 1536

/* Per-thread packing buffers: grown on first use, kept for the thread's
 * life (no allocation in a training step after the first), freed when the
 * thread ends. */
typedef struct pack_buf {
	float *a, *b;
	float *t; /* C transposed (narrow products), t_cap floats */
	size_t t_cap;
} pack_buf;

static pthread_key_t pack_key;
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;
static int pack_key_ok;

static void pack_free(void *p)
{
	pack_buf *pb = p;
	if (!pb)
		return;
	dh_free_aligned(pb->a);
	dh_free_aligned(pb->b);
	dh_free_aligned(pb->t);
	free(pb);
}

static void pack_key_init(void)
{
	pack_key_ok = pthread_key_create(&pack_key, pack_free) == 0;
}

static pack_buf *pack_get(void)
{
	pthread_once(&pack_once, pack_key_init);
	if (!pack_key_ok)
		return NULL;
	pack_buf *pb = pthread_getspecific(pack_key);
	if (pb)
		return pb;
	pb = calloc(1, sizeof *pb);
	if (!pb)
		return NULL;
	pb->a = dh_alloc_aligned((size_t)MC * KC * sizeof(float), NULL);
	pb->b = dh_alloc_aligned((size_t)KC * NC * sizeof(float), NULL);
	if (!pb->a || !pb->b || pthread_setspecific(pack_key, pb)) {
		pack_free(pb);
		return NULL;
	}
	return pb;
}

/* How the micro-kernel writes its tile: C = acc, C += acc, or
 * C = beta C + acc. */
enum { ST_SET, ST_ADD, ST_BETA };

/* ap: kc x MR (k-major), bp: kc x NR; c: MR x NR with row stride ldc. */
__attribute__((target("avx512f"))) static void
kernel_8x48(int64_t kc, const float *restrict ap, const float *restrict bp,
	    float *c, int64_t ldc, int mode, float beta)
{
#define ROW_DECL(i)                                                          \
	__m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps(), \
	       c##i##2 = _mm512_setzero_ps()
	ROW_DECL(0);
	ROW_DECL(1);
	ROW_DECL(2);
	ROW_DECL(3);
	ROW_DECL(4);
	ROW_DECL(5);
	ROW_DECL(6);
	ROW_DECL(7);
#define ROW_FMA(i)                                                           \
	do {                                                                 \
		__m512 av = _mm512_set1_ps(ap[i]);                           \
		c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);                  \
		c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1);                  \
		c##i##2 = _mm512_fmadd_ps(av, b2, c##i##2);                  \
	} while (0)
	for (int64_t p = 0; p < kc; p++) {
		__m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16),
		       b2 = _mm512_load_ps(bp + 32);
		_mm_prefetch((const char *)(bp + 8 * NR), _MM_HINT_T0);
		/* A may come from memory (a panel packed once, dh_cpu_sgemm_apacked) */
		_mm_prefetch((const char *)(ap + 16 * MR), _MM_HINT_T0);
		ROW_FMA(0);
		ROW_FMA(1);
		ROW_FMA(2);
		ROW_FMA(3);
		ROW_FMA(4);
		ROW_FMA(5);
		ROW_FMA(6);
		ROW_FMA(7);
		ap += MR;
		bp += NR;
	}
	__m512 bv = _mm512_set1_ps(beta);
#define ROW_ST1(i, j)                                                        \
	do {                                                                 \
		float *q = c + (i) * ldc + 16 * (j);                         \
		if (mode == ST_SET)                                          \
			_mm512_storeu_ps(q, c##i##j);                        \
		else if (mode == ST_ADD)                                     \
			_mm512_storeu_ps(q, _mm512_add_ps(_mm512_loadu_ps(q), \
							  c##i##j));         \
		else                                                         \
			_mm512_storeu_ps(                                    \
				q, _mm512_add_ps(_mm512_mul_ps(               \
							 bv, _mm512_loadu_ps(q)), \
						 c##i##j));                  \
	} while (0)
#define ROW_ST(i)                                                            \
	do {                                                                 \
		ROW_ST1(i, 0);                                               \
		ROW_ST1(i, 1);                                               \
		ROW_ST1(i, 2);                                               \
	} while (0)
	ROW_ST(0);
	ROW_ST(1);
	ROW_ST(2);
	ROW_ST(3);
	ROW_ST(4);
	ROW_ST(5);
	ROW_ST(6);
	ROW_ST(7);
#undef ROW_DECL
#undef ROW_FMA
#undef ROW_ST1
#undef ROW_ST
}

/* dst[p * ds + i] = alpha src[i * ld + p] for i < rows (zeros for rows
 * up to 8), p < kc: 8x8 blocks transposed in registers. */
__attribute__((target("avx512f"))) static void
pack_t8(const float *src, int64_t ld, int64_t rows, int64_t kc, float alpha,
	float *dst, int64_t ds)
{
	if (rows <= 0) {
		for (int64_t p = 0; p < kc; p++)
			_mm256_storeu_ps(dst + p * ds, _mm256_setzero_ps());
		return;
	}
	int64_t p = 0;
	if (rows >= 8) {
		__m256 al = _mm256_set1_ps(alpha);
		for (; p + 8 <= kc; p += 8) {
			const float *s = src + p;
			__m256 r0 = _mm256_loadu_ps(s),
			       r1 = _mm256_loadu_ps(s + ld),
			       r2 = _mm256_loadu_ps(s + 2 * ld),
			       r3 = _mm256_loadu_ps(s + 3 * ld),
			       r4 = _mm256_loadu_ps(s + 4 * ld),
			       r5 = _mm256_loadu_ps(s + 5 * ld),
			       r6 = _mm256_loadu_ps(s + 6 * ld),
			       r7 = _mm256_loadu_ps(s + 7 * ld);
			__m256 t0 = _mm256_unpacklo_ps(r0, r1),
			       t1 = _mm256_unpackhi_ps(r0, r1),
			       t2 = _mm256_unpacklo_ps(r2, r3),
			       t3 = _mm256_unpackhi_ps(r2, r3),
			       t4 = _mm256_unpacklo_ps(r4, r5),
			       t5 = _mm256_unpackhi_ps(r4, r5),
			       t6 = _mm256_unpacklo_ps(r6, r7),
			       t7 = _mm256_unpackhi_ps(r6, r7);
			__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44),
			       u1 = _mm256_shuffle_ps(t0, t2, 0xee),
			       u2 = _mm256_shuffle_ps(t1, t3, 0x44),
			       u3 = _mm256_shuffle_ps(t1, t3, 0xee),
			       u4 = _mm256_shuffle_ps(t4, t6, 0x44),
			       u5 = _mm256_shuffle_ps(t4, t6, 0xee),
			       u6 = _mm256_shuffle_ps(t5, t7, 0x44),
			       u7 = _mm256_shuffle_ps(t5, t7, 0xee);
			__m256 o[8] = {
				_mm256_permute2f128_ps(u0, u4, 0x20),
				_mm256_permute2f128_ps(u1, u5, 0x20),
				_mm256_permute2f128_ps(u2, u6, 0x20),
				_mm256_permute2f128_ps(u3, u7, 0x20),
				_mm256_permute2f128_ps(u0, u4, 0x31),
				_mm256_permute2f128_ps(u1, u5, 0x31),
				_mm256_permute2f128_ps(u2, u6, 0x31),
				_mm256_permute2f128_ps(u3, u7, 0x31)};
			for (int q = 0; q < 8; q++)
				_mm256_storeu_ps(dst + (p + q) * ds,
						 alpha == 1.0f
							 ? o[q]
							 : _mm256_mul_ps(o[q], al));
		}
	}
	for (; p < kc; p++)
		for (int64_t i = 0; i < 8; i++)
			dst[p * ds + i] =
				i < rows ? alpha * src[i * ld + p] : 0.0f;
}

/* Pack op(A)[i0 .. i0+mc, p0 .. p0+kc] into panels of MR rows, k-major,
 * rows past mc zero; alpha is applied here. */
__attribute__((target("avx512f"))) static void
pack_a(int trans_a, const float *a, int64_t lda, int64_t i0, int64_t mc,
       int64_t p0, int64_t kc, float alpha, float *ap)
{
	for (int64_t ir = 0; ir < mc; ir += MR) {
		int64_t mr = mc - ir < MR ? mc - ir : MR;
		float *dst = ap + ir * kc;
		if (trans_a) {
			/* A(i, p) = a[p * lda + i]: MR contiguous per p */
			const float *src = a + p0 * lda + i0 + ir;
			__mmask16 mk = (__mmask16)((1u << mr) - 1);
			__m512 al = _mm512_set1_ps(alpha);
			for (int64_t p = 0; p < kc; p++) {
				__m512 v = _mm512_maskz_loadu_ps(mk,
								 src + p * lda);
				if (alpha != 1.0f)
					v = _mm512_mul_ps(v, al);
				_mm256_store_ps(dst + p * MR,
						_mm512_castps512_ps256(v));
			}
		} else {
			pack_t8(a + (i0 + ir) * lda + p0, lda, mr, kc, alpha,
				dst, MR);
		}
	}
}

/* Pack op(B)[p0 .. p0+kc, j0 .. j0+nc] into panels of NR columns, k-major,
 * columns past nc zero. */
__attribute__((target("avx512f"))) static void
pack_b(int trans_b, const float *b, int64_t ldb, int64_t p0, int64_t kc,
       int64_t j0, int64_t nc, float *bp)
{
	for (int64_t jr = 0; jr < nc; jr += NR) {
		int64_t nr = nc - jr < NR ? nc - jr : NR;
		float *dst = bp + jr * kc;
		if (!trans_b) {
			/* B(p, j) = b[p * ldb + j]: a row of NR per p */
			const float *src = b + p0 * ldb + j0 + jr;
			if (nr == NR) {
				for (int64_t p = 0; p < kc; p++) {
					const float *s = src + p * ldb;
					float *d = dst + p * NR;
					_mm512_store_ps(d, _mm512_loadu_ps(s));
					_mm512_store_ps(d + 16,
							_mm512_loadu_ps(s + 16));
					_mm512_store_ps(d + 32,
							_mm512_loadu_ps(s + 32));
				}
			} else {
				for (int64_t p = 0; p < kc; p++)
					for (int64_t q = 0; q < 3; q++) {
						int64_t left = nr - 16 * q;
						__mmask16 mk =
							left >= 16 ? 0xffff
							: left <= 0
								? 0
								: (__mmask16)((1u << left) - 1);
						_mm512_store_ps(
							dst + p * NR + 16 * q,
							_mm512_maskz_loadu_ps(
								mk, src + p * ldb +
									    16 * q));
					}
			}
		} else {
			/* B(p, j) = b[j * ldb + p]: 8 columns at a time */
			const float *src = b + (j0 + jr) * ldb + p0;
			for (int64_t q = 0; q < NR; q += 8)
				pack_t8(src + q * ldb, ldb, nr - q, kc, 1.0f,
					dst + q, NR);
		}
	}
}

/* C[m, n] (row stride ldc) = alpha op(A) op(B) + beta C, on one thread;
 * apre: op(A) packed beforehand (dh_cpu_sgemm_apack_index's layout, alpha
 * applied), or NULL to pack it here. */
__attribute__((target("avx512f"))) static void
gemm_serial(pack_buf *pb, int trans_a, int trans_b, int64_t m, int64_t n,
	    int64_t k, float alpha, const float *a, int64_t lda,
	    const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
	    const float *apre)
{
	int64_t mpad = (m + MR - 1) / MR * MR;
	float tile[MR * NR] __attribute__((aligned(64)));
	for (int64_t jc = 0; jc < n; jc += NC) {
		int64_t nc = n - jc < NC ? n - jc : NC;
		for (int64_t pc = 0; pc < k; pc += KC) {
			int64_t kc = k - pc < KC ? k - pc : KC;
			int mode = pc > 0	    ? ST_ADD
				   : beta == 0.0f ? ST_SET
				   : beta == 1.0f ? ST_ADD
						  : ST_BETA;
			pack_b(trans_b, b, ldb, pc, kc, jc, nc, pb->b);
			for (int64_t ic = 0; ic < m; ic += MC) {
				int64_t mc = m - ic < MC ? m - ic : MC;
				const float *ablk = apre ? apre + pc * mpad + ic * kc
							 : pb->a;
				if (!apre)
					pack_a(trans_a, a, lda, ic, mc, pc, kc, alpha,
					       pb->a);
				for (int64_t jr = 0; jr < nc; jr += NR) {
					int64_t nr = nc - jr < NR ? nc - jr : NR;
					const float *bpp = pb->b + jr * kc;
					for (int64_t ir = 0; ir < mc; ir += MR) {
						int64_t mr = mc - ir < MR ? mc - ir
									  : MR;
						const float *app = ablk + ir * kc;
						float *cc = c + (ic + ir) * ldc +
							    jc + jr;
						if (mr == MR && nr == NR) {
							kernel_8x48(kc, app, bpp,
								    cc, ldc, mode,
								    beta);
							continue;
						}
						/* an edge tile: through a
						 * local tile, then merged as
						 * the kernel would */
						kernel_8x48(kc, app, bpp, tile,
							    NR, ST_SET, 0.0f);
						for (int64_t i = 0; i < mr; i++)
							for (int64_t j = 0; j < nr;
							     j++) {
								float *q = cc + i * ldc +
									   j;
								float t = tile[i * NR +
									       j];
								*q = mode == ST_SET
									     ? t
									     : mode == ST_ADD
										       ? *q + t
										       : beta * *q +
												 t;
							}
					}
				}
			}
		}
	}
}

/* DH_NO_AVX512 (any value but "0"): run the portable paths everywhere, as
 * on a CPU without AVX-512 (to test them). */
static int avx512_off(void)
{
	const char *env = getenv("DH_NO_AVX512");
	return env && *env && strcmp(env, "0");
}

/* 1: use the own kernel (AVX-512F present, DH_SGEMM not "openblas"). */
static int own_ok;
static pthread_once_t own_once = PTHREAD_ONCE_INIT;

static void own_init(void)
{
	const char *env = getenv("DH_SGEMM");
	__builtin_cpu_init();
	own_ok = __builtin_cpu_supports("avx512f") && !avx512_off() &&
		 !(env && !strcmp(env, "openblas"));
}

int dh_cpu_sgemm_kernel_own(void)
{
	pthread_once(&own_once, own_init);
	return own_ok;
}

static int avx512_ok;
static pthread_once_t avx512_once = PTHREAD_ONCE_INIT;

static void avx512_init(void)
{
	__builtin_cpu_init();
	avx512_ok = __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vl") && !avx512_off();
}

int dh_cpu_avx512(void)
{
	pthread_once(&avx512_once, avx512_init);
	return avx512_ok;
}

/* Try the own kernel; 0 when it does not apply (the caller falls back). */
/* Threads for a product split into `units` parts: OpenMP's count outside
 * a parallel region (one inside), one when the product is too small to
 * share (!worth), at most one a part. */
static int team_size(int worth, int64_t units)
{
	int nt = 1;
#ifdef _OPENMP
	if (!omp_in_parallel())
		nt = omp_get_max_threads();
#endif
	if (!worth)
		nt = 1;
	if (nt > units)
		nt = (int)units;
	return nt < 1 ? 1 : nt;
}

/* This thread's parts [u0, u1) of `units`, in order. */
static void team_share(int64_t units, int64_t *u0, int64_t *u1)
{
	int t = 0, tn = 1;
#ifdef _OPENMP
	t = omp_get_thread_num();
	tn = omp_get_num_threads();
#endif
	*u0 = units * t / tn;
	*u1 = units * (t + 1) / tn;
}

/* C[i, j] for i < m <= GEMV_ROWS, j in [j0, j1): the few rows of A
 * against B read once, without packing (a batch-1 fully connected layer:
 * packing a 512 x 3136 B cost more than the product).  B's rows of
 * length k (trans_b: dot products) or of length n (axpy-like). */
#define GEMV_ROWS 4

__attribute__((target("avx512f"))) static void
gemv_part(int trans_b, int64_t m, int64_t j0, int64_t j1, int64_t k,
	  float alpha, const float *a, int64_t lda, const float *b,
	  int64_t ldb, float beta, float *c, int64_t ldc)
{
	if (trans_b) {
		for (int64_t j = j0; j < j1; j++) {
			const float *bj = b + j * ldb;
			for (int64_t i = 0; i < m; i++) {
				const float *ai = a + i * lda;
				__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0,
				       s3 = s0;
				int64_t p = 0;
				for (; p + 64 <= k; p += 64) {
					s0 = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p),
							     _mm512_loadu_ps(bj + p), s0);
					s1 = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p + 16),
							     _mm512_loadu_ps(bj + p + 16), s1);
					s2 = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p + 32),
							     _mm512_loadu_ps(bj + p + 32), s2);
					s3 = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p + 48),
							     _mm512_loadu_ps(bj + p + 48), s3);
				}
				for (; p < k; p += 16) {
					__mmask16 mk = k - p >= 16
							       ? 0xffff
							       : (__mmask16)((1u << (k - p)) - 1);
					s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, ai + p),
							     _mm512_maskz_loadu_ps(mk, bj + p),
							     s0);
				}
				float d = _mm512_reduce_add_ps(_mm512_add_ps(
					_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
				float *q = c + i * ldc + j;
				*q = alpha * d + (beta == 0.0f ? 0.0f : beta * *q);
			}
		}
		return;
	}
	/* B [k, n]: 64 columns at a time (4 x GEMV_ROWS accumulators), every
	 * row of A at once, down B's rows */
	for (int64_t j = j0; j < j1; j += 64) {
		__mmask16 mk[4];
		for (int q = 0; q < 4; q++) {
			int64_t left = j1 - j - 16 * q;
			mk[q] = left >= 16 ? 0xffff
			      : left <= 0  ? 0
					   : (__mmask16)((1u << left) - 1);
		}
		__m512 acc[GEMV_ROWS][4];
		for (int64_t i = 0; i < m; i++)
			for (int q = 0; q < 4; q++)
				acc[i][q] = _mm512_setzero_ps();
		for (int64_t p = 0; p < k; p++) {
			const float *bp = b + p * ldb + j;
			__m512 bv[4];
			for (int q = 0; q < 4; q++)
				bv[q] = _mm512_maskz_loadu_ps(mk[q], bp + 16 * q);
			for (int64_t i = 0; i < m; i++) {
				__m512 av = _mm512_set1_ps(a[i * lda + p]);
				for (int q = 0; q < 4; q++)
					acc[i][q] = _mm512_fmadd_ps(av, bv[q], acc[i][q]);
			}
		}
		for (int64_t i = 0; i < m; i++)
			for (int q = 0; q < 4; q++) {
				float *dst = c + i * ldc + j + 16 * q;
				__m512 v = _mm512_mul_ps(_mm512_set1_ps(alpha),
							 acc[i][q]);
				if (beta != 0.0f)
					v = _mm512_fmadd_ps(
						_mm512_set1_ps(beta),
						_mm512_maskz_loadu_ps(mk[q], dst), v);
				_mm512_mask_storeu_ps(dst, mk[q], v);
			}
	}
}

static int own_gemv(int trans_a, int trans_b, int64_t m, int64_t n,
		    int64_t k, float alpha, const float *a, int64_t lda,
		    const float *b, int64_t ldb, float beta, float *c,
		    int64_t ldc)
{
	if (trans_a || m > GEMV_ROWS || (double)n * k < 64.0 * 1024)
		return 0;
	/* columns split in runs of 64, whole runs to a thread */
	int64_t runs = (n + 63) / 64;
	int nt = team_size((double)m * n * k >= 256.0 * 1024, runs);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
	{
		int64_t u0, u1;
		team_share(runs, &u0, &u1);
		int64_t j0 = u0 * 64, j1 = u1 * 64 < n ? u1 * 64 : n;
		if (j1 > j0)
			gemv_part(trans_b, m, j0, j1, k, alpha, a, lda, b, ldb,
				  beta, c, ldc);
	}
	return 1;
}

static int own_sgemm(int trans_a, int trans_b, int64_t m, int64_t n,
		     int64_t k, float alpha, const float *a, int64_t lda,
		     const float *b, int64_t ldb, float beta, float *c,
		     int64_t ldc);

/* C narrower than the kernel's 48 columns but tall (a convolution's
 * deep layers at batch 1: 512 channels by 16 or 4 positions): the tiles
 * would be mostly padding, so the product runs transposed,
 * C^T = op(B)^T op(A)^T, into the calling thread's scratch, and is
 * transposed into C after. */
static int own_narrow(int trans_a, int trans_b, int64_t m, int64_t n,
		      int64_t k, float alpha, const float *a, int64_t lda,
		      const float *b, int64_t ldb, float beta, float *c,
		      int64_t ldc)
{
	if (n >= NR / 2 || m < 2 * NR)
		return 0;
	pack_buf *pb = pack_get();
	if (!pb)
		return 0;
	size_t need = (size_t)n * (size_t)m;
	if (need > pb->t_cap) {
		float *t = dh_alloc_aligned(need * sizeof(float), NULL);
		if (!t)
			return 0;
		dh_free_aligned(pb->t);
		pb->t = t;
		pb->t_cap = need;
	}
	float *t = pb->t;
	/* op(B)^T is op'(B) with the other transpose, op(A)^T likewise */
	if (!own_sgemm(!trans_b, !trans_a, n, m, k, alpha, b, ldb, a, lda,
		       0.0f, t, m))
		return 0;
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			float *q = c + i * ldc + j;
			*q = t[j * m + i] + (beta == 0.0f ? 0.0f : beta * *q);
		}
	return 1;
}

static int own_sgemm(int trans_a, int trans_b, int64_t m, int64_t n,
		     int64_t k, float alpha, const float *a, int64_t lda,
		     const float *b, int64_t ldb, float beta, float *c,
		     int64_t ldc)
{
	if (!dh_cpu_sgemm_kernel_own())
		return 0;
	if (own_gemv(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
		     c, ldc))
		return 1;
	if (own_narrow(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
		       c, ldc))
		return 1;
	/* tiny products: the packing would cost more than it saves */
	if ((double)m * n * k < 32.0 * 32 * 32)
		return 0;
	/* C narrower than 32 columns (a 5x5 kernel's dW with one
	 * input channel): mostly padding; OpenBLAS does better */
	if (n < 32 && m <= 4 * MR)
		return 0;
	int most = team_size(1, INT64_MAX);
	/* split C by columns (NR panels) or by rows (MR panels) */
	int64_t npan = (n + NR - 1) / NR, mpan = (m + MR - 1) / MR;
	int by_cols = npan >= 2 * (int64_t)most || npan >= mpan;
	int64_t units = by_cols ? npan : mpan;
	int nt = team_size((double)m * n * k >= 64.0 * 64 * 64 * most, units);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
	{
		int64_t u0, u1;
		team_share(units, &u0, &u1);
		int64_t i0 = 0, i1 = m, j0 = 0, j1 = n;
		if (by_cols) {
			j0 = u0 * NR;
			j1 = u1 * NR < n ? u1 * NR : n;
		} else {
			i0 = u0 * MR;
			i1 = u1 * MR < m ? u1 * MR : m;
		}
		const float *as = trans_a ? a + i0 : a + i0 * lda;
		const float *bs = trans_b ? b + j0 * ldb : b + j0;
		float *cs = c + i0 * ldc + j0;
		pack_buf *pb = u1 > u0 ? pack_get() : NULL;
		if (u1 > u0 && pb)
			gemm_serial(pb, trans_a, trans_b, i1 - i0, j1 - j0, k,
				    alpha, as, lda, bs, ldb, beta, cs, ldc, NULL);
		else if (u1 > u0) /* no packing buffer: this part by BLAS */
			blas_sgemm(trans_a, trans_b, i1 - i0, j1 - j0, k, alpha,
				   as, lda, bs, ldb, beta, cs, ldc);
	}
	return 1;
}

int64_t dh_cpu_sgemm_apack_index(int64_t m, int64_t k, int64_t i, int64_t p)
{
	int64_t mpad = (m + MR - 1) / MR * MR;
	int64_t pc = p / KC * KC, kc = k - pc < KC ? k - pc : KC;
	int64_t ic = i / MC * MC, ir = (i - ic) / MR * MR;
	return pc * mpad + (ic + ir) * kc + (p - pc) * MR + (i - ic - ir);
}

int64_t dh_cpu_sgemm_apack_floats(int64_t m, int64_t k)
{
	return (m + MR - 1) / MR * MR * k;
}

void dh_cpu_sgemm_apacked(int64_t m, int64_t n, int64_t k, const float *ap,
			  const float *b, int64_t ldb, float beta, float *c,
			  int64_t ldc)
{
	pack_buf *pb = m && n && k ? pack_get() : NULL;
	if (pb) {
		gemm_serial(pb, 0, 0, m, n, k, 1.0f, NULL, 0, b, ldb, beta, c,
			    ldc, ap);
		return;
	}
	/* no packing buffer (or an empty product): unpack A, slowly */
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			float acc = 0.0f;
			for (int64_t p = 0; p < k; p++)
				acc += ap[dh_cpu_sgemm_apack_index(m, k, i, p)] *
				       b[p * ldb + j];
			c[i * ldc + j] = beta == 0.0f ? acc : beta * c[i * ldc + j] + acc;
		}
}

#else

int64_t dh_cpu_sgemm_apack_index(int64_t m, int64_t k, int64_t i, int64_t p)
{
	(void)m;
	return i * k + p;
}

int64_t dh_cpu_sgemm_apack_floats(int64_t m, int64_t k)
{
	return m * k;
}

void dh_cpu_sgemm_apacked(int64_t m, int64_t n, int64_t k, const float *ap,
			  const float *b, int64_t ldb, float beta, float *c,
			  int64_t ldc)
{
	blas_sgemm(0, 0, m, n, k, 1.0f, ap, k, b, ldb, beta, c, ldc);
}

int dh_cpu_sgemm_kernel_own(void)
{
	return 0;
}

int dh_cpu_avx512(void)
{
	return 0;
}

#endif

void dh_cpu_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
		  float alpha, const float *a, int64_t lda, const float *b,
		  int64_t ldb, float beta, float *c, int64_t ldc)
{
	if (m == 0 || n == 0)
		return;
	if (k == 0) {
		/* BLAS leaves C alone only when beta is 1; be exact */
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++)
				c[i * ldc + j] =
					beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
		return;
	}
#ifdef DH_HAVE_AVX512_GEMM
	if (own_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
		      c, ldc))
		return;
#endif
	blas_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
		   ldc);
}
