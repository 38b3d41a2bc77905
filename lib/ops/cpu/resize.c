/* resize.c - Resize (ONNX opset 13+ without cubic and crop-and-resize):
 * nearest and N-linear interpolation over any axes, forward and backward.
 *
 * Each output index along an axis maps to a source coordinate (by
 * coord_mode), then to one source index (nearest, by nearest_mode) or two
 * with weights (linear, coordinates clamped to the input like PyTorch).
 * An axis scaled by exactly 1 maps every index to itself, whatever the
 * mode.  Leading axes that do not change (batch, channels) split the
 * work: each output plane reads one input plane only, so the backward
 * scatter of one plane belongs to one thread. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/cpu/cpu.h"

/* An axis that keeps its size under a scale of exactly 1 maps every index
 * to itself whatever the modes (a scale of 1.2 on 2 elements also keeps
 * the size, but samples other coordinates). */
static int axis_identity(const dh_op_attrs *a, int axis, int64_t in,
			 int64_t out)
{
	return in == out && (!a->nscales || a->scales[axis] == 1.0f);
}

/* Source taps of output index o along one axis: idx[0..1], w[0..1]. */
static void axis_taps(const dh_op_attrs *a, int axis, int64_t in, int64_t out,
		      int64_t o, int64_t *idx, float *w)
{
	if (axis_identity(a, axis, in, out)) {
		idx[0] = idx[1] = o;
		w[0] = 1.0f, w[1] = 0.0f;
		return;
	}
	double s = a->nscales ? (double)a->scales[axis]
			      : (double)out / (double)in;
	double x;
	switch (a->coord_mode) {
	case DH_COORD_ALIGN_CORNERS:
		x = out == 1 ? 0.0 : (double)o * (in - 1) / (double)(out - 1);
		break;
	case DH_COORD_ASYMMETRIC:
		x = (double)o / s;
		break;
	case DH_COORD_PYTORCH_HALF_PIXEL:
		x = out > 1 ? ((double)o + 0.5) / s - 0.5 : 0.0;
		break;
	default:
		x = ((double)o + 0.5) / s - 0.5;
		break;
	}
	if (a->resize_mode == DH_RESIZE_NEAREST) {
		double f = floor(x), r;
		switch (a->nearest_mode) {
		case DH_NEAREST_FLOOR: r = f; break;
		case DH_NEAREST_CEIL: r = ceil(x); break;
		case DH_NEAREST_ROUND_PREFER_CEIL:
			r = x - f >= 0.5 ? f + 1 : f;
			break;
		default: r = x - f > 0.5 ? f + 1 : f; break;
		}
		int64_t i = (int64_t)r;
		i = i < 0 ? 0 : i > in - 1 ? in - 1 : i;
		idx[0] = idx[1] = i;
		w[0] = 1.0f, w[1] = 0.0f;
		return;
	}
	if (x < 0)
		x = 0;
	if (x > in - 1)
		x = (double)(in - 1);
	int64_t i0 = (int64_t)floor(x);
	idx[0] = i0;
	idx[1] = i0 + 1 < in ? i0 + 1 : i0;
	w[1] = (float)(x - (double)i0);
	w[0] = 1.0f - w[1];
}

typedef struct resize_plan {
	int nd, lead;      /* axes, leading unchanged axes */
	int64_t planes;    /* product of the leading axes */
	int64_t in_plane, out_plane;
	int64_t in[DH_MAX_DIMS], out[DH_MAX_DIMS];
} resize_plan;

static void plan_of(const dh_op_attrs *a, const dh_tensor *x,
		    const dh_tensor *y, resize_plan *p)
{
	p->nd = x->ndim;
	p->lead = 0;
	while (p->lead < x->ndim - 1 &&
	       axis_identity(a, p->lead, x->shape[p->lead], y->shape[p->lead]))
		p->lead++;
	p->planes = 1;
	p->in_plane = p->out_plane = 1;
	for (int i = 0; i < x->ndim; i++) {
		p->in[i] = x->shape[i];
		p->out[i] = y->shape[i];
		if (i < p->lead)
			p->planes *= x->shape[i];
		else
			p->in_plane *= x->shape[i], p->out_plane *= y->shape[i];
	}
}

/* Visit the 2^k taps of output element o (within a plane): their input
 * offsets within the plane and weights.  Returns the tap count. */
static int element_taps(const dh_op_attrs *a, const resize_plan *p,
			int64_t o, int64_t *off, float *wt)
{
	int64_t idx[DH_MAX_DIMS][2];
	float w[DH_MAX_DIMS][2];
	int k = p->nd - p->lead;
	for (int j = p->nd - 1; j >= p->lead; j--) {
		axis_taps(a, j, p->in[j], p->out[j], o % p->out[j], idx[j],
			  w[j]);
		o /= p->out[j];
	}
	int n = 0;
	for (int c = 0; c < (1 << k); c++) {
		int64_t at = 0;
		float weight = 1.0f;
		for (int j = p->lead; j < p->nd; j++) {
			int bit = (c >> (p->nd - 1 - j)) & 1;
			weight *= w[j][bit];
			at = at * p->in[j] + idx[j][bit];
		}
		if (weight == 0.0f)
			continue;
		off[n] = at;
		wt[n++] = weight;
	}
	return n;
}

#define MAX_TAPS (1 << DH_MAX_DIMS)

dh_status dh_cpu_resize_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				dh_tensor *const *out, dh_err *e)
{
	resize_plan p;
	plan_of(a, in[0], out[0], &p);
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t n = dh_tensor_numel(out[0]);
	DH_OMP_FOR(ctx, n * 8)
	for (int64_t i = 0; i < n; i++) {
		int64_t off[MAX_TAPS];
		float wt[MAX_TAPS];
		int64_t pl = i / p.out_plane;
		int k = element_taps(a, &p, i % p.out_plane, off, wt);
		double acc = 0.0;
		for (int t = 0; t < k; t++)
			acc += (double)wt[t] * x[pl * p.in_plane + off[t]];
		y[i] = (float)acc;
	}
	return DH_OK;
}

dh_status dh_cpu_resize_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 const dh_tensor *const *out,
				 const dh_tensor *const *dout,
				 dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	resize_plan p;
	plan_of(a, in[0], out[0], &p);
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	memset(dx, 0, dh_tensor_nbytes(din[0]));
	DH_OMP_FOR(ctx, p.planes * p.out_plane * 8)
	for (int64_t pl = 0; pl < p.planes; pl++) {
		for (int64_t o = 0; o < p.out_plane; o++) {
			int64_t off[MAX_TAPS];
			float wt[MAX_TAPS];
			int k = element_taps(a, &p, o, off, wt);
			for (int t = 0; t < k; t++)
				dx[pl * p.in_plane + off[t]] +=
					wt[t] * dy[pl * p.out_plane + o];
		}
	}
	return DH_OK;
}
