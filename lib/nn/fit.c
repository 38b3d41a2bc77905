/* fit.c - epochs of mini-batch training (see fit.h). */
#include "nn/fit.h"

#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "core/rng.h"

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

/* A batch buffer shaped like src with n rows. */
static dh_tensor *batch_of(const dh_tensor *src, int64_t n, dh_err *e)
{
	int64_t shape[DH_MAX_DIMS];
	memcpy(shape, src->shape, sizeof shape);
	shape[0] = n;
	return dh_tensor_new(src->dtype, src->ndim, shape, e);
}

/* Use the first n rows of a batch buffer (n <= its allocation). */
static void set_rows(dh_tensor *t, int64_t n)
{
	t->shape[0] = n;
}

dh_status dh_evaluate(dh_trainer *t, const dh_tensor *x, const dh_tensor *y,
		      int64_t batch, double *loss, double *accuracy, dh_err *e)
{
	int64_t n = x->shape[0];
	double lsum = 0;
	int64_t correct = 0, count = 0;
	dh_status s = DH_OK;
	for (int64_t at = 0; at < n && !s; at += batch) {
		int64_t k = n - at < batch ? n - at : batch;
		dh_tensor *xb = dh_tensor_slice0(x, at, k, e);
		dh_tensor *yb = xb ? dh_tensor_slice0(y, at, k, e) : NULL;
		dh_batch_result r;
		s = !xb || !yb ? DH_ENOMEM : dh_trainer_eval(t, xb, yb, &r, e);
		if (!s) {
			lsum += r.loss * (double)k;
			correct += r.correct;
			count += r.count;
		}
		dh_tensor_free(xb);
		dh_tensor_free(yb);
	}
	*loss = n ? lsum / (double)n : 0;
	*accuracy = count ? (double)correct / (double)count : 0;
	return s;
}

dh_status dh_fit(dh_trainer *t, const dh_tensor *x, const dh_tensor *y,
		 const dh_tensor *vx, const dh_tensor *vy,
		 const dh_fit_opts *o, dh_err *e)
{
	int64_t n = x->shape[0];
	if (n == 0)
		return dh_err_set(e, DH_EINVAL, "no training samples");
	if (y->shape[0] != n)
		return dh_err_set(e, DH_ESHAPE, "%lld samples but %lld targets",
				  (long long)n, (long long)y->shape[0]);
	int64_t batch = o->batch < n ? o->batch : n;
	int64_t *idx = malloc((size_t)n * sizeof *idx);
	dh_tensor *xb = batch_of(x, batch, e), *yb = xb ? batch_of(y, batch, e) : NULL;
	dh_status s = !idx || !xb || !yb ? dh_err_set(e, DH_ENOMEM, "out of memory") : DH_OK;
	for (int epoch = o->first_epoch > 0 ? o->first_epoch : 1;
	     !s && epoch <= o->epochs; epoch++) {
		for (int64_t i = 0; i < n; i++)
			idx[i] = i;
		if (o->shuffle) {
			dh_rng r;
			dh_rng_derive(&r, o->seed, (uint64_t)epoch, 0x5eed);
			dh_rng_shuffle(&r, idx, n);
		}
		char label[32];
		snprintf(label, sizeof label, "epoch %d/%d", epoch, o->epochs);
		dh_progress bar;
		dh_progress_init(&bar, stderr, o->progress, label, "img", n);
		double t0 = dh_now(), lsum = 0;
		int64_t correct = 0, count = 0;
		for (int64_t at = 0; at < n && !s; at += batch) {
			int64_t k = n - at < batch ? n - at : batch;
			set_rows(xb, k);
			set_rows(yb, k);
			gather_rows(xb, x, idx + at, k);
			gather_rows(yb, y, idx + at, k);
			dh_batch_result r;
			s = dh_trainer_step(t, xb, yb, &r, e);
			if (s)
				break;
			lsum += r.loss * (double)k;
			correct += r.correct;
			count += r.count;
			dh_progress_status(&bar, "loss %.4f acc %.4f",
					   lsum / (double)(at + k),
					   count ? (double)correct / (double)count : 0);
			dh_progress_add(&bar, k);
		}
		dh_progress_finish(&bar);
		if (s)
			break;
		dh_epoch_stats st = {0};
		st.epoch = epoch;
		st.seconds = dh_now() - t0;
		st.samples_per_s = st.seconds > 0 ? (double)n / st.seconds : 0;
		st.loss = lsum / (double)n;
		st.accuracy = count ? (double)correct / (double)count : 0;
		st.lr = dh_optim_lr(t->opt);
		if (vx && vy && vx->shape[0] > 0) {
			s = dh_evaluate(t, vx, vy, batch, &st.val_loss,
					&st.val_accuracy, e);
			st.has_val = 1;
		}
		if (!s && o->on_epoch)
			s = o->on_epoch(o->ctx, &st, e);
	}
	free(idx);
	dh_tensor_free(xb);
	dh_tensor_free(yb);
	return s;
}
