/* optim.h - optimizers: SGD (momentum, dampening, Nesterov, weight decay),
 * Adam (weight decay as L2 on the gradient), AdamW (decoupled weight
 * decay), RMSprop (with momentum), Adagrad and Adadelta, with PyTorch's
 * update rules; gradient clipping by norm and by value.
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
	DH_OPTIM_RMSPROP,
	DH_OPTIM_ADAGRAD,
	DH_OPTIM_ADADELTA,
	DH_OPTIM_KIND_COUNT
} dh_optim_kind;

typedef struct dh_optim_opts {
	dh_optim_kind kind;
	float lr;
	float weight_decay;
	/* SGD; RMSprop's momentum */
	float momentum, dampening;
	int nesterov; /* needs momentum > 0 and dampening 0 */
	/* Adam, AdamW; eps also RMSprop, Adagrad, Adadelta */
	float beta1, beta2, eps;
	/* RMSprop's alpha, Adadelta's rho: decay of the squared average */
	float rho;
	int threads; /* OpenMP threads for the update (>= 1) */
} dh_optim_opts;

typedef struct dh_optim dh_optim;

/* PyTorch's defaults for kind: lr 0.01 (SGD, RMSprop, Adagrad), 0.001
 * (Adam, AdamW) or 1.0 (Adadelta); betas 0.9/0.999; eps 1e-8 (Adam, RMSprop),
 * 1e-10 (Adagrad), 1e-6 (Adadelta); rho 0.99 (RMSprop) or 0.9 (Adadelta);
 * weight decay 0 (0.01 for AdamW); one thread. */
void dh_optim_opts_init(dh_optim_opts *o, dh_optim_kind kind);
/* "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"; parse
 * returns 0 or -1. */
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

/* Checkpoints: the state of parameter i, slot 0 (SGD/RMSprop momentum,
 * Adam's first moment, Adadelta's delta average) or slot 1 (Adam's second
 * moment, RMSprop's and Adadelta's squared average, Adagrad's sum), as
 * numel(params[i]) floats owned by the optimizer; NULL where the kind keeps
 * none.  Writing them and dh_optim_set_steps restore a saved state. */
float *dh_optim_state(dh_optim *o, int i, int slot);
void dh_optim_set_steps(dh_optim *o, int64_t steps);

/* Scale the gradients together so that their global L2 norm is at most
 * max_norm (PyTorch's clip_grad_norm_: factor max_norm / (norm + 1e-6));
 * *norm_out (may be NULL) gets the norm before clipping.  A NaN or Inf
 * norm is DH_ENUMERIC and leaves the gradients alone. */
dh_status dh_grad_clip_norm(int n, dh_tensor *const *grads, double max_norm,
			    double *norm_out, dh_err *e);
/* Clamp every gradient element to [-clip, clip]. */
void dh_grad_clip_value(int n, dh_tensor *const *grads, float clip);

/* A weight penalty for one layer's parameters (Keras's and EDDL's
 * convention): l1 sum|w| + l2 sum w^2.  L1: l2 = 0; L2: l1 = 0; L1L2:
 * both. */
typedef struct dh_regularizer {
	float l1, l2;
} dh_regularizer;

/* Add the penalty's gradient (l1 sign(w) + 2 l2 w) to grad (w's shape)
 * and return the penalty, to be added to the loss. */
double dh_reg_apply(const dh_regularizer *r, const dh_tensor *w,
		    dh_tensor *grad);

#endif
