/* dicom_shim.h - the small C API over GDCM (C++), implemented in
 * dicom_gdcm.cpp; no C++ type or exception crosses it. */
#ifndef DH_IMAGE_CODEC_DICOM_SHIM_H
#define DH_IMAGE_CODEC_DICOM_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { DH_DCM_U8, DH_DCM_I8, DH_DCM_U16, DH_DCM_I16, DH_DCM_U32, DH_DCM_I32,
       DH_DCM_F32, DH_DCM_F64 };

typedef struct dh_dicom_info {
	unsigned width, height, frames;
	int samples;        /* 1 gray, 3 colour (RGB after conversion) */
	int scalar;         /* DH_DCM_* */
	int bits_stored;
	double slope, intercept;
	double spacing[3], origin[3], direction[9];
	double window_centre, window_width; /* 0 width: none in the file */
	char photometric[32];   /* as in the file, trimmed */
	char transfer_syntax[80];
	char modality[16];
	char sop_class[80];
} dh_dicom_info;

/* Read a DICOM file's header (pixels 0) or header and pixels, decompressed
 * and converted to RGB where the file holds YBR colour.  Refuses more than
 * max_pixels (width * height * frames) before decoding.  On success
 * returns 0, and with pixels a malloc'd buffer of nbytes (frame after
 * frame, row-major, samples interleaved) that the caller frees; on failure
 * returns -1 with the reason in err. */
int dh_dicom_read(const char *path, int pixels, uint64_t max_pixels,
		  dh_dicom_info *info, void **buf, size_t *nbytes, char *err,
		  size_t errlen);

/* What dh_dicom_encode writes: a Secondary Capture image (SOP class
 * 1.2.840.10008.5.1.4.1.1.7), explicit VR little endian, uncompressed. */
typedef struct dh_dicom_wdesc {
	unsigned width, height;
	int samples;        /* 1: MONOCHROME2, 3: RGB (interleaved) */
	int bits;           /* 8 or 16 (allocated = stored) */
	int is_signed;
	int rescale;        /* write slope and intercept (gray only) */
	double slope, intercept;
	int has_spacing;    /* write the pixel spacing (mm) */
	double spacing[2];  /* x (between columns), y (between rows) */
} dh_dicom_wdesc;

/* Encode one image as a whole DICOM file (Part 10, with its meta header)
 * into a malloc'd buffer *out of *outn bytes that the caller frees.  The
 * file holds no patient data: the patient and study attributes the IOD
 * requires are present and empty; the UIDs are new.  Returns 0, or -1 with
 * the reason in err. */
int dh_dicom_encode(const dh_dicom_wdesc *d, const void *pixels,
		    size_t nbytes, void **out, size_t *outn, char *err,
		    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
