/* io.h - reading and writing image files, one loader descriptor per format.
 *
 * Each format is a dh_image_codec: its name, the suffixes it writes, a cheap
 * header read (size, dtype, channels: no pixel decoding), the pixel read, and
 * the writer (NULL when the format is read-only here).  Decoders work on a
 * byte buffer (the file is mapped, not copied), so the same entry points serve
 * files, memory and the fuzzers.  Formats are recognised by their first bytes
 * (probe.h), never by name; the output format is chosen by the suffix. */
#ifndef DH_IMAGE_IO_H
#define DH_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "image/image.h"
#include "image/probe.h"

typedef struct dh_image_read_opts {
	uint64_t max_pixels; /* 0: DH_IMAGE_MAX_PIXELS */
	int first_page; /* TIFF: only the first page, even when every page
			 * could be a slice of one volume */
} dh_image_read_opts;

typedef struct dh_image_write_opts {
	int quality; /* JPEG 1..100; 0: 95 */
} dh_image_write_opts;

/* What a header says, without decoding pixels. */
typedef struct dh_image_info {
	dh_image_format format;
	int width, height, depth, channels;
	dh_dtype dtype;
	dh_colortype color;
	int bits;  /* bits per sample in the file (1 for bilevel) */
	int pages; /* TIFF directories; 1 otherwise */
	double spacing[3];
	char detail[64]; /* "palette", "interlaced", "progressive", ... */
	/* DICOM's technical (patient-free) tags */
	struct {
		int present;
		double slope, intercept;
		double window_centre, window_width; /* width 0: none */
		char modality[16], photometric[32];
		char transfer_syntax[80], sop_class[80];
	} dicom;
} dh_image_info;

typedef struct dh_image_codec {
	const char *name;
	dh_image_format format;
	const char *suffixes; /* ".png" or ".tif .tiff"; first is preferred */
	dh_status (*read_info)(const unsigned char *buf, size_t n,
			       dh_image_info *info, dh_err *e);
	dh_status (*read)(const unsigned char *buf, size_t n,
			  const dh_image_read_opts *o, dh_image **out,
			  dh_err *e);
	/* Write img to f (a seekable file); `suffix` is the target's (".pgm"
	 * and ".ppm" pick the PNM variant). */
	dh_status (*write)(FILE *f, const char *suffix, const dh_image *img,
			   const dh_image_write_opts *o, dh_err *e);
	/* For libraries that read files, not memory (nifti_clib): used by
	 * dh_image_read / dh_image_read_info instead of the two above, which
	 * are then NULL. */
	dh_status (*read_file_info)(const char *path, dh_image_info *info,
				    dh_err *e);
	dh_status (*read_file)(const char *path, const dh_image_read_opts *o,
			       dh_image **out, dh_err *e);
} dh_image_codec;

/* The descriptor for a format, or NULL when dh cannot read it. */
const dh_image_codec *dh_image_codec_for(dh_image_format f);
/* The descriptor that writes files named like `path`, or NULL. */
const dh_image_codec *dh_image_codec_for_path(const char *path);

/* Decode a buffer (format sniffed).  *out is the caller's. */
dh_status dh_image_decode(const unsigned char *buf, size_t n,
			  const dh_image_read_opts *o, dh_image **out,
			  dh_err *e);
dh_status dh_image_decode_info(const unsigned char *buf, size_t n,
			       dh_image_info *info, dh_err *e);

/* Read a file; errors start with the path.  o may be NULL. */
dh_status dh_image_read(const char *path, const dh_image_read_opts *o,
			dh_image **out, dh_err *e);
dh_status dh_image_read_info(const char *path, dh_image_info *info,
			     dh_err *e);
/* Write by suffix, atomically (the file appears whole or not at all). */
dh_status dh_image_write(const char *path, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e);

#endif
