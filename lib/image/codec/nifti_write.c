/* nifti_write.c - writing NIfTI-1 single files (.nii, and .nii.gz through
 * nifti_clib's znz layer), from the NIfTI-1 header definition (nifti1.h): a
 * 348-byte little-endian header, 4 bytes of (no) extension, then the voxels
 * with x fastest.  Width, height and depth are x, y, z; channels become the
 * fourth (time) dimension.  pixdim holds the spacing, and the sform (code 1,
 * scanner) the direction cosines times spacing plus the origin.  .nii needs
 * no library; .nii.gz is the same bytes through zlib's gzip stream, as
 * nifti_clib's znz layer writes them (its znzdopen, which would take the
 * output's descriptor, is not compiled into the library), so it comes with
 * the nifti_clib build, which links zlib. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "image/codec/codec.h"

#if DH_HAVE_NIFTI && !defined(DH_IMAGE_MEMORY_CODECS_ONLY)
#define DH_NIFTI_GZ 1
#include <zlib.h>
#endif

/* Where the bytes go: the FILE itself, or a gzip stream over it. */
typedef struct sink {
	FILE *f;
#if DH_NIFTI_GZ
	gzFile z;
#endif
} sink;

static dh_status sink_put(sink *k, const void *p, size_t n, dh_err *e)
{
#if DH_NIFTI_GZ
	if (k->z) {
		const unsigned char *q = p;
		while (n) {
			unsigned m = n > (1u << 30) ? 1u << 30 : (unsigned)n;
			if (gzwrite(k->z, q, m) != (int)m)
				return dh_err_set(e, DH_EIO, "gzip write failed");
			q += m;
			n -= m;
		}
		return DH_OK;
	}
#endif
	return dh_codec_fwrite(k->f, p, n, e);
}

static void put16(unsigned char *p, int v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)((unsigned)v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static void putf(unsigned char *p, double v)
{
	float f = (float)v;
	uint32_t u;
	memcpy(&u, &f, 4);
	put32(p, u);
}

static dh_status write_nii(sink *k, const dh_image *img, dh_err *e);

dh_status dh_nifti_write(FILE *f, const char *suffix, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e)
{
	(void)o;
	sink k;
	memset(&k, 0, sizeof k);
	k.f = f;
	int gz = suffix && !strcasecmp(suffix, ".nii.gz");
	if (!gz)
		return write_nii(&k, img, e);
#if DH_NIFTI_GZ
	/* gzdopen owns and closes the descriptor it is given: give it a copy,
	 * so the atomic file keeps its own */
	if (fflush(f) != 0)
		return dh_err_errno(e, errno, "write failed");
	int fd = dup(fileno(f));
	if (fd < 0)
		return dh_err_errno(e, errno, "cannot duplicate the output");
	k.z = gzdopen(fd, "wb6");
	if (!k.z) {
		close(fd);
		return dh_err_set(e, DH_EIO, "cannot start a gzip stream");
	}
	dh_status s = write_nii(&k, img, e);
	if (gzclose(k.z) != Z_OK && !s)
		s = dh_err_set(e, DH_EIO, "gzip write failed");
	if (!s && fseek(f, 0, SEEK_END) != 0)
		s = dh_err_errno(e, errno, "write failed");
	return s;
#else
	(void)img;
	return dh_err_set(e, DH_EUNSUPPORTED, "writing .nii.gz needs "
			  "nifti_clib, and this dh was built without it "
			  "(write .nii)");
#endif
}

static dh_status write_nii(sink *k, const dh_image *img, dh_err *e)
{
	int code, bits = (int)(8 * dh_image_elsize(img));
	switch (img->dtype) {
	case DH_U8: code = 2; break;
	case DH_I16: code = 4; break;
	case DH_I32: code = 8; break;
	case DH_F32: code = 16; break;
	case DH_F64: code = 64; break;
	case DH_U16: code = 512; break;
	default:
		return dh_err_set(e, DH_EUNSUPPORTED, "NIfTI cannot hold %s",
				  dh_dtype_name(img->dtype));
	}
	if (img->width > 32767 || img->height > 32767 || img->depth > 32767)
		return dh_err_set(e, DH_EUNSUPPORTED, "NIfTI-1 dimensions stop "
				  "at 32767");
	unsigned char h[352];
	memset(h, 0, sizeof h);
	put32(h, 348);
	h[38] = 'r';
	int nd = img->channels > 1 ? 4 : img->depth > 1 ? 3 : 2;
	put16(h + 40, nd);
	int dims[4] = {img->width, img->height, img->depth, img->channels};
	for (int i = 0; i < 7; i++)
		put16(h + 42 + 2 * i, i < 4 ? dims[i] : 1);
	put16(h + 70, code);
	put16(h + 72, bits);
	putf(h + 76, 1.0); /* qfac */
	for (int i = 0; i < 3; i++)
		putf(h + 80 + 4 * i, img->spacing[i]);
	putf(h + 92, 1.0);
	putf(h + 108, 352.0); /* vox_offset */
	h[123] = 2;           /* units: mm */
	memcpy(h + 148, "dh", 2);
	put16(h + 254, 1); /* sform_code: scanner */
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 3; c++)
			putf(h + 280 + 16 * r + 4 * c,
			     img->direction[r * 3 + c] * img->spacing[c]);
		putf(h + 280 + 16 * r + 12, img->origin[r]);
	}
	memcpy(h + 344, "n+1", 4);
	dh_status s = sink_put(k, h, sizeof h, e);
	/* voxels: one channel plane after another, each x fastest; samples
	 * little-endian as the host (x86, ARM) keeps them */
	const uint16_t one = 1;
	if (!*(const unsigned char *)&one)
		return dh_err_set(e, DH_EUNSUPPORTED, "writing NIfTI on a "
				  "big-endian host");
	size_t es = dh_image_elsize(img), C = (size_t)img->channels;
	size_t vox = (size_t)img->width * (size_t)img->height * (size_t)img->depth;
	if (C == 1)
		return s ? s : sink_put(k, img->data, img->nbytes, e);
	size_t chunk = 65536;
	unsigned char *buf = malloc(chunk * es);
	if (!buf)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	for (size_t c = 0; c < C && !s; c++)
		for (size_t v0 = 0; v0 < vox && !s; v0 += chunk) {
			size_t n = vox - v0 < chunk ? vox - v0 : chunk;
			for (size_t i = 0; i < n; i++)
				memcpy(buf + i * es,
				       img->data + ((v0 + i) * C + c) * es, es);
			s = sink_put(k, buf, n * es, e);
		}
	free(buf);
	return s;
}
