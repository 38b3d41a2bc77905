/* npy.h - NumPy .npy records: header parsing and writing.
 *
 * A record is the 6-byte magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a
 * little-endian header length, a Python dict literal with 'descr',
 * 'fortran_order' and 'shape', then the raw data.  dh reads versions 1-3 and
 * writes 1.0 (2.0 when the dict would not fit), padding the header so the
 * data starts on a 64-byte boundary as NumPy does. */
#ifndef DH_STREAM_NPY_H
#define DH_STREAM_NPY_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/tensor.h"

typedef struct dh_npy_header {
	dh_dtype dtype;
	int big_endian;   /* data must be byte-swapped after reading */
	int ndim;
	int64_t shape[DH_MAX_DIMS];
	int64_t numel;
	size_t data_bytes;
	size_t header_bytes; /* magic + version + length + dict */
} dh_npy_header;

/* Parse the dict text (without magic).  Errors name the problem only; the
 * caller adds file and offset. */
dh_status dh_npy_parse_dict(const char *dict, size_t len, dh_npy_header *h,
			    dh_err *e);

/* Read one record header from f.  Returns DH_EEOF (message empty) when f is
 * at its end before the first byte, DH_EFORMAT for anything malformed. */
dh_status dh_npy_read_header(FILE *f, dh_npy_header *h, dh_err *e);

/* Header bytes for (dtype, shape) into buf; returns its length, or 0 if buf
 * is too small.  256 bytes always suffice for 8 dimensions. */
size_t dh_npy_format_header(dh_dtype t, int ndim, const int64_t *shape,
			    char *buf, size_t n);

/* Write t as one record. */
dh_status dh_npy_write(FILE *f, const dh_tensor *t, dh_err *e);

/* Read `rows` rows' worth of data of the record described by h into dst
 * (which has room), byte-swapping if needed.  Short reads are DH_EFORMAT
 * ("truncated"). */
dh_status dh_npy_read_data(FILE *f, const dh_npy_header *h, void *dst,
			   size_t bytes, dh_err *e);

/* Read `rows` rows of the record described by h into a new tensor.  Memory
 * follows the bytes actually present, not the header's claim: on a seekable
 * file the remaining size is checked first, and from a pipe large records are
 * read into a buffer that grows as data arrive, so a short stream that claims
 * a huge shape fails as truncated instead of exhausting memory. */
dh_status dh_npy_read_tensor(FILE *f, const dh_npy_header *h, int64_t rows,
			     dh_tensor **out, dh_err *e);

/* Whole-file helpers for single-array .npy files. */
dh_tensor *dh_npy_load(const char *path, dh_err *e);
dh_status dh_npy_save(const char *path, const dh_tensor *t, dh_err *e);

#endif
