/* schedule.c - learning-rate schedules (see schedule.h). */
#include "config.h"

#include "nn/schedule.h"

#include <math.h>
#include <string.h>

#define DH_PI 3.14159265358979323846

void dh_lr_schedule_init(dh_lr_schedule *s, dh_lr_kind kind, double base_lr)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->base_lr = base_lr;
	s->step_size = 1;
	s->gamma = 0.1;
	s->t_max = 1;
	s->warmup_start = 1.0 / 3.0;
}

dh_status dh_lr_schedule_check(const dh_lr_schedule *s, dh_err *e)
{
	if ((unsigned)s->kind >= DH_LR_KIND_COUNT)
		return dh_err_set(e, DH_EINVAL, "unknown schedule %d",
				  (int)s->kind);
	if (!(s->base_lr > 0.0) || !isfinite(s->base_lr))
		return dh_err_set(e, DH_ERANGE,
				  "learning rate %g must be positive",
				  s->base_lr);
	if (s->kind == DH_LR_STEP && s->step_size < 1)
		return dh_err_set(e, DH_ERANGE, "step size %lld must be >= 1",
				  (long long)s->step_size);
	if (s->kind == DH_LR_COSINE && s->t_max < 1)
		return dh_err_set(e, DH_ERANGE, "cosine T_max %lld must be >= 1",
				  (long long)s->t_max);
	if (!(s->gamma > 0.0))
		return dh_err_set(e, DH_ERANGE, "gamma %g must be positive",
				  s->gamma);
	if (s->nmilestones < 0 || s->nmilestones > DH_LR_MAX_MILESTONES)
		return dh_err_set(e, DH_ERANGE, "%d milestones (at most %d)",
				  s->nmilestones, DH_LR_MAX_MILESTONES);
	for (int i = 1; i < s->nmilestones; i++)
		if (s->milestones[i] <= s->milestones[i - 1])
			return dh_err_set(e, DH_EINVAL,
					  "milestones must increase");
	if (s->warmup < 0 ||
	    (s->warmup > 0 &&
	     !(s->warmup_start > 0.0 && s->warmup_start <= 1.0)))
		return dh_err_set(e, DH_ERANGE,
				  "warm-up of %lld steps from factor %g",
				  (long long)s->warmup, s->warmup_start);
	return DH_OK;
}

double dh_lr_at(const dh_lr_schedule *s, int64_t t)
{
	double lr = s->base_lr;
	if (t < 0)
		t = 0;
	switch (s->kind) {
	case DH_LR_STEP:
		lr *= pow(s->gamma, (double)(t / s->step_size));
		break;
	case DH_LR_MULTISTEP: {
		int k = 0;
		while (k < s->nmilestones && s->milestones[k] <= t)
			k++;
		lr *= pow(s->gamma, k);
		break;
	}
	case DH_LR_EXPONENTIAL:
		lr *= pow(s->gamma, (double)t);
		break;
	case DH_LR_COSINE:
		lr = s->eta_min + (s->base_lr - s->eta_min) *
					  (1.0 + cos(DH_PI * (double)t /
						     (double)s->t_max)) /
					  2.0;
		break;
	default:
		break;
	}
	if (t < s->warmup)
		lr *= s->warmup_start +
		      (1.0 - s->warmup_start) * (double)t / (double)s->warmup;
	return lr;
}

void dh_plateau_init(dh_plateau *p, int maximize)
{
	memset(p, 0, sizeof *p);
	p->maximize = maximize;
	p->factor = 0.1;
	p->patience = 10;
	p->threshold = 1e-4;
	p->best = maximize ? -INFINITY : INFINITY;
}

double dh_plateau_step(dh_plateau *p, double metric, double lr)
{
	int better = p->maximize ? metric > p->best * (1.0 + p->threshold)
				 : metric < p->best * (1.0 - p->threshold);
	if (better) {
		p->best = metric;
		p->bad = 0;
	} else {
		p->bad++;
	}
	if (p->cooldown_left > 0) {
		p->cooldown_left--;
		p->bad = 0;
	}
	if (p->bad > p->patience) {
		double nl = lr * p->factor;
		if (nl < p->min_lr)
			nl = p->min_lr;
		/* PyTorch ignores changes below 1e-8 */
		if (lr - nl > 1e-8)
			lr = nl;
		p->cooldown_left = p->cooldown;
		p->bad = 0;
	}
	return lr;
}
