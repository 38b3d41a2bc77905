/* image_bench.c - time dh's image operations on one image, for
 * bench/image.py, which times OpenCV on the same pixels and prints the
 * ratios.  Usage: image_bench SIZE THREADS OUTDIR; writes OUTDIR/rgb.npy and
 * OUTDIR/bin.npy (the inputs) and prints "op milliseconds" lines (the best
 * of several runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/threads.h"
#include "image/io.h"
#include "image/proc/proc.h"

/* BENCH_CPU=1: process CPU time instead of wall time (all threads), to
 * compare kernels on a busy machine; the ratios bench/image.py prints are
 * wall times. */
static clockid_t g_clock = CLOCK_MONOTONIC;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(g_clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef dh_image *(*op_fn)(const dh_image *src, dh_err *e);

static const dh_image *g_rgb, *g_gray, *g_bin;
static int g_size;

static dh_image *op_resize_linear(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_resize(g_rgb, g_size / 2 + 1, g_size / 2 + 1, DH_INTERP_LINEAR, e);
}
static dh_image *op_resize_area(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_resize(g_rgb, g_size / 3, g_size / 3, DH_INTERP_AREA, e);
}
static dh_image *op_blur(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_gaussian_blur(g_rgb, 5, 0, e);
}
static dh_image *op_rotate(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_rotate(g_rgb, 30, 1, DH_INTERP_LINEAR, DH_BORDER_CONSTANT, 0, e);
}
static dh_image *op_gray(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_convert_color(g_rgb, DH_COLOR_GRAY, e);
}
static dh_image *op_hsv(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_convert_color(g_rgb, DH_COLOR_HSV, e);
}
static dh_image *op_otsu(const dh_image *s, dh_err *e)
{
	(void)s;
	int t;
	dh_image *out;
	return dh_otsu(g_gray, &t, &out, e) ? NULL : out;
}
static dh_image *op_components(const dh_image *s, dh_err *e)
{
	(void)s;
	int n;
	dh_component *st;
	dh_image *l = dh_components(g_bin, 8, &n, &st, e);
	free(st);
	return l;
}
static dh_image *op_erode(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_morph(g_gray, DH_MORPH_ERODE, DH_SE_RECT, 3, 3, 1, e);
}
static dh_image *op_dilate_ellipse(const dh_image *s, dh_err *e)
{
	(void)s;
	return dh_morph(g_gray, DH_MORPH_DILATE, DH_SE_ELLIPSE, 5, 5, 1, e);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: image_bench SIZE THREADS OUTDIR\n");
		return 2;
	}
	char *end1, *end2;
	long size = strtol(argv[1], &end1, 10), threads = strtol(argv[2], &end2, 10);
	if (*end1 || *end2 || size < 16 || size > 16384 || threads < 1 ||
	    threads > 256) {
		fprintf(stderr, "image_bench: bad size or thread count\n");
		return 2;
	}
	dh_threads_apply((int)threads);
	if (getenv("BENCH_CPU") && !strcmp(getenv("BENCH_CPU"), "1"))
		g_clock = CLOCK_PROCESS_CPUTIME_ID;
	g_size = (int)size;
	dh_err e;
	dh_image *rgb = dh_image_new(DH_U8, g_size, g_size, 1, 3, DH_COLOR_RGB, &e);
	if (!rgb) {
		fprintf(stderr, "image_bench: %s\n", e.msg);
		return 1;
	}
	unsigned r = 12345;
	for (int y = 0; y < g_size; y++) {
		unsigned char *p = dh_image_row(rgb, 0, y);
		for (int x = 0; x < g_size; x++) {
			r = r * 1103515245u + 12345u;
			int n = (int)((r >> 16) & 31);
			p[3 * x] = (unsigned char)((x * 255 / g_size + n) & 255);
			p[3 * x + 1] = (unsigned char)((y * 255 / g_size + n) & 255);
			p[3 * x + 2] = (unsigned char)(((x ^ y) & 64 ? 200 : 30) + n);
		}
	}
	dh_image *gray = dh_convert_color(rgb, DH_COLOR_GRAY, &e);
	int t;
	dh_image *bin = NULL;
	if (!gray || dh_otsu(gray, &t, &bin, &e)) {
		fprintf(stderr, "image_bench: %s\n", e.msg);
		return 1;
	}
	g_rgb = rgb;
	g_gray = gray;
	g_bin = bin;
	char path[4096];
	snprintf(path, sizeof path, "%s/rgb.npy", argv[3]);
	if (dh_image_write(path, rgb, NULL, &e)) {
		fprintf(stderr, "image_bench: %s\n", e.msg);
		return 1;
	}
	snprintf(path, sizeof path, "%s/bin.npy", argv[3]);
	dh_image_write(path, bin, NULL, &e);
	static const struct {
		const char *name;
		op_fn fn;
	} ops[] = {
		{"resize_linear", op_resize_linear}, {"resize_area", op_resize_area},
		{"gaussian5", op_blur},             {"rotate30", op_rotate},
		{"rgb2gray", op_gray},              {"rgb2hsv", op_hsv},
		{"otsu", op_otsu},                  {"components8", op_components},
		{"erode3", op_erode},               {"dilate_ellipse5", op_dilate_ellipse},
	};
	int reps = g_size <= 1024 ? 20 : 4;
	if (getenv("BENCH_REPS"))
		reps = (int)strtol(getenv("BENCH_REPS"), NULL, 10);
	/* BENCH_OPS="name ...": only these (while working on one) */
	const char *only = getenv("BENCH_OPS");
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (only && *only && !strstr(only, ops[i].name))
			continue;
		double best = 1e30;
		for (int k = 0; k < reps; k++) {
			double t0 = now_ms();
			dh_image *out = ops[i].fn(NULL, &e);
			double dt = now_ms() - t0;
			if (!out) {
				fprintf(stderr, "image_bench: %s: %s\n", ops[i].name, e.msg);
				return 1;
			}
			dh_image_free(out);
			best = dt < best ? dt : best;
		}
		printf("%s %.3f\n", ops[i].name, best);
	}
	dh_image_free(rgb);
	dh_image_free(gray);
	dh_image_free(bin);
	return 0;
}
