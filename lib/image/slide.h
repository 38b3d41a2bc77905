/* slide.h - whole-slide images through OpenSlide: levels, their sizes and
 * downsamples, properties, and regions read on demand (never the whole
 * slide).  Available when dh is built with OpenSlide (DH_HAVE_OPENSLIDE);
 * otherwise dh_slide_open says so. */
#ifndef DH_IMAGE_SLIDE_H
#define DH_IMAGE_SLIDE_H

#include <stdint.h>

#include "core/error.h"
#include "image/image.h"

typedef struct dh_slide dh_slide;

/* Open; NULL with the reason (naming nothing: the caller adds the path). */
dh_slide *dh_slide_open(const char *path, dh_err *e);
void dh_slide_close(dh_slide *s);

int dh_slide_levels(const dh_slide *s);
void dh_slide_level_size(const dh_slide *s, int level, int64_t *w,
			 int64_t *h);
double dh_slide_level_downsample(const dh_slide *s, int level);
/* NULL-terminated property names, and one value (NULL if absent); owned by
 * the slide. */
const char *const *dh_slide_property_names(const dh_slide *s);
const char *dh_slide_property(const dh_slide *s, const char *name);

/* The w x h pixels of `level` whose top-left corner is (x, y) in level-0
 * coordinates (OpenSlide's and ECVL's convention), as 8-bit RGB, or RGBA
 * when some pixel is not opaque (alpha un-premultiplied).  The region must
 * lie inside the level (DH_ERANGE otherwise). */
dh_image *dh_slide_read_region(dh_slide *s, int64_t x, int64_t y, int level,
			       int64_t w, int64_t h, dh_err *e);

/* --- tiling helpers (independent of OpenSlide) --------------------------- */

/* The background colour OpenSlide reports ("openslide.background-color",
 * RRGGBB), else white. */
void dh_slide_background(const dh_slide *s, unsigned char rgb[3]);

/* An RGB copy of an 8-bit RGB or RGBA region, transparent pixels composed
 * over `bg` (v * a/255 + bg * (1 - a/255), rounded).  RGB input is cloned. */
dh_image *dh_slide_flatten(const dh_image *region, const unsigned char bg[3],
			   dh_err *e);

/* The tissue rule of "dh-image slide tiles": a pixel of an 8-bit RGB(A)
 * region is tissue when it is not transparent (alpha > 0) and either
 * coloured, max(R,G,B) - min(R,G,B) >= DH_TISSUE_CHROMA, or dark,
 * max(R,G,B) < DH_TISSUE_BRIGHT.  Background is what is left: glass and
 * empty areas, near white and unsaturated, and transparent padding.
 * Returns the fraction of tissue pixels (0 for an empty image). */
#define DH_TISSUE_CHROMA 20
#define DH_TISSUE_BRIGHT 200
double dh_slide_tissue_fraction(const dh_image *region);

#endif
