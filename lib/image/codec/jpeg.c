/* jpeg.c - JPEG through libjpeg-turbo's libjpeg API: gray, YCbCr/RGB (to
 * RGB), CMYK and YCCK (to RGB, Adobe's inverted convention).  libjpeg stops
 * by calling error_exit, which longjmps back here with the message.  A file
 * that ends early is an error, not a picture padded with gray. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "image/codec/codec.h"

typedef struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
	int truncated;
} jerr;

static void on_error_exit(j_common_ptr cinfo)
{
	jerr *j = (jerr *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, j->msg);
	longjmp(j->jb, 1);
}

static void on_emit(j_common_ptr cinfo, int level)
{
	jerr *j = (jerr *)cinfo->err;
	/* level -1 is a warning about corrupt data; the one that matters is
	 * the premature end of the file */
	if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF &&
	    !j->truncated) {
		j->truncated = 1;
		(*cinfo->err->format_message)(cinfo, j->msg);
	}
}

static void on_output(j_common_ptr cinfo)
{
	(void)cinfo; /* never print */
}

static void init_err(struct jpeg_decompress_struct *d, jerr *j)
{
	d->err = jpeg_std_error(&j->mgr);
	j->mgr.error_exit = on_error_exit;
	j->mgr.emit_message = on_emit;
	j->mgr.output_message = on_output;
	j->msg[0] = '\0';
	j->truncated = 0;
}

static int out_channels(const struct jpeg_decompress_struct *d)
{
	return d->jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
}

dh_status dh_jpeg_read_info(const unsigned char *buf, size_t n,
			    dh_image_info *info, dh_err *e)
{
	struct jpeg_decompress_struct d;
	jerr j;
	init_err(&d, &j);
	if (setjmp(j.jb)) {
		jpeg_destroy_decompress(&d);
		return dh_err_set(e, DH_EFORMAT, "bad JPEG: %s", j.msg);
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, buf, (unsigned long)n);
	jpeg_read_header(&d, TRUE);
	info->width = (int)d.image_width;
	info->height = (int)d.image_height;
	info->channels = out_channels(&d);
	info->dtype = DH_U8;
	info->bits = 8;
	info->color = info->channels == 1 ? DH_COLOR_GRAY : DH_COLOR_RGB;
	snprintf(info->detail, sizeof info->detail, "%s%s",
		 d.jpeg_color_space == JCS_CMYK   ? "cmyk"
		 : d.jpeg_color_space == JCS_YCCK ? "ycck"
						  : "",
		 d.progressive_mode ? " progressive" : "");
	jpeg_destroy_decompress(&d);
	return DH_OK;
}

dh_status dh_jpeg_read(const unsigned char *buf, size_t n,
		       const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	struct jpeg_decompress_struct d;
	jerr j;
	dh_image *volatile img = NULL;
	unsigned char *volatile cmyk = NULL;
	init_err(&d, &j);
	if (setjmp(j.jb)) {
		jpeg_destroy_decompress(&d);
		dh_image_free(img);
		free(cmyk);
		return dh_err_set(e, DH_EFORMAT, "bad JPEG: %s", j.msg);
	}
	jpeg_create_decompress(&d);
	/* bound libjpeg's own working memory (progressive coefficient
	 * buffers) */
	d.mem->max_memory_to_use = 1L << 30;
	jpeg_mem_src(&d, buf, (unsigned long)n);
	jpeg_read_header(&d, TRUE);
	int is_cmyk = d.jpeg_color_space == JCS_CMYK ||
		      d.jpeg_color_space == JCS_YCCK;
	int ch = out_channels(&d);
	if (is_cmyk)
		d.out_color_space = JCS_CMYK;
	else
		d.out_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
	dh_image *im = dh_image_new_limit(DH_U8, (int)d.image_width,
					  (int)d.image_height, 1, ch,
					  ch == 1 ? DH_COLOR_GRAY
						  : DH_COLOR_RGB,
					  dh_codec_max_pixels(o), e);
	if (!im) {
		jpeg_destroy_decompress(&d);
		return e ? e->status : DH_EFORMAT;
	}
	img = im;
	jpeg_start_decompress(&d);
	if ((int)d.output_width != im->width ||
	    (int)d.output_height != im->height ||
	    d.output_components != (is_cmyk ? 4 : ch)) {
		jpeg_destroy_decompress(&d);
		dh_image_free(im);
		return dh_err_set(e, DH_EFORMAT, "bad JPEG: unexpected "
				  "output geometry");
	}
	if (is_cmyk) {
		cmyk = malloc((size_t)im->width * 4);
		if (!cmyk) {
			jpeg_destroy_decompress(&d);
			dh_image_free(im);
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		}
	}
	while (d.output_scanline < d.output_height) {
		int y = (int)d.output_scanline;
		unsigned char *row = dh_image_row(im, 0, y);
		JSAMPROW rp = is_cmyk ? (JSAMPROW)cmyk : row;
		if (jpeg_read_scanlines(&d, &rp, 1) != 1)
			break;
		if (is_cmyk) {
			/* Adobe stores CMYK inverted: the samples already
			 * read as 255 - ink */
			const unsigned char *q = cmyk;
			for (int x = 0; x < im->width; x++, q += 4) {
				unsigned k = q[3];
				row[3 * x + 0] = (unsigned char)((q[0] * k + 127) / 255);
				row[3 * x + 1] = (unsigned char)((q[1] * k + 127) / 255);
				row[3 * x + 2] = (unsigned char)((q[2] * k + 127) / 255);
			}
		}
		if (j.truncated)
			break;
	}
	if (j.truncated) {
		jpeg_destroy_decompress(&d);
		dh_image_free(im);
		free(cmyk);
		return dh_err_set(e, DH_EFORMAT, "bad JPEG: %s", j.msg);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	free(cmyk);
	if (j.truncated) {
		dh_image_free(im);
		return dh_err_set(e, DH_EFORMAT, "bad JPEG: %s", j.msg);
	}
	*out = im;
	return DH_OK;
}

dh_status dh_jpeg_write(FILE *f, const char *suffix, const dh_image *img,
			const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	const dh_image *use;
	dh_image *tmp;
	dh_status s = dh_codec_prepare(img, 0, &use, &tmp, "JPEG", e);
	if (s)
		return s;
	if (use->channels != 1 && use->channels != 3) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "JPEG holds gray or RGB, not %d channels "
				  "(drop the alpha first)", use->channels);
	}
	struct jpeg_compress_struct c;
	jerr j;
	c.err = jpeg_std_error(&j.mgr);
	j.mgr.error_exit = on_error_exit;
	j.mgr.output_message = on_output;
	j.msg[0] = '\0';
	if (setjmp(j.jb)) {
		jpeg_destroy_compress(&c);
		dh_image_free(tmp);
		return dh_err_set(e, DH_EIO, "cannot write JPEG: %s", j.msg);
	}
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = (JDIMENSION)use->width;
	c.image_height = (JDIMENSION)use->height;
	c.input_components = use->channels;
	c.in_color_space = use->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, o && o->quality ? o->quality : 95, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW rp = dh_image_row(use, 0, (int)c.next_scanline);
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	dh_image_free(tmp);
	if (ferror(f))
		return dh_err_set(e, DH_EIO, "cannot write JPEG: write failed");
	return DH_OK;
}
