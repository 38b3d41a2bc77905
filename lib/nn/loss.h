/* loss.h - losses with their gradients: softmax cross-entropy from logits,
 * binary cross-entropy from logits, mean squared error.
 *
 * Each call returns the loss (a double, reduced over the batch) and, when
 * the gradient tensor is not NULL, writes d loss / d input there (the
 * caller scales it if the loss is weighted).  Inputs are float32; the
 * arithmetic runs in double and in a fixed order. */
#ifndef DH_NN_LOSS_H
#define DH_NN_LOSS_H

#include "core/error.h"
#include "core/tensor.h"

typedef enum dh_reduction {
	DH_REDUCE_MEAN = 0, /* weighted mean (ONNX SoftmaxCrossEntropyLoss) */
	DH_REDUCE_SUM
} dh_reduction;

typedef struct dh_ce_opts {
	const dh_tensor *weights; /* [C] class weights, or NULL for all 1 */
	float label_smoothing;    /* in [0, 1) */
	dh_reduction reduction;
	/* positions labelled ignore_index (e.g. 255 in a segmentation mask)
	 * add no loss, no gradient and no weight, when use_ignore is set */
	int use_ignore;
	int64_t ignore_index;
} dh_ce_opts;

/* Softmax cross-entropy of logits [N, C] or [N, C, d1, ...] against integer
 * class labels [N] or [N, d1, ...] (any integer dtype).  Per position, with
 * y its label, p = softmax over C and target q = (1 - s) onehot(y) + s / C:
 *   l = -w[y] sum_c q_c log p_c
 * MEAN divides the sum of l by the sum of w[y] (ONNX's weighted mean; with
 * s = 0 this is ONNX SoftmaxCrossEntropyLoss, ignore_index included); a
 * batch whose every position is ignored has loss 0.  A label outside
 * [0, C) (and not ignored) is DH_ERANGE naming the position.  opts may be
 * NULL (unweighted mean). */
dh_status dh_loss_softmax_ce(const dh_tensor *logits, const dh_tensor *labels,
			     const dh_ce_opts *opts, double *loss,
			     dh_tensor *dlogits, dh_err *e);

/* Binary cross-entropy of logits z against targets t in [0, 1] (same
 * shape), computed stably as max(z, 0) - z t + log(1 + exp(-|z|)). */
dh_status dh_loss_bce_logits(const dh_tensor *logits, const dh_tensor *target,
			     dh_reduction r, double *loss, dh_tensor *dlogits,
			     dh_err *e);

/* Mean (or sum) of (pred - target)^2 over every element. */
dh_status dh_loss_mse(const dh_tensor *pred, const dh_tensor *target,
		      dh_reduction r, double *loss, dh_tensor *dpred,
		      dh_err *e);

/* Mean (or sum) of |pred - target|; the gradient at 0 is 0. */
dh_status dh_loss_mae(const dh_tensor *pred, const dh_tensor *target,
		      dh_reduction r, double *loss, dh_tensor *dpred,
		      dh_err *e);

/* Huber loss with threshold delta > 0 (PyTorch's HuberLoss):
 * 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta). */
dh_status dh_loss_huber(const dh_tensor *pred, const dh_tensor *target,
			double delta, dh_reduction r, double *loss,
			dh_tensor *dpred, dh_err *e);

/* Negative log-likelihood of log-probabilities [N, C, ...] (LogSoftmax's
 * output) against integer labels [N, ...]: -w[y] logp[y], with the same
 * weighting and reduction as dh_loss_softmax_ce (label_smoothing must be
 * 0). */
dh_status dh_loss_nll(const dh_tensor *logp, const dh_tensor *labels,
		      const dh_ce_opts *opts, double *loss, dh_tensor *dlogp,
		      dh_err *e);

/* Soft Dice loss for segmentation: probabilities and targets of the same
 * shape [N, C, ...]; per sample and class
 *   dice = (2 sum(p t) + smooth) / (sum(p) + sum(t) + smooth)
 * and the loss is 1 - the mean dice over N x C.  smooth > 0 keeps empty
 * masks finite (1.0 is usual). */
dh_status dh_loss_dice(const dh_tensor *prob, const dh_tensor *target,
		       double smooth, double *loss, dh_tensor *dprob,
		       dh_err *e);

#endif
