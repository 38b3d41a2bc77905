/* filter.c - gaussian and box blur (separable, reflect-101 borders, as
 * cv2.GaussianBlur and cv2.blur by default) and the median filter
 * (replicated borders, as cv2.medianBlur). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/proc/proc.h"
#include "image/proc/simd_private.h"
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

/* out = sum_j q[j] * rows[j] over n bytes, in 16 bits (the caller makes
 * sure that 255 * sum(q) fits). */
DH_PROC_CLONES static void vsum16(const uint8_t *const *rows,
				  const uint16_t *q, int nk,
				  uint16_t *restrict out, size_t n)
{
	const uint8_t *r0 = rows[0];
	const uint16_t q0 = q[0];
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		out[i] = (uint16_t)(q0 * r0[i]);
	for (int j = 1; j < nk; j++) {
		const uint8_t *rj = rows[j];
		const uint16_t qj = q[j];
#pragma omp simd
		for (size_t i = 0; i < n; i++)
			out[i] = (uint16_t)(out[i] + qj * rj[i]);
	}
}

/* out = (sum_k q[k] * v[i + k C] + half) >> shift, in 16 bits. */
DH_PROC_CLONES static void hsum16(const uint16_t *restrict v,
				  const uint16_t *q, int nk, int C,
				  uint8_t *restrict out, size_t n, int shift)
{
	const uint16_t half = (uint16_t)(shift ? 1u << (shift - 1) : 0);
	if (nk == 5) {
		const uint16_t q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4];
		const size_t c = (size_t)C;
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			uint16_t a = (uint16_t)(q0 * v[i] + q1 * v[i + c] +
						q2 * v[i + 2 * c] + q3 * v[i + 3 * c] +
						q4 * v[i + 4 * c]);
			/* a + half may need 17 bits */
			out[i] = (uint8_t)(((uint32_t)a + half) >> shift);
		}
		return;
	}
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		uint32_t a = 0;
		for (int k = 0; k < nk; k++)
			a += (uint32_t)q[k] * v[i + (size_t)k * (size_t)C];
		out[i] = (uint8_t)((a + half) >> shift);
	}
}

/* out = (sum_k q[k] * v[i + k C] + 2^15) >> 16, in 32 bits. */
DH_PROC_CLONES static void hsum32(const uint16_t *restrict v, const uint32_t *q,
				  int nk, int C, uint8_t *restrict out,
				  size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		uint32_t a = 0;
		for (int k = 0; k < nk; k++)
			a += q[k] * v[i + (size_t)k * (size_t)C];
		a = (a + (1u << 15)) >> 16;
		out[i] = (uint8_t)(a > 255 ? 255 : a);
	}
}

typedef struct gauss_job {
	const dh_image *src;
	dh_image *dst;
	int z, nk, red, shift;
	const uint16_t *qr, *q16;
	const uint32_t *q32;
	int oom;
} gauss_job;

/* Output rows of band c of n. */
static void gauss_chunk(void *p, int c, int n)
{
	gauss_job *jb = p;
	const dh_image *src = jb->src;
	const int W = src->width, H = src->height, C = src->channels;
	const int nk = jb->nk, r = nk / 2, z = jb->z;
	const size_t row = (size_t)W * (size_t)C;
	const size_t prow = (size_t)(W + 2 * r) * (size_t)C;
	int y0, y1;
	dh_proc_band(H, c, n, &y0, &y1);
	if (y0 >= y1)
		return;
	uint16_t *vp = malloc(prow * sizeof *vp);
	const uint8_t **rows = malloc((size_t)nk * sizeof *rows);
	if (!vp || !rows) {
		__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
		y1 = y0;
	}
	for (int y = y0; y < y1; y++) {
		for (int j = 0; j < nk; j++)
			rows[j] = dh_image_row(src, z, dh_border_index(
				y - r + j, H, DH_BORDER_REFLECT101));
		uint16_t *v = vp + (size_t)r * (size_t)C;
		vsum16(rows, jb->red ? jb->qr : jb->q16, nk, v, row);
		/* reflect-101 columns on both sides */
		for (int k = 1; k <= r; k++) {
			int xl = dh_border_index(-k, W, DH_BORDER_REFLECT101);
			int xr = dh_border_index(W - 1 + k, W, DH_BORDER_REFLECT101);
			memcpy(v - (size_t)k * (size_t)C, v + (size_t)xl * (size_t)C,
			       (size_t)C * sizeof *v);
			memcpy(v + (size_t)(W - 1 + k) * (size_t)C,
			       v + (size_t)xr * (size_t)C, (size_t)C * sizeof *v);
		}
		uint8_t *d = dh_image_row(jb->dst, z, y);
		if (jb->red)
			hsum16(vp, jb->qr, nk, C, d, row, jb->shift);
		else
			hsum32(vp, jb->q32, nk, C, d, row);
	}
	free(vp);
	free(rows);
}

static int gcd(int a, int b)
{
	while (b) {
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* 8-bit separable filter in fixed point: taps with 8 fractional bits
 * (their sum corrected to exactly 1 at the centre tap), the exact integer
 * sum of both passes rounded once from 16 fractional bits: the arithmetic
 * of OpenCV's bit-exact 8-bit gaussian, so results agree exactly.  With
 * no rounding in between, the order of the passes does not change the
 * result: each output row sums its source rows first (16 bits) and then
 * along the row.  When the taps share a factor g (the 3- and 5-tap
 * kernels: 64 (1 2 1), 16 (1 4 6 4 1)) both passes run on the reduced taps
 * in 16 bits and the rounding shift drops by log2 g^2.  Taps must be >= 0
 * and sum to 256. */
static dh_image *sep_filter_u8(const dh_image *src, const float *kf, int nk,
			       dh_err *e)
{
	int q[1024], sum = 0;
	for (int i = 0; i < nk; i++)
		sum += q[i] = (int)lrint(kf[i] * 256.0);
	q[nk / 2] += 256 - sum;
	int g = 0;
	for (int i = 0; i < nk; i++)
		g = gcd(g, q[i]);
	/* reduced taps sum to 256 / g; 16 bits hold both passes when
	 * 255 (256/g)^2 does, and g is a power of two (so is 256/g) */
	int red = (g & (g - 1)) == 0 && 255 * (256 / g) * (256 / g) <= 65535;
	int shift = 16;
	for (int t = g; red && t > 1; t >>= 1)
		shift -= 2;
	uint16_t q16[1024], qr[1024];
	uint32_t q32[1024];
	for (int i = 0; i < nk; i++) {
		q16[i] = (uint16_t)q[i];
		q32[i] = (uint32_t)q[i];
		qr[i] = (uint16_t)(red ? q[i] / g : q[i]);
	}
	dh_image *dst = dh_image_new_like_uninit(src, DH_U8, 0, src->color, e);
	if (!dst)
		return NULL;
	const int H = src->height;
	const size_t row = (size_t)src->width * (size_t)src->channels;
	int oom = 0;
	for (int z = 0; z < src->depth; z++) {
		gauss_job jb = {src, dst, z, nk, red, shift, qr, q16, q32, 0};
		dh_proc_run(dh_proc_chunks(row * (size_t)H * (size_t)nk),
			    gauss_chunk, &jb, row * (size_t)H * (size_t)nk);
		oom |= jb.oom;
	}
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
