/* meter.h - the metrics of a training run, accumulated over an epoch's
 * batches: accuracy, top-k accuracy, macro precision/recall/F1, Dice and
 * IoU of masks, MSE and MAE, on top of lib/nn/metrics.h.
 *
 * A meter is parsed once from a comma-separated list ("accuracy,f1,top5"),
 * reset at the start of each epoch, updated with each batch's output and
 * targets, then read.  Which metrics fit which targets: accuracy, top-k,
 * precision, recall and F1 want integer class labels [N] (or [N, ...] per
 * position) against scores [N, C, ...], or float targets in [0, 1] shaped
 * like the output (a logit >= 0 predicts 1); Dice and IoU want a mask
 * (float [N, C, ...] shaped like the output, foreground >= 0.5, against
 * sigmoid(output) >= 0.5; or integer labels [N, ...] against the argmax,
 * over the classes other than 0); MSE and MAE want float targets shaped
 * like the output. */
#ifndef DH_NN_METER_H
#define DH_NN_METER_H

#include <stdint.h>

#include "core/error.h"
#include "core/tensor.h"

typedef enum dh_metric_kind {
	DH_METRIC_ACCURACY = 0,
	DH_METRIC_TOPK,
	DH_METRIC_PRECISION,
	DH_METRIC_RECALL,
	DH_METRIC_F1,
	DH_METRIC_DICE,
	DH_METRIC_IOU,
	DH_METRIC_MSE,
	DH_METRIC_MAE,
	DH_METRIC_KIND_COUNT
} dh_metric_kind;

#define DH_METER_MAX 16

typedef struct dh_meter {
	int n;
	dh_metric_kind kind[DH_METER_MAX];
	int64_t k[DH_METER_MAX];      /* top-k's k */
	char name[DH_METER_MAX][16];  /* "accuracy", "top5", ... */
	/* accumulators */
	int64_t nclasses;             /* from the first batch; 0: not yet */
	int64_t *cm;                  /* nclasses^2 confusion matrix */
	int64_t correct, count;       /* accuracy */
	int64_t topk[DH_METER_MAX];
	int64_t topk_count;
	double mask[3];               /* intersection, |P| + |T|, union */
	double se, ae;
	int64_t nel;
} dh_meter;

/* Parse "accuracy,top5,f1,..."; an unknown name is DH_EINVAL naming it.
 * Names: accuracy, topK (K from 1), precision, recall, f1, dice, iou, mse,
 * mae. */
dh_status dh_meter_parse(dh_meter *m, const char *list, dh_err *e);
/* Whether a higher value is better. */
int dh_metric_maximize(dh_metric_kind k);
/* Index of a metric by name in m, or -1. */
int dh_meter_find(const dh_meter *m, const char *name);
void dh_meter_reset(dh_meter *m);
dh_status dh_meter_update(dh_meter *m, const dh_tensor *out,
			  const dh_tensor *y, dh_err *e);
double dh_meter_value(const dh_meter *m, int i);
void dh_meter_release(dh_meter *m);

#endif
