/* init.h - parameter initializers: constant, uniform, normal, Glorot/Xavier
 * and He/Kaiming (uniform and normal), orthogonal.
 *
 * Fans follow PyTorch's layout of weights, [out, in, k...]: fan_in =
 * in * prod(k), fan_out = out * prod(k).  Gemm weights stored [in, out]
 * (transB = 0) should pass their fans explicitly.  Draws come from the
 * caller's dh_rng in element order, so a seed fixes the weights. */
#ifndef DH_NN_INIT_H
#define DH_NN_INIT_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

typedef enum dh_init_kind {
	DH_INIT_CONSTANT = 0, /* a */
	DH_INIT_UNIFORM,      /* U(a, b) */
	DH_INIT_NORMAL,       /* N(a, b^2): mean a, std b */
	DH_INIT_GLOROT_UNIFORM, /* U(+-gain sqrt(6 / (fan_in + fan_out))) */
	DH_INIT_GLOROT_NORMAL,  /* std gain sqrt(2 / (fan_in + fan_out)) */
	DH_INIT_HE_UNIFORM,     /* U(+-gain sqrt(3 / fan)) */
	DH_INIT_HE_NORMAL,      /* std gain / sqrt(fan) */
	DH_INIT_ORTHOGONAL,     /* gain * a (semi-)orthogonal [out, rest] */
	DH_INIT_KIND_COUNT
} dh_init_kind;

typedef struct dh_init_opts {
	dh_init_kind kind;
	double a, b;     /* constant value; uniform bounds; normal mean, std */
	double gain;     /* 1 (Glorot, orthogonal) or sqrt(2) (He, ReLU) */
	int fan_out;     /* He: use fan_out instead of fan_in */
	int64_t fan_in_override, fan_out_override; /* > 0: use these */
} dh_init_opts;

/* Defaults for kind: gain sqrt(2) for He and 1 otherwise, U(0, 1), N(0, 1),
 * constant 0. */
void dh_init_opts_init(dh_init_opts *o, dh_init_kind kind);
const char *dh_init_kind_name(dh_init_kind k);
int dh_init_kind_parse(const char *s, dh_init_kind *out);
/* Fans of a weight of at least 2 dimensions. */
dh_status dh_init_fans(const dh_tensor *w, int64_t *fan_in, int64_t *fan_out,
		       dh_err *e);
/* Fill the float32 tensor w. */
dh_status dh_init_tensor(dh_tensor *w, const dh_init_opts *o, dh_rng *r,
			 dh_err *e);

#endif
