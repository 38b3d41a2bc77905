/* optim.h - optimizers: SGD (momentum, dampening, Nesterov, weight decay),
 * Adam (weight decay as L2 on the gradient) and AdamW (decoupled weight
 * decay), with PyTorch's update rules.
 *
 * An optimizer borrows the parameter tensors it is built over and
 * allocates its state (momentum, moments) at construction, so a step
 * allocates nothing.  Each step updates every element independently, in
 * parallel, so results do not depend on the thread count. */
#ifndef DH_NN_OPTIM_H
#define DH_NN_OPTIM_H

#include <stdint.h>

#include "core/error.h"
#include "core/tensor.h"

typedef enum dh_optim_kind {
	DH_OPTIM_SGD = 0,
	DH_OPTIM_ADAM,
	DH_OPTIM_ADAMW,
	DH_OPTIM_KIND_COUNT
} dh_optim_kind;

typedef struct dh_optim_opts {
	dh_optim_kind kind;
	float lr;
	float weight_decay;
	/* SGD */
	float momentum, dampening;
	int nesterov; /* needs momentum > 0 and dampening 0 */
	/* Adam, AdamW */
	float beta1, beta2, eps;
	int threads; /* OpenMP threads for the update (>= 1) */
} dh_optim_opts;

typedef struct dh_optim dh_optim;

/* PyTorch's defaults for kind: lr 0.01 (SGD) or 0.001, betas 0.9/0.999,
 * eps 1e-8, weight decay 0 (0.01 for AdamW), one thread. */
void dh_optim_opts_init(dh_optim_opts *o, dh_optim_kind kind);
/* "sgd", "adam", "adamw"; parse returns 0 or -1. */
const char *dh_optim_kind_name(dh_optim_kind k);
int dh_optim_kind_parse(const char *s, dh_optim_kind *out);

/* An optimizer over n float32 parameters (borrowed: they must outlive it).
 * Options are checked (lr > 0, betas in [0, 1), ...).  Free with
 * dh_optim_free. */
dh_optim *dh_optim_new(const dh_optim_opts *o, int n,
		       dh_tensor *const *params, dh_err *e);
void dh_optim_free(dh_optim *o);

/* One update from grads[i], which has the shape of params[i]. */
dh_status dh_optim_step(dh_optim *o, const dh_tensor *const *grads,
			dh_err *e);
/* For learning-rate schedules. */
void dh_optim_set_lr(dh_optim *o, float lr);
float dh_optim_lr(const dh_optim *o);
/* Steps taken so far. */
int64_t dh_optim_steps(const dh_optim *o);

#endif
