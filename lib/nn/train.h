/* train.h - training a graph: one batch at a time (forward, loss,
 * backward, optimizer step) and evaluation, as EDDL's train_batch and
 * eval_batch; lib/nn/fit.h runs whole epochs on top of this.
 *
 * The trainer borrows the graph, owns the optimizer, and plans the graph
 * for the largest batch it has seen, so that steps after the first
 * allocate nothing.  Same seed, same data order and same thread count give
 * bit-identical weights. */
#ifndef DH_NN_TRAIN_H
#define DH_NN_TRAIN_H

#include <stdint.h>

#include "graph/graph.h"
#include "nn/loss.h"
#include "nn/optim.h"

typedef enum dh_loss_kind {
	DH_LOSS_CE = 0, /* softmax cross-entropy from logits, integer labels */
	DH_LOSS_BCE,    /* binary cross-entropy from logits, targets in [0, 1] */
	DH_LOSS_MSE,
	DH_LOSS_MAE,
	DH_LOSS_HUBER,
	DH_LOSS_NLL,    /* from log-probabilities, integer labels */
	DH_LOSS_DICE,   /* soft Dice on sigmoid(output) against a mask */
	DH_LOSS_KIND_COUNT
} dh_loss_kind;

/* "cross-entropy", "bce", "mse", "mae", "huber", "nll", "dice". */
const char *dh_loss_kind_name(dh_loss_kind k);
int dh_loss_kind_parse(const char *s, dh_loss_kind *out);

typedef struct dh_batch_result {
	double loss;      /* the batch's mean loss */
	int64_t correct;  /* classification: argmax equals the label */
	int64_t count;    /* samples (or labelled positions) counted */
	int skipped;      /* NaN/Inf met and skip_nonfinite set: no update */
} dh_batch_result;

typedef struct dh_trainer {
	dh_graph *g;
	dh_optim *opt;
	dh_tensor **params, **grads;
	char **names;
	int nparams;
	dh_loss_kind loss;
	dh_ce_opts ce;
	float clip_norm;      /* > 0: clip the gradients' global norm */
	/* A NaN or an infinity in the loss or the gradients is found again
	 * with the graph's per-node checks, so that the message names the
	 * node where it first appears; then the step fails (DH_ENUMERIC), or,
	 * with skip_nonfinite, is skipped (no update) with the message left
	 * in nonfinite. */
	int skip_nonfinite;
	char nonfinite[256];
	void *const_buf;      /* BatchNorm statistics before a skipped step */
	size_t const_cap;
	dh_tensor *dout;      /* the output's gradient (a view in dout_buf) */
	void *dout_buf;
	size_t dout_cap;
	/* with the graph profiled (graph/profile.h): training steps taken,
	 * and seconds in the loss and in the optimizer */
	long prof_steps;
	double prof_loss, prof_optim;
	dh_tensor *prob;      /* Dice: sigmoid of the output */
	void *prob_buf;
	size_t prob_cap;
} dh_trainer;

/* The graph must be finalized and have one output. */
dh_trainer *dh_trainer_new(dh_graph *g, const dh_optim_opts *o,
			   dh_loss_kind loss, dh_err *e);
void dh_trainer_free(dh_trainer *t);

/* One optimisation step on (x, y): x feeds the graph's input; y holds
 * integer labels [N] (or [N, ...] for segmentation) for cross-entropy and
 * NLL, or float targets shaped like the output. */
dh_status dh_trainer_step(dh_trainer *t, const dh_tensor *x,
			  const dh_tensor *y, dh_batch_result *r, dh_err *e);
/* Loss and accuracy without training (inference mode). */
dh_status dh_trainer_eval(dh_trainer *t, const dh_tensor *x,
			  const dh_tensor *y, dh_batch_result *r, dh_err *e);

#endif
