/* metrics.c - evaluation metrics (see metrics.h). */
#include "config.h"

#include "nn/metrics.h"

#include <string.h>

static dh_status check_scores(const dh_tensor *scores, const dh_tensor *labels,
			      int64_t c, dh_err *e)
{
	char s0[128], s1[128];
	if (scores->dtype != DH_F32)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "metrics: scores are %s (float32 only)",
				  dh_dtype_name(scores->dtype));
	if (dh_dtype_is_float(labels->dtype) || labels->dtype == DH_BOOL)
		return dh_err_set(e, DH_EINVAL,
				  "metrics: labels are %s, not class indices",
				  dh_dtype_name(labels->dtype));
	int ok = scores->ndim >= 2 && labels->ndim == scores->ndim - 1 &&
		 labels->shape[0] == scores->shape[0] &&
		 (c < 0 || scores->shape[1] == c);
	for (int i = 1; ok && i < labels->ndim; i++)
		ok = labels->shape[i] == scores->shape[i + 1];
	if (!ok)
		return dh_err_set(e, DH_ESHAPE,
				  "metrics: scores %s do not fit labels %s",
				  dh_shape_format(s0, sizeof s0, scores->ndim,
						  scores->shape),
				  dh_shape_format(s1, sizeof s1, labels->ndim,
						  labels->shape));
	return DH_OK;
}

/* Label at flat position pos, checked against [0, c). */
static dh_status label_at(const dh_tensor *labels, int64_t pos, int64_t c,
			  int64_t *y, dh_err *e)
{
	double v = dh_dtype_get(labels->dtype, labels->data, (size_t)pos);
	if (!(v >= 0 && v < (double)c))
		return dh_err_set(e, DH_ERANGE,
				  "metrics: label %g at position %lld is "
				  "outside [0, %lld)",
				  v, (long long)pos, (long long)c);
	*y = (int64_t)v;
	return DH_OK;
}

dh_status dh_confusion_update(int64_t *cm, int64_t c, const dh_tensor *scores,
			      const dh_tensor *labels, dh_err *e)
{
	dh_status st = check_scores(scores, labels, c, e);
	if (st)
		return st;
	int64_t n = scores->shape[0], inner = 1;
	for (int i = 2; i < scores->ndim; i++)
		inner *= scores->shape[i];
	const float *z = dh_tensor_f32(scores);
	for (int64_t i = 0; i < n; i++)
		for (int64_t s = 0; s < inner; s++) {
			int64_t y = 0;
			if ((st = label_at(labels, i * inner + s, c, &y, e)))
				return st;
			const float *zl = z + i * c * inner + s;
			int64_t best = 0;
			for (int64_t k = 1; k < c; k++)
				if (zl[k * inner] > zl[best * inner])
					best = k;
			cm[y * c + best]++;
		}
	return DH_OK;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

double dh_confusion_summary(const int64_t *cm, int64_t c,
			    dh_class_metrics *per_class,
			    dh_class_metrics *macro)
{
	int64_t total = 0, right = 0;
	dh_class_metrics m = {0, 0, 0, 0};
	for (int64_t k = 0; k < c; k++) {
		int64_t tp = cm[k * c + k], pred = 0, truth = 0;
		for (int64_t j = 0; j < c; j++) {
			pred += cm[j * c + k];
			truth += cm[k * c + j];
			total += cm[k * c + j];
		}
		right += tp;
		dh_class_metrics x;
		x.precision = ratio((double)tp, (double)pred);
		x.recall = ratio((double)tp, (double)truth);
		x.f1 = ratio(2.0 * x.precision * x.recall,
			     x.precision + x.recall);
		x.support = truth;
		if (per_class)
			per_class[k] = x;
		m.precision += x.precision;
		m.recall += x.recall;
		m.f1 += x.f1;
		m.support += truth;
	}
	if (macro) {
		if (c > 0) {
			m.precision /= (double)c;
			m.recall /= (double)c;
			m.f1 /= (double)c;
		}
		*macro = m;
	}
	return ratio((double)right, (double)total);
}

dh_status dh_topk_correct(const dh_tensor *scores, const dh_tensor *labels,
			  int64_t k, int64_t *correct, dh_err *e)
{
	dh_status st = check_scores(scores, labels, -1, e);
	if (st)
		return st;
	if (scores->ndim != 2)
		return dh_err_set(e, DH_ESHAPE,
				  "metrics: top-k wants scores [N, C]");
	int64_t n = scores->shape[0], c = scores->shape[1];
	if (k < 1)
		return dh_err_set(e, DH_ERANGE, "metrics: k = %lld",
				  (long long)k);
	const float *z = dh_tensor_f32(scores);
	int64_t ok = 0;
	for (int64_t i = 0; i < n; i++) {
		int64_t y = 0, higher = 0;
		if ((st = label_at(labels, i, c, &y, e)))
			return st;
		for (int64_t j = 0; j < c; j++)
			higher += z[i * c + j] > z[i * c + y];
		ok += higher < k;
	}
	*correct = ok;
	return DH_OK;
}

dh_status dh_mask_update(double acc[3], const dh_tensor *prob,
			 const dh_tensor *target, float threshold, dh_err *e)
{
	char s0[128], s1[128];
	if (prob->dtype != DH_F32 || target->dtype != DH_F32)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "metrics: masks must be float32");
	if (!dh_shape_equal(prob->ndim, prob->shape, target->ndim,
			    target->shape))
		return dh_err_set(e, DH_ESHAPE,
				  "metrics: prediction %s and mask %s differ",
				  dh_shape_format(s0, sizeof s0, prob->ndim,
						  prob->shape),
				  dh_shape_format(s1, sizeof s1, target->ndim,
						  target->shape));
	const float *p = dh_tensor_f32(prob), *t = dh_tensor_f32(target);
	double inter = 0, sizes = 0, uni = 0;
	for (int64_t i = 0; i < dh_tensor_numel(prob); i++) {
		int a = p[i] >= threshold, b = t[i] >= 0.5f;
		inter += a && b;
		sizes += a + b;
		uni += a || b;
	}
	acc[0] += inter;
	acc[1] += sizes;
	acc[2] += uni;
	return DH_OK;
}

void dh_mask_summary(const double acc[3], double *dice, double *iou)
{
	*dice = acc[1] > 0 ? 2.0 * acc[0] / acc[1] : 1.0;
	*iou = acc[2] > 0 ? acc[0] / acc[2] : 1.0;
}
