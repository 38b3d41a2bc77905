/* infer_bench.c - dh's inference compute time on one ONNX model, in
 * process: the model is loaded, imported and planned once, then forward
 * passes on one random batch are timed (what dh-infer does per batch,
 * without process start, model loading or stream I/O; bench/infer.sh times
 * onnxruntime the same way).
 *
 * BatchNormalization is folded into the Conv before it, as for inference
 * (lib/onnx/optimize.h); BENCH_NO_FOLD=1 keeps it, to measure the fold.
 *
 * Usage: infer_bench MODEL.onnx BATCH THREADS [SECONDS]
 * Prints "ms_per_batch MIN MEDIAN RUNS CPU_MEDIAN" on standard output:
 * wall-clock milliseconds per batch (the least and the median) and the
 * median of the process's CPU time per batch, which a loaded machine
 * disturbs less (with several threads it adds their times up). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/threads.h"
#include "onnx/import.h"
#include "onnx/optimize.h"

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: infer_bench MODEL.onnx BATCH THREADS [SECONDS]\n");
		return 2;
	}
	long batch = strtol(argv[2], NULL, 10), threads = strtol(argv[3], NULL, 10);
	double budget = argc > 4 ? strtod(argv[4], NULL) : 2.0;
	if (batch < 1 || threads < 1 || budget <= 0) {
		fprintf(stderr, "infer_bench: bad batch, threads or seconds\n");
		return 2;
	}
	dh_threads_apply((int)threads);
	dh_err e;
	memset(&e, 0, sizeof e);
	dh_device dev;
	dh_device_cpu(&dev, (int)threads);
	dh_onnx_model *m = dh_onnx_load(argv[1], &e);
	const char *nofold = getenv("BENCH_NO_FOLD");
	if (m && !(nofold && *nofold == '1') && dh_onnx_fold_batchnorm(m, NULL, &e)) {
		dh_onnx_free(m);
		m = NULL;
	}
	dh_graph *g = m ? dh_onnx_import(m, &dev, 0, &e) : NULL;
	if (!g || dh_graph_plan(g, batch, 0, &e)) {
		fprintf(stderr, "infer_bench: %s\n", e.msg);
		dh_graph_free(g);
		dh_onnx_free(m);
		return 1;
	}
	/* the input's shape as planned */
	const dh_value *in = &g->v[g->inputs[0]];
	dh_tensor *x = dh_tensor_new(DH_F32, in->shape.ndim, in->shape.d, &e);
	if (!x) {
		fprintf(stderr, "infer_bench: %s\n", e.msg);
		return 1;
	}
	dh_rng r;
	dh_rng_seed(&r, 1);
	float *p = dh_tensor_f32(x);
	for (int64_t i = 0; i < dh_tensor_numel(x); i++)
		p[i] = dh_rng_normal(&r, 0.0f, 1.0f);
	const dh_tensor *feed[] = {x};
	enum { MAX_RUNS = 10000 };
	static double t[MAX_RUNS], cpu[MAX_RUNS];
	int n = 0;
	for (int w = 0; w < 3; w++)
		if (dh_graph_forward(g, feed, &e)) {
			fprintf(stderr, "infer_bench: %s\n", e.msg);
			return 1;
		}
	double start = now();
	while (n < MAX_RUNS && (n < 5 || now() - start < budget)) {
		double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		dh_graph_forward(g, feed, &e);
		cpu[n] = 1e3 * (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
		t[n++] = 1e3 * (now() - t0);
	}
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	qsort(cpu, (size_t)n, sizeof *cpu, cmp_double);
	printf("ms_per_batch %.4f %.4f %d %.4f\n", t[0], t[n / 2], n, cpu[n / 2]);
	dh_tensor_free(x);
	dh_graph_free(g);
	dh_onnx_free(m);
	return 0;
}
