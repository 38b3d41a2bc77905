/* morph.c - erosion, dilation, opening and closing with rectangle, cross or
 * ellipse structuring elements.  Pixels outside the image do not take part
 * (OpenCV's default border for morphology).  A rectangle is done as a row
 * pass and a column pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"

int dh_morph_shape_parse(const char *s, dh_morph_shape *out)
{
	static const char *const names[] = {"rect", "cross", "ellipse"};
	for (int i = 0; i < DH_SE_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_morph_shape)i;
			return 0;
		}
	return -1;
}

int dh_morph_op_parse(const char *s, dh_morph_op *out)
{
	static const char *const names[] = {"erode", "dilate", "open", "close"};
	for (int i = 0; i < DH_MORPH_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_morph_op)i;
			return 0;
		}
	return -1;
}

unsigned char *dh_structuring_element(dh_morph_shape shape, int kw, int kh,
				      dh_err *e)
{
	if (kw < 1 || kh < 1 || kw > 1024 || kh > 1024) {
		dh_err_set(e, DH_EINVAL, "structuring element size must be 1 "
			   "to 1024");
		return NULL;
	}
	unsigned char *k = calloc((size_t)kw * (size_t)kh, 1);
	if (!k) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	if (kw == 1 && kh == 1)
		shape = DH_SE_RECT;
	int r = kh / 2, c = kw / 2;
	double inv_r2 = r ? 1.0 / ((double)r * r) : 0;
	for (int i = 0; i < kh; i++) {
		int j1 = 0, j2 = 0;
		if (shape == DH_SE_RECT || (shape == DH_SE_CROSS && i == r)) {
			j2 = kw;
		} else if (shape == DH_SE_CROSS) {
			j1 = c;
			j2 = c + 1;
		} else {
			int dy = i - r;
			if (abs(dy) <= r) {
				int dx = (int)lrint(c * sqrt((r * r - dy * dy) * inv_r2));
				j1 = c - dx > 0 ? c - dx : 0;
				j2 = c + dx + 1 < kw ? c + dx + 1 : kw;
			}
		}
		for (int j = j1; j < j2; j++)
			k[(size_t)i * (size_t)kw + (size_t)j] = 1;
	}
	return k;
}

/* One erosion (is_min) or dilation of u8 src into dst. */
static void morph_once(const dh_image *src, dh_image *dst,
		       const unsigned char *se, int kw, int kh, int rect,
		       int is_min, uint8_t *tmp)
{
	const int W = src->width, H = src->height, C = src->channels;
	const int ax = kw / 2, ay = kh / 2;
	const size_t row = (size_t)W * (size_t)C;
	for (int z = 0; z < src->depth; z++) {
		if (rect) {
#pragma omp parallel for schedule(static)
			for (int y = 0; y < H; y++) {
				const uint8_t *s = dh_image_row(src, z, y);
				uint8_t *t = tmp + (size_t)y * row;
				for (int x = 0; x < W; x++) {
					int x0 = x - ax < 0 ? 0 : x - ax;
					int x1 = x - ax + kw - 1 >= W ? W - 1 : x - ax + kw - 1;
					for (int c = 0; c < C; c++) {
						uint8_t m = s[(size_t)x0 * (size_t)C + (size_t)c];
						for (int i = x0 + 1; i <= x1; i++) {
							uint8_t v = s[(size_t)i * (size_t)C + (size_t)c];
							m = is_min ? (v < m ? v : m) : (v > m ? v : m);
						}
						t[(size_t)x * (size_t)C + (size_t)c] = m;
					}
				}
			}
#pragma omp parallel for schedule(static)
			for (int y = 0; y < H; y++) {
				int y0 = y - ay < 0 ? 0 : y - ay;
				int y1 = y - ay + kh - 1 >= H ? H - 1 : y - ay + kh - 1;
				uint8_t *d = dh_image_row(dst, z, y);
				memcpy(d, tmp + (size_t)y0 * row, row);
				for (int j = y0 + 1; j <= y1; j++) {
					const uint8_t *t = tmp + (size_t)j * row;
					if (is_min)
						for (size_t i = 0; i < row; i++)
							d[i] = t[i] < d[i] ? t[i] : d[i];
					else
						for (size_t i = 0; i < row; i++)
							d[i] = t[i] > d[i] ? t[i] : d[i];
				}
			}
			continue;
		}
#pragma omp parallel for schedule(static)
		for (int y = 0; y < H; y++) {
			uint8_t *d = dh_image_row(dst, z, y);
			for (int x = 0; x < W; x++)
				for (int c = 0; c < C; c++) {
					int m = is_min ? 256 : -1;
					for (int j = 0; j < kh; j++) {
						int yy = y - ay + j;
						if (yy < 0 || yy >= H)
							continue;
						const uint8_t *s = dh_image_row(src, z, yy);
						for (int i = 0; i < kw; i++) {
							int xx = x - ax + i;
							if (xx < 0 || xx >= W || !se[(size_t)j * (size_t)kw + (size_t)i])
								continue;
							int v = s[(size_t)xx * (size_t)C + (size_t)c];
							if (is_min ? v < m : v > m)
								m = v;
						}
					}
					/* an element with no pixel inside leaves
					 * the value as it was */
					d[(size_t)x * (size_t)C + (size_t)c] =
						(uint8_t)(m == 256 || m == -1
								  ? ((const uint8_t *)dh_image_row(src, z, y))[(size_t)x * (size_t)C + (size_t)c]
								  : m);
				}
		}
	}
}

dh_image *dh_morph(const dh_image *src, dh_morph_op op, dh_morph_shape shape,
		   int kw, int kh, int iterations, dh_err *e)
{
	if (src->dtype != DH_U8) {
		dh_err_set(e, DH_EUNSUPPORTED, "morphology of %s images (uint8 "
			   "is supported)", dh_dtype_name(src->dtype));
		return NULL;
	}
	if ((unsigned)op >= DH_MORPH_COUNT || (unsigned)shape >= DH_SE_COUNT ||
	    iterations < 0 || iterations > 10000) {
		dh_err_set(e, DH_EINVAL, "bad morphology operation, element or "
			   "iteration count");
		return NULL;
	}
	unsigned char *se = dh_structuring_element(shape, kw, kh, e);
	if (!se)
		return NULL;
	int rect = 1;
	for (size_t i = 0; i < (size_t)kw * (size_t)kh; i++)
		rect &= se[i];
	dh_image *a = dh_image_clone(src, e);
	dh_image *b = a ? dh_image_new_like(src, DH_U8, 0, src->color, e) : NULL;
	uint8_t *tmp = b ? malloc(src->row_bytes * (size_t)src->height) : NULL;
	if (!tmp) {
		if (b)
			dh_err_set(e, DH_ENOMEM, "out of memory");
		free(se);
		dh_image_free(a);
		dh_image_free(b);
		return NULL;
	}
	/* the sequence of elementary steps: min = erosion */
	int steps[2], ns = 0;
	switch (op) {
	case DH_MORPH_ERODE: steps[ns++] = 1; break;
	case DH_MORPH_DILATE: steps[ns++] = 0; break;
	case DH_MORPH_OPEN: steps[ns++] = 1; steps[ns++] = 0; break;
	default: steps[ns++] = 0; steps[ns++] = 1; break;
	}
	for (int s = 0; s < ns; s++)
		for (int it = 0; it < iterations; it++) {
			morph_once(a, b, se, kw, kh, rect, steps[s], tmp);
			dh_image *t = a;
			a = b;
			b = t;
		}
	free(tmp);
	free(se);
	dh_image_free(b);
	return a;
}
