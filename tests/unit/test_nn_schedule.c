/* test_nn_schedule.c - learning-rate schedules against PyTorch's recursive
 * formulas transcribed in NumPy (tests/ref/gen_nn.py), and initializers
 * (statistics, bounds, orthogonality, determinism). */
#include "gradcheck.h"
#include "nn/init.h"
#include "nn/schedule.h"
#include "ref_nn.h"

static void check_schedule(const char *what, const dh_lr_schedule *s,
			   const float *want)
{
	float got[25];
	CHECK_INT(dh_lr_schedule_check(s, NULL), DH_OK);
	for (int t = 0; t < 25; t++)
		got[t] = (float)dh_lr_at(s, t);
	CHECK_CLOSE(what, got, want, 25, 1e-9, 1e-5);
}

TEST(schedules_match_pytorch_formulas)
{
	dh_lr_schedule s;
	dh_lr_schedule_init(&s, DH_LR_STEP, 0.1);
	s.step_size = 4, s.gamma = 0.5;
	check_schedule("step", &s, sched_step);
	dh_lr_schedule_init(&s, DH_LR_MULTISTEP, 0.1);
	s.gamma = 0.3, s.nmilestones = 4;
	s.milestones[0] = 3, s.milestones[1] = 7, s.milestones[2] = 8,
	s.milestones[3] = 20;
	check_schedule("multistep", &s, sched_multistep);
	dh_lr_schedule_init(&s, DH_LR_EXPONENTIAL, 0.1);
	s.gamma = 0.9;
	check_schedule("exponential", &s, sched_exp);
	dh_lr_schedule_init(&s, DH_LR_COSINE, 0.1);
	s.t_max = 10, s.eta_min = 0.001;
	check_schedule("cosine (past T_max too)", &s, sched_cosine);
	s.warmup = 5, s.warmup_start = 0.25;
	check_schedule("cosine with linear warm-up", &s, sched_cosine_warm);
	dh_err e;
	s.milestones[0] = 5, s.milestones[1] = 5, s.nmilestones = 2;
	s.kind = DH_LR_MULTISTEP;
	CHECK_INT(dh_lr_schedule_check(&s, &e), DH_EINVAL);
	s.base_lr = 0;
	CHECK_INT(dh_lr_schedule_check(&s, &e), DH_ERANGE);
}

TEST(reduce_on_plateau_matches_pytorch)
{
	dh_plateau p;
	dh_plateau_init(&p, 0);
	p.factor = 0.5, p.patience = 2, p.threshold = 0.01, p.cooldown = 1;
	p.min_lr = 0.02;
	double lr = 0.1;
	float got[16];
	for (int i = 0; i < 16; i++)
		got[i] = (float)(lr = dh_plateau_step(&p, plateau_metrics[i],
						       lr));
	CHECK_CLOSE("plateau", got, plateau_lr, 16, 1e-9, 1e-6);
}

static void moments(const dh_tensor *t, double *mean, double *sd, float *lo,
		    float *hi)
{
	const float *p = dh_tensor_f32(t);
	int64_t n = dh_tensor_numel(t);
	double s = 0, q = 0;
	*lo = *hi = p[0];
	for (int64_t i = 0; i < n; i++) {
		s += p[i];
		*lo = p[i] < *lo ? p[i] : *lo;
		*hi = p[i] > *hi ? p[i] : *hi;
	}
	*mean = s / (double)n;
	for (int64_t i = 0; i < n; i++)
		q += (p[i] - *mean) * (p[i] - *mean);
	*sd = sqrt(q / (double)n);
}

TEST(initializers_have_the_right_statistics)
{
	/* a conv weight [out 64, in 32, 3, 3]: fan_in 288, fan_out 576 */
	int64_t s[4] = {64, 32, 3, 3};
	dh_tensor *w = t_new(4, s);
	int64_t fi, fo;
	CHECK_INT(dh_init_fans(w, &fi, &fo, NULL), DH_OK);
	CHECK_INT(fi, 288);
	CHECK_INT(fo, 576);
	dh_rng r;
	dh_rng_seed(&r, 5);
	struct {
		dh_init_kind k;
		double sd, bound; /* expected std; |x| <= bound if > 0 */
	} cases[] = {
		{DH_INIT_GLOROT_UNIFORM, sqrt(2.0 / 864), sqrt(6.0 / 864)},
		{DH_INIT_GLOROT_NORMAL, sqrt(2.0 / 864), 0},
		{DH_INIT_HE_UNIFORM, sqrt(2.0 / 288), sqrt(6.0 / 288)},
		{DH_INIT_HE_NORMAL, sqrt(2.0 / 288), 0},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		dh_init_opts o;
		dh_init_opts_init(&o, cases[c].k);
		CHECK_INT(dh_init_tensor(w, &o, &r, NULL), DH_OK);
		double mean, sd;
		float lo, hi;
		moments(w, &mean, &sd, &lo, &hi);
		printf("# %s: mean %.5f sd %.5f (want %.5f)\n",
		       dh_init_kind_name(cases[c].k), mean, sd, cases[c].sd);
		CHECK_NEAR(mean, 0.0, 0.05 * cases[c].sd);
		CHECK_NEAR(sd, cases[c].sd, 0.03 * cases[c].sd);
		if (cases[c].bound > 0) {
			CHECK(hi <= cases[c].bound && lo >= -cases[c].bound);
			CHECK(hi > 0.99 * cases[c].bound);
		}
	}
	dh_init_opts o;
	dh_init_opts_init(&o, DH_INIT_CONSTANT);
	o.a = 0.25;
	dh_init_tensor(w, &o, &r, NULL);
	CHECK_NEAR(dh_tensor_f32(w)[100], 0.25, 0);
	/* the same seed, the same weights */
	dh_tensor *w2 = t_like(w);
	dh_init_opts_init(&o, DH_INIT_HE_NORMAL);
	dh_rng_seed(&r, 9);
	dh_init_tensor(w, &o, &r, NULL);
	dh_rng_seed(&r, 9);
	dh_init_tensor(w2, &o, &r, NULL);
	CHECK(memcmp(w->data, w2->data, dh_tensor_nbytes(w)) == 0);
	int64_t s1[1] = {5};
	dh_tensor *b = t_new(1, s1);
	dh_err e;
	CHECK_INT(dh_init_tensor(b, &o, &r, &e), DH_ESHAPE);
	o.fan_in_override = 5, o.fan_out_override = 1;
	CHECK_INT(dh_init_tensor(b, &o, &r, &e), DH_OK);
	dh_tensor_free(b);
	dh_tensor_free(w);
	dh_tensor_free(w2);
}

/* W W^T (rows <= cols) or W^T W is gain^2 I. */
static void check_orthogonal(int64_t rows, int64_t cols, double gain)
{
	int64_t s[2] = {rows, cols};
	dh_tensor *w = t_new(2, s);
	dh_rng r;
	dh_rng_seed(&r, 77);
	dh_init_opts o;
	dh_init_opts_init(&o, DH_INIT_ORTHOGONAL);
	o.gain = gain;
	CHECK_INT(dh_init_tensor(w, &o, &r, NULL), DH_OK);
	const float *p = dh_tensor_f32(w);
	int64_t k = rows <= cols ? rows : cols;
	double worst = 0;
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < k; j++) {
			double d = 0;
			if (rows <= cols)
				for (int64_t c = 0; c < cols; c++)
					d += (double)p[i * cols + c] *
					     p[j * cols + c];
			else
				for (int64_t c = 0; c < rows; c++)
					d += (double)p[c * cols + i] *
					     p[c * cols + j];
			double want = i == j ? gain * gain : 0.0;
			worst = fabs(d - want) > worst ? fabs(d - want) : worst;
		}
	CHECK(worst < 1e-5);
	dh_tensor_free(w);
}

TEST(orthogonal_initializer)
{
	check_orthogonal(8, 20, 1.0);
	check_orthogonal(20, 8, 1.5);
	check_orthogonal(6, 6, 1.0);
	dh_init_kind k;
	CHECK_INT(dh_init_kind_parse("he_uniform", &k), 0);
	CHECK_INT(k, DH_INIT_HE_UNIFORM);
	CHECK_INT(dh_init_kind_parse("xavier", &k), -1);
}

TAP_MAIN(TAP_CASE(schedules_match_pytorch_formulas),
	 TAP_CASE(reduce_on_plateau_matches_pytorch),
	 TAP_CASE(initializers_have_the_right_statistics),
	 TAP_CASE(orthogonal_initializer))
