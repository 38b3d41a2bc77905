/* warp.c - affine warps and rotation, with cv2.warpAffine's conventions:
 * the forward matrix is inverted, source positions are computed in 10-bit
 * fixed point and sampled on a 1/32-pixel grid; 8-bit bilinear weights are
 * 15-bit fixed point.  Nearest, linear and cubic; any border mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "image/proc/proc.h"
#include "image/proc/simd_private.h"
#include "image/sat.h"

#define AB_BITS 10
#define AB_SCALE (1 << AB_BITS)
#define TAB_BITS 5
#define TAB_SIZE (1 << TAB_BITS)
#define W_BITS 15

void dh_rotation_matrix(double cx, double cy, double angle, double scale,
			double m[6])
{
	double a = angle * M_PI / 180.0;
	double al = cos(a) * scale, be = sin(a) * scale;
	m[0] = al;
	m[1] = be;
	m[2] = (1 - al) * cx - be * cy;
	m[3] = -be;
	m[4] = al;
	m[5] = be * cx + (1 - al) * cy;
}

static int sat_int(double v)
{
	if (v != v)
		return 0;
	if (v >= 2147483647.0)
		return 2147483647;
	if (v <= -2147483648.0)
		return -2147483647 - 1;
	return (int)lrint(v);
}

static void cubic_w(float x, float c[4])
{
	const float A = -0.75f;
	c[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
	c[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
	c[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
	c[3] = 1.f - c[0] - c[1] - c[2];
}

/* 8-bit bilinear weights for each of the 32x32 sub-pixel positions,
 * rounded to 2^15 and corrected so that each set sums to 2^15. */
static void bilinear_table(int tab[TAB_SIZE][TAB_SIZE][4])
{
	for (int fy = 0; fy < TAB_SIZE; fy++)
		for (int fx = 0; fx < TAB_SIZE; fx++) {
			float ax = (float)fx / TAB_SIZE, ay = (float)fy / TAB_SIZE;
			float w[4] = {(1 - ay) * (1 - ax), (1 - ay) * ax,
				      ay * (1 - ax), ay * ax};
			int sum = 0, big = 0;
			for (int k = 0; k < 4; k++) {
				tab[fy][fx][k] = (int)lrintf(w[k] * (1 << W_BITS));
				sum += tab[fy][fx][k];
				if (tab[fy][fx][k] > tab[fy][fx][big])
					big = k;
			}
			tab[fy][fx][big] += (1 << W_BITS) - sum;
		}
}

/* One 8-bit row of a bilinear warp: x0 = (X0 + adelta[x]) and y0 = (Y0 +
 * bdelta[x]) in 1/32 pixels.  Taps all inside: straight from the rows
 * (C fixed for the compiler where it is 1, 3 or 4); all outside a
 * constant border: the fill; else each tap through the border rule.  The
 * arithmetic is the same in the three cases. */
#define WARP_ROW_LIN(NAME, CC)                                               \
	static void NAME(const uint8_t *img, int W, int H, int Cv,           \
			 uint8_t *restrict d, int xa, int xb, int X0, int Y0, \
			 const int *adelta, const int *bdelta,               \
			 const int (*tab)[TAB_SIZE][4], dh_border b,         \
			 const uint8_t *fill)                                \
	{                                                                    \
		const int C = CC ? CC : Cv;                                  \
		const size_t rs = (size_t)W * (size_t)C;                     \
		for (int x = xa; x < xb; x++) {                              \
			int X = (X0 + adelta[x]) >> (AB_BITS - TAB_BITS);    \
			int Y = (Y0 + bdelta[x]) >> (AB_BITS - TAB_BITS);    \
			int sx = X >> TAB_BITS, sy = Y >> TAB_BITS;          \
			const int *t = tab[Y & (TAB_SIZE - 1)][X & (TAB_SIZE - 1)]; \
			uint8_t *o = d + (size_t)x * (size_t)C;              \
			if ((unsigned)sx < (unsigned)(W - 1) &&              \
			    (unsigned)sy < (unsigned)(H - 1)) {              \
				const uint8_t *p0 = img + (size_t)sy * rs +  \
						    (size_t)sx * (size_t)C;  \
				const uint8_t *p1 = p0 + rs;                 \
				for (int c = 0; c < C; c++)                  \
					o[c] = (uint8_t)((p0[c] * t[0] +     \
							  p0[c + C] * t[1] + \
							  p1[c] * t[2] +     \
							  p1[c + C] * t[3] + \
							  (1 << (W_BITS - 1))) >> W_BITS); \
				continue;                                    \
			}                                                    \
			if (b == DH_BORDER_CONSTANT &&                       \
			    (sx < -1 || sx >= W || sy < -1 || sy >= H)) {    \
				for (int c = 0; c < C; c++)                  \
					o[c] = fill[c];                      \
				continue;                                    \
			}                                                    \
			int ix0 = dh_border_index(sx, W, b);                 \
			int ix1 = dh_border_index(sx + 1, W, b);             \
			int iy0 = dh_border_index(sy, H, b);                 \
			int iy1 = dh_border_index(sy + 1, H, b);             \
			for (int c = 0; c < C; c++) {                        \
				int v[4];                                    \
				v[0] = ix0 < 0 || iy0 < 0 ? fill[c] : img[(size_t)iy0 * rs + (size_t)ix0 * (size_t)C + (size_t)c]; \
				v[1] = ix1 < 0 || iy0 < 0 ? fill[c] : img[(size_t)iy0 * rs + (size_t)ix1 * (size_t)C + (size_t)c]; \
				v[2] = ix0 < 0 || iy1 < 0 ? fill[c] : img[(size_t)iy1 * rs + (size_t)ix0 * (size_t)C + (size_t)c]; \
				v[3] = ix1 < 0 || iy1 < 0 ? fill[c] : img[(size_t)iy1 * rs + (size_t)ix1 * (size_t)C + (size_t)c]; \
				int acc = v[0] * t[0] + v[1] * t[1] + v[2] * t[2] + v[3] * t[3]; \
				int r = (acc + (1 << (W_BITS - 1))) >> W_BITS; \
				o[c] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r); \
			}                                                    \
		}                                                            \
	}
WARP_ROW_LIN(warp_row_lin_c1, 1)
WARP_ROW_LIN(warp_row_lin_c3, 3)
WARP_ROW_LIN(warp_row_lin_c4, 4)
WARP_ROW_LIN(warp_row_lin_cn, 0)

#ifdef __SSE2__
/* The 3-channel row with SSE2 (baseline on x86-64) where the four taps and
 * the 4-byte loads at them lie inside the image: each tap row's two pixels
 * interleaved into 16-bit pairs and multiplied-added (pmaddwd) with the
 * weight pairs of wp, 3 channels and a spare lane at a time; the same sums
 * as the scalar code.  The weights at (0, 0) are (2^15, 0, 0, 0), beyond
 * 16 bits: that pixel is a copy.  Other pixels go to warp_row_lin_c3. */
static void warp_row_lin_c3_sse2(const uint8_t *img, int W, int H, int Cv,
				 uint8_t *restrict d, int xa, int xb, int X0,
				 int Y0, const int *adelta, const int *bdelta,
				 const int (*tab)[TAB_SIZE][4], dh_border b,
				 const uint8_t *fill,
				 const int32_t (*wp)[TAB_SIZE][2])
{
	const size_t rs = (size_t)W * 3;
	const __m128i zero = _mm_setzero_si128();
	const __m128i half = _mm_set1_epi32(1 << (W_BITS - 1));
	for (int x = xa; x < xb; x++) {
		int X = (X0 + adelta[x]) >> (AB_BITS - TAB_BITS);
		int Y = (Y0 + bdelta[x]) >> (AB_BITS - TAB_BITS);
		int sx = X >> TAB_BITS, sy = Y >> TAB_BITS;
		if (b == DH_BORDER_CONSTANT &&
		    (sx < -1 || sx >= W || sy < -1 || sy >= H)) {
			uint8_t *o = d + (size_t)x * 3;
			o[0] = fill[0], o[1] = fill[1], o[2] = fill[2];
			continue;
		}
		if ((unsigned)sx >= (unsigned)(W - 2) ||
		    (unsigned)sy >= (unsigned)(H - 1) || x + 1 >= xb) {
			warp_row_lin_c3(img, W, H, Cv, d, x, x + 1, X0, Y0, adelta,
					bdelta, tab, b, fill);
			continue;
		}
		const int fx = X & (TAB_SIZE - 1), fy = Y & (TAB_SIZE - 1);
		const uint8_t *p0 = img + (size_t)sy * rs + (size_t)sx * 3;
		uint8_t *o = d + (size_t)x * 3;
		if (!(fx | fy)) {
			o[0] = p0[0], o[1] = p0[1], o[2] = p0[2];
			continue;
		}
		const uint8_t *p1 = p0 + rs;
		int32_t a0, a1, b0, b1;
		memcpy(&a0, p0, 4);
		memcpy(&a1, p0 + 3, 4);
		memcpy(&b0, p1, 4);
		memcpy(&b1, p1 + 3, 4);
		__m128i u = _mm_unpacklo_epi8(_mm_unpacklo_epi8(_mm_cvtsi32_si128(a0),
								_mm_cvtsi32_si128(a1)),
					      zero);
		__m128i v = _mm_unpacklo_epi8(_mm_unpacklo_epi8(_mm_cvtsi32_si128(b0),
								_mm_cvtsi32_si128(b1)),
					      zero);
		__m128i r = _mm_add_epi32(
			_mm_madd_epi16(u, _mm_set1_epi32(wp[fy][fx][0])),
			_mm_madd_epi16(v, _mm_set1_epi32(wp[fy][fx][1])));
		r = _mm_srai_epi32(_mm_add_epi32(r, half), W_BITS);
		r = _mm_packs_epi32(r, r);
		r = _mm_packus_epi16(r, r);
		/* 4 bytes: the spare one is the next pixel's, written next */
		int32_t out = _mm_cvtsi128_si32(r);
		memcpy(o, &out, 4);
	}
}
#endif

typedef struct warp_job {
	const dh_image *src;
	dh_image *dst;
	const double *M;
	int round_delta;
	const int *adelta, *bdelta;
	const int (*tab)[TAB_SIZE][4];
	const int32_t (*wp)[TAB_SIZE][2];
	dh_border b;
	const uint8_t *fill;
} warp_job;

/* 8-bit bilinear: blocks of 32 output rows, band c of n of them, in tiles
 * of 32 x 128: the source pixels one tile reads lie close together (few
 * pages, few cache lines), where a whole output row would cross the
 * source diagonally. */
static void warp_lin_chunk(void *p, int c, int n)
{
	const warp_job *jb = p;
	const dh_image *src = jb->src;
	dh_image *dst = jb->dst;
	const int C = src->channels, W = src->width, H = src->height;
	const int width = dst->width, height = dst->height;
	const long rows = (long)height * dst->depth;
	const double *M = jb->M;
	void (*row_fn)(const uint8_t *, int, int, int, uint8_t *, int, int, int,
		       int, const int *, const int *, const int(*)[TAB_SIZE][4],
		       dh_border, const uint8_t *) =
		C == 1 ? warp_row_lin_c1 : C == 3 ? warp_row_lin_c3
			 : C == 4 ? warp_row_lin_c4 : warp_row_lin_cn;
	const long nblk = (rows + 31) / 32;
	long b0 = nblk / n * c + (c < nblk % n ? c : nblk % n);
	long b1 = b0 + nblk / n + (c < nblk % n);
	for (long bk = b0; bk < b1; bk++) {
		long r1 = (bk + 1) * 32 < rows ? (bk + 1) * 32 : rows;
		for (int xa = 0; xa < width; xa += 128) {
			int xb = xa + 128 < width ? xa + 128 : width;
			for (long r = bk * 32; r < r1; r++) {
				int z = (int)(r / height), y = (int)(r % height);
				int X0 = sat_int((M[1] * y + M[2]) * AB_SCALE) + jb->round_delta;
				int Y0 = sat_int((M[4] * y + M[5]) * AB_SCALE) + jb->round_delta;
				const uint8_t *img = src->data + (size_t)z * (size_t)H *
								 (size_t)W * (size_t)C;
#ifdef __SSE2__
				if (C == 3) {
					warp_row_lin_c3_sse2(img, W, H, C, dh_image_row(dst, z, y),
							     xa, xb, X0, Y0, jb->adelta,
							     jb->bdelta, jb->tab, jb->b,
							     jb->fill, jb->wp);
					continue;
				}
#endif
				row_fn(img, W, H, C, dh_image_row(dst, z, y), xa, xb, X0, Y0,
				       jb->adelta, jb->bdelta, jb->tab, jb->b, jb->fill);
			}
		}
	}
}

dh_image *dh_warp_affine(const dh_image *src, const double m[6], int width,
			 int height, dh_interp interp, dh_border b,
			 double value, dh_err *e)
{
	if (interp == DH_INTERP_AREA)
		interp = DH_INTERP_LINEAR;
	if ((unsigned)interp >= DH_INTERP_COUNT ||
	    (unsigned)b >= DH_BORDER_COUNT) {
		dh_err_set(e, DH_EINVAL, "bad interpolation or border mode");
		return NULL;
	}
	dh_image *dst = dh_image_new_uninit(src->dtype, width, height,
					    src->depth, src->channels,
					    src->color, e);
	if (!dst)
		return NULL;
	memcpy(dst->spacing, src->spacing, sizeof dst->spacing);
	/* the inverse map */
	double D = m[0] * m[4] - m[1] * m[3];
	D = D != 0 ? 1.0 / D : 0.0;
	double M[6];
	M[0] = m[4] * D;
	M[1] = -m[1] * D;
	M[3] = -m[3] * D;
	M[4] = m[0] * D;
	M[2] = -M[0] * m[2] - M[1] * m[5];
	M[5] = -M[3] * m[2] - M[4] * m[5];

	int tab[TAB_SIZE][TAB_SIZE][4];
	bilinear_table(tab);
	const int C = src->channels, W = src->width, H = src->height;
	const int nearest = interp == DH_INTERP_NEAREST;
	const int round_delta = nearest ? AB_SCALE / 2 : AB_SCALE / TAB_SIZE / 2;
	int *adelta = malloc(sizeof(int) * 2 * (size_t)width);
	if (!adelta) {
		dh_image_free(dst);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	int *bdelta = adelta + width;
	for (int x = 0; x < width; x++) {
		adelta[x] = sat_int(M[0] * x * AB_SCALE);
		bdelta[x] = sat_int(M[3] * x * AB_SCALE);
	}
	double fill[DH_IMAGE_MAX_CHANNELS];
	for (int c = 0; c < C; c++) {
		unsigned char tmp[8];
		dh_sat_store(src->dtype, tmp, 0, value);
		fill[c] = dh_dtype_get(src->dtype, tmp, 0);
	}
	const int u8 = src->dtype == DH_U8;
	long rows = (long)height * src->depth;
	if (u8 && interp == DH_INTERP_LINEAR) {
		/* the weight pairs (t0, t1), (t2, t3) as 16-bit pairs; (0, 0)
		 * holds 2^15, which the SSE2 path never uses */
		int32_t wp[TAB_SIZE][TAB_SIZE][2];
		for (int fy = 0; fy < TAB_SIZE; fy++)
			for (int fx = 0; fx < TAB_SIZE; fx++) {
				const int *t = tab[fy][fx];
				wp[fy][fx][0] = (int32_t)(((uint32_t)t[1] << 16) | ((uint32_t)t[0] & 0xffff));
				wp[fy][fx][1] = (int32_t)(((uint32_t)t[3] << 16) | ((uint32_t)t[2] & 0xffff));
			}
		uint8_t fill8[DH_IMAGE_MAX_CHANNELS];
		for (int c = 0; c < C; c++)
			fill8[c] = (uint8_t)fill[c];
		warp_job jb = {src, dst, M, round_delta, adelta, bdelta,
			       (const int(*)[TAB_SIZE][4])tab,
			       (const int32_t(*)[TAB_SIZE][2])wp, b, fill8};
		size_t work = (size_t)rows * (size_t)width * (size_t)C * 4;
		dh_proc_run(dh_proc_chunks(work), warp_lin_chunk, &jb, work);
		free(adelta);
		return dst;
	}
#pragma omp parallel for schedule(static)
	for (long r = 0; r < rows; r++) {
		int z = (int)(r / height), y = (int)(r % height);
		int X0 = sat_int((M[1] * y + M[2]) * AB_SCALE) + round_delta;
		int Y0 = sat_int((M[4] * y + M[5]) * AB_SCALE) + round_delta;
		size_t drow = ((size_t)z * (size_t)height + (size_t)y) *
			      (size_t)width * (size_t)C;
		size_t zoff = (size_t)z * (size_t)H * (size_t)W;
		for (int x = 0; x < width; x++) {
			size_t di = drow + (size_t)x * (size_t)C;
			if (nearest) {
				int sx = (X0 + adelta[x]) >> AB_BITS;
				int sy = (Y0 + bdelta[x]) >> AB_BITS;
				int ix = dh_border_index(sx, W, b);
				int iy = dh_border_index(sy, H, b);
				for (int c = 0; c < C; c++)
					dh_sat_store(dst->dtype, dst->data, di + (size_t)c,
						     ix < 0 || iy < 0
							     ? fill[c]
							     : dh_dtype_get(src->dtype, src->data,
									    (zoff + (size_t)iy * (size_t)W + (size_t)ix) * (size_t)C + (size_t)c));
				continue;
			}
			int X = (X0 + adelta[x]) >> (AB_BITS - TAB_BITS);
			int Y = (Y0 + bdelta[x]) >> (AB_BITS - TAB_BITS);
			int sx = X >> TAB_BITS, sy = Y >> TAB_BITS;
			int fx = X & (TAB_SIZE - 1), fy = Y & (TAB_SIZE - 1);
			if (u8 && interp == DH_INTERP_LINEAR && sx >= 0 &&
			    sy >= 0 && sx < W - 1 && sy < H - 1) {
				/* all four taps inside: straight from the rows */
				const uint8_t *p0 = src->data + ((zoff + (size_t)sy * (size_t)W + (size_t)sx) * (size_t)C);
				const uint8_t *p1 = p0 + (size_t)W * (size_t)C;
				const int *t = tab[fy][fx];
				for (int c = 0; c < C; c++) {
					int acc = p0[c] * t[0] + p0[c + C] * t[1] +
						  p1[c] * t[2] + p1[c + C] * t[3];
					dst->data[di + (size_t)c] =
						(uint8_t)((acc + (1 << (W_BITS - 1))) >> W_BITS);
				}
				continue;
			}
			int k = interp == DH_INTERP_CUBIC ? 4 : 2;
			int x0 = interp == DH_INTERP_CUBIC ? sx - 1 : sx;
			int y0 = interp == DH_INTERP_CUBIC ? sy - 1 : sy;
			int ixs[4], iys[4];
			for (int j = 0; j < k; j++) {
				ixs[j] = dh_border_index(x0 + j, W, b);
				iys[j] = dh_border_index(y0 + j, H, b);
			}
			float wx[4], wy[4];
			if (k == 2) {
				wx[0] = 1 - (float)fx / TAB_SIZE;
				wx[1] = (float)fx / TAB_SIZE;
				wy[0] = 1 - (float)fy / TAB_SIZE;
				wy[1] = (float)fy / TAB_SIZE;
			} else {
				cubic_w((float)fx / TAB_SIZE, wx);
				cubic_w((float)fy / TAB_SIZE, wy);
			}
			for (int c = 0; c < C; c++) {
				double v[16];
				for (int jy = 0; jy < k; jy++)
					for (int jx = 0; jx < k; jx++)
						v[jy * k + jx] =
							ixs[jx] < 0 || iys[jy] < 0
								? fill[c]
								: dh_dtype_get(src->dtype, src->data,
									       (zoff + (size_t)iys[jy] * (size_t)W + (size_t)ixs[jx]) * (size_t)C + (size_t)c);
				if (u8 && k == 2) {
					const int *t = tab[fy][fx];
					int acc = (int)v[0] * t[0] + (int)v[1] * t[1] +
						  (int)v[2] * t[2] + (int)v[3] * t[3];
					int o = (acc + (1 << (W_BITS - 1))) >> W_BITS;
					dst->data[di + (size_t)c] =
						(unsigned char)(o < 0 ? 0 : o > 255 ? 255 : o);
					continue;
				}
				double acc = 0;
				for (int jy = 0; jy < k; jy++)
					for (int jx = 0; jx < k; jx++)
						acc += v[jy * k + jx] * wx[jx] * wy[jy];
				dh_sat_store(dst->dtype, dst->data, di + (size_t)c, acc);
			}
		}
	}
	free(adelta);
	return dst;
}

dh_image *dh_rotate(const dh_image *src, double angle, double scale,
		    dh_interp interp, dh_border b, double value, dh_err *e)
{
	double m[6];
	dh_rotation_matrix((src->width - 1) / 2.0, (src->height - 1) / 2.0,
			   angle, scale, m);
	return dh_warp_affine(src, m, src->width, src->height, interp, b, value,
			      e);
}
