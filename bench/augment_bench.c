/* augment_bench.c - images per second of one augmentation pipeline on one
 * core: `augment_bench PIPELINE [N [SIZE]]` applies PIPELINE to N in-memory
 * SIZE x SIZE RGB uint8 images (a smooth picture plus noise, as photos are)
 * and prints "images/s: X", timed in CPU time of the process (the machine
 * may be busy with other work; CPU time is what one core spends on it, as
 * bench/augment.py measures the peer).  Run by bench/augment.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "augment/augment.h"
#include "cli/opt.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long long n = 200, size = 224;
	if (argc < 2 || (argc > 2 && dh_parse_ll(argv[2], &n)) ||
	    (argc > 3 && dh_parse_ll(argv[3], &size)) || n < 1 || size < 8) {
		fprintf(stderr, "usage: augment_bench PIPELINE [N [SIZE]]\n");
		return 2;
	}
	dh_err e;
	dh_err_clear(&e);
	dh_aug *a = dh_aug_parse_string(argv[1], "pipeline", &e);
	if (!a) {
		fprintf(stderr, "augment_bench: %s\n", e.msg);
		return 1;
	}
	dh_image **src = calloc((size_t)n, sizeof *src);
	dh_rng g;
	dh_rng_seed(&g, 1);
	for (long long i = 0; i < n; i++) {
		src[i] = dh_image_new(DH_U8, (int)size, (int)size, 1, 3, DH_COLOR_RGB, &e);
		if (!src[i]) {
			fprintf(stderr, "augment_bench: %s\n", e.msg);
			return 1;
		}
		for (long long p = 0; p < size * size * 3; p++) {
			long long x = (p / 3) % size, y = (p / 3) / size;
			src[i]->data[p] = (unsigned char)((x + y + 40 * (p % 3) + i) % 200 +
							  dh_rng_below(&g, 56));
		}
	}
	/* three passes; the best is kept.  Each image is copied before its
	 * timing starts (dh_aug_apply works in place, as in the loader's
	 * hook) and its result freed after it ends. */
	double best = 1e30;
	for (int rep = 0; rep < 3; rep++) {
		double t = 0;
		for (long long i = 0; i < n; i++) {
			dh_image *work = dh_image_clone(src[i], &e);
			dh_rng r;
			double t0 = now();
			dh_aug_sample_rng(&r, 1, rep, i);
			if (!work || dh_aug_apply(a, "training", &r, &work, NULL, &e)) {
				fprintf(stderr, "augment_bench: %s\n", e.msg);
				return 1;
			}
			t += now() - t0;
			dh_image_free(work);
		}
		if (t < best)
			best = t;
	}
	printf("images/s: %.1f\n", n / best);
	for (long long i = 0; i < n; i++)
		dh_image_free(src[i]);
	free(src);
	dh_aug_free(a);
	return 0;
}
