/* optim.c - SGD, Adam, AdamW (see optim.h). */
#include "config.h"

#include "nn/optim.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "ops/device.h"

/* Parallel only for large tensors, for the reason given in ops/device.h
 * (DH_DEVICE_PARALLEL_MIN): OpenMP teams between OpenBLAS calls slow both
 * down. */
#ifdef _OPENMP
#define DH_PRAGMA(x) _Pragma(#x)
#define OMP_FOR(n, work)                                                     \
	DH_PRAGMA(omp parallel for num_threads(                              \
		(work) < DH_DEVICE_PARALLEL_MIN ? 1 : (n)))
/* the same for a loop the compiler may vectorise: every element computed
 * as the scalar code does (square roots and quotients are rounded
 * exactly either way) */
#define OMP_FOR_SIMD(n, work)                                                \
	DH_PRAGMA(omp parallel for simd num_threads(                         \
		(work) < DH_DEVICE_PARALLEL_MIN ? 1 : (n)))
#else
#define OMP_FOR(n, work)
#define OMP_FOR_SIMD(n, work)
#endif

struct dh_optim {
	dh_optim_opts o;
	int n;
	dh_tensor **params;
	float **m; /* SGD momentum buffer or Adam's first moment */
	float **v; /* Adam's second moment */
	int64_t steps;
};

static const char *const kind_names[] = {
	[DH_OPTIM_SGD] = "sgd",
	[DH_OPTIM_ADAM] = "adam",
	[DH_OPTIM_ADAMW] = "adamw",
	[DH_OPTIM_RMSPROP] = "rmsprop",
	[DH_OPTIM_ADAGRAD] = "adagrad",
	[DH_OPTIM_ADADELTA] = "adadelta",
};
static_assert(sizeof kind_names / sizeof kind_names[0] == DH_OPTIM_KIND_COUNT,
	      "kind_names must name every dh_optim_kind");

const char *dh_optim_kind_name(dh_optim_kind k)
{
	return (unsigned)k < DH_OPTIM_KIND_COUNT ? kind_names[k] : "?";
}

int dh_optim_kind_parse(const char *s, dh_optim_kind *out)
{
	for (int i = 0; i < DH_OPTIM_KIND_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (dh_optim_kind)i;
			return 0;
		}
	return -1;
}

void dh_optim_opts_init(dh_optim_opts *o, dh_optim_kind kind)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->lr = kind == DH_OPTIM_ADAM || kind == DH_OPTIM_ADAMW ? 0.001f
		: kind == DH_OPTIM_ADADELTA			 ? 1.0f
								 : 0.01f;
	o->weight_decay = kind == DH_OPTIM_ADAMW ? 0.01f : 0.0f;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->eps = kind == DH_OPTIM_ADAGRAD    ? 1e-10f
		 : kind == DH_OPTIM_ADADELTA ? 1e-6f
					     : 1e-8f;
	o->rho = kind == DH_OPTIM_ADADELTA ? 0.9f : 0.99f;
	o->threads = 1;
}

static dh_status check_opts(const dh_optim_opts *o, dh_err *e)
{
	const char *k = dh_optim_kind_name(o->kind);
	if ((unsigned)o->kind >= DH_OPTIM_KIND_COUNT)
		return dh_err_set(e, DH_EINVAL, "unknown optimizer %d",
				  (int)o->kind);
	if (!(o->lr > 0.0f) || !isfinite(o->lr))
		return dh_err_set(e, DH_ERANGE, "%s: learning rate %g must be "
				  "positive", k, (double)o->lr);
	if (!(o->weight_decay >= 0.0f))
		return dh_err_set(e, DH_ERANGE, "%s: negative weight decay",
				  k);
	if (o->kind == DH_OPTIM_SGD) {
		if (!(o->momentum >= 0.0f) || !(o->dampening >= 0.0f) ||
		    o->dampening > 1.0f)
			return dh_err_set(e, DH_ERANGE,
					  "sgd: momentum %g / dampening %g out "
					  "of range",
					  (double)o->momentum,
					  (double)o->dampening);
		if (o->nesterov &&
		    (o->momentum <= 0.0f || o->dampening != 0.0f))
			return dh_err_set(e, DH_EINVAL,
					  "sgd: Nesterov momentum needs "
					  "momentum > 0 and dampening 0");
	} else if (o->kind == DH_OPTIM_RMSPROP ||
		   o->kind == DH_OPTIM_ADADELTA) {
		if (!(o->rho >= 0.0f && o->rho <= 1.0f) ||
		    !(o->momentum >= 0.0f) || !(o->eps >= 0.0f))
			return dh_err_set(e, DH_ERANGE,
					  "%s: rho %g, momentum %g or eps out "
					  "of range",
					  k, (double)o->rho,
					  (double)o->momentum);
	} else if (o->kind == DH_OPTIM_ADAGRAD) {
		if (!(o->eps >= 0.0f))
			return dh_err_set(e, DH_ERANGE, "%s: negative eps", k);
	} else {
		if (!(o->beta1 >= 0.0f && o->beta1 < 1.0f) ||
		    !(o->beta2 >= 0.0f && o->beta2 < 1.0f))
			return dh_err_set(e, DH_ERANGE,
					  "%s: betas %g, %g must be in [0, 1)",
					  k, (double)o->beta1,
					  (double)o->beta2);
		if (!(o->eps >= 0.0f))
			return dh_err_set(e, DH_ERANGE, "%s: negative eps", k);
	}
	return DH_OK;
}

void dh_optim_free(dh_optim *o)
{
	if (!o)
		return;
	for (int i = 0; i < o->n; i++) {
		if (o->m)
			dh_free_aligned(o->m[i]);
		if (o->v)
			dh_free_aligned(o->v[i]);
	}
	free(o->m);
	free(o->v);
	free(o->params);
	free(o);
}

dh_optim *dh_optim_new(const dh_optim_opts *opts, int n,
		       dh_tensor *const *params, dh_err *e)
{
	if (check_opts(opts, e))
		return NULL;
	if (n < 0) {
		dh_err_set(e, DH_EINVAL, "negative parameter count");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (!params[i] || params[i]->dtype != DH_F32) {
			dh_err_set(e, DH_EUNSUPPORTED,
				   "%s: parameter %d is not a float32 tensor",
				   dh_optim_kind_name(opts->kind), i);
			return NULL;
		}
	dh_optim *o = dh_malloc(sizeof *o, e);
	if (!o)
		return NULL;
	memset(o, 0, sizeof *o);
	o->o = *opts;
	if (o->o.threads < 1)
		o->o.threads = 1;
	size_t np = (size_t)(n ? n : 1) * sizeof(void *);
	o->params = dh_malloc(np, e);
	o->m = dh_malloc(np, e);
	/* m: momentum buffer, first moment, or Adadelta's delta average;
	 * v: second moment, squared average or Adagrad's sum */
	dh_optim_kind kd = opts->kind;
	int adam = kd == DH_OPTIM_ADAM || kd == DH_OPTIM_ADAMW;
	int need_m_all = adam || kd == DH_OPTIM_ADADELTA ||
			 ((kd == DH_OPTIM_SGD || kd == DH_OPTIM_RMSPROP) &&
			  opts->momentum > 0.0f);
	int need_v = kd != DH_OPTIM_SGD;
	o->v = need_v ? dh_malloc(np, e) : NULL;
	if (!o->params || !o->m || (need_v && !o->v)) {
		dh_optim_free(o);
		return NULL;
	}
	memset(o->m, 0, np);
	if (o->v)
		memset(o->v, 0, np);
	o->n = n;
	for (int i = 0; i < n; i++) {
		o->params[i] = params[i];
		size_t k = (size_t)dh_tensor_numel(params[i]);
		if (need_m_all && !(o->m[i] = dh_calloc_aligned(
					    k, sizeof(float), e))) {
			dh_optim_free(o);
			return NULL;
		}
		if (need_v && !(o->v[i] = dh_calloc_aligned(k, sizeof(float),
							     e))) {
			dh_optim_free(o);
			return NULL;
		}
	}
	return o;
}

void dh_optim_set_lr(dh_optim *o, float lr)
{
	o->o.lr = lr;
}

float dh_optim_lr(const dh_optim *o)
{
	return o->o.lr;
}

int64_t dh_optim_steps(const dh_optim *o)
{
	return o->steps;
}

float *dh_optim_state(dh_optim *o, int i, int slot)
{
	if (i < 0 || i >= o->n || slot < 0 || slot > 1)
		return NULL;
	float **s = slot ? o->v : o->m;
	return s ? s[i] : NULL;
}

void dh_optim_set_steps(dh_optim *o, int64_t steps)
{
	o->steps = steps < 0 ? 0 : steps;
}

static void sgd_update(const dh_optim_opts *c, int first, float *p,
		       const float *g, float *buf, int64_t k)
{
	float lr = c->lr, wd = c->weight_decay, mu = c->momentum;
	float damp = 1.0f - c->dampening;
	int nesterov = c->nesterov;
	/* a loop for each case, without branches inside, so that it
	 * vectorises */
	if (!buf) {
		OMP_FOR_SIMD(c->threads, k)
		for (int64_t j = 0; j < k; j++) {
			float d = g[j] + wd * p[j];
			p[j] -= lr * d;
		}
		return;
	}
	/* PyTorch starts the buffer at the first gradient */
#define SGD_LOOP(NEW_BUF, STEP)                                              \
	do {                                                                 \
		OMP_FOR_SIMD(c->threads, k)                                  \
		for (int64_t j = 0; j < k; j++) {                            \
			float d = g[j] + wd * p[j];                          \
			float nb = (NEW_BUF);                                \
			buf[j] = nb;                                         \
			p[j] -= lr * (STEP);                                 \
		}                                                            \
	} while (0)
	if (first && nesterov)
		SGD_LOOP(d, d + mu * nb);
	else if (first)
		SGD_LOOP(d, nb);
	else if (nesterov)
		SGD_LOOP(mu * buf[j] + damp * d, d + mu * nb);
	else
		SGD_LOOP(mu * buf[j] + damp * d, nb);
#undef SGD_LOOP
}

/* Adam's moments and step for element j, from its decayed weight q and
 * gradient d */
#define ADAM_ELEMENT(j, q, d)                                                \
	do {                                                                 \
		float mj = b1 * m[j] + (1.0f - b1) * (d);                    \
		float vj = b2 * v[j] + (1.0f - b2) * (d) * (d);              \
		m[j] = mj;                                                   \
		v[j] = vj;                                                   \
		p[j] = (q)-step * mj / (sqrtf(vj) * rbc2 + eps);             \
	} while (0)

static void adam_update(const dh_optim_opts *c, int64_t t, float *p,
			const float *g, float *m, float *v, int64_t k)
{
	float b1 = c->beta1, b2 = c->beta2, eps = c->eps, lr = c->lr;
	float wd = c->weight_decay;
	int decoupled = c->kind == DH_OPTIM_ADAMW;
	double bc1 = 1.0 - pow(c->beta1, (double)t);
	double bc2 = 1.0 - pow(c->beta2, (double)t);
	float step = (float)(lr / bc1);
	float rbc2 = (float)(1.0 / sqrt(bc2));
	/* a loop for each form of weight decay, without a branch inside, so
	 * that it vectorises (the scalar loop was 4% of a ResNet-18
	 * training step); each element computed as before */
	if (decoupled) {
		OMP_FOR_SIMD(c->threads, k)
		for (int64_t j = 0; j < k; j++) {
			float q = p[j] - lr * wd * p[j], d = g[j];
			ADAM_ELEMENT(j, q, d);
		}
	} else {
		OMP_FOR_SIMD(c->threads, k)
		for (int64_t j = 0; j < k; j++) {
			float q = p[j], d = g[j] + wd * q;
			ADAM_ELEMENT(j, q, d);
		}
	}
}

static void rmsprop_update(const dh_optim_opts *c, float *p, const float *g,
			   float *buf, float *v, int64_t k)
{
	float lr = c->lr, wd = c->weight_decay, a = c->rho, eps = c->eps;
	float mu = c->momentum;
	if (!buf) {
		OMP_FOR_SIMD(c->threads, k)
		for (int64_t j = 0; j < k; j++) {
			float d = g[j] + wd * p[j];
			float vj = a * v[j] + (1.0f - a) * d * d;
			v[j] = vj;
			p[j] -= lr * (d / (sqrtf(vj) + eps));
		}
		return;
	}
	OMP_FOR_SIMD(c->threads, k)
	for (int64_t j = 0; j < k; j++) {
		float d = g[j] + wd * p[j];
		float vj = a * v[j] + (1.0f - a) * d * d;
		v[j] = vj;
		float b = mu * buf[j] + d / (sqrtf(vj) + eps);
		buf[j] = b;
		p[j] -= lr * b;
	}
}

static void adagrad_update(const dh_optim_opts *c, float *p, const float *g,
			   float *sum, int64_t k)
{
	float lr = c->lr, wd = c->weight_decay, eps = c->eps;
	OMP_FOR_SIMD(c->threads, k)
	for (int64_t j = 0; j < k; j++) {
		float d = g[j] + wd * p[j];
		float sj = sum[j] + d * d;
		sum[j] = sj;
		p[j] -= lr * d / (sqrtf(sj) + eps);
	}
}

static void adadelta_update(const dh_optim_opts *c, float *p, const float *g,
			    float *u, float *v, int64_t k)
{
	float lr = c->lr, wd = c->weight_decay, rho = c->rho, eps = c->eps;
	OMP_FOR_SIMD(c->threads, k)
	for (int64_t j = 0; j < k; j++) {
		float d = g[j] + wd * p[j];
		float vj = rho * v[j] + (1.0f - rho) * d * d;
		v[j] = vj;
		float delta = sqrtf(u[j] + eps) / sqrtf(vj + eps) * d;
		u[j] = rho * u[j] + (1.0f - rho) * delta * delta;
		p[j] -= lr * delta;
	}
}

dh_status dh_grad_clip_norm(int n, dh_tensor *const *grads, double max_norm,
			    double *norm_out, dh_err *e)
{
	double ss = 0.0;
	for (int i = 0; i < n; i++) {
		const float *g = dh_tensor_f32(grads[i]);
		for (int64_t j = 0; j < dh_tensor_numel(grads[i]); j++)
			ss += (double)g[j] * g[j];
	}
	double norm = sqrt(ss);
	if (norm_out)
		*norm_out = norm;
	if (!isfinite(norm))
		return dh_err_set(e, DH_ENUMERIC,
				  "gradient norm is %g: not clipped", norm);
	if (norm <= max_norm)
		return DH_OK;
	float f = (float)(max_norm / (norm + 1e-6));
	for (int i = 0; i < n; i++) {
		float *g = dh_tensor_f32(grads[i]);
		for (int64_t j = 0; j < dh_tensor_numel(grads[i]); j++)
			g[j] *= f;
	}
	return DH_OK;
}

void dh_grad_clip_value(int n, dh_tensor *const *grads, float clip)
{
	for (int i = 0; i < n; i++) {
		float *g = dh_tensor_f32(grads[i]);
		for (int64_t j = 0; j < dh_tensor_numel(grads[i]); j++)
			g[j] = g[j] > clip ? clip : g[j] < -clip ? -clip : g[j];
	}
}

dh_status dh_optim_step(dh_optim *o, const dh_tensor *const *grads,
			dh_err *e)
{
	for (int i = 0; i < o->n; i++) {
		const dh_tensor *p = o->params[i], *g = grads[i];
		if (!g || g->dtype != DH_F32 ||
		    !dh_shape_equal(g->ndim, g->shape, p->ndim, p->shape))
			return dh_err_set(e, DH_ESHAPE,
					  "%s: gradient %d does not match its "
					  "parameter",
					  dh_optim_kind_name(o->o.kind), i);
	}
	o->steps++;
	for (int i = 0; i < o->n; i++) {
		float *p = dh_tensor_f32(o->params[i]);
		const float *g = dh_tensor_f32(grads[i]);
		int64_t k = dh_tensor_numel(o->params[i]);
		switch (o->o.kind) {
		case DH_OPTIM_SGD:
			sgd_update(&o->o, o->steps == 1, p, g, o->m[i], k);
			break;
		case DH_OPTIM_RMSPROP:
			rmsprop_update(&o->o, p, g, o->m[i], o->v[i], k);
			break;
		case DH_OPTIM_ADAGRAD:
			adagrad_update(&o->o, p, g, o->v[i], k);
			break;
		case DH_OPTIM_ADADELTA:
			adadelta_update(&o->o, p, g, o->m[i], o->v[i], k);
			break;
		default:
			adam_update(&o->o, o->steps, p, g, o->m[i], o->v[i],
				    k);
			break;
		}
	}
	return DH_OK;
}

double dh_reg_apply(const dh_regularizer *r, const dh_tensor *w,
		    dh_tensor *grad)
{
	const float *p = dh_tensor_f32(w);
	float *g = grad ? dh_tensor_f32(grad) : NULL;
	double pen = 0.0;
	for (int64_t j = 0; j < dh_tensor_numel(w); j++) {
		double v = p[j];
		pen += r->l1 * fabs(v) + r->l2 * v * v;
		if (g)
			g[j] += (float)(r->l1 * (v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0) +
					2.0 * r->l2 * v);
	}
	return pen;
}
