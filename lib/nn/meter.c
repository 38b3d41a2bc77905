/* meter.c - metrics of a training run over an epoch (see meter.h). */
#include "config.h"

#include "nn/meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opt.h"
#include "nn/metrics.h"

static const char *const kind_names[] = {
	[DH_METRIC_ACCURACY] = "accuracy", [DH_METRIC_TOPK] = "top",
	[DH_METRIC_PRECISION] = "precision", [DH_METRIC_RECALL] = "recall",
	[DH_METRIC_F1] = "f1", [DH_METRIC_DICE] = "dice",
	[DH_METRIC_IOU] = "iou", [DH_METRIC_MSE] = "mse",
	[DH_METRIC_MAE] = "mae",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == DH_METRIC_KIND_COUNT,
	       "kind_names must name every metric");

int dh_metric_maximize(dh_metric_kind k)
{
	return k != DH_METRIC_MSE && k != DH_METRIC_MAE;
}

dh_status dh_meter_parse(dh_meter *m, const char *list, dh_err *e)
{
	memset(m, 0, sizeof *m);
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		char w[32];
		if (len == 0 || len >= sizeof w)
			return dh_err_set(e, DH_EINVAL, "--metrics: empty or overlong name in '%s'", list);
		memcpy(w, p, len);
		w[len] = 0;
		p += len + (p[len] == ',');
		if (m->n == DH_METER_MAX)
			return dh_err_set(e, DH_EINVAL, "--metrics: more than %d metrics", DH_METER_MAX);
		int i = m->n, found = 0;
		long long k = 0;
		if (!strncmp(w, "top", 3) && w[3]) {
			if (dh_parse_ll(w + 3, &k) || k < 1 || k > 1000000)
				return dh_err_set(e, DH_EINVAL, "--metrics: '%s': top-k wants a whole k from 1, as top5", w);
			m->kind[i] = DH_METRIC_TOPK;
			m->k[i] = k;
			found = 1;
		}
		for (int j = 0; !found && j < DH_METRIC_KIND_COUNT; j++)
			if (j != DH_METRIC_TOPK && !strcmp(w, kind_names[j])) {
				m->kind[i] = (dh_metric_kind)j;
				found = 1;
			}
		if (!found)
			return dh_err_set(e, DH_EINVAL,
					  "--metrics: unknown metric '%s' (accuracy, topK, "
					  "precision, recall, f1, dice, iou, mse, mae)", w);
		if (dh_meter_find(m, w) >= 0)
			continue;
		snprintf(m->name[i], sizeof m->name[i], "%s", w);
		m->n++;
	}
	return DH_OK;
}

int dh_meter_find(const dh_meter *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return i;
	return -1;
}

void dh_meter_reset(dh_meter *m)
{
	if (m->cm && m->nclasses)
		memset(m->cm, 0, (size_t)(m->nclasses * m->nclasses) * sizeof *m->cm);
	m->correct = m->count = m->topk_count = 0;
	memset(m->topk, 0, sizeof m->topk);
	memset(m->mask, 0, sizeof m->mask);
	m->se = m->ae = 0;
	m->nel = 0;
}

void dh_meter_release(dh_meter *m)
{
	free(m->cm);
	m->cm = NULL;
	m->nclasses = 0;
}

static dh_status need_classes(dh_meter *m, int64_t c, dh_err *e)
{
	if (m->nclasses == c)
		return DH_OK;
	if (m->nclasses)
		return dh_err_set(e, DH_ESHAPE, "metrics: %lld classes, then %lld",
				  (long long)m->nclasses, (long long)c);
	m->cm = calloc((size_t)(c * c), sizeof *m->cm);
	if (!m->cm)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	m->nclasses = c;
	return DH_OK;
}

static int wants(const dh_meter *m, dh_metric_kind k)
{
	for (int i = 0; i < m->n; i++)
		if (m->kind[i] == k)
			return 1;
	return 0;
}

/* Float targets shaped like the output: binary per element. */
static dh_status update_float(dh_meter *m, const dh_tensor *out,
			      const dh_tensor *y, dh_err *e)
{
	if (dh_tensor_numel(out) != dh_tensor_numel(y))
		return dh_err_set(e, DH_ESHAPE, "metrics: float targets must be shaped like the output");
	dh_status s = need_classes(m, 2, e);
	if (s)
		return s;
	const float *z = dh_tensor_f32(out);
	int64_t n = dh_tensor_numel(out);
	for (int64_t i = 0; i < n; i++) {
		double t = dh_dtype_get(y->dtype, y->data, (size_t)i);
		int p = z[i] >= 0, c = t >= 0.5;
		m->cm[c * 2 + p]++;
		m->correct += p == c;
		m->mask[0] += p && c;
		m->mask[1] += p + c;
		m->mask[2] += p || c;
		double d = (double)z[i] - t;
		m->se += d * d;
		m->ae += d < 0 ? -d : d;
	}
	m->count += n;
	m->nel += n;
	return DH_OK;
}

dh_status dh_meter_update(dh_meter *m, const dh_tensor *out,
			  const dh_tensor *y, dh_err *e)
{
	if (m->n == 0)
		return DH_OK;
	if (out->dtype != DH_F32)
		return dh_err_set(e, DH_EUNSUPPORTED, "metrics: the output is not float32");
	if (dh_dtype_is_float(y->dtype))
		return update_float(m, out, y, e);
	if (wants(m, DH_METRIC_MSE) || wants(m, DH_METRIC_MAE))
		return dh_err_set(e, DH_EINVAL,
				  "metrics: mse and mae need float targets shaped "
				  "like the output, and these are class labels");
	if (out->ndim < 2)
		return dh_err_set(e, DH_ESHAPE, "metrics: class labels need scores [N, C, ...]");
	dh_status s = need_classes(m, out->shape[1], e);
	if (!s)
		s = dh_confusion_update(m->cm, m->nclasses, out, y, e);
	if (s)
		return s;
	for (int i = 0; i < m->n && !s; i++)
		if (m->kind[i] == DH_METRIC_TOPK) {
			if (out->ndim != 2)
				return dh_err_set(e, DH_ESHAPE, "metrics: %s needs scores [N, C]", m->name[i]);
			int64_t c = 0;
			s = dh_topk_correct(out, y, m->k[i], &c, e);
			m->topk[i] += c;
		}
	if (!s && wants(m, DH_METRIC_TOPK))
		m->topk_count += out->shape[0];
	return s;
}

double dh_meter_value(const dh_meter *m, int i)
{
	int64_t c = m->nclasses;
	dh_class_metrics macro = {0};
	double acc = 0;
	if (m->cm && c)
		acc = dh_confusion_summary(m->cm, c, NULL, &macro);
	switch (m->kind[i]) {
	case DH_METRIC_ACCURACY:
		return acc;
	case DH_METRIC_TOPK:
		return m->topk_count ? (double)m->topk[i] / (double)m->topk_count : 0;
	case DH_METRIC_PRECISION:
		return macro.precision;
	case DH_METRIC_RECALL:
		return macro.recall;
	case DH_METRIC_F1:
		return macro.f1;
	case DH_METRIC_DICE:
	case DH_METRIC_IOU: {
		double acc3[3] = {m->mask[0], m->mask[1], m->mask[2]};
		if (m->nel == 0 && m->cm) {
			/* class labels: foreground is every class but 0 */
			for (int64_t k = 1; k < c; k++) {
				int64_t row = 0, col = 0;
				for (int64_t j = 0; j < c; j++) {
					row += m->cm[k * c + j];
					col += m->cm[j * c + k];
				}
				acc3[0] += (double)m->cm[k * c + k];
				acc3[1] += (double)(row + col);
				acc3[2] += (double)(row + col - m->cm[k * c + k]);
			}
		}
		double dice, iou;
		dh_mask_summary(acc3, &dice, &iou);
		return m->kind[i] == DH_METRIC_DICE ? dice : iou;
	}
	case DH_METRIC_MSE:
		return m->nel ? m->se / (double)m->nel : 0;
	case DH_METRIC_MAE:
		return m->nel ? m->ae / (double)m->nel : 0;
	default:
		return 0;
	}
}
