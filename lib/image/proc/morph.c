/* morph.c - erosion, dilation, opening and closing with rectangle, cross or
 * ellipse structuring elements.  Pixels outside the image do not take part
 * (OpenCV's default border for morphology). */
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

/* One erosion (is_min) or dilation of u8 src into dst.  Every element
 * these shapes make is, row by row, one run of columns [a, b); each source
 * row is padded with the neutral value (255 for erosion, 0 for dilation),
 * which is what "pixels outside do not count" means, so the inner loops run
 * over whole rows without tests. */
static dh_status morph_once(const dh_image *src, dh_image *dst,
			    const unsigned char *se, int kw, int kh,
			    int is_min, dh_err *e)
{
	const int W = src->width, H = src->height, C = src->channels;
	const int ax = kw / 2, ay = kh / 2;
	const size_t row = (size_t)W * (size_t)C;
	const uint8_t neutral = is_min ? 255 : 0;
	int runs[1024][2];
	for (int j = 0; j < kh; j++) {
		int a = 0, b = 0;
		while (a < kw && !se[(size_t)j * (size_t)kw + (size_t)a])
			a++;
		b = a;
		while (b < kw && se[(size_t)j * (size_t)kw + (size_t)b])
			b++;
		runs[j][0] = a;
		runs[j][1] = b;
	}
	/* all rows padded: (W + kw) * C each */
	const size_t prow = (size_t)(W + kw) * (size_t)C;
	uint8_t *pad = malloc(prow * (size_t)H);
	if (!pad)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	int oom = 0;
	for (int z = 0; z < src->depth; z++) {
#pragma omp parallel for schedule(static)
		for (int y = 0; y < H; y++) {
			uint8_t *p = pad + (size_t)y * prow;
			memset(p, neutral, prow);
			memcpy(p + (size_t)ax * (size_t)C, dh_image_row(src, z, y), row);
		}
#pragma omp parallel
		{
			uint8_t *acc = malloc(row ? row : 1);
#pragma omp for schedule(static)
			for (int y = 0; y < H; y++) {
				if (!acc) {
#pragma omp atomic write
					oom = 1;
					continue;
				}
				memset(acc, neutral, row);
				int any = 0;
				for (int j = 0; j < kh; j++) {
					int yy = y - ay + j;
					if (yy < 0 || yy >= H || runs[j][0] >= runs[j][1])
						continue;
					any = 1;
					const uint8_t *p = pad + (size_t)yy * prow;
					for (int k = runs[j][0]; k < runs[j][1]; k++) {
						const uint8_t *q = p + (size_t)k * (size_t)C;
						if (is_min) {
#pragma omp simd
							for (size_t i = 0; i < row; i++)
								acc[i] = q[i] < acc[i] ? q[i] : acc[i];
						} else {
#pragma omp simd
							for (size_t i = 0; i < row; i++)
								acc[i] = q[i] > acc[i] ? q[i] : acc[i];
						}
					}
				}
				/* an element with no pixel inside the image leaves
				 * the pixel as it was */
				memcpy(dh_image_row(dst, z, y),
				       any ? acc : (const uint8_t *)dh_image_row(src, z, y), row);
			}
			free(acc);
		}
	}
	free(pad);
	return oom ? dh_err_set(e, DH_ENOMEM, "out of memory") : DH_OK;
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
	dh_image *a = dh_image_clone(src, e);
	dh_image *b = a ? dh_image_new_like(src, DH_U8, 0, src->color, e) : NULL;
	if (!b) {
		free(se);
		dh_image_free(a);
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
	dh_status st = DH_OK;
	for (int s = 0; s < ns && !st; s++)
		for (int it = 0; it < iterations && !st; it++) {
			st = morph_once(a, b, se, kw, kh, steps[s], e);
			dh_image *t = a;
			a = b;
			b = t;
		}
	free(se);
	if (st) {
		dh_image_free(a);
		a = NULL;
	}
	dh_image_free(b);
	return a;
}
