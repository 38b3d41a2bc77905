/* noise.c - additive gaussian and laplace noise, poisson (shot) noise and
 * salt-and-pepper.  Each row draws from its own stream derived from (seed,
 * row), so the result depends on the seed alone, not on the thread count. */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "image/proc/proc.h"
#include "image/sat.h"

int dh_noise_parse(const char *s, dh_noise_kind *out)
{
	static const char *const names[] = {"gaussian", "laplace", "poisson",
					    "salt-pepper"};
	for (int i = 0; i < DH_NOISE_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_noise_kind)i;
			return 0;
		}
	return -1;
}

/* Poisson(lambda): multiplication of uniforms below 30, the normal
 * approximation above. */
static double poisson(dh_rng *r, double lambda)
{
	if (!(lambda > 0))
		return 0;
	if (lambda > 30)
		return floor(lambda + sqrt(lambda) * dh_rng_normal(r, 0, 1) + 0.5);
	double limit = exp(-lambda), p = 1;
	int k = 0;
	do {
		k++;
		p *= dh_rng_double(r);
	} while (p > limit);
	return k - 1;
}

dh_image *dh_noise(const dh_image *src, dh_noise_kind kind, double amount,
		   uint64_t seed, dh_err *e)
{
	if ((unsigned)kind >= DH_NOISE_COUNT || !(amount >= 0) ||
	    (kind == DH_NOISE_SALT_PEPPER && amount > 1)) {
		dh_err_set(e, DH_EINVAL, "bad noise kind or amount (sigma, scale "
			   ">= 0; salt-and-pepper fraction 0..1)");
		return NULL;
	}
	dh_image *dst = dh_image_clone(src, e);
	if (!dst)
		return NULL;
	const int C = src->channels;
	const double hi = src->dtype == DH_U8    ? 255
			  : src->dtype == DH_U16 ? 65535
			  : dh_dtype_is_float(src->dtype) ? 1
							  : 32767;
	const long rows = (long)src->height * src->depth;
#pragma omp parallel for schedule(static)
	for (long y = 0; y < rows; y++) {
		dh_rng r;
		dh_rng_derive(&r, seed, 0x6e6f697365ull /* "noise" */, (uint64_t)y);
		size_t base = (size_t)y * (size_t)src->width * (size_t)C;
		for (int x = 0; x < src->width; x++) {
			size_t i = base + (size_t)x * (size_t)C;
			if (kind == DH_NOISE_SALT_PEPPER) {
				if (dh_rng_double(&r) >= amount)
					continue;
				double v = dh_rng_double(&r) < 0.5 ? 0 : hi;
				for (int c = 0; c < C; c++)
					dh_sat_store(src->dtype, dst->data, i + (size_t)c, v);
				continue;
			}
			for (int c = 0; c < C; c++) {
				double v = dh_dtype_get(src->dtype, src->data, i + (size_t)c);
				if (kind == DH_NOISE_GAUSSIAN) {
					v += dh_rng_normal(&r, 0, (float)amount);
				} else if (kind == DH_NOISE_LAPLACE) {
					double u = dh_rng_double(&r) - 0.5;
					v -= amount * (u < 0 ? -1 : 1) * log(1 - 2 * fabs(u));
				} else {
					/* amount scales counts: v' = P(v * a) / a
					 * (a = 0: plain poisson of v) */
					double a = amount > 0 ? amount : 1;
					v = poisson(&r, v * a) / a;
				}
				dh_sat_store(src->dtype, dst->data, i + (size_t)c, v);
			}
		}
	}
	return dst;
}
