/* fit.h - whole epochs: shuffled mini-batches from in-memory data, a
 * progress bar on a terminal, validation after each epoch, and a callback
 * (for checkpoints and logs) after each.  The order of samples in epoch k
 * comes from the stream (seed, k), so a run can be resumed or repeated
 * exactly. */
#ifndef DH_NN_FIT_H
#define DH_NN_FIT_H

#include <stdio.h>

#include "core/log.h"
#include "nn/train.h"

typedef struct dh_epoch_stats {
	int epoch;              /* from 1 */
	double loss, accuracy;  /* training */
	double val_loss, val_accuracy;
	int has_val;
	double seconds, samples_per_s;
	double lr;
} dh_epoch_stats;

typedef dh_status (*dh_epoch_fn)(void *ctx, const dh_epoch_stats *s, dh_err *e);

typedef struct dh_fit_opts {
	int epochs;
	int first_epoch;        /* 1, or later when resuming */
	int64_t batch;
	uint64_t seed;
	int shuffle;
	int progress;           /* draw a bar (on a terminal only) */
	const dh_log *log;
	dh_epoch_fn on_epoch;
	void *ctx;
} dh_fit_opts;

/* x [N, ...] and y [N, ...] are the training data; vx, vy (may be NULL)
 * the validation data. */
dh_status dh_fit(dh_trainer *t, const dh_tensor *x, const dh_tensor *y,
		 const dh_tensor *vx, const dh_tensor *vy,
		 const dh_fit_opts *o, dh_err *e);
/* Mean loss and accuracy over (x, y) in batches, without training. */
dh_status dh_evaluate(dh_trainer *t, const dh_tensor *x, const dh_tensor *y,
		      int64_t batch, double *loss, double *accuracy, dh_err *e);

#endif
