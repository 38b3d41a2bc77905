/* probe.h - recognise an image file by its first bytes (magic sniffing),
 * never by its name.  Each format the image module reads is listed here. */
#ifndef DH_IMAGE_PROBE_H
#define DH_IMAGE_PROBE_H

#include <stddef.h>

#include "core/error.h"

typedef enum dh_image_format {
	DH_IMG_UNKNOWN = 0,
	DH_IMG_PNG,
	DH_IMG_JPEG,
	DH_IMG_TIFF,
	DH_IMG_BMP,
	DH_IMG_PNM,
	DH_IMG_DICOM,
	DH_IMG_NIFTI,
	DH_IMG_NPY,
	DH_IMG_FORMAT_COUNT
} dh_image_format;

const char *dh_image_format_name(dh_image_format f);
/* Format of a buffer's first bytes (n >= 0; 352 bytes are enough). */
dh_image_format dh_image_sniff(const unsigned char *buf, size_t n);
/* Open and sniff; DH_EFORMAT naming the file when it is no image. */
dh_status dh_image_probe_file(const char *path, dh_image_format *fmt,
			      dh_err *e);

#endif
