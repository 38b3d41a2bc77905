/* simd_private.h - helpers shared by the image kernels in lib/image/proc.
 *
 * DH_PROC_CLONES compiles a function twice, for AVX2 and for the baseline
 * x86-64 (or whatever the target is), and picks one at load time from the
 * CPU (GCC's target_clones, through an ifunc): the build runs on any
 * x86-64 and uses the wide vectors where they exist.  Hot loops inside such
 * functions carry `#pragma omp simd`, so the compiler vectorises them
 * whatever the cost model of -O2.  Kernels are whole-row functions called
 * from the OpenMP loops (GCC does not clone the outlined bodies of
 * parallel regions).  Only integer kernels are cloned: the float ones keep
 * the baseline's rounding (no FMA contraction). */
#ifndef DH_IMAGE_PROC_SIMD_PRIVATE_H
#define DH_IMAGE_PROC_SIMD_PRIVATE_H

#include <stddef.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && !defined(DH_NO_CLONES)
#define DH_PROC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DH_PROC_CLONES
#endif

/* Rows [*y0, *y1) of n for thread t of nt: equal contiguous bands. */
static inline void dh_proc_band(int n, int t, int nt, int *y0, int *y1)
{
	long q = n / nt, r = n % nt;
	*y0 = (int)(t * q + (t < r ? t : r));
	*y1 = *y0 + (int)q + (t < r);
}

/* The same for n items (pixels, bytes). */
static inline void dh_proc_range(size_t n, int t, int nt, size_t *i0,
				 size_t *i1)
{
	size_t q = n / (size_t)nt, r = n % (size_t)nt, ut = (size_t)t;
	*i0 = ut * q + (ut < r ? ut : r);
	*i1 = *i0 + q + (ut < r);
}

/* Below this many bytes of work an operation runs on one thread: waking
 * helpers costs more than the work. */
#define DH_PROC_PAR_MIN ((size_t)1 << 19)

/* Run fn(ctx, c, n) for every chunk c of n on the image operations'
 * threads (pool.c); `work` in bytes: below DH_PROC_PAR_MIN all on the
 * calling thread.  Returns when every chunk is done. */
typedef void (*dh_proc_fn)(void *ctx, int c, int n);
void dh_proc_run(int n, dh_proc_fn fn, void *ctx, size_t work);
/* How many chunks to cut `work` into: 1 when it runs on one thread, else
 * a few per thread, so that a late thread leaves less to the others. */
int dh_proc_chunks(size_t work);

#endif
