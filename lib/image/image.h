/* image.h - the Image type: 2D images and 3D volumes with channels.
 *
 * Pixels are stored interleaved (HWC; DHWC for volumes), row-major, in one
 * 64-byte aligned block that the image owns.  Rows are packed: the byte stride
 * of a row is width * channels * element size.  The colour type says how the
 * channels are to be read (RGB, BGR, HSV...); NONE means "just channels"
 * (labels, gray+alpha, multi-channel data).  Spacing and orientation are
 * physical metadata for medical data (millimetres; direction cosines) and are
 * 1 and identity for ordinary pictures.
 *
 * Every size is checked for overflow, and images above a pixel limit (a
 * decompression-bomb guard, DH_IMAGE_MAX_PIXELS by default) are refused unless
 * the caller raises the limit. */
#ifndef DH_IMAGE_IMAGE_H
#define DH_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/dtype.h"
#include "core/error.h"
#include "core/tensor.h"

/* 2^31 pixels (width * height * depth): larger images need an explicit
 * limit. */
#define DH_IMAGE_MAX_PIXELS ((uint64_t)1 << 31)
/* Any single dimension, whatever the limit. */
#define DH_IMAGE_MAX_DIM (1 << 30)
#define DH_IMAGE_MAX_CHANNELS 64

typedef enum dh_colortype {
	DH_COLOR_NONE = 0,
	DH_COLOR_GRAY,
	DH_COLOR_RGB,
	DH_COLOR_BGR,
	DH_COLOR_RGBA,
	DH_COLOR_HSV,   /* 8-bit: H in [0,180) as OpenCV; float: H in degrees */
	DH_COLOR_YCBCR, /* channel order Y, Cb, Cr */
	DH_COLOR_COUNT
} dh_colortype;

typedef struct dh_image {
	dh_dtype dtype;      /* u8, u16, i16, i32, f32 or f64 */
	int width, height, depth, channels;
	dh_colortype color;
	double spacing[3];   /* x, y, z */
	double origin[3];
	double direction[9]; /* row-major 3x3 direction cosines */
	size_t row_bytes;    /* width * channels * element size */
	size_t nbytes;       /* the whole pixel block */
	unsigned char *data; /* owned, 64-byte aligned */
} dh_image;

/* "gray", "rgb", ... and back (-1 when unknown). */
const char *dh_colortype_name(dh_colortype c);
int dh_colortype_parse(const char *name, dh_colortype *out);
/* Channels a colour type implies (0 for NONE: any). */
int dh_colortype_channels(dh_colortype c);
/* 1 for the dtypes an image may hold. */
int dh_image_dtype_ok(dh_dtype t);

/* Check dimensions before any allocation: each in 1..DH_IMAGE_MAX_DIM,
 * channels in 1..DH_IMAGE_MAX_CHANNELS, width*height*depth <= max_pixels
 * (0: DH_IMAGE_MAX_PIXELS), and the byte size fits size_t.  On success
 * stores the byte size in *nbytes (may be NULL). */
dh_status dh_image_check_dims(int width, int height, int depth, int channels,
			      dh_dtype t, uint64_t max_pixels, size_t *nbytes,
			      dh_err *e);

/* New zero-filled image; depth 1 for a 2D image.  Caller frees. */
dh_image *dh_image_new(dh_dtype t, int width, int height, int depth,
		       int channels, dh_colortype color, dh_err *e);
/* The same with an explicit pixel limit (0: the default). */
dh_image *dh_image_new_limit(dh_dtype t, int width, int height, int depth,
			     int channels, dh_colortype color,
			     uint64_t max_pixels, dh_err *e);
/* New image with src's geometry and metadata, another dtype/channels/colour
 * (channels 0: src's). Pixels zero. */
dh_image *dh_image_new_like(const dh_image *src, dh_dtype t, int channels,
			    dh_colortype color, dh_err *e);
/* The same two with the pixels left undefined, for operations that write
 * every pixel (no pass zeroing memory about to be overwritten). */
dh_image *dh_image_new_uninit(dh_dtype t, int width, int height, int depth,
			      int channels, dh_colortype color, dh_err *e);
dh_image *dh_image_new_like_uninit(const dh_image *src, dh_dtype t,
				   int channels, dh_colortype color, dh_err *e);
dh_image *dh_image_clone(const dh_image *src, dh_err *e);
void dh_image_free(dh_image *img);

size_t dh_image_elsize(const dh_image *img);
/* Pointer to row y of slice z. */
static inline void *dh_image_row(const dh_image *img, int z, int y)
{
	return img->data +
	       ((size_t)z * (size_t)img->height + (size_t)y) * img->row_bytes;
}
/* One sample as a double, and storing one (saturated and rounded for integer
 * dtypes). */
double dh_image_get(const dh_image *img, int x, int y, int z, int c);
void dh_image_set(dh_image *img, int x, int y, int z, int c, double v);

/* Zero-copy view of the pixels as a tensor [H, W, C] (or [D, H, W, C]); the
 * tensor borrows the image's memory, so the image must outlive it. */
dh_tensor *dh_image_view_tensor(const dh_image *img, dh_err *e);
/* A new float32 tensor in the layout networks take: [C, H, W] (or
 * [C, D, H, W]), each value v becoming v * scale + shift. */
dh_tensor *dh_image_to_chw(const dh_image *img, float scale, float shift,
			   dh_err *e);
/* Back from a float tensor [C, H, W] / [C, D, H, W] (any dtype; converted):
 * (v - shift) / scale, rounded and saturated to `t`. */
dh_image *dh_image_from_chw(const dh_tensor *chw, dh_dtype t, float scale,
			    float shift, dh_colortype color, dh_err *e);
/* A new image of dtype t: v * scale + shift, rounded to nearest (ties to
 * even) and saturated for integer types. */
dh_image *dh_image_convert(const dh_image *src, dh_dtype t, double scale,
			   double shift, dh_err *e);

#endif
