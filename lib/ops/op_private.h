/* op_private.h - what op.c resolves for the kernels (internal to lib/ops/).
 *
 * The geometry shared by Conv and the pools: 1 to 3 spatial dimensions
 * resolved into three, leading ones set to 1, so that one loop nest serves
 * 1D, 2D and 3D.  Transpose's permutation and Slice's ranges. */
#ifndef DH_OPS_OP_PRIVATE_H
#define DH_OPS_OP_PRIVATE_H

#include <stdint.h>

#include "ops/op.h"

typedef struct dh_spatial {
	int nsp;                   /* spatial dims of the op, 1..3 */
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
	int64_t in_size, k_size, out_size; /* products */
} dh_spatial;

/* Resolve strides, dilations, pads (auto_pad included) and the output size
 * for nsp spatial dims of sizes in[] with a kernel of sizes k[].  ceil_mode
 * rounds the output size up (pools only).  Errors name op and node. */
dh_status dh_spatial_resolve(const dh_op_attrs *a, dh_op_type op,
			     const char *node, int nsp, const int64_t *in,
			     const int64_t *k, dh_spatial *g, dh_err *e);

/* ConvTranspose's geometry, seen from its output: g->in is Y's spatial
 * size (the image), g->out X's (the columns), so that the im2col/col2im of
 * Conv serve it transposed. */
dh_status dh_convtranspose_resolve(const dh_op_attrs *a, const char *node,
				   const dh_shape *x, const dh_shape *w,
				   dh_spatial *g, dh_err *e);

/* MatMul's NumPy promotion of 1-D operands: A [K] -> [1, K], B [K] ->
 * [K, 1] (the added dimension is dropped from the result). */
void dh_matmul_promote(const dh_shape *a, const dh_shape *b, dh_shape *pa,
		       dh_shape *pb);

/* Gates of a recurrent op: 1 (RNN), 3 (GRU), 4 (LSTM). */
int dh_rnn_gates(dh_op_type op);

/* Transpose's permutation (the reversal when perm is not given). */
dh_status dh_op_transpose_perm(const dh_op_attrs *a, const char *node,
			       int ndim, int64_t *perm, dh_err *e);
/* Slice's first index, step and element count per axis of x, after
 * ONNX's clamping of starts and ends. */
dh_status dh_op_slice_resolve(const dh_op_attrs *a, const char *node,
			      const dh_shape *x, int64_t *start, int64_t *step,
			      int64_t *count, dh_err *e);

#endif
