/* spatial.h - the geometry shared by Conv and the pools (internal to
 * lib/ops/): 1 to 3 spatial dimensions resolved into three, leading ones
 * set to 1, so that one loop nest serves 1D, 2D and 3D. */
#ifndef DH_OPS_SPATIAL_H
#define DH_OPS_SPATIAL_H

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

#endif
