/* tensor.c - tensor storage, views and shape helpers (see tensor.h). */
#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

int64_t dh_shape_numel(int ndim, const int64_t *shape)
{
	if (ndim < 0 || ndim > DH_MAX_DIMS)
		return -1;
	/* strides multiply every dimension but the first, zeros or not, so a
	 * shape like [0, 2^40, 2^40] is refused too */
	int64_t n = 1, strides = 1;
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0 || __builtin_mul_overflow(n, shape[i], &n) ||
		    __builtin_mul_overflow(strides, shape[i] ? shape[i] : 1,
					   &strides))
			return -1;
	}
	if (strides > INT64_MAX / 8)
		return -1;
	/* keep byte sizes of the widest dtype (8) representable */
	if (n > (int64_t)(SIZE_MAX / 8) || n > INT64_MAX / 8)
		return -1;
	return n;
}

char *dh_shape_format(char *buf, size_t n, int ndim, const int64_t *shape)
{
	size_t at = 0;
	if (n == 0)
		return buf;
	buf[0] = '\0';
	at += (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < ndim && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "%s%lld", i ? ", " : "",
				       (long long)shape[i]);
	if (at < n)
		snprintf(buf + at, n - at, "]");
	return buf;
}

int dh_shape_equal(int na, const int64_t *a, int nb, const int64_t *b)
{
	if (na != nb)
		return 0;
	for (int i = 0; i < na; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static void set_shape(dh_tensor *t, int ndim, const int64_t *shape)
{
	t->ndim = ndim;
	int64_t s = 1;
	for (int i = ndim - 1; i >= 0; i--) {
		t->shape[i] = shape[i];
		t->strides[i] = s;
		s *= shape[i];
	}
	for (int i = ndim; i < DH_MAX_DIMS; i++) {
		t->shape[i] = 1;
		t->strides[i] = 1;
	}
}

static dh_status check_shape(dh_dtype dt, int ndim, const int64_t *shape,
			     int64_t *numel, dh_err *e)
{
	if ((unsigned)dt >= DH_DTYPE_COUNT)
		return dh_err_set(e, DH_EINVAL, "invalid dtype %d", (int)dt);
	if (ndim < 0 || ndim > DH_MAX_DIMS)
		return dh_err_set(e, DH_ESHAPE,
				  "%d dimensions (at most %d are supported)",
				  ndim, DH_MAX_DIMS);
	*numel = dh_shape_numel(ndim, shape);
	if (*numel < 0) {
		char s[160];
		return dh_err_set(e, DH_ESHAPE, "shape %s is negative or too large",
				  dh_shape_format(s, sizeof s, ndim, shape));
	}
	return DH_OK;
}

static dh_tensor *tensor_alloc(dh_err *e)
{
	dh_tensor *t = calloc(1, sizeof *t);
	if (!t)
		dh_err_set(e, DH_ENOMEM, "out of memory allocating a tensor");
	return t;
}

dh_tensor *dh_tensor_new(dh_dtype dt, int ndim, const int64_t *shape, dh_err *e)
{
	int64_t numel;
	if (check_shape(dt, ndim, shape, &numel, e))
		return NULL;
	dh_tensor *t = tensor_alloc(e);
	dh_buffer *b = t ? calloc(1, sizeof *b) : NULL;
	if (t && !b)
		dh_err_set(e, DH_ENOMEM, "out of memory allocating a tensor");
	if (!b) {
		free(t);
		return NULL;
	}
	b->size = (size_t)numel * dh_dtype_size(dt);
	b->data = dh_calloc_aligned(1, b->size, e);
	if (!b->data) {
		free(b);
		free(t);
		return NULL;
	}
	b->refs = 1;
	b->kind = DH_BUF_OWNED;
	t->dtype = dt;
	t->buf = b;
	t->data = b->data;
	set_shape(t, ndim, shape);
	return t;
}

dh_tensor *dh_tensor_wrap(dh_dtype dt, int ndim, const int64_t *shape,
			  void *data, dh_err *e)
{
	int64_t numel;
	if (check_shape(dt, ndim, shape, &numel, e))
		return NULL;
	dh_tensor *t = tensor_alloc(e);
	dh_buffer *b = t ? calloc(1, sizeof *b) : NULL;
	if (!b) {
		free(t);
		dh_err_set(e, DH_ENOMEM, "out of memory allocating a tensor");
		return NULL;
	}
	b->data = data;
	b->size = (size_t)numel * dh_dtype_size(dt);
	b->refs = 1;
	b->kind = DH_BUF_BORROWED;
	t->dtype = dt;
	t->buf = b;
	t->data = data;
	set_shape(t, ndim, shape);
	return t;
}

dh_tensor *dh_tensor_adopt(dh_dtype dt, int ndim, const int64_t *shape,
			   void *data, dh_err *e)
{
	dh_tensor *t = dh_tensor_wrap(dt, ndim, shape, data, e);
	if (!t) {
		dh_free_aligned(data);
		return NULL;
	}
	t->buf->kind = DH_BUF_OWNED;
	return t;
}

dh_status dh_tensor_rebind(dh_tensor *t, void *data, int ndim,
			   const int64_t *shape, dh_err *e)
{
	int64_t numel;
	dh_status s = check_shape(t->dtype, ndim, shape, &numel, e);
	if (s)
		return s;
	if (t->buf->kind != DH_BUF_BORROWED || t->buf->refs != 1)
		return dh_err_set(e, DH_EINVAL,
				  "only a borrowed, unshared tensor can be "
				  "rebound");
	t->buf->data = data;
	t->buf->size = (size_t)numel * dh_dtype_size(t->dtype);
	t->data = data;
	set_shape(t, ndim, shape);
	return DH_OK;
}

dh_tensor *dh_tensor_view(const dh_tensor *src, int ndim, const int64_t *shape,
			  int64_t offset, dh_err *e)
{
	int64_t numel;
	if (check_shape(src->dtype, ndim, shape, &numel, e))
		return NULL;
	size_t esz = dh_dtype_size(src->dtype);
	size_t start = (size_t)((char *)src->data - (char *)src->buf->data);
	if (offset < 0 ||
	    start + ((size_t)offset + (size_t)numel) * esz > src->buf->size) {
		dh_err_set(e, DH_ESHAPE,
			   "view of %lld elements at offset %lld reaches outside "
			   "a buffer of %zu bytes",
			   (long long)numel, (long long)offset, src->buf->size);
		return NULL;
	}
	dh_tensor *t = tensor_alloc(e);
	if (!t)
		return NULL;
	t->dtype = src->dtype;
	t->buf = src->buf;
	t->buf->refs++;
	t->data = (char *)src->data + (size_t)offset * esz;
	set_shape(t, ndim, shape);
	return t;
}

dh_tensor *dh_tensor_slice0(const dh_tensor *t, int64_t start, int64_t count,
			    dh_err *e)
{
	if (t->ndim < 1 || start < 0 || count < 0 || start + count > t->shape[0]) {
		dh_err_set(e, DH_ESHAPE, "rows [%lld, %lld) outside 0..%lld",
			   (long long)start, (long long)(start + count),
			   (long long)(t->ndim ? t->shape[0] : 0));
		return NULL;
	}
	int64_t shape[DH_MAX_DIMS];
	memcpy(shape, t->shape, sizeof shape);
	shape[0] = count;
	return dh_tensor_view(t, t->ndim, shape, start * t->strides[0], e);
}

dh_tensor *dh_tensor_clone(const dh_tensor *t, dh_err *e)
{
	dh_tensor *c = dh_tensor_new(t->dtype, t->ndim, t->shape, e);
	if (!c)
		return NULL;
	memcpy(c->data, t->data, dh_tensor_nbytes(t));
	if (t->name && dh_tensor_set_name(c, t->name, e)) {
		dh_tensor_free(c);
		return NULL;
	}
	return c;
}

void dh_tensor_free(dh_tensor *t)
{
	if (!t)
		return;
	if (t->buf && --t->buf->refs == 0) {
		if (t->buf->kind == DH_BUF_OWNED)
			dh_free_aligned(t->buf->data);
		free(t->buf);
	}
	free(t->name);
	free(t);
}

dh_status dh_tensor_reshape(dh_tensor *t, int ndim, const int64_t *shape,
			    dh_err *e)
{
	int64_t numel;
	dh_status s = check_shape(t->dtype, ndim, shape, &numel, e);
	if (s)
		return s;
	if (numel != dh_tensor_numel(t)) {
		char a[160], b[160];
		return dh_err_set(e, DH_ESHAPE, "cannot reshape %s to %s",
				  dh_shape_format(a, sizeof a, t->ndim, t->shape),
				  dh_shape_format(b, sizeof b, ndim, shape));
	}
	set_shape(t, ndim, shape);
	return DH_OK;
}

dh_status dh_tensor_convert(dh_tensor *dst, const dh_tensor *src, dh_err *e)
{
	int64_t n = dh_tensor_numel(src);
	if (n != dh_tensor_numel(dst))
		return dh_err_set(e, DH_ESHAPE,
				  "convert: %lld elements into %lld",
				  (long long)n, (long long)dh_tensor_numel(dst));
	if (dst->dtype == src->dtype) {
		memmove(dst->data, src->data, dh_tensor_nbytes(src));
		return DH_OK;
	}
	if (src->dtype == DH_F32 && dst->dtype == DH_F16) {
		const float *a = src->data;
		uint16_t *b = dst->data;
		for (int64_t i = 0; i < n; i++)
			b[i] = dh_f32_to_f16(a[i]);
		return DH_OK;
	}
	for (int64_t i = 0; i < n; i++)
		dh_dtype_put(dst->dtype, dst->data, (size_t)i,
			     dh_dtype_get(src->dtype, src->data, (size_t)i));
	return DH_OK;
}

dh_status dh_tensor_set_name(dh_tensor *t, const char *name, dh_err *e)
{
	char *copy = name ? dh_strdup(name, e) : NULL;
	if (name && !copy)
		return DH_ENOMEM;
	free(t->name);
	t->name = copy;
	return DH_OK;
}

int64_t dh_tensor_numel(const dh_tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

size_t dh_tensor_nbytes(const dh_tensor *t)
{
	return (size_t)dh_tensor_numel(t) * dh_dtype_size(t->dtype);
}

void dh_tensor_fill(dh_tensor *t, double v)
{
	int64_t n = dh_tensor_numel(t);
	if (t->dtype == DH_F32) {
		float *p = t->data, f = (float)v;
		for (int64_t i = 0; i < n; i++)
			p[i] = f;
		return;
	}
	for (int64_t i = 0; i < n; i++)
		dh_dtype_put(t->dtype, t->data, (size_t)i, v);
}
