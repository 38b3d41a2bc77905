/* train.c - batch-level training and evaluation (see train.h). */
#include "nn/train.h"
#include "graph/profile.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static const char *const loss_names[] = {
	[DH_LOSS_CE] = "cross-entropy", [DH_LOSS_BCE] = "bce",
	[DH_LOSS_MSE] = "mse",          [DH_LOSS_MAE] = "mae",
	[DH_LOSS_HUBER] = "huber",      [DH_LOSS_NLL] = "nll",
	[DH_LOSS_DICE] = "dice",
};
_Static_assert(sizeof loss_names / sizeof loss_names[0] == DH_LOSS_KIND_COUNT,
	       "loss_names must name every loss");

const char *dh_loss_kind_name(dh_loss_kind k)
{
	return (unsigned)k < DH_LOSS_KIND_COUNT ? loss_names[k] : "?";
}

int dh_loss_kind_parse(const char *s, dh_loss_kind *out)
{
	for (int i = 0; i < DH_LOSS_KIND_COUNT; i++)
		if (!strcmp(s, loss_names[i])) {
			*out = (dh_loss_kind)i;
			return 0;
		}
	return -1;
}

dh_trainer *dh_trainer_new(dh_graph *g, const dh_optim_opts *o,
			   dh_loss_kind loss, dh_err *e)
{
	if (g->noutputs != 1 || g->ninputs != 1) {
		dh_err_set(e, DH_EUNSUPPORTED,
			   "training needs a model with one input and one output "
			   "(this one has %d and %d)",
			   g->ninputs, g->noutputs);
		return NULL;
	}
	dh_trainer *t = calloc(1, sizeof *t);
	if (!t) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	t->g = g;
	t->loss = loss;
	/* plan once so that gradients exist, then build the optimizer over
	 * them */
	if (dh_graph_params(g, &t->params, NULL, &t->names, &t->nparams, e))
		goto fail;
	if (t->nparams == 0) {
		dh_err_set(e, DH_EINVAL, "the model has no trainable parameters "
					 "(all frozen?)");
		goto fail;
	}
	t->opt = dh_optim_new(o, t->nparams, t->params, e);
	if (!t->opt)
		goto fail;
	return t;
fail:
	dh_trainer_free(t);
	return NULL;
}

void dh_trainer_free(dh_trainer *t)
{
	if (!t)
		return;
	dh_optim_free(t->opt);
	free(t->params);
	free(t->grads);
	free(t->names);
	dh_tensor_free(t->dout);
	dh_tensor_free(t->prob);
	dh_free_aligned(t->dout_buf);
	dh_free_aligned(t->prob_buf);
	free(t->const_buf);
	free(t);
}

/* A float32 tensor of `like`'s shape over a buffer that only grows. */
static dh_status scratch(dh_tensor **t, void **buf, size_t *cap,
			 const dh_tensor *like, dh_err *e)
{
	size_t n = (size_t)dh_tensor_numel(like) * sizeof(float);
	if (n > *cap || !*buf) {
		void *p = dh_alloc_aligned(n, e);
		if (!p)
			return DH_ENOMEM;
		dh_free_aligned(*buf);
		*buf = p;
		*cap = n;
		if (*t) {
			dh_tensor_free(*t);
			*t = NULL;
		}
	}
	if (!*t) {
		*t = dh_tensor_wrap(DH_F32, like->ndim, like->shape, *buf, e);
		return *t ? DH_OK : DH_ENOMEM;
	}
	return dh_tensor_rebind(*t, *buf, like->ndim, like->shape, e);
}

static void count_correct(const dh_tensor *out, const dh_tensor *y,
			  dh_batch_result *r)
{
	/* argmax over axis 1 of [N, C, ...] against integer labels [N, ...] */
	if (out->ndim < 2 || dh_dtype_is_float(y->dtype)) {
		r->count = out->ndim ? out->shape[0] : 0;
		return;
	}
	int64_t n = out->shape[0], c = out->shape[1], inner = 1;
	for (int d = 2; d < out->ndim; d++)
		inner *= out->shape[d];
	const float *p = out->data;
	for (int64_t i = 0; i < n; i++)
		for (int64_t s = 0; s < inner; s++) {
			int64_t best = 0;
			for (int64_t k = 1; k < c; k++)
				if (p[(i * c + k) * inner + s] > p[(i * c + best) * inner + s])
					best = k;
			r->correct += best == (int64_t)dh_dtype_get(y->dtype, y->data, (size_t)(i * inner + s));
			r->count++;
		}
}

static dh_status compute_loss(dh_trainer *t, const dh_tensor *out,
			      const dh_tensor *y, dh_tensor *dout,
			      double *loss, dh_err *e)
{
	switch (t->loss) {
	case DH_LOSS_CE:
		return dh_loss_softmax_ce(out, y, &t->ce, loss, dout, e);
	case DH_LOSS_NLL:
		return dh_loss_nll(out, y, &t->ce, loss, dout, e);
	case DH_LOSS_BCE:
		return dh_loss_bce_logits(out, y, DH_REDUCE_MEAN, loss, dout, e);
	case DH_LOSS_MSE:
		return dh_loss_mse(out, y, DH_REDUCE_MEAN, loss, dout, e);
	case DH_LOSS_MAE:
		return dh_loss_mae(out, y, DH_REDUCE_MEAN, loss, dout, e);
	case DH_LOSS_HUBER:
		return dh_loss_huber(out, y, 1.0, DH_REDUCE_MEAN, loss, dout, e);
	case DH_LOSS_DICE: {
		/* the network gives logits; Dice wants probabilities */
		dh_status s = scratch(&t->prob, &t->prob_buf, &t->prob_cap, out, e);
		if (s)
			return s;
		const float *z = out->data;
		float *p = t->prob->data;
		int64_t n = dh_tensor_numel(out);
		for (int64_t i = 0; i < n; i++)
			p[i] = 1.0f / (1.0f + expf(-z[i]));
		s = dh_loss_dice(t->prob, y, 1.0, loss, dout, e);
		if (!s && dout) {
			float *d = dout->data;
			for (int64_t i = 0; i < n; i++)
				d[i] *= p[i] * (1.0f - p[i]);
		}
		return s;
	}
	default:
		return dh_err_set(e, DH_EINVAL, "unknown loss");
	}
}

/* Values a training forward pass writes besides activations (BatchNorm's
 * running statistics): saved before a step that may be skipped. */
static dh_status save_consts(dh_trainer *t, int restore, dh_err *e)
{
	dh_graph *g = t->g;
	size_t need = 0;
	for (int i = 0; i < g->nv; i++)
		if (g->v[i].kind == DH_VAL_CONST && g->v[i].t)
			need += dh_tensor_nbytes(g->v[i].t);
	if (!restore && need > t->const_cap) {
		void *p = realloc(t->const_buf, need);
		if (!p)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		t->const_buf = p;
		t->const_cap = need;
	}
	size_t at = 0;
	for (int i = 0; i < g->nv; i++)
		if (g->v[i].kind == DH_VAL_CONST && g->v[i].t) {
			size_t n = dh_tensor_nbytes(g->v[i].t);
			if (restore)
				memcpy(g->v[i].t->data, (char *)t->const_buf + at, n);
			else
				memcpy((char *)t->const_buf + at, g->v[i].t->data, n);
			at += n;
		}
	return DH_OK;
}

/* 1 when no gradient holds a NaN or an infinity: an exponent of all ones.
 * An OR over integer tests vectorises and splits among threads (a float
 * sum would be a serial chain: 10 ms a step for ResNet-18's gradients). */
static int grads_finite(const dh_trainer *t)
{
	for (int i = 0; i < t->nparams; i++) {
		const float *p = t->grads[i]->data;
		int64_t n = dh_tensor_numel(t->grads[i]);
		uint32_t bad = 0;
#ifdef _OPENMP
#pragma omp parallel for simd reduction(| : bad) if (n > ((int64_t)1 << 16))
#endif
		for (int64_t j = 0; j < n; j++) {
			uint32_t b;
			memcpy(&b, p + j, sizeof b);
			bad |= (~b & 0x7f800000u) == 0;
		}
		if (bad)
			return 0;
	}
	return 1;
}

/* NaN or Inf met: run the batch again with the graph's per-node checks so
 * that the message names the node where it first appears. */
static dh_status nonfinite(dh_trainer *t, const dh_tensor *x, int backward,
			   double loss, dh_batch_result *r, dh_err *e)
{
	dh_graph *g = t->g;
	dh_err e2;
	dh_err_clear(&e2);
	if (x->dtype == DH_F32) {
		const float *p = x->data;
		int64_t n = dh_tensor_numel(x), per = n / (x->shape[0] ? x->shape[0] : 1);
		for (int64_t i = 0; i < n; i++)
			if (!isfinite(p[i])) {
				snprintf(t->nonfinite, sizeof t->nonfinite,
					 "the input holds %s (sample %lld of the batch)",
					 isnan(p[i]) ? "NaN" : "an infinity",
					 (long long)(i / (per ? per : 1)));
				goto found;
			}
	}
	int was = g->check_finite;
	dh_rng rng = g->rng;
	g->check_finite = 1;
	dh_status s = dh_graph_forward(g, (const dh_tensor *[]){x}, &e2);
	if (!s && backward)
		s = dh_graph_backward(g, (const dh_tensor *[]){t->dout}, &e2);
	g->check_finite = was;
	g->rng = rng;
	if (s == DH_ENUMERIC)
		snprintf(t->nonfinite, sizeof t->nonfinite, "%s", e2.msg);
	else if (backward)
		snprintf(t->nonfinite, sizeof t->nonfinite,
			 "a parameter's gradient holds NaN or an infinity");
	else
		snprintf(t->nonfinite, sizeof t->nonfinite,
			 "the loss is %g (the outputs are finite: the targets?)", loss);
found:
	if (t->skip_nonfinite) {
		r->skipped = 1;
		return save_consts(t, 1, e);
	}
	if (!strncmp(t->nonfinite, "the input", 9))
		return dh_err_set(e, DH_ENUMERIC, "%s: bad data (--on-nan skip passes "
						  "over such batches)", t->nonfinite);
	return dh_err_set(e, DH_ENUMERIC, "%s: training diverged (lower the "
					  "learning rate; or --on-nan skip)",
			  t->nonfinite);
}

static dh_status run(dh_trainer *t, const dh_tensor *x, const dh_tensor *y,
		     int training, dh_batch_result *r, dh_err *e)
{
	dh_graph *g = t->g;
	int64_t n = x->ndim ? x->shape[0] : 1;
	memset(r, 0, sizeof *r);
	if (n == 0)
		return dh_err_set(e, DH_EINVAL, "an empty batch");
	if (y->ndim < 1 || y->shape[0] != n)
		return dh_err_set(e, DH_ESHAPE,
				  "%lld samples but %lld targets",
				  (long long)n, (long long)(y->ndim ? y->shape[0] : 0));
	dh_status s = DH_OK;
	if (g->batch != n || g->training != training)
		s = dh_graph_plan(g, n, training, e);
	if (!s && training && t->skip_nonfinite)
		s = save_consts(t, 0, e);
	if (!s)
		s = dh_graph_forward(g, (const dh_tensor *[]){x}, e);
	const dh_tensor *out = s ? NULL : dh_graph_output(g, 0);
	if (!s && training)
		s = scratch(&t->dout, &t->dout_buf, &t->dout_cap, out, e);
	double t0 = g->prof ? dh_profile_clock() : 0.0;
	if (!s)
		s = compute_loss(t, out, y, training ? t->dout : NULL, &r->loss, e);
	if (g->prof)
		t->prof_loss += dh_profile_clock() - t0;
	if (!s && !isfinite(r->loss)) {
		if (!training && t->skip_nonfinite)
			return DH_OK; /* reported as it is */
		if (!training)
			return dh_err_set(e, DH_ENUMERIC, "the loss is %g", r->loss);
		return nonfinite(t, x, 0, r->loss, r, e);
	}
	if (!s)
		count_correct(out, y, r);
	if (s || !training)
		return s;
	s = dh_graph_backward(g, (const dh_tensor *[]){t->dout}, e);
	if (!s && !t->grads) {
		/* gradient tensors exist once the graph is planned for training */
		dh_tensor **p;
		int k;
		s = dh_graph_params(g, &p, &t->grads, NULL, &k, e);
		free(p);
	}
	t0 = g->prof ? dh_profile_clock() : 0.0;
	if (!s && !grads_finite(t))
		return nonfinite(t, x, 1, r->loss, r, e);
	if (!s && t->clip_norm > 0)
		s = dh_grad_clip_norm(t->nparams, t->grads, t->clip_norm, NULL, e);
	if (!s)
		s = dh_optim_step(t->opt, (const dh_tensor *const *)t->grads, e);
	if (g->prof) {
		t->prof_optim += dh_profile_clock() - t0;
		t->prof_steps++;
	}
	return s;
}

dh_status dh_trainer_step(dh_trainer *t, const dh_tensor *x,
			  const dh_tensor *y, dh_batch_result *r, dh_err *e)
{
	return run(t, x, y, 1, r, e);
}

dh_status dh_trainer_eval(dh_trainer *t, const dh_tensor *x,
			  const dh_tensor *y, dh_batch_result *r, dh_err *e)
{
	return run(t, x, y, 0, r, e);
}
