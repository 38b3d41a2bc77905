/* threshold.c - fixed and Otsu thresholds. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"
#include "image/proc/simd_private.h"

static dh_status need_gray(const dh_image *src, const char *what, dh_err *e)
{
	if (src->channels != 1)
		return dh_err_set(e, DH_EINVAL, "%s needs a one-channel image, "
				  "not %d channels (convert to gray first)",
				  what, src->channels);
	return DH_OK;
}

/* d = s > t ? hi : 0 over n bytes. */
DH_PROC_CLONES static void thresh_u8(const uint8_t *restrict s,
				     uint8_t *restrict d, size_t n, int t,
				     uint8_t hi)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		d[i] = s[i] > t ? hi : 0;
}

/* Add the histogram of n bytes to h, counting into four tables in turn so
 * that runs of equal values do not wait on one counter. */
static void hist_u8(const uint8_t *p, size_t n, size_t h[256])
{
	uint32_t t[4][256];
	memset(t, 0, sizeof t);
	size_t i = 0;
	/* flush before a table could overflow */
	while (i < n) {
		size_t end = n - i > ((size_t)1 << 30) ? i + ((size_t)1 << 30) : n;
		for (; i + 8 <= end; i += 8) {
			uint64_t v;
			memcpy(&v, p + i, 8);
			t[0][v & 255]++;
			t[1][(v >> 8) & 255]++;
			t[2][(v >> 16) & 255]++;
			t[3][(v >> 24) & 255]++;
			t[0][(v >> 32) & 255]++;
			t[1][(v >> 40) & 255]++;
			t[2][(v >> 48) & 255]++;
			t[3][v >> 56]++;
		}
		for (; i < end; i++)
			t[0][p[i]]++;
		for (int k = 0; k < 256; k++) {
			h[k] += (size_t)t[0][k] + t[1][k] + t[2][k] + t[3][k];
			t[0][k] = t[1][k] = t[2][k] = t[3][k] = 0;
		}
	}
}

typedef struct thresh_job {
	const uint8_t *s;
	uint8_t *d;
	size_t n;
	int t;
	uint8_t hi;
	size_t (*hist)[256]; /* one histogram per chunk */
} thresh_job;

static void thresh_chunk(void *p, int c, int nc)
{
	const thresh_job *j = p;
	size_t i0, i1;
	dh_proc_range(j->n, c, nc, &i0, &i1);
	thresh_u8(j->s + i0, j->d + i0, i1 - i0, j->t, j->hi);
}

static void hist_chunk(void *p, int c, int nc)
{
	const thresh_job *j = p;
	size_t i0, i1;
	dh_proc_range(j->n, c, nc, &i0, &i1);
	memset(j->hist[c], 0, sizeof j->hist[c]);
	hist_u8(j->s + i0, i1 - i0, j->hist[c]);
}

dh_image *dh_threshold(const dh_image *src, double t, double maxval,
		       dh_err *e)
{
	if (need_gray(src, "threshold", e))
		return NULL;
	dh_image *dst = dh_image_new_like_uninit(src, DH_U8, 1, DH_COLOR_GRAY, e);
	if (!dst)
		return NULL;
	size_t n = src->nbytes / dh_image_elsize(src);
	uint8_t hi = maxval >= 255 ? 255 : maxval <= 0 ? 0 : (uint8_t)maxval;
	if (src->dtype == DH_U8) {
		/* v > t for a byte v is v > floor(t) (t below 0: every v;
		 * 255 and above: none) */
		int it = t < 0 ? -1 : t >= 255 ? 255 : (int)t;
		if (t != t)
			it = 255; /* NaN: nothing is above it */
		thresh_job j = {src->data, dst->data, n, it, hi, NULL};
		dh_proc_run(dh_proc_chunks(4 * n), thresh_chunk, &j, 4 * n);
	} else {
		for (size_t i = 0; i < n; i++)
			dst->data[i] =
				dh_dtype_get(src->dtype, src->data, i) > t ? hi : 0;
	}
	return dst;
}

dh_status dh_otsu(const dh_image *src, int *threshold, dh_image **out,
		  dh_err *e)
{
	if (out)
		*out = NULL;
	dh_status s = need_gray(src, "Otsu's threshold", e);
	if (s)
		return s;
	if (src->dtype != DH_U8)
		return dh_err_set(e, DH_EUNSUPPORTED, "Otsu's threshold of %s "
				  "images (uint8 is supported)",
				  dh_dtype_name(src->dtype));
	size_t n = src->nbytes;
	double hist[256];
	memset(hist, 0, sizeof hist);
	{
		/* one histogram per chunk of pixels, summed in chunk order:
		 * integer counts, the same whatever the thread count */
		size_t h[256] = {0};
		size_t one[1][256];
		int nc = dh_proc_chunks(4 * n);
		size_t (*hs)[256] = nc > 1 ? malloc((size_t)nc * sizeof *hs) : one;
		if (!hs) {
			nc = 1;
			hs = one;
		}
		thresh_job j = {src->data, NULL, n, 0, 0, hs};
		dh_proc_run(nc, hist_chunk, &j, 4 * n);
		for (int c = 0; c < nc; c++)
			for (int i = 0; i < 256; i++)
				h[i] += hs[c][i];
		if (hs != one)
			free(hs);
		for (int i = 0; i < 256; i++)
			hist[i] = (double)h[i];
	}
	/* Between-class variance q1 q2 (mu1 - mu2)^2 for each split "<= t",
	 * keeping the first maximum. */
	double scale = 1.0 / (double)n, mu = 0;
	for (int i = 0; i < 256; i++)
		mu += i * hist[i];
	mu *= scale;
	double q1 = 0, mu1 = 0, best = 0;
	int t = 0;
	for (int i = 0; i < 256; i++) {
		double p = hist[i] * scale;
		mu1 *= q1;
		q1 += p;
		double q2 = 1.0 - q1;
		if ((q1 < q2 ? q1 : q2) < FLT_EPSILON ||
		    (q1 > q2 ? q1 : q2) > 1.0 - FLT_EPSILON) {
			/* keep mu1 as the running mean of the first class */
			mu1 = q1 > 0 ? (mu1 + i * p) / q1 : 0;
			continue;
		}
		mu1 = (mu1 + i * p) / q1;
		double mu2 = (mu - q1 * mu1) / q2;
		double v = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
		if (v > best) {
			best = v;
			t = i;
		}
	}
	*threshold = t;
	if (out) {
		*out = dh_threshold(src, t, 255, e);
		if (!*out)
			return e ? e->status : DH_ENOMEM;
	}
	return DH_OK;
}

dh_image *dh_window(const dh_image *src, double centre, double width,
		    dh_err *e)
{
	if (!(width > 0)) {
		dh_err_set(e, DH_EINVAL, "window width must be above 0");
		return NULL;
	}
	dh_image *dst = dh_image_new_like(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	double lo = centre - width / 2;
	size_t n = src->nbytes / dh_image_elsize(src);
	for (size_t i = 0; i < n; i++) {
		double v = (dh_dtype_get(src->dtype, src->data, i) - lo) / width;
		dst->data[i] = v <= 0 ? 0 : v >= 1 ? 255 : (uint8_t)lrint(v * 255);
	}
	return dst;
}
