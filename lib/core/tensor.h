/* tensor.h - the n-dimensional array every part of dh exchanges.
 *
 * A tensor is a dtype, a shape of up to DH_MAX_DIMS dimensions, and a pointer
 * into a reference-counted buffer.  Storage is contiguous and row-major
 * (C order); strides are kept (in elements) so that kernels can index without
 * recomputing them, and so that strided views can come later without changing
 * the struct.  Views share the buffer: freeing a tensor drops one reference and
 * the storage goes when the last view goes.
 *
 * Buffers own their memory (64-byte aligned, from dh_alloc_aligned), or borrow
 * it from the caller (dh_tensor_wrap), who keeps it alive. */
#ifndef DH_CORE_TENSOR_H
#define DH_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/dtype.h"
#include "core/error.h"

#define DH_MAX_DIMS 8

typedef enum dh_buf_kind { DH_BUF_OWNED, DH_BUF_BORROWED } dh_buf_kind;

typedef struct dh_buffer {
	void *data;
	size_t size;      /* bytes */
	int refs;
	dh_buf_kind kind;
} dh_buffer;

typedef struct dh_tensor {
	dh_dtype dtype;
	int ndim;
	int64_t shape[DH_MAX_DIMS];
	int64_t strides[DH_MAX_DIMS]; /* elements; row-major contiguous */
	void *data;                   /* first element, inside buf */
	dh_buffer *buf;
	char *name;                   /* owned; may be NULL */
} dh_tensor;

/* Number of elements of a shape; -1 if a dimension is negative or the
 * product overflows int64 or size_t bytes of the largest dtype. */
int64_t dh_shape_numel(int ndim, const int64_t *shape);
/* "[2, 3, 4]" into buf (always terminated). Returns buf. */
char *dh_shape_format(char *buf, size_t n, int ndim, const int64_t *shape);
/* 1 if both shapes are equal. */
int dh_shape_equal(int na, const int64_t *a, int nb, const int64_t *b);

/* New zero-filled tensor.  Caller owns it; dh_tensor_free releases. */
dh_tensor *dh_tensor_new(dh_dtype t, int ndim, const int64_t *shape, dh_err *e);
/* Tensor over caller memory (borrowed: not freed by dh, must outlive it). */
dh_tensor *dh_tensor_wrap(dh_dtype t, int ndim, const int64_t *shape,
			  void *data, dh_err *e);
/* Tensor that takes ownership of `data`, a block from dh_alloc_aligned of at
 * least the shape's size; on failure the block is freed. */
dh_tensor *dh_tensor_adopt(dh_dtype t, int ndim, const int64_t *shape,
			   void *data, dh_err *e);
/* Point a borrowed tensor (from dh_tensor_wrap) at other memory with
 * another shape, without allocating: how planned arenas hand out space. */
dh_status dh_tensor_rebind(dh_tensor *t, void *data, int ndim,
			   const int64_t *shape, dh_err *e);
/* A view sharing t's buffer: `ndim/shape` starting `offset` elements past
 * t->data; fails if it would reach outside the buffer. */
dh_tensor *dh_tensor_view(const dh_tensor *t, int ndim, const int64_t *shape,
			  int64_t offset, dh_err *e);
/* View of rows [start, start+count) along the first axis. */
dh_tensor *dh_tensor_slice0(const dh_tensor *t, int64_t start, int64_t count,
			    dh_err *e);
/* A new tensor with a copy of t's data (and name). */
dh_tensor *dh_tensor_clone(const dh_tensor *t, dh_err *e);
/* Drop this handle; the buffer goes with its last reference.  NULL is ok. */
void dh_tensor_free(dh_tensor *t);

/* Change the shape in place; the element count must stay the same. */
dh_status dh_tensor_reshape(dh_tensor *t, int ndim, const int64_t *shape,
			    dh_err *e);
/* Copy src into dst converting dtype; shapes must have equal numel. */
dh_status dh_tensor_convert(dh_tensor *dst, const dh_tensor *src, dh_err *e);
dh_status dh_tensor_set_name(dh_tensor *t, const char *name, dh_err *e);

int64_t dh_tensor_numel(const dh_tensor *t);
size_t dh_tensor_nbytes(const dh_tensor *t);
/* Fill every element with v (converted to the dtype). */
void dh_tensor_fill(dh_tensor *t, double v);

static inline float *dh_tensor_f32(const dh_tensor *t)
{
	return (float *)t->data;
}

#endif
