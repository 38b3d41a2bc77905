/* bmp.c - Windows bitmaps, written from Microsoft's BITMAPINFOHEADER /
 * BITMAPV4HEADER / BITMAPV5HEADER documentation: 1/4/8-bit palette, 16-bit
 * (555 or bit fields), 24-bit, 32-bit (BI_RGB or bit fields, with alpha when
 * an alpha mask is given); bottom-up and top-down (negative height).  RLE
 * compression is refused.  Palette images whose colours are all gray read as
 * gray; others as RGB.  Writes 8-bit gray (with a gray palette), 24-bit RGB
 * and 32-bit RGBA (V4 header with masks), bottom-up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/codec/codec.h"

static uint32_t u16le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

typedef struct bmp_hdr {
	uint32_t offset, hsize, comp;
	int w, h, top_down, bpp;
	uint32_t mask[4]; /* R, G, B, A */
	int npal;
	unsigned char pal[256][3]; /* R, G, B */
	int gray_pal;
	int channels;
} bmp_hdr;

static dh_status parse(const unsigned char *b, size_t n, bmp_hdr *h,
		       dh_err *e)
{
	memset(h, 0, sizeof *h);
	if (n < 26 || b[0] != 'B' || b[1] != 'M')
		return dh_err_set(e, DH_EFORMAT, "truncated BMP header");
	h->offset = u32le(b + 10);
	h->hsize = u32le(b + 14);
	int32_t w, hh;
	size_t palent = 4;
	if (h->hsize == 12) {
		w = (int32_t)u16le(b + 18);
		hh = (int32_t)u16le(b + 20);
		h->bpp = (int)u16le(b + 24);
		palent = 3;
	} else if (h->hsize >= 40 && h->hsize <= 256) {
		if (n < 14 + (size_t)h->hsize)
			return dh_err_set(e, DH_EFORMAT,
					  "truncated BMP header");
		w = (int32_t)u32le(b + 18);
		hh = (int32_t)u32le(b + 22);
		h->bpp = (int)u16le(b + 28);
		h->comp = u32le(b + 30);
		h->npal = (int)(u32le(b + 46) > 256 ? 257 : u32le(b + 46));
	} else {
		return dh_err_set(e, DH_EFORMAT, "bad BMP: header size %u",
				  h->hsize);
	}
	if (hh == INT32_MIN || w <= 0 || hh == 0)
		return dh_err_set(e, DH_EFORMAT, "bad BMP: image size %dx%d",
				  (int)w, (int)hh);
	h->w = w;
	h->top_down = hh < 0;
	h->h = hh < 0 ? -hh : hh;
	size_t pal_at = 14 + h->hsize;
	if (h->comp == 1 || h->comp == 2)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "RLE-compressed BMP is not supported");
	if (h->comp == 3 || h->comp == 6) {
		size_t m = 14 + 40;
		int nm = h->comp == 6 ? 4 : 3;
		if (h->hsize == 40)
			pal_at += 4 * (size_t)nm; /* masks after the header */
		else if (h->hsize < 52)
			return dh_err_set(e, DH_EFORMAT, "bad BMP: no masks");
		if (h->hsize >= 56)
			nm = 4;
		if (n < m + 4 * (size_t)nm)
			return dh_err_set(e, DH_EFORMAT, "truncated BMP header");
		for (int i = 0; i < nm; i++)
			h->mask[i] = u32le(b + m + 4 * (size_t)i);
		if (h->bpp != 16 && h->bpp != 32)
			return dh_err_set(e, DH_EFORMAT, "bad BMP: bit fields "
					  "with %d bits per pixel", h->bpp);
	} else if (h->comp != 0) {
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "BMP compression %u is not supported",
				  h->comp);
	} else if (h->bpp == 16) {
		h->mask[0] = 0x7c00;
		h->mask[1] = 0x03e0;
		h->mask[2] = 0x001f;
	} else if (h->bpp == 32) {
		h->mask[0] = 0xff0000;
		h->mask[1] = 0xff00;
		h->mask[2] = 0xff;
	}
	switch (h->bpp) {
	case 1:
	case 4:
	case 8: {
		int maxp = 1 << h->bpp;
		if (h->npal == 0 || h->npal > maxp)
			h->npal = maxp;
		if (pal_at > n || (n - pal_at) / palent < (size_t)h->npal)
			return dh_err_set(e, DH_EFORMAT,
					  "truncated BMP palette");
		h->gray_pal = 1;
		for (int i = 0; i < h->npal; i++) {
			const unsigned char *q = b + pal_at + palent * (size_t)i;
			h->pal[i][0] = q[2];
			h->pal[i][1] = q[1];
			h->pal[i][2] = q[0];
			if (q[0] != q[1] || q[1] != q[2])
				h->gray_pal = 0;
		}
		h->channels = h->gray_pal ? 1 : 3;
		break;
	}
	case 16:
	case 24:
	case 32:
		h->channels = h->mask[3] && h->bpp != 24 ? 4 : 3;
		break;
	default:
		return dh_err_set(e, DH_EFORMAT, "bad BMP: %d bits per pixel",
				  h->bpp);
	}
	return DH_OK;
}

dh_status dh_bmp_read_info(const unsigned char *buf, size_t n,
			   dh_image_info *info, dh_err *e)
{
	bmp_hdr h;
	dh_status s = parse(buf, n, &h, e);
	if (s)
		return s;
	info->width = h.w;
	info->height = h.h;
	info->channels = h.channels;
	info->dtype = DH_U8;
	info->bits = h.bpp;
	info->color = h.channels == 1   ? DH_COLOR_GRAY
		      : h.channels == 3 ? DH_COLOR_RGB
					: DH_COLOR_RGBA;
	snprintf(info->detail, sizeof info->detail, "%d-bit%s%s", h.bpp,
		 h.bpp <= 8 ? " palette" : "", h.top_down ? " top-down" : "");
	return DH_OK;
}

/* Bits of v under mask, scaled to 0..255. */
static unsigned char field(uint32_t v, uint32_t mask)
{
	if (!mask)
		return 0;
	int sh = __builtin_ctz(mask);
	uint32_t m = mask >> sh;
	uint32_t x = (v & mask) >> sh;
	if (m == 255)
		return (unsigned char)x;
	return (unsigned char)(((uint64_t)x * 255 + m / 2) / m);
}

dh_status dh_bmp_read(const unsigned char *b, size_t n,
		      const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	bmp_hdr h;
	dh_status s = parse(b, n, &h, e);
	if (s)
		return s;
	size_t stride = (((size_t)h.w * (size_t)h.bpp + 31) / 32) * 4;
	if (h.offset > n || (n - h.offset) / stride < (size_t)h.h)
		return dh_err_set(e, DH_EFORMAT, "truncated BMP: %zu bytes of "
				  "pixels, %zu expected",
				  h.offset > n ? 0 : n - h.offset,
				  stride * (size_t)h.h);
	dh_image *img = dh_image_new_limit(
		DH_U8, h.w, h.h, 1, h.channels,
		h.channels == 1   ? DH_COLOR_GRAY
		: h.channels == 3 ? DH_COLOR_RGB
				  : DH_COLOR_RGBA,
		dh_codec_max_pixels(o), e);
	if (!img)
		return e ? e->status : DH_ENOMEM;
	int bad_index = 0;
	for (int y = 0; y < h.h; y++) {
		const unsigned char *src =
			b + h.offset +
			stride * (size_t)(h.top_down ? y : h.h - 1 - y);
		unsigned char *d = dh_image_row(img, 0, y);
		for (int x = 0; x < h.w; x++) {
			if (h.bpp <= 8) {
				unsigned idx;
				if (h.bpp == 8)
					idx = src[x];
				else if (h.bpp == 4)
					idx = (src[x >> 1] >> (x & 1 ? 0 : 4)) & 15;
				else
					idx = (src[x >> 3] >> (7 - (x & 7))) & 1;
				if ((int)idx >= h.npal) {
					bad_index = 1;
					idx = 0;
				}
				if (h.channels == 1) {
					d[x] = h.pal[idx][0];
				} else {
					memcpy(d + 3 * (size_t)x, h.pal[idx], 3);
				}
			} else if (h.bpp == 24) {
				const unsigned char *q = src + 3 * (size_t)x;
				d[3 * x] = q[2];
				d[3 * x + 1] = q[1];
				d[3 * x + 2] = q[0];
			} else {
				uint32_t v = h.bpp == 16
						     ? u16le(src + 2 * (size_t)x)
						     : u32le(src + 4 * (size_t)x);
				unsigned char *q = d + (size_t)h.channels * (size_t)x;
				for (int c = 0; c < h.channels; c++)
					q[c] = field(v, h.mask[c]);
			}
		}
	}
	if (bad_index) {
		dh_image_free(img);
		return dh_err_set(e, DH_EFORMAT, "bad BMP: palette index past "
				  "the %d colours", h.npal);
	}
	*out = img;
	return DH_OK;
}

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

dh_status dh_bmp_write(FILE *f, const char *suffix, const dh_image *img,
		       const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
	const dh_image *use;
	dh_image *tmp;
	dh_status s = dh_codec_prepare(img, 0, &use, &tmp, "BMP", e);
	if (s)
		return s;
	int C = use->channels;
	if (C == 2) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "BMP cannot hold gray+alpha");
	}
	int bpp = C * 8;
	size_t stride = (((size_t)use->width * (size_t)bpp + 31) / 32) * 4;
	uint32_t hsize = C == 4 ? 108 : 40;
	uint32_t palbytes = C == 1 ? 256 * 4 : 0;
	uint32_t off = 14 + hsize + palbytes;
	uint64_t total = (uint64_t)off + (uint64_t)stride * (uint64_t)use->height;
	if (total > UINT32_MAX) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "image too large for BMP (4 GiB)");
	}
	unsigned char hdr[14 + 108 + 1024];
	memset(hdr, 0, sizeof hdr);
	hdr[0] = 'B';
	hdr[1] = 'M';
	put32(hdr + 2, (uint32_t)total);
	put32(hdr + 10, off);
	put32(hdr + 14, hsize);
	put32(hdr + 18, (uint32_t)use->width);
	put32(hdr + 22, (uint32_t)use->height);
	put16(hdr + 26, 1);
	put16(hdr + 28, (uint32_t)bpp);
	put32(hdr + 30, C == 4 ? 3 : 0);
	put32(hdr + 34, (uint32_t)(stride * (size_t)use->height));
	put32(hdr + 38, 2835); /* 72 dpi */
	put32(hdr + 42, 2835);
	if (C == 1)
		put32(hdr + 46, 256);
	if (C == 4) {
		put32(hdr + 54, 0x00ff0000);
		put32(hdr + 58, 0x0000ff00);
		put32(hdr + 62, 0x000000ff);
		put32(hdr + 66, 0xff000000);
		memcpy(hdr + 70, "BGRs", 4); /* LCS_sRGB, little-endian */
	}
	if (C == 1)
		for (int i = 0; i < 256; i++) {
			unsigned char *q = hdr + 14 + hsize + 4 * (size_t)i;
			q[0] = q[1] = q[2] = (unsigned char)i;
		}
	s = dh_codec_fwrite(f, hdr, off, e);
	unsigned char *line = calloc(stride, 1);
	if (!s && !line)
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
	for (int y = use->height - 1; y >= 0 && !s; y--) {
		const unsigned char *row = dh_image_row(use, 0, y);
		for (int x = 0; x < use->width; x++) {
			const unsigned char *q = row + (size_t)C * (size_t)x;
			unsigned char *d = line + (size_t)C * (size_t)x;
			if (C == 1) {
				d[0] = q[0];
			} else {
				d[0] = q[2];
				d[1] = q[1];
				d[2] = q[0];
				if (C == 4)
					d[3] = q[3];
			}
		}
		s = dh_codec_fwrite(f, line, stride, e);
	}
	free(line);
	dh_image_free(tmp);
	return s;
}
