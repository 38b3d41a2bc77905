/* test_nn_loss.c - losses: values against NumPy (tests/ref/gen_nn.py),
 * gradients against finite differences, bad input. */
#include "gradcheck.h"
#include "nn/loss.h"
#include "ref_nn.h"

/* Adapters: the loss as a one-element output for the gradient checker. */
typedef struct ce_u {
	const dh_tensor *labels;
	dh_ce_opts o;
} ce_u;

static dh_status ce_fwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			dh_err *e)
{
	ce_u *c = u;
	double l;
	dh_status st = dh_loss_softmax_ce(in[0], c->labels, &c->o, &l, NULL, e);
	dh_tensor_f32(out[0])[0] = (float)l;
	return st;
}

static dh_status ce_bwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			dh_tensor *const *dout, dh_tensor *const *din,
			dh_err *e)
{
	ce_u *c = u;
	double l;
	dh_status st = dh_loss_softmax_ce(in[0], c->labels, &c->o, &l, din[0],
					  e);
	float k = dh_tensor_f32(dout[0])[0];
	for (int64_t i = 0; i < dh_tensor_numel(din[0]); i++)
		dh_tensor_f32(din[0])[i] *= k;
	return st;
}

TEST(softmax_ce_matches_numpy)
{
	dh_tensor *z = T(ce_z), *w = T(ce_w), *g = t_like(z);
	int64_t n = 5;
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, &n, (void *)ce_y, NULL);
	double l;
	dh_err e;
	CHECK_INT(dh_loss_softmax_ce(z, y, NULL, &l, g, &e), DH_OK);
	CHECK_NEAR(l, ce_plain, 1e-6);
	dh_ce_opts o = {w, 0.0f, DH_REDUCE_MEAN, 0, 0};
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, ce_weighted, 1e-6);
	o.label_smoothing = 0.1f;
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, ce_smooth, 1e-6);
	/* [N, C, H, W] logits with [N, H, W] labels (segmentation) */
	dh_tensor *z4 = T(ce4_z);
	int64_t s4[3] = {2, 2, 2};
	dh_tensor *y4 = dh_tensor_wrap(DH_I64, 3, s4, (void *)ce4_y, NULL);
	CHECK_INT(dh_loss_softmax_ce(z4, y4, NULL, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, ce4_plain, 1e-6);

	int64_t one = 1;
	dh_tensor *lo = t_new(1, &one);
	ce_u u = {y, {NULL, 0.0f, DH_REDUCE_MEAN, 0, 0}};
	GC_CHECK("ce", ce_fwd, ce_bwd, &u, 1, &z, 1, &lo, .eps = 2e-3);
	u.o = (dh_ce_opts){w, 0.2f, DH_REDUCE_MEAN, 0, 0};
	GC_CHECK("ce weighted smoothed", ce_fwd, ce_bwd, &u, 1, &z, 1, &lo,
		 .eps = 2e-3);
	u.o.reduction = DH_REDUCE_SUM;
	GC_CHECK("ce sum", ce_fwd, ce_bwd, &u, 1, &z, 1, &lo, .eps = 2e-3);
	u = (ce_u){y4, {NULL, 0.0f, DH_REDUCE_MEAN, 0, 0}};
	GC_CHECK("ce 4d", ce_fwd, ce_bwd, &u, 1, &z4, 1, &lo, .eps = 2e-3);
	dh_tensor_free(lo);
	dh_tensor_free(z);
	dh_tensor_free(z4);
	dh_tensor_free(w);
	dh_tensor_free(g);
	dh_tensor_free(y);
	dh_tensor_free(y4);
}

TEST(softmax_ce_bad_input)
{
	int64_t sz[2] = {2, 3}, sy[1] = {2}, sw[1] = {4};
	dh_tensor *z = t_new(2, sz), *w = t_new(1, sw);
	dh_tensor *y = dh_tensor_new(DH_I32, 1, sy, NULL);
	dh_tensor *yf = t_new(1, sy);
	double l;
	dh_err e;
	((int32_t *)y->data)[1] = 3;
	CHECK_INT(dh_loss_softmax_ce(z, y, NULL, &l, NULL, &e), DH_ERANGE);
	CHECK_HAS(e.msg, "label 3 at position 1 is outside [0, 3)");
	((int32_t *)y->data)[1] = 2;
	CHECK_INT(dh_loss_softmax_ce(z, y, NULL, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, log(3.0), 1e-9);
	CHECK_INT(dh_loss_softmax_ce(z, yf, NULL, &l, NULL, &e), DH_EINVAL);
	dh_ce_opts o = {w, 0.0f, DH_REDUCE_MEAN, 0, 0};
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, NULL, &e), DH_ESHAPE);
	o = (dh_ce_opts){NULL, 1.0f, DH_REDUCE_MEAN, 0, 0};
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, NULL, &e), DH_ERANGE);
	CHECK_INT(dh_loss_softmax_ce(w, y, NULL, &l, NULL, &e), DH_ESHAPE);
	/* an empty batch has no mean */
	int64_t s0[2] = {0, 3}, s00[1] = {0};
	dh_tensor *z0 = t_new(2, s0), *y0 = dh_tensor_new(DH_I64, 1, s00, NULL);
	CHECK_INT(dh_loss_softmax_ce(z0, y0, NULL, &l, NULL, &e), DH_ESHAPE);
	dh_tensor_free(z);
	dh_tensor_free(w);
	dh_tensor_free(y);
	dh_tensor_free(yf);
	dh_tensor_free(z0);
	dh_tensor_free(y0);
}

typedef enum { L_MSE, L_BCE, L_MAE, L_HUBER, L_DICE } loss_kind;

typedef struct pair_u {
	const dh_tensor *target;
	loss_kind k;
	dh_reduction r;
} pair_u;

static dh_status pair_loss(pair_u *p, const dh_tensor *x, double *l,
			   dh_tensor *g, dh_err *e)
{
	switch (p->k) {
	case L_BCE: return dh_loss_bce_logits(x, p->target, p->r, l, g, e);
	case L_MAE: return dh_loss_mae(x, p->target, p->r, l, g, e);
	case L_HUBER: return dh_loss_huber(x, p->target, 0.8, p->r, l, g, e);
	case L_DICE: return dh_loss_dice(x, p->target, 1.0, l, g, e);
	default: return dh_loss_mse(x, p->target, p->r, l, g, e);
	}
}

static dh_status pair_fwd(void *u, dh_tensor *const *in,
			  dh_tensor *const *out, dh_err *e)
{
	pair_u *p = u;
	double l;
	dh_status st = pair_loss(p, in[0], &l, NULL, e);
	dh_tensor_f32(out[0])[0] = (float)l;
	return st;
}

static dh_status pair_bwd(void *u, dh_tensor *const *in,
			  dh_tensor *const *out, dh_tensor *const *dout,
			  dh_tensor *const *din, dh_err *e)
{
	pair_u *p = u;
	double l;
	dh_status st = pair_loss(p, in[0], &l, din[0], e);
	float k = dh_tensor_f32(dout[0])[0];
	for (int64_t i = 0; i < dh_tensor_numel(din[0]); i++)
		dh_tensor_f32(din[0])[i] *= k;
	return st;
}

TEST(bce_and_mse_match_numpy)
{
	dh_tensor *z = T(bce_z), *t = T(bce_t), *p = T(mse_p), *m = T(mse_t);
	double l;
	CHECK_INT(dh_loss_bce_logits(z, t, DH_REDUCE_MEAN, &l, NULL, NULL),
		  DH_OK);
	CHECK_NEAR(l, bce_mean, 1e-6);
	CHECK_INT(dh_loss_mse(p, m, DH_REDUCE_MEAN, &l, NULL, NULL), DH_OK);
	CHECK_NEAR(l, mse_mean, 1e-6);
	CHECK_INT(dh_loss_mse(p, m, DH_REDUCE_SUM, &l, NULL, NULL), DH_OK);
	CHECK_NEAR(l, mse_sum, 1e-5);
	int64_t one = 1;
	dh_tensor *lo = t_new(1, &one);
	pair_u u = {t, L_BCE, DH_REDUCE_MEAN};
	GC_CHECK("bce", pair_fwd, pair_bwd, &u, 1, &z, 1, &lo, .eps = 2e-3);
	u = (pair_u){m, L_MSE, DH_REDUCE_MEAN};
	GC_CHECK("mse", pair_fwd, pair_bwd, &u, 1, &p, 1, &lo, .eps = 2e-3);
	u.r = DH_REDUCE_SUM;
	GC_CHECK("mse sum", pair_fwd, pair_bwd, &u, 1, &p, 1, &lo,
		 .eps = 2e-3);
	dh_err e;
	CHECK_INT(dh_loss_mse(p, z, DH_REDUCE_MEAN, &l, NULL, &e), DH_ESHAPE);
	CHECK_HAS(e.msg, "differ");
	/* stable for large logits */
	static const float big[2] = {500.0f, -500.0f}, tt[2] = {1.0f, 0.0f};
	int64_t two = 2;
	dh_tensor *bz = t_from(1, &two, big), *bt = t_from(1, &two, tt);
	CHECK_INT(dh_loss_bce_logits(bz, bt, DH_REDUCE_MEAN, &l, NULL, NULL),
		  DH_OK);
	CHECK(isfinite(l) && l < 1e-30);
	dh_tensor_free(bz);
	dh_tensor_free(bt);
	dh_tensor_free(lo);
	dh_tensor_free(z);
	dh_tensor_free(t);
	dh_tensor_free(p);
	dh_tensor_free(m);
}

/* MAE and Huber have kinks at d = 0 and |d| = delta: targets are moved
 * so that no difference sits within eps of one. */
static void away_from_kinks(dh_tensor *p, const dh_tensor *t, double delta)
{
	float *pp = dh_tensor_f32(p);
	const float *tt = dh_tensor_f32(t);
	for (int64_t i = 0; i < dh_tensor_numel(p); i++) {
		double d = (double)pp[i] - tt[i];
		if (fabs(d) < 0.01 || fabs(fabs(d) - delta) < 0.01)
			pp[i] += 0.05f;
	}
}

TEST(mae_huber_nll_dice_match_numpy)
{
	dh_tensor *p = T(mse_p), *m = T(mse_t);
	double l;
	CHECK_INT(dh_loss_mae(p, m, DH_REDUCE_MEAN, &l, NULL, NULL), DH_OK);
	CHECK_NEAR(l, mae_mean, 1e-6);
	CHECK_INT(dh_loss_huber(p, m, 0.8, DH_REDUCE_MEAN, &l, NULL, NULL),
		  DH_OK);
	CHECK_NEAR(l, huber_mean, 1e-6);
	int64_t one = 1;
	dh_tensor *lo = t_new(1, &one);
	away_from_kinks(p, m, 0.8);
	pair_u u = {m, L_MAE, DH_REDUCE_MEAN};
	GC_CHECK("mae", pair_fwd, pair_bwd, &u, 1, &p, 1, &lo, .eps = 2e-3);
	u.k = L_HUBER;
	GC_CHECK("huber", pair_fwd, pair_bwd, &u, 1, &p, 1, &lo, .eps = 2e-3);
	dh_err e;
	CHECK_INT(dh_loss_huber(p, m, 0.0, DH_REDUCE_MEAN, &l, NULL, &e),
		  DH_ERANGE);

	dh_tensor *lp = T(nll_lp), *w = T(ce_w);
	int64_t n = 5;
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, &n, (void *)ce_y, NULL);
	dh_ce_opts o = {w, 0.0f, DH_REDUCE_MEAN, 0, 0};
	dh_tensor *g = t_like(lp);
	CHECK_INT(dh_loss_nll(lp, y, &o, &l, g, &e), DH_OK);
	CHECK_NEAR(l, nll_weighted, 1e-6);
	/* NLL of LogSoftmax is the cross-entropy */
	dh_tensor *z = T(ce_z), *ls = t_like(z);
	const float *zz = dh_tensor_f32(z);
	for (int i = 0; i < 5; i++) {
		double mx = zz[i * 4], s = 0;
		for (int k = 1; k < 4; k++)
			mx = zz[i * 4 + k] > mx ? zz[i * 4 + k] : mx;
		for (int k = 0; k < 4; k++)
			s += exp(zz[i * 4 + k] - mx);
		for (int k = 0; k < 4; k++)
			dh_tensor_f32(ls)[i * 4 + k] =
				(float)(zz[i * 4 + k] - mx - log(s));
	}
	CHECK_INT(dh_loss_nll(ls, y, &o, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, ce_weighted, 1e-6);
	o.label_smoothing = 0.1f;
	CHECK_INT(dh_loss_nll(ls, y, &o, &l, NULL, &e), DH_EINVAL);

	dh_tensor *dpb = T(dice_p), *dtg = T(dice_t);
	CHECK_INT(dh_loss_dice(dpb, dtg, 1.0, &l, NULL, &e), DH_OK);
	CHECK_NEAR(l, dice_loss, 1e-6);
	u = (pair_u){dtg, L_DICE, DH_REDUCE_MEAN};
	GC_CHECK("dice", pair_fwd, pair_bwd, &u, 1, &dpb, 1, &lo,
		 .eps = 2e-3);
	CHECK_INT(dh_loss_dice(dpb, dtg, 0.0, &l, NULL, &e), DH_ERANGE);

	dh_tensor *all[] = {p, m, lo, lp, w, y, g, z, ls, dpb, dtg};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dh_tensor_free(all[i]);
}

typedef struct nll_u {
	const dh_tensor *labels;
	dh_ce_opts o;
} nll_u;

static dh_status nll_fwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			 dh_err *e)
{
	nll_u *c = u;
	double l;
	dh_status st = dh_loss_nll(in[0], c->labels, &c->o, &l, NULL, e);
	dh_tensor_f32(out[0])[0] = (float)l;
	return st;
}

static dh_status nll_bwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			 dh_tensor *const *dout, dh_tensor *const *din,
			 dh_err *e)
{
	nll_u *c = u;
	double l;
	dh_status st = dh_loss_nll(in[0], c->labels, &c->o, &l, din[0], e);
	for (int64_t i = 0; i < dh_tensor_numel(din[0]); i++)
		dh_tensor_f32(din[0])[i] *= dh_tensor_f32(dout[0])[0];
	return st;
}

TEST(nll_gradient)
{
	dh_tensor *lp = T(nll_lp), *w = T(ce_w);
	int64_t n = 5, one = 1;
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, &n, (void *)ce_y, NULL);
	dh_tensor *lo = t_new(1, &one);
	nll_u u = {y, {w, 0.0f, DH_REDUCE_MEAN, 0, 0}};
	GC_CHECK("nll weighted", nll_fwd, nll_bwd, &u, 1, &lp, 1, &lo);
	u.o.reduction = DH_REDUCE_SUM;
	GC_CHECK("nll sum", nll_fwd, nll_bwd, &u, 1, &lp, 1, &lo);
	dh_tensor_free(lp);
	dh_tensor_free(w);
	dh_tensor_free(y);
	dh_tensor_free(lo);
}

TEST(cross_entropy_ignores_a_label)
{
	dh_tensor *z = T(cei_z), *g = t_like(z);
	int64_t sy[3] = {2, 2, 3}, sw[1] = {3}, one = 1;
	dh_tensor *y = dh_tensor_wrap(DH_I64, 3, sy, (void *)cei_y, NULL);
	dh_tensor *w = t_from(1, sw, (const float[]){1.0f, 2.0f, 0.5f});
	dh_ce_opts o = {w, 0.0f, DH_REDUCE_MEAN, 1, 255};
	double l;
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, g, NULL), DH_OK);
	CHECK_NEAR(l, cei_loss, 1e-6);
	/* ignored positions get no gradient */
	for (int k = 0; k < 3; k++)
		CHECK_NEAR(dh_tensor_f32(g)[(0 * 3 + k) * 6 + 5], 0.0, 0);
	dh_tensor *lo = t_new(1, &one);
	ce_u u = {y, o};
	GC_CHECK("ce ignore_index", ce_fwd, ce_bwd, &u, 1, &z, 1, &lo,
		 .eps = 2e-3);
	/* without use_ignore, 255 is a bad label */
	o.use_ignore = 0;
	dh_err e;
	CHECK_INT(dh_loss_softmax_ce(z, y, &o, &l, NULL, &e), DH_ERANGE);
	/* a batch that is all ignored teaches nothing: loss 0 */
	int64_t all[12];
	for (int i = 0; i < 12; i++)
		all[i] = 255;
	dh_tensor *ya = dh_tensor_wrap(DH_I64, 3, sy, all, NULL);
	o.use_ignore = 1;
	CHECK_INT(dh_loss_softmax_ce(z, ya, &o, &l, g, &e), DH_OK);
	CHECK_NEAR(l, 0.0, 0);
	CHECK_NEAR(dh_tensor_f32(g)[7], 0.0, 0);
	CHECK_INT(dh_loss_nll(z, ya, &o, &l, g, &e), DH_OK);
	CHECK_NEAR(l, 0.0, 0);
	dh_tensor *all_t[] = {z, g, y, w, lo, ya};
	for (size_t i = 0; i < sizeof all_t / sizeof all_t[0]; i++)
		dh_tensor_free(all_t[i]);
}

TAP_MAIN(TAP_CASE(softmax_ce_matches_numpy), TAP_CASE(softmax_ce_bad_input),
	 TAP_CASE(bce_and_mse_match_numpy),
	 TAP_CASE(mae_huber_nll_dice_match_numpy), TAP_CASE(nll_gradient),
	 TAP_CASE(cross_entropy_ignores_a_label))
