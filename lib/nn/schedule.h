/* schedule.h - learning-rate schedules: step, multi-step, exponential,
 * cosine annealing, each with an optional linear warm-up, and
 * reduce-on-plateau.
 *
 * The schedules are closed forms of PyTorch's (StepLR, MultiStepLR,
 * ExponentialLR, CosineAnnealingLR): dh_lr_at(s, t) is the rate for epoch
 * (or step) t counted from 0, with no state, so a resumed run needs only t.
 * A warm-up multiplies the rate by a factor rising linearly from
 * warmup_start at t = 0 to 1 at t = warmup (PyTorch's LinearLR, chained).
 * Reduce-on-plateau depends on the metrics seen and keeps its state in a
 * dh_plateau. */
#ifndef DH_NN_SCHEDULE_H
#define DH_NN_SCHEDULE_H

#include <stdint.h>

#include "core/error.h"

typedef enum dh_lr_kind {
	DH_LR_CONSTANT = 0,
	DH_LR_STEP,        /* base * gamma^floor(t / step_size) */
	DH_LR_MULTISTEP,   /* base * gamma^(milestones <= t) */
	DH_LR_EXPONENTIAL, /* base * gamma^t */
	DH_LR_COSINE,      /* eta_min + (base - eta_min)(1 + cos(pi t/T))/2 */
	DH_LR_KIND_COUNT
} dh_lr_kind;

#define DH_LR_MAX_MILESTONES 32

typedef struct dh_lr_schedule {
	dh_lr_kind kind;
	double base_lr;
	int64_t step_size;
	double gamma;
	int nmilestones;
	int64_t milestones[DH_LR_MAX_MILESTONES]; /* increasing */
	int64_t t_max;
	double eta_min;
	int64_t warmup;      /* 0: none */
	double warmup_start; /* factor at t = 0, in (0, 1] */
} dh_lr_schedule;

/* PyTorch's defaults: gamma 0.1, step_size 1, t_max 1, eta_min 0, no
 * warm-up (warmup_start 1/3 once warmup is set, as LinearLR). */
void dh_lr_schedule_init(dh_lr_schedule *s, dh_lr_kind kind, double base_lr);
dh_status dh_lr_schedule_check(const dh_lr_schedule *s, dh_err *e);
double dh_lr_at(const dh_lr_schedule *s, int64_t t);

typedef struct dh_plateau {
	int maximize;      /* 0: the metric should fall (a loss) */
	double factor;     /* new = lr * factor, in (0, 1) */
	int64_t patience;  /* epochs without improvement tolerated */
	double threshold;  /* relative improvement that counts */
	int64_t cooldown;  /* epochs to wait after a reduction */
	double min_lr;
	/* state */
	double best;
	int64_t bad, cooldown_left;
} dh_plateau;

/* PyTorch's ReduceLROnPlateau defaults: mode min, factor 0.1, patience 10,
 * threshold 1e-4 (relative), cooldown 0, min_lr 0. */
void dh_plateau_init(dh_plateau *p, int maximize);
/* Record this epoch's metric; returns the learning rate to use next. */
double dh_plateau_step(dh_plateau *p, double metric, double lr);

#endif
