/* shape.c - ops that move no values: Flatten, Reshape, Identity, Squeeze,
 * Unsqueeze.
 *
 * Tensors are contiguous, so each is a copy of the data into an output of
 * another shape, and its backward a copy of dY back into X's shape. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"

static dh_status copy_forward(const dh_tensor *const *in,
			      dh_tensor *const *out)
{
	if (out[0]->data != in[0]->data)
		memcpy(out[0]->data, in[0]->data, dh_tensor_nbytes(in[0]));
	return DH_OK;
}

static dh_status copy_backward(const dh_tensor *const *dout,
			       dh_tensor *const *din)
{
	if (din[0] && din[0]->data != dout[0]->data)
		memcpy(din[0]->data, dout[0]->data, dh_tensor_nbytes(dout[0]));
	return DH_OK;
}

#define COPY_OP(name)                                                        \
	dh_status dh_cpu_##name##_forward(                                   \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout, dh_tensor *const *out, \
		dh_err *e)                                                   \
	{                                                                    \
		return copy_forward(in, out);                                \
	}                                                                    \
	dh_status dh_cpu_##name##_backward(                                  \
		const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,         \
		const dh_tensor *const *in, int nout,                        \
		const dh_tensor *const *out, const dh_tensor *const *dout,   \
		dh_tensor *const *din, dh_err *e)                            \
	{                                                                    \
		return copy_backward(dout, din);                             \
	}

COPY_OP(flatten)
COPY_OP(reshape)
COPY_OP(identity)
COPY_OP(squeeze)
COPY_OP(unsqueeze)
