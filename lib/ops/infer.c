/* infer.c - shape inference of every op (see dh_op_infer in op.h), and
 * the geometry that the kernels share with it (op_private.h).  Every error
 * names the op and the node, and says which input does not fit. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/op.h"
#include "ops/op_private.h"

static const char *fmt_shape(char *buf, size_t n, const dh_shape *s)
{
	return dh_shape_format(buf, n, s->ndim, s->d);
}

/* ceil(a / b) for a >= 0, b > 0, without overflowing a + b - 1 */
static int64_t ceil_div(int64_t a, int64_t b)
{
	return a / b + (a % b != 0);
}

/* Checked int64 arithmetic for sizes that come from files (hostile ONNX
 * attributes must not overflow): 1 on overflow. */
static int mul3(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

static int add3(int64_t a, int64_t b, int64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

static dh_status too_big(dh_err *e, dh_op_type op, const char *node)
{
	return dh_op_fail(e, DH_ERANGE, op, node,
			  "sizes from the attributes overflow");
}

dh_status dh_spatial_resolve(const dh_op_attrs *a, dh_op_type op,
			     const char *node, int nsp, const int64_t *in,
			     const int64_t *k, dh_spatial *g, dh_err *e)
{
	if (nsp < 1 || nsp > DH_MAX_SPATIAL)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "%d spatial dimensions (1 to %d supported)",
				  nsp, DH_MAX_SPATIAL);
	g->nsp = nsp;
	g->in_size = g->k_size = g->out_size = 1;
	int off = 3 - nsp;
	for (int i = 0; i < 3; i++) {
		g->in[i] = g->k[i] = g->s[i] = g->d[i] = g->out[i] = 1;
		g->pb[i] = g->pe[i] = 0;
	}
	for (int i = 0; i < nsp; i++) {
		int j = off + i;
		int64_t s = a->strides[i], d = a->dilations[i];
		if (s < 1 || d < 1 || k[i] < 1)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "stride %lld, dilation %lld and "
					  "kernel %lld of spatial axis %d must "
					  "be positive",
					  (long long)s, (long long)d,
					  (long long)k[i], i);
		int64_t pb = a->pads[i], pe = a->pads[nsp + i], span;
		if (mul3(k[i] - 1, d, &span) || add3(span, 1, &span))
			return too_big(e, op, node);
		if (a->auto_pad == DH_PAD_VALID) {
			pb = pe = 0;
		} else if (a->auto_pad != DH_PAD_NOTSET) {
			/* ceil(in / s) without in + s - 1 overflowing */
			int64_t o = in[i] / s + (in[i] % s != 0), total;
			if (add3((o ? o - 1 : 0) * s, span, &total))
				return too_big(e, op, node);
			total -= in[i];
			if (total < 0)
				total = 0;
			if (a->auto_pad == DH_PAD_SAME_UPPER)
				pb = total / 2, pe = total - pb;
			else
				pe = total / 2, pb = total - pe;
		} else if (pb < 0 || pe < 0) {
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "negative pads on spatial axis %d",
					  i);
		}
		int64_t padded;
		if (add3(in[i], pb, &padded) || add3(padded, pe, &padded))
			return too_big(e, op, node);
		if (padded < span)
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "spatial axis %d: input %lld with "
					  "pads %lld+%lld is smaller than the "
					  "kernel's extent %lld",
					  i, (long long)in[i], (long long)pb,
					  (long long)pe, (long long)span);
		int64_t o;
		if (a->ceil_mode) {
			o = ceil_div(padded - span, s) + 1;
			/* the last window must start inside the input or its
			 * leading pad, as in PyTorch and ONNX's reference */
			if ((o - 1) * s >= in[i] + pb)
				o--;
		} else {
			o = (padded - span) / s + 1;
		}
		g->in[j] = in[i], g->k[j] = k[i], g->s[j] = s, g->d[j] = d;
		g->pb[j] = pb, g->pe[j] = pe, g->out[j] = o;
	}
	for (int i = 0; i < 3; i++) {
		g->in_size *= g->in[i];
		g->k_size *= g->k[i];
		g->out_size *= g->out[i];
	}
	return DH_OK;
}

/* Multidirectional (NumPy) broadcast of a and b into out. */
static dh_status broadcast_shapes(dh_op_type op, const char *node,
				  const dh_shape *a, const dh_shape *b,
				  dh_shape *out, dh_err *e)
{
	int n = a->ndim > b->ndim ? a->ndim : b->ndim;
	out->ndim = n;
	for (int i = 0; i < n; i++) {
		int ia = a->ndim - n + i, ib = b->ndim - n + i;
		int64_t da = ia >= 0 ? a->d[ia] : 1;
		int64_t db = ib >= 0 ? b->d[ib] : 1;
		if (da != db && da != 1 && db != 1) {
			char sa[128], sb[128];
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "shapes %s and %s do not broadcast "
					  "(axis %d: %lld vs %lld)",
					  fmt_shape(sa, sizeof sa, a),
					  fmt_shape(sb, sizeof sb, b), i,
					  (long long)da, (long long)db);
		}
		out->d[i] = da == 1 ? db : da;
	}
	return DH_OK;
}

static dh_status infer_gemm(const dh_op_attrs *a, const char *node, int nin,
			    const dh_shape *in, dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	if (in[0].ndim != 2 || in[1].ndim != 2)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_GEMM, node,
				  "A %s and B %s must be matrices",
				  fmt_shape(s0, sizeof s0, &in[0]),
				  fmt_shape(s1, sizeof s1, &in[1]));
	int64_t m = a->trans_a ? in[0].d[1] : in[0].d[0];
	int64_t k = a->trans_a ? in[0].d[0] : in[0].d[1];
	int64_t k2 = a->trans_b ? in[1].d[1] : in[1].d[0];
	int64_t n = a->trans_b ? in[1].d[0] : in[1].d[1];
	if (k != k2)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_GEMM, node,
				  "A %s (transA=%d) and B %s (transB=%d) "
				  "disagree on K: %lld vs %lld",
				  fmt_shape(s0, sizeof s0, &in[0]), a->trans_a,
				  fmt_shape(s1, sizeof s1, &in[1]), a->trans_b,
				  (long long)k, (long long)k2);
	out->ndim = 2;
	out->d[0] = m, out->d[1] = n;
	if (nin > 2) {
		/* C broadcasts one way only: to [M, N] */
		const dh_shape *c = &in[2];
		int ok = c->ndim <= 2;
		for (int i = 0; ok && i < c->ndim; i++) {
			int64_t want = out->d[2 - c->ndim + i];
			ok = c->d[i] == 1 || c->d[i] == want;
		}
		if (!ok)
			return dh_op_fail(e, DH_ESHAPE, DH_OP_GEMM, node,
					  "C %s does not broadcast to [%lld, "
					  "%lld]",
					  fmt_shape(s0, sizeof s0, c),
					  (long long)m, (long long)n);
	}
	return DH_OK;
}

void dh_matmul_promote(const dh_shape *a, const dh_shape *b, dh_shape *pa,
		       dh_shape *pb)
{
	*pa = *a, *pb = *b;
	if (a->ndim == 1) /* [K] -> [1, K] */
		*pa = (dh_shape){2, {1, a->d[0]}};
	if (b->ndim == 1) /* [K] -> [K, 1] */
		*pb = (dh_shape){2, {b->d[0], 1}};
}

static dh_status infer_matmul(const char *node, const dh_shape *in,
			      dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	dh_shape pa, pb;
	dh_matmul_promote(&in[0], &in[1], &pa, &pb);
	const dh_shape *a = &pa, *b = &pb;
	if (in[0].ndim < 1 || in[1].ndim < 1)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_MATMUL, node,
				  "scalar operands (%s, %s)",
				  fmt_shape(s0, sizeof s0, &in[0]),
				  fmt_shape(s1, sizeof s1, &in[1]));
	if (a->d[a->ndim - 1] != b->d[b->ndim - 2])
		return dh_op_fail(e, DH_ESHAPE, DH_OP_MATMUL, node,
				  "A %s and B %s disagree on K",
				  fmt_shape(s0, sizeof s0, a),
				  fmt_shape(s1, sizeof s1, b));
	dh_shape ba = *a, bb = *b;
	ba.ndim -= 2, bb.ndim -= 2;
	dh_status st = broadcast_shapes(DH_OP_MATMUL, node, &ba, &bb, out, e);
	if (st)
		return st;
	/* a promoted 1-D operand's dimension is dropped again */
	if (in[0].ndim > 1)
		out->d[out->ndim++] = a->d[a->ndim - 2];
	if (in[1].ndim > 1)
		out->d[out->ndim++] = b->d[b->ndim - 1];
	return DH_OK;
}

static dh_status infer_conv(const dh_op_attrs *a, const char *node, int nin,
			    const dh_shape *in, dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	const dh_shape *x = &in[0], *w = &in[1];
	if (x->ndim < 3 || x->ndim > 2 + DH_MAX_SPATIAL || w->ndim != x->ndim)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_CONV, node,
				  "X %s and W %s must both be [N, C, ...] with "
				  "1 to 3 spatial axes",
				  fmt_shape(s0, sizeof s0, x),
				  fmt_shape(s1, sizeof s1, w));
	int nsp = x->ndim - 2;
	int64_t g = a->group;
	if (g < 1 || x->d[1] % g || w->d[0] % g || w->d[1] * g != x->d[1])
		return dh_op_fail(e, DH_ESHAPE, DH_OP_CONV, node,
				  "X %s, W %s and group %lld do not fit "
				  "(W must be [M, C/group, ...], M a multiple "
				  "of group)",
				  fmt_shape(s0, sizeof s0, x),
				  fmt_shape(s1, sizeof s1, w), (long long)g);
	if (a->kernel_ndim) {
		for (int i = 0; i < nsp; i++)
			if (a->kernel_ndim != nsp ||
			    a->kernel_shape[i] != w->d[2 + i])
				return dh_op_fail(e, DH_ESHAPE, DH_OP_CONV,
						  node,
						  "kernel_shape does not match "
						  "W %s",
						  fmt_shape(s1, sizeof s1, w));
	}
	if (nin > 2 && (in[2].ndim != 1 || in[2].d[0] != w->d[0]))
		return dh_op_fail(e, DH_ESHAPE, DH_OP_CONV, node,
				  "B %s must be [%lld]",
				  fmt_shape(s0, sizeof s0, &in[2]),
				  (long long)w->d[0]);
	dh_spatial sp;
	dh_status st = dh_spatial_resolve(a, DH_OP_CONV, node, nsp, x->d + 2,
					  w->d + 2, &sp, e);
	if (st)
		return st;
	out->ndim = x->ndim;
	out->d[0] = x->d[0];
	out->d[1] = w->d[0];
	for (int i = 0; i < nsp; i++)
		out->d[2 + i] = sp.out[3 - nsp + i];
	return DH_OK;
}

dh_status dh_convtranspose_resolve(const dh_op_attrs *a, const char *node,
				   const dh_shape *x, const dh_shape *w,
				   dh_spatial *g, dh_err *e)
{
	const dh_op_type op = DH_OP_CONVTRANSPOSE;
	char s0[128], s1[128];
	if (x->ndim < 3 || x->ndim > 2 + DH_MAX_SPATIAL || w->ndim != x->ndim)
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "X %s and W %s must both be [N, C, ...] with "
				  "1 to 3 spatial axes",
				  fmt_shape(s0, sizeof s0, x),
				  fmt_shape(s1, sizeof s1, w));
	int64_t grp = a->group;
	if (grp < 1 || x->d[1] % grp || w->d[0] != x->d[1])
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "X %s, W %s and group %lld do not fit (W "
				  "must be [C, M/group, ...])",
				  fmt_shape(s0, sizeof s0, x),
				  fmt_shape(s1, sizeof s1, w), (long long)grp);
	int nsp = x->ndim - 2, off = 3 - nsp;
	if (a->output_shape_ndim && a->output_shape_ndim != nsp)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "output_shape has %d axes for %d spatial "
				  "axes",
				  a->output_shape_ndim, nsp);
	int same = a->auto_pad == DH_PAD_SAME_UPPER ||
		   a->auto_pad == DH_PAD_SAME_LOWER;
	g->nsp = nsp;
	for (int i = 0; i < 3; i++) {
		g->in[i] = g->k[i] = g->s[i] = g->d[i] = g->out[i] = 1;
		g->pb[i] = g->pe[i] = 0;
	}
	g->in_size = g->k_size = g->out_size = 1;
	for (int i = 0; i < nsp; i++) {
		int j = off + i;
		int64_t s = a->strides[i], d = a->dilations[i], k = w->d[2 + i];
		int64_t pb = a->auto_pad == DH_PAD_VALID ? 0 : a->pads[i];
		int64_t pe = a->auto_pad == DH_PAD_VALID ? 0
							 : a->pads[nsp + i];
		int64_t opad = a->output_padding[i];
		if (same || a->output_shape_ndim) {
			/* pads from the wanted size: in * stride for SAME,
			 * else output_shape; the odd one at the end for
			 * SAME_UPPER (and by default), at the start for
			 * SAME_LOWER, as the ONNX specification says */
			int64_t want = a->output_shape_ndim ? a->output_shape[i]
							    : 0, total, t2;
			if ((!a->output_shape_ndim &&
			     mul3(x->d[2 + i], s, &want)) ||
			    mul3(s, x->d[2 + i] - 1, &total) ||
			    add3(total, opad, &total) ||
			    mul3(k - 1, d, &t2) || add3(total, t2 + 1, &total) ||
			    add3(total, -want, &total))
				return too_big(e, op, node);
			if (total < 0)
				return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
						  "spatial axis %d: an output "
						  "of %lld needs negative pads",
						  i, (long long)want);
			if (a->auto_pad == DH_PAD_SAME_LOWER)
				pb = total - total / 2, pe = total / 2;
			else
				pb = total / 2, pe = total - total / 2;
		}
		if (s < 1 || d < 1 || k < 1 || pb < 0 || pe < 0 || opad < 0 ||
		    opad >= s)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "spatial axis %d: stride %lld, "
					  "dilation %lld, kernel %lld, pads "
					  "%lld+%lld, output_padding %lld do "
					  "not fit (output_padding < stride)",
					  i, (long long)s, (long long)d,
					  (long long)k, (long long)pb,
					  (long long)pe, (long long)opad);
		int64_t o, t3;
		if (mul3(s, x->d[2 + i] - 1, &o) || add3(o, opad, &o) ||
		    mul3(k - 1, d, &t3) || add3(o, t3 + 1, &o) ||
		    add3(o, -pb, &o) || add3(o, -pe, &o))
			return too_big(e, op, node);
		if (o < 1)
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "spatial axis %d: pads %lld+%lld "
					  "leave no output",
					  i, (long long)pb, (long long)pe);
		/* seen from the output, the op is a convolution of Y giving
		 * X: Y is the image, X the columns */
		g->in[j] = o, g->out[j] = x->d[2 + i], g->k[j] = k;
		g->s[j] = s, g->d[j] = d, g->pb[j] = pb, g->pe[j] = pe;
	}
	for (int i = 0; i < 3; i++) {
		g->in_size *= g->in[i];
		g->k_size *= g->k[i];
		g->out_size *= g->out[i];
	}
	return DH_OK;
}

static dh_status infer_convtranspose(const dh_op_attrs *a, const char *node,
				     int nin, const dh_shape *in,
				     dh_shape *out, dh_err *e)
{
	char s0[128];
	dh_spatial g;
	dh_status st = dh_convtranspose_resolve(a, node, &in[0], &in[1], &g, e);
	if (st)
		return st;
	int64_t m = in[1].d[1] * a->group;
	if (nin > 2 && (in[2].ndim != 1 || in[2].d[0] != m))
		return dh_op_fail(e, DH_ESHAPE, DH_OP_CONVTRANSPOSE, node,
				  "B %s must be [%lld]",
				  fmt_shape(s0, sizeof s0, &in[2]),
				  (long long)m);
	int nsp = in[0].ndim - 2;
	out->ndim = in[0].ndim;
	out->d[0] = in[0].d[0];
	out->d[1] = m;
	for (int i = 0; i < nsp; i++)
		out->d[2 + i] = g.in[3 - nsp + i];
	return DH_OK;
}

static dh_status infer_pool(dh_op_type op, const dh_op_attrs *a,
			    const char *node, const dh_shape *x, dh_shape *out,
			    dh_err *e)
{
	char s0[128];
	if (x->ndim < 3 || x->ndim > 2 + DH_MAX_SPATIAL)
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "X %s must be [N, C, ...] with 1 to 3 "
				  "spatial axes",
				  fmt_shape(s0, sizeof s0, x));
	int nsp = x->ndim - 2;
	*out = *x;
	if (op == DH_OP_GLOBALAVERAGEPOOL || op == DH_OP_GLOBALMAXPOOL) {
		for (int i = 0; i < nsp; i++)
			out->d[2 + i] = 1;
		return DH_OK;
	}
	if (a->kernel_ndim != nsp)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "kernel_shape has %d axes, X %s has %d "
				  "spatial axes",
				  a->kernel_ndim, fmt_shape(s0, sizeof s0, x),
				  nsp);
	dh_spatial sp;
	dh_status st = dh_spatial_resolve(a, op, node, nsp, x->d + 2,
					  a->kernel_shape, &sp, e);
	if (st)
		return st;
	/* a window wholly in the padding has no maximum and, without
	 * count_include_pad, no mean: refuse it rather than invent a value */
	int needs_tap = op == DH_OP_MAXPOOL || !a->count_include_pad;
	for (int j = 3 - nsp; needs_tap && j < 3; j++)
		for (int64_t o = 0; o < sp.out[j]; o++) {
			int hit = 0;
			for (int64_t t = 0; t < sp.k[j] && !hit; t++) {
				int64_t p = o * sp.s[j] - sp.pb[j] + t * sp.d[j];
				hit = p >= 0 && p < sp.in[j];
			}
			if (!hit)
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "output %lld of spatial axis "
						  "%d pools padding only",
						  (long long)o, j - (3 - nsp));
		}
	for (int i = 0; i < nsp; i++)
		out->d[2 + i] = sp.out[3 - nsp + i];
	return DH_OK;
}

static dh_status infer_batchnorm(const dh_op_attrs *a, const char *node,
				 const dh_shape *in, int nout, dh_shape *out,
				 dh_err *e)
{
	char s0[128], s1[128];
	const dh_shape *x = &in[0];
	if (x->ndim < 2)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_BATCHNORM, node,
				  "X %s must be [N, C, ...]",
				  fmt_shape(s0, sizeof s0, x));
	static const char *const what[] = {"X", "scale", "B", "input_mean",
					   "input_var"};
	for (int i = 1; i < 5; i++)
		if (in[i].ndim != 1 || in[i].d[0] != x->d[1])
			return dh_op_fail(e, DH_ESHAPE, DH_OP_BATCHNORM, node,
					  "%s %s must be [%lld] for X %s",
					  what[i],
					  fmt_shape(s0, sizeof s0, &in[i]),
					  (long long)x->d[1],
					  fmt_shape(s1, sizeof s1, x));
	if (nout > 1 && !a->training_mode)
		return dh_op_fail(e, DH_EINVAL, DH_OP_BATCHNORM, node,
				  "running_mean and running_var outputs exist "
				  "only with training_mode=1");
	out[0] = *x;
	for (int i = 1; i < nout; i++)
		out[i] = in[3];
	return DH_OK;
}

static dh_status infer_axis(dh_op_type op, const char *node, int64_t axis,
			    int ndim, int inclusive, int64_t *norm, dh_err *e);

/* LayerNormalization: Scale and B have X's shape from axis on; the Mean
 * and InvStdDev outputs keep X's leading dims and 1 elsewhere. */
static dh_status infer_layernorm(const dh_op_attrs *a, const char *node,
				 int nin, const dh_shape *in, int nout,
				 dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	int64_t ax = 0;
	dh_status st = infer_axis(DH_OP_LAYERNORM, node, a->axis, in[0].ndim,
				  0, &ax, e);
	if (st)
		return st;
	static const char *const what[] = {"X", "Scale", "B"};
	for (int i = 1; i < nin; i++) {
		const dh_shape *p = &in[i];
		int ok = p->ndim == in[0].ndim - ax;
		for (int k = 0; ok && k < p->ndim; k++)
			ok = p->d[k] == in[0].d[ax + k];
		if (!ok)
			return dh_op_fail(e, DH_ESHAPE, DH_OP_LAYERNORM, node,
					  "%s %s must have the shape of X %s "
					  "from axis %lld on",
					  what[i], fmt_shape(s0, sizeof s0, p),
					  fmt_shape(s1, sizeof s1, &in[0]),
					  (long long)ax);
	}
	out[0] = in[0];
	for (int k = 1; k < nout; k++) {
		out[k] = in[0];
		for (int j = (int)ax; j < in[0].ndim; j++)
			out[k].d[j] = 1;
	}
	return DH_OK;
}

static dh_status infer_instancenorm(const char *node, const dh_shape *in,
				    dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	if (in[0].ndim < 3)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_INSTANCENORM, node,
				  "X %s must be [N, C, ...] with spatial axes",
				  fmt_shape(s0, sizeof s0, &in[0]));
	for (int i = 1; i < 3; i++)
		if (in[i].ndim != 1 || in[i].d[0] != in[0].d[1])
			return dh_op_fail(e, DH_ESHAPE, DH_OP_INSTANCENORM,
					  node, "%s %s must be [%lld] for X %s",
					  i == 1 ? "scale" : "B",
					  fmt_shape(s0, sizeof s0, &in[i]),
					  (long long)in[0].d[1],
					  fmt_shape(s1, sizeof s1, &in[0]));
	out[0] = in[0];
	return DH_OK;
}

static dh_status infer_axis(dh_op_type op, const char *node, int64_t axis,
			    int ndim, int inclusive, int64_t *norm, dh_err *e)
{
	int64_t hi = inclusive ? ndim : ndim - 1;
	int64_t v = axis < 0 ? axis + ndim : axis;
	if (v < 0 || v > hi)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "axis %lld is out of range for %d dimensions",
				  (long long)axis, ndim);
	*norm = v;
	return DH_OK;
}

static dh_status infer_reshape(const dh_op_attrs *a, const char *node,
			       const dh_shape *x, dh_shape *out, dh_err *e)
{
	char s0[128];
	int64_t n = dh_shape_numel(x->ndim, x->d), known = 1;
	int infer_at = -1;
	if (a->shape_ndim < 0 || a->shape_ndim > DH_MAX_DIMS)
		return dh_op_fail(e, DH_EINVAL, DH_OP_RESHAPE, node,
				  "shape has %d dimensions (at most %d)",
				  a->shape_ndim, DH_MAX_DIMS);
	out->ndim = a->shape_ndim;
	for (int i = 0; i < a->shape_ndim; i++) {
		int64_t v = a->shape[i];
		if (v == 0 && !a->allowzero) {
			if (i >= x->ndim)
				return dh_op_fail(e, DH_ESHAPE, DH_OP_RESHAPE,
						  node,
						  "shape[%d] = 0 copies a "
						  "dimension X %s lacks",
						  i, fmt_shape(s0, sizeof s0, x));
			v = x->d[i];
		} else if (v == -1) {
			if (infer_at >= 0)
				return dh_op_fail(e, DH_EINVAL, DH_OP_RESHAPE,
						  node, "more than one -1 in "
						  "shape");
			infer_at = i;
			continue;
		} else if (v < 0) {
			return dh_op_fail(e, DH_EINVAL, DH_OP_RESHAPE, node,
					  "shape[%d] = %lld", i, (long long)v);
		}
		out->d[i] = v;
		if (mul3(known, v, &known))
			return too_big(e, DH_OP_RESHAPE, node);
	}
	if (infer_at >= 0) {
		if (known == 0 || n % known)
			return dh_op_fail(e, DH_ESHAPE, DH_OP_RESHAPE, node,
					  "X %s cannot be reshaped with -1 "
					  "(%lld elements)",
					  fmt_shape(s0, sizeof s0, x),
					  (long long)n);
		out->d[infer_at] = n / known;
		known = n;
	}
	if (known != n)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_RESHAPE, node,
				  "X %s has %lld elements, the new shape %lld",
				  fmt_shape(s0, sizeof s0, x), (long long)n,
				  (long long)known);
	return DH_OK;
}

/* Normalise a->axes (negative counts from the end) for rank r into a mask
 * of axes; duplicates and out-of-range axes are errors. */
static dh_status axes_mask(dh_op_type op, const char *node,
			   const dh_op_attrs *a, int r, int *mask, dh_err *e)
{
	for (int i = 0; i < r; i++)
		mask[i] = 0;
	if (a->naxes < 0 || a->naxes > DH_MAX_DIMS)
		return dh_op_fail(e, DH_EINVAL, op, node, "%d axes given",
				  a->naxes);
	for (int i = 0; i < a->naxes; i++) {
		int64_t v = a->axes[i] < 0 ? a->axes[i] + r : a->axes[i];
		if (v < 0 || v >= r)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "axis %lld is out of range for %d "
					  "dimensions",
					  (long long)a->axes[i], r);
		if (mask[v])
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "axis %lld is given twice",
					  (long long)a->axes[i]);
		mask[v] = 1;
	}
	return DH_OK;
}

dh_status dh_op_transpose_perm(const dh_op_attrs *a, const char *node,
			       int ndim, int64_t *perm, dh_err *e)
{
	if (a->perm_ndim == 0) {
		for (int i = 0; i < ndim; i++)
			perm[i] = ndim - 1 - i;
		return DH_OK;
	}
	if (a->perm_ndim != ndim)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_TRANSPOSE, node,
				  "perm has %d entries for %d dimensions",
				  a->perm_ndim, ndim);
	int seen[DH_MAX_DIMS] = {0};
	for (int i = 0; i < ndim; i++) {
		int64_t p = a->perm[i];
		if (p < 0 || p >= ndim || seen[p])
			return dh_op_fail(e, DH_EINVAL, DH_OP_TRANSPOSE, node,
					  "perm is not a permutation of 0..%d",
					  ndim - 1);
		seen[p] = 1;
		perm[i] = p;
	}
	return DH_OK;
}

dh_status dh_op_slice_resolve(const dh_op_attrs *a, const char *node,
			      const dh_shape *x, int64_t *start, int64_t *step,
			      int64_t *count, dh_err *e)
{
	int mask[DH_MAX_DIMS];
	dh_status st = axes_mask(DH_OP_SLICE, node, a, x->ndim, mask, e);
	if (st)
		return st;
	for (int i = 0; i < x->ndim; i++)
		start[i] = 0, step[i] = 1, count[i] = x->d[i];
	for (int k = 0; k < a->naxes; k++) {
		int i = (int)(a->axes[k] < 0 ? a->axes[k] + x->ndim
					     : a->axes[k]);
		int64_t d = x->d[i], s = a->steps[k];
		int64_t b = a->starts[k], en = a->ends[k];
		if (s == 0 || s == INT64_MIN)
			return dh_op_fail(e, DH_EINVAL, DH_OP_SLICE, node,
					  "step %lld on axis %d", (long long)s,
					  i);
		b = b < 0 ? b + d : b;
		en = en < 0 ? en + d : en;
		if (s > 0) {
			b = b < 0 ? 0 : b > d ? d : b;
			en = en < 0 ? 0 : en > d ? d : en;
		} else {
			b = b < 0 ? 0 : b > d - 1 ? d - 1 : b;
			en = en < -1 ? -1 : en > d - 1 ? d - 1 : en;
		}
		/* elements from b towards en by s, never overflowing */
		int64_t span = s > 0 ? en - b : b - en;
		int64_t n = span > 0 ? ceil_div(span, s > 0 ? s : -s) : 0;
		/* with one element or none the step is never taken: keep it
		 * small so that kernels can scale it by strides */
		if (n <= 1)
			s = 1;
		start[i] = b, step[i] = s, count[i] = n > 0 ? n : 0;
	}
	return DH_OK;
}

static dh_status infer_layout(dh_op_type op, const dh_op_attrs *a,
			      const char *node, int nin, const dh_shape *in,
			      int nout, dh_shape *out, dh_err *e)
{
	char s0[128], s1[128];
	const dh_shape *x = &in[0];
	int mask[DH_MAX_DIMS];
	int64_t ax = 0;
	dh_status st;
	switch (op) {
	case DH_OP_TRANSPOSE: {
		int64_t perm[DH_MAX_DIMS];
		if ((st = dh_op_transpose_perm(a, node, x->ndim, perm, e)))
			return st;
		out->ndim = x->ndim;
		for (int i = 0; i < x->ndim; i++)
			out->d[i] = x->d[perm[i]];
		return DH_OK;
	}
	case DH_OP_CONCAT:
		if ((st = infer_axis(op, node, a->axis, x->ndim, 0, &ax, e)))
			return st;
		*out = *x;
		for (int k = 1; k < nin; k++) {
			int ok = in[k].ndim == x->ndim;
			for (int i = 0; ok && i < x->ndim; i++)
				ok = i == ax || in[k].d[i] == x->d[i];
			if (!ok)
				return dh_op_fail(
					e, DH_ESHAPE, op, node,
					"input %d %s does not fit input 0 %s "
					"outside axis %lld",
					k, fmt_shape(s0, sizeof s0, &in[k]),
					fmt_shape(s1, sizeof s1, x),
					(long long)ax);
			if (add3(out->d[ax], in[k].d[ax], &out->d[ax]))
				return too_big(e, op, node);
		}
		return DH_OK;
	case DH_OP_SPLIT: {
		if ((st = infer_axis(op, node, a->axis, x->ndim, 0, &ax, e)))
			return st;
		int64_t d = x->d[ax], total = 0;
		if (a->nsplit && a->nsplit != nout)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "%d split sizes for %d outputs",
					  a->nsplit, nout);
		int64_t part = (d + nout - 1) / nout;
		for (int k = 0; k < nout; k++) {
			int64_t n = a->nsplit ? a->split[k]
					      : (d - total < part ? d - total
								   : part);
			if (n < 0)
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "negative split size");
			out[k] = *x;
			out[k].d[ax] = n;
			if (add3(total, n, &total))
				return too_big(e, op, node);
		}
		if (total != d)
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "split sizes sum to %lld, axis %lld "
					  "of X %s has %lld",
					  (long long)total, (long long)ax,
					  fmt_shape(s0, sizeof s0, x),
					  (long long)d);
		return DH_OK;
	}
	case DH_OP_SLICE: {
		int64_t b[DH_MAX_DIMS], s[DH_MAX_DIMS], c[DH_MAX_DIMS];
		if ((st = dh_op_slice_resolve(a, node, x, b, s, c, e)))
			return st;
		out->ndim = x->ndim;
		for (int i = 0; i < x->ndim; i++)
			out->d[i] = c[i];
		return DH_OK;
	}
	case DH_OP_PAD:
		out->ndim = x->ndim;
		for (int i = 0; i < x->ndim; i++) {
			int64_t pb = a->pad_amounts[i];
			int64_t pe = a->pad_amounts[x->ndim + i];
			/* kernels index with o - pb: keep that in range */
			if (pb < -(INT64_C(1) << 62) || pb > INT64_C(1) << 62)
				return too_big(e, op, node);
			if (add3(x->d[i], pb, &out->d[i]) ||
			    add3(out->d[i], pe, &out->d[i]))
				return too_big(e, op, node);
			if (out->d[i] < 0)
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "pads crop axis %d of X %s "
						  "below zero",
						  i, fmt_shape(s0, sizeof s0, x));
			if (a->pad_mode == DH_PADMODE_REFLECT &&
			    (pb >= x->d[i] || pe >= x->d[i]) &&
			    (pb > 0 || pe > 0))
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "reflect pads of %lld and "
						  "%lld need axis %d longer "
						  "than both (it has %lld)",
						  (long long)pb, (long long)pe,
						  i, (long long)x->d[i]);
			if (a->pad_mode == DH_PADMODE_EDGE && x->d[i] == 0 &&
			    (pb > 0 || pe > 0))
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "edge padding of an empty "
						  "axis %d", i);
		}
		return DH_OK;
	case DH_OP_SQUEEZE:
		if ((st = axes_mask(op, node, a, x->ndim, mask, e)))
			return st;
		out->ndim = 0;
		for (int i = 0; i < x->ndim; i++) {
			int drop = a->naxes ? mask[i] : x->d[i] == 1;
			if (drop && x->d[i] != 1)
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "axis %d of X %s is not 1",
						  i, fmt_shape(s0, sizeof s0, x));
			if (!drop)
				out->d[out->ndim++] = x->d[i];
		}
		return DH_OK;
	case DH_OP_UNSQUEEZE: {
		int r = x->ndim + a->naxes;
		if (r > DH_MAX_DIMS)
			return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
					  "%d dimensions (at most %d)", r,
					  DH_MAX_DIMS);
		if ((st = axes_mask(op, node, a, r, mask, e)))
			return st;
		out->ndim = r;
		for (int i = 0, j = 0; i < r; i++)
			out->d[i] = mask[i] ? 1 : x->d[j++];
		return DH_OK;
	}
	default: /* Reduce* */
		if ((st = axes_mask(op, node, a, x->ndim, mask, e)))
			return st;
		out->ndim = 0;
		for (int i = 0; i < x->ndim; i++) {
			int red = a->naxes ? mask[i] : !a->noop_with_empty_axes;
			if (red && x->d[i] == 0 &&
			    (op == DH_OP_REDUCEMAX || op == DH_OP_REDUCEMIN))
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "an empty axis %d has no "
						  "extremum", i);
			if (!red)
				out->d[out->ndim++] = x->d[i];
			else if (a->keepdims)
				out->d[out->ndim++] = 1;
		}
		return DH_OK;
	}
}

int dh_rnn_gates(dh_op_type op)
{
	return op == DH_OP_LSTM ? 4 : op == DH_OP_GRU ? 3 : 1;
}

/* RNN, GRU, LSTM: X [S, B, I], W [D, G H, I], R [D, G H, H], B [D, 2 G H],
 * sequence_lens [B], initial_h [D, B, H], initial_c [D, B, H], P [D, 3 H];
 * Y [S, D, B, H], Y_h and Y_c [D, B, H]. */
static dh_status infer_recurrent(dh_op_type op, const dh_op_attrs *a,
				 const char *node, int nin, const dh_shape *in,
				 int nout, dh_shape *out, dh_err *e)
{
	char s0[128];
	const dh_shape *x = &in[0], *w = &in[1];
	int64_t g = dh_rnn_gates(op);
	int64_t d = a->direction == DH_RNN_BIDIRECTIONAL ? 2 : 1;
	if ((unsigned)a->direction > DH_RNN_BIDIRECTIONAL)
		return dh_op_fail(e, DH_EINVAL, op, node, "unknown direction");
	if (!(a->rnn_clip >= 0.0f))
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "clip %g must be positive (0: none)",
				  (double)a->rnn_clip);

	if (x->ndim != 3)
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "X %s must be [seq_length, batch, input] "
				  "(or [batch, seq_length, input], layout 1)",
				  fmt_shape(s0, sizeof s0, x));
	int lay = a->rnn_layout != 0;
	if (w->ndim != 3 || w->d[0] != d || w->d[1] % g || w->d[2] != x->d[2])
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "W %s must be [%lld, %lld * hidden, %lld]",
				  fmt_shape(s0, sizeof s0, w), (long long)d,
				  (long long)g, (long long)x->d[2]);
	int64_t h = w->d[1] / g, s = x->d[lay], b = x->d[1 - lay];
	if (a->hidden_size && a->hidden_size != h)
		return dh_op_fail(e, DH_ESHAPE, op, node,
				  "hidden_size %lld, but W %s gives %lld",
				  (long long)a->hidden_size,
				  fmt_shape(s0, sizeof s0, w), (long long)h);
	/* the expected shape of each input; ndim 0 = not checked here */
	dh_shape want[8] = {
		*x,
		*w,
		{3, {d, g * h, h}},
		{2, {d, 2 * g * h}},
		{1, {b}},
		{3, {lay ? b : d, lay ? d : b, h}},
		{3, {lay ? b : d, lay ? d : b, h}},
		{2, {d, 3 * h}},
	};
	static const char *const names[8] = {"X", "W", "R", "B",
					     "sequence_lens", "initial_h",
					     "initial_c", "P"};
	for (int i = 2; i < nin; i++) {
		if (in[i].ndim < 0)
			continue;
		if (!dh_shape_equal(in[i].ndim, in[i].d, want[i].ndim,
				    want[i].d)) {
			char s1[128];
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "%s %s must be %s", names[i],
					  fmt_shape(s0, sizeof s0, &in[i]),
					  fmt_shape(s1, sizeof s1, &want[i]));
		}
	}
	out[0] = lay ? (dh_shape){4, {b, s, d, h}} : (dh_shape){4, {s, d, b, h}};
	for (int k = 1; k < nout; k++)
		out[k] = lay ? (dh_shape){3, {b, d, h}} : (dh_shape){3, {d, b, h}};
	return DH_OK;
}

static dh_status infer_op(dh_op_type op, const dh_op_attrs *a,
			  const char *node, int nin, const dh_shape *in,
			  int nout, dh_shape *out, dh_err *e)
{
	int ni, xi, no, xo;
	if ((unsigned)op >= DH_OP_COUNT)
		return dh_err_set(e, DH_EINVAL, "unknown op type %d", (int)op);
	dh_op_arity(op, &ni, &xi, &no, &xo);
	if (nin < ni || nin > xi || nout < no || nout > xo)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "%d inputs and %d outputs (takes %d to %d "
				  "inputs, %d to %d outputs)",
				  nin, nout, ni, xi, no, xo);
	for (int i = 0; i < nin; i++)
		if (in[i].ndim >= 0 && dh_shape_numel(in[i].ndim, in[i].d) < 0)
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "input %d has an invalid shape", i);
	/* enumerated attributes out of range would silently pick a mode */
	if ((unsigned)a->auto_pad > DH_PAD_VALID ||
	    (unsigned)a->pad_mode > DH_PADMODE_EDGE ||
	    (unsigned)a->resize_mode > DH_RESIZE_LINEAR ||
	    (unsigned)a->coord_mode > DH_COORD_ASYMMETRIC ||
	    (unsigned)a->nearest_mode > DH_NEAREST_CEIL ||
	    (unsigned)a->direction > DH_RNN_BIDIRECTIONAL)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "an enumerated attribute (auto_pad, mode, "
				  "coordinate mode, nearest mode or direction) "
				  "is out of range");
	for (int i = 0; i < 6; i++)
		if ((unsigned)a->rnn_acts[i] >= DH_RACT_COUNT)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "activation %d is out of range", i);
	int64_t ax = 0;
	dh_status st;
	switch (op) {
	case DH_OP_GEMM:
		return infer_gemm(a, node, nin, in, out, e);
	case DH_OP_MATMUL:
		return infer_matmul(node, in, out, e);
	case DH_OP_CONV:
		return infer_conv(a, node, nin, in, out, e);
	case DH_OP_CONVTRANSPOSE:
		return infer_convtranspose(a, node, nin, in, out, e);
	case DH_OP_MAXPOOL:
	case DH_OP_AVERAGEPOOL:
	case DH_OP_GLOBALAVERAGEPOOL:
	case DH_OP_GLOBALMAXPOOL:
		st = infer_pool(op, a, node, &in[0], out, e);
		if (!st && nout > 1)
			out[1] = out[0]; /* MaxPool's Indices */
		return st;
	case DH_OP_BATCHNORM:
		return infer_batchnorm(a, node, in, nout, out, e);
	case DH_OP_SOFTMAX:
	case DH_OP_LOGSOFTMAX:
		st = infer_axis(op, node, a->axis, in[0].ndim, 0, &ax, e);
		if (st)
			return st;
		out[0] = in[0];
		return DH_OK;
	case DH_OP_ADD:
	case DH_OP_SUB:
	case DH_OP_MUL:
	case DH_OP_DIV:
	case DH_OP_POW:
		return broadcast_shapes(op, node, &in[0], &in[1], out, e);
	case DH_OP_PRELU: {
		/* the slope broadcasts to X, one way */
		char s0[128], s1[128];
		st = broadcast_shapes(op, node, &in[0], &in[1], out, e);
		if (!st && !dh_shape_equal(out->ndim, out->d, in[0].ndim,
					   in[0].d))
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "slope %s does not broadcast to X %s",
					  fmt_shape(s0, sizeof s0, &in[1]),
					  fmt_shape(s1, sizeof s1, &in[0]));
		return st;
	}
	case DH_OP_SUM:
	case DH_OP_MEAN:
	case DH_OP_MAX:
	case DH_OP_MIN:
		*out = in[0];
		for (int i = 1; i < nin; i++) {
			dh_shape acc = *out;
			if ((st = broadcast_shapes(op, node, &acc, &in[i], out,
						   e)))
				return st;
		}
		return DH_OK;
	case DH_OP_GATHER: {
		if ((st = infer_axis(op, node, a->axis, in[0].ndim, 0, &ax, e)))
			return st;
		int r = in[0].ndim - 1 + in[1].ndim;
		if (r > DH_MAX_DIMS)
			return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
					  "%d dimensions (at most %d)", r,
					  DH_MAX_DIMS);
		out->ndim = 0;
		for (int i = 0; i < in[0].ndim; i++) {
			if (i != ax) {
				out->d[out->ndim++] = in[0].d[i];
				continue;
			}
			for (int k = 0; k < in[1].ndim; k++)
				out->d[out->ndim++] = in[1].d[k];
		}
		return DH_OK;
	}
	case DH_OP_EXPAND: {
		dh_shape want = {a->shape_ndim, {0}};
		if (a->shape_ndim < 0 || a->shape_ndim > DH_MAX_DIMS)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "shape has %d dimensions",
					  a->shape_ndim);
		for (int i = 0; i < a->shape_ndim; i++)
			want.d[i] = a->shape[i];
		return broadcast_shapes(op, node, &in[0], &want, out, e);
	}
	case DH_OP_TILE:
		*out = in[0];
		for (int i = 0; i < in[0].ndim; i++) {
			if (a->repeats[i] < 0)
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "negative repeat on axis %d",
						  i);
			if (mul3(in[0].d[i], a->repeats[i], &out->d[i]))
				return too_big(e, op, node);
		}
		return DH_OK;
	case DH_OP_RESIZE:
		if ((a->nscales != 0) == (a->shape_ndim != 0) ||
		    (a->nscales && a->nscales != in[0].ndim) ||
		    (a->shape_ndim && a->shape_ndim != in[0].ndim))
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "give either %d scales or %d sizes",
					  in[0].ndim, in[0].ndim);
		*out = in[0];
		for (int i = 0; i < in[0].ndim; i++) {
			if (a->nscales && !(a->scales[i] > 0.0f))
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "scale %g on axis %d",
						  (double)a->scales[i], i);
			double want = floor((double)in[0].d[i] * a->scales[i]);
			if (a->nscales && !(want < 9.0e18))
				return too_big(e, op, node);
			out->d[i] = a->nscales ? (int64_t)want : a->shape[i];
			if (out->d[i] < 0 || (out->d[i] > 0 && in[0].d[i] == 0))
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "axis %d cannot be resized "
						  "from %lld to %lld",
						  i, (long long)in[0].d[i],
						  (long long)out->d[i]);
		}
		return DH_OK;
	case DH_OP_RNN:
	case DH_OP_GRU:
	case DH_OP_LSTM:
		return infer_recurrent(op, a, node, nin, in, nout, out, e);
	case DH_OP_CLIP:
		if (a->clip_min > a->clip_max)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "min %g is above max %g",
					  (double)a->clip_min,
					  (double)a->clip_max);
		out[0] = in[0];
		return DH_OK;
	case DH_OP_FLATTEN: {
		st = infer_axis(op, node, a->axis, in[0].ndim, 1, &ax, e);
		if (st)
			return st;
		int64_t r = 1, c = 1;
		for (int i = 0; i < in[0].ndim; i++)
			*(i < ax ? &r : &c) *= in[0].d[i];
		out->ndim = 2;
		out->d[0] = r, out->d[1] = c;
		return DH_OK;
	}
	case DH_OP_RESHAPE:
		return infer_reshape(a, node, &in[0], out, e);
	case DH_OP_LAYERNORM:
		return infer_layernorm(a, node, nin, in, nout, out, e);
	case DH_OP_INSTANCENORM:
		return infer_instancenorm(node, in, out, e);
	case DH_OP_TRANSPOSE:
	case DH_OP_CONCAT:
	case DH_OP_SPLIT:
	case DH_OP_SLICE:
	case DH_OP_PAD:
	case DH_OP_SQUEEZE:
	case DH_OP_UNSQUEEZE:
	case DH_OP_REDUCESUM:
	case DH_OP_REDUCEMEAN:
	case DH_OP_REDUCEMAX:
	case DH_OP_REDUCEMIN:
	case DH_OP_REDUCEL2:
		return infer_layout(op, a, node, nin, in, nout, out, e);
	case DH_OP_DROPOUT:
		if (a->ratio < 0.0f || a->ratio >= 1.0f)
			return dh_op_fail(e, DH_ERANGE, op, node,
					  "ratio %g is outside [0, 1)",
					  (double)a->ratio);
		out[0] = in[0];
		if (nout > 1)
			out[1] = in[0];
		return DH_OK;
	default: /* elementwise unary ops and Identity */
		out[0] = in[0];
		return DH_OK;
	}
}

dh_status dh_op_infer(dh_op_type op, const dh_op_attrs *a, const char *node,
		      int nin, const dh_shape *in, int nout, dh_shape *out,
		      dh_err *e)
{
	dh_status st = infer_op(op, a, node, nin, in, nout, out, e);
	if (st)
		return st;
	for (int k = 0; k < nout; k++)
		if (dh_shape_numel(out[k].ndim, out[k].d) < 0)
			return dh_op_fail(e, DH_ERANGE, op, node,
					  "output %d would have too many "
					  "elements",
					  k);
	return DH_OK;
}
