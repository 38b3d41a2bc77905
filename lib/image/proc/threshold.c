/* threshold.c - fixed and Otsu thresholds. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "image/proc/proc.h"

static dh_status need_gray(const dh_image *src, const char *what, dh_err *e)
{
	if (src->channels != 1)
		return dh_err_set(e, DH_EINVAL, "%s needs a one-channel image, "
				  "not %d channels (convert to gray first)",
				  what, src->channels);
	return DH_OK;
}

dh_image *dh_threshold(const dh_image *src, double t, double maxval,
		       dh_err *e)
{
	if (need_gray(src, "threshold", e))
		return NULL;
	dh_image *dst = dh_image_new_like(src, DH_U8, 1, DH_COLOR_GRAY, e);
	if (!dst)
		return NULL;
	size_t n = src->nbytes / dh_image_elsize(src);
	uint8_t hi = maxval >= 255 ? 255 : maxval <= 0 ? 0 : (uint8_t)maxval;
	if (src->dtype == DH_U8) {
		const uint8_t *s = src->data;
#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++)
			dst->data[i] = s[i] > t ? hi : 0;
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
		size_t h[256] = {0};
		const uint8_t *p = src->data;
		for (size_t i = 0; i < n; i++)
			h[p[i]]++;
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
