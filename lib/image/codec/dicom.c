/* dicom.c - DICOM images through GDCM (dicom_shim.h): every transfer syntax
 * GDCM decodes (raw little/big endian, RLE, JPEG baseline/lossless/12-bit,
 * JPEG-LS, JPEG 2000), YCbCr colour converted to RGB, multi-frame files as
 * volumes.  A rescale slope or intercept is applied (float32; float64 from
 * 32-bit data); spacing, origin and direction come from the image plane
 * module.  Read only, from files (GDCM does not decode from memory here).
 *
 * Debian's GDCM is built with assertions, and some damaged files (a
 * truncated sequence item) make it abort the process.  So GDCM runs in a
 * child process: the pixels come back through a pipe, and a child that dies
 * is one clear error instead of a crash. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/codec/codec.h"
#include "image/codec/dicom_shim.h"
#include "image/sat.h"

static const dh_dtype from_dtype[] = {
	[DH_DCM_U8] = DH_U8,   [DH_DCM_I8] = DH_I8,   [DH_DCM_U16] = DH_U16,
	[DH_DCM_I16] = DH_I16, [DH_DCM_U32] = DH_F64, [DH_DCM_I32] = DH_I32,
	[DH_DCM_F32] = DH_F32, [DH_DCM_F64] = DH_F64,
};

typedef struct reply {
	int rc;
	dh_dicom_info info;
	size_t nbytes;
	char err[256];
} reply;

static int read_all(int fd, void *p, size_t n)
{
	unsigned char *q = p;
	while (n) {
		ssize_t r = read(fd, q, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *q = p;
	while (n) {
		ssize_t r = write(fd, q, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/* dh_dicom_read in a child process (see the top of this file). */
static int read_isolated(const char *path, int pixels, uint64_t max_pixels,
			 dh_dicom_info *info, void **buf, size_t *nbytes,
			 char *err, size_t errlen)
{
	*buf = NULL;
	*nbytes = 0;
	int fds[2];
	if (pipe(fds) != 0) {
		snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		reply r;
		memset(&r, 0, sizeof r);
		void *px = NULL;
		r.rc = dh_dicom_read(path, pixels, max_pixels, &r.info, &px,
				     &r.nbytes, r.err, sizeof r.err);
		int bad = write_all(fds[1], &r, sizeof r) ||
			  (r.rc == 0 && r.nbytes && write_all(fds[1], px, r.nbytes));
		_exit(bad ? 3 : 0);
	}
	close(fds[1]);
	reply r;
	int got = read_all(fds[0], &r, sizeof r);
	void *px = NULL;
	if (!got && r.rc == 0 && r.nbytes) {
		px = malloc(r.nbytes);
		if (!px || read_all(fds[0], px, r.nbytes)) {
			free(px);
			px = NULL;
			got = -1;
		}
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) || got) {
		free(px);
		if (WIFSIGNALED(status))
			snprintf(err, errlen, "GDCM aborted on this file (signal "
				 "%d): damaged or truncated?", WTERMSIG(status));
		else
			snprintf(err, errlen, "GDCM's reader process failed");
		return -1;
	}
	*info = r.info;
	if (r.rc) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	*buf = px;
	*nbytes = r.nbytes;
	return 0;
}

static int scaled(const dh_dicom_info *d)
{
	return d->slope != 1.0 || d->intercept != 0.0;
}

static dh_dtype out_dtype(const dh_dicom_info *d)
{
	if (scaled(d))
		return d->scalar == DH_DCM_U32 || d->scalar == DH_DCM_I32 ||
			       d->scalar == DH_DCM_F64
		       ? DH_F64
		       : DH_F32;
	if (d->scalar == DH_DCM_I8)
		return DH_I16;
	return from_dtype[d->scalar];
}

static void fill_info(const dh_dicom_info *d, dh_image_info *info)
{
	info->width = (int)d->width;
	info->height = (int)d->height;
	info->depth = (int)d->frames;
	info->channels = d->samples;
	info->dtype = out_dtype(d);
	info->color = d->samples == 3 ? DH_COLOR_RGB : DH_COLOR_GRAY;
	info->bits = d->bits_stored;
	memcpy(info->spacing, d->spacing, sizeof info->spacing);
	snprintf(info->detail, sizeof info->detail, "%s %s%s",
		 d->modality[0] ? d->modality : "-", d->photometric,
		 scaled(d) ? " rescaled" : "");
	info->dicom.present = 1;
	info->dicom.slope = d->slope;
	info->dicom.intercept = d->intercept;
	info->dicom.window_centre = d->window_centre;
	info->dicom.window_width = d->window_width;
	snprintf(info->dicom.modality, sizeof info->dicom.modality, "%s",
		 d->modality);
	snprintf(info->dicom.photometric, sizeof info->dicom.photometric, "%s",
		 d->photometric);
	snprintf(info->dicom.transfer_syntax,
		 sizeof info->dicom.transfer_syntax, "%s", d->transfer_syntax);
	snprintf(info->dicom.sop_class, sizeof info->dicom.sop_class, "%s",
		 d->sop_class);
}

/* --- the transfer syntax, before GDCM sees the file ------------------------- */

/* The Transfer Syntax UID of a Part 10 file's meta header ("" when the
 * file has none: GDCM then guesses, as for old implicit files). */
static void meta_transfer_syntax(const char *path, char *uid, size_t n)
{
	uid[0] = '\0';
	unsigned char b[4096];
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t len = fread(b, 1, sizeof b, f);
	fclose(f);
	if (len < 132 || memcmp(b + 128, "DICM", 4))
		return;
	size_t at = 132;
	while (at + 8 <= len) {
		unsigned g = b[at] | b[at + 1] << 8, el = b[at + 2] | b[at + 3] << 8;
		if (g != 2)
			return;
		char vr[3] = {(char)b[at + 4], (char)b[at + 5], 0};
		size_t vl, hdr;
		if (!strcmp(vr, "OB") || !strcmp(vr, "OW") || !strcmp(vr, "SQ") ||
		    !strcmp(vr, "UN") || !strcmp(vr, "UT") || !strcmp(vr, "OF")) {
			if (at + 12 > len)
				return;
			vl = (size_t)b[at + 8] | (size_t)b[at + 9] << 8 |
			     (size_t)b[at + 10] << 16 | (size_t)b[at + 11] << 24;
			hdr = 12;
		} else {
			vl = (size_t)b[at + 6] | (size_t)b[at + 7] << 8;
			hdr = 8;
		}
		if (vl > len || at + hdr + vl > len)
			return;
		if (el == 0x0010) {
			size_t k = vl < n - 1 ? vl : n - 1;
			memcpy(uid, b + at + hdr, k);
			while (k && (uid[k - 1] == '\0' || uid[k - 1] == ' '))
				k--;
			uid[k] = '\0';
			return;
		}
		at += hdr + vl;
	}
}

/* Transfer syntaxes dh reads through GDCM; NULL name: supported. */
static const struct {
	const char *uid, *name;
} syntaxes[] = {
	{"1.2.840.10008.1.2", NULL},      /* implicit VR little endian */
	{"1.2.840.10008.1.2.1", NULL},    /* explicit VR little endian */
	{"1.2.840.10008.1.2.1.99", NULL}, /* deflated */
	{"1.2.840.10008.1.2.2", NULL},    /* explicit VR big endian */
	{"1.2.840.10008.1.2.5", NULL},    /* RLE */
	{"1.2.840.10008.1.2.4.50", NULL}, /* JPEG baseline */
	{"1.2.840.10008.1.2.4.51", NULL}, /* JPEG extended (12 bits) */
	{"1.2.840.10008.1.2.4.57", NULL}, /* JPEG lossless */
	{"1.2.840.10008.1.2.4.70", NULL}, /* JPEG lossless SV1 */
	{"1.2.840.10008.1.2.4.80", NULL}, /* JPEG-LS lossless */
	{"1.2.840.10008.1.2.4.81", NULL}, /* JPEG-LS near-lossless */
	{"1.2.840.10008.1.2.4.90", NULL}, /* JPEG 2000 lossless */
	{"1.2.840.10008.1.2.4.91", NULL}, /* JPEG 2000 */
	{"1.2.840.10008.1.2.4.92", NULL}, /* JPEG 2000 part 2 lossless */
	{"1.2.840.10008.1.2.4.93", NULL}, /* JPEG 2000 part 2 */
	{"1.2.840.10008.1.2.4.94", "JPIP referenced"},
	{"1.2.840.10008.1.2.4.95", "JPIP referenced deflate"},
	{"1.2.840.10008.1.2.4.100", "MPEG2 video"},
	{"1.2.840.10008.1.2.4.101", "MPEG2 video"},
	{"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 video"},
	{"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 video"},
	{"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 video"},
	{"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 video"},
	{"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 video"},
	{"1.2.840.10008.1.2.4.107", "HEVC/H.265 video"},
	{"1.2.840.10008.1.2.4.108", "HEVC/H.265 video"},
	{"1.2.840.10008.1.2.4.110", "JPEG XL"},
	{"1.2.840.10008.1.2.4.111", "JPEG XL"},
	{"1.2.840.10008.1.2.4.112", "JPEG XL"},
	{"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000"},
	{"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000"},
	{"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"},
	{"1.2.840.10008.1.2.6.1", "RFC 2557 MIME"},
	{"1.2.840.10008.1.2.6.2", "XML"},
};

/* GDCM reads a file cut inside its Pixel Data without complaint (and
 * pads the pixels with zeros).  So look at the first Pixel Data element
 * (7FE0,0010) of defined length: its value must end inside the file. */
static dh_status check_pixel_length(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return DH_OK; /* GDCM reports it */
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return DH_OK;
	}
	long size = ftell(f);
	rewind(f);
	unsigned char b[65536 + 16];
	size_t keep = 0;
	long base = 0; /* file offset of b[0] */
	dh_status s = DH_OK;
	for (;;) {
		size_t got = fread(b + keep, 1, sizeof b - keep, f);
		size_t len = keep + got;
		if (len < 12)
			break;
		for (size_t i = 0; i + 12 <= len; i++) {
			int le = b[i] == 0xe0 && b[i + 1] == 0x7f && b[i + 2] == 0x10 &&
				 b[i + 3] == 0x00;
			int be = b[i] == 0x7f && b[i + 1] == 0xe0 && b[i + 2] == 0x00 &&
				 b[i + 3] == 0x10;
			if (!le && !be)
				continue;
			const unsigned char *v = b + i + 4;
			uint64_t vl, at;
			if ((v[0] == 'O' && (v[1] == 'B' || v[1] == 'W')) && !v[2] && !v[3]) {
				vl = le ? (uint64_t)v[4] | (uint64_t)v[5] << 8 |
						  (uint64_t)v[6] << 16 | (uint64_t)v[7] << 24
					: (uint64_t)v[7] | (uint64_t)v[6] << 8 |
						  (uint64_t)v[5] << 16 | (uint64_t)v[4] << 24;
				at = (uint64_t)base + i + 12;
			} else if (le) { /* implicit VR */
				vl = (uint64_t)v[0] | (uint64_t)v[1] << 8 |
				     (uint64_t)v[2] << 16 | (uint64_t)v[3] << 24;
				at = (uint64_t)base + i + 8;
			} else {
				continue;
			}
			if (vl != 0xffffffffu && at + vl > (uint64_t)size)
				s = dh_err_set(e, DH_EFORMAT, "bad DICOM: truncated "
					       "pixel data (%llu of %llu bytes)",
					       (unsigned long long)((uint64_t)size > at
						       ? (uint64_t)size - at : 0),
					       (unsigned long long)vl);
			fclose(f);
			return s;
		}
		if (got == 0)
			break;
		/* keep the tail, in case a tag straddles the boundary */
		memmove(b, b + len - 11, 11);
		base += (long)(len - 11);
		keep = 11;
	}
	fclose(f);
	return DH_OK;
}

static dh_status check_syntax(const char *path, dh_err *e)
{
	char uid[80];
	meta_transfer_syntax(path, uid, sizeof uid);
	if (!uid[0])
		return DH_OK;
	for (size_t i = 0; i < sizeof syntaxes / sizeof syntaxes[0]; i++)
		if (!strcmp(uid, syntaxes[i].uid)) {
			if (!syntaxes[i].name)
				return DH_OK;
			return dh_err_set(e, DH_EUNSUPPORTED, "DICOM transfer syntax "
					  "%s (%s) is not supported (dh decodes raw, "
					  "deflated, RLE, JPEG, JPEG-LS and JPEG 2000)",
					  uid, syntaxes[i].name);
		}
	return dh_err_set(e, DH_EUNSUPPORTED, "DICOM transfer syntax %s is not "
			  "one dh knows (it decodes raw, deflated, RLE, JPEG, "
			  "JPEG-LS and JPEG 2000)", uid);
}

dh_status dh_dicom_read_file_info(const char *path, dh_image_info *info,
				  dh_err *e)
{
	dh_dicom_info d;
	void *buf;
	size_t n;
	char msg[256] = "";
	if (check_syntax(path, e))
		return e ? e->status : DH_EUNSUPPORTED;
	if (read_isolated(path, 0, UINT64_MAX, &d, &buf, &n, msg, sizeof msg))
		return dh_err_set(e, DH_EFORMAT, "bad DICOM: %s", msg);
	fill_info(&d, info);
	return DH_OK;
}

dh_status dh_dicom_read_file(const char *path, const dh_image_read_opts *o,
			     dh_image **out, dh_err *e)
{
	*out = NULL;
	dh_dicom_info d;
	void *buf;
	size_t n;
	char msg[256] = "";
	uint64_t limit = dh_codec_max_pixels(o);
	if (check_syntax(path, e) || check_pixel_length(path, e))
		return e ? e->status : DH_EUNSUPPORTED;
	if (read_isolated(path, 1, limit, &d, &buf, &n, msg, sizeof msg))
		return dh_err_set(e, strstr(msg, "over the limit") ? DH_ERANGE
								  : DH_EFORMAT,
				  "bad DICOM: %s", msg);
	dh_dtype to = out_dtype(&d), from = from_dtype[d.scalar];
	if (d.scalar == DH_DCM_U32)
		from = DH_I64; /* placeholder: read by hand below */
	dh_image *img = dh_image_new_limit(to, (int)d.width, (int)d.height,
					   (int)d.frames, d.samples,
					   d.samples == 3 ? DH_COLOR_RGB
							  : DH_COLOR_GRAY,
					   limit, e);
	if (!img) {
		free(buf);
		return e ? e->status : DH_ENOMEM;
	}
	size_t count = img->nbytes / dh_image_elsize(img);
	static const size_t dcm_size[] = {1, 1, 2, 2, 4, 4, 4, 8};
	if (n != count * dcm_size[d.scalar]) {
		free(buf);
		dh_image_free(img);
		return dh_err_set(e, DH_EFORMAT, "bad DICOM: %zu bytes of pixels "
				  "for %zu samples", n, count);
	}
	if (!scaled(&d) && from == to) {
		memcpy(img->data, buf, img->nbytes);
	} else {
		for (size_t i = 0; i < count; i++) {
			double v = d.scalar == DH_DCM_U32
					   ? (double)((const uint32_t *)buf)[i]
					   : dh_dtype_get(from, buf, i);
			dh_sat_store(to, img->data, i, v * d.slope + d.intercept);
		}
	}
	free(buf);
	memcpy(img->spacing, d.spacing, sizeof img->spacing);
	memcpy(img->origin, d.origin, sizeof img->origin);
	memcpy(img->direction, d.direction, sizeof img->direction);
	*out = img;
	return DH_OK;
}

/* --- writing -------------------------------------------------------------- */

/* How a gray image of any dtype is stored: 8 or 16 bits, with a rescale
 * (slope, intercept) when the values do not fit 16-bit integers as they
 * are.  Integer values spanning at most 65536 steps stay exact (an
 * intercept shifts them); anything else is quantised to 65536 levels
 * between its minimum and maximum. */
typedef struct dcm_plan {
	int bits, is_signed, rescale;
	double slope, intercept;
} dcm_plan;

static dh_status plan_gray(const dh_image *img, dcm_plan *p, dh_err *e)
{
	memset(p, 0, sizeof *p);
	p->slope = 1;
	switch (img->dtype) {
	case DH_U8: p->bits = 8; return DH_OK;
	case DH_U16: p->bits = 16; return DH_OK;
	case DH_I16:
	case DH_I8: p->bits = 16; p->is_signed = 1; return DH_OK;
	default: break;
	}
	size_t n = img->nbytes / dh_image_elsize(img);
	double lo = 0, hi = 0;
	int integral = 1;
	for (size_t i = 0; i < n; i++) {
		double v = dh_dtype_get(img->dtype, img->data, i);
		if (!isfinite(v))
			return dh_err_set(e, DH_EUNSUPPORTED, "DICOM cannot hold "
					  "NaN or infinite values (sample %zu)",
					  i);
		if (!i || v < lo)
			lo = v;
		if (!i || v > hi)
			hi = v;
		if (integral && v != floor(v))
			integral = 0;
	}
	p->bits = 16;
	if (integral && lo >= -32768 && hi <= 32767) {
		p->is_signed = 1;
	} else if (integral && lo >= 0 && hi <= 65535) {
		p->is_signed = 0;
	} else if (integral && hi - lo <= 65535) {
		p->rescale = 1;
		p->intercept = lo;
	} else {
		p->rescale = 1;
		p->intercept = lo;
		p->slope = (hi - lo) / 65535.0;
	}
	/* DICOM keeps slope and intercept as decimal strings (16 characters):
	 * store what the file will say, so the pixels agree with it */
	if (p->rescale) {
		char buf[32];
		snprintf(buf, sizeof buf, "%.10g", p->slope);
		p->slope = strtod(buf, NULL);
		snprintf(buf, sizeof buf, "%.10g", p->intercept);
		p->intercept = strtod(buf, NULL);
		if (!(p->slope > 0))
			p->slope = 1;
	}
	return DH_OK;
}

dh_status dh_dicom_write(FILE *f, const char *suffix, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
	if (img->depth != 1)
		return dh_err_set(e, DH_EUNSUPPORTED, "DICOM output holds one 2D "
				  "image, not a volume of %d slices (take one "
				  "with --slice, or write .nii)", img->depth);
	int C = img->channels;
	int rgb = C == 3 && img->color != DH_COLOR_HSV &&
		  img->color != DH_COLOR_YCBCR;
	if (C != 1 && !rgb)
		return dh_err_set(e, DH_EUNSUPPORTED, "DICOM output holds gray or "
				  "RGB images, not %d channels (%s)%s", C,
				  dh_colortype_name(img->color),
				  C == 4 ? ": convert to rgb first" : "");
	if (img->width > 65535 || img->height > 65535)
		return dh_err_set(e, DH_EUNSUPPORTED, "DICOM rows and columns "
				  "stop at 65535");
	dcm_plan p;
	if (rgb) {
		if (img->dtype != DH_U8 && img->dtype != DH_U16)
			return dh_err_set(e, DH_EUNSUPPORTED, "RGB DICOM holds 8 "
					  "or 16-bit samples, not %s",
					  dh_dtype_name(img->dtype));
		memset(&p, 0, sizeof p);
		p.bits = img->dtype == DH_U8 ? 8 : 16;
		p.slope = 1;
	} else if (plan_gray(img, &p, e)) {
		return e ? e->status : DH_EUNSUPPORTED;
	}
	size_t n = (size_t)img->width * (size_t)img->height * (size_t)C;
	size_t nbytes = n * (size_t)(p.bits / 8);
	unsigned char *px = malloc(nbytes ? nbytes : 1);
	if (!px)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	int bgr = rgb && img->color == DH_COLOR_BGR;
	for (size_t i = 0; i < n; i++) {
		size_t src = bgr ? i - i % 3 + (2 - i % 3) : i;
		double v = dh_dtype_get(img->dtype, img->data, src);
		if (p.rescale)
			v = (v - p.intercept) / p.slope;
		if (p.bits == 8) {
			px[i] = dh_sat_u8(v);
		} else {
			long long q = p.is_signed ? dh_sat_int(v, -32768, 32767)
						  : dh_sat_int(v, 0, 65535);
			uint16_t u = (uint16_t)q;
			px[2 * i] = (unsigned char)(u & 255);
			px[2 * i + 1] = (unsigned char)(u >> 8);
		}
	}
	dh_dicom_wdesc d;
	memset(&d, 0, sizeof d);
	d.width = (unsigned)img->width;
	d.height = (unsigned)img->height;
	d.samples = rgb ? 3 : 1;
	d.bits = p.bits;
	d.is_signed = p.is_signed;
	d.rescale = p.rescale;
	d.slope = p.slope;
	d.intercept = p.intercept;
	/* 1 x 1 is what every plain picture says: no spacing known */
	d.has_spacing = img->spacing[0] > 0 && img->spacing[1] > 0 &&
			(img->spacing[0] != 1 || img->spacing[1] != 1);
	d.spacing[0] = img->spacing[0];
	d.spacing[1] = img->spacing[1];
	void *buf = NULL;
	size_t len = 0;
	char msg[256] = "";
	int rc = dh_dicom_encode(&d, px, nbytes, &buf, &len, msg, sizeof msg);
	free(px);
	if (rc)
		return dh_err_set(e, DH_EIO, "cannot write DICOM: %s", msg);
	dh_status s = dh_codec_fwrite(f, buf, len, e);
	free(buf);
	return s;
}
