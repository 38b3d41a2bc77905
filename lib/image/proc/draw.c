/* draw.c - pictures for people: a mask over an image, and montages. */
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"
#include "image/sat.h"

/* u8 RGB copy of any gray/RGB/BGR/RGBA u8 image. */
static dh_image *as_rgb(const dh_image *src, dh_err *e)
{
	if (src->dtype != DH_U8) {
		dh_err_set(e, DH_EUNSUPPORTED, "pictures are made of uint8 "
			   "images, not %s (normalize first)",
			   dh_dtype_name(src->dtype));
		return NULL;
	}
	if (src->color == DH_COLOR_RGB || (src->color == DH_COLOR_NONE &&
					   src->channels == 3))
		return dh_image_clone(src, e);
	return dh_convert_color(src, DH_COLOR_RGB, e);
}

dh_image *dh_overlay(const dh_image *img, const dh_image *mask,
		     const unsigned char rgb[3], double alpha, dh_err *e)
{
	if (mask->width != img->width || mask->height != img->height ||
	    mask->channels != 1 || img->depth != 1 || mask->depth != 1) {
		dh_err_set(e, DH_ESHAPE, "the mask must be one channel of the "
			   "image's size (%dx%d), not %dx%d with %d channels",
			   img->width, img->height, mask->width, mask->height,
			   mask->channels);
		return NULL;
	}
	dh_image *out = as_rgb(img, e);
	if (!out)
		return NULL;
	const int W = img->width, H = img->height;
#define ON(x, y) (dh_image_get(mask, (x), (y), 0, 0) != 0)
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			if (!ON(x, y))
				continue;
			/* the outline (a 4-neighbour outside) in full colour,
			 * the inside blended */
			int edge = x == 0 || y == 0 || x == W - 1 || y == H - 1 ||
				   !ON(x - 1, y) || !ON(x + 1, y) ||
				   !ON(x, y - 1) || !ON(x, y + 1);
			unsigned char *p = out->data + ((size_t)y * (size_t)W + (size_t)x) * 3;
			for (int c = 0; c < 3; c++)
				p[c] = edge ? rgb[c]
					    : dh_sat_u8(p[c] * (1 - alpha) + rgb[c] * alpha);
		}
#undef ON
	return out;
}

dh_image *dh_montage(const dh_image *const *imgs, int n, int cols,
		     dh_err *e)
{
	if (n < 1 || cols < 1) {
		dh_err_set(e, DH_EINVAL, "a montage needs images and columns");
		return NULL;
	}
	const int W = imgs[0]->width, H = imgs[0]->height;
	if (cols > n)
		cols = n;
	int rows = (n + cols - 1) / cols;
	if ((long long)W * cols > DH_IMAGE_MAX_DIM ||
	    (long long)H * rows > DH_IMAGE_MAX_DIM) {
		dh_err_set(e, DH_ERANGE, "montage too large");
		return NULL;
	}
	dh_image *out = dh_image_new(DH_U8, W * cols, H * rows, 1, 3,
				     DH_COLOR_RGB, e);
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		dh_image *rgb = as_rgb(imgs[i], e);
		dh_image *tile = NULL;
		if (rgb && (rgb->width != W || rgb->height != H))
			tile = dh_resize(rgb, W, H, DH_INTERP_AREA, e);
		const dh_image *t = tile ? tile : rgb;
		if (!rgb || (!tile && (rgb->width != W || rgb->height != H))) {
			dh_image_free(rgb);
			dh_image_free(out);
			dh_err_prefix(e, "image %d", i + 1);
			return NULL;
		}
		int ox = (i % cols) * W, oy = (i / cols) * H;
		for (int y = 0; y < H; y++)
			memcpy((unsigned char *)dh_image_row(out, 0, oy + y) + (size_t)ox * 3,
			       dh_image_row(t, 0, y), (size_t)W * 3);
		dh_image_free(tile);
		dh_image_free(rgb);
	}
	return out;
}
