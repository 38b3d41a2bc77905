/* png.c - PNG through libpng: 1/2/4/8/16-bit gray, gray+alpha, palette (to
 * RGB or RGBA), RGB, RGBA; interlaced files.  libpng reports errors by
 * longjmp: every call that may fail runs under setjmp in this file, and the
 * message is carried into the dh_err. */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/codec/codec.h"

typedef struct png_ctx {
	const unsigned char *buf;
	size_t n, pos;
	char msg[200];
} png_ctx;

static void on_error(png_structp p, png_const_charp msg)
{
	png_ctx *c = png_get_error_ptr(p);
	snprintf(c->msg, sizeof c->msg, "%s", msg);
	png_longjmp(p, 1);
}

static void on_warning(png_structp p, png_const_charp msg)
{
	(void)p;
	(void)msg; /* warnings (bad ancillary chunks) do not stop a read */
}

static void read_mem(png_structp p, png_bytep out, png_size_t len)
{
	png_ctx *c = png_get_io_ptr(p);
	if (len > c->n - c->pos)
		png_error(p, "truncated file");
	memcpy(out, c->buf + c->pos, len);
	c->pos += len;
}

typedef struct png_hdr {
	png_uint_32 w, h;
	int bits, ctype, interlace;
	int channels; /* after our transforms */
	int has_trns;
} png_hdr;

/* Set up the transforms and fill h; called under setjmp. */
static void setup(png_structp p, png_infop info, png_hdr *h)
{
	png_read_info(p, info);
	png_get_IHDR(p, info, &h->w, &h->h, &h->bits, &h->ctype,
		     &h->interlace, NULL, NULL);
	h->has_trns = png_get_valid(p, info, PNG_INFO_tRNS) != 0;
	int ch;
	switch (h->ctype) {
	case PNG_COLOR_TYPE_GRAY:
		ch = 1;
		break;
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		ch = 2;
		break;
	case PNG_COLOR_TYPE_PALETTE:
		ch = h->has_trns ? 4 : 3;
		break;
	case PNG_COLOR_TYPE_RGB:
		ch = 3;
		break;
	default:
		ch = 4;
		break;
	}
	h->channels = ch;
}

static void apply_transforms(png_structp p, png_infop info, png_hdr *h)
{
	if (h->ctype == PNG_COLOR_TYPE_PALETTE) {
		png_set_palette_to_rgb(p);
		if (h->has_trns)
			png_set_tRNS_to_alpha(p);
	} else if (h->bits < 8) {
		png_set_expand_gray_1_2_4_to_8(p);
	}
	/* tRNS on gray/RGB (one transparent colour) is left as metadata: the
	 * samples keep their values, as other readers do */
	if (h->bits == 16) {
		const uint16_t one = 1;
		if (*(const unsigned char *)&one)
			png_set_swap(p);
	}
	if (h->interlace != PNG_INTERLACE_NONE)
		png_set_interlace_handling(p);
	png_read_update_info(p, info);
}

static dh_status start(png_ctx *c, png_structp *pp, png_infop *ip, dh_err *e)
{
	*pp = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, on_error,
				     on_warning);
	if (!*pp)
		return dh_err_set(e, DH_ENOMEM, "cannot start libpng");
	*ip = png_create_info_struct(*pp);
	if (!*ip) {
		png_destroy_read_struct(pp, NULL, NULL);
		return dh_err_set(e, DH_ENOMEM, "cannot start libpng");
	}
	png_set_read_fn(*pp, c, read_mem);
	/* text and other ancillary chunks may not eat memory without bound */
	png_set_chunk_malloc_max(*pp, 64u << 20);
	return DH_OK;
}

dh_status dh_png_read_info(const unsigned char *buf, size_t n,
			   dh_image_info *info, dh_err *e)
{
	png_ctx c = {buf, n, 0, ""};
	png_structp p;
	png_infop ip;
	dh_status s = start(&c, &p, &ip, e);
	if (s)
		return s;
	png_hdr h;
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_read_struct(&p, &ip, NULL);
		return dh_err_set(e, DH_EFORMAT, "bad PNG: %s", c.msg);
	}
	png_set_user_limits(p, DH_IMAGE_MAX_DIM, DH_IMAGE_MAX_DIM);
	setup(p, ip, &h);
	info->width = (int)h.w;
	info->height = (int)h.h;
	info->channels = h.channels;
	info->bits = h.bits;
	info->dtype = h.bits == 16 ? DH_U16 : DH_U8;
	info->color = h.channels == 1   ? DH_COLOR_GRAY
		      : h.channels == 3 ? DH_COLOR_RGB
		      : h.channels == 4 ? DH_COLOR_RGBA
					: DH_COLOR_NONE;
	snprintf(info->detail, sizeof info->detail, "%s%s",
		 h.ctype == PNG_COLOR_TYPE_PALETTE ? "palette"
		 : h.ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? "gray+alpha"
							: "",
		 h.interlace != PNG_INTERLACE_NONE ? " interlaced" : "");
	png_destroy_read_struct(&p, &ip, NULL);
	return DH_OK;
}

dh_status dh_png_read(const unsigned char *buf, size_t n,
		      const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	png_ctx c = {buf, n, 0, ""};
	png_structp p;
	png_infop ip;
	dh_status s = start(&c, &p, &ip, e);
	if (s)
		return s;
	/* volatile: these change between setjmp and a possible longjmp */
	dh_image *volatile img = NULL;
	png_bytep *volatile rows = NULL;
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_read_struct(&p, &ip, NULL);
		free(rows);
		dh_image_free(img);
		return dh_err_set(e, DH_EFORMAT, "bad PNG: %s", c.msg);
	}
	png_set_user_limits(p, DH_IMAGE_MAX_DIM, DH_IMAGE_MAX_DIM);
	png_hdr h;
	setup(p, ip, &h);
	dh_image *im = dh_image_new_limit(
		h.bits == 16 ? DH_U16 : DH_U8, (int)h.w, (int)h.h, 1,
		h.channels,
		h.channels == 1   ? DH_COLOR_GRAY
		: h.channels == 3 ? DH_COLOR_RGB
		: h.channels == 4 ? DH_COLOR_RGBA
				  : DH_COLOR_NONE,
		dh_codec_max_pixels(o), e);
	if (!im) {
		png_destroy_read_struct(&p, &ip, NULL);
		return e ? e->status : DH_EFORMAT;
	}
	img = im;
	apply_transforms(p, ip, &h);
	if (png_get_rowbytes(p, ip) != im->row_bytes)
		png_error(p, "unexpected row size after transforms");
	png_bytep *r = malloc(sizeof *r * h.h);
	if (!r) {
		png_destroy_read_struct(&p, &ip, NULL);
		dh_image_free(im);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	rows = r;
	for (png_uint_32 y = 0; y < h.h; y++)
		r[y] = dh_image_row(im, 0, (int)y);
	png_read_image(p, r);
	png_read_end(p, NULL);
	png_destroy_read_struct(&p, &ip, NULL);
	free(r);
	*out = im;
	return DH_OK;
}

static void write_file(png_structp p, png_bytep data, png_size_t len)
{
	FILE *f = png_get_io_ptr(p);
	if (fwrite(data, 1, len, f) != len)
		png_error(p, "write failed");
}

static void flush_file(png_structp p)
{
	fflush((FILE *)png_get_io_ptr(p));
}

dh_status dh_png_write(FILE *f, const char *suffix, const dh_image *img,
		       const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
	const dh_image *use;
	dh_image *tmp;
	dh_status s = dh_codec_prepare(img, 1, &use, &tmp, "PNG", e);
	if (s)
		return s;
	png_ctx c = {NULL, 0, 0, ""};
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c,
						on_error, on_warning);
	png_infop ip = p ? png_create_info_struct(p) : NULL;
	png_bytep *volatile rows = NULL;
	if (!ip) {
		png_destroy_write_struct(&p, NULL);
		dh_image_free(tmp);
		return dh_err_set(e, DH_ENOMEM, "cannot start libpng");
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &ip);
		free(rows);
		dh_image_free(tmp);
		return dh_err_set(e, DH_EIO, "cannot write PNG: %s", c.msg);
	}
	static const int ctypes[] = {0, PNG_COLOR_TYPE_GRAY,
				     PNG_COLOR_TYPE_GRAY_ALPHA,
				     PNG_COLOR_TYPE_RGB,
				     PNG_COLOR_TYPE_RGB_ALPHA};
	png_set_write_fn(p, f, write_file, flush_file);
	png_set_IHDR(p, ip, (png_uint_32)use->width, (png_uint_32)use->height,
		     use->dtype == DH_U16 ? 16 : 8, ctypes[use->channels],
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(p, 6);
	png_write_info(p, ip);
	if (use->dtype == DH_U16) {
		const uint16_t one = 1;
		if (*(const unsigned char *)&one)
			png_set_swap(p);
	}
	png_bytep *r = malloc(sizeof *r * (size_t)use->height);
	if (!r)
		png_error(p, "out of memory");
	rows = r;
	for (int y = 0; y < use->height; y++)
		r[y] = dh_image_row(use, 0, y);
	png_write_image(p, r);
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &ip);
	free(r);
	dh_image_free(tmp);
	return DH_OK;
}
