/* image.c - the Image type (see image.h). */
#include "image/image.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "core/alloc.h"
#include "image/sat.h"

static const struct {
	const char *name;
	int channels;
} colors[] = {
	[DH_COLOR_NONE] = {"none", 0}, [DH_COLOR_GRAY] = {"gray", 1},
	[DH_COLOR_RGB] = {"rgb", 3},   [DH_COLOR_BGR] = {"bgr", 3},
	[DH_COLOR_RGBA] = {"rgba", 4}, [DH_COLOR_HSV] = {"hsv", 3},
	[DH_COLOR_YCBCR] = {"ycbcr", 3},
};
static_assert(sizeof colors / sizeof colors[0] == DH_COLOR_COUNT,
	      "colors must describe every dh_colortype");

const char *dh_colortype_name(dh_colortype c)
{
	return (unsigned)c < DH_COLOR_COUNT ? colors[c].name : "?";
}

int dh_colortype_parse(const char *name, dh_colortype *out)
{
	for (int i = 0; i < DH_COLOR_COUNT; i++)
		if (!strcmp(name, colors[i].name)) {
			*out = (dh_colortype)i;
			return 0;
		}
	return -1;
}

int dh_colortype_channels(dh_colortype c)
{
	return (unsigned)c < DH_COLOR_COUNT ? colors[c].channels : 0;
}

int dh_image_dtype_ok(dh_dtype t)
{
	return t == DH_U8 || t == DH_U16 || t == DH_I16 || t == DH_I32 ||
	       t == DH_F32 || t == DH_F64;
}

dh_status dh_image_check_dims(int width, int height, int depth, int channels,
			      dh_dtype t, uint64_t max_pixels, size_t *nbytes,
			      dh_err *e)
{
	if (!dh_image_dtype_ok(t))
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "images cannot hold %s samples",
				  dh_dtype_name(t));
	if (width < 1 || height < 1 || depth < 1)
		return dh_err_set(e, DH_EFORMAT, "zero or negative image size "
				  "%dx%dx%d", width, height, depth);
	if (width > DH_IMAGE_MAX_DIM || height > DH_IMAGE_MAX_DIM ||
	    depth > DH_IMAGE_MAX_DIM)
		return dh_err_set(e, DH_ERANGE, "image size %dx%dx%d is too "
				  "large (limit %d per side)", width, height,
				  depth, DH_IMAGE_MAX_DIM);
	if (channels < 1 || channels > DH_IMAGE_MAX_CHANNELS)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%d channels (1 to %d are supported)",
				  channels, DH_IMAGE_MAX_CHANNELS);
	if (!max_pixels)
		max_pixels = DH_IMAGE_MAX_PIXELS;
	uint64_t px = (uint64_t)width * (uint64_t)height; /* < 2^60 */
	if (px > max_pixels || px * (uint64_t)depth / (uint64_t)depth != px ||
	    px * (uint64_t)depth > max_pixels)
		return dh_err_set(e, DH_ERANGE,
				  "image of %dx%dx%d pixels is over the limit "
				  "of %llu pixels (a decompression bomb?)",
				  width, height, depth,
				  (unsigned long long)max_pixels);
	size_t n;
	if (dh_size_mul((size_t)px, (size_t)depth, &n) ||
	    dh_size_mul(n, (size_t)channels, &n) ||
	    dh_size_mul(n, dh_dtype_size(t), &n))
		return dh_err_set(e, DH_ENOMEM, "image size overflows");
	if (nbytes)
		*nbytes = n;
	return DH_OK;
}

static void set_identity(dh_image *img)
{
	for (int i = 0; i < 3; i++) {
		img->spacing[i] = 1.0;
		img->origin[i] = 0.0;
	}
	memset(img->direction, 0, sizeof img->direction);
	img->direction[0] = img->direction[4] = img->direction[8] = 1.0;
}

/* Pixel storage.  Blocks of 4 MiB and more come from malloc (whose reuse
 * of freed memory aligned_alloc defeats at these sizes: every result
 * would be fresh pages to fault in and zero), 64-byte aligned by hand with
 * the block's start kept just before the pixels, and their 2 MiB-aligned
 * part is marked for transparent huge pages (where the kernel gives them
 * on request), as numpy does for the arrays OpenCV returns: a 48 MiB
 * result then costs 24 page faults instead of 12288. */
#define PIXELS_BIG ((size_t)4 << 20)

static void *pixels_alloc(size_t n, int zero, dh_err *e)
{
	if (n < PIXELS_BIG)
		return zero ? dh_calloc_aligned(n, 1, e) : dh_alloc_aligned(n, e);
	/* above glibc's largest mmap threshold (32 MiB) every block is
	 * mapped afresh anyway: align it to 2 MiB, all huge pages */
	const size_t align = n > ((size_t)32 << 20) ? (size_t)2 << 20 : DH_ALIGN;
	if (n > SIZE_MAX - align - sizeof(void *)) {
		dh_err_set(e, DH_ENOMEM, "allocation of %zu bytes overflows", n);
		return NULL;
	}
	unsigned char *raw = malloc(n + align + sizeof(void *));
	if (!raw) {
		dh_err_set(e, DH_ENOMEM, "out of memory allocating %zu bytes", n);
		return NULL;
	}
	uintptr_t a = ((uintptr_t)raw + sizeof(void *) + align - 1) &
		      ~(uintptr_t)(align - 1);
	unsigned char *p = (unsigned char *)a;
	memcpy(p - sizeof(void *), &raw, sizeof raw);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t h0 = (a + huge - 1) & ~(huge - 1), h1 = (a + n) & ~(huge - 1);
	if (h1 > h0)
		(void)madvise((void *)h0, h1 - h0, MADV_HUGEPAGE);
#endif
	if (zero)
		memset(p, 0, n);
	return p;
}

static void pixels_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < PIXELS_BIG) {
		dh_free_aligned(p);
		return;
	}
	void *raw;
	memcpy(&raw, (unsigned char *)p - sizeof raw, sizeof raw);
	free(raw);
}

static dh_image *image_new(dh_dtype t, int width, int height, int depth,
			   int channels, dh_colortype color,
			   uint64_t max_pixels, int zero, dh_err *e)
{
	size_t n;
	if (dh_image_check_dims(width, height, depth, channels, t, max_pixels,
				&n, e))
		return NULL;
	int want = dh_colortype_channels(color);
	if (want && want != channels) {
		dh_err_set(e, DH_EINVAL, "colour type %s needs %d channels, "
			   "not %d", dh_colortype_name(color), want, channels);
		return NULL;
	}
	dh_image *img = dh_malloc(sizeof *img, e);
	if (!img)
		return NULL;
	img->data = pixels_alloc(n, zero, e);
	if (!img->data) {
		free(img);
		return NULL;
	}
	img->dtype = t;
	img->width = width;
	img->height = height;
	img->depth = depth;
	img->channels = channels;
	img->color = color;
	img->row_bytes = (size_t)width * (size_t)channels * dh_dtype_size(t);
	img->nbytes = n;
	set_identity(img);
	return img;
}

dh_image *dh_image_new_limit(dh_dtype t, int width, int height, int depth,
			     int channels, dh_colortype color,
			     uint64_t max_pixels, dh_err *e)
{
	return image_new(t, width, height, depth, channels, color, max_pixels,
			 1, e);
}

dh_image *dh_image_new_uninit(dh_dtype t, int width, int height, int depth,
			      int channels, dh_colortype color, dh_err *e)
{
	return image_new(t, width, height, depth, channels, color, 0, 0, e);
}

dh_image *dh_image_new_like_uninit(const dh_image *src, dh_dtype t,
				   int channels, dh_colortype color, dh_err *e)
{
	if (!channels)
		channels = src->channels;
	dh_image *img = image_new(t, src->width, src->height, src->depth,
				  channels, color, UINT64_MAX, 0, e);
	if (!img)
		return NULL;
	memcpy(img->spacing, src->spacing, sizeof img->spacing);
	memcpy(img->origin, src->origin, sizeof img->origin);
	memcpy(img->direction, src->direction, sizeof img->direction);
	return img;
}

dh_image *dh_image_new(dh_dtype t, int width, int height, int depth,
		       int channels, dh_colortype color, dh_err *e)
{
	return dh_image_new_limit(t, width, height, depth, channels, color, 0,
				  e);
}

dh_image *dh_image_new_like(const dh_image *src, dh_dtype t, int channels,
			    dh_colortype color, dh_err *e)
{
	if (!channels)
		channels = src->channels;
	/* the source exists, so its pixel count was accepted already */
	dh_image *img = dh_image_new_limit(t, src->width, src->height,
					   src->depth, channels, color,
					   UINT64_MAX, e);
	if (!img)
		return NULL;
	memcpy(img->spacing, src->spacing, sizeof img->spacing);
	memcpy(img->origin, src->origin, sizeof img->origin);
	memcpy(img->direction, src->direction, sizeof img->direction);
	return img;
}

dh_image *dh_image_clone(const dh_image *src, dh_err *e)
{
	dh_image *img = dh_image_new_like_uninit(src, src->dtype, src->channels,
						 src->color, e);
	if (img)
		memcpy(img->data, src->data, src->nbytes);
	return img;
}

void dh_image_free(dh_image *img)
{
	if (!img)
		return;
	pixels_free(img->data, img->nbytes);
	free(img);
}

size_t dh_image_elsize(const dh_image *img)
{
	return dh_dtype_size(img->dtype);
}

static size_t sample_index(const dh_image *img, int x, int y, int z, int c)
{
	return ((((size_t)z * (size_t)img->height + (size_t)y) *
		 (size_t)img->width + (size_t)x) *
		(size_t)img->channels) + (size_t)c;
}

double dh_image_get(const dh_image *img, int x, int y, int z, int c)
{
	return dh_dtype_get(img->dtype, img->data,
			    sample_index(img, x, y, z, c));
}

void dh_image_set(dh_image *img, int x, int y, int z, int c, double v)
{
	dh_sat_store(img->dtype, img->data, sample_index(img, x, y, z, c), v);
}

dh_tensor *dh_image_view_tensor(const dh_image *img, dh_err *e)
{
	int64_t shape[4];
	int nd = 0;
	if (img->depth > 1)
		shape[nd++] = img->depth;
	shape[nd++] = img->height;
	shape[nd++] = img->width;
	shape[nd++] = img->channels;
	return dh_tensor_wrap(img->dtype, nd, shape, img->data, e);
}

dh_tensor *dh_image_to_chw(const dh_image *img, float scale, float shift,
			   dh_err *e)
{
	int64_t shape[4];
	int nd = 0;
	shape[nd++] = img->channels;
	if (img->depth > 1)
		shape[nd++] = img->depth;
	shape[nd++] = img->height;
	shape[nd++] = img->width;
	dh_tensor *t = dh_tensor_new(DH_F32, nd, shape, e);
	if (!t)
		return NULL;
	float *out = dh_tensor_f32(t);
	const size_t plane = (size_t)img->width * (size_t)img->height *
			     (size_t)img->depth;
	const int C = img->channels;
	const long rows = (long)img->height * img->depth;
#pragma omp parallel for schedule(static)
	for (long r = 0; r < rows; r++) {
		size_t base = (size_t)r * (size_t)img->width;
		for (int x = 0; x < img->width; x++)
			for (int c = 0; c < C; c++) {
				size_t i = (base + (size_t)x) * (size_t)C +
					   (size_t)c;
				out[(size_t)c * plane + base + (size_t)x] =
					(float)dh_dtype_get(img->dtype,
							    img->data, i) *
						scale +
					shift;
			}
	}
	return t;
}

dh_image *dh_image_from_chw(const dh_tensor *chw, dh_dtype t, float scale,
			    float shift, dh_colortype color, dh_err *e)
{
	if (chw->ndim != 3 && chw->ndim != 4) {
		dh_err_set(e, DH_ESHAPE, "an image tensor is [C, H, W] or "
			   "[C, D, H, W], not %d-dimensional", chw->ndim);
		return NULL;
	}
	if (scale == 0.0f) {
		dh_err_set(e, DH_EINVAL, "scale must not be 0");
		return NULL;
	}
	for (int i = 0; i < chw->ndim; i++)
		if (chw->shape[i] < 1 || chw->shape[i] > DH_IMAGE_MAX_DIM) {
			dh_err_set(e, DH_ESHAPE, "bad image tensor dimension "
				   "%lld", (long long)chw->shape[i]);
			return NULL;
		}
	int C = (int)chw->shape[0];
	int D = chw->ndim == 4 ? (int)chw->shape[1] : 1;
	int H = (int)chw->shape[chw->ndim - 2];
	int W = (int)chw->shape[chw->ndim - 1];
	dh_image *img = dh_image_new(t, W, H, D, C, color, e);
	if (!img)
		return NULL;
	size_t plane = (size_t)W * (size_t)H * (size_t)D;
	for (size_t p = 0; p < plane; p++)
		for (int c = 0; c < C; c++) {
			double v = dh_dtype_get(chw->dtype, chw->data,
						(size_t)c * plane + p);
			dh_sat_store(t, img->data, p * (size_t)C + (size_t)c,
				     (v - shift) / scale);
		}
	return img;
}

dh_image *dh_image_convert(const dh_image *src, dh_dtype t, double scale,
			   double shift, dh_err *e)
{
	dh_image *img = dh_image_new_like(src, t, src->channels, src->color, e);
	if (!img)
		return NULL;
	size_t n = src->nbytes / dh_image_elsize(src);
	for (size_t i = 0; i < n; i++)
		dh_sat_store(t, img->data, i,
			     dh_dtype_get(src->dtype, src->data, i) * scale +
				     shift);
	return img;
}
