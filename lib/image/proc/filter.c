/* filter.c - gaussian and box blur (separable, reflect-101 borders, as
 * cv2.GaussianBlur and cv2.blur by default) and the median filter
 * (replicated borders, as cv2.medianBlur). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/proc/proc.h"
#include "image/sat.h"

/* The 1D kernel of ksize taps (OpenCV's getGaussianKernel rules). */
static void gauss_kernel(int ksize, double sigma, float *k)
{
	static const float small[4][7] = {
		{1.f},
		{0.25f, 0.5f, 0.25f},
		{0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f},
		{0.03125f, 0.109375f, 0.21875f, 0.28125f, 0.21875f, 0.109375f,
		 0.03125f},
	};
	if (sigma <= 0 && ksize <= 7 && (ksize & 1)) {
		memcpy(k, small[ksize / 2], sizeof(float) * (size_t)ksize);
		return;
	}
	if (sigma <= 0)
		sigma = ((ksize - 1) * 0.5 - 1) * 0.3 + 0.8;
	double sum = 0, tmp[1024];
	for (int i = 0; i < ksize; i++) {
		double x = i - (ksize - 1) * 0.5;
		tmp[i] = exp(-x * x / (2 * sigma * sigma));
		sum += tmp[i];
	}
	for (int i = 0; i < ksize; i++)
		k[i] = (float)(tmp[i] / sum);
}

/* 8-bit separable filter in fixed point: taps with 8 fractional bits (their
 * sum corrected to exactly 1 at the centre tap), rows kept with 8 fractional
 * bits, the column pass rounded from 16: the arithmetic of OpenCV's
 * bit-exact 8-bit gaussian, so results agree exactly. */
static dh_image *sep_filter_u8(const dh_image *src, const float *kf, int nk,
			       dh_err *e)
{
	int q[1024], sum = 0;
	for (int i = 0; i < nk; i++)
		sum += q[i] = (int)lrint(kf[i] * 256.0);
	q[nk / 2] += 256 - sum;
	dh_image *dst = dh_image_new_like(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	const int W = src->width, H = src->height, C = src->channels;
	const int r = nk / 2, slots = nk + 1;
	const size_t row = (size_t)W * (size_t)C;
	int *xi = malloc(sizeof(int) * (size_t)(W + nk));
	if (!xi) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < W + nk - 1; i++)
		xi[i] = dh_border_index(i - r, W, DH_BORDER_REFLECT101);
	int oom = 0;
	for (int z = 0; z < src->depth; z++) {
		/* each thread: a band of output rows, with the row pass of the
		 * source rows it needs cached (slot = row mod slots); a row
		 * pass value is at most 255 * 256, so 16 bits hold it */
#pragma omp parallel
		{
			uint8_t *pad = malloc((size_t)(W + nk) * (size_t)C);
			uint16_t *cache = malloc((size_t)slots * row * sizeof *cache);
			uint32_t *acc = malloc((row ? row : 1) * sizeof *acc);
			int *tags = malloc((size_t)slots * sizeof *tags);
			if (!pad || !cache || !acc || !tags) {
#pragma omp atomic write
				oom = 1;
			} else {
				for (int i = 0; i < slots; i++)
					tags[i] = -1;
			}
#pragma omp for schedule(static)
			for (int y = 0; y < H; y++) {
				if (!pad || !cache || !acc || !tags)
					continue;
				memset(acc, 0, row * sizeof *acc);
				for (int j = 0; j < nk; j++) {
					int sy = dh_border_index(y - r + j, H, DH_BORDER_REFLECT101);
					int slot = sy % slots;
					uint16_t *h = cache + (size_t)slot * row;
					if (tags[slot] != sy) {
						const uint8_t *s = dh_image_row(src, z, sy);
						for (int i = 0; i < W + nk - 1; i++)
							memcpy(pad + (size_t)i * (size_t)C,
							       s + (size_t)xi[i] * (size_t)C, (size_t)C);
						memset(h, 0, row * sizeof *h);
						for (int k = 0; k < nk; k++) {
							const uint8_t *pk = pad + (size_t)k * (size_t)C;
							const uint16_t qk = (uint16_t)q[k];
#pragma omp simd
							for (size_t i = 0; i < row; i++)
								h[i] = (uint16_t)(h[i] + qk * pk[i]);
						}
						tags[slot] = sy;
					}
					const uint32_t qj = (uint32_t)q[j];
#pragma omp simd
					for (size_t i = 0; i < row; i++)
						acc[i] += qj * h[i];
				}
				uint8_t *d = dh_image_row(dst, z, y);
#pragma omp simd
				for (size_t i = 0; i < row; i++) {
					uint32_t v = (acc[i] + (1u << 15)) >> 16;
					d[i] = (uint8_t)(v > 255 ? 255 : v);
				}
			}
			free(pad);
			free(cache);
			free(acc);
			free(tags);
		}
	}
	free(xi);
	if (oom) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	return dst;
}

/* Separable filter with kernels kx (taps nx, anchor nx/2) and ky. */
static dh_image *sep_filter(const dh_image *src, const float *kx, int nx,
			    const float *ky, int ny, dh_err *e)
{
	dh_image *dst = dh_image_new_like(src, src->dtype, 0, src->color, e);
	if (!dst)
		return NULL;
	const int W = src->width, H = src->height, C = src->channels;
	const int rx = nx / 2, ry = ny / 2;
	const size_t row = (size_t)W * (size_t)C;
	size_t n;
	float *hb = NULL;
	if (!dh_size_mul(row, (size_t)H, &n))
		hb = dh_alloc_aligned(n * sizeof(float), e);
	int *xi = malloc(sizeof(int) * (size_t)(W + nx));
	if (!hb || !xi) {
		dh_free_aligned(hb);
		free(xi);
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < W + nx - 1; i++)
		xi[i] = dh_border_index(i - rx, W, DH_BORDER_REFLECT101);
	const int u8 = src->dtype == DH_U8;
	int oom = 0;
	for (int z = 0; z < src->depth; z++) {
#pragma omp parallel
		{
			float *pad = malloc(sizeof(float) * (size_t)(W + nx) * (size_t)C);
#pragma omp for schedule(static)
			for (int y = 0; y < H; y++) {
				if (!pad) {
#pragma omp atomic write
					oom = 1;
					continue;
				}
				const unsigned char *s = dh_image_row(src, z, y);
				size_t base = ((size_t)z * (size_t)H + (size_t)y) * row;
				for (int i = 0; i < W + nx - 1; i++)
					for (int c = 0; c < C; c++) {
						size_t si = (size_t)xi[i] * (size_t)C + (size_t)c;
						pad[(size_t)i * (size_t)C + (size_t)c] =
							u8 ? (float)s[si]
							   : (float)dh_dtype_get(src->dtype, src->data,
										 base + si);
					}
				float *h = hb + (size_t)y * row;
				for (size_t i = 0; i < row; i++) {
					float acc = 0;
					for (int j = 0; j < nx; j++)
						acc += kx[j] * pad[i + (size_t)j * (size_t)C];
					h[i] = acc;
				}
			}
			free(pad);
		}
#pragma omp parallel for schedule(static)
		for (int y = 0; y < H; y++) {
			int yi[1024]; /* ny <= 1023, checked by the callers */
			for (int j = 0; j < ny; j++)
				yi[j] = dh_border_index(y - ry + j, H,
							DH_BORDER_REFLECT101);
			size_t base = ((size_t)z * (size_t)H + (size_t)y) * row;
			for (size_t i = 0; i < row; i++) {
				float acc = 0;
				for (int j = 0; j < ny; j++)
					acc += ky[j] * hb[(size_t)yi[j] * row + i];
				if (u8)
					dst->data[base + i] = dh_sat_u8f(acc);
				else
					dh_sat_store(dst->dtype, dst->data, base + i, acc);
			}
		}
	}
	free(xi);
	dh_free_aligned(hb);
	if (oom) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	return dst;
}

dh_image *dh_gaussian_blur(const dh_image *src, int ksize, double sigma,
			   dh_err *e)
{
	if (ksize <= 0 && sigma > 0)
		ksize = ((int)lrint(sigma * (src->dtype == DH_U8 ? 3 : 4) * 2 + 1)) | 1;
	if (ksize < 1 || !(ksize & 1) || ksize > 1023) {
		dh_err_set(e, DH_EINVAL, "gaussian kernel size must be odd, "
			   "1 to 1023 (or give sigma)");
		return NULL;
	}
	float k[1024];
	gauss_kernel(ksize, sigma, k);
	/* the fixed-point path reproduces OpenCV exactly for its tabulated
	 * small kernels; for others OpenCV's own rounding of the taps differs,
	 * and float is closer to it */
	if (src->dtype == DH_U8 && sigma <= 0 && ksize <= 7)
		return sep_filter_u8(src, k, ksize, e);
	return sep_filter(src, k, ksize, k, ksize, e);
}

/* 8-bit box mean from integer window sums, rounded half up (as OpenCV's
 * power-of-two boxes come out). */
static dh_image *box_u8(const dh_image *src, int k, dh_err *e)
{
	dh_image *dst = dh_image_new_like(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	const int W = src->width, H = src->height, C = src->channels,
		  r = k / 2;
	const size_t row = (size_t)W * (size_t)C;
	uint32_t *hb = malloc(row * (size_t)H * sizeof *hb);
	if (!hb) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	const uint32_t area = (uint32_t)k * (uint32_t)k;
	for (int z = 0; z < src->depth; z++) {
#pragma omp parallel for schedule(static)
		for (int y = 0; y < H; y++) {
			const uint8_t *s = dh_image_row(src, z, y);
			uint32_t *h = hb + (size_t)y * row;
			for (int x = 0; x < W; x++)
				for (int c = 0; c < C; c++) {
					uint32_t acc = 0;
					for (int j = 0; j < k; j++)
						acc += s[(size_t)dh_border_index(x - r + j, W, DH_BORDER_REFLECT101) * (size_t)C + (size_t)c];
					h[(size_t)x * (size_t)C + (size_t)c] = acc;
				}
		}
#pragma omp parallel for schedule(static)
		for (int y = 0; y < H; y++) {
			uint8_t *d = dh_image_row(dst, z, y);
			for (size_t i = 0; i < row; i++) {
				uint32_t acc = 0;
				for (int j = 0; j < k; j++)
					acc += hb[(size_t)dh_border_index(y - r + j, H, DH_BORDER_REFLECT101) * row + i];
				d[i] = (uint8_t)((2 * acc + area) / (2 * area));
			}
		}
	}
	free(hb);
	return dst;
}

dh_image *dh_box_blur(const dh_image *src, int ksize, dh_err *e)
{
	if (ksize < 1 || ksize > 1023) {
		dh_err_set(e, DH_EINVAL, "box size must be 1 to 1023");
		return NULL;
	}
	if (src->dtype == DH_U8)
		return box_u8(src, ksize, e);
	float k[1024];
	for (int i = 0; i < ksize; i++)
		k[i] = 1.0f / (float)ksize;
	return sep_filter(src, k, ksize, k, ksize, e);
}

dh_image *dh_median_blur(const dh_image *src, int ksize, dh_err *e)
{
	if (src->dtype != DH_U8) {
		dh_err_set(e, DH_EUNSUPPORTED, "median blur of %s images "
			   "(uint8 is supported)", dh_dtype_name(src->dtype));
		return NULL;
	}
	if (ksize < 1 || !(ksize & 1) || ksize > 255) {
		dh_err_set(e, DH_EINVAL, "median size must be odd, 1 to 255");
		return NULL;
	}
	dh_image *dst = dh_image_new_like(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	const int W = src->width, H = src->height, C = src->channels,
		  r = ksize / 2, half = ksize * ksize / 2;
	for (int z = 0; z < src->depth; z++) {
#pragma omp parallel for schedule(static)
		for (long yc = 0; yc < (long)H * C; yc++) {
			int y = (int)(yc / C), c = (int)(yc % C);
			int hist[256];
			memset(hist, 0, sizeof hist);
			/* Huang: a histogram of the window slides along x */
			for (int j = -r; j <= r; j++) {
				const uint8_t *s = dh_image_row(
					src, z, dh_border_index(y + j, H, DH_BORDER_REPLICATE));
				for (int i = -r; i <= r; i++)
					hist[s[(size_t)dh_border_index(i, W, DH_BORDER_REPLICATE) * (size_t)C + (size_t)c]]++;
			}
			uint8_t *d = dh_image_row(dst, z, y);
			for (int x = 0; x < W; x++) {
				int acc = 0, m = 0;
				while ((acc += hist[m]) <= half)
					m++;
				d[(size_t)x * (size_t)C + (size_t)c] = (uint8_t)m;
				if (x + 1 == W)
					break;
				int xo = dh_border_index(x - r, W, DH_BORDER_REPLICATE);
				int xn = dh_border_index(x + r + 1, W, DH_BORDER_REPLICATE);
				for (int j = -r; j <= r; j++) {
					const uint8_t *s = dh_image_row(
						src, z, dh_border_index(y + j, H, DH_BORDER_REPLICATE));
					hist[s[(size_t)xo * (size_t)C + (size_t)c]]--;
					hist[s[(size_t)xn * (size_t)C + (size_t)c]]++;
				}
			}
		}
	}
	return dst;
}
