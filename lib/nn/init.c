/* init.c - parameter initializers (see init.h). */
#include "config.h"

#include "nn/init.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static const char *const kind_names[] = {
	[DH_INIT_CONSTANT] = "constant",
	[DH_INIT_UNIFORM] = "uniform",
	[DH_INIT_NORMAL] = "normal",
	[DH_INIT_GLOROT_UNIFORM] = "glorot_uniform",
	[DH_INIT_GLOROT_NORMAL] = "glorot_normal",
	[DH_INIT_HE_UNIFORM] = "he_uniform",
	[DH_INIT_HE_NORMAL] = "he_normal",
	[DH_INIT_ORTHOGONAL] = "orthogonal",
};
static_assert(sizeof kind_names / sizeof kind_names[0] == DH_INIT_KIND_COUNT,
	      "kind_names must name every dh_init_kind");

const char *dh_init_kind_name(dh_init_kind k)
{
	return (unsigned)k < DH_INIT_KIND_COUNT ? kind_names[k] : "?";
}

int dh_init_kind_parse(const char *s, dh_init_kind *out)
{
	for (int i = 0; i < DH_INIT_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (dh_init_kind)i;
			return 0;
		}
	return -1;
}

void dh_init_opts_init(dh_init_opts *o, dh_init_kind kind)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->gain = kind == DH_INIT_HE_UNIFORM || kind == DH_INIT_HE_NORMAL
			  ? sqrt(2.0)
			  : 1.0;
	if (kind == DH_INIT_UNIFORM || kind == DH_INIT_NORMAL)
		o->b = 1.0;
}

dh_status dh_init_fans(const dh_tensor *w, int64_t *fan_in, int64_t *fan_out,
		       dh_err *e)
{
	if (w->ndim < 2)
		return dh_err_set(e, DH_ESHAPE,
				  "fans need a weight of 2 or more dimensions "
				  "(this one has %d)",
				  w->ndim);
	int64_t k = 1;
	for (int i = 2; i < w->ndim; i++)
		k *= w->shape[i];
	*fan_in = w->shape[1] * k;
	*fan_out = w->shape[0] * k;
	return DH_OK;
}

/* Orthonormalise the columns of a [rows, cols] matrix (rows >= cols) by
 * modified Gram-Schmidt; returns -1 if a column is degenerate. */
static int gram_schmidt(double *a, int64_t rows, int64_t cols)
{
	for (int64_t j = 0; j < cols; j++) {
		for (int64_t k = 0; k < j; k++) {
			double d = 0.0;
			for (int64_t i = 0; i < rows; i++)
				d += a[i * cols + j] * a[i * cols + k];
			for (int64_t i = 0; i < rows; i++)
				a[i * cols + j] -= d * a[i * cols + k];
		}
		double n = 0.0;
		for (int64_t i = 0; i < rows; i++)
			n += a[i * cols + j] * a[i * cols + j];
		n = sqrt(n);
		if (!(n > 1e-12))
			return -1;
		for (int64_t i = 0; i < rows; i++)
			a[i * cols + j] /= n;
	}
	return 0;
}

static dh_status init_orthogonal(dh_tensor *w, double gain, dh_rng *r,
				 dh_err *e)
{
	if (w->ndim < 2)
		return dh_err_set(e, DH_ESHAPE,
				  "orthogonal initialisation needs 2 or more "
				  "dimensions");
	int64_t rows = w->shape[0], n = dh_tensor_numel(w);
	int64_t cols = rows ? n / rows : 0;
	if (n == 0)
		return DH_OK;
	/* work on the tall orientation: [big, small] */
	int64_t big = rows > cols ? rows : cols, small = rows > cols ? cols
								   : rows;
	double *a = dh_malloc((size_t)n * sizeof(double), e);
	if (!a)
		return DH_ENOMEM;
	for (int tries = 0;; tries++) {
		for (int64_t i = 0; i < n; i++)
			a[i] = dh_rng_normal(r, 0.0f, 1.0f);
		if (gram_schmidt(a, big, small) == 0)
			break;
		if (tries == 3) {
			free(a);
			return dh_err_set(e, DH_ENUMERIC,
					  "orthogonal initialisation failed");
		}
	}
	float *p = dh_tensor_f32(w);
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			p[i * cols + j] = (float)(gain * (rows >= cols
							  ? a[i * cols + j]
							  : a[j * rows + i]));
	free(a);
	return DH_OK;
}

dh_status dh_init_tensor(dh_tensor *w, const dh_init_opts *o, dh_rng *r,
			 dh_err *e)
{
	if (w->dtype != DH_F32)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "initialisers fill float32 tensors, not %s",
				  dh_dtype_name(w->dtype));
	float *p = dh_tensor_f32(w);
	int64_t n = dh_tensor_numel(w);
	int64_t fi = 0, fo = 0;
	dh_status st;
	switch (o->kind) {
	case DH_INIT_GLOROT_UNIFORM:
	case DH_INIT_GLOROT_NORMAL:
	case DH_INIT_HE_UNIFORM:
	case DH_INIT_HE_NORMAL:
		if (o->fan_in_override > 0 && o->fan_out_override > 0) {
			fi = o->fan_in_override;
			fo = o->fan_out_override;
		} else if ((st = dh_init_fans(w, &fi, &fo, e))) {
			return st;
		}
		if (fi < 1 || fo < 1)
			return dh_err_set(e, DH_ESHAPE,
					  "a weight with an empty fan");
		break;
	default:
		break;
	}
	double lo = o->a, hi = o->b, mean = o->a, std = o->b;
	switch (o->kind) {
	case DH_INIT_CONSTANT:
		dh_tensor_fill(w, o->a);
		return DH_OK;
	case DH_INIT_ORTHOGONAL:
		return init_orthogonal(w, o->gain, r, e);
	case DH_INIT_GLOROT_UNIFORM:
		hi = o->gain * sqrt(6.0 / (double)(fi + fo)), lo = -hi;
		break;
	case DH_INIT_HE_UNIFORM:
		hi = o->gain * sqrt(3.0 / (double)(o->fan_out ? fo : fi));
		lo = -hi;
		break;
	case DH_INIT_GLOROT_NORMAL:
		mean = 0.0, std = o->gain * sqrt(2.0 / (double)(fi + fo));
		break;
	case DH_INIT_HE_NORMAL:
		mean = 0.0, std = o->gain / sqrt((double)(o->fan_out ? fo : fi));
		break;
	default:
		break;
	}
	int uniform = o->kind == DH_INIT_UNIFORM ||
		      o->kind == DH_INIT_GLOROT_UNIFORM ||
		      o->kind == DH_INIT_HE_UNIFORM;
	if (uniform && !(hi >= lo))
		return dh_err_set(e, DH_ERANGE,
				  "uniform bounds %g > %g", lo, hi);
	if (!uniform && !(std >= 0.0))
		return dh_err_set(e, DH_ERANGE, "negative standard deviation");
	for (int64_t i = 0; i < n; i++)
		p[i] = uniform ? dh_rng_uniform(r, (float)lo, (float)hi)
			       : dh_rng_normal(r, (float)mean, (float)std);
	return DH_OK;
}
