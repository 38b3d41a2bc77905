/* intensity.c - histogram equalisation, thinning, scaling, gamma and
 * multi-level Otsu. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"
#include "image/sat.h"

dh_image *dh_equalize_hist(const dh_image *src, dh_err *e)
{
	if (src->dtype != DH_U8 || src->channels != 1) {
		dh_err_set(e, DH_EUNSUPPORTED, "histogram equalisation needs a "
			   "one-channel uint8 image");
		return NULL;
	}
	dh_image *dst = dh_image_new_like(src, DH_U8, 1, src->color, e);
	if (!dst)
		return NULL;
	size_t n = src->nbytes, hist[256] = {0};
	for (size_t i = 0; i < n; i++)
		hist[src->data[i]]++;
	int lo = 0;
	while (!hist[lo])
		lo++;
	uint8_t lut[256];
	if (hist[lo] == n) {
		/* one value: left as it is */
		memset(dst->data, lo, n);
		return dst;
	}
	/* the cumulative histogram above the lowest value, stretched to
	 * 0..255 */
	float scale = 255.f / (float)(n - hist[lo]);
	size_t sum = 0;
	memset(lut, 0, sizeof lut);
	for (int v = lo + 1; v < 256; v++) {
		sum += hist[v];
		lut[v] = dh_sat_u8f((float)sum * scale);
	}
	for (size_t i = 0; i < n; i++)
		dst->data[i] = lut[src->data[i]];
	return dst;
}

/* One Zhang-Suen sub-iteration on 0/1 pixels; returns how many were
 * removed.  Neighbours P2..P9 run clockwise from the one above. */
static long zs_step(uint8_t *im, uint8_t *mark, int W, int H, int second)
{
	memset(mark, 0, (size_t)W * (size_t)H);
	long removed = 0;
	for (int y = 1; y < H - 1; y++)
		for (int x = 1; x < W - 1; x++) {
			const uint8_t *r0 = im + (size_t)(y - 1) * (size_t)W;
			const uint8_t *r1 = r0 + W, *r2 = r1 + W;
			if (!r1[x])
				continue;
			int p2 = r0[x], p3 = r0[x + 1], p4 = r1[x + 1],
			    p5 = r2[x + 1], p6 = r2[x], p7 = r2[x - 1],
			    p8 = r1[x - 1], p9 = r0[x - 1];
			int a = (!p2 && p3) + (!p3 && p4) + (!p4 && p5) +
				(!p5 && p6) + (!p6 && p7) + (!p7 && p8) +
				(!p8 && p9) + (!p9 && p2);
			int b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
			int m1 = second ? p2 * p4 * p8 : p2 * p4 * p6;
			int m2 = second ? p2 * p6 * p8 : p4 * p6 * p8;
			if (a == 1 && b >= 2 && b <= 6 && !m1 && !m2)
				mark[(size_t)y * (size_t)W + (size_t)x] = 1;
		}
	for (size_t i = 0; i < (size_t)W * (size_t)H; i++)
		if (mark[i]) {
			im[i] = 0;
			removed++;
		}
	return removed;
}

dh_image *dh_thin(const dh_image *src, dh_err *e)
{
	if (src->dtype != DH_U8 || src->channels != 1 || src->depth != 1) {
		dh_err_set(e, DH_EUNSUPPORTED, "thinning needs a one-channel "
			   "uint8 2D image");
		return NULL;
	}
	dh_image *dst = dh_image_new_like(src, DH_U8, 1, src->color, e);
	if (!dst)
		return NULL;
	const int W = src->width, H = src->height;
	uint8_t *mark = malloc((size_t)W * (size_t)H);
	if (!mark) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < src->nbytes; i++)
		dst->data[i] = src->data[i] != 0;
	while (zs_step(dst->data, mark, W, H, 0) + zs_step(dst->data, mark, W, H, 1))
		;
	for (size_t i = 0; i < dst->nbytes; i++)
		dst->data[i] = dst->data[i] ? 255 : 0;
	free(mark);
	return dst;
}

dh_image *dh_scale_shift(const dh_image *src, double alpha, double beta,
			 dh_err *e)
{
	dh_image *dst = dh_image_new_like(src, src->dtype, 0, src->color, e);
	if (!dst)
		return NULL;
	size_t n = src->nbytes / dh_image_elsize(src);
	if (src->dtype == DH_U8) {
		uint8_t lut[256];
		/* in float, as OpenCV's 8-bit scaling */
		for (int v = 0; v < 256; v++)
			lut[v] = dh_sat_u8f((float)v * (float)alpha + (float)beta);
		for (size_t i = 0; i < n; i++)
			dst->data[i] = lut[src->data[i]];
		return dst;
	}
	for (size_t i = 0; i < n; i++)
		dh_sat_store(src->dtype, dst->data, i,
			     dh_dtype_get(src->dtype, src->data, i) * alpha + beta);
	return dst;
}

dh_image *dh_normalize(const dh_image *src, double lo, double hi, dh_err *e)
{
	size_t n = src->nbytes / dh_image_elsize(src);
	double mn = 0, mx = 0;
	for (size_t i = 0; i < n; i++) {
		double v = dh_dtype_get(src->dtype, src->data, i);
		if (!i || v < mn)
			mn = v;
		if (!i || v > mx)
			mx = v;
	}
	double scale = mx > mn ? (hi - lo) / (mx - mn) : 0;
	return dh_scale_shift(src, scale, lo - mn * scale, e);
}

dh_image *dh_gamma(const dh_image *src, double gamma, dh_err *e)
{
	if (src->dtype != DH_U8 || !(gamma > 0)) {
		dh_err_set(e, src->dtype != DH_U8 ? DH_EUNSUPPORTED : DH_EINVAL,
			   "gamma needs a uint8 image and gamma > 0");
		return NULL;
	}
	dh_image *dst = dh_image_new_like(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	uint8_t lut[256];
	for (int v = 0; v < 256; v++)
		lut[v] = dh_sat_u8(255.0 * pow(v / 255.0, gamma));
	for (size_t i = 0; i < src->nbytes; i++)
		dst->data[i] = lut[src->data[i]];
	return dst;
}

dh_status dh_multi_otsu(const dh_image *src, int classes, int *thresholds,
			dh_err *e)
{
	if (src->dtype != DH_U8 || src->channels != 1)
		return dh_err_set(e, DH_EUNSUPPORTED, "multi-level Otsu needs a "
				  "one-channel uint8 image");
	if (classes < 2 || classes > 4)
		return dh_err_set(e, DH_EINVAL, "multi-level Otsu takes 2 to 4 "
				  "classes, not %d", classes);
	double p[256] = {0}, P[257], S[257];
	for (size_t i = 0; i < src->nbytes; i++)
		p[src->data[i]] += 1;
	P[0] = S[0] = 0;
	for (int i = 0; i < 256; i++) {
		P[i + 1] = P[i] + p[i];
		S[i + 1] = S[i] + i * p[i];
	}
	/* class [a, b): weight P[b]-P[a], its share of the between-class
	 * variance (S^2 / P); search every split, keeping the first best */
#define TERM(a, b) (P[b] - P[a] > 0 ? (S[b] - S[a]) * (S[b] - S[a]) / (P[b] - P[a]) : 0)
	double best = -1;
	int t[3] = {0, 0, 0};
	if (classes == 2) {
		for (int i = 1; i < 256; i++) {
			double v = TERM(0, i) + TERM(i, 256);
			if (v > best)
				best = v, t[0] = i;
		}
	} else if (classes == 3) {
		for (int i = 1; i < 255; i++)
			for (int j = i + 1; j < 256; j++) {
				double v = TERM(0, i) + TERM(i, j) + TERM(j, 256);
				if (v > best)
					best = v, t[0] = i, t[1] = j;
			}
	} else {
		for (int i = 1; i < 254; i++)
			for (int j = i + 1; j < 255; j++)
				for (int k = j + 1; k < 256; k++) {
					double v = TERM(0, i) + TERM(i, j) + TERM(j, k) +
						   TERM(k, 256);
					if (v > best)
						best = v, t[0] = i, t[1] = j, t[2] = k;
				}
	}
#undef TERM
	/* a split before value i means "<= i - 1" is the lower class */
	for (int c = 0; c < classes - 1; c++)
		thresholds[c] = t[c] - 1;
	return DH_OK;
}
