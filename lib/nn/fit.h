/* fit.h - whole epochs: mini-batches from a source (in-memory tensors, or
 * any other such as lib/dataset's loader), metrics, a progress bar on a
 * terminal, validation after each epoch, a learning-rate schedule, early
 * stopping, tracking of the best epoch, NaN/Inf handling, and a callback
 * (for checkpoints and logs) after each epoch.
 *
 * Everything a run carries from one epoch to the next lives in a
 * dh_fit_state (with the trainer's weights and optimizer), so that a run
 * saved after epoch k (lib/nn/checkpoint.h) and resumed continues exactly
 * as if it had not stopped.  The order of the samples in epoch k comes
 * from (seed, k) alone. */
#ifndef DH_NN_FIT_H
#define DH_NN_FIT_H

#include <stdio.h>

#include "core/log.h"
#include "nn/meter.h"
#include "nn/schedule.h"
#include "nn/train.h"

/* One epoch's figures.  Plain numbers only: checkpoints store it as is. */
typedef struct dh_epoch_stats {
	int32_t epoch;          /* from 1 */
	int32_t has_val;
	int32_t nmetrics;       /* as the run's meter */
	int32_t improved;       /* the best epoch so far (--keep-best) */
	double loss, val_loss;
	double metric[DH_METER_MAX], val_metric[DH_METER_MAX];
	double seconds, samples_per_s;
	double lr;
	int64_t samples;        /* training samples seen */
	int64_t skipped;        /* batches skipped for NaN/Inf */
} dh_epoch_stats;

/* A source of batches.  begin() starts epoch k (from 1); next() gives the
 * next batch, borrowed until the following call, or DH_EEOF at the end of
 * the epoch; count() is the number of samples per epoch. */
typedef struct dh_fit_source {
	dh_status (*begin)(void *ctx, int epoch, dh_err *e);
	dh_status (*next)(void *ctx, const dh_tensor **x, const dh_tensor **y,
			  dh_err *e);
	int64_t (*count)(void *ctx);
	void *ctx;
} dh_fit_source;

/* In-memory data as a source: x [N, ...] and y [N, ...] (borrowed), in
 * batches of `batch`, shuffled per epoch from (seed, epoch) when shuffle is
 * set. */
typedef struct dh_tensor_source {
	const dh_tensor *x, *y;
	int64_t batch;
	uint64_t seed;
	int shuffle;
	/* state */
	int64_t *idx, at;
	dh_tensor *xb, *yb, *xv, *yv;
} dh_tensor_source;
dh_status dh_tensor_source_init(dh_tensor_source *s, dh_fit_source *src,
				const dh_tensor *x, const dh_tensor *y,
				int64_t batch, int shuffle, uint64_t seed,
				dh_err *e);
void dh_tensor_source_release(dh_tensor_source *s);

/* What an epoch's figure is watched for: "loss", "val_loss", a metric of
 * the meter ("accuracy", "val_f1", ...).  Lower is better for losses, MSE
 * and MAE; higher for the rest. */
typedef struct dh_monitor {
	int set;
	int val;         /* a validation figure */
	int index;       /* metric index; -1: the loss */
	int maximize;
	int patience;    /* early stop: epochs without improvement (0: off) */
	char name[40];
} dh_monitor;
dh_status dh_monitor_parse(dh_monitor *m, const char *name,
			   const dh_meter *meter, dh_err *e);
double dh_monitor_value(const dh_monitor *m, const dh_epoch_stats *s);

/* Carried from epoch to epoch; saved in checkpoints. */
typedef struct dh_fit_state {
	int32_t epoch;             /* epochs done */
	int32_t stopped;           /* early stop fired */
	int32_t es_best_epoch, es_bad;
	double es_best;
	int32_t kb_best_epoch;     /* keep-best: the best epoch so far */
	double kb_best;
	dh_plateau plateau;        /* reduce-on-plateau */
	double lr;                 /* rate of the last epoch */
	dh_epoch_stats *history;   /* one per epoch done (owned) */
	int nhistory, caphistory;
} dh_fit_state;
void dh_fit_state_release(dh_fit_state *s);

typedef dh_status (*dh_epoch_fn)(void *ctx, const dh_epoch_stats *s,
				 const dh_fit_state *st, dh_err *e);

typedef struct dh_fit_opts {
	int epochs;              /* last epoch to train */
	const dh_log *log;
	int progress;            /* draw a bar (on a terminal only) */
	dh_meter *meter;         /* may be NULL: the loss only */
	dh_meter *val_meter;     /* another meter for validation */
	dh_monitor early_stop;   /* .patience > 0: stop after that many bad epochs */
	dh_monitor keep_best;
	/* learning rate per epoch: schedule (may be NULL), then plateau when
	 * use_plateau (stepped with plateau_on) */
	const dh_lr_schedule *schedule;
	int use_plateau;
	dh_monitor plateau_on;
	dh_epoch_fn on_epoch;
	void *ctx;
} dh_fit_opts;

/* Train epochs state->epoch + 1 .. o->epochs (fewer when stopped early),
 * validating on val (may be NULL) after each. */
dh_status dh_fit(dh_trainer *t, dh_fit_source *train, dh_fit_source *val,
		 const dh_fit_opts *o, dh_fit_state *state, dh_err *e);
/* Mean loss (and the meter's metrics, when meter is not NULL) over a
 * source's epoch `epoch`, without training. */
dh_status dh_evaluate(dh_trainer *t, dh_fit_source *src, int epoch,
		      dh_meter *meter, double *loss, dh_err *e);

#endif
