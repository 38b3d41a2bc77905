/* loss.c - losses and their gradients (see loss.h). */
#include "config.h"

#include "nn/loss.h"

#include <math.h>
#include <string.h>

static dh_status check_f32(const dh_tensor *t, const char *what, dh_err *e)
{
	if (!t)
		return dh_err_set(e, DH_EINVAL, "loss: %s is missing", what);
	if (t->dtype != DH_F32)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "loss: %s is %s (float32 only)", what,
				  dh_dtype_name(t->dtype));
	return DH_OK;
}

static dh_status check_same(const dh_tensor *a, const dh_tensor *b,
			    const char *wa, const char *wb, dh_err *e)
{
	char sa[128], sb[128];
	if (!dh_shape_equal(a->ndim, a->shape, b->ndim, b->shape))
		return dh_err_set(e, DH_ESHAPE, "loss: %s %s and %s %s differ",
				  wa, dh_shape_format(sa, sizeof sa, a->ndim,
						      a->shape),
				  wb, dh_shape_format(sb, sizeof sb, b->ndim,
						      b->shape));
	return DH_OK;
}

dh_status dh_loss_softmax_ce(const dh_tensor *logits, const dh_tensor *labels,
			     const dh_ce_opts *opts, double *loss,
			     dh_tensor *dlogits, dh_err *e)
{
	static const dh_ce_opts defaults = {NULL, 0.0f, DH_REDUCE_MEAN, 0, 0};
	const dh_ce_opts *o = opts ? opts : &defaults;
	char s0[128], s1[128];
	dh_status st = check_f32(logits, "logits", e);
	if (st)
		return st;
	if (!labels)
		return dh_err_set(e, DH_EINVAL, "loss: labels are missing");
	if (dh_dtype_is_float(labels->dtype) || labels->dtype == DH_BOOL)
		return dh_err_set(e, DH_EINVAL,
				  "loss: labels are %s, not class indices",
				  dh_dtype_name(labels->dtype));
	/* logits [N, C, d...] against labels [N, d...] */
	int ok = logits->ndim >= 2 && labels->ndim == logits->ndim - 1 &&
		 labels->shape[0] == logits->shape[0];
	for (int i = 1; ok && i < labels->ndim; i++)
		ok = labels->shape[i] == logits->shape[i + 1];
	if (!ok)
		return dh_err_set(e, DH_ESHAPE,
				  "loss: logits %s do not fit labels %s "
				  "(want [N, C, ...] and [N, ...])",
				  dh_shape_format(s0, sizeof s0, logits->ndim,
						  logits->shape),
				  dh_shape_format(s1, sizeof s1, labels->ndim,
						  labels->shape));
	int64_t n = logits->shape[0], c = logits->shape[1], inner = 1;
	for (int i = 2; i < logits->ndim; i++)
		inner *= logits->shape[i];
	if (c < 1)
		return dh_err_set(e, DH_ESHAPE, "loss: no classes");
	const float *w = NULL;
	if (o->weights) {
		if ((st = check_f32(o->weights, "class weights", e)))
			return st;
		if (o->weights->ndim != 1 || o->weights->shape[0] != c)
			return dh_err_set(e, DH_ESHAPE,
					  "loss: class weights %s, want [%lld]",
					  dh_shape_format(s0, sizeof s0,
							  o->weights->ndim,
							  o->weights->shape),
					  (long long)c);
		w = dh_tensor_f32(o->weights);
	}
	double sm = o->label_smoothing;
	if (!(sm >= 0.0 && sm < 1.0))
		return dh_err_set(e, DH_ERANGE,
				  "loss: label smoothing %g is outside [0, 1)",
				  sm);
	if (dlogits && (st = check_same(logits, dlogits, "logits",
					"gradient", e)))
		return st;
	const float *z = dh_tensor_f32(logits);
	float *dz = dlogits ? dh_tensor_f32(dlogits) : NULL;
	double total = 0.0, wsum = 0.0;
	int64_t counted = 0;
	for (int64_t i = 0; i < n; i++)
		for (int64_t s = 0; s < inner; s++) {
			int64_t pos = i * inner + s;
			double yv = dh_dtype_get(labels->dtype, labels->data,
						 (size_t)pos);
			if (o->use_ignore && yv == (double)o->ignore_index) {
				if (dz)
					for (int64_t k = 0; k < c; k++)
						dz[(i * c + k) * inner + s] =
							0.0f;
				continue;
			}
			counted++;
			if (!(yv >= 0 && yv < (double)c))
				return dh_err_set(e, DH_ERANGE,
						  "loss: label %g at position "
						  "%lld is outside [0, %lld)",
						  yv, (long long)pos,
						  (long long)c);
			int64_t y = (int64_t)yv;
			const float *zl = z + i * c * inner + s;
			double mx = zl[0];
			for (int64_t k = 1; k < c; k++)
				mx = zl[k * inner] > mx ? zl[k * inner] : mx;
			double se = 0.0;
			for (int64_t k = 0; k < c; k++)
				se += exp(zl[k * inner] - mx);
			double lse = mx + log(se), wy = w ? w[y] : 1.0;
			double l = 0.0;
			for (int64_t k = 0; k < c; k++) {
				double q = sm / (double)c +
					   (k == y ? 1.0 - sm : 0.0);
				l -= q * (zl[k * inner] - lse);
			}
			total += wy * l;
			wsum += wy;
			if (!dz)
				continue;
			float *dl = dz + i * c * inner + s;
			for (int64_t k = 0; k < c; k++) {
				double q = sm / (double)c +
					   (k == y ? 1.0 - sm : 0.0);
				dl[k * inner] = (float)(
					wy * (exp(zl[k * inner] - lse) - q));
			}
		}
	double div = 1.0;
	if (o->reduction == DH_REDUCE_MEAN) {
		if (n * inner == 0)
			return dh_err_set(e, DH_ESHAPE,
					  "loss: the mean of an empty batch");
		if (counted == 0) {
			/* nothing to learn from this batch */
			*loss = 0.0;
			return DH_OK;
		}
		if (wsum == 0.0)
			return dh_err_set(e, DH_ENUMERIC,
					  "loss: the class weights of the "
					  "batch sum to zero");
		div = wsum;
	}
	*loss = total / div;
	if (dz && div != 1.0) {
		int64_t m = dh_tensor_numel(dlogits);
		for (int64_t k = 0; k < m; k++)
			dz[k] = (float)(dz[k] / div);
	}
	return DH_OK;
}

/* Shared checks of the elementwise losses; *count = elements. */
static dh_status pair_check(const dh_tensor *a, const dh_tensor *b,
			    const dh_tensor *g, dh_reduction r, int64_t *count,
			    dh_err *e)
{
	dh_status st;
	if ((st = check_f32(a, "input", e)) || (st = check_f32(b, "target", e)))
		return st;
	if ((st = check_same(a, b, "input", "target", e)))
		return st;
	if (g && (st = check_same(a, g, "input", "gradient", e)))
		return st;
	*count = dh_tensor_numel(a);
	if (r == DH_REDUCE_MEAN && *count == 0)
		return dh_err_set(e, DH_ESHAPE,
				  "loss: the mean of an empty batch");
	return DH_OK;
}

dh_status dh_loss_bce_logits(const dh_tensor *logits, const dh_tensor *target,
			     dh_reduction r, double *loss, dh_tensor *dlogits,
			     dh_err *e)
{
	int64_t n;
	dh_status st = pair_check(logits, target, dlogits, r, &n, e);
	if (st)
		return st;
	const float *z = dh_tensor_f32(logits), *t = dh_tensor_f32(target);
	float *dz = dlogits ? dh_tensor_f32(dlogits) : NULL;
	double div = r == DH_REDUCE_MEAN ? (double)n : 1.0, total = 0.0;
	for (int64_t i = 0; i < n; i++) {
		double zi = z[i];
		total += (zi > 0 ? zi : 0.0) - zi * t[i] + log1p(exp(-fabs(zi)));
		if (dz) {
			double p = zi >= 0 ? 1.0 / (1.0 + exp(-zi))
					   : exp(zi) / (1.0 + exp(zi));
			dz[i] = (float)((p - t[i]) / div);
		}
	}
	*loss = total / div;
	return DH_OK;
}

dh_status dh_loss_mse(const dh_tensor *pred, const dh_tensor *target,
		      dh_reduction r, double *loss, dh_tensor *dpred,
		      dh_err *e)
{
	int64_t n;
	dh_status st = pair_check(pred, target, dpred, r, &n, e);
	if (st)
		return st;
	const float *p = dh_tensor_f32(pred), *t = dh_tensor_f32(target);
	float *dp = dpred ? dh_tensor_f32(dpred) : NULL;
	double div = r == DH_REDUCE_MEAN ? (double)n : 1.0, total = 0.0;
	for (int64_t i = 0; i < n; i++) {
		double d = (double)p[i] - t[i];
		total += d * d;
		if (dp)
			dp[i] = (float)(2.0 * d / div);
	}
	*loss = total / div;
	return DH_OK;
}

dh_status dh_loss_mae(const dh_tensor *pred, const dh_tensor *target,
		      dh_reduction r, double *loss, dh_tensor *dpred,
		      dh_err *e)
{
	int64_t n;
	dh_status st = pair_check(pred, target, dpred, r, &n, e);
	if (st)
		return st;
	const float *p = dh_tensor_f32(pred), *t = dh_tensor_f32(target);
	float *dp = dpred ? dh_tensor_f32(dpred) : NULL;
	double div = r == DH_REDUCE_MEAN ? (double)n : 1.0, total = 0.0;
	for (int64_t i = 0; i < n; i++) {
		double d = (double)p[i] - t[i];
		total += fabs(d);
		if (dp)
			dp[i] = (float)((d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0) / div);
	}
	*loss = total / div;
	return DH_OK;
}

dh_status dh_loss_huber(const dh_tensor *pred, const dh_tensor *target,
			double delta, dh_reduction r, double *loss,
			dh_tensor *dpred, dh_err *e)
{
	if (!(delta > 0.0))
		return dh_err_set(e, DH_ERANGE,
				  "loss: Huber delta %g must be positive",
				  delta);
	int64_t n;
	dh_status st = pair_check(pred, target, dpred, r, &n, e);
	if (st)
		return st;
	const float *p = dh_tensor_f32(pred), *t = dh_tensor_f32(target);
	float *dp = dpred ? dh_tensor_f32(dpred) : NULL;
	double div = r == DH_REDUCE_MEAN ? (double)n : 1.0, total = 0.0;
	for (int64_t i = 0; i < n; i++) {
		double d = (double)p[i] - t[i], ad = fabs(d);
		total += ad <= delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
		if (dp)
			dp[i] = (float)((ad <= delta ? d
					 : d > 0   ? delta
						   : -delta) /
					div);
	}
	*loss = total / div;
	return DH_OK;
}

dh_status dh_loss_nll(const dh_tensor *logp, const dh_tensor *labels,
		      const dh_ce_opts *opts, double *loss, dh_tensor *dlogp,
		      dh_err *e)
{
	if (opts && opts->label_smoothing != 0.0f)
		return dh_err_set(e, DH_EINVAL,
				  "loss: NLL takes no label smoothing");
	/* the checks of the cross-entropy, then a walk over the labels */
	double ignored;
	dh_status st = dh_loss_softmax_ce(logp, labels, opts, &ignored, NULL,
					  e);
	if (st)
		return st;
	const float *lp = dh_tensor_f32(logp);
	const float *w = opts && opts->weights ? dh_tensor_f32(opts->weights)
					       : NULL;
	int64_t n = logp->shape[0], c = logp->shape[1], inner = 1;
	for (int i = 2; i < logp->ndim; i++)
		inner *= logp->shape[i];
	float *d = dlogp ? dh_tensor_f32(dlogp) : NULL;
	if (d)
		memset(d, 0, dh_tensor_nbytes(dlogp));
	double total = 0.0, wsum = 0.0;
	for (int64_t i = 0; i < n; i++)
		for (int64_t s = 0; s < inner; s++) {
			int64_t y = (int64_t)dh_dtype_get(
				labels->dtype, labels->data,
				(size_t)(i * inner + s));
			if (opts && opts->use_ignore && y == opts->ignore_index)
				continue;
			double wy = w ? w[y] : 1.0;
			int64_t at = (i * c + y) * inner + s;
			total -= wy * lp[at];
			wsum += wy;
			if (d)
				d[at] = (float)-wy;
		}
	double div = opts && opts->reduction == DH_REDUCE_SUM ? 1.0 : wsum;
	if (div == 0.0) /* every position ignored */
		div = 1.0;
	*loss = total / div;
	if (d && div != 1.0)
		for (int64_t k = 0; k < dh_tensor_numel(dlogp); k++)
			d[k] = (float)(d[k] / div);
	return DH_OK;
}

dh_status dh_loss_dice(const dh_tensor *prob, const dh_tensor *target,
		       double smooth, double *loss, dh_tensor *dprob,
		       dh_err *e)
{
	int64_t n;
	dh_status st = pair_check(prob, target, dprob, DH_REDUCE_MEAN, &n, e);
	if (st)
		return st;
	if (prob->ndim < 2)
		return dh_err_set(e, DH_ESHAPE,
				  "loss: Dice wants [N, C, ...] tensors");
	if (!(smooth > 0.0))
		return dh_err_set(e, DH_ERANGE,
				  "loss: Dice smoothing %g must be positive",
				  smooth);
	int64_t planes = prob->shape[0] * prob->shape[1], ps = n / planes;
	const float *p = dh_tensor_f32(prob), *t = dh_tensor_f32(target);
	float *dp = dprob ? dh_tensor_f32(dprob) : NULL;
	double total = 0.0;
	for (int64_t k = 0; k < planes; k++) {
		const float *pk = p + k * ps, *tk = t + k * ps;
		double inter = 0.0, sp = 0.0, stt = 0.0;
		for (int64_t j = 0; j < ps; j++) {
			inter += (double)pk[j] * tk[j];
			sp += pk[j];
			stt += tk[j];
		}
		double num = 2.0 * inter + smooth, den = sp + stt + smooth;
		total += num / den;
		if (!dp)
			continue;
		/* d dice / dp_j = (2 t_j den - num) / den^2 */
		for (int64_t j = 0; j < ps; j++)
			dp[k * ps + j] = (float)(-(2.0 * tk[j] * den - num) /
						 (den * den) / (double)planes);
	}
	*loss = 1.0 - total / (double)planes;
	return DH_OK;
}
