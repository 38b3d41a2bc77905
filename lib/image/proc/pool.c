/* pool.c - the worker threads of the image operations.
 *
 * A job is n chunks (bands of rows, ranges of pixels) of one function.  The
 * caller works on the chunks itself, and the workers it wakes take
 * chunks as they come; the caller waits only for chunks that were started.
 * A worker that wakes late (a busy machine) finds nothing left and sleeps
 * again, instead of the whole operation waiting for it, as a fork-join
 * team would.  Each chunk's output depends only on the chunk, so results
 * are the same whatever the thread count or order.  Threads: OpenMP's
 * setting (dh_threads_apply, --threads); jobs from a thread while another
 * job runs, or from inside a parallel region, run on the calling thread. */
#include <pthread.h>
#include <stdlib.h>

#include "image/proc/simd_private.h"

#define POOL_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static int nworkers;        /* started */
static int busy;            /* a job is running */
static unsigned long gen;   /* job number */
static dh_proc_fn job_fn;
static void *job_ctx;
static int job_n, job_next, job_done, job_slots;

#define SPIN 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
	(void)arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&lock);
	for (;;) {
		if (!busy || gen == seen || job_slots <= 0 || job_next >= job_n) {
			/* spin a little (about 0.1 ms) before sleeping: an
			 * operation often follows another at once */
			pthread_mutex_unlock(&lock);
			for (int i = 0; i < SPIN &&
					__atomic_load_n(&gen, __ATOMIC_RELAXED) == seen; i++)
				cpu_relax();
			pthread_mutex_lock(&lock);
		}
		while (!busy || gen == seen || job_slots <= 0 || job_next >= job_n)
			pthread_cond_wait(&wake, &lock);
		seen = gen;
		job_slots--;
		while (job_next < job_n) {
			int c = job_next++;
			dh_proc_fn fn = job_fn;
			void *ctx = job_ctx;
			int n = job_n;
			pthread_mutex_unlock(&lock);
			fn(ctx, c, n);
			pthread_mutex_lock(&lock);
			if (++job_done == job_n)
				pthread_cond_signal(&finished);
		}
	}
	return NULL;
}

static int threads_wanted(void)
{
#ifdef _OPENMP
	if (omp_in_parallel())
		return 1;
	int t = omp_get_max_threads();
	return t < 1 ? 1 : t > POOL_MAX ? POOL_MAX : t;
#else
	return 1;
#endif
}

void dh_proc_run(int n, dh_proc_fn fn, void *ctx, size_t work)
{
	int t = work >= DH_PROC_PAR_MIN ? threads_wanted() : 1;
	if (n <= 1 || t <= 1) {
		for (int c = 0; c < n; c++)
			fn(ctx, c, n);
		return;
	}
	pthread_mutex_lock(&lock);
	if (busy) {
		pthread_mutex_unlock(&lock);
		for (int c = 0; c < n; c++)
			fn(ctx, c, n);
		return;
	}
	while (nworkers < t - 1) {
		pthread_t th;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int bad = pthread_create(&th, &at, worker, NULL);
		pthread_attr_destroy(&at);
		if (bad)
			break; /* fewer helpers; the caller does the rest */
		nworkers++;
	}
	busy = 1;
	__atomic_add_fetch(&gen, 1, __ATOMIC_RELAXED);
	job_fn = fn;
	job_ctx = ctx;
	job_n = n;
	job_next = 0;
	job_done = 0;
	job_slots = t - 1;
	pthread_cond_broadcast(&wake);
	while (job_next < n) {
		int c = job_next++;
		pthread_mutex_unlock(&lock);
		fn(ctx, c, n);
		pthread_mutex_lock(&lock);
		job_done++;
	}
	while (job_done < n)
		pthread_cond_wait(&finished, &lock);
	busy = 0;
	pthread_mutex_unlock(&lock);
}

int dh_proc_chunks(size_t work)
{
	int t = work >= DH_PROC_PAR_MIN ? threads_wanted() : 1;
	return t <= 1 ? 1 : 4 * t;
}
