/* draw.c - pictures for people: a mask over an image (tinted, outlined,
 * its contours and boxes drawn), montages, and the lines, polygons and
 * rectangles they are drawn with. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/draw.h"
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

/* --- drawing (draw.h) ------------------------------------------------------- */

static void put_px(dh_image *img, int x, int y, const unsigned char rgb[3])
{
	if (x < 0 || y < 0 || x >= img->width || y >= img->height ||
	    img->dtype != DH_U8)
		return;
	int C = img->channels;
	unsigned char *p = (unsigned char *)dh_image_row(img, 0, y) + (size_t)x * (size_t)C;
	for (int k = 0; k < C && k < 3; k++)
		p[k] = rgb[k];
	if (C == 4)
		p[3] = 255;
}

void dh_draw_line(dh_image *img, int x0, int y0, int x1, int y1,
		  const unsigned char rgb[3])
{
	long dx = labs((long)x1 - x0), dy = -labs((long)y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	long err = dx + dy;
	for (;;) {
		put_px(img, x0, y0, rgb);
		if (x0 == x1 && y0 == y1)
			break;
		long e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

void dh_draw_polyline(dh_image *img, const dh_point *p, int n, int closed,
		      const unsigned char rgb[3])
{
	if (n == 1)
		put_px(img, p[0].x, p[0].y, rgb);
	for (int i = 0; i + 1 < n; i++)
		dh_draw_line(img, p[i].x, p[i].y, p[i + 1].x, p[i + 1].y, rgb);
	if (closed && n > 2)
		dh_draw_line(img, p[n - 1].x, p[n - 1].y, p[0].x, p[0].y, rgb);
}

void dh_draw_rect(dh_image *img, int x, int y, int w, int h, int thickness,
		  const unsigned char rgb[3])
{
	for (int t = 0; t < thickness && 2 * t < w && 2 * t < h; t++) {
		int x0 = x + t, y0 = y + t, x1 = x + w - 1 - t, y1 = y + h - 1 - t;
		dh_draw_line(img, x0, y0, x1, y0, rgb);
		dh_draw_line(img, x1, y0, x1, y1, rgb);
		dh_draw_line(img, x1, y1, x0, y1, rgb);
		dh_draw_line(img, x0, y1, x0, y0, rgb);
	}
}

void dh_label_color(int v, unsigned char rgb[3])
{
	/* well-separated hues first (Tableau 10), then a golden-angle walk */
	static const unsigned char pal[10][3] = {
		{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
		{148, 103, 189}, {140, 86, 75}, {227, 119, 194},
		{127, 127, 127}, {188, 189, 34}, {23, 190, 207},
	};
	if (v >= 1 && v <= 10) {
		memcpy(rgb, pal[v - 1], 3);
		return;
	}
	double h = fmod(v * 137.508, 360.0) / 60.0, f = h - floor(h);
	unsigned char hi = 230, lo = 50;
	unsigned char up = (unsigned char)(lo + (hi - lo) * f);
	unsigned char dn = (unsigned char)(hi - (hi - lo) * f);
	switch ((int)h % 6) {
	case 0: rgb[0] = hi; rgb[1] = up; rgb[2] = lo; break;
	case 1: rgb[0] = dn; rgb[1] = hi; rgb[2] = lo; break;
	case 2: rgb[0] = lo; rgb[1] = hi; rgb[2] = up; break;
	case 3: rgb[0] = lo; rgb[1] = dn; rgb[2] = hi; break;
	case 4: rgb[0] = up; rgb[1] = lo; rgb[2] = hi; break;
	default: rgb[0] = hi; rgb[1] = lo; rgb[2] = dn; break;
	}
}

/* Draw one binary mask's layers (fill, outline, contours, boxes) in one
 * colour. */
static dh_status draw_layers(dh_image *out, const uint8_t *on,
			     const dh_overlay_opts *o, const unsigned char c[3],
			     dh_err *e)
{
	const int W = out->width, H = out->height;
	if (o->fill)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				if (on[(size_t)y * (size_t)W + (size_t)x]) {
					unsigned char *p = out->data + ((size_t)y * (size_t)W + (size_t)x) * 3;
					for (int k = 0; k < 3; k++)
						p[k] = dh_sat_u8(p[k] * (1 - o->alpha) + c[k] * o->alpha);
				}
	if (o->outline)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				size_t i = (size_t)y * (size_t)W + (size_t)x;
				if (on[i] && (x == 0 || y == 0 || x == W - 1 ||
					      y == H - 1 || !on[i - 1] || !on[i + 1] ||
					      !on[i - (size_t)W] || !on[i + (size_t)W]))
					memcpy(out->data + i * 3, c, 3);
			}
	if (!o->contours && !o->boxes)
		return DH_OK;
	dh_image *m = dh_image_new(DH_U8, W, H, 1, 1, DH_COLOR_GRAY, e);
	if (!m)
		return e ? e->status : DH_ENOMEM;
	memcpy(m->data, on, (size_t)W * (size_t)H);
	dh_status s = DH_OK;
	if (o->contours) {
		dh_contour *cs;
		int n;
		s = dh_find_contours(m, 1, &cs, &n, e);
		for (int i = 0; !s && i < n; i++)
			dh_draw_polyline(out, cs[i].pts, cs[i].n, 1, c);
		if (!s)
			dh_contours_free(cs, n);
	}
	if (!s && o->boxes) {
		int n;
		dh_component *st = NULL;
		dh_image *lab = dh_components(m, 8, &n, &st, e);
		if (!lab) {
			s = e ? e->status : DH_ENOMEM;
		} else {
			for (int i = 1; i <= n; i++)
				dh_draw_rect(out, st[i].left, st[i].top, st[i].width,
					     st[i].height, 1, c);
			dh_image_free(lab);
			free(st);
		}
	}
	dh_image_free(m);
	return s;
}

dh_image *dh_overlay_draw(const dh_image *img, const dh_image *mask,
			  const dh_overlay_opts *o, dh_err *e)
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
	const size_t n = (size_t)img->width * (size_t)img->height;
	uint8_t *on = malloc(n);
	if (!on) {
		dh_image_free(out);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	dh_status s = DH_OK;
	if (!o->by_label) {
		for (size_t i = 0; i < n; i++)
			on[i] = dh_dtype_get(mask->dtype, mask->data, i) != 0;
		s = draw_layers(out, on, o, o->rgb, e);
	} else {
		/* the labels present, each drawn in its colour */
		double hi = 0;
		for (size_t i = 0; i < n; i++) {
			double v = dh_dtype_get(mask->dtype, mask->data, i);
			if (v != floor(v) || v < 0 || v > 65535) {
				s = dh_err_set(e, DH_EINVAL, "--labels wants a label "
					       "map of whole numbers 0..65535, "
					       "not %g", v);
				break;
			}
			hi = v > hi ? v : hi;
		}
		uint8_t *present = s ? NULL : calloc((size_t)hi + 1, 1);
		if (!s && !present)
			s = dh_err_set(e, DH_ENOMEM, "out of memory");
		for (size_t i = 0; !s && i < n; i++)
			present[(int)dh_dtype_get(mask->dtype, mask->data, i)] = 1;
		for (int v = 1; !s && v <= (int)hi; v++) {
			if (!present[v])
				continue;
			for (size_t i = 0; i < n; i++)
				on[i] = dh_dtype_get(mask->dtype, mask->data, i) == v;
			unsigned char c[3];
			dh_label_color(v, c);
			s = draw_layers(out, on, o, c, e);
		}
		free(present);
	}
	free(on);
	if (s) {
		dh_image_free(out);
		return NULL;
	}
	return out;
}
