/* draw.h - contours as point lists, and drawing on pictures: lines,
 * polygons, rectangles, and the quick-look overlay of a mask, its contours
 * and its boxes over an image (contour.c, draw.c). */
#ifndef DH_IMAGE_PROC_DRAW_H
#define DH_IMAGE_PROC_DRAW_H

#include "core/error.h"
#include "image/image.h"

typedef struct dh_point {
	int x, y;
} dh_point;

/* One closed contour: n points (n >= 1) in tracing order. */
typedef struct dh_contour {
	dh_point *pts;
	int n;
} dh_contour;

/* The outer contours of the nonzero regions of a one-channel 2D image,
 * traced by Suzuki and Abe's border following as cv2.findContours does
 * with RETR_EXTERNAL (objects 8-connected, background 4-connected, the
 * image surrounded by background, objects inside holes left out): each
 * contour starts at its object's first pixel in raster order and goes
 * down its left side first (counter-clockwise as seen on the screen).
 * simple 0 keeps every border pixel (CHAIN_APPROX_NONE); 1 keeps only the
 * ends of horizontal, vertical and diagonal runs (CHAIN_APPROX_SIMPLE).
 * Contours come in the raster order of their first points.  The caller
 * frees *out with dh_contours_free. */
dh_status dh_find_contours(const dh_image *mask, int simple,
			   dh_contour **out, int *n, dh_err *e);
void dh_contours_free(dh_contour *c, int n);

/* Drawing on an 8-bit image of 1, 3 or 4 channels (colour: the first
 * `channels` values of rgb[]; a fourth, alpha, is set to 255); pixels
 * outside the image are clipped.  Lines are 8-connected and one pixel
 * wide (Bresenham): for horizontal, vertical and diagonal lines these are
 * the pixels of cv2.line with LINE_8. */
void dh_draw_line(dh_image *img, int x0, int y0, int x1, int y1,
		  const unsigned char rgb[3]);
/* Consecutive points joined; the last to the first when closed. */
void dh_draw_polyline(dh_image *img, const dh_point *p, int n, int closed,
		      const unsigned char rgb[3]);
/* The outline of the w x h rectangle at x, y, `thickness` pixels wide,
 * growing inwards (cv2.rectangle from (x, y) to (x+w-1, y+h-1) at
 * thickness 1). */
void dh_draw_rect(dh_image *img, int x, int y, int w, int h, int thickness,
		  const unsigned char rgb[3]);

/* What dh_overlay_draw puts over the image. */
typedef struct dh_overlay_opts {
	int fill;         /* tint the mask's pixels */
	double alpha;     /* the tint's opacity (0..1) */
	int outline;      /* colour the mask's pixels that have a 4-neighbour
			   * outside it (holes' edges too) */
	int contours;     /* draw the outer contours (dh_find_contours) */
	int boxes;        /* draw each connected component's bounding box */
	int by_label;     /* one colour per mask value (a label map) */
	unsigned char rgb[3]; /* the colour when not by_label */
} dh_overlay_opts;

/* An 8-bit RGB picture of img (gray, RGB, BGR or RGBA, uint8) with the
 * one-channel mask of the same size drawn over it as o asks.  Components
 * and contours are those of each mask value's pixels when by_label (label
 * v gets colour v of a fixed palette), else of all nonzero pixels.  Layers
 * are drawn in the order fill, outline, contours, boxes (label by label). */
dh_image *dh_overlay_draw(const dh_image *img, const dh_image *mask,
			  const dh_overlay_opts *o, dh_err *e);
/* The palette colour of label v (v >= 1). */
void dh_label_color(int v, unsigned char rgb[3]);

#endif
