/* nifti_write.c - writing NIfTI-1 single files (.nii), from the NIfTI-1
 * header definition (nifti1.h): a 348-byte little-endian header, 4 bytes of
 * (no) extension, then the voxels with x fastest.  Width, height and depth
 * are x, y, z; channels become the fourth (time) dimension.  pixdim holds
 * the spacing, and the sform (code 1, scanner) the direction cosines times
 * spacing plus the origin.  Needs no library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/codec/codec.h"

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

dh_status dh_nifti_write(FILE *f, const char *suffix, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e)
{
	(void)suffix;
	(void)o;
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
	dh_status s = dh_codec_fwrite(f, h, sizeof h, e);
	/* voxels: one channel plane after another, each x fastest; samples
	 * little-endian as the host (x86, ARM) keeps them */
	const uint16_t one = 1;
	if (!*(const unsigned char *)&one)
		return dh_err_set(e, DH_EUNSUPPORTED, "writing NIfTI on a "
				  "big-endian host");
	size_t es = dh_image_elsize(img), C = (size_t)img->channels;
	size_t vox = (size_t)img->width * (size_t)img->height * (size_t)img->depth;
	if (C == 1)
		return s ? s : dh_codec_fwrite(f, img->data, img->nbytes, e);
	size_t chunk = 65536;
	unsigned char *buf = malloc(chunk * es);
	if (!buf)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	for (size_t c = 0; c < C && !s; c++)
		for (size_t v0 = 0; v0 < vox && !s; v0 += chunk) {
			size_t k = vox - v0 < chunk ? vox - v0 : chunk;
			for (size_t i = 0; i < k; i++)
				memcpy(buf + i * es,
				       img->data + ((v0 + i) * C + c) * es, es);
			s = dh_codec_fwrite(f, buf, k * es, e);
		}
	free(buf);
	return s;
}
