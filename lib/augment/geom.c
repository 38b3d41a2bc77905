/* geom.c - resampling for the geometric transforms: each output pixel reads
 * the source at a position given by an inverse affine map or by per-pixel
 * maps, with nearest, bilinear or bicubic (OpenCV's a = -0.75) weights and
 * one border rule.  Rows are sampled from two coordinate arrays, so affine
 * maps and displacement fields share one kernel.  Masks use the same
 * positions with nearest-neighbour sampling, copying whole pixels of any
 * dtype. */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "augment/aug_private.h"
#include "image/sat.h"

static inline int bidx(int i, int n, aug_border b)
{
	if ((unsigned)i < (unsigned)n)
		return i;
	if (n == 1)
		return b == AB_CONSTANT || b == AB_TRANSPARENT ? -1 : 0;
	switch (b) {
	case AB_REPLICATE:
		return i < 0 ? 0 : n - 1;
	case AB_REFLECT:
		for (;;) {
			if (i < 0)
				i = -i - 1;
			else if (i >= n)
				i = 2 * n - i - 1;
			else
				return i;
		}
	case AB_REFLECT101:
		for (;;) {
			if (i < 0)
				i = -i;
			else if (i >= n)
				i = 2 * n - i - 2;
			else
				return i;
		}
	case AB_WRAP:
		i %= n;
		return i < 0 ? i + n : i;
	default:
		return -1;
	}
}

static inline float cubic_w(float x, float w[4])
{
	const float A = -0.75f;
	w[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
	w[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
	w[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
	w[3] = 1 - w[0] - w[1] - w[2];
	return 0;
}

/* One output row of an image (u8 or f32) from the positions sx, sy. */
static void sample_row(const dh_image *src, int z, const float *sx,
		       const float *sy, int w, unsigned char *out,
		       const unsigned char *orig, aug_interp m, aug_border b,
		       double value)
{
	const int C = src->channels, W = src->width, H = src->height;
	const int u8 = src->dtype == DH_U8;
	const size_t row = src->row_bytes;
	const unsigned char *base = src->data + (size_t)z * (size_t)H * row;
	uint8_t *o8 = out;
	float *of = (float *)(void *)out;
	const float fval = (float)value;
	const uint8_t bval = dh_sat_u8(value);
	for (int x = 0; x < w; x++) {
		float X = sx[x], Y = sy[x];
		if (m == AI_NEAREST) {
			int ix = (int)floorf(X + 0.5f), iy = (int)floorf(Y + 0.5f);
			if (!(X > -1e8f && X < 1e8f && Y > -1e8f && Y < 1e8f))
				ix = iy = INT_MIN / 2;
			int jx = bidx(ix, W, b), jy = bidx(iy, H, b);
			for (int c = 0; c < C; c++) {
				size_t o = (size_t)x * C + c;
				if (jx < 0 || jy < 0) {
					if (b == AB_TRANSPARENT && orig) {
						if (u8)
							o8[o] = orig[o];
						else
							of[o] = ((const float *)(const void *)orig)[o];
					} else if (u8) {
						o8[o] = bval;
					} else {
						of[o] = fval;
					}
					continue;
				}
				const unsigned char *p = base + (size_t)jy * row;
				if (u8)
					o8[o] = p[(size_t)jx * C + c];
				else
					of[o] = ((const float *)(const void *)p)[(size_t)jx * C + c];
			}
			continue;
		}
		if (!(X > -1e8f && X < 1e8f && Y > -1e8f && Y < 1e8f))
			X = Y = -1e8f;
		float fx0 = floorf(X), fy0 = floorf(Y);
		int x0 = (int)fx0, y0 = (int)fy0;
		float ax = X - fx0, ay = Y - fy0;
		if (m == AI_LINEAR) {
			if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
				const unsigned char *p0 = base + (size_t)y0 * row;
				const unsigned char *p1 = p0 + row;
				float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay);
				float w10 = (1 - ax) * ay, w11 = ax * ay;
				size_t i0 = (size_t)x0 * C;
				if (u8) {
					for (int c = 0; c < C; c++) {
						float v = w00 * p0[i0 + c] + w01 * p0[i0 + C + c] +
							  w10 * p1[i0 + c] + w11 * p1[i0 + C + c];
						o8[(size_t)x * C + c] = (uint8_t)(v + 0.5f);
					}
				} else {
					const float *q0 = (const float *)(const void *)p0;
					const float *q1 = (const float *)(const void *)p1;
					for (int c = 0; c < C; c++)
						of[(size_t)x * C + c] =
							w00 * q0[i0 + c] + w01 * q0[i0 + C + c] +
							w10 * q1[i0 + c] + w11 * q1[i0 + C + c];
				}
				continue;
			}
		}
		/* general case: taps with the border rule */
		int nt = m == AI_LINEAR ? 2 : 4, off = m == AI_LINEAR ? 0 : -1;
		float wx[4], wy[4];
		if (m == AI_LINEAR) {
			wx[0] = 1 - ax, wx[1] = ax, wy[0] = 1 - ay, wy[1] = ay;
		} else {
			cubic_w(ax, wx);
			cubic_w(ay, wy);
		}
		int jx[4], jy[4], outside = 0;
		for (int k = 0; k < nt; k++) {
			jx[k] = bidx(x0 + off + k, W, b);
			jy[k] = bidx(y0 + off + k, H, b);
			outside |= jx[k] < 0 || jy[k] < 0;
		}
		if (outside && b == AB_TRANSPARENT) {
			size_t o = (size_t)x * C * (u8 ? 1 : 4);
			if (orig)
				memcpy(out + o, orig + o, (size_t)C * (u8 ? 1 : 4));
			else if (u8)
				memset(out + o, 0, (size_t)C);
			else
				memset(out + o, 0, (size_t)C * 4);
			continue;
		}
		for (int c = 0; c < C; c++) {
			float acc = 0;
			for (int ky = 0; ky < nt; ky++) {
				float rowacc = 0;
				const unsigned char *p = jy[ky] >= 0 ? base + (size_t)jy[ky] * row : NULL;
				for (int kx = 0; kx < nt; kx++) {
					float v;
					if (!p || jx[kx] < 0)
						v = fval;
					else if (u8)
						v = p[(size_t)jx[kx] * C + c];
					else
						v = ((const float *)(const void *)p)[(size_t)jx[kx] * C + c];
					rowacc += wx[kx] * v;
				}
				acc += wy[ky] * rowacc;
			}
			if (u8)
				o8[(size_t)x * C + c] = dh_sat_u8f(acc);
			else
				of[(size_t)x * C + c] = acc;
		}
	}
}

/* Nearest-neighbour row for any dtype (masks): whole pixels copied. */
static void sample_row_nearest_bytes(const dh_image *src, int z,
				     const float *sx, const float *sy, int w,
				     unsigned char *out, aug_border b)
{
	const size_t px = src->row_bytes / (size_t)src->width;
	const unsigned char *base = src->data + (size_t)z * (size_t)src->height * src->row_bytes;
	for (int x = 0; x < w; x++) {
		float X = sx[x], Y = sy[x];
		int ix = INT_MIN / 2, iy = INT_MIN / 2;
		if (X > -1e8f && X < 1e8f && Y > -1e8f && Y < 1e8f) {
			ix = (int)floorf(X + 0.5f);
			iy = (int)floorf(Y + 0.5f);
		}
		int jx = bidx(ix, src->width, b), jy = bidx(iy, src->height, b);
		if (jx < 0 || jy < 0)
			memset(out + (size_t)x * px, 0, px);
		else
			memcpy(out + (size_t)x * px, base + (size_t)jy * src->row_bytes + (size_t)jx * px, px);
	}
}

/* Bilinear rows of a u8 image under an affine map, in fixed point: 16
 * fractional bits for positions, 8 for the weights (OpenCV uses 5); pixels
 * whose taps leave the image go through sample_row's border rules. */
static void affine_row_u8(const dh_image *src, int z, const double *M, int y,
			  int w, unsigned char *out, const unsigned char *orig,
			  aug_border b, double value)
{
	const int C = src->channels, W = src->width, H = src->height;
	const size_t row = src->row_bytes;
	const unsigned char *base = src->data + (size_t)z * (size_t)H * row;
	double X0 = M[1] * y + M[2], Y0 = M[4] * y + M[5];
	if (!(fabs(X0) < 1e9 && fabs(Y0) < 1e9 && fabs(M[0]) < 1e4 && fabs(M[3]) < 1e4)) {
		for (int x = 0; x < w; x++) {
			float fx = (float)(X0 + M[0] * x), fy = (float)(Y0 + M[3] * x);
			sample_row(src, z, &fx, &fy, 1, out + (size_t)x * C,
				   orig ? orig + (size_t)x * C : NULL, AI_LINEAR, b, value);
		}
		return;
	}
	const int64_t fx0 = llround(X0 * 65536), fy0 = llround(Y0 * 65536);
	const int64_t dx = llround(M[0] * 65536), dy = llround(M[3] * 65536);
	const unsigned char cval = dh_sat_u8(value);
	for (int x = 0; x < w; x++) {
		int64_t X = fx0 + dx * x, Y = fy0 + dy * x;
		int x0 = (int)(X >> 16), y0 = (int)(Y >> 16);
		unsigned char *o = out + (size_t)x * C;
		if ((unsigned)x0 < (unsigned)(W - 1) && (unsigned)y0 < (unsigned)(H - 1)) {
			unsigned ax = (unsigned)(X >> 8) & 255, ay = (unsigned)(Y >> 8) & 255;
			unsigned w00 = (256 - ax) * (256 - ay), w01 = ax * (256 - ay);
			unsigned w10 = (256 - ax) * ay, w11 = ax * ay;
			const unsigned char *p0 = base + (size_t)y0 * row + (size_t)x0 * C;
			const unsigned char *p1 = p0 + row;
			if (C == 3) {
				o[0] = (unsigned char)((p0[0] * w00 + p0[3] * w01 + p1[0] * w10 + p1[3] * w11 + 32768) >> 16);
				o[1] = (unsigned char)((p0[1] * w00 + p0[4] * w01 + p1[1] * w10 + p1[4] * w11 + 32768) >> 16);
				o[2] = (unsigned char)((p0[2] * w00 + p0[5] * w01 + p1[2] * w10 + p1[5] * w11 + 32768) >> 16);
			} else {
				for (int c = 0; c < C; c++)
					o[c] = (unsigned char)((p0[c] * w00 + p0[c + C] * w01 + p1[c] * w10 +
								p1[c + C] * w11 + 32768) >> 16);
			}
			continue;
		}
		if (b == AB_CONSTANT && (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H)) {
			for (int c = 0; c < C; c++)
				o[c] = cval;
			continue;
		}
		float fx = (float)((double)X / 65536), fy = (float)((double)Y / 65536);
		sample_row(src, z, &fx, &fy, 1, o, orig ? orig + (size_t)x * C : NULL,
			   AI_LINEAR, b, value);
	}
}

typedef struct coords {
	const double *inv; /* affine, or */
	const float *mx, *my; /* maps */
} coords;

static dh_image *resample(const dh_image *src, const coords *cs, int w, int h,
			  aug_interp m, aug_border b, double value, int bytes,
			  dh_err *e)
{
	dh_image *dst = dh_image_new(src->dtype, w, h, src->depth, src->channels,
				     src->color, e);
	if (!dst)
		return NULL;
	memcpy(dst->spacing, src->spacing, sizeof dst->spacing);
	float *buf = malloc(sizeof(float) * 2 * (size_t)w);
	if (!buf) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	float *sx = buf, *sy = buf + w;
	const int same = w == src->width && h == src->height;
	for (int z = 0; z < src->depth; z++)
		for (int y = 0; y < h; y++) {
			const float *px = sx, *py = sy;
			if (cs->inv && !bytes && m == AI_LINEAR && src->dtype == DH_U8) {
				affine_row_u8(src, z, cs->inv, y, w, dh_image_row(dst, z, y),
					      same ? (const unsigned char *)dh_image_row(src, z, y) : NULL,
					      b, value);
				continue;
			}
			if (cs->inv) {
				const double *M = cs->inv;
				double X = M[1] * y + M[2], Y = M[4] * y + M[5];
				for (int x = 0; x < w; x++) {
					sx[x] = (float)(X + M[0] * x);
					sy[x] = (float)(Y + M[3] * x);
				}
			} else {
				px = cs->mx + (size_t)y * (size_t)w;
				py = cs->my + (size_t)y * (size_t)w;
			}
			unsigned char *o = dh_image_row(dst, z, y);
			if (bytes)
				sample_row_nearest_bytes(src, z, px, py, w, o, b);
			else
				sample_row(src, z, px, py, w, o,
					   same ? (const unsigned char *)dh_image_row(src, z, y) : NULL,
					   m, b, value);
		}
	free(buf);
	return dst;
}

static int plain(const dh_image *img)
{
	return img->dtype == DH_U8 || img->dtype == DH_F32;
}

dh_image *aug_warp_affine(const dh_image *src, const double inv[6], int w,
			  int h, aug_interp m, aug_border b, double value,
			  dh_err *e)
{
	coords cs = {inv, NULL, NULL};
	return resample(src, &cs, w, h, m, b, value, !plain(src), e);
}

dh_image *aug_remap(const dh_image *src, const float *mx, const float *my,
		    int w, int h, aug_interp m, aug_border b, double value,
		    dh_err *e)
{
	coords cs = {NULL, mx, my};
	return resample(src, &cs, w, h, m, b, value, !plain(src), e);
}

static dh_image *mask_geom(const dh_image *mask, const coords *cs, int w,
			   int h, aug_interp mm, aug_border b, dh_err *e)
{
	aug_border mb = b == AB_TRANSPARENT ? AB_CONSTANT : b;
	int bytes = mm == AI_NEAREST || !plain(mask);
	return resample(mask, cs, w, h, bytes ? AI_NEAREST : mm, mb, 0, bytes, e);
}

static dh_status geom(aug_state *s, const coords *cs, int w, int h,
		      aug_interp m, aug_interp mm, aug_border b, double value,
		      dh_err *e)
{
	dh_image *img = resample(s->img, cs, w, h, m, b, value, 0, e);
	if (!img)
		return e ? e->status : DH_ENOMEM;
	dh_image *mask = NULL;
	if (s->mask) {
		mask = mask_geom(s->mask, cs, w, h, mm, b, e);
		if (!mask) {
			dh_image_free(img);
			return e ? e->status : DH_ENOMEM;
		}
	}
	aug_replace(s, img, mask);
	return DH_OK;
}

dh_status aug_geom_affine(aug_state *s, const double inv[6], int w, int h,
			  aug_interp m, aug_interp mm, aug_border b,
			  double value, dh_err *e)
{
	coords cs = {inv, NULL, NULL};
	return geom(s, &cs, w, h, m, mm, b, value, e);
}

dh_status aug_geom_remap(aug_state *s, const float *mx, const float *my,
			 aug_interp m, aug_interp mm, aug_border b,
			 double value, dh_err *e)
{
	coords cs = {NULL, mx, my};
	return geom(s, &cs, s->img->width, s->img->height, m, mm, b, value, e);
}

/* --- normal deviates: Marsaglia and Tsang's ziggurat (128 layers) ------- */
static uint32_t zig_k[128];
static float zig_w[128], zig_f[128];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
	const double m1 = 2147483648.0;
	double dn = 3.442619855899, tn = dn, vn = 9.91256303526217e-3;
	double q = vn / exp(-.5 * dn * dn);
	zig_k[0] = (uint32_t)((dn / q) * m1);
	zig_k[1] = 0;
	zig_w[0] = (float)(q / m1);
	zig_w[127] = (float)(dn / m1);
	zig_f[0] = 1.f;
	zig_f[127] = (float)exp(-.5 * dn * dn);
	for (int i = 126; i >= 1; i--) {
		dn = sqrt(-2. * log(vn / dn + exp(-.5 * dn * dn)));
		zig_k[i + 1] = (uint32_t)((dn / tn) * m1);
		tn = dn;
		zig_f[i] = (float)exp(-.5 * dn * dn);
		zig_w[i] = (float)(dn / m1);
	}
}

void aug_normal_init(void)
{
	pthread_once(&zig_once, zig_init);
}

double aug_normal(dh_rng *r)
{
	aug_ngen g = {*r, 0, 0};
	double v = aug_ngen_next(&g);
	*r = g.r;
	return v;
}

/* The ziggurat's rare cases: the tail and the wedges. */
float aug_normal_slow(aug_ngen *g, int32_t hz, int iz)
{
	for (;;) {
		double x = hz * (double)zig_w[iz];
		if (iz == 0) {
			const double rr = 3.442620;
			double y;
			do {
				x = -log(1.0 - (aug_next(&g->r) >> 11) * 0x1.0p-53) * 0.2904764;
				y = -log(1.0 - (aug_next(&g->r) >> 11) * 0x1.0p-53);
			} while (y + y < x * x);
			return (float)(hz > 0 ? rr + x : -rr - x);
		}
		if (zig_f[iz] + (aug_next(&g->r) >> 11) * 0x1.0p-53 * (zig_f[iz - 1] - zig_f[iz]) <
		    exp(-.5 * x * x))
			return (float)x;
		uint64_t u = aug_next(&g->r);
		hz = (int32_t)(uint32_t)(u >> 32);
		iz = (int)(u & 127);
		int64_t ahz = hz < 0 ? -(int64_t)hz : hz;
		if (ahz < (int64_t)zig_k[iz])
			return hz * zig_w[iz];
	}
}

const uint32_t *aug_zig_k = zig_k;
const float *aug_zig_w = zig_w;
