/* metrics.h - evaluation metrics: accuracy, top-k accuracy, a confusion
 * matrix with precision, recall and F1 per class and macro-averaged, and
 * Dice and IoU of segmentation masks.  (MSE and MAE are dh_loss_mse and
 * dh_loss_mae without a gradient.)
 *
 * Metrics accumulate over batches in caller-owned counters, so an epoch is
 * any number of update calls followed by one summary. */
#ifndef DH_NN_METRICS_H
#define DH_NN_METRICS_H

#include <stdint.h>

#include "core/error.h"
#include "core/tensor.h"

/* Add a batch to the C x C confusion matrix cm (cm[true * C + predicted],
 * zeroed by the caller before the first batch).  scores [N, C, ...] are
 * logits or probabilities (the prediction is the first argmax over C);
 * labels [N, ...] integer classes in [0, C). */
dh_status dh_confusion_update(int64_t *cm, int64_t c, const dh_tensor *scores,
			      const dh_tensor *labels, dh_err *e);

typedef struct dh_class_metrics {
	double precision, recall, f1;
	int64_t support; /* samples whose true class it is */
} dh_class_metrics;

/* Accuracy, and precision/recall/F1 per class (per_class: C entries, may
 * be NULL) and their unweighted mean over the C classes (macro, may be
 * NULL).  A ratio with a zero denominator is 0, as scikit-learn's default.
 * Returns the accuracy (0 for an empty matrix). */
double dh_confusion_summary(const int64_t *cm, int64_t c,
			    dh_class_metrics *per_class,
			    dh_class_metrics *macro);

/* Samples of scores [N, C] whose label is among the k highest scores
 * (ties counted in the label's favour: fewer than k scores are strictly
 * higher). */
dh_status dh_topk_correct(const dh_tensor *scores, const dh_tensor *labels,
			  int64_t k, int64_t *correct, dh_err *e);

/* Dice and IoU of masks: prob and target [N, C, ...] of the same shape;
 * prob >= threshold and target >= 0.5 are the foreground.  Sums of
 * intersections, mask sizes and unions over the batch are added to
 * acc[0..2] (caller zeroed), so that the metric covers the whole set. */
dh_status dh_mask_update(double acc[3], const dh_tensor *prob,
			 const dh_tensor *target, float threshold, dh_err *e);
/* From those sums: dice = 2 I / (|P| + |T|), iou = I / |P u T|; 1 for two
 * empty masks. */
void dh_mask_summary(const double acc[3], double *dice, double *iou);

#endif
