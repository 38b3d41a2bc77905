/* npyimg.c - .npy arrays as images: [H, W] is gray; [H, W, C] with C <= 4 is
 * H x W with C channels (3: RGB, 4: RGBA); [D, H, W] with a last dimension
 * above 4 is a volume; [D, H, W, C] a volume with channels (narrow
 * one-channel volumes are written so, to read back the same).  bool and int8
 * are widened to uint8/int16, float16 to float32; int64 is refused.
 * Writing stores the pixels in the same shapes (C dropped when 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/codec/codec.h"
#include "stream/npy.h"

typedef struct npy_geom {
	int w, h, d, c;
	dh_dtype from, to;
} npy_geom;

static dh_status geometry(const dh_npy_header *hd, npy_geom *g, dh_err *e)
{
	const int64_t *s = hd->shape;
	int64_t w, h, d = 1, c = 1;
	switch (hd->ndim) {
	case 2:
		h = s[0], w = s[1];
		break;
	case 3:
		if (s[2] <= 4)
			h = s[0], w = s[1], c = s[2];
		else
			d = s[0], h = s[1], w = s[2];
		break;
	case 4:
		d = s[0], h = s[1], w = s[2], c = s[3];
		break;
	default:
		return dh_err_set(e, DH_EUNSUPPORTED, "a %d-dimensional array "
				  "is not an image (2 to 4 dimensions)",
				  hd->ndim);
	}
	if (w < 1 || h < 1 || d < 1 || c < 1 || w > DH_IMAGE_MAX_DIM ||
	    h > DH_IMAGE_MAX_DIM || d > DH_IMAGE_MAX_DIM ||
	    c > DH_IMAGE_MAX_CHANNELS)
		return dh_err_set(e, DH_EFORMAT, "array shape does not make "
				  "an image");
	g->w = (int)w, g->h = (int)h, g->d = (int)d, g->c = (int)c;
	g->from = hd->dtype;
	switch (hd->dtype) {
	case DH_BOOL:
		g->to = DH_U8;
		break;
	case DH_I8:
		g->to = DH_I16;
		break;
	case DH_F16:
		g->to = DH_F32;
		break;
	case DH_I64:
		return dh_err_set(e, DH_EUNSUPPORTED, "int64 arrays are not "
				  "images (convert to int32)");
	default:
		g->to = hd->dtype;
	}
	return DH_OK;
}

static dh_colortype color_of(int c)
{
	return c == 1 ? DH_COLOR_GRAY
	       : c == 3 ? DH_COLOR_RGB
	       : c == 4 ? DH_COLOR_RGBA
			: DH_COLOR_NONE;
}

static dh_status header(const unsigned char *buf, size_t n, FILE **fp,
			dh_npy_header *hd, npy_geom *g, dh_err *e)
{
	FILE *f = fmemopen((void *)buf, n, "rb");
	if (!f)
		return dh_err_set(e, DH_ENOMEM, "cannot read .npy from memory");
	dh_status s = dh_npy_read_header(f, hd, e);
	if (s == DH_EEOF)
		s = dh_err_set(e, DH_EFORMAT, "empty file");
	if (!s && hd->ndim >= 1 && hd->numel == 0)
		s = dh_err_set(e, DH_EFORMAT, "empty array");
	if (!s)
		s = geometry(hd, g, e);
	if (s) {
		fclose(f);
		return s;
	}
	*fp = f;
	return DH_OK;
}

dh_status dh_npyimg_read_info(const unsigned char *buf, size_t n,
			      dh_image_info *info, dh_err *e)
{
	FILE *f;
	dh_npy_header hd;
	npy_geom g;
	dh_status s = header(buf, n, &f, &hd, &g, e);
	if (s)
		return s;
	fclose(f);
	info->width = g.w;
	info->height = g.h;
	info->depth = g.d;
	info->channels = g.c;
	info->dtype = g.to;
	info->bits = (int)(8 * dh_dtype_size(g.from));
	info->color = color_of(g.c);
	snprintf(info->detail, sizeof info->detail, "%s array",
		 dh_dtype_name(g.from));
	return DH_OK;
}

dh_status dh_npyimg_read(const unsigned char *buf, size_t n,
			 const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	FILE *f;
	dh_npy_header hd;
	npy_geom g;
	dh_status s = header(buf, n, &f, &hd, &g, e);
	if (s)
		return s;
	if (hd.data_bytes > n - hd.header_bytes) {
		fclose(f);
		return dh_err_set(e, DH_EFORMAT, "truncated .npy: %zu bytes of "
				  "data, %zu expected", n - hd.header_bytes,
				  hd.data_bytes);
	}
	dh_image *img = dh_image_new_limit(g.to, g.w, g.h, g.d, g.c,
					   color_of(g.c),
					   dh_codec_max_pixels(o), e);
	if (!img) {
		fclose(f);
		return e ? e->status : DH_ENOMEM;
	}
	if (g.from == g.to) {
		s = dh_npy_read_data(f, &hd, img->data, hd.data_bytes, e);
	} else {
		void *raw = dh_malloc(hd.data_bytes ? hd.data_bytes : 1, e);
		s = raw ? dh_npy_read_data(f, &hd, raw, hd.data_bytes, e)
			: DH_ENOMEM;
		if (!s)
			for (size_t i = 0; i < (size_t)hd.numel; i++)
				dh_dtype_put(g.to, img->data, i,
					     dh_dtype_get(g.from, raw, i));
		free(raw);
	}
	fclose(f);
	if (s) {
		dh_image_free(img);
		return s;
	}
	*out = img;
	return DH_OK;
}

dh_status dh_npyimg_write(FILE *f, const char *suffix, const dh_image *img,
			  const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
	int64_t shape[4];
	int nd = 0;
	if (img->depth > 1)
		shape[nd++] = img->depth;
	shape[nd++] = img->height;
	shape[nd++] = img->width;
	/* one channel is written [H, W] or [D, H, W]; but a one-channel
	 * volume at most 4 pixels wide keeps its channel axis ([D, H, W, 1]),
	 * or it would read back as an image with channels */
	if (img->channels > 1 || (img->depth > 1 && img->width <= 4))
		shape[nd++] = img->channels;
	if (img->depth == 1 && img->channels > 4)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "an image with %d channels would read back "
				  "as a volume", img->channels);
	dh_tensor *t = dh_tensor_wrap(img->dtype, nd, shape, img->data, e);
	if (!t)
		return e ? e->status : DH_ENOMEM;
	dh_status s = dh_npy_write(f, t, e);
	dh_tensor_free(t);
	return s;
}
