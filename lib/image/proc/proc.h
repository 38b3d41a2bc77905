/* proc.h - image processing operations.
 *
 * Each operation takes a source image and returns a new one (the caller
 * frees it), or NULL with the reason in e.  Where OpenCV has the same
 * operation, the conventions follow its documented behaviour (pixel-centre
 * sampling in resize, getRotationMatrix2D angles, BT.601 weights, H in
 * [0,180) for 8-bit HSV, reflect-101 borders for blurs) so that results can
 * be compared with it; the tests say how closely each one matches.
 * Volumes are processed slice by slice unless an operation says otherwise. */
#ifndef DH_IMAGE_PROC_PROC_H
#define DH_IMAGE_PROC_PROC_H

#include <stdint.h>

#include "core/error.h"
#include "image/image.h"

typedef enum dh_interp {
	DH_INTERP_NEAREST = 0,
	DH_INTERP_LINEAR,
	DH_INTERP_CUBIC,
	DH_INTERP_AREA,
	DH_INTERP_COUNT
} dh_interp;

typedef enum dh_border {
	DH_BORDER_CONSTANT = 0, /* a given value */
	DH_BORDER_REPLICATE,    /* aaa|abcd|ddd */
	DH_BORDER_REFLECT,      /* cba|abcd|dcb */
	DH_BORDER_REFLECT101,   /* dcb|abcd|cba */
	DH_BORDER_WRAP,         /* bcd|abcd|abc */
	DH_BORDER_COUNT
} dh_border;

const char *dh_interp_name(dh_interp i);
int dh_interp_parse(const char *s, dh_interp *out);
const char *dh_border_name(dh_border b);
int dh_border_parse(const char *s, dh_border *out);
/* Index i mapped into [0, n) by border rule b; -1 for CONSTANT outside. */
int dh_border_index(int i, int n, dh_border b);

/* --- geometry (resize.c, geom.c, warp.c) ------------------------------ */
dh_image *dh_resize(const dh_image *src, int width, int height, dh_interp m,
		    dh_err *e);
/* Flip: horizontal (mirror, about the vertical axis), vertical, or both. */
dh_image *dh_flip(const dh_image *src, int horizontal, int vertical,
		  dh_err *e);
dh_image *dh_transpose(const dh_image *src, dh_err *e);
/* The rectangle x, y, w, h; it must lie inside the image. */
dh_image *dh_crop(const dh_image *src, int x, int y, int w, int h, dh_err *e);
/* Add borders (each >= 0); `value` fills CONSTANT borders. */
dh_image *dh_pad(const dh_image *src, int top, int bottom, int left,
		 int right, dh_border b, double value, dh_err *e);
/* The 2x3 matrix that rotates by `angle` degrees counter-clockwise about
 * (cx, cy) and scales by `scale` (as cv2.getRotationMatrix2D). */
void dh_rotation_matrix(double cx, double cy, double angle, double scale,
			double m[6]);
/* dst(x, y) = src(M^-1 (x, y)) for a forward 2x3 matrix m (as
 * cv2.warpAffine), with an output of width x height pixels. */
dh_image *dh_warp_affine(const dh_image *src, const double m[6], int width,
			 int height, dh_interp interp, dh_border b,
			 double value, dh_err *e);
/* One plane of a volume: axis 'z' gives an x-y image, 'y' an x-z image,
 * 'x' a y-z image. */
dh_image *dh_slice(const dh_image *src, char axis, int index, dh_err *e);
/* Rotate about the centre ((w-1)/2, (h-1)/2), keeping the size. */
dh_image *dh_rotate(const dh_image *src, double angle, double scale,
		    dh_interp interp, dh_border b, double value, dh_err *e);

/* --- colour (color.c) ----------------------------------------------------
 * Convert between colour types; gray, RGB, BGR, RGBA, HSV and YCbCr.  The
 * source's colour type must be set (NONE only with 1 or 3 channels, read as
 * gray or RGB).  u8 and f32 (values 0..1 for HSV S/V and YCbCr) images. */
dh_image *dh_convert_color(const dh_image *src, dh_colortype to, dh_err *e);

/* --- filters (filter.c) --------------------------------------------------
 * Gaussian blur with a ksize x ksize kernel (odd; 0: from sigma) and sigma
 * (<= 0: from ksize, as OpenCV); borders reflect-101. */
dh_image *dh_gaussian_blur(const dh_image *src, int ksize, double sigma,
			   dh_err *e);
/* Mean over a ksize x ksize box; borders reflect-101. */
dh_image *dh_box_blur(const dh_image *src, int ksize, dh_err *e);
/* Median over ksize x ksize (odd); u8; borders replicate (as OpenCV). */
dh_image *dh_median_blur(const dh_image *src, int ksize, dh_err *e);

/* --- thresholds (threshold.c) --------------------------------------------- */
/* Otsu's threshold of a u8 one-channel image (as OpenCV: the first t that
 * maximises the between-class variance); the binary image (v > t: 255) in
 * *out when out is not NULL. */
dh_status dh_otsu(const dh_image *src, int *threshold, dh_image **out,
		  dh_err *e);
/* dst = src > t ? maxval : 0 (any one-channel dtype; u8 result). */
dh_image *dh_threshold(const dh_image *src, double t, double maxval,
		       dh_err *e);

/* Intensity window: centre - width/2 .. centre + width/2 mapped to 0..255
 * (u8), clamped outside. */
dh_image *dh_window(const dh_image *src, double centre, double width,
		    dh_err *e);

/* Histogram equalisation of a one-channel u8 image (as
 * cv2.equalizeHist: the cumulative histogram above the darkest value,
 * stretched to 0..255). */
dh_image *dh_equalize_hist(const dh_image *src, dh_err *e);
/* Zhang-Suen thinning of the nonzero pixels of a one-channel u8 image to
 * one-pixel-wide skeletons (0/255); the outermost rows and columns are left
 * as they are. */
dh_image *dh_thin(const dh_image *src, dh_err *e);

/* dst = src * alpha + beta, rounded and saturated (as cv::Mat::convertTo):
 * brightness and contrast. */
dh_image *dh_scale_shift(const dh_image *src, double alpha, double beta,
			 dh_err *e);
/* Stretch the values linearly so that the minimum becomes lo and the
 * maximum hi (as cv2.normalize with NORM_MINMAX). */
dh_image *dh_normalize(const dh_image *src, double lo, double hi, dh_err *e);
/* 255 * (v / 255)^gamma for uint8 images. */
dh_image *dh_gamma(const dh_image *src, double gamma, dh_err *e);
/* Multi-level Otsu: the classes-1 thresholds (2..4 classes) that maximise
 * the between-class variance of a one-channel uint8 image, as skimage's
 * threshold_multiotsu gives them; a pixel's class is the number of
 * thresholds <= its value (numpy.digitize, as skimage applies them). */
dh_status dh_multi_otsu(const dh_image *src, int classes, int *thresholds,
			dh_err *e);

/* --- noise (noise.c) ------------------------------------------------------ */
typedef enum dh_noise_kind {
	DH_NOISE_GAUSSIAN = 0, /* amount: sigma */
	DH_NOISE_LAPLACE,      /* amount: scale b (std b * sqrt(2)) */
	DH_NOISE_POISSON,      /* amount: counts per unit (0 or 1: v itself) */
	DH_NOISE_SALT_PEPPER,  /* amount: fraction of pixels, half 0, half max */
	DH_NOISE_COUNT
} dh_noise_kind;
int dh_noise_parse(const char *s, dh_noise_kind *out);
/* A noisy copy; the same seed gives the same result whatever the thread
 * count. */
dh_image *dh_noise(const dh_image *src, dh_noise_kind kind, double amount,
		   uint64_t seed, dh_err *e);

/* --- pictures (draw.c) ---------------------------------------------------- */
/* An RGB copy of img (uint8 gray/RGB/BGR/RGBA) with the nonzero pixels of
 * mask (one channel, same size) blended with colour rgb at alpha, and the
 * mask's outline (pixels with a 4-neighbour outside it) in full colour. */
dh_image *dh_overlay(const dh_image *img, const dh_image *mask,
		     const unsigned char rgb[3], double alpha, dh_err *e);
/* The images in a grid of `cols` columns, each resized (area) to the first
 * one's size, as one RGB picture; empty cells are black. */
dh_image *dh_montage(const dh_image *const *imgs, int n, int cols,
		     dh_err *e);

/* --- connected components (label.c) ------------------------------------- */
typedef struct dh_component {
	int64_t area;
	int left, top, width, height;
	double cx, cy; /* centroid */
} dh_component;

/* Label the nonzero pixels of a one-channel 2D image with 4 or 8
 * connectivity.  Labels are int32, 0 for background, 1..n numbered in the
 * order in which a raster scan first meets each component.  *stats (may be
 * NULL) gets n+1 entries (entry 0 is the background); caller frees it. */
dh_image *dh_components(const dh_image *src, int connectivity, int *count,
			dh_component **stats, dh_err *e);

/* The outer contours of the nonzero regions of a one-channel 2D image as a
 * mask (255 on contour pixels) and their number: the pixels and count of
 * cv2.findContours with RETR_EXTERNAL and CHAIN_APPROX_NONE (contour.c). */
dh_image *dh_outer_contours(const dh_image *src, int *count, dh_err *e);

/* --- morphology (morph.c) ------------------------------------------------- */
typedef enum dh_morph_shape {
	DH_SE_RECT = 0,
	DH_SE_CROSS,
	DH_SE_ELLIPSE,
	DH_SE_COUNT
} dh_morph_shape;
typedef enum dh_morph_op {
	DH_MORPH_ERODE = 0,
	DH_MORPH_DILATE,
	DH_MORPH_OPEN,
	DH_MORPH_CLOSE,
	DH_MORPH_COUNT
} dh_morph_op;

int dh_morph_shape_parse(const char *s, dh_morph_shape *out);
int dh_morph_op_parse(const char *s, dh_morph_op *out);
/* The structuring element as kw x kh bytes (1 = in), as
 * cv2.getStructuringElement; caller frees. */
unsigned char *dh_structuring_element(dh_morph_shape shape, int kw, int kh,
				      dh_err *e);
/* Erode/dilate/open/close with the element centred at (kw/2, kh/2), repeated
 * `iterations` times; pixels outside the image are ignored (as OpenCV's
 * default border). */
dh_image *dh_morph(const dh_image *src, dh_morph_op op, dh_morph_shape shape,
		   int kw, int kh, int iterations, dh_err *e);

#endif
