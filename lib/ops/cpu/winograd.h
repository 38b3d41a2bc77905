/* winograd.h - 3x3 convolutions with unit strides by Winograd's F(2x2, 3x3)
 * (winograd.c), used by conv.c where they fit. */
#ifndef DH_OPS_CPU_WINOGRAD_H
#define DH_OPS_CPU_WINOGRAD_H

#include <stdint.h>

#include "ops/op_private.h"

/* 1 when a Conv of this geometry over n images runs as Winograd: 2D (or
 * 3D with a depth kernel of one over a depth of one), 3x3, unit strides
 * and dilations, one group, pads of at most 2, at least 16 input and
 * output channels, and at least 32 output tiles of 2x2 in all.
 * DH_CONV=im2col turns it off; DH_CONV=winograd drops the last two
 * conditions (tests). */
int dh_cpu_winograd_fits(const dh_spatial *g, int64_t n, int64_t group,
			 int64_t c, int64_t m);
/* Y [n, m, oh, ow] = conv(X [n, c, h, w], W [m, c, 3, 3]) + bias (may be
 * NULL). */
dh_status dh_cpu_winograd_forward(const dh_op_ctx *ctx, const dh_spatial *g,
				  int64_t n, int64_t c, int64_t m,
				  const float *x, const float *w,
				  const float *bias, float *y, dh_err *e);
/* dW (overwritten; NULL: not wanted) and dX (overwritten; NULL: not
 * wanted) from dY. */
dh_status dh_cpu_winograd_backward(const dh_op_ctx *ctx, const dh_spatial *g,
				   int64_t n, int64_t c, int64_t m,
				   const float *x, const float *w,
				   const float *dy, float *dw, float *dx,
				   dh_err *e);

#endif
