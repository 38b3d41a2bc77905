/* tstream.c - tensor stream reader and writer (see tstream.h). */
#include "stream/tstream.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Messages read "NAME: byte OFFSET: record K: ..." so a user can find the
 * place with `head -c` or numpy. */
static dh_status fail_at(dh_stream_reader *r, int64_t at, dh_err *e)
{
	return dh_err_prefix(e, "%s: byte %lld: record %lld", r->name,
			     (long long)at, (long long)r->cur_record);
}

static dh_status read_header(dh_stream_reader *r, dh_npy_header *h, dh_err *e)
{
	int64_t at = r->offset;
	r->cur_record = r->records;
	dh_status s = dh_npy_read_header(r->f, h, e);
	if (s == DH_EEOF)
		return s;
	if (s)
		return fail_at(r, at, e);
	r->records++;
	r->offset += (int64_t)h->header_bytes;
	return DH_OK;
}

static dh_status parse_manifest(dh_stream_reader *r, const char *text,
				dh_err *e)
{
	cJSON *j = cJSON_Parse(text);
	cJSON *ver = j ? cJSON_GetObjectItemCaseSensitive(j, "dh-stream") : NULL;
	cJSON *fields = j ? cJSON_GetObjectItemCaseSensitive(j, "fields") : NULL;
	dh_status s = DH_OK;
	if (!j || !cJSON_IsNumber(ver) || !cJSON_IsArray(fields)) {
		s = dh_err_set(e, DH_EFORMAT,
			       "stream manifest is not valid JSON with "
			       "\"dh-stream\" and \"fields\"");
	} else if (ver->valuedouble != 1) {
		s = dh_err_set(e, DH_EUNSUPPORTED,
			       "stream version %g (this dh reads version 1)",
			       ver->valuedouble);
	} else {
		int n = cJSON_GetArraySize(fields);
		if (n < 1 || n > DH_STREAM_MAX_FIELDS)
			s = dh_err_set(e, DH_EFORMAT,
				       "stream manifest has %d fields (1 to %d "
				       "allowed)",
				       n, DH_STREAM_MAX_FIELDS);
		for (int i = 0; !s && i < n; i++) {
			cJSON *f = cJSON_GetArrayItem(fields, i);
			if (!cJSON_IsString(f) || !*f->valuestring ||
			    strlen(f->valuestring) >= DH_STREAM_NAME_MAX)
				s = dh_err_set(e, DH_EFORMAT,
					       "stream field %d has no valid "
					       "name",
					       i);
			else
				strcpy(r->fields[i], f->valuestring);
			for (int k = 0; !s && k < i; k++)
				if (!strcmp(r->fields[k], r->fields[i]))
					s = dh_err_set(e, DH_EFORMAT,
						       "stream field '%s' "
						       "appears twice",
						       r->fields[i]);
		}
		r->nfields = n;
	}
	cJSON_Delete(j);
	return s;
}

dh_status dh_stream_open(dh_stream_reader *r, FILE *f, const char *name,
			 dh_err *e)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->name = name;
	dh_npy_header h;
	dh_status s = read_header(r, &h, e);
	if (s == DH_EEOF)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: empty stream (no .npy record)", name);
	if (s)
		return s;
	/* a manifest is a short 1-D uint8 array starting with the tag */
	size_t tag = strlen(DH_STREAM_MANIFEST_TAG);
	if (h.dtype == DH_U8 && h.ndim == 1 && h.data_bytes >= tag &&
	    h.data_bytes <= 4096) {
		char text[4097];
		int64_t at = r->offset;
		s = dh_npy_read_data(f, &h, text, h.data_bytes, e);
		if (s)
			return fail_at(r, at, e);
		r->offset += (int64_t)h.data_bytes;
		text[h.data_bytes] = '\0';
		if (strncmp(text, DH_STREAM_MANIFEST_TAG, tag) == 0) {
			r->grouped = 1;
			if ((s = parse_manifest(r, text, e)))
				return fail_at(r, at, e);
			return DH_OK;
		}
		/* an ordinary uint8 batch, already consumed: deliver it from
		 * memory, since a pipe cannot be rewound */
		r->pending = dh_tensor_new(DH_U8, 1, h.shape, e);
		if (!r->pending)
			return fail_at(r, at, e);
		memcpy(r->pending->data, text, h.data_bytes);
		strcpy(r->fields[0], "input");
		r->nfields = 1;
		r->cur = h;
		r->rows_left = 0;
		return DH_OK;
	}
	strcpy(r->fields[0], "input");
	r->nfields = 1;
	r->cur = h;
	r->rows_left = h.ndim ? h.shape[0] : 1;
	r->fresh = 1;
	return DH_OK;
}

int dh_stream_field(const dh_stream_reader *r, const char *name)
{
	for (int i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i], name) == 0)
			return i;
	return -1;
}

/* Check a record against what the stream's first group fixed. */
static dh_status check_field(dh_stream_reader *r, int i, const dh_npy_header *h,
			     int64_t at, dh_err *e)
{
	char a[160], b[160];
	if (h->ndim < 1) {
		dh_err_set(e, DH_ESHAPE,
			   "field '%s' is a scalar; records must have a "
			   "leading sample dimension",
			   r->fields[i]);
		return fail_at(r, at, e);
	}
	if (!r->known)
		return DH_OK;
	if (h->dtype != r->dtype[i]) {
		dh_err_set(e, DH_ESHAPE, "field '%s' is %s here but %s before",
			   r->fields[i], dh_dtype_name(h->dtype),
			   dh_dtype_name(r->dtype[i]));
		return fail_at(r, at, e);
	}
	if (!dh_shape_equal(h->ndim - 1, h->shape + 1, r->ndim[i] - 1,
			    r->dims[i] + 1)) {
		/* print the fixed shape as "[N, 3, 28, 28]" */
		dh_shape_format(b, sizeof b, r->ndim[i] - 1, r->dims[i] + 1);
		dh_err_set(e, DH_ESHAPE, "field '%s' has shape %s here but "
			   "[N%s%s before", r->fields[i],
			   dh_shape_format(a, sizeof a, h->ndim, h->shape),
			   r->ndim[i] > 1 ? ", " : "", b + 1);
		return fail_at(r, at, e);
	}
	return DH_OK;
}

static void remember(dh_stream_reader *r, int i, const dh_npy_header *h)
{
	r->dtype[i] = h->dtype;
	r->ndim[i] = h->ndim;
	memcpy(r->dims[i], h->shape, sizeof h->shape);
}

static dh_status read_record_data(dh_stream_reader *r, const dh_npy_header *h,
				  int64_t rows, dh_tensor **out, dh_err *e)
{
	dh_tensor *t = NULL;
	int64_t at = r->offset;
	dh_status s = dh_npy_read_tensor(r->f, h, rows, &t, e);
	if (s)
		return fail_at(r, at, e);
	r->offset += (int64_t)dh_tensor_nbytes(t);
	*out = t;
	return DH_OK;
}

static dh_status next_plain(dh_stream_reader *r, int64_t max_rows,
			    dh_tensor **out, dh_err *e)
{
	if (r->pending) {
		remember(r, 0, &r->cur);
		r->known = 1;
		*out = r->pending;
		r->pending = NULL;
		r->samples += (*out)->shape[0];
		return DH_OK;
	}
	/* a record of zero rows is delivered once, as an empty batch */
	while (r->rows_left == 0 && !r->fresh) {
		int64_t at = r->offset;
		dh_status s = read_header(r, &r->cur, e);
		if (s)
			return s;
		if ((s = check_field(r, 0, &r->cur, at, e)))
			return s;
		r->rows_left = r->cur.shape[0];
		r->fresh = 1;
	}
	if (!r->known) {
		dh_status s = check_field(r, 0, &r->cur, r->offset, e);
		if (s)
			return s;
		remember(r, 0, &r->cur);
		r->known = 1;
	}
	int64_t rows = r->rows_left;
	if (max_rows > 0 && rows > max_rows)
		rows = max_rows;
	dh_status s = read_record_data(r, &r->cur, rows, out, e);
	if (s)
		return s;
	r->rows_left -= rows;
	r->fresh = 0;
	r->samples += rows;
	return DH_OK;
}

static dh_status next_group(dh_stream_reader *r,
			    dh_tensor *out[DH_STREAM_MAX_FIELDS], dh_err *e)
{
	int64_t n = -1;
	for (int i = 0; i < r->nfields; i++) {
		dh_npy_header h;
		int64_t at = r->offset;
		dh_status s = read_header(r, &h, e);
		if (s == DH_EEOF && i > 0) {
			dh_err_set(e, DH_EFORMAT,
				   "truncated: the stream ends inside a group "
				   "(field '%s' missing)",
				   r->fields[i]);
			s = fail_at(r, at, e);
		}
		if (!s)
			s = check_field(r, i, &h, at, e);
		if (!s && n >= 0 && h.shape[0] != n) {
			dh_err_set(e, DH_ESHAPE,
				   "field '%s' has %lld samples but '%s' has "
				   "%lld",
				   r->fields[i], (long long)h.shape[0],
				   r->fields[0], (long long)n);
			s = fail_at(r, at, e);
		}
		if (!s)
			s = read_record_data(r, &h, h.shape[0], &out[i], e);
		if (s) {
			for (int k = 0; k < i; k++) {
				dh_tensor_free(out[k]);
				out[k] = NULL;
			}
			return s;
		}
		n = h.shape[0];
		if (!r->known)
			remember(r, i, &h);
	}
	r->known = 1;
	r->samples += n;
	r->groups++;
	return DH_OK;
}

dh_status dh_stream_next(dh_stream_reader *r, int64_t max_rows,
			 dh_tensor *out[DH_STREAM_MAX_FIELDS], dh_err *e)
{
	for (int i = 0; i < DH_STREAM_MAX_FIELDS; i++)
		out[i] = NULL;
	if (r->failed)
		return dh_err_set(e, DH_EINVAL, "%s: stream read after an error",
				  r->name);
	dh_status s = r->grouped ? next_group(r, out, e)
				 : next_plain(r, max_rows, &out[0], e);
	/* after a format error the position inside the stream is unknown */
	if (s && s != DH_EEOF)
		r->failed = 1;
	return s;
}

void dh_stream_close(dh_stream_reader *r)
{
	dh_tensor_free(r->pending);
	r->pending = NULL;
}

dh_status dh_stream_writer_open(dh_stream_writer *w, FILE *f, int nfields,
				const char *const *names, dh_err *e)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->nfields = nfields;
	if (nfields == 0)
		return DH_OK;
	if (nfields < 0 || nfields > DH_STREAM_MAX_FIELDS)
		return dh_err_set(e, DH_EINVAL, "%d stream fields (1 to %d)",
				  nfields, DH_STREAM_MAX_FIELDS);
	char text[1024];
	int at = snprintf(text, sizeof text, "%s 1, \"fields\": [",
			  DH_STREAM_MANIFEST_TAG);
	for (int i = 0; i < nfields; i++) {
		size_t len = strlen(names[i]);
		if (!len || len >= DH_STREAM_NAME_MAX || strpbrk(names[i], "\"\\"))
			return dh_err_set(e, DH_EINVAL,
					  "bad stream field name '%s'",
					  names[i]);
		at += snprintf(text + at, sizeof text - (size_t)at, "%s\"%s\"",
			       i ? ", " : "", names[i]);
	}
	at += snprintf(text + at, sizeof text - (size_t)at, "]}");
	int64_t len = at;
	dh_tensor *m = dh_tensor_wrap(DH_U8, 1, &len, text, e);
	if (!m)
		return DH_ENOMEM;
	dh_status s = dh_npy_write(f, m, e);
	dh_tensor_free(m);
	return s;
}

dh_status dh_stream_write(dh_stream_writer *w, dh_tensor *const *fields,
			  dh_err *e)
{
	int n = w->nfields ? w->nfields : 1;
	for (int i = 0; i < n; i++) {
		if (fields[i]->ndim < 1)
			return dh_err_set(e, DH_ESHAPE,
					  "stream field %d is a scalar", i);
		if (fields[i]->shape[0] != fields[0]->shape[0])
			return dh_err_set(e, DH_ESHAPE,
					  "stream field %d has %lld samples, "
					  "field 0 has %lld",
					  i, (long long)fields[i]->shape[0],
					  (long long)fields[0]->shape[0]);
	}
	for (int i = 0; i < n; i++) {
		dh_status s = dh_npy_write(w->f, fields[i], e);
		if (s)
			return s;
	}
	w->groups++;
	return DH_OK;
}
