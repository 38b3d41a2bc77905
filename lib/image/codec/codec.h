/* codec.h - the per-format entry points behind io.h's descriptor table, and
 * small helpers the decoders share (private to lib/image). */
#ifndef DH_IMAGE_CODEC_CODEC_H
#define DH_IMAGE_CODEC_CODEC_H

#include "image/io.h"

#define DH_CODEC_DECL(fmt)                                                   \
	dh_status dh_##fmt##_read_info(const unsigned char *buf, size_t n,   \
				       dh_image_info *info, dh_err *e);      \
	dh_status dh_##fmt##_read(const unsigned char *buf, size_t n,        \
				  const dh_image_read_opts *o,               \
				  dh_image **out, dh_err *e);                \
	dh_status dh_##fmt##_write(FILE *f, const char *suffix,              \
				   const dh_image *img,                      \
				   const dh_image_write_opts *o, dh_err *e);

DH_CODEC_DECL(png)
DH_CODEC_DECL(jpeg)
DH_CODEC_DECL(pnm)
DH_CODEC_DECL(bmp)
DH_CODEC_DECL(tiff)
DH_CODEC_DECL(npyimg)

dh_status dh_nifti_write(FILE *f, const char *suffix, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e);
dh_status dh_nifti_read_file_info(const char *path, dh_image_info *info,
				  dh_err *e);
dh_status dh_nifti_read_file(const char *path, const dh_image_read_opts *o,
			     dh_image **out, dh_err *e);

dh_status dh_dicom_read_file_info(const char *path, dh_image_info *info,
				  dh_err *e);
dh_status dh_dicom_read_file(const char *path, const dh_image_read_opts *o,
			     dh_image **out, dh_err *e);
/* A Secondary Capture image: gray (8/16 bits, rescaled where needed) or
 * RGB (8/16 bits); spacing when the image has one (dicom.c). */
dh_status dh_dicom_write(FILE *f, const char *suffix, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e);

/* Fill the common part of an info struct. */
void dh_codec_info_init(dh_image_info *info, dh_image_format f);
/* Write exactly n bytes, or DH_EIO. */
dh_status dh_codec_fwrite(FILE *f, const void *p, size_t n, dh_err *e);
/* The pixel limit of o (or the default). */
uint64_t dh_codec_max_pixels(const dh_image_read_opts *o);
/* Convert an image for writing: u8/u16 (as the format allows) with channels
 * 1..4 and colour GRAY/RGB/RGBA order (BGR swapped, HSV/YCbCr refused).
 * Returns img itself when no copy is needed, else a new image in *tmp. */
dh_status dh_codec_prepare(const dh_image *img, int allow_u16,
			   const dh_image **use, dh_image **tmp,
			   const char *fmtname, dh_err *e);

#endif
