/* pnm.c - Netpbm PBM/PGM/PPM (P1-P6), written from the Netpbm format pages.
 * Bilevel reads as 8-bit gray (1 = black = 0, 0 = white = 255); maxval up to
 * 255 gives uint8, up to 65535 gives uint16 (big-endian in the file); sample
 * values are kept as stored, not rescaled to the full range.  Writes P5/P6
 * (.pgm/.ppm/.pnm) and P4 (.pbm: samples below 128 are black). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image/codec/codec.h"

typedef struct pnm_hdr {
	int kind; /* 1..6 */
	int w, h, channels;
	unsigned maxval;
	size_t data; /* offset of the raster */
} pnm_hdr;

/* Skip whitespace and #-comments. */
static size_t skip_ws(const unsigned char *b, size_t n, size_t i)
{
	while (i < n) {
		if (b[i] == '#') {
			while (i < n && b[i] != '\n' && b[i] != '\r')
				i++;
		} else if (isspace(b[i])) {
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* A decimal number; fails on overflow past `max` or no digits. */
static dh_status read_uint(const unsigned char *b, size_t n, size_t *i,
			   unsigned long max, unsigned long *out,
			   const char *what, dh_err *e)
{
	*i = skip_ws(b, n, *i);
	if (*i >= n)
		return dh_err_set(e, DH_EFORMAT, "truncated PNM: no %s", what);
	if (!isdigit(b[*i]))
		return dh_err_set(e, DH_EFORMAT, "bad PNM: byte %zu: %s "
				  "expected", *i, what);
	unsigned long v = 0;
	while (*i < n && isdigit(b[*i])) {
		v = v * 10 + (unsigned long)(b[*i] - '0');
		if (v > max)
			return dh_err_set(e, DH_EFORMAT, "bad PNM: %s too "
					  "large", what);
		(*i)++;
	}
	*out = v;
	return DH_OK;
}

static dh_status parse_header(const unsigned char *b, size_t n, pnm_hdr *h,
			      dh_err *e)
{
	if (n < 3 || b[0] != 'P' || b[1] < '1' || b[1] > '6')
		return dh_err_set(e, DH_EFORMAT, "not a PNM file");
	h->kind = b[1] - '0';
	size_t i = 2;
	unsigned long w, hh, mv = 1;
	dh_status s = read_uint(b, n, &i, DH_IMAGE_MAX_DIM, &w, "width", e);
	if (!s)
		s = read_uint(b, n, &i, DH_IMAGE_MAX_DIM, &hh, "height", e);
	if (s)
		return s;
	if (h->kind != 1 && h->kind != 4) {
		s = read_uint(b, n, &i, 65535, &mv, "maxval", e);
		if (s)
			return s;
		if (mv == 0)
			return dh_err_set(e, DH_EFORMAT, "bad PNM: maxval 0");
	}
	if (w == 0 || hh == 0)
		return dh_err_set(e, DH_EFORMAT, "bad PNM: zero image size "
				  "%lux%lu", w, hh);
	/* exactly one whitespace byte before a binary raster */
	if (i >= n || !isspace(b[i]))
		return dh_err_set(e, DH_EFORMAT, "truncated PNM header");
	h->data = i + 1;
	h->w = (int)w;
	h->h = (int)hh;
	h->maxval = (unsigned)mv;
	h->channels = (h->kind == 3 || h->kind == 6) ? 3 : 1;
	return DH_OK;
}

dh_status dh_pnm_read_info(const unsigned char *buf, size_t n,
			   dh_image_info *info, dh_err *e)
{
	pnm_hdr h;
	dh_status s = parse_header(buf, n, &h, e);
	if (s)
		return s;
	info->width = h.w;
	info->height = h.h;
	info->channels = h.channels;
	info->dtype = h.maxval > 255 ? DH_U16 : DH_U8;
	info->bits = h.kind == 1 || h.kind == 4 ? 1 : h.maxval > 255 ? 16 : 8;
	info->color = h.channels == 3 ? DH_COLOR_RGB : DH_COLOR_GRAY;
	snprintf(info->detail, sizeof info->detail, "P%d maxval %u", h.kind,
		 h.maxval);
	return DH_OK;
}

dh_status dh_pnm_read(const unsigned char *b, size_t n,
		      const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	pnm_hdr h;
	dh_status s = parse_header(b, n, &h, e);
	if (s)
		return s;
	int wide = h.maxval > 255;
	/* check the raster is there before allocating for it */
	size_t samples = (size_t)h.w * (size_t)h.h; /* < 2^60 */
	if (h.kind >= 4) {
		size_t need;
		if (h.kind == 4)
			need = (size_t)((h.w + 7) / 8) * (size_t)h.h;
		else
			need = samples * (size_t)h.channels * (wide ? 2u : 1u);
		if (n - h.data < need)
			return dh_err_set(e, DH_EFORMAT, "truncated PNM: "
					  "%zu bytes of pixels, %zu expected",
					  n - h.data, need);
	} else if (n - h.data < samples * (size_t)h.channels) {
		/* ASCII: at least one byte per sample */
		return dh_err_set(e, DH_EFORMAT, "truncated PNM: too few "
				  "samples");
	}
	dh_image *img = dh_image_new_limit(
		wide ? DH_U16 : DH_U8, h.w, h.h, 1, h.channels,
		h.channels == 3 ? DH_COLOR_RGB : DH_COLOR_GRAY,
		dh_codec_max_pixels(o), e);
	if (!img)
		return e ? e->status : DH_ENOMEM;
	size_t total = samples * (size_t)h.channels;
	const unsigned char *p = b + h.data;
	if (h.kind == 4) {
		size_t stride = (size_t)(h.w + 7) / 8;
		for (int y = 0; y < h.h; y++) {
			uint8_t *row = dh_image_row(img, 0, y);
			const unsigned char *q = p + (size_t)y * stride;
			for (int x = 0; x < h.w; x++)
				row[x] = (q[x >> 3] >> (7 - (x & 7))) & 1 ? 0
									  : 255;
		}
	} else if (h.kind >= 5) {
		if (wide) {
			uint16_t *d = (uint16_t *)img->data;
			for (size_t k = 0; k < total; k++)
				d[k] = (uint16_t)(p[2 * k] << 8 | p[2 * k + 1]);
		} else {
			memcpy(img->data, p, total);
		}
	} else {
		size_t i = h.data;
		for (size_t k = 0; k < total; k++) {
			unsigned long v;
			if (h.kind == 1) {
				/* P1 digits need no separators */
				i = skip_ws(b, n, i);
				if (i >= n || (b[i] != '0' && b[i] != '1')) {
					dh_image_free(img);
					return dh_err_set(
						e, DH_EFORMAT,
						"%s PNM: sample %zu of %zu",
						i >= n ? "truncated" : "bad", k,
						total);
				}
				img->data[k] = b[i++] == '1' ? 0 : 255;
				continue;
			}
			dh_status st = read_uint(b, n, &i, h.maxval, &v,
						 "sample", e);
			if (st) {
				dh_image_free(img);
				dh_err_prefix(e, "sample %zu of %zu", k, total);
				return st;
			}
			if (wide)
				((uint16_t *)img->data)[k] = (uint16_t)v;
			else
				img->data[k] = (uint8_t)v;
		}
	}
	*out = img;
	return DH_OK;
}

dh_status dh_pnm_write(FILE *f, const char *suffix, const dh_image *img,
		       const dh_image_write_opts *o, dh_err *e)
{
	(void)o;
	const dh_image *use;
	dh_image *tmp;
	int pbm = !strcasecmp(suffix, ".pbm");
	dh_status s = dh_codec_prepare(img, !pbm, &use, &tmp, "PNM", e);
	if (s)
		return s;
	int C = use->channels;
	if (C != 1 && C != 3) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED, "PNM holds gray or RGB, "
				  "not %d channels", C);
	}
	if ((pbm || !strcasecmp(suffix, ".pgm")) && C != 1) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED, "%s holds one channel, "
				  "not %d (use .ppm)", suffix, C);
	}
	if (!strcasecmp(suffix, ".ppm") && C != 3) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED, ".ppm holds RGB, not %d "
				  "channel(s) (use .pgm)", C);
	}
	int wide = use->dtype == DH_U16;
	if (pbm)
		fprintf(f, "P4\n%d %d\n", use->width, use->height);
	else
		fprintf(f, "P%d\n%d %d\n%d\n", C == 3 ? 6 : 5, use->width,
			use->height, wide ? 65535 : 255);
	size_t rb = pbm ? (size_t)(use->width + 7) / 8
			: use->row_bytes;
	unsigned char *line = malloc(rb ? rb : 1);
	if (!line) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	for (int y = 0; y < use->height && !s; y++) {
		const unsigned char *row = dh_image_row(use, 0, y);
		if (pbm) {
			memset(line, 0, rb);
			for (int x = 0; x < use->width; x++)
				if (row[x] < 128)
					line[x >> 3] |= (unsigned char)(0x80 >> (x & 7));
		} else if (wide) {
			const uint16_t *r16 = (const uint16_t *)row;
			size_t k = (size_t)use->width * (size_t)C;
			for (size_t i = 0; i < k; i++) {
				line[2 * i] = (unsigned char)(r16[i] >> 8);
				line[2 * i + 1] = (unsigned char)r16[i];
			}
		} else {
			memcpy(line, row, rb);
		}
		s = dh_codec_fwrite(f, line, rb, e);
	}
	free(line);
	dh_image_free(tmp);
	return s;
}
