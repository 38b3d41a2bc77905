/* tstream.h - tensor streams: what dh tools pipe to each other.
 *
 * A stream is a sequence of .npy records (see dh-tensor(5)).  Two shapes:
 *
 *  - plain: every record is a batch of inputs [N, ...]; records after the
 *    first must have the same dtype and trailing dimensions.  A single .npy
 *    file is a plain stream.
 *  - grouped: the first record is a manifest, a 1-D uint8 array holding the
 *    JSON text {"dh-stream": 1, "fields": ["input", "target", "id"]}.  Then
 *    each group is one record per field, in that order, all with the same
 *    leading dimension N (the group's sample count).
 *
 * Readers hold one group (or, for plain records, at most max_rows rows) in
 * memory at a time, whatever the stream's length. */
#ifndef DH_STREAM_TSTREAM_H
#define DH_STREAM_TSTREAM_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/tensor.h"
#include "stream/npy.h"

#define DH_STREAM_MAX_FIELDS 8
#define DH_STREAM_NAME_MAX 32

/* The manifest's text starts with this, which is how readers tell it from a
 * uint8 input record. */
#define DH_STREAM_MANIFEST_TAG "{\"dh-stream\":"

typedef struct dh_stream_reader {
	FILE *f;
	const char *name;     /* for messages; borrowed */
	int64_t offset;       /* bytes consumed */
	int grouped;
	int nfields;
	char fields[DH_STREAM_MAX_FIELDS][DH_STREAM_NAME_MAX];
	/* per field, fixed by the first group: dtype and trailing dims */
	int known;
	dh_dtype dtype[DH_STREAM_MAX_FIELDS];
	int ndim[DH_STREAM_MAX_FIELDS];
	int64_t dims[DH_STREAM_MAX_FIELDS][DH_MAX_DIMS];
	/* plain streams: the record being consumed in chunks */
	dh_npy_header cur;
	int64_t rows_left;
	int fresh;            /* its header is read, nothing delivered yet */
	dh_tensor *pending;   /* a first record read while probing */
	int failed;           /* a format error left the position unknown */
	int64_t records;      /* record headers read (manifest included) */
	int64_t cur_record;   /* index of the record being read, for messages */
	int64_t groups;       /* groups delivered (grouped streams) */
	int64_t samples;      /* samples delivered */
} dh_stream_reader;

/* Start reading f (not closed by the reader); reads the first record's header
 * (and the manifest, if any).  An empty stream is an error here. */
dh_status dh_stream_open(dh_stream_reader *r, FILE *f, const char *name,
			 dh_err *e);
/* Index of a field by name, or -1. Plain streams have one field, "input". */
int dh_stream_field(const dh_stream_reader *r, const char *name);
/* Next batch: out[i] receives a new tensor for field i (caller frees).
 * Plain streams deliver at most max_rows rows per call (max_rows <= 0: a whole
 * record).  Returns DH_EEOF at the clean end. */
dh_status dh_stream_next(dh_stream_reader *r, int64_t max_rows,
			 dh_tensor *out[DH_STREAM_MAX_FIELDS], dh_err *e);

/* Free what the reader holds (not the FILE). */
void dh_stream_close(dh_stream_reader *r);

typedef struct dh_stream_writer {
	FILE *f;
	int nfields;          /* 0: plain stream */
	int64_t groups;
} dh_stream_writer;

/* nfields == 0 writes a plain stream (no manifest). */
dh_status dh_stream_writer_open(dh_stream_writer *w, FILE *f, int nfields,
				const char *const *names, dh_err *e);
/* One group: fields[0..nfields-1] (or fields[0] alone for plain streams),
 * with equal leading dimensions. */
dh_status dh_stream_write(dh_stream_writer *w, dh_tensor *const *fields,
			  dh_err *e);

#endif
