/* threads.h - how many threads dh computes with.
 *
 * One number drives OpenMP and OpenBLAS alike, so that the two pools never
 * oversubscribe the cores.  It comes from --threads, else DH_NUM_THREADS,
 * else the number of online processors. */
#ifndef DH_CORE_THREADS_H
#define DH_CORE_THREADS_H

#include "core/error.h"

#define DH_MAX_THREADS 1024

/* requested > 0: use it; 0: DH_NUM_THREADS or the processor count.  A bad
 * DH_NUM_THREADS value is an error (not silently ignored). */
dh_status dh_threads_resolve(int requested, int *out, dh_err *e);
/* Set OpenMP's and OpenBLAS's thread counts. */
void dh_threads_apply(int n);
/* Processors online. */
int dh_threads_available(void);

#endif
