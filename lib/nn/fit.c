/* fit.c - epochs of mini-batch training (see fit.h). */
#include "config.h"

#include "nn/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "core/rng.h"

/* --- in-memory tensors as a source --- */

static dh_status ts_begin(void *ctx, int epoch, dh_err *e)
{
	(void)e;
	dh_tensor_source *s = ctx;
	int64_t n = s->x->shape[0];
	for (int64_t i = 0; i < n; i++)
		s->idx[i] = i;
	if (s->shuffle) {
		dh_rng r;
		dh_rng_derive(&r, s->seed, (uint64_t)epoch, 0x5eed);
		dh_rng_shuffle(&r, s->idx, n);
	}
	s->at = 0;
	return DH_OK;
}

/* Rows idx[0..n) of src into dst (whose first dimension is n). */
static void gather_rows(dh_tensor *dst, const dh_tensor *src, const int64_t *idx,
			int64_t n)
{
	size_t row = dh_tensor_nbytes(src) / (size_t)(src->shape[0] ? src->shape[0] : 1);
	char *d = dst->data;
	const char *s = src->data;
	for (int64_t i = 0; i < n; i++)
		memcpy(d + (size_t)i * row, s + (size_t)idx[i] * row, row);
}

static dh_status ts_next(void *ctx, const dh_tensor **x, const dh_tensor **y,
			 dh_err *e)
{
	dh_tensor_source *s = ctx;
	int64_t n = s->x->shape[0];
	if (s->at >= n)
		return DH_EEOF;
	int64_t k = n - s->at < s->batch ? n - s->at : s->batch;
	if (!s->shuffle) {
		/* views, no copy */
		dh_tensor_free(s->xv);
		dh_tensor_free(s->yv);
		s->xv = dh_tensor_slice0(s->x, s->at, k, e);
		s->yv = s->xv ? dh_tensor_slice0(s->y, s->at, k, e) : NULL;
		if (!s->xv || !s->yv)
			return e && e->status ? e->status : DH_ENOMEM;
		*x = s->xv;
		*y = s->yv;
	} else {
		s->xb->shape[0] = k;
		s->yb->shape[0] = k;
		gather_rows(s->xb, s->x, s->idx + s->at, k);
		gather_rows(s->yb, s->y, s->idx + s->at, k);
		*x = s->xb;
		*y = s->yb;
	}
	s->at += k;
	return DH_OK;
}

static int64_t ts_count(void *ctx)
{
	dh_tensor_source *s = ctx;
	return s->x->shape[0];
}

/* A batch buffer shaped like src with n rows. */
static dh_tensor *batch_of(const dh_tensor *src, int64_t n, dh_err *e)
{
	int64_t shape[DH_MAX_DIMS];
	memcpy(shape, src->shape, sizeof shape);
	shape[0] = n;
	return dh_tensor_new(src->dtype, src->ndim, shape, e);
}

dh_status dh_tensor_source_init(dh_tensor_source *s, dh_fit_source *src,
				const dh_tensor *x, const dh_tensor *y,
				int64_t batch, int shuffle, uint64_t seed,
				dh_err *e)
{
	memset(s, 0, sizeof *s);
	int64_t n = x->ndim ? x->shape[0] : 0;
	if (y->ndim < 1 || y->shape[0] != n)
		return dh_err_set(e, DH_ESHAPE, "%lld samples but %lld targets",
				  (long long)n, (long long)(y->ndim ? y->shape[0] : 0));
	s->x = x;
	s->y = y;
	s->batch = batch < n ? batch : (n ? n : 1);
	s->seed = seed;
	s->shuffle = shuffle;
	s->idx = malloc((size_t)(n ? n : 1) * sizeof *s->idx);
	if (shuffle && n) {
		s->xb = batch_of(x, s->batch, e);
		s->yb = s->xb ? batch_of(y, s->batch, e) : NULL;
	}
	if (!s->idx || (shuffle && n && (!s->xb || !s->yb))) {
		dh_tensor_source_release(s);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	src->begin = ts_begin;
	src->next = ts_next;
	src->count = ts_count;
	src->ctx = s;
	return DH_OK;
}

void dh_tensor_source_release(dh_tensor_source *s)
{
	free(s->idx);
	dh_tensor_free(s->xb);
	dh_tensor_free(s->yb);
	dh_tensor_free(s->xv);
	dh_tensor_free(s->yv);
	memset(s, 0, sizeof *s);
}

/* --- monitors --- */

dh_status dh_monitor_parse(dh_monitor *m, const char *name,
			   const dh_meter *meter, dh_err *e)
{
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	const char *base = name;
	if (!strncmp(name, "val_", 4)) {
		m->val = 1;
		base = name + 4;
	}
	m->index = -1;
	if (strcmp(base, "loss")) {
		m->index = meter ? dh_meter_find(meter, base) : -1;
		if (m->index < 0)
			return dh_err_set(e, DH_EINVAL,
					  "'%s' is neither loss, val_loss nor one of "
					  "the --metrics (optionally with val_)",
					  name);
		m->maximize = dh_metric_maximize(meter->kind[m->index]);
	}
	m->set = 1;
	return DH_OK;
}

double dh_monitor_value(const dh_monitor *m, const dh_epoch_stats *s)
{
	if (m->index < 0)
		return m->val ? s->val_loss : s->loss;
	return m->val ? s->val_metric[m->index] : s->metric[m->index];
}

static int better(const dh_monitor *m, double v, double best, int first)
{
	if (isnan(v))
		return 0;
	if (first)
		return 1;
	return m->maximize ? v > best : v < best;
}

void dh_fit_state_release(dh_fit_state *s)
{
	free(s->history);
	s->history = NULL;
	s->nhistory = s->caphistory = 0;
}

static dh_status push_history(dh_fit_state *st, const dh_epoch_stats *s,
			      dh_err *e)
{
	if (st->nhistory == st->caphistory) {
		int cap = st->caphistory ? 2 * st->caphistory : 16;
		dh_epoch_stats *h = realloc(st->history, (size_t)cap * sizeof *h);
		if (!h)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		st->history = h;
		st->caphistory = cap;
	}
	st->history[st->nhistory++] = *s;
	return DH_OK;
}

/* --- epochs --- */

dh_status dh_evaluate(dh_trainer *t, dh_fit_source *src, int epoch,
		      dh_meter *meter, double *loss, dh_err *e)
{
	double lsum = 0;
	int64_t n = 0;
	if (meter)
		dh_meter_reset(meter);
	dh_status s = src->begin(src->ctx, epoch, e);
	while (!s) {
		const dh_tensor *x, *y;
		s = src->next(src->ctx, &x, &y, e);
		if (s == DH_EEOF) {
			s = DH_OK;
			break;
		}
		dh_batch_result r;
		if (!s)
			s = dh_trainer_eval(t, x, y, &r, e);
		if (!s && meter)
			s = dh_meter_update(meter, dh_graph_output(t->g, 0), y, e);
		if (!s) {
			lsum += r.loss * (double)x->shape[0];
			n += x->shape[0];
		}
	}
	*loss = n ? lsum / (double)n : 0;
	return s;
}

dh_status dh_fit(dh_trainer *t, dh_fit_source *train, dh_fit_source *val,
		 const dh_fit_opts *o, dh_fit_state *st, dh_err *e)
{
	int64_t n = train->count(train->ctx);
	if (n == 0)
		return dh_err_set(e, DH_EINVAL, "no training samples");
	dh_status s = DH_OK;
	for (int epoch = st->epoch + 1; !s && !st->stopped && epoch <= o->epochs;
	     epoch++) {
		/* the rate: the schedule's for this epoch, then the plateau's
		 * reductions (kept as the state's lr) */
		double lr = dh_optim_lr(t->opt);
		if (o->schedule)
			lr = dh_lr_at(o->schedule, epoch - 1);
		if (o->use_plateau && st->epoch > 0 && st->lr < lr)
			lr = st->lr;
		dh_optim_set_lr(t->opt, (float)lr);

		char label[32];
		snprintf(label, sizeof label, "epoch %d/%d", epoch, o->epochs);
		dh_progress bar;
		dh_progress_init(&bar, stderr, o->progress, label, "img", n);
		double t0 = dh_now(), lsum = 0;
		int64_t seen = 0, skipped = 0, nb = 0;
		if (o->meter)
			dh_meter_reset(o->meter);
		int acc_i = o->meter ? dh_meter_find(o->meter, "accuracy") : -1;
		s = train->begin(train->ctx, epoch, e);
		while (!s) {
			const dh_tensor *x, *y;
			s = train->next(train->ctx, &x, &y, e);
			if (s == DH_EEOF) {
				s = DH_OK;
				break;
			}
			dh_batch_result r;
			if (!s)
				s = dh_trainer_step(t, x, y, &r, e);
			if (s)
				break;
			int64_t k = x->shape[0];
			nb++;
			if (r.skipped) {
				skipped++;
				if (o->log && skipped <= 3)
					dh_log_warn(o->log, "epoch %d: batch %lld skipped: %s",
						    epoch, (long long)nb,
						    t->nonfinite);
				dh_progress_add(&bar, k);
				continue;
			}
			if (o->meter)
				s = dh_meter_update(o->meter, dh_graph_output(t->g, 0), y, e);
			if (s)
				break;
			lsum += r.loss * (double)k;
			seen += k;
			if (acc_i >= 0)
				dh_progress_status(&bar, "loss %.4f acc %.4f",
						   lsum / (double)seen,
						   dh_meter_value(o->meter, acc_i));
			else
				dh_progress_status(&bar, "loss %.4f", lsum / (double)seen);
			dh_progress_add(&bar, k);
		}
		dh_progress_finish(&bar);
		if (s)
			break;
		dh_epoch_stats es;
		memset(&es, 0, sizeof es);
		es.epoch = epoch;
		es.seconds = dh_now() - t0;
		es.samples = seen;
		es.skipped = skipped;
		es.samples_per_s = es.seconds > 0 ? (double)(seen) / es.seconds : 0;
		es.loss = seen ? lsum / (double)seen : NAN;
		es.lr = lr;
		es.nmetrics = o->meter ? o->meter->n : 0;
		for (int i = 0; i < es.nmetrics; i++)
			es.metric[i] = dh_meter_value(o->meter, i);
		if (val) {
			s = dh_evaluate(t, val, epoch, o->val_meter, &es.val_loss, e);
			es.has_val = 1;
			for (int i = 0; !s && i < es.nmetrics; i++)
				es.val_metric[i] = dh_meter_value(o->val_meter, i);
		}
		if (s)
			break;
		/* early stop, best epoch, plateau */
		if (o->keep_best.set &&
		    better(&o->keep_best, dh_monitor_value(&o->keep_best, &es),
			   st->kb_best, st->kb_best_epoch == 0)) {
			st->kb_best = dh_monitor_value(&o->keep_best, &es);
			st->kb_best_epoch = epoch;
			es.improved = 1;
		}
		if (o->early_stop.set && o->early_stop.patience > 0) {
			double v = dh_monitor_value(&o->early_stop, &es);
			if (better(&o->early_stop, v, st->es_best, st->es_best_epoch == 0)) {
				st->es_best = v;
				st->es_best_epoch = epoch;
				st->es_bad = 0;
			} else if (++st->es_bad >= o->early_stop.patience) {
				st->stopped = 1;
			}
		}
		if (o->use_plateau) {
			st->lr = dh_plateau_step(&st->plateau,
						 dh_monitor_value(&o->plateau_on, &es), lr);
		} else {
			st->lr = lr;
		}
		st->epoch = epoch;
		s = push_history(st, &es, e);
		if (!s && o->on_epoch)
			s = o->on_epoch(o->ctx, &es, st, e);
	}
	return s;
}
