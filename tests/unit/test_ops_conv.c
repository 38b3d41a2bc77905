/* test_ops_conv.c - Conv 1D/2D/3D (strides, pads, dilations, groups,
 * depthwise, auto_pad): forward against NumPy's direct loops (tests/ref),
 * backward against finite differences, workspace reuse, determinism. */
#include "gradcheck.h"
#include "ref_ops.h"

typedef struct conv_case {
	const char *name;
	int nsp;
	int64_t strides[3], pads[6], dil[3], group;
} conv_case;

static void set_attrs(dh_op_attrs *a, const conv_case *c)
{
	dh_op_attrs_init(a, DH_OP_CONV);
	for (int i = 0; i < c->nsp; i++) {
		a->strides[i] = c->strides[i];
		a->dilations[i] = c->dil[i];
		a->pads[i] = c->pads[i];
		a->pads[c->nsp + i] = c->pads[c->nsp + i];
	}
	a->group = c->group;
}

static void check_case(test_env *t, const conv_case *c, dh_tensor *x,
		       dh_tensor *w, dh_tensor *b, const float *want,
		       int64_t nwant)
{
	dh_op_attrs a;
	set_attrs(&a, c);
	dh_tensor *in[3] = {x, w, b}, *out[1];
	int nin = b ? 3 : 2;
	if (run_forward(&t->ctx, DH_OP_CONV, &a, nin, in, 1, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), nwant);
		if (dh_tensor_numel(out[0]) == nwant)
			CHECK_CLOSE(c->name, dh_tensor_f32(out[0]), want,
				    nwant, 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	GC_OP(c->name, &t->ctx, DH_OP_CONV, &a, nin, in, 1, .eps = 1e-2);
	dh_tensor_free(x);
	dh_tensor_free(w);
	dh_tensor_free(b);
}

TEST(conv_matches_numpy_and_finite_differences)
{
	test_env t;
	env_init(&t, 2);
	static const conv_case c2 = {"conv2d stride 2x1 dil 1x2 pads",
				     2, {2, 1}, {1, 0, 2, 1}, {1, 2}, 1};
	check_case(&t, &c2, T(conv2d_x), T(conv2d_w), T(conv2d_b), conv2d_y,
		   NUMEL(conv2d_y));
	static const conv_case dw = {"depthwise x2, stride 2", 2, {2, 2},
				     {1, 1, 1, 1}, {1, 1}, 4};
	check_case(&t, &dw, T(convdw_x), T(convdw_w), T(convdw_b), convdw_y,
		   NUMEL(convdw_y));
	static const conv_case c1 = {"conv1d stride 3, no bias", 1, {3},
				     {2, 3}, {1}, 1};
	check_case(&t, &c1, T(conv1d_x), T(conv1d_w), NULL, conv1d_y,
		   NUMEL(conv1d_y));
	static const conv_case c3 = {"conv3d groups 2", 3, {1, 2, 1},
				     {1, 0, 1, 0, 1, 1}, {1, 1, 1}, 2};
	check_case(&t, &c3, T(conv3d_x), T(conv3d_w), T(conv3d_b), conv3d_y,
		   NUMEL(conv3d_y));
	static const conv_case bp = {"pads larger than the kernel, stride > "
				     "kernel",
				     2, {3, 3}, {3, 3, 3, 3}, {1, 1}, 1};
	check_case(&t, &bp, T(convbigpad_x), T(convbigpad_w), T(convbigpad_b),
		   convbigpad_y, NUMEL(convbigpad_y));
	env_release(&t);
}

/* A direct 7-loop convolution (2D, group 1) to cross-check the pointwise
 * path and odd sizes. */
static void conv_direct(const dh_tensor *x, const dh_tensor *w, float *y,
			int64_t s, int64_t p)
{
	int64_t n = x->shape[0], c = x->shape[1], h = x->shape[2],
		wd = x->shape[3];
	int64_t m = w->shape[0], kh = w->shape[2], kw = w->shape[3];
	int64_t oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1;
	const float *X = dh_tensor_f32(x), *W = dh_tensor_f32(w);
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < m; j++)
			for (int64_t u = 0; u < oh; u++)
				for (int64_t v = 0; v < ow; v++) {
					double acc = 0;
					for (int64_t q = 0; q < c; q++)
						for (int64_t r = 0; r < kh; r++)
							for (int64_t z = 0;
							     z < kw; z++) {
								int64_t iy = u * s - p + r,
									ix = v * s - p + z;
								if (iy < 0 || ix < 0 ||
								    iy >= h || ix >= wd)
									continue;
								acc += X[((i * c + q) * h + iy) * wd + ix] *
								       W[((j * c + q) * kh + r) * kw + z];
							}
					y[((i * m + j) * oh + u) * ow + v] =
						(float)acc;
				}
}

TEST(conv_pointwise_and_odd_sizes_match_direct_loops)
{
	test_env t;
	env_init(&t, 2);
	static const int64_t cfg[][6] = {
		/* c, h, w, m, k, stride/pad packed as s*10+p */
		{5, 1, 1, 3, 1, 10}, {3, 9, 7, 4, 1, 10}, {1, 5, 3, 2, 3, 11},
		{2, 7, 7, 3, 5, 22}, {3, 4, 4, 2, 1, 20}};
	for (int k = 0; k < 5; k++) {
		int64_t sx[4] = {2, cfg[k][0], cfg[k][1], cfg[k][2]};
		int64_t sw[4] = {cfg[k][3], cfg[k][0], cfg[k][4], cfg[k][4]};
		int64_t s = cfg[k][5] / 10, p = cfg[k][5] % 10;
		dh_tensor *in[2] = {t_new(4, sx), t_new(4, sw)}, *out[1];
		t_rand(in[0], &t.rng, -1, 1);
		t_rand(in[1], &t.rng, -1, 1);
		dh_op_attrs a;
		dh_op_attrs_init(&a, DH_OP_CONV);
		a.strides[0] = a.strides[1] = s;
		for (int i = 0; i < 4; i++)
			a.pads[i] = p;
		if (run_forward(&t.ctx, DH_OP_CONV, &a, 2, in, 1, out)) {
			float *want = calloc((size_t)dh_tensor_numel(out[0]),
					     sizeof(float));
			conv_direct(in[0], in[1], want, s, p);
			CHECK_CLOSE("conv vs direct", dh_tensor_f32(out[0]),
				    want, dh_tensor_numel(out[0]), 1e-5, 1e-5);
			free(want);
			dh_tensor_free(out[0]);
		}
		GC_OP("conv odd sizes", &t.ctx, DH_OP_CONV, &a, 2, in, 1,
		      .eps = 1e-2);
		dh_tensor_free(in[0]);
		dh_tensor_free(in[1]);
	}
	env_release(&t);
}

TEST(conv_grouped_pointwise_and_strided_1x1)
{
	test_env t;
	env_init(&t, 2);
	/* 1x1 with 2 groups reads X in place (no im2col); 1x1 with stride 2
	 * and padding goes through im2col */
	int64_t sx[4] = {2, 4, 3, 5}, sw[4] = {6, 2, 1, 1}, sb[1] = {6};
	dh_tensor *in[3] = {t_new(4, sx), t_new(4, sw), t_new(1, sb)};
	for (int i = 0; i < 3; i++)
		t_rand(in[i], &t.rng, -1, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONV);
	a.group = 2;
	GC_OP("conv 1x1 groups 2", &t.ctx, DH_OP_CONV, &a, 3, in, 1,
	      .eps = 1e-2);
	a.strides[0] = a.strides[1] = 2;
	a.pads[1] = a.pads[3] = 1;
	GC_OP("conv 1x1 stride 2 padded", &t.ctx, DH_OP_CONV, &a, 3, in, 1,
	      .eps = 1e-2);
	for (int i = 0; i < 3; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

/* Direct loops for a 2D Conv with every attribute: forward, and the
 * gradients of X and W (the adjoint written out), to compare the im2col
 * kernels with on random configurations. */
typedef struct conv2d_cfg {
	int64_t n, c, h, w, m, kh, kw, sh, sw, dh, dw, g;
	int64_t pt, pl, pb, pr;
} conv2d_cfg;

static int64_t out_dim(int64_t in, int64_t pa, int64_t pb, int64_t k,
		       int64_t d, int64_t s)
{
	return (in + pa + pb - (k - 1) * d - 1) / s + 1;
}

static void conv2d_ref(const conv2d_cfg *q, const float *x, const float *w,
		       const float *dy, float *y, float *dx, float *dw)
{
	int64_t oh = out_dim(q->h, q->pt, q->pb, q->kh, q->dh, q->sh);
	int64_t ow = out_dim(q->w, q->pl, q->pr, q->kw, q->dw, q->sw);
	int64_t cg = q->c / q->g, mg = q->m / q->g;
	memset(dx, 0, (size_t)(q->n * q->c * q->h * q->w) * sizeof(float));
	memset(dw, 0, (size_t)(q->m * cg * q->kh * q->kw) * sizeof(float));
	for (int64_t i = 0; i < q->n; i++)
		for (int64_t j = 0; j < q->m; j++)
			for (int64_t u = 0; u < oh; u++)
				for (int64_t v = 0; v < ow; v++) {
					int64_t o = ((i * q->m + j) * oh + u) * ow + v;
					double acc = 0;
					for (int64_t cc = 0; cc < cg; cc++)
						for (int64_t a = 0; a < q->kh; a++)
							for (int64_t b = 0; b < q->kw; b++) {
								int64_t iy = u * q->sh - q->pt + a * q->dh;
								int64_t ix = v * q->sw - q->pl + b * q->dw;
								if (iy < 0 || ix < 0 || iy >= q->h || ix >= q->w)
									continue;
								int64_t ci = (j / mg) * cg + cc;
								int64_t xi = ((i * q->c + ci) * q->h + iy) * q->w + ix;
								int64_t wi = ((j * cg + cc) * q->kh + a) * q->kw + b;
								acc += (double)x[xi] * w[wi];
								dx[xi] += w[wi] * dy[o];
								dw[wi] += x[xi] * dy[o];
							}
					y[o] = (float)acc;
				}
}

TEST(conv_random_configurations_match_direct_loops)
{
	test_env t;
	env_init(&t, 2);
	dh_rng r;
	dh_rng_seed(&r, 2718);
	int bad = 0;
	for (int it = 0; it < 150 && !bad; it++) {
		conv2d_cfg q;
		q.g = 1 + (int64_t)dh_rng_below(&r, 3);
		q.c = q.g * (1 + (int64_t)dh_rng_below(&r, 3));
		q.m = q.g * (1 + (int64_t)dh_rng_below(&r, 3));
		q.n = 1 + (int64_t)dh_rng_below(&r, 3);
		q.h = 1 + (int64_t)dh_rng_below(&r, 9);
		q.w = 1 + (int64_t)dh_rng_below(&r, 9);
		q.kh = 1 + (int64_t)dh_rng_below(&r, 4);
		q.kw = 1 + (int64_t)dh_rng_below(&r, 4);
		q.sh = 1 + (int64_t)dh_rng_below(&r, 3);
		q.sw = 1 + (int64_t)dh_rng_below(&r, 3);
		q.dh = 1 + (int64_t)dh_rng_below(&r, 3);
		q.dw = 1 + (int64_t)dh_rng_below(&r, 3);
		q.pt = (int64_t)dh_rng_below(&r, 4);
		q.pl = (int64_t)dh_rng_below(&r, 4);
		q.pb = (int64_t)dh_rng_below(&r, 4);
		q.pr = (int64_t)dh_rng_below(&r, 4);
		if (out_dim(q.h, q.pt, q.pb, q.kh, q.dh, q.sh) < 1 ||
		    out_dim(q.w, q.pl, q.pr, q.kw, q.dw, q.sw) < 1 ||
		    q.h + q.pt + q.pb < (q.kh - 1) * q.dh + 1 ||
		    q.w + q.pl + q.pr < (q.kw - 1) * q.dw + 1)
			continue;
		int64_t sx[4] = {q.n, q.c, q.h, q.w};
		int64_t sw[4] = {q.m, q.c / q.g, q.kh, q.kw};
		dh_tensor *in[2] = {t_new(4, sx), t_new(4, sw)}, *out[1];
		t_rand(in[0], &r, -1, 1);
		t_rand(in[1], &r, -1, 1);
		dh_op_attrs a;
		dh_op_attrs_init(&a, DH_OP_CONV);
		a.group = q.g;
		a.strides[0] = q.sh, a.strides[1] = q.sw;
		a.dilations[0] = q.dh, a.dilations[1] = q.dw;
		a.pads[0] = q.pt, a.pads[1] = q.pl, a.pads[2] = q.pb,
		a.pads[3] = q.pr;
		if (!run_forward(&t.ctx, DH_OP_CONV, &a, 2, in, 1, out)) {
			bad = 1;
			break;
		}
		int64_t ny = dh_tensor_numel(out[0]);
		dh_tensor *dy = t_like(out[0]), *dx = t_like(in[0]),
			  *dw = t_like(in[1]);
		t_rand(dy, &r, -1, 1);
		float *ry = malloc((size_t)ny * sizeof(float));
		float *rdx = malloc(dh_tensor_nbytes(in[0]));
		float *rdw = malloc(dh_tensor_nbytes(in[1]));
		conv2d_ref(&q, dh_tensor_f32(in[0]), dh_tensor_f32(in[1]),
			   dh_tensor_f32(dy), ry, rdx, rdw);
		const dh_tensor *co = out[0], *cdy = dy;
		dh_tensor *din[2] = {dx, dw};
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_CONV, &a, 2,
					 (const dh_tensor *const *)in, 1, &co,
					 &cdy, din, NULL),
			  DH_OK);
		int ok = CHECK_CLOSE("random conv Y", dh_tensor_f32(out[0]), ry,
				     ny, 1e-5, 1e-5) &&
			 CHECK_CLOSE("random conv dX", dh_tensor_f32(dx), rdx,
				     dh_tensor_numel(dx), 1e-5, 1e-5) &&
			 CHECK_CLOSE("random conv dW", dh_tensor_f32(dw), rdw,
				     dh_tensor_numel(dw), 1e-4, 1e-5);
		if (!ok) {
			printf("# config %d: n%lld c%lld %lldx%lld m%lld k%lldx%lld "
			       "s%lldx%lld d%lldx%lld g%lld pads %lld %lld %lld "
			       "%lld\n",
			       it, (long long)q.n, (long long)q.c,
			       (long long)q.h, (long long)q.w, (long long)q.m,
			       (long long)q.kh, (long long)q.kw,
			       (long long)q.sh, (long long)q.sw,
			       (long long)q.dh, (long long)q.dw,
			       (long long)q.g, (long long)q.pt,
			       (long long)q.pl, (long long)q.pb,
			       (long long)q.pr);
			bad = 1;
		}
		free(ry);
		free(rdx);
		free(rdw);
		dh_tensor_free(dy);
		dh_tensor_free(dx);
		dh_tensor_free(dw);
		dh_tensor_free(out[0]);
		dh_tensor_free(in[0]);
		dh_tensor_free(in[1]);
	}
	env_release(&t);
}

TEST(conv_auto_pad_same_and_valid)
{
	test_env t;
	env_init(&t, 1);
	int64_t sx[4] = {1, 2, 7, 6}, sw[4] = {3, 2, 3, 2};
	dh_tensor *in[2] = {t_new(4, sx), t_new(4, sw)};
	t_rand(in[0], &t.rng, -1, 1);
	t_rand(in[1], &t.rng, -1, 1);
	dh_op_attrs a;
	dh_shape s[2], o;
	dh_shape_of(&s[0], in[0]);
	dh_shape_of(&s[1], in[1]);
	static const dh_auto_pad modes[] = {DH_PAD_SAME_UPPER,
					    DH_PAD_SAME_LOWER, DH_PAD_VALID};
	static const int64_t want[][2] = {{4, 3}, {4, 3}, {3, 3}};
	for (int m = 0; m < 3; m++) {
		dh_op_attrs_init(&a, DH_OP_CONV);
		a.auto_pad = modes[m];
		a.strides[0] = a.strides[1] = 2;
		CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "c", 2, s, 1, &o, NULL),
			  DH_OK);
		CHECK_INT(o.d[2], want[m][0]);
		CHECK_INT(o.d[3], want[m][1]);
		GC_OP("conv auto_pad", &t.ctx, DH_OP_CONV, &a, 2, in, 1,
		      .eps = 1e-2);
	}
	/* SAME_UPPER on 7 with k 3 s 2: total pad 2, 1 each side; SAME_LOWER
	 * on 6 with k 2 s 2: total 0.  Compare with explicit pads. */
	dh_op_attrs_init(&a, DH_OP_CONV);
	a.auto_pad = DH_PAD_SAME_LOWER;
	a.strides[0] = 1, a.strides[1] = 1;
	dh_tensor *o1[1], *o2[1];
	if (run_forward(&t.ctx, DH_OP_CONV, &a, 2, in, 1, o1)) {
		/* W 3x2 at stride 1: pad 2 along H (1+1), 1 along W, the
		 * extra at the beginning for SAME_LOWER */
		dh_op_attrs b;
		dh_op_attrs_init(&b, DH_OP_CONV);
		b.pads[0] = 1, b.pads[2] = 1, b.pads[1] = 1, b.pads[3] = 0;
		if (run_forward(&t.ctx, DH_OP_CONV, &b, 2, in, 1, o2)) {
			CHECK_CLOSE("SAME_LOWER = explicit pads",
				    dh_tensor_f32(o1[0]), dh_tensor_f32(o2[0]),
				    dh_tensor_numel(o2[0]), 0, 0);
			dh_tensor_free(o2[0]);
		}
		dh_tensor_free(o1[0]);
	}
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	env_release(&t);
}

TEST(conv_workspace_settles_and_runs_are_identical)
{
	test_env t;
	env_init(&t, 2);
	int64_t sx[4] = {4, 3, 16, 16}, sw[4] = {8, 3, 3, 3}, sb[1] = {8};
	dh_tensor *in[3] = {t_new(4, sx), t_new(4, sw), t_new(1, sb)};
	for (int i = 0; i < 3; i++)
		t_rand(in[i], &t.rng, -1, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONV);
	for (int i = 0; i < 4; i++)
		a.pads[i] = 1;
	dh_tensor *out[1];
	if (!run_forward(&t.ctx, DH_OP_CONV, &a, 3, in, 1, out))
		return;
	dh_tensor *dy = t_like(out[0]);
	t_rand(dy, &t.rng, -1, 1);
	dh_tensor *g1[3] = {t_like(in[0]), t_like(in[1]), t_like(in[2])};
	dh_tensor *g2[3] = {t_like(in[0]), t_like(in[1]), t_like(in[2])};
	const dh_tensor *cin[3] = {in[0], in[1], in[2]};
	const dh_tensor *cout[1] = {out[0]}, *cdy[1] = {dy};
	dh_err e;
	CHECK_INT(dh_op_backward(&t.ctx, DH_OP_CONV, &a, 3, cin, 1, cout, cdy,
				 g1, &e),
		  DH_OK);
	int grows = t.ws.grows;
	for (int rep = 0; rep < 3; rep++) {
		CHECK_INT(dh_op_forward(&t.ctx, DH_OP_CONV, &a, 3, cin, 1, out,
					&e),
			  DH_OK);
		CHECK_INT(dh_op_backward(&t.ctx, DH_OP_CONV, &a, 3, cin, 1,
					 cout, cdy, g2, &e),
			  DH_OK);
	}
	/* no allocation after the first step */
	CHECK_INT(t.ws.grows, grows);
	for (int i = 0; i < 3; i++) {
		CHECK(memcmp(g1[i]->data, g2[i]->data,
			     dh_tensor_nbytes(g1[i])) == 0);
		dh_tensor_free(g1[i]);
		dh_tensor_free(g2[i]);
		dh_tensor_free(in[i]);
	}
	dh_tensor_free(dy);
	dh_tensor_free(out[0]);
	env_release(&t);
}

TEST(conv_bad_shapes_are_errors)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONV);
	dh_shape s[2] = {{4, {1, 3, 5, 5}}, {4, {4, 2, 3, 3}}}, o;
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "conv7", 2, s, 1, &o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "Conv node 'conv7'");
	a.group = 3;
	s[1].d[1] = 1;
	s[1].d[0] = 4; /* M not a multiple of group */
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "conv7", 2, s, 1, &o, &e),
		  DH_ESHAPE);
	a.group = 1;
	s[1] = (dh_shape){4, {4, 3, 7, 7}};
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "conv7", 2, s, 1, &o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "smaller than the kernel");
	a.strides[0] = 0;
	s[1] = (dh_shape){4, {4, 3, 3, 3}};
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "conv7", 2, s, 1, &o, &e),
		  DH_EINVAL);
	/* a zero-sized batch is fine: an empty output */
	a.strides[0] = 1;
	s[0].d[0] = 0;
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "conv7", 2, s, 1, &o, &e),
		  DH_OK);
	CHECK_INT(o.d[0], 0);
}

typedef struct convt_case {
	const char *name;
	int nsp;
	int64_t strides[3], pads[6], dil[3], opad[3], group;
} convt_case;

static void check_convt(test_env *t, const convt_case *c, dh_tensor *x,
			dh_tensor *w, dh_tensor *b, const float *want,
			int64_t nwant)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONVTRANSPOSE);
	for (int i = 0; i < c->nsp; i++) {
		a.strides[i] = c->strides[i];
		a.dilations[i] = c->dil[i];
		a.pads[i] = c->pads[i];
		a.pads[c->nsp + i] = c->pads[c->nsp + i];
		a.output_padding[i] = c->opad[i];
	}
	a.group = c->group;
	dh_tensor *in[3] = {x, w, b}, *out[1];
	int nin = b ? 3 : 2;
	if (run_forward(&t->ctx, DH_OP_CONVTRANSPOSE, &a, nin, in, 1, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), nwant);
		if (dh_tensor_numel(out[0]) == nwant)
			CHECK_CLOSE(c->name, dh_tensor_f32(out[0]), want,
				    nwant, 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	GC_OP(c->name, &t->ctx, DH_OP_CONVTRANSPOSE, &a, nin, in, 1,
	      .eps = 1e-2);
	dh_tensor_free(x);
	dh_tensor_free(w);
	dh_tensor_free(b);
}

TEST(convtranspose_matches_numpy_and_finite_differences)
{
	test_env t;
	env_init(&t, 2);
	static const convt_case c2 = {"convtranspose 2d groups 2, stride "
				      "2x3, output_padding",
				      2, {2, 3}, {1, 0, 0, 1}, {1, 2}, {1, 2},
				      2};
	check_convt(&t, &c2, T(convt2d_x), T(convt2d_w), T(convt2d_b),
		    convt2d_y, NUMEL(convt2d_y));
	static const convt_case c1 = {"convtranspose 1d", 1, {1}, {2, 1},
				      {1}, {0}, 1};
	check_convt(&t, &c1, T(convt1d_x), T(convt1d_w), NULL, convt1d_y,
		    NUMEL(convt1d_y));
	static const convt_case c3 = {"convtranspose 3d", 3, {2, 1, 2},
				      {0, 1, 1, 0, 0, 1}, {1, 1, 1},
				      {1, 0, 0}, 1};
	check_convt(&t, &c3, T(convt3d_x), T(convt3d_w), T(convt3d_b),
		    convt3d_y, NUMEL(convt3d_y));
	/* pads derived from auto_pad SAME_UPPER and from output_shape */
	dh_op_attrs a;
	dh_tensor *in[2] = {T(convtsame_x), T(convtsame_w)}, *out[1];
	dh_op_attrs_init(&a, DH_OP_CONVTRANSPOSE);
	a.strides[0] = 2;
	a.auto_pad = DH_PAD_SAME_UPPER;
	if (run_forward(&t.ctx, DH_OP_CONVTRANSPOSE, &a, 2, in, 1, out)) {
		CHECK_INT(out[0]->shape[2], 6);
		CHECK_INT(out[0]->shape[3], 4);
		CHECK_CLOSE("convtranspose SAME_UPPER", dh_tensor_f32(out[0]),
			    convtsame_y, NUMEL(convtsame_y), 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	GC_OP("convtranspose SAME_UPPER", &t.ctx, DH_OP_CONVTRANSPOSE, &a, 2,
	      in, 1, .eps = 1e-2);
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	in[0] = T(convtoshape_x), in[1] = T(convtoshape_w);
	dh_op_attrs_init(&a, DH_OP_CONVTRANSPOSE);
	a.strides[0] = 2;
	a.output_shape_ndim = 2;
	a.output_shape[0] = 5, a.output_shape[1] = 5;
	if (run_forward(&t.ctx, DH_OP_CONVTRANSPOSE, &a, 2, in, 1, out)) {
		CHECK_INT(out[0]->shape[2], 5);
		CHECK_CLOSE("convtranspose output_shape", dh_tensor_f32(out[0]),
			    convtoshape_y, NUMEL(convtoshape_y), 1e-5, 1e-5);
		dh_tensor_free(out[0]);
	}
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	dh_op_attrs_init(&a, DH_OP_CONVTRANSPOSE);
	dh_shape s[2] = {{4, {1, 2, 3, 3}}, {4, {2, 4, 3, 3}}}, o;
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_CONVTRANSPOSE, &a, "up", 2, s, 1, &o, &e),
		  DH_OK);
	CHECK_INT(o.d[1], 4);
	CHECK_INT(o.d[2], 5);
	a.output_padding[0] = 1; /* not below the stride of 1 */
	CHECK_INT(dh_op_infer(DH_OP_CONVTRANSPOSE, &a, "up", 2, s, 1, &o, &e),
		  DH_EINVAL);
	CHECK_HAS(e.msg, "ConvTranspose node 'up'");
	env_release(&t);
}

/* Each configuration against the direct loops (output, dX, dW, with a
 * bias), with 1 and 2 threads; the same thread count twice gives the same
 * bits. */
static void check_against_direct(const conv2d_cfg *cfgs, size_t ncfgs,
				 const char *label)
{
	for (int th = 1; th <= 2; th++)
		for (size_t k = 0; k < ncfgs; k++) {
			test_env t;
			env_init(&t, th);
			conv2d_cfg q = cfgs[k];
			int64_t sx[4] = {q.n, q.c, q.h, q.w};
			int64_t sw[4] = {q.m, q.c / q.g, q.kh, q.kw}, sb[1] = {q.m};
			dh_tensor *in[3] = {t_new(4, sx), t_new(4, sw),
					    t_new(1, sb)},
				  *out[1], *out2[1];
			t_rand(in[0], &t.rng, -1, 1);
			t_rand(in[1], &t.rng, -1, 1);
			t_rand(in[2], &t.rng, -1, 1);
			dh_op_attrs a;
			dh_op_attrs_init(&a, DH_OP_CONV);
			a.group = q.g;
			a.strides[0] = q.sh, a.strides[1] = q.sw;
			a.pads[0] = q.pt, a.pads[1] = q.pl, a.pads[2] = q.pb,
			a.pads[3] = q.pr;
			if (!run_forward(&t.ctx, DH_OP_CONV, &a, 3, in, 1, out)) {
				env_release(&t);
				continue;
			}
			int64_t ny = dh_tensor_numel(out[0]);
			dh_tensor *dy = t_like(out[0]), *dx = t_like(in[0]),
				  *dw = t_like(in[1]), *db = t_like(in[2]);
			dh_tensor *dx2 = t_like(in[0]), *dw2 = t_like(in[1]),
				  *db2 = t_like(in[2]);
			t_rand(dy, &t.rng, -1, 1);
			float *ry = malloc((size_t)ny * sizeof(float));
			float *rdx = malloc(dh_tensor_nbytes(in[0]));
			float *rdw = malloc(dh_tensor_nbytes(in[1]));
			conv2d_ref(&q, dh_tensor_f32(in[0]), dh_tensor_f32(in[1]),
				   dh_tensor_f32(dy), ry, rdx, rdw);
			int64_t P = ny / (q.n * q.m);
			for (int64_t i = 0; i < ny; i++)
				ry[i] += dh_tensor_f32(in[2])[(i / P) % q.m];
			const dh_tensor *co = out[0], *cdy = dy;
			dh_tensor *din[3] = {dx, dw, db}, *din2[3] = {dx2, dw2, db2};
			CHECK_INT(dh_op_backward(&t.ctx, DH_OP_CONV, &a, 3,
						 (const dh_tensor *const *)in, 1,
						 &co, &cdy, din, NULL),
				  DH_OK);
			char what[80];
			snprintf(what, sizeof what, "%s #%zu, %d thread(s)", label, k,
				 th);
			CHECK_CLOSE(what, dh_tensor_f32(out[0]), ry, ny, 1e-5, 1e-5);
			CHECK_CLOSE(what, dh_tensor_f32(dx), rdx,
				    dh_tensor_numel(dx), 1e-5, 1e-5);
			CHECK_CLOSE(what, dh_tensor_f32(dw), rdw,
				    dh_tensor_numel(dw), 1e-4, 1e-5);
			/* again: the same bits */
			if (run_forward(&t.ctx, DH_OP_CONV, &a, 3, in, 1, out2)) {
				CHECK(!memcmp(out2[0]->data, out[0]->data,
					      dh_tensor_nbytes(out[0])));
				dh_tensor_free(out2[0]);
			}
			CHECK_INT(dh_op_backward(&t.ctx, DH_OP_CONV, &a, 3,
						 (const dh_tensor *const *)in, 1,
						 &co, &cdy, din2, NULL),
				  DH_OK);
			CHECK(!memcmp(dx->data, dx2->data, dh_tensor_nbytes(dx)));
			CHECK(!memcmp(dw->data, dw2->data, dh_tensor_nbytes(dw)));
			CHECK(!memcmp(db->data, db2->data, dh_tensor_nbytes(db)));
			free(ry);
			free(rdx);
			free(rdw);
			dh_tensor *all[] = {dy, dx, dw, db, dx2, dw2, db2, out[0],
					    in[0], in[1], in[2]};
			for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
				dh_tensor_free(all[i]);
			env_release(&t);
		}
}

/* Layers large enough for the kernel's blocking: channels split into
 * im2col chunks, many samples per block, blocks shared by threads (with
 * a bias).  Against the direct loops, with 1 and 2 threads; the same
 * thread count twice gives the same bits. */
TEST(conv_chunks_and_thread_blocks_match_direct_loops)
{
	static const conv2d_cfg cfgs[] = {
		/* n  c    h  w  m   kh kw sh sw dh dw g  pt pl pb pr */
		{5, 340, 5, 5, 16, 3, 3, 1, 1, 1, 1, 2, 1, 1, 1, 1},
		{3, 96, 9, 9, 16, 5, 5, 1, 1, 1, 1, 1, 2, 2, 2, 2},
		{40, 8, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{12, 64, 16, 16, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{9, 48, 8, 8, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
	};
	check_against_direct(cfgs, sizeof cfgs / sizeof cfgs[0], "conv");
}

/* Winograd F(2x2, 3x3) (lib/ops/cpu/winograd.c), forced with DH_CONV:
 * odd output sizes (a last tile half outside), pads 0 to 2 on either
 * side, few channels, enough images for several blocks, and small planes
 * (their own path).  Against the
 * direct loops, with 1 and 2 threads; the same thread count twice gives
 * the same bits. */
TEST(conv_winograd_matches_direct_loops)
{
	static const conv2d_cfg cfgs[] = {
		/* n  c    h  w  m   kh kw sh sw dh dw g  pt pl pb pr */
		{2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{3, 5, 6, 9, 2, 3, 3, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{2, 4, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 2, 0, 0, 2},
		{1, 2, 4, 3, 5, 3, 3, 1, 1, 1, 1, 1, 0, 2, 2, 1},
		{2, 3, 1, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{3, 6, 3, 8, 4, 3, 3, 1, 1, 1, 1, 1, 2, 2, 2, 2},
		{70, 24, 6, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{4, 40, 17, 15, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		/* small planes (at most 2 x 2 tiles), many images */
		{40, 20, 4, 4, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{9, 17, 2, 3, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	};
	setenv("DH_CONV", "winograd", 1);
	check_against_direct(cfgs, sizeof cfgs / sizeof cfgs[0], "winograd");
	unsetenv("DH_CONV");
}

TAP_MAIN(TAP_CASE(conv_matches_numpy_and_finite_differences),
	 TAP_CASE(conv_pointwise_and_odd_sizes_match_direct_loops),
	 TAP_CASE(conv_grouped_pointwise_and_strided_1x1),
	 TAP_CASE(conv_random_configurations_match_direct_loops),
	 TAP_CASE(conv_chunks_and_thread_blocks_match_direct_loops),
	 TAP_CASE(conv_winograd_matches_direct_loops),
	 TAP_CASE(conv_auto_pad_same_and_valid),
	 TAP_CASE(conv_workspace_settles_and_runs_are_identical),
	 TAP_CASE(conv_bad_shapes_are_errors),
	 TAP_CASE(convtranspose_matches_numpy_and_finite_differences))
