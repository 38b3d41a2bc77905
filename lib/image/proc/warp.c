/* warp.c - affine warps and rotation, with cv2.warpAffine's conventions:
 * the forward matrix is inverted, source positions are computed in 10-bit
 * fixed point and sampled on a 1/32-pixel grid; 8-bit bilinear weights are
 * 15-bit fixed point.  Nearest, linear and cubic; any border mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"
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
	dh_image *dst = dh_image_new(src->dtype, width, height, src->depth,
				     src->channels, src->color, e);
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
