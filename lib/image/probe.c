/* probe.c - image format sniffing (see probe.h). */
#include "image/probe.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	[DH_IMG_UNKNOWN] = "unknown", [DH_IMG_PNG] = "png",
	[DH_IMG_JPEG] = "jpeg",       [DH_IMG_TIFF] = "tiff",
	[DH_IMG_BMP] = "bmp",         [DH_IMG_PNM] = "pnm",
	[DH_IMG_DICOM] = "dicom",     [DH_IMG_NIFTI] = "nifti",
	[DH_IMG_NPY] = "npy",
};
static_assert(sizeof names / sizeof names[0] == DH_IMG_FORMAT_COUNT,
	      "names must cover every dh_image_format");

const char *dh_image_format_name(dh_image_format f)
{
	return (unsigned)f < DH_IMG_FORMAT_COUNT ? names[f] : "unknown";
}

static int le32(const unsigned char *p)
{
	return (int)((unsigned)p[0] | (unsigned)p[1] << 8 |
		     (unsigned)p[2] << 16 | (unsigned)p[3] << 24);
}

static int be32(const unsigned char *p)
{
	return (int)((unsigned)p[3] | (unsigned)p[2] << 8 |
		     (unsigned)p[1] << 16 | (unsigned)p[0] << 24);
}

dh_image_format dh_image_sniff(const unsigned char *b, size_t n)
{
	if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return DH_IMG_PNG;
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return DH_IMG_JPEG;
	/* before TIFF: a DICOM preamble may itself be a TIFF header (files
	 * that are both) */
	if (n >= 132 && !memcmp(b + 128, "DICM", 4))
		return DH_IMG_DICOM;
	if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4) ||
		       !memcmp(b, "II+\0", 4) || !memcmp(b, "MM\0+", 4)))
		return DH_IMG_TIFF;
	if (n >= 14 && b[0] == 'B' && b[1] == 'M')
		return DH_IMG_BMP;
	if (n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' &&
	    (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t'))
		return DH_IMG_PNM;
	/* NIfTI-1: sizeof_hdr 348 and magic "n+1"/"ni1" at 344; NIfTI-2: 540
	 * and "n+2"/"ni2" at 4; either byte order */
	if (n >= 348 && (le32(b) == 348 || be32(b) == 348) &&
	    (!memcmp(b + 344, "n+1", 4) || !memcmp(b + 344, "ni1", 4)))
		return DH_IMG_NIFTI;
	if (n >= 8 && (le32(b) == 540 || be32(b) == 540) &&
	    (!memcmp(b + 4, "n+2", 3) || !memcmp(b + 4, "ni2", 3)))
		return DH_IMG_NIFTI;
	if (n >= 6 && !memcmp(b, "\x93NUMPY", 6))
		return DH_IMG_NPY;
	return DH_IMG_UNKNOWN;
}

dh_status dh_image_probe_file(const char *path, dh_image_format *fmt,
			      dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	unsigned char buf[352];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* gzip-compressed NIfTI: recognised by the gzip magic and the name */
	size_t len = strlen(path);
	if (n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b && len > 7 &&
	    !strcmp(path + len - 7, ".nii.gz")) {
		*fmt = DH_IMG_NIFTI;
		return DH_OK;
	}
	*fmt = dh_image_sniff(buf, n);
	if (*fmt == DH_IMG_UNKNOWN)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: not a recognised image format (first "
				  "bytes %02x %02x %02x %02x)",
				  path, n > 0 ? buf[0] : 0, n > 1 ? buf[1] : 0,
				  n > 2 ? buf[2] : 0, n > 3 ? buf[3] : 0);
	return DH_OK;
}
