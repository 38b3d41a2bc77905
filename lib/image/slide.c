/* slide.c - OpenSlide behind slide.h.  OpenSlide keeps an error state per
 * handle: it is checked after every call. */
#include "image/slide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/alloc.h"

#if DH_HAVE_OPENSLIDE
#include <openslide.h>

struct dh_slide {
	openslide_t *osr;
};

dh_slide *dh_slide_open(const char *path, dh_err *e)
{
	if (!openslide_detect_vendor(path)) {
		dh_err_set(e, DH_EFORMAT, "not a slide OpenSlide recognises "
			   "(a pyramidal or tiled TIFF, SVS, NDPI, MRXS...)");
		return NULL;
	}
	openslide_t *osr = openslide_open(path);
	if (!osr) {
		dh_err_set(e, DH_EFORMAT, "OpenSlide cannot open it");
		return NULL;
	}
	const char *err = openslide_get_error(osr);
	if (err) {
		dh_err_set(e, DH_EFORMAT, "OpenSlide: %s", err);
		openslide_close(osr);
		return NULL;
	}
	dh_slide *s = dh_malloc(sizeof *s, e);
	if (!s) {
		openslide_close(osr);
		return NULL;
	}
	s->osr = osr;
	return s;
}

void dh_slide_close(dh_slide *s)
{
	if (!s)
		return;
	openslide_close(s->osr);
	free(s);
}

int dh_slide_levels(const dh_slide *s)
{
	int32_t n = openslide_get_level_count(s->osr);
	return n < 0 ? 0 : n;
}

void dh_slide_level_size(const dh_slide *s, int level, int64_t *w,
			 int64_t *h)
{
	openslide_get_level_dimensions(s->osr, level, w, h);
}

double dh_slide_level_downsample(const dh_slide *s, int level)
{
	return openslide_get_level_downsample(s->osr, level);
}

const char *const *dh_slide_property_names(const dh_slide *s)
{
	return openslide_get_property_names(s->osr);
}

const char *dh_slide_property(const dh_slide *s, const char *name)
{
	return openslide_get_property_value(s->osr, name);
}

dh_image *dh_slide_read_region(dh_slide *s, int64_t x, int64_t y, int level,
			       int64_t w, int64_t h, dh_err *e)
{
	int levels = dh_slide_levels(s);
	if (level < 0 || level >= levels) {
		dh_err_set(e, DH_ERANGE, "level %d: the slide has levels 0 to "
			   "%d", level, levels - 1);
		return NULL;
	}
	int64_t lw, lh, w0, h0;
	dh_slide_level_size(s, level, &lw, &lh);
	dh_slide_level_size(s, 0, &w0, &h0);
	double ds = dh_slide_level_downsample(s, level);
	if (x < 0 || y < 0 || w < 1 || h < 1 || x >= w0 || y >= h0 ||
	    (int64_t)(x / ds) + w > lw || (int64_t)(y / ds) + h > lh) {
		dh_err_set(e, DH_ERANGE, "region %lld,%lld %lldx%lld at level %d "
			   "is not inside the slide (level %d is %lldx%lld; x, y "
			   "are level-0 coordinates)", (long long)x, (long long)y,
			   (long long)w, (long long)h, level, level,
			   (long long)lw, (long long)lh);
		return NULL;
	}
	if (w > DH_IMAGE_MAX_DIM || h > DH_IMAGE_MAX_DIM) {
		dh_err_set(e, DH_ERANGE, "region too large");
		return NULL;
	}
	size_t bytes;
	if (dh_image_check_dims((int)w, (int)h, 1, 4, DH_U8, 0, &bytes, e))
		return NULL;
	uint32_t *px = dh_alloc_aligned(bytes, e);
	if (!px)
		return NULL;
	openslide_read_region(s->osr, px, x, y, level, w, h);
	const char *err = openslide_get_error(s->osr);
	if (err) {
		dh_free_aligned(px);
		dh_err_set(e, DH_EFORMAT, "OpenSlide: %s", err);
		return NULL;
	}
	size_t n = (size_t)w * (size_t)h;
	int opaque = 1;
	for (size_t i = 0; i < n && opaque; i++)
		opaque = (px[i] >> 24) == 255;
	dh_image *img = dh_image_new(DH_U8, (int)w, (int)h, 1, opaque ? 3 : 4,
				     opaque ? DH_COLOR_RGB : DH_COLOR_RGBA, e);
	if (img) {
		int C = img->channels;
		for (size_t i = 0; i < n; i++) {
			uint32_t v = px[i];
			unsigned a = v >> 24;
			unsigned c[3] = {(v >> 16) & 255, (v >> 8) & 255, v & 255};
			unsigned char *d = img->data + i * (size_t)C;
			for (int k = 0; k < 3; k++)
				d[k] = (unsigned char)(a == 255 ? c[k]
						       : a == 0 ? 0
								: (c[k] * 255 + a / 2) / a);
			if (C == 4)
				d[3] = (unsigned char)a;
		}
		img->spacing[0] = img->spacing[1] = ds;
		const char *mpp = dh_slide_property(s, "openslide.mpp-x");
		if (mpp)
			img->spacing[0] = strtod(mpp, NULL) * ds / 1000.0;
		mpp = dh_slide_property(s, "openslide.mpp-y");
		if (mpp)
			img->spacing[1] = strtod(mpp, NULL) * ds / 1000.0;
	}
	dh_free_aligned(px);
	return img;
}

#else /* no OpenSlide */

struct dh_slide {
	int unused;
};

dh_slide *dh_slide_open(const char *path, dh_err *e)
{
	(void)path;
	dh_err_set(e, DH_EUNSUPPORTED, "this dh was built without OpenSlide");
	return NULL;
}
void dh_slide_close(dh_slide *s)
{
	free(s);
}
int dh_slide_levels(const dh_slide *s)
{
	(void)s;
	return 0;
}
void dh_slide_level_size(const dh_slide *s, int level, int64_t *w,
			 int64_t *h)
{
	(void)s;
	(void)level;
	*w = *h = 0;
}
double dh_slide_level_downsample(const dh_slide *s, int level)
{
	(void)s;
	(void)level;
	return 1;
}
const char *const *dh_slide_property_names(const dh_slide *s)
{
	static const char *const none[] = {NULL};
	(void)s;
	return none;
}
const char *dh_slide_property(const dh_slide *s, const char *name)
{
	(void)s;
	(void)name;
	return NULL;
}
dh_image *dh_slide_read_region(dh_slide *s, int64_t x, int64_t y, int level,
			       int64_t w, int64_t h, dh_err *e)
{
	(void)s, (void)x, (void)y, (void)level, (void)w, (void)h;
	dh_err_set(e, DH_EUNSUPPORTED, "this dh was built without OpenSlide");
	return NULL;
}
#endif

/* --- tiling helpers -------------------------------------------------------- */

void dh_slide_background(const dh_slide *s, unsigned char rgb[3])
{
	rgb[0] = rgb[1] = rgb[2] = 255;
	const char *v = s ? dh_slide_property(s, "openslide.background-color")
			  : NULL;
	if (!v || strlen(v) != 6 || strspn(v, "0123456789abcdefABCDEF") != 6)
		return;
	unsigned long c = strtoul(v, NULL, 16);
	rgb[0] = (unsigned char)(c >> 16);
	rgb[1] = (unsigned char)(c >> 8);
	rgb[2] = (unsigned char)c;
}

dh_image *dh_slide_flatten(const dh_image *region, const unsigned char bg[3],
			   dh_err *e)
{
	if (region->dtype != DH_U8 ||
	    (region->channels != 3 && region->channels != 4)) {
		dh_err_set(e, DH_EINVAL, "a slide region is 8-bit RGB or RGBA");
		return NULL;
	}
	if (region->channels == 3)
		return dh_image_clone(region, e);
	dh_image *out = dh_image_new_like(region, DH_U8, 3, DH_COLOR_RGB, e);
	if (!out)
		return NULL;
	size_t n = (size_t)region->width * (size_t)region->height *
		   (size_t)region->depth;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = region->data + 4 * i;
		unsigned a = p[3];
		for (int k = 0; k < 3; k++)
			out->data[3 * i + (size_t)k] = (unsigned char)(
				(p[k] * a + bg[k] * (255 - a) + 127) / 255);
	}
	return out;
}

double dh_slide_tissue_fraction(const dh_image *region)
{
	if (region->dtype != DH_U8 || region->channels < 3)
		return 0;
	size_t n = (size_t)region->width * (size_t)region->height *
		   (size_t)region->depth, C = (size_t)region->channels, t = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = region->data + C * i;
		if (C == 4 && p[3] == 0)
			continue;
		int hi = p[0], lo = p[0];
		for (int k = 1; k < 3; k++) {
			hi = p[k] > hi ? p[k] : hi;
			lo = p[k] < lo ? p[k] : lo;
		}
		t += hi - lo >= DH_TISSUE_CHROMA || hi < DH_TISSUE_BRIGHT;
	}
	return n ? (double)t / (double)n : 0;
}
