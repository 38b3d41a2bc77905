/* test_nn_optim.c - SGD, Adam, AdamW: three steps against NumPy's
 * transcription of PyTorch's update rules (tests/ref/gen_nn.py). */
#include "gradcheck.h"
#include "nn/optim.h"
#include "ref_nn.h"

static void run3(const char *what, const dh_optim_opts *o, const float *want)
{
	dh_tensor *p = T(opt_p0);
	int64_t s[1] = {7};
	dh_tensor *g = t_new(1, s);
	dh_err e;
	dh_optim *opt = dh_optim_new(o, 1, &p, &e);
	CHECK(opt != NULL);
	if (!opt) {
		printf("# %s\n", e.msg);
		return;
	}
	for (int k = 0; k < 3; k++) {
		memcpy(g->data, opt_g + 7 * k, 7 * sizeof(float));
		const dh_tensor *cg = g;
		CHECK_INT(dh_optim_step(opt, &cg, &e), DH_OK);
	}
	CHECK_INT(dh_optim_steps(opt), 3);
	CHECK_CLOSE(what, dh_tensor_f32(p), want, 7, 1e-6, 1e-5);
	dh_optim_free(opt);
	dh_tensor_free(p);
	dh_tensor_free(g);
}

TEST(sgd_matches_reference)
{
	dh_optim_opts o;
	dh_optim_opts_init(&o, DH_OPTIM_SGD);
	o.lr = 0.1f;
	run3("sgd", &o, sgd_plain);
	o.momentum = 0.9f, o.dampening = 0.1f, o.weight_decay = 0.01f;
	run3("sgd momentum dampening wd", &o, sgd_momentum);
	dh_optim_opts_init(&o, DH_OPTIM_SGD);
	o.lr = 0.05f, o.momentum = 0.8f, o.weight_decay = 0.02f;
	o.nesterov = 1;
	run3("sgd nesterov", &o, sgd_nesterov);
}

TEST(adam_and_adamw_match_reference)
{
	dh_optim_opts o;
	dh_optim_opts_init(&o, DH_OPTIM_ADAM);
	o.lr = 0.01f;
	run3("adam", &o, adam_plain);
	o.beta1 = 0.8f, o.beta2 = 0.99f, o.weight_decay = 0.1f;
	run3("adam with L2", &o, adam_l2);
	dh_optim_opts_init(&o, DH_OPTIM_ADAMW);
	o.lr = 0.01f, o.weight_decay = 0.1f;
	run3("adamw", &o, adamw);
}

TEST(optimizer_options_and_errors)
{
	dh_optim_opts o;
	dh_optim_kind k;
	CHECK_INT(dh_optim_kind_parse("adamw", &k), 0);
	CHECK_INT(k, DH_OPTIM_ADAMW);
	CHECK_INT(dh_optim_kind_parse("lbfgs", &k), -1);
	dh_optim_opts_init(&o, DH_OPTIM_ADAMW);
	CHECK_NEAR(o.weight_decay, 0.01, 1e-9);
	CHECK_NEAR(o.lr, 0.001, 1e-9);
	int64_t s[1] = {3}, s2[1] = {4};
	dh_tensor *p = t_new(1, s), *g = t_new(1, s2);
	dh_err e;
	o.lr = 0.0f;
	CHECK(dh_optim_new(&o, 1, &p, &e) == NULL);
	CHECK_INT(e.status, DH_ERANGE);
	dh_optim_opts_init(&o, DH_OPTIM_SGD);
	o.nesterov = 1;
	CHECK(dh_optim_new(&o, 1, &p, &e) == NULL);
	CHECK_HAS(e.msg, "Nesterov");
	o.momentum = 0.9f;
	o.threads = 2;
	dh_optim *opt = dh_optim_new(&o, 1, &p, &e);
	CHECK(opt != NULL);
	const dh_tensor *cg = g;
	CHECK_INT(dh_optim_step(opt, &cg, &e), DH_ESHAPE);
	CHECK_INT(dh_optim_steps(opt), 0);
	dh_optim_set_lr(opt, 0.5f);
	CHECK_NEAR(dh_optim_lr(opt), 0.5, 0);
	dh_optim_free(opt);
	dh_tensor_free(p);
	dh_tensor_free(g);
}

TEST(rmsprop_adagrad_adadelta_match_reference)
{
	dh_optim_opts o;
	dh_optim_opts_init(&o, DH_OPTIM_RMSPROP);
	CHECK_NEAR(o.rho, 0.99, 1e-7);
	run3("rmsprop", &o, rmsprop_plain);
	o.rho = 0.9f, o.weight_decay = 0.05f, o.momentum = 0.5f;
	run3("rmsprop momentum wd", &o, rmsprop_momentum);
	dh_optim_opts_init(&o, DH_OPTIM_ADAGRAD);
	o.lr = 0.1f, o.weight_decay = 0.01f;
	run3("adagrad", &o, adagrad_y);
	dh_optim_opts_init(&o, DH_OPTIM_ADADELTA);
	CHECK_NEAR(o.lr, 1.0, 0);
	o.weight_decay = 0.01f;
	run3("adadelta", &o, adadelta_y);
}

TEST(gradient_clipping)
{
	int64_t s[1] = {7};
	dh_tensor *g[2] = {t_from(1, s, opt_g), t_from(1, s, opt_g + 7)};
	double norm;
	dh_err e;
	CHECK_INT(dh_grad_clip_norm(2, g, 1e9, &norm, &e), DH_OK);
	CHECK_NEAR(norm, clip_norm, 1e-5);
	CHECK_CLOSE("not clipped", dh_tensor_f32(g[0]), opt_g, 7, 0, 0);
	CHECK_INT(dh_grad_clip_norm(2, g, 0.5, &norm, &e), DH_OK);
	double after;
	dh_grad_clip_norm(2, g, 1e9, &after, &e);
	CHECK_NEAR(after, 0.5, 1e-5);
	/* direction kept */
	CHECK_NEAR(dh_tensor_f32(g[1])[3] / dh_tensor_f32(g[0])[2],
		   opt_g[10] / opt_g[2], 1e-4);
	dh_grad_clip_value(2, g, 0.05f);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 7; j++)
			CHECK(fabsf(dh_tensor_f32(g[i])[j]) <= 0.05f);
	dh_tensor_f32(g[0])[0] = NAN;
	CHECK_INT(dh_grad_clip_norm(2, g, 1.0, &norm, &e), DH_ENUMERIC);
	dh_tensor_free(g[0]);
	dh_tensor_free(g[1]);
}

/* Saving the state after step 2 and restoring it into a new optimizer
 * gives the same parameters after step 3 as running on. */
TEST(optimizer_state_round_trips)
{
	static const dh_optim_kind kinds[] = {DH_OPTIM_SGD, DH_OPTIM_ADAM,
					      DH_OPTIM_RMSPROP,
					      DH_OPTIM_ADADELTA};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		dh_optim_opts o;
		dh_optim_opts_init(&o, kinds[k]);
		o.momentum = 0.9f;
		dh_tensor *p1 = T(opt_p0), *p2 = T(opt_p0);
		int64_t s7[1] = {7};
		dh_tensor *g = t_new(1, s7);
		const dh_tensor *cg = g;
		dh_optim *a = dh_optim_new(&o, 1, &p1, NULL);
		for (int st = 0; st < 2; st++) {
			memcpy(g->data, opt_g + 7 * st, 7 * sizeof(float));
			dh_optim_step(a, &cg, NULL);
		}
		/* the checkpoint: parameters, state, step count */
		memcpy(p2->data, p1->data, 7 * sizeof(float));
		dh_optim *b = dh_optim_new(&o, 1, &p2, NULL);
		for (int slot = 0; slot < 2; slot++) {
			float *sa = dh_optim_state(a, 0, slot);
			float *sb = dh_optim_state(b, 0, slot);
			CHECK((sa == NULL) == (sb == NULL));
			if (sa && sb)
				memcpy(sb, sa, 7 * sizeof(float));
		}
		dh_optim_set_steps(b, dh_optim_steps(a));
		memcpy(g->data, opt_g + 14, 7 * sizeof(float));
		dh_optim_step(a, &cg, NULL);
		dh_optim_step(b, &cg, NULL);
		CHECK(memcmp(p1->data, p2->data, 7 * sizeof(float)) == 0);
		CHECK(dh_optim_state(a, 1, 0) == NULL);
		dh_optim_free(a);
		dh_optim_free(b);
		dh_tensor_free(p1);
		dh_tensor_free(p2);
		dh_tensor_free(g);
	}
}

typedef struct reg_u {
	dh_regularizer r;
} reg_u;

static dh_status reg_fwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			 dh_err *e)
{
	reg_u *q = u;
	dh_tensor_f32(out[0])[0] = (float)dh_reg_apply(&q->r, in[0], NULL);
	return DH_OK;
}

static dh_status reg_bwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			 dh_tensor *const *dout, dh_tensor *const *din,
			 dh_err *e)
{
	reg_u *q = u;
	memset(din[0]->data, 0, dh_tensor_nbytes(din[0]));
	dh_reg_apply(&q->r, in[0], din[0]);
	for (int64_t i = 0; i < dh_tensor_numel(din[0]); i++)
		dh_tensor_f32(din[0])[i] *= dh_tensor_f32(dout[0])[0];
	return DH_OK;
}

TEST(regularizers)
{
	dh_tensor *w = T(opt_p0);
	/* keep |w| away from the kink of |.| at 0 */
	for (int i = 0; i < 7; i++)
		if (fabsf(dh_tensor_f32(w)[i]) < 0.05f)
			dh_tensor_f32(w)[i] = 0.05f;
	double l1 = 0, l2 = 0;
	for (int i = 0; i < 7; i++) {
		double v = dh_tensor_f32(w)[i];
		l1 += fabs(v);
		l2 += v * v;
	}
	reg_u u = {{0.01f, 0.0f}};
	CHECK_NEAR(dh_reg_apply(&u.r, w, NULL), 0.01f * l1, 1e-7);
	u.r = (dh_regularizer){0.0f, 0.02f};
	CHECK_NEAR(dh_reg_apply(&u.r, w, NULL), 0.02f * l2, 1e-7);
	u.r = (dh_regularizer){0.01f, 0.02f};
	CHECK_NEAR(dh_reg_apply(&u.r, w, NULL), 0.01f * l1 + 0.02f * l2, 1e-7);
	int64_t one = 1;
	dh_tensor *lo = t_new(1, &one);
	GC_CHECK("l1l2 penalty", reg_fwd, reg_bwd, &u, 1, &w, 1, &lo,
		 .eps = 1e-2, .atol = 1e-4);
	dh_tensor_free(lo);
	dh_tensor_free(w);
}

TAP_MAIN(TAP_CASE(sgd_matches_reference),
	 TAP_CASE(adam_and_adamw_match_reference),
	 TAP_CASE(optimizer_options_and_errors),
	 TAP_CASE(rmsprop_adagrad_adadelta_match_reference),
	 TAP_CASE(gradient_clipping), TAP_CASE(regularizers),
	 TAP_CASE(optimizer_state_round_trips))
