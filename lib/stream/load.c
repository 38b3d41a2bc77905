/* load.c - a whole stream in memory (see load.h). */
#include "stream/load.h"

#include <string.h>

#include "core/alloc.h"

typedef struct growing {
	unsigned char *buf;
	size_t len, cap, row;
	int64_t rows;
	dh_dtype dtype;
	int ndim;
	int64_t shape[DH_MAX_DIMS];
} growing;

static dh_status append(growing *g, const dh_tensor *t, dh_err *e)
{
	size_t n = dh_tensor_nbytes(t);
	if (!g->buf && !g->cap) {
		g->dtype = t->dtype;
		g->ndim = t->ndim;
		memcpy(g->shape, t->shape, sizeof g->shape);
	}
	if (g->len + n > g->cap || !g->buf) {
		size_t cap = g->cap ? g->cap : ((size_t)1 << 20);
		while (cap < g->len + n)
			cap *= 2;
		unsigned char *b = dh_alloc_aligned(cap, e);
		if (!b)
			return DH_ENOMEM;
		if (g->len)
			memcpy(b, g->buf, g->len);
		dh_free_aligned(g->buf);
		g->buf = b;
		g->cap = cap;
	}
	if (n)
		memcpy(g->buf + g->len, t->data, n);
	g->len += n;
	g->rows += t->ndim ? t->shape[0] : 1;
	return DH_OK;
}

static dh_tensor *finish(growing *g, dh_err *e)
{
	if (!g->buf) { /* no samples: an empty tensor of the known shape */
		int64_t s[DH_MAX_DIMS] = {0};
		memcpy(s, g->shape, sizeof s);
		s[0] = 0;
		return dh_tensor_new(g->dtype, g->ndim ? g->ndim : 1, s, e);
	}
	g->shape[0] = g->rows;
	dh_tensor *t = dh_tensor_adopt(g->dtype, g->ndim, g->shape, g->buf, e);
	g->buf = NULL;
	return t;
}

dh_status dh_stream_load(dh_stream_reader *r, const char *xfield,
			 const char *yfield, dh_tensor **x, dh_tensor **y,
			 dh_err *e)
{
	*x = NULL;
	if (y)
		*y = NULL;
	int fx = r->grouped ? dh_stream_field(r, xfield ? xfield : "input") : 0;
	int fy = yfield && r->grouped ? dh_stream_field(r, yfield) : -1;
	if (fx < 0)
		return dh_err_set(e, DH_EFORMAT, "%s: the stream has no '%s' field",
				  r->name, xfield ? xfield : "input");
	if (yfield && fy < 0)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: the stream has no '%s' field (training "
				  "needs a grouped stream with targets; see "
				  "dh-tensor(5))",
				  r->name, yfield);
	growing gx = {0}, gy = {0};
	dh_status s;
	for (;;) {
		dh_tensor *f[DH_STREAM_MAX_FIELDS];
		s = dh_stream_next(r, 4096, f, e);
		if (s == DH_EEOF) {
			s = DH_OK;
			break;
		}
		if (s)
			break;
		s = append(&gx, f[fx], e);
		if (!s && fy >= 0)
			s = append(&gy, f[fy], e);
		for (int i = 0; i < r->nfields; i++)
			dh_tensor_free(f[i]);
		if (s)
			break;
	}
	if (!s) {
		gx.ndim = r->ndim[fx];
		memcpy(gx.shape, r->dims[fx], sizeof gx.shape);
		gx.dtype = r->dtype[fx];
		*x = finish(&gx, e);
		if (!*x)
			s = DH_ENOMEM;
	}
	if (!s && fy >= 0) {
		gy.ndim = r->ndim[fy];
		memcpy(gy.shape, r->dims[fy], sizeof gy.shape);
		gy.dtype = r->dtype[fy];
		*y = finish(&gy, e);
		if (!*y)
			s = DH_ENOMEM;
	}
	dh_free_aligned(gx.buf);
	dh_free_aligned(gy.buf);
	if (s) {
		dh_tensor_free(*x);
		*x = NULL;
		if (y) {
			dh_tensor_free(*y);
			*y = NULL;
		}
	}
	return s;
}
