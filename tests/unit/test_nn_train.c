/* test_nn_train.c - whole training steps built from the ops, losses and
 * optimizers: a small MLP learns XOR, a small CNN (Conv, BatchNorm, Relu,
 * MaxPool, GlobalAveragePool, Gemm) separates horizontal from vertical bars,
 * both to 100% within a fixed number of steps with a fixed seed; training
 * twice gives bit-identical weights, and no step after the first grows the
 * workspace. */
#include "gradcheck.h"
#include "nn/fold.h"
#include "nn/loss.h"
#include "nn/optim.h"

static dh_status fwd(test_env *t, dh_op_type op, const dh_op_attrs *a,
		     int nin, const dh_tensor *const *in, int nout,
		     dh_tensor *const *out)
{
	dh_err e;
	dh_status st = dh_op_forward(&t->ctx, op, a, nin, in, nout, out, &e);
	if (st)
		printf("# %s\n", e.msg);
	return st;
}

static dh_status bwd(test_env *t, dh_op_type op, const dh_op_attrs *a,
		     int nin, const dh_tensor *const *in, int nout,
		     const dh_tensor *const *out, const dh_tensor *const *dout,
		     dh_tensor *const *din)
{
	dh_err e;
	dh_status st = dh_op_backward(&t->ctx, op, a, nin, in, nout, out, dout,
				      din, &e);
	if (st)
		printf("# %s\n", e.msg);
	return st;
}

static void init_normal(dh_tensor *w, dh_rng *r, float std)
{
	for (int64_t i = 0; i < dh_tensor_numel(w); i++)
		dh_tensor_f32(w)[i] = dh_rng_normal(r, 0.0f, std);
}

static int64_t count_correct(const dh_tensor *logits, const int64_t *y)
{
	int64_t n = logits->shape[0], c = logits->shape[1], ok = 0;
	const float *z = dh_tensor_f32(logits);
	for (int64_t i = 0; i < n; i++) {
		int64_t best = 0;
		for (int64_t k = 1; k < c; k++)
			if (z[i * c + k] > z[i * c + best])
				best = k;
		ok += best == y[i];
	}
	return ok;
}

/* Train the XOR MLP 2-8-2 (Gemm, Tanh, Gemm, cross-entropy, SGD with
 * Nesterov momentum); the final weights go to w_out (4 tensors). */
static void train_xor(int threads, float *w_out, int64_t *correct,
		      double *last_loss, int *grew)
{
	test_env t;
	env_init(&t, threads);
	static const float xv[8] = {0, 0, 0, 1, 1, 0, 1, 1};
	static const int64_t yv[4] = {0, 1, 1, 0};
	int64_t sx[2] = {4, 2}, sw1[2] = {2, 8}, sb1[1] = {8}, sh[2] = {4, 8};
	int64_t sw2[2] = {8, 2}, sb2[1] = {2}, sz[2] = {4, 2}, sy[1] = {4};
	dh_tensor *x = t_from(2, sx, xv);
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, sy, (void *)yv, NULL);
	dh_tensor *w1 = t_new(2, sw1), *b1 = t_new(1, sb1);
	dh_tensor *w2 = t_new(2, sw2), *b2 = t_new(1, sb2);
	dh_tensor *h = t_new(2, sh), *a = t_new(2, sh), *z = t_new(2, sz);
	dh_tensor *dz = t_like(z), *da = t_like(a), *dh = t_like(h);
	dh_tensor *gw1 = t_like(w1), *gb1 = t_like(b1), *gw2 = t_like(w2),
		  *gb2 = t_like(b2);
	dh_rng init;
	dh_rng_seed(&init, 2024);
	init_normal(w1, &init, 1.0f);
	init_normal(w2, &init, 1.0f);
	dh_tensor *params[4] = {w1, b1, w2, b2};
	const dh_tensor *grads[4] = {gw1, gb1, gw2, gb2};
	dh_optim_opts oo;
	dh_optim_opts_init(&oo, DH_OPTIM_SGD);
	oo.lr = 0.2f, oo.momentum = 0.9f, oo.nesterov = 1;
	oo.threads = threads;
	dh_optim *opt = dh_optim_new(&oo, 4, params, NULL);
	dh_op_attrs ag, at;
	dh_op_attrs_init(&ag, DH_OP_GEMM);
	dh_op_attrs_init(&at, DH_OP_TANH);
	double loss = 0;
	int grows = -1;
	for (int step = 0; step < 300; step++) {
		const dh_tensor *i1[3] = {x, w1, b1}, *i2[3] = {a, w2, b2};
		const dh_tensor *ch = h, *ca = a, *cz = z;
		const dh_tensor *cdz = dz, *cda = da;
		fwd(&t, DH_OP_GEMM, &ag, 3, i1, 1, &h);
		fwd(&t, DH_OP_TANH, &at, 1, &ch, 1, &a);
		fwd(&t, DH_OP_GEMM, &ag, 3, i2, 1, &z);
		dh_loss_softmax_ce(z, y, NULL, &loss, dz, NULL);
		dh_tensor *d2[3] = {da, gw2, gb2}, *d1[3] = {NULL, gw1, gb1};
		bwd(&t, DH_OP_GEMM, &ag, 3, i2, 1, &cz, &cdz, d2);
		bwd(&t, DH_OP_TANH, &at, 1, &ch, 1, &ca, &cda, &dh);
		const dh_tensor *cdh = dh;
		bwd(&t, DH_OP_GEMM, &ag, 3, i1, 1, &ch, &cdh, d1);
		dh_optim_step(opt, grads, NULL);
		if (step == 0)
			grows = t.ws.grows;
	}
	*grew = t.ws.grows != grows;
	*correct = count_correct(z, yv);
	*last_loss = loss;
	float *o = w_out;
	for (int i = 0; i < 4; i++) {
		memcpy(o, params[i]->data, dh_tensor_nbytes(params[i]));
		o += dh_tensor_numel(params[i]);
	}
	dh_optim_free(opt);
	dh_tensor *all[] = {x, y, w1, b1, w2, b2, h, a, z, dz, da, dh,
			    gw1, gb1, gw2, gb2};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dh_tensor_free(all[i]);
	env_release(&t);
}

TEST(mlp_learns_xor)
{
	float w1[42], w2[42];
	int64_t correct;
	double loss;
	int grew;
	train_xor(2, w1, &correct, &loss, &grew);
	printf("# xor: loss %.6f after 300 steps\n", loss);
	CHECK_INT(correct, 4);
	CHECK(loss < 0.05);
	CHECK_INT(grew, 0);
	train_xor(2, w2, &correct, &loss, &grew);
	/* deterministic: the same seed and thread count, the same bits */
	CHECK(memcmp(w1, w2, sizeof w1) == 0);
}

/* 1x8x8 images: class 0 a horizontal bar, class 1 a vertical one, at a
 * random position, with noise. */
static void make_bars(dh_rng *r, dh_tensor *x, int64_t *y)
{
	int64_t n = x->shape[0];
	float *p = dh_tensor_f32(x);
	for (int64_t i = 0; i < n; i++) {
		y[i] = (int64_t)dh_rng_below(r, 2);
		int64_t at = 1 + (int64_t)dh_rng_below(r, 6);
		for (int64_t u = 0; u < 8; u++)
			for (int64_t v = 0; v < 8; v++) {
				int on = y[i] ? v == at : u == at;
				p[i * 64 + u * 8 + v] =
					(on ? 1.0f : 0.0f) +
					dh_rng_uniform(r, -0.2f, 0.2f);
			}
	}
}

TEST(cnn_separates_bars)
{
	test_env t;
	env_init(&t, 2);
	enum { B = 16, C = 4 };
	int64_t sx[4] = {B, 1, 8, 8}, sw[4] = {C, 1, 3, 3}, sc[1] = {C};
	int64_t sa[4] = {B, C, 8, 8}, sp[4] = {B, C, 4, 4};
	int64_t sg[4] = {B, C, 1, 1}, sf[2] = {B, C}, sfw[2] = {C, 2};
	int64_t sfb[1] = {2}, sz[2] = {B, 2}, sy[1] = {B};
	int64_t yv[B];
	dh_tensor *x = t_new(4, sx);
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, sy, yv, NULL);
	dh_tensor *cw = t_new(4, sw), *cb = t_new(1, sc);
	dh_tensor *gamma = t_new(1, sc), *beta = t_new(1, sc);
	dh_tensor *rmean = t_new(1, sc), *rvar = t_new(1, sc);
	dh_tensor *nmean = t_new(1, sc), *nvar = t_new(1, sc);
	dh_tensor *fw = t_new(2, sfw), *fb = t_new(1, sfb);
	dh_tensor *c1 = t_new(4, sa), *n1 = t_new(4, sa), *r1 = t_new(4, sa);
	dh_tensor *p1 = t_new(4, sp), *g1 = t_new(4, sg), *f1 = t_new(2, sf);
	dh_tensor *z = t_new(2, sz);
	dh_tensor *dz = t_like(z), *df = t_like(f1), *dg = t_like(g1),
		  *dp = t_like(p1), *dr = t_like(r1), *dn = t_like(n1),
		  *dc = t_like(c1);
	dh_tensor *gcw = t_like(cw), *gcb = t_like(cb), *ggm = t_like(gamma),
		  *gbt = t_like(beta), *gfw = t_like(fw), *gfb = t_like(fb);
	dh_tensor_fill(gamma, 1.0);
	dh_tensor_fill(rvar, 1.0);
	dh_rng init, data;
	dh_rng_seed(&init, 11);
	dh_rng_seed(&data, 12);
	init_normal(cw, &init, 0.5f);
	init_normal(fw, &init, 0.5f);
	dh_tensor *params[6] = {cw, cb, gamma, beta, fw, fb};
	const dh_tensor *grads[6] = {gcw, gcb, ggm, gbt, gfw, gfb};
	dh_optim_opts oo;
	dh_optim_opts_init(&oo, DH_OPTIM_ADAM);
	oo.lr = 0.05f;
	dh_optim *opt = dh_optim_new(&oo, 6, params, NULL);

	dh_op_attrs aconv, abn, arelu, apool, agap, aflat, agemm;
	dh_op_attrs_init(&aconv, DH_OP_CONV);
	for (int i = 0; i < 4; i++)
		aconv.pads[i] = 1;
	dh_op_attrs_init(&abn, DH_OP_BATCHNORM);
	abn.training_mode = 1;
	dh_op_attrs_init(&arelu, DH_OP_RELU);
	dh_op_attrs_init(&apool, DH_OP_MAXPOOL);
	apool.kernel_ndim = 2;
	apool.kernel_shape[0] = apool.kernel_shape[1] = 2;
	apool.strides[0] = apool.strides[1] = 2;
	dh_op_attrs_init(&agap, DH_OP_GLOBALAVERAGEPOOL);
	dh_op_attrs_init(&aflat, DH_OP_FLATTEN);
	dh_op_attrs_init(&agemm, DH_OP_GEMM);
	double loss = 0;
	int grows = -1;
	for (int step = 0; step < 60; step++) {
		make_bars(&data, x, yv);
		const dh_tensor *ic[3] = {x, cw, cb};
		const dh_tensor *ib[5] = {c1, gamma, beta, rmean, rvar};
		dh_tensor *ob[3] = {n1, nmean, nvar};
		const dh_tensor *in1 = n1, *ir1 = r1, *ip1 = p1, *ig1 = g1;
		const dh_tensor *ig[3] = {f1, fw, fb};
		fwd(&t, DH_OP_CONV, &aconv, 3, ic, 1, &c1);
		fwd(&t, DH_OP_BATCHNORM, &abn, 5, ib, 3, ob);
		fwd(&t, DH_OP_RELU, &arelu, 1, &in1, 1, &r1);
		fwd(&t, DH_OP_MAXPOOL, &apool, 1, &ir1, 1, &p1);
		fwd(&t, DH_OP_GLOBALAVERAGEPOOL, &agap, 1, &ip1, 1, &g1);
		fwd(&t, DH_OP_FLATTEN, &aflat, 1, &ig1, 1, &f1);
		fwd(&t, DH_OP_GEMM, &agemm, 3, ig, 1, &z);
		dh_loss_softmax_ce(z, y, NULL, &loss, dz, NULL);
		/* the running statistics move on, as a framework would */
		memcpy(rmean->data, nmean->data, dh_tensor_nbytes(nmean));
		memcpy(rvar->data, nvar->data, dh_tensor_nbytes(nvar));
		const dh_tensor *cz = z, *cdz = dz, *cf = f1, *cdf = df;
		const dh_tensor *cg = g1, *cdg = dg, *cp = p1, *cdp = dp;
		const dh_tensor *cr = r1, *cdr = dr;
		const dh_tensor *cc = c1, *cdc = dc;
		const dh_tensor *obn[3] = {n1, nmean, nvar},
				*dbn[3] = {dn, NULL, NULL};
		dh_tensor *dgemm[3] = {df, gfw, gfb};
		dh_tensor *dbnin[5] = {dc, ggm, gbt, NULL, NULL};
		dh_tensor *dconv[3] = {NULL, gcw, gcb};
		bwd(&t, DH_OP_GEMM, &agemm, 3, ig, 1, &cz, &cdz, dgemm);
		bwd(&t, DH_OP_FLATTEN, &aflat, 1, &ig1, 1, &cf, &cdf, &dg);
		bwd(&t, DH_OP_GLOBALAVERAGEPOOL, &agap, 1, &ip1, 1, &cg, &cdg,
		    &dp);
		bwd(&t, DH_OP_MAXPOOL, &apool, 1, &ir1, 1, &cp, &cdp, &dr);
		bwd(&t, DH_OP_RELU, &arelu, 1, &in1, 1, &cr, &cdr, &dn);
		bwd(&t, DH_OP_BATCHNORM, &abn, 5, ib, 3, obn, dbn, dbnin);
		bwd(&t, DH_OP_CONV, &aconv, 3, ic, 1, &cc, &cdc, dconv);
		dh_optim_step(opt, grads, NULL);
		if (step == 0)
			grows = t.ws.grows;
	}
	CHECK_INT(t.ws.grows, grows);
	printf("# bars: last batch loss %.6f after 60 steps\n", loss);
	CHECK(loss < 0.2);
	/* evaluation on fresh images, BatchNorm in inference mode */
	abn.training_mode = 0;
	int64_t correct = 0;
	for (int rep = 0; rep < 4; rep++) {
		make_bars(&data, x, yv);
		const dh_tensor *ic[3] = {x, cw, cb};
		const dh_tensor *ib[5] = {c1, gamma, beta, rmean, rvar};
		const dh_tensor *in1 = n1, *ir1 = r1, *ip1 = p1, *ig1 = g1;
		const dh_tensor *ig[3] = {f1, fw, fb};
		fwd(&t, DH_OP_CONV, &aconv, 3, ic, 1, &c1);
		fwd(&t, DH_OP_BATCHNORM, &abn, 5, ib, 1, &n1);
		fwd(&t, DH_OP_RELU, &arelu, 1, &in1, 1, &r1);
		fwd(&t, DH_OP_MAXPOOL, &apool, 1, &ir1, 1, &p1);
		fwd(&t, DH_OP_GLOBALAVERAGEPOOL, &agap, 1, &ip1, 1, &g1);
		fwd(&t, DH_OP_FLATTEN, &aflat, 1, &ig1, 1, &f1);
		fwd(&t, DH_OP_GEMM, &agemm, 3, ig, 1, &z);
		correct += count_correct(z, yv);
	}
	CHECK_INT(correct, 4 * B);
	dh_optim_free(opt);
	dh_tensor *all[] = {x, y, cw, cb, gamma, beta, rmean, rvar, nmean,
			    nvar, fw, fb, c1, n1, r1, p1, g1, f1, z, dz, df, dg,
			    dp, dr, dn, dc, gcw, gcb, ggm, gbt, gfw, gfb};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dh_tensor_free(all[i]);
	env_release(&t);
}

/* Conv then inference BatchNormalization equals the folded Conv; Gemm with
 * transB 0 then BatchNormalization equals the folded Gemm. */
TEST(batchnorm_folds_into_conv_and_gemm)
{
	test_env t;
	env_init(&t, 1);
	int64_t sx[4] = {2, 3, 6, 5}, sw[4] = {4, 3, 3, 3}, s4[1] = {4};
	dh_tensor *x = t_new(4, sx), *w = t_new(4, sw), *b = t_new(1, s4);
	dh_tensor *bn[4] = {t_new(1, s4), t_new(1, s4), t_new(1, s4),
			    t_new(1, s4)};
	t_rand(x, &t.rng, -1, 1);
	t_rand(w, &t.rng, -1, 1);
	t_rand(b, &t.rng, -1, 1);
	t_rand(bn[0], &t.rng, 0.5f, 1.5f);
	t_rand(bn[1], &t.rng, -1, 1);
	t_rand(bn[2], &t.rng, -1, 1);
	t_rand(bn[3], &t.rng, 0.2f, 2.0f);
	dh_op_attrs ac, ab;
	dh_op_attrs_init(&ac, DH_OP_CONV);
	ac.pads[0] = ac.pads[1] = ac.pads[2] = ac.pads[3] = 1;
	dh_op_attrs_init(&ab, DH_OP_BATCHNORM);
	dh_tensor *c[1], *y[1], *f[1];
	dh_tensor *cin[3] = {x, w, b};
	run_forward(&t.ctx, DH_OP_CONV, &ac, 3, cin, 1, c);
	dh_tensor *bin[5] = {c[0], bn[0], bn[1], bn[2], bn[3]};
	run_forward(&t.ctx, DH_OP_BATCHNORM, &ab, 5, bin, 1, y);
	dh_tensor *w2 = t_like(w), *b2 = t_like(b);
	CHECK_INT(dh_fold_batchnorm(w, b, 0, bn[0], bn[1], bn[2], bn[3],
				    ab.epsilon, w2, b2, NULL),
		  DH_OK);
	dh_tensor *fin[3] = {x, w2, b2};
	run_forward(&t.ctx, DH_OP_CONV, &ac, 3, fin, 1, f);
	CHECK_CLOSE("folded conv", dh_tensor_f32(f[0]), dh_tensor_f32(y[0]),
		    dh_tensor_numel(y[0]), 1e-5, 1e-5);
	dh_tensor_free(c[0]);
	dh_tensor_free(y[0]);
	dh_tensor_free(f[0]);
	/* Gemm: X [5, 3] B [3, 4] (channels along the last axis) */
	int64_t sa[2] = {5, 3}, sb[2] = {3, 4};
	dh_tensor *ga = t_new(2, sa), *gb = t_new(2, sb), *gb2 = t_like(gb);
	t_rand(ga, &t.rng, -1, 1);
	t_rand(gb, &t.rng, -1, 1);
	dh_op_attrs ag;
	dh_op_attrs_init(&ag, DH_OP_GEMM);
	dh_tensor *gin[3] = {ga, gb, b};
	run_forward(&t.ctx, DH_OP_GEMM, &ag, 3, gin, 1, c);
	bin[0] = c[0];
	run_forward(&t.ctx, DH_OP_BATCHNORM, &ab, 5, bin, 1, y);
	CHECK_INT(dh_fold_batchnorm(gb, b, 1, bn[0], bn[1], bn[2], bn[3],
				    ab.epsilon, gb2, b2, NULL),
		  DH_OK);
	dh_tensor *gfin[3] = {ga, gb2, b2};
	run_forward(&t.ctx, DH_OP_GEMM, &ag, 3, gfin, 1, f);
	CHECK_CLOSE("folded gemm", dh_tensor_f32(f[0]), dh_tensor_f32(y[0]),
		    dh_tensor_numel(y[0]), 1e-5, 1e-5);
	dh_err e;
	CHECK_INT(dh_fold_batchnorm(gb, b, 0, bn[0], bn[1], bn[2], bn[3],
				    ab.epsilon, gb2, b2, &e),
		  DH_ESHAPE);
	dh_tensor *all[] = {x, w, b, bn[0], bn[1], bn[2], bn[3], w2, b2,
			    c[0], y[0], f[0], ga, gb, gb2};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dh_tensor_free(all[i]);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(mlp_learns_xor), TAP_CASE(cnn_separates_bars),
	 TAP_CASE(batchnorm_folds_into_conv_and_gemm))
