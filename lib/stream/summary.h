/* summary.h - what a tensor stream holds: fields, dtypes, shapes, sample
 * count and value statistics, computed in one pass with constant memory. */
#ifndef DH_STREAM_SUMMARY_H
#define DH_STREAM_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "stream/tstream.h"

typedef struct dh_field_summary {
	char name[DH_STREAM_NAME_MAX];
	dh_dtype dtype;
	int ndim;
	int64_t shape[DH_MAX_DIMS]; /* shape[0] = total samples */
	double min, max, mean, std;
	int64_t nonfinite;          /* NaN and Inf values */
} dh_field_summary;

typedef struct dh_stream_summary {
	int grouped;
	int nfields;
	int64_t records;
	int64_t groups;
	int64_t samples;
	dh_field_summary field[DH_STREAM_MAX_FIELDS];
} dh_stream_summary;

/* Read the whole stream f (named `name` in messages). */
dh_status dh_stream_summarize(FILE *f, const char *name, dh_stream_summary *s,
			      dh_err *e);
/* Human-readable or JSON (one object) rendering. */
void dh_stream_summary_print(FILE *out, const char *name,
			     const dh_stream_summary *s, int json);

#endif
