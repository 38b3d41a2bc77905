/* geom.c - flip, transpose, crop and pad: exact pixel moves for any dtype. */
#include <string.h>

#include "image/proc/proc.h"
#include "image/sat.h"

dh_image *dh_flip(const dh_image *src, int horizontal, int vertical,
		  dh_err *e)
{
	dh_image *dst = dh_image_clone(src, e);
	if (!dst)
		return NULL;
	size_t ps = (size_t)src->channels * dh_image_elsize(src);
	long rows = (long)src->height * src->depth;
#pragma omp parallel for schedule(static)
	for (long r = 0; r < rows; r++) {
		int z = (int)(r / src->height), y = (int)(r % src->height);
		const unsigned char *s =
			dh_image_row(src, z, vertical ? src->height - 1 - y : y);
		unsigned char *d = dh_image_row(dst, z, y);
		if (!horizontal) {
			memcpy(d, s, src->row_bytes);
			continue;
		}
		for (int x = 0; x < src->width; x++)
			memcpy(d + (size_t)x * ps,
			       s + (size_t)(src->width - 1 - x) * ps, ps);
	}
	return dst;
}

dh_image *dh_transpose(const dh_image *src, dh_err *e)
{
	dh_image *dst = dh_image_new(src->dtype, src->height, src->width,
				     src->depth, src->channels, src->color, e);
	if (!dst)
		return NULL;
	dst->spacing[0] = src->spacing[1];
	dst->spacing[1] = src->spacing[0];
	dst->spacing[2] = src->spacing[2];
	size_t ps = (size_t)src->channels * dh_image_elsize(src);
	long rows = (long)dst->height * dst->depth;
#pragma omp parallel for schedule(static)
	for (long r = 0; r < rows; r++) {
		int z = (int)(r / dst->height), y = (int)(r % dst->height);
		unsigned char *d = dh_image_row(dst, z, y);
		for (int x = 0; x < dst->width; x++)
			memcpy(d + (size_t)x * ps,
			       (const unsigned char *)dh_image_row(src, z, x) +
				       (size_t)y * ps,
			       ps);
	}
	return dst;
}

dh_image *dh_crop(const dh_image *src, int x, int y, int w, int h, dh_err *e)
{
	if (x < 0 || y < 0 || w < 1 || h < 1 || x > src->width - w ||
	    y > src->height - h) {
		dh_err_set(e, DH_ERANGE, "crop %d,%d,%d,%d is not inside the "
			   "%dx%d image", x, y, w, h, src->width, src->height);
		return NULL;
	}
	dh_image *dst = dh_image_new(src->dtype, w, h, src->depth,
				     src->channels, src->color, e);
	if (!dst)
		return NULL;
	memcpy(dst->spacing, src->spacing, sizeof dst->spacing);
	memcpy(dst->direction, src->direction, sizeof dst->direction);
	size_t ps = (size_t)src->channels * dh_image_elsize(src);
	for (int z = 0; z < src->depth; z++)
		for (int r = 0; r < h; r++)
			memcpy(dh_image_row(dst, z, r),
			       (const unsigned char *)dh_image_row(src, z, y + r) +
				       (size_t)x * ps,
			       dst->row_bytes);
	return dst;
}

dh_image *dh_pad(const dh_image *src, int top, int bottom, int left,
		 int right, dh_border b, double value, dh_err *e)
{
	if (top < 0 || bottom < 0 || left < 0 || right < 0 ||
	    top > DH_IMAGE_MAX_DIM || bottom > DH_IMAGE_MAX_DIM ||
	    left > DH_IMAGE_MAX_DIM || right > DH_IMAGE_MAX_DIM) {
		dh_err_set(e, DH_ERANGE, "borders must be 0 or more pixels");
		return NULL;
	}
	if ((unsigned)b >= DH_BORDER_COUNT) {
		dh_err_set(e, DH_EINVAL, "bad border mode");
		return NULL;
	}
	long long W = (long long)src->width + left + right;
	long long H = (long long)src->height + top + bottom;
	if (W > DH_IMAGE_MAX_DIM || H > DH_IMAGE_MAX_DIM) {
		dh_err_set(e, DH_ERANGE, "padded image too large");
		return NULL;
	}
	dh_image *dst = dh_image_new(src->dtype, (int)W, (int)H, src->depth,
				     src->channels, src->color, e);
	if (!dst)
		return NULL;
	memcpy(dst->spacing, src->spacing, sizeof dst->spacing);
	memcpy(dst->direction, src->direction, sizeof dst->direction);
	size_t es = dh_image_elsize(src), ps = (size_t)src->channels * es;
	/* one pixel of the constant value */
	unsigned char fill[DH_IMAGE_MAX_CHANNELS * 8];
	for (int c = 0; c < src->channels; c++)
		dh_sat_store(src->dtype, fill, (size_t)c, value);
	for (int z = 0; z < src->depth; z++)
		for (int y = 0; y < (int)H; y++) {
			unsigned char *d = dh_image_row(dst, z, y);
			int sy = dh_border_index(y - top, src->height, b);
			for (int x = 0; x < (int)W; x++) {
				int sx = dh_border_index(x - left, src->width, b);
				const unsigned char *s =
					sx < 0 || sy < 0
						? fill
						: (const unsigned char *)dh_image_row(src, z, sy) +
							  (size_t)sx * ps;
				memcpy(d + (size_t)x * ps, s, ps);
			}
		}
	return dst;
}

dh_image *dh_slice(const dh_image *src, char axis, int index, dh_err *e)
{
	int n = axis == 'x' ? src->width : axis == 'y' ? src->height
		: axis == 'z' ? src->depth : 0;
	if (!n) {
		dh_err_set(e, DH_EINVAL, "slice axis must be x, y or z");
		return NULL;
	}
	if (index < 0 || index >= n) {
		dh_err_set(e, DH_ERANGE, "slice %c:%d is outside 0..%d", axis,
			   index, n - 1);
		return NULL;
	}
	/* the slice's own x and y: (y, z) for x slices, (x, z) for y */
	int W = axis == 'x' ? src->height : src->width;
	int H = axis == 'z' ? src->height : src->depth;
	dh_image *dst = dh_image_new(src->dtype, W, H, 1, src->channels,
				     src->color, e);
	if (!dst)
		return NULL;
	size_t ps = (size_t)src->channels * dh_image_elsize(src);
	for (int v = 0; v < H; v++)
		for (int u = 0; u < W; u++) {
			int x = axis == 'x' ? index : u;
			int y = axis == 'x' ? u : axis == 'y' ? index : v;
			int z = axis == 'z' ? index : v;
			memcpy((unsigned char *)dh_image_row(dst, 0, v) + (size_t)u * ps,
			       (const unsigned char *)dh_image_row(src, z, y) + (size_t)x * ps,
			       ps);
		}
	dst->spacing[0] = axis == 'x' ? src->spacing[1] : src->spacing[0];
	dst->spacing[1] = axis == 'z' ? src->spacing[1] : src->spacing[2];
	return dst;
}
