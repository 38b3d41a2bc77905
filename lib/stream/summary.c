/* summary.c - one-pass tensor stream statistics (see summary.h). */
#include "stream/summary.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-field running sums; Welford would be steadier, but long double sums
 * of 64-bit values are exact enough for display and cheaper. */
typedef struct acc {
	long double sum, sumsq;
	double min, max;
	int64_t n, nonfinite;
} acc;

static void accumulate(acc *a, const dh_tensor *t)
{
	int64_t n = dh_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		double v = dh_dtype_get(t->dtype, t->data, (size_t)i);
		if (!isfinite(v)) {
			a->nonfinite++;
			continue;
		}
		if (a->n == 0 || v < a->min)
			a->min = v;
		if (a->n == 0 || v > a->max)
			a->max = v;
		a->sum += v;
		a->sumsq += (long double)v * v;
		a->n++;
	}
}

dh_status dh_stream_summarize(FILE *f, const char *name, dh_stream_summary *s,
			      dh_err *e)
{
	memset(s, 0, sizeof *s);
	dh_stream_reader r;
	dh_status st = dh_stream_open(&r, f, name, e);
	if (st)
		return st;
	acc accs[DH_STREAM_MAX_FIELDS];
	memset(accs, 0, sizeof accs);
	s->grouped = r.grouped;
	s->nfields = r.nfields;
	for (;;) {
		dh_tensor *batch[DH_STREAM_MAX_FIELDS];
		/* 4096 rows bounds memory for plain records of any length */
		st = dh_stream_next(&r, 4096, batch, e);
		if (st == DH_EEOF) {
			st = DH_OK;
			break;
		}
		if (st)
			break;
		for (int i = 0; i < r.nfields; i++) {
			accumulate(&accs[i], batch[i]);
			dh_tensor_free(batch[i]);
		}
	}
	s->records = r.records;
	s->samples = r.samples;
	s->groups = r.grouped ? r.groups : r.records;
	for (int i = 0; i < r.nfields; i++) {
		dh_field_summary *fs = &s->field[i];
		memcpy(fs->name, r.fields[i], sizeof fs->name);
		fs->dtype = r.dtype[i];
		fs->ndim = r.ndim[i];
		memcpy(fs->shape, r.dims[i], sizeof fs->shape);
		fs->shape[0] = r.samples;
		acc *a = &accs[i];
		fs->nonfinite = a->nonfinite;
		fs->min = a->min;
		fs->max = a->max;
		if (a->n) {
			long double mean = a->sum / a->n;
			long double var = a->sumsq / a->n - mean * mean;
			fs->mean = (double)mean;
			fs->std = var > 0 ? sqrt((double)var) : 0;
		}
	}
	dh_stream_close(&r);
	if (st)
		memset(s, 0, sizeof *s);
	return st;
}

void dh_stream_summary_print(FILE *out, const char *name,
			     const dh_stream_summary *s, int json)
{
	if (!json) {
		fprintf(out, "%s: %s tensor stream, %lld samples in %lld %s\n",
			name, s->grouped ? "grouped" : "plain",
			(long long)s->samples, (long long)s->groups,
			s->grouped ? "groups" : "records");
		for (int i = 0; i < s->nfields; i++) {
			const dh_field_summary *f = &s->field[i];
			char shape[200];
			dh_shape_format(shape, sizeof shape, f->ndim, f->shape);
			fprintf(out,
				"  %-8s %-8s %-20s min %g max %g mean %g std %g",
				f->name, dh_dtype_name(f->dtype), shape, f->min,
				f->max, f->mean, f->std);
			if (f->nonfinite)
				fprintf(out, " non-finite %lld",
					(long long)f->nonfinite);
			fputc('\n', out);
		}
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "file", name);
	cJSON_AddStringToObject(j, "kind", s->grouped ? "grouped" : "plain");
	cJSON_AddNumberToObject(j, "samples", (double)s->samples);
	cJSON_AddNumberToObject(j, s->grouped ? "groups" : "records",
				(double)s->groups);
	cJSON *fields = cJSON_AddArrayToObject(j, "fields");
	for (int i = 0; i < s->nfields; i++) {
		const dh_field_summary *f = &s->field[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f->name);
		cJSON_AddStringToObject(o, "dtype", dh_dtype_name(f->dtype));
		cJSON *shape = cJSON_AddArrayToObject(o, "shape");
		for (int d = 0; d < f->ndim; d++)
			cJSON_AddItemToArray(shape,
					     cJSON_CreateNumber((double)f->shape[d]));
		cJSON_AddNumberToObject(o, "min", f->min);
		cJSON_AddNumberToObject(o, "max", f->max);
		cJSON_AddNumberToObject(o, "mean", f->mean);
		cJSON_AddNumberToObject(o, "std", f->std);
		cJSON_AddNumberToObject(o, "nonfinite", (double)f->nonfinite);
		cJSON_AddItemToArray(fields, o);
	}
	char *text = cJSON_PrintUnformatted(j);
	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(j);
}
