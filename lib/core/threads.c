/* threads.c - thread count resolution (see threads.h). */
#include "config.h"

#include "core/threads.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenBLAS exports this; declared here to avoid pulling cblas.h in. */
void openblas_set_num_threads(int n);

int dh_threads_available(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > DH_MAX_THREADS ? DH_MAX_THREADS : (int)n;
}

dh_status dh_threads_resolve(int requested, int *out, dh_err *e)
{
	if (requested > 0) {
		if (requested > DH_MAX_THREADS)
			return dh_err_set(e, DH_ERANGE,
					  "%d threads requested (at most %d)",
					  requested, DH_MAX_THREADS);
		*out = requested;
		return DH_OK;
	}
	const char *env = getenv("DH_NUM_THREADS");
	if (env && *env) {
		char *end;
		errno = 0;
		long v = strtol(env, &end, 10);
		if (errno || *end || v < 1 || v > DH_MAX_THREADS)
			return dh_err_set(e, DH_ERANGE,
					  "DH_NUM_THREADS='%s' is not a thread "
					  "count between 1 and %d",
					  env, DH_MAX_THREADS);
		*out = (int)v;
		return DH_OK;
	}
	*out = dh_threads_available();
	return DH_OK;
}

void dh_threads_apply(int n)
{
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
	openblas_set_num_threads(n);
}
