/* tiff.c - TIFF through libtiff: 1-bit bilevel, 8/16-bit unsigned, 16/32-bit
 * signed, 32/64-bit float samples; gray, RGB(A), 8-bit palette; strips or
 * tiles, contiguous or planar; JPEG-compressed YCbCr as RGB; other 8-bit
 * photometrics (CMYK, Lab, subsampled YCbCr) through libtiff's RGBA reader.
 * Pages that share size and sample format read as the slices of a volume;
 * otherwise (a pyramid, a thumbnail) the first page is read.  libtiff's
 * messages go through per-handle handlers into the dh_err, never to stderr.
 * Writes every image dtype, any channel count and volumes (one page per
 * slice), deflate-compressed when libtiff has deflate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "core/alloc.h"
#include "image/codec/codec.h"

typedef struct tiff_io {
	const unsigned char *buf;
	size_t n;
	uint64_t pos;
	FILE *f; /* unused: kept NULL */
	char msg[256];
	int nmsg;
} tiff_io;

static int on_msg(TIFF *tif, void *user, const char *module, const char *fmt,
		  va_list ap)
{
	(void)tif;
	tiff_io *io = user;
	if (!io->nmsg++) {
		char m[200];
		vsnprintf(m, sizeof m, fmt, ap);
		snprintf(io->msg, sizeof io->msg, "%s%s%s",
			 module ? module : "", module ? ": " : "", m);
	}
	return 1; /* handled: nothing printed */
}

static int on_warn(TIFF *tif, void *user, const char *module, const char *fmt,
		   va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1; /* warnings (unknown tags...) are dropped */
}

static tmsize_t m_read(thandle_t h, void *p, tmsize_t len)
{
	tiff_io *io = h;
	if (len < 0 || io->pos >= io->n)
		return 0;
	uint64_t left = io->n - io->pos;
	uint64_t k = (uint64_t)len < left ? (uint64_t)len : left;
	memcpy(p, io->buf + io->pos, (size_t)k);
	io->pos += k;
	return (tmsize_t)k;
}
static tmsize_t m_write(thandle_t h, void *p, tmsize_t len)
{
	(void)h;
	(void)p;
	(void)len;
	return -1;
}
static toff_t m_seek(thandle_t h, toff_t off, int whence)
{
	tiff_io *io = h;
	uint64_t base = whence == SEEK_SET ? 0
			: whence == SEEK_CUR ? io->pos
					     : (uint64_t)io->n;
	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	io->pos = base + off;
	return io->pos;
}
static int m_close(thandle_t h)
{
	(void)h;
	return 0;
}
static toff_t m_size(thandle_t h)
{
	return ((tiff_io *)h)->n;
}
static int m_map(thandle_t h, void **base, toff_t *size)
{
	tiff_io *io = h;
	*base = (void *)io->buf;
	*size = io->n;
	return 1;
}
static void m_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h;
	(void)base;
	(void)size;
}

static TIFF *open_mem(tiff_io *io, dh_err *e)
{
	TIFFOpenOptions *op = TIFFOpenOptionsAlloc();
	if (!op) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	TIFFOpenOptionsSetErrorHandlerExtR(op, on_msg, io);
	TIFFOpenOptionsSetWarningHandlerExtR(op, on_warn, io);
	TIFFOpenOptionsSetMaxSingleMemAlloc(op, (tmsize_t)1 << 30);
	TIFF *t = TIFFClientOpenExt("tiff", "rm", io, m_read, m_write, m_seek,
				    m_close, m_size, m_map, m_unmap, op);
	TIFFOpenOptionsFree(op);
	if (!t)
		dh_err_set(e, DH_EFORMAT, "bad TIFF: %s",
			   io->nmsg ? io->msg : "cannot open");
	return t;
}

typedef struct page {
	uint32_t w, h;
	uint16_t spp, bps, fmt, photo, planar, comp;
	int tiled;
	int rgba; /* read through TIFFReadRGBAImage */
	dh_dtype dtype;
	int widen; /* samples the image type cannot hold as they are: 1
		    * uint32 -> float64 (exact), 2 int8 -> int16 */
	int channels;
	dh_colortype color;
} page;

static dh_status describe(TIFF *t, tiff_io *io, page *p, dh_err *e)
{
	memset(p, 0, sizeof *p);
	uint16_t extra_n = 0, *extra = NULL;
	if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &p->w) ||
	    !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &p->h))
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: no image size%s%s",
				  io->nmsg ? ": " : "", io->msg);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &p->spp);
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &p->bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &p->fmt);
	TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &p->planar);
	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &p->comp);
	TIFFGetFieldDefaulted(t, TIFFTAG_EXTRASAMPLES, &extra_n, &extra);
	if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &p->photo))
		p->photo = p->spp >= 3 ? PHOTOMETRIC_RGB
				       : PHOTOMETRIC_MINISBLACK;
	p->tiled = TIFFIsTiled(t);
	if (p->w == 0 || p->h == 0 || p->w > DH_IMAGE_MAX_DIM ||
	    p->h > DH_IMAGE_MAX_DIM)
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: image size %ux%u",
				  p->w, p->h);
	if (p->spp == 0 || p->spp > DH_IMAGE_MAX_CHANNELS)
		return dh_err_set(e, DH_EUNSUPPORTED, "TIFF with %u samples "
				  "per pixel", p->spp);
	if (p->photo == PHOTOMETRIC_YCBCR && p->comp == COMPRESSION_JPEG &&
	    p->bps == 8) {
		TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
		p->photo = PHOTOMETRIC_RGB;
	}
	int plain = p->photo == PHOTOMETRIC_MINISBLACK ||
		    p->photo == PHOTOMETRIC_MINISWHITE ||
		    p->photo == PHOTOMETRIC_RGB;
	int ok = 0;
	if (plain && p->bps == 1 && p->spp == 1 &&
	    p->photo != PHOTOMETRIC_RGB) {
		p->dtype = DH_U8;
		ok = 1;
	} else if (plain && (p->photo != PHOTOMETRIC_RGB || p->spp >= 3)) {
		int u = p->fmt == SAMPLEFORMAT_UINT, s = p->fmt == SAMPLEFORMAT_INT,
		    fl = p->fmt == SAMPLEFORMAT_IEEEFP;
		ok = 1;
		if (u && p->bps == 8)
			p->dtype = DH_U8;
		else if (u && p->bps == 16)
			p->dtype = DH_U16;
		else if (s && p->bps == 16)
			p->dtype = DH_I16;
		else if (s && p->bps == 32)
			p->dtype = DH_I32;
		else if (u && p->bps == 32)
			p->dtype = DH_F64, p->widen = 1;
		else if (s && p->bps == 8)
			p->dtype = DH_I16, p->widen = 2;
		else if (fl && p->bps == 32)
			p->dtype = DH_F32;
		else if (fl && p->bps == 64)
			p->dtype = DH_F64;
		else
			ok = 0;
		if (!ok && p->bps != 8)
			return dh_err_set(e, DH_EUNSUPPORTED,
					  "TIFF with %u-bit %s samples is not "
					  "supported", p->bps,
					  u ? "unsigned" : s ? "signed"
						 : fl ? "float" : "other");
	} else if (p->photo == PHOTOMETRIC_PALETTE && p->bps == 8 &&
		   p->spp == 1) {
		p->dtype = DH_U8;
		ok = 1;
	}
	if (ok) {
		p->channels = p->photo == PHOTOMETRIC_PALETTE ? 3 : p->spp;
		if (p->channels == 1)
			p->color = DH_COLOR_GRAY;
		else if (p->channels == 3 && p->photo != PHOTOMETRIC_MINISBLACK)
			p->color = DH_COLOR_RGB;
		else if (p->channels == 4 && p->photo == PHOTOMETRIC_RGB &&
			 extra_n == 1)
			p->color = DH_COLOR_RGBA;
		else
			p->color = DH_COLOR_NONE;
		return DH_OK;
	}
	char why[1024] = "";
	if (p->bps <= 8 && TIFFRGBAImageOK(t, why)) {
		p->rgba = 1;
		p->dtype = DH_U8;
		p->channels = 4;
		p->color = DH_COLOR_RGBA;
		return DH_OK;
	}
	return dh_err_set(e, DH_EUNSUPPORTED,
			  "TIFF photometric %u with %u %u-bit samples is not "
			  "supported%s%s", p->photo, p->spp, p->bps,
			  why[0] ? ": " : "", why);
}

static int same_layout(const page *a, const page *b)
{
	return a->w == b->w && a->h == b->h && a->dtype == b->dtype &&
	       a->channels == b->channels && a->rgba == b->rgba &&
	       a->widen == b->widen;
}

dh_status dh_tiff_read_info(const unsigned char *buf, size_t n,
			    dh_image_info *info, dh_err *e)
{
	tiff_io io = {buf, n, 0, NULL, "", 0};
	TIFF *t = open_mem(&io, e);
	if (!t)
		return e ? e->status : DH_EFORMAT;
	page p;
	dh_status s = describe(t, &io, &p, e);
	if (!s) {
		info->width = (int)p.w;
		info->height = (int)p.h;
		info->channels = p.channels;
		info->dtype = p.dtype;
		info->color = p.color;
		info->bits = p.bps;
		info->pages = (int)TIFFNumberOfDirectories(t);
		int depth = 1;
		for (int d = 1; d < info->pages; d++) {
			page q;
			if (!TIFFSetDirectory(t, (tdir_t)d) ||
			    describe(t, &io, &q, NULL) || !same_layout(&p, &q))
				break;
			depth++;
		}
		info->depth = depth == info->pages ? depth : 1;
		snprintf(info->detail, sizeof info->detail, "%s%s%s",
			 p.tiled ? "tiled" : "strips",
			 p.planar == PLANARCONFIG_SEPARATE ? " planar" : "",
			 p.photo == PHOTOMETRIC_PALETTE ? " palette" : "");
	}
	TIFFClose(t);
	return s;
}

/* Put one decoded chunk (a strip or a tile, of `cw` x `ch` pixels at
 * (x0, y0); `plane` -1 for contiguous samples) into slice z. */
static void place(dh_image *img, const page *p, int z, const unsigned char *src,
		  uint32_t x0, uint32_t y0, uint32_t cw, uint32_t ch, int plane,
		  const uint16_t *cmap[3])
{
	size_t es = dh_dtype_size(p->dtype);
	size_t fes = p->widen == 1 ? 4 : p->widen == 2 ? 1 : es; /* in the file */
	uint32_t wx = x0 + cw > p->w ? p->w - x0 : cw;
	uint32_t hy = y0 + ch > p->h ? p->h - y0 : ch;
	int C = img->channels;
	size_t spp_in = plane >= 0 ? 1 : p->spp;
	size_t src_stride = p->bps == 1 ? (cw + 7) / 8 : (size_t)cw * spp_in * fes;
	for (uint32_t y = 0; y < hy; y++) {
		const unsigned char *s = src + (size_t)y * src_stride;
		unsigned char *d = (unsigned char *)dh_image_row(img, z, (int)(y0 + y)) +
				   (size_t)x0 * (size_t)C * es;
		if (p->bps == 1) {
			for (uint32_t x = 0; x < wx; x++) {
				int bit = (s[x >> 3] >> (7 - (x & 7))) & 1;
				int white = p->photo == PHOTOMETRIC_MINISWHITE ? !bit : bit;
				d[x] = white ? 255 : 0;
			}
		} else if (p->photo == PHOTOMETRIC_PALETTE) {
			for (uint32_t x = 0; x < wx; x++)
				for (int c = 0; c < 3; c++)
					d[3 * x + (uint32_t)c] =
						(unsigned char)(cmap[c][s[x]] >> 8);
		} else if (p->widen) {
			size_t per = plane < 0 ? (size_t)C : 1;
			for (size_t k = 0; k < (size_t)wx * per; k++) {
				double v;
				if (p->widen == 1) {
					uint32_t u;
					memcpy(&u, s + k * 4, 4);
					v = u;
				} else {
					v = (int8_t)s[k];
				}
				size_t at = plane < 0 ? k : k * (size_t)C + (size_t)plane;
				dh_dtype_put(p->dtype, d, at, v);
			}
		} else if (plane < 0) {
			memcpy(d, s, (size_t)wx * (size_t)C * es);
		} else {
			for (uint32_t x = 0; x < wx; x++)
				memcpy(d + ((size_t)x * (size_t)C + (size_t)plane) * es,
				       s + (size_t)x * es, es);
		}
	}
}

static dh_status read_page(TIFF *t, tiff_io *io, const page *p, dh_image *img,
			   int z, dh_err *e)
{
	if (p->rgba) {
		uint32_t *px = malloc((size_t)p->w * p->h * 4);
		if (!px)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		if (!TIFFReadRGBAImageOriented(t, p->w, p->h, px,
					       ORIENTATION_TOPLEFT, 0)) {
			free(px);
			return dh_err_set(e, DH_EFORMAT, "bad TIFF: %s",
					  io->nmsg ? io->msg : "cannot decode");
		}
		for (size_t i = 0; i < (size_t)p->w * p->h; i++) {
			uint32_t v = px[i];
			unsigned char *d = img->data + (size_t)z * (size_t)p->w * p->h * 4 + 4 * i;
			d[0] = (unsigned char)TIFFGetR(v);
			d[1] = (unsigned char)TIFFGetG(v);
			d[2] = (unsigned char)TIFFGetB(v);
			d[3] = (unsigned char)TIFFGetA(v);
		}
		free(px);
		return DH_OK;
	}
	const uint16_t *cmap[3] = {NULL, NULL, NULL};
	if (p->photo == PHOTOMETRIC_PALETTE &&
	    !TIFFGetField(t, TIFFTAG_COLORMAP, &cmap[0], &cmap[1], &cmap[2]))
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: palette image "
				  "without a colour map");
	int planes = p->planar == PLANARCONFIG_SEPARATE && p->spp > 1 ? p->spp : 1;
	uint32_t cw, ch;
	tmsize_t csize;
	uint32_t nchunks;
	if (p->tiled) {
		TIFFGetField(t, TIFFTAG_TILEWIDTH, &cw);
		TIFFGetField(t, TIFFTAG_TILELENGTH, &ch);
		csize = TIFFTileSize(t);
		nchunks = TIFFNumberOfTiles(t);
	} else {
		cw = p->w;
		TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &ch);
		if (ch > p->h)
			ch = p->h;
		csize = TIFFStripSize(t);
		nchunks = TIFFNumberOfStrips(t);
	}
	if (cw == 0 || ch == 0 || csize <= 0)
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: %s",
				  io->nmsg ? io->msg : "bad strip or tile size");
	/* the chunk must hold what place() reads from it */
	size_t es = p->widen == 1 ? 4 : p->widen == 2 ? 1 : dh_dtype_size(p->dtype);
	size_t spp_in = planes > 1 ? 1 : p->spp;
	size_t need = p->bps == 1 ? (cw + 7) / 8 : (size_t)cw * spp_in * es;
	if (need && (size_t)csize / need < ch)
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: chunk of %lld "
				  "bytes for %ux%u pixels", (long long)csize,
				  cw, ch);
	unsigned char *buf = malloc((size_t)csize);
	if (!buf)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	uint32_t across = (p->w + cw - 1) / cw, down = (p->h + ch - 1) / ch;
	uint64_t per_plane = (uint64_t)across * down;
	if (per_plane * (uint64_t)planes > nchunks) {
		free(buf);
		return dh_err_set(e, DH_EFORMAT, "bad TIFF: %u strips or tiles "
				  "for %ux%u pixels", nchunks, p->w, p->h);
	}
	dh_status s = DH_OK;
	for (int pl = 0; pl < planes && !s; pl++)
		for (uint32_t ty = 0; ty < down && !s; ty++)
			for (uint32_t tx = 0; tx < across && !s; tx++) {
				uint32_t k = (uint32_t)(pl * per_plane + ty * across + tx);
				tmsize_t r = p->tiled
						     ? TIFFReadEncodedTile(t, k, buf, csize)
						     : TIFFReadEncodedStrip(t, k, buf, csize);
				if (r < 0 || io->nmsg) {
					s = dh_err_set(e, DH_EFORMAT, "bad TIFF: %s",
						       io->nmsg ? io->msg
								: "cannot decode");
					break;
				}
				/* a short last strip is fine: only its rows are
				 * used, and the rest of the buffer is zeroed */
				if (r < csize)
					memset(buf + r, 0, (size_t)(csize - r));
				place(img, p, z, buf, tx * cw, ty * ch, cw, ch,
				      planes > 1 ? pl : -1, cmap);
			}
	free(buf);
	return s;
}

dh_status dh_tiff_read(const unsigned char *buf, size_t n,
		       const dh_image_read_opts *o, dh_image **out, dh_err *e)
{
	*out = NULL;
	tiff_io io = {buf, n, 0, NULL, "", 0};
	TIFF *t = open_mem(&io, e);
	if (!t)
		return e ? e->status : DH_EFORMAT;
	page p;
	dh_status s = describe(t, &io, &p, e);
	if (s) {
		TIFFClose(t);
		return s;
	}
	int pages = (int)TIFFNumberOfDirectories(t), depth = 1;
	for (int d = 1; d < pages && !(o && o->first_page); d++) {
		page q;
		if (!TIFFSetDirectory(t, (tdir_t)d) ||
		    describe(t, &io, &q, NULL) || !same_layout(&p, &q))
			break;
		depth++;
	}
	if (depth != pages)
		depth = 1;
	io.nmsg = 0;
	dh_image *img = dh_image_new_limit(p.dtype, (int)p.w, (int)p.h, depth,
					   p.channels, p.color,
					   dh_codec_max_pixels(o), e);
	if (!img) {
		TIFFClose(t);
		return e ? e->status : DH_ENOMEM;
	}
	for (int z = 0; z < depth && !s; z++) {
		if (!TIFFSetDirectory(t, (tdir_t)z)) {
			s = dh_err_set(e, DH_EFORMAT, "bad TIFF: cannot read "
				       "page %d", z + 1);
			break;
		}
		page q;
		s = describe(t, &io, &q, e);
		if (!s)
			s = read_page(t, &io, &q, img, z, e);
	}
	TIFFClose(t);
	if (s) {
		dh_image_free(img);
		return s;
	}
	*out = img;
	return DH_OK;
}

/* --- writing ---------------------------------------------------------------
 * libtiff reads back what it wrote (to link directories), and the output
 * file is write-only, so the TIFF is built in memory and then written out. */
typedef struct tiff_sink {
	unsigned char *p;
	uint64_t n, cap, pos;
	int oom;
} tiff_sink;

static tmsize_t s_read(thandle_t h, void *p, tmsize_t len)
{
	tiff_sink *s = (tiff_sink *)((tiff_io *)h)->buf;
	if (len < 0 || s->pos >= s->n)
		return 0;
	uint64_t k = (uint64_t)len < s->n - s->pos ? (uint64_t)len : s->n - s->pos;
	memcpy(p, s->p + s->pos, (size_t)k);
	s->pos += k;
	return (tmsize_t)k;
}
static tmsize_t s_write(thandle_t h, void *p, tmsize_t len)
{
	tiff_sink *s = (tiff_sink *)((tiff_io *)h)->buf;
	if (len < 0)
		return -1;
	uint64_t end = s->pos + (uint64_t)len;
	if (end > s->cap) {
		uint64_t nc = s->cap ? s->cap : 65536;
		while (nc < end)
			nc *= 2;
		if (nc > SIZE_MAX) {
			s->oom = 1;
			return -1;
		}
		unsigned char *np = realloc(s->p, (size_t)nc);
		if (!np) {
			s->oom = 1;
			return -1;
		}
		s->p = np;
		s->cap = nc;
	}
	if (s->pos > s->n) /* a seek past the end leaves a gap of zeros */
		memset(s->p + s->n, 0, (size_t)(s->pos - s->n));
	memcpy(s->p + s->pos, p, (size_t)len);
	s->pos = end;
	if (end > s->n)
		s->n = end;
	return len;
}
static toff_t s_seek(thandle_t h, toff_t off, int whence)
{
	tiff_sink *s = (tiff_sink *)((tiff_io *)h)->buf;
	uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->n;
	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	s->pos = base + off;
	return s->pos;
}
static toff_t s_size(thandle_t h)
{
	return ((tiff_sink *)((tiff_io *)h)->buf)->n;
}
static int s_map(thandle_t h, void **base, toff_t *size)
{
	(void)h;
	(void)base;
	(void)size;
	return 0;
}

dh_status dh_tiff_write(FILE *f, const char *suffix, const dh_image *img,
			const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
	tiff_sink sink = {NULL, 0, 0, 0, 0};
	tiff_io io = {(const unsigned char *)&sink, 0, 0, NULL, "", 0};
	dh_image *tmp = NULL;
	const dh_image *use = img;
	if (img->color == DH_COLOR_BGR) {
		const dh_image *u2;
		/* the BGR swap for any dtype */
		tmp = dh_image_clone(img, e);
		if (!tmp)
			return e ? e->status : DH_ENOMEM;
		size_t es = dh_image_elsize(tmp), np = tmp->nbytes / (3 * es);
		for (size_t i = 0; i < np; i++) {
			unsigned char *q = tmp->data + 3 * es * i, sw[8];
			memcpy(sw, q, es);
			memcpy(q, q + 2 * es, es);
			memcpy(q + 2 * es, sw, es);
		}
		tmp->color = DH_COLOR_RGB;
		u2 = tmp;
		use = u2;
	}
	TIFFOpenOptions *op = TIFFOpenOptionsAlloc();
	if (!op) {
		dh_image_free(tmp);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	TIFFOpenOptionsSetErrorHandlerExtR(op, on_msg, &io);
	TIFFOpenOptionsSetWarningHandlerExtR(op, on_warn, &io);
	int big = use->nbytes > ((size_t)3 << 30);
	TIFF *t = TIFFClientOpenExt("tiff", big ? "w8" : "w", &io, s_read,
				    s_write, s_seek, m_close, s_size, s_map,
				    m_unmap, op);
	TIFFOpenOptionsFree(op);
	if (!t) {
		dh_image_free(tmp);
		free(sink.p);
		return dh_err_set(e, DH_EIO, "cannot write TIFF: %s", io.msg);
	}
	uint16_t fmt = dh_dtype_is_float(use->dtype) ? SAMPLEFORMAT_IEEEFP
		       : (use->dtype == DH_I16 || use->dtype == DH_I32)
			       ? SAMPLEFORMAT_INT
			       : SAMPLEFORMAT_UINT;
	int C = use->channels;
	int rgb = (use->color == DH_COLOR_RGB || use->color == DH_COLOR_RGBA) &&
		  C >= 3;
	uint16_t nextra = (uint16_t)(rgb ? C - 3 : C - 1);
	uint16_t *extra = calloc(nextra ? nextra : 1, sizeof *extra);
	if (!extra) {
		TIFFClose(t);
		free(sink.p);
		dh_image_free(tmp);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	if (use->color == DH_COLOR_RGBA || (C == 2 && !rgb))
		extra[0] = EXTRASAMPLE_UNASSALPHA;
	uint16_t comp = TIFFIsCODECConfigured(COMPRESSION_ADOBE_DEFLATE)
				? COMPRESSION_ADOBE_DEFLATE
				: COMPRESSION_NONE;
	dh_status s = DH_OK;
	for (int z = 0; z < use->depth && !s; z++) {
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)use->width);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)use->height);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)C);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE,
			     (uint16_t)(8 * dh_image_elsize(use)));
		TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, fmt);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC,
			     rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_COMPRESSION, comp);
		if (nextra)
			TIFFSetField(t, TIFFTAG_EXTRASAMPLES, nextra, extra);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP,
			     TIFFDefaultStripSize(t, 0));
		if (use->depth > 1) {
			TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
			TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)z,
				     (uint16_t)(use->depth > 65535 ? 65535 : use->depth));
		}
		for (int y = 0; y < use->height; y++)
			if (TIFFWriteScanline(t, dh_image_row(use, z, y),
					      (uint32_t)y, 0) < 0) {
				s = dh_err_set(e, DH_EIO, "cannot write TIFF: "
					       "%s", io.msg);
				break;
			}
		if (!s && !TIFFWriteDirectory(t))
			s = dh_err_set(e, DH_EIO, "cannot write TIFF: %s",
				       io.msg);
	}
	TIFFClose(t);
	free(extra);
	dh_image_free(tmp);
	if (!s && (sink.oom || io.nmsg))
		s = dh_err_set(e, sink.oom ? DH_ENOMEM : DH_EIO,
			       "cannot write TIFF: %s",
			       sink.oom ? "out of memory" : io.msg);
	if (!s)
		s = dh_codec_fwrite(f, sink.p, (size_t)sink.n, e);
	free(sink.p);
	return s;
}
