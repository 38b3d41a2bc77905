/* intensity.c - histogram equalisation and thinning. */
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
