/* predict.c - a graph over a source of samples: outputs, evaluation and
 * latency (see predict.h). */
#include "config.h"

#include "nn/predict.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/strmap.h"
#include "image/io.h"
#include "image/proc/proc.h"
#include "nn/metrics.h"

typedef dh_status (*batch_fn)(void *ctx, const dh_graph *g,
			      const dh_infer_batch *b, dh_err *e);

/* Feed every batch of src to g and hand the outputs to fn. */
static dh_status run_source(dh_graph *g, dh_infer_source *src, batch_fn fn,
			    void *ctx, int64_t *samples, dh_err *e)
{
	if (g->ninputs != 1)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "the model has %d inputs; dh-infer feeds "
				  "models with one",
				  g->ninputs);
	const dh_value *in = &g->v[g->inputs[0]];
	dh_tensor *conv = NULL;
	int64_t done = 0;
	dh_status s = DH_OK;
	while (!s) {
		dh_infer_batch b;
		s = src->next(src, &b, e);
		if (s == DH_EEOF) {
			s = DH_OK;
			break;
		}
		if (s)
			break;
		dh_tensor *x = b.x;
		int64_t n = x->ndim ? x->shape[0] : 1;
		if ((s = dh_graph_check_input(g, 0, x, src->name, e)))
			break;
		if (g->batch != n || g->training)
			s = dh_graph_plan(g, n, 0, e);
		if (!s && x->dtype != in->dtype) {
			if (!conv || dh_tensor_numel(conv) < dh_tensor_numel(x)) {
				dh_tensor_free(conv);
				conv = dh_tensor_new(in->dtype, x->ndim, x->shape, e);
			}
			if (!conv)
				s = DH_ENOMEM;
			else if (!(s = dh_tensor_reshape(conv, x->ndim, x->shape, e)))
				s = dh_tensor_convert(conv, x, e);
		}
		const dh_tensor *feed[1] = {x->dtype != in->dtype ? conv : x};
		if (!s)
			s = dh_graph_forward(g, feed, e);
		if (!s)
			s = fn(ctx, g, &b, e);
		done += n;
	}
	dh_tensor_free(conv);
	if (samples)
		*samples = done;
	return s;
}

int dh_predict_format_parse(const char *s, dh_predict_format *out)
{
	static const char *const names[] = {"stream", "csv", "jsonl", "png"};
	_Static_assert(sizeof names / sizeof names[0] == DH_PREDICT_FORMAT_COUNT,
		       "a name per format");
	if (!strcmp(s, "npy")) {
		*out = DH_PREDICT_STREAM;
		return 0;
	}
	for (int i = 0; i < DH_PREDICT_FORMAT_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_predict_format)i;
			return 0;
		}
	return -1;
}

/* 1 when graph output i is made by a Sigmoid (so it holds probabilities). */
static int output_is_sigmoid(const dh_graph *g, int i)
{
	int p = g->v[g->outputs[i]].producer;
	return p >= 0 && g->n[p].op == DH_OP_SIGMOID;
}

static const char *class_name(const dh_predict_opts *o, int64_t k)
{
	return o->classes && k >= 0 && k < o->nclasses ? o->classes[k] : NULL;
}

/* ---- tensor streams ----------------------------------------------------- */

typedef struct stream_out {
	FILE *out;
	dh_stream_writer w;
	int open, plain;
	int fid, ftg;          /* stream source: fields passed through */
	int has_target;
} stream_out;

static dh_status stream_batch(void *ctx, const dh_graph *g,
			      const dh_infer_batch *b, dh_err *e)
{
	stream_out *so = ctx;
	dh_tensor *o[DH_STREAM_MAX_FIELDS];
	int k = 0;
	for (int i = 0; i < g->noutputs; i++)
		o[k++] = dh_graph_output(g, i);
	if (so->plain) {
		dh_status s = DH_OK;
		for (int i = 0; !s && i < k; i++)
			s = dh_npy_write(so->out, o[i], e);
		return s;
	}
	if (b->fields) {
		if (so->fid >= 0)
			o[k++] = b->fields[so->fid];
		if (so->ftg >= 0)
			o[k++] = b->fields[so->ftg];
	} else {
		o[k++] = b->id;
		if (so->has_target)
			o[k++] = b->target;
	}
	return dh_stream_write(&so->w, o, e);
}

static dh_status predict_stream(dh_graph *g, dh_infer_source *src,
				const dh_predict_opts *o, int64_t *samples,
				dh_err *e)
{
	stream_out so = {o->out, {0}, 0, 0, -1, -1, src->has_target};
	const dh_stream_reader *r = src->stream;
	so.plain = r && !r->grouped;
	if (r && r->grouped) {
		so.fid = dh_stream_field(r, "id");
		so.ftg = dh_stream_field(r, "target");
		if (so.ftg < 0)
			so.ftg = dh_stream_field(r, "mask");
	}
	const char *names[DH_STREAM_MAX_FIELDS];
	char buf[DH_STREAM_MAX_FIELDS][DH_STREAM_NAME_MAX];
	int nf = 0;
	int extra = r ? (so.fid >= 0) + (so.ftg >= 0) : 1 + so.has_target;
	if (g->noutputs + extra > DH_STREAM_MAX_FIELDS)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%d outputs do not fit a stream's %d fields",
				  g->noutputs, DH_STREAM_MAX_FIELDS);
	for (int i = 0; i < g->noutputs; i++) {
		snprintf(buf[nf], sizeof buf[nf], "%s", g->v[g->outputs[i]].name);
		for (int k = 0; k < nf; k++)
			if (!strcmp(buf[k], buf[nf]))
				snprintf(buf[nf], sizeof buf[nf], "output%d", i);
		names[nf] = buf[nf];
		nf++;
	}
	if (r) {
		if (so.fid >= 0)
			names[nf++] = "id";
		if (so.ftg >= 0)
			names[nf++] = r->fields[so.ftg];
	} else {
		names[nf++] = "id";
		if (so.has_target)
			names[nf++] = "target";
	}
	dh_status s = dh_stream_writer_open(&so.w, o->out, so.plain ? 0 : nf,
					    names, e);
	if (!s)
		s = run_source(g, src, stream_batch, &so, samples, e);
	return s;
}

/* ---- CSV and JSON lines ------------------------------------------------- */

typedef struct table_out {
	const dh_predict_opts *o;
	int header;
	int has_target;
	int64_t classes;
	double *p;             /* one row's scores */
} table_out;

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int64_t target_at(const dh_tensor *t, int64_t i)
{
	return (int64_t)dh_dtype_get(t->dtype, t->data, (size_t)i);
}

static dh_status table_batch(void *ctx, const dh_graph *g,
			     const dh_infer_batch *b, dh_err *e)
{
	table_out *to = ctx;
	const dh_predict_opts *o = to->o;
	const dh_tensor *y = dh_graph_output(g, 0);
	char sh[128];
	if (y->ndim != 2 || y->dtype != DH_F32)
		return dh_err_set(e, DH_ESHAPE,
				  "--format %s wants class scores [N, C] from "
				  "the model's first output, not %s%s",
				  o->format == DH_PREDICT_CSV ? "csv" : "jsonl",
				  dh_shape_format(sh, sizeof sh, y->ndim, y->shape),
				  y->ndim == 4 ? " (masks: --format png)" : "");
	int64_t n = y->shape[0], c = y->shape[1];
	FILE *f = o->out;
	if (!to->header) {
		to->classes = c;
		to->p = calloc((size_t)c, sizeof *to->p);
		if (!to->p)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		to->has_target = b->target && dh_tensor_numel(b->target) == n;
		if (o->format == DH_PREDICT_CSV) {
			fputs("id,path,label", f);
			if (to->has_target)
				fputs(",target", f);
			for (int64_t k = 0; k < c; k++) {
				const char *nm = class_name(o, k);
				char col[64];
				if (nm) {
					fputs(",", f);
					size_t len = strlen(nm) + 7;
					char *s = malloc(len);
					if (!s)
						return dh_err_set(e, DH_ENOMEM,
								  "out of memory");
					snprintf(s, len, "score_%s", nm);
					csv_field(f, s);
					free(s);
				} else {
					snprintf(col, sizeof col, ",score_%lld",
						 (long long)k);
					fputs(col, f);
				}
			}
			fputc('\n', f);
		}
		to->header = 1;
	}
	const float *z = dh_tensor_f32(y);
	for (int64_t i = 0; i < n; i++) {
		const float *zi = z + i * c;
		int64_t best = 0;
		for (int64_t k = 1; k < c; k++)
			if (zi[k] > zi[best])
				best = k;
		if (o->softmax) {
			double m = zi[best], sum = 0;
			for (int64_t k = 0; k < c; k++)
				sum += to->p[k] = exp((double)zi[k] - m);
			for (int64_t k = 0; k < c; k++)
				to->p[k] /= sum;
		} else {
			for (int64_t k = 0; k < c; k++)
				to->p[k] = zi[k];
		}
		long long id = b->id ? (long long)target_at(b->id, i) : (long long)i;
		const char *path = b->names ? b->names[i] : "";
		int64_t t = to->has_target ? target_at(b->target, i) : -1;
		if (o->format == DH_PREDICT_CSV) {
			fprintf(f, "%lld,", id);
			csv_field(f, path);
			fputc(',', f);
			if (class_name(o, best))
				csv_field(f, class_name(o, best));
			else
				fprintf(f, "%lld", (long long)best);
			if (to->has_target) {
				fputc(',', f);
				if (class_name(o, t))
					csv_field(f, class_name(o, t));
				else
					fprintf(f, "%lld", (long long)t);
			}
			for (int64_t k = 0; k < c; k++)
				fprintf(f, ",%.9g", to->p[k]);
			fputc('\n', f);
			continue;
		}
		cJSON *j = cJSON_CreateObject();
		if (!j)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		cJSON_AddNumberToObject(j, "id", (double)id);
		if (b->names)
			cJSON_AddStringToObject(j, "path", path);
		cJSON_AddNumberToObject(j, "label", (double)best);
		if (class_name(o, best))
			cJSON_AddStringToObject(j, "class", class_name(o, best));
		if (to->has_target) {
			cJSON_AddNumberToObject(j, "target", (double)t);
			if (class_name(o, t))
				cJSON_AddStringToObject(j, "target_class",
							class_name(o, t));
		}
		cJSON *sc = cJSON_AddArrayToObject(j, "scores");
		for (int64_t k = 0; sc && k < c; k++) {
			/* float32 values printed with 9 significant digits:
			 * enough to read back the same float */
			char num[32];
			snprintf(num, sizeof num, "%.9g", to->p[k]);
			cJSON_AddItemToArray(sc, cJSON_CreateRaw(num));
		}
		char *text = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (!text)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		fprintf(f, "%s\n", text);
		free(text);
	}
	return DH_OK;
}

/* ---- PNG masks ---------------------------------------------------------- */

typedef struct mask_out {
	const dh_predict_opts *o;
	int sigmoid;           /* output 0 already holds probabilities */
	float logit;           /* one channel: foreground at z >= logit */
	dh_strmap seen;        /* mask paths written -> sample id */
	char **keys;           /* the map's keys (it borrows them) */
	size_t nkeys, capkeys;
} mask_out;

/* "DIR/stem.png" for the sample's file name (or its id). */
static dh_status mask_path(const char *dir, const char *name, long long id,
			   char *buf, size_t n, dh_err *e)
{
	char stem[512];
	if (name && *name) {
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		snprintf(stem, sizeof stem, "%s", base);
		char *dot = strchr(stem, '.');
		if (dot && dot != stem)
			*dot = '\0';
	} else {
		snprintf(stem, sizeof stem, "%lld", id);
	}
	int k = snprintf(buf, n, "%s/%s.png", dir, stem);
	if (k < 0 || (size_t)k >= n)
		return dh_err_set(e, DH_EINVAL, "%s/%s.png: path too long", dir,
				  stem);
	return DH_OK;
}

static dh_status mask_batch(void *ctx, const dh_graph *g,
			    const dh_infer_batch *b, dh_err *e)
{
	mask_out *mo = ctx;
	const dh_tensor *y = dh_graph_output(g, 0);
	char sh[128];
	if (y->ndim != 4 || y->dtype != DH_F32 || y->shape[1] > 256)
		return dh_err_set(e, DH_ESHAPE,
				  "--format png wants masks [N, C, H, W] (C up "
				  "to 256) from the model's first output, not %s",
				  dh_shape_format(sh, sizeof sh, y->ndim, y->shape));
	int64_t n = y->shape[0], c = y->shape[1], h = y->shape[2],
		w = y->shape[3], hw = h * w;
	const float *z = dh_tensor_f32(y);
	for (int64_t i = 0; i < n; i++) {
		long long id = b->id ? (long long)target_at(b->id, i) : (long long)i;
		char path[4096];
		dh_status s = mask_path(mo->o->dir, b->names ? b->names[i] : NULL,
					id, path, sizeof path, e);
		if (s)
			return s;
		int64_t prev;
		if (dh_strmap_get(&mo->seen, path, &prev))
			return dh_err_set(e, DH_EINVAL,
					  "%s: two inputs would write this mask "
					  "(samples %lld and %lld); rename one",
					  path, (long long)prev, id);
		if (mo->nkeys == mo->capkeys) {
			size_t cap = mo->capkeys ? 2 * mo->capkeys : 64;
			char **k = realloc(mo->keys, cap * sizeof *k);
			if (!k)
				return dh_err_set(e, DH_ENOMEM, "out of memory");
			mo->keys = k;
			mo->capkeys = cap;
		}
		char *key = strdup(path);
		if (!key)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		mo->keys[mo->nkeys++] = key;
		if ((s = dh_strmap_put(&mo->seen, key, id, e)))
			return s;
		dh_image *m = dh_image_new(DH_U8, (int)w, (int)h, 1, 1,
					   DH_COLOR_GRAY, e);
		if (!m)
			return e->status ? e->status : DH_ENOMEM;
		const float *zi = z + i * c * hw;
		for (int64_t p = 0; p < hw; p++) {
			if (c == 1) {
				m->data[p] = zi[p] >= mo->logit;
				continue;
			}
			int64_t best = 0;
			for (int64_t k = 1; k < c; k++)
				if (zi[k * hw + p] > zi[best * hw + p])
					best = k;
			m->data[p] = (unsigned char)best;
		}
		if (mo->o->native_size && b->names && b->names[i][0]) {
			/* the sample's own size, from its file's header */
			dh_image_info info;
			dh_err e2;
			if (!dh_image_read_info(b->names[i], &info, &e2) &&
			    (info.width != m->width || info.height != m->height)) {
				dh_image *r = dh_resize(m, info.width, info.height,
							DH_INTERP_NEAREST, e);
				dh_image_free(m);
				if (!r)
					return e->status ? e->status : DH_ENOMEM;
				m = r;
			}
		}
		s = dh_image_write(path, m, NULL, e);
		dh_image_free(m);
		if (s)
			return s;
	}
	return DH_OK;
}

/* The value of a one-channel output at which the foreground starts:
 * sigmoid(z) >= t, or z >= t when the output is already a sigmoid. */
static float fg_cut(int sigmoid, float t)
{
	if (sigmoid)
		return t;
	if (t <= 0)
		return -INFINITY;
	if (t >= 1)
		return INFINITY;
	return (float)log((double)t / (1.0 - (double)t));
}

dh_status dh_predict(dh_graph *g, dh_infer_source *src,
		     const dh_predict_opts *o, int64_t *samples, dh_err *e)
{
	if (o->format == DH_PREDICT_STREAM)
		return predict_stream(g, src, o, samples, e);
	if (o->format == DH_PREDICT_PNG) {
		if (mkdir(o->dir, 0777) && errno != EEXIST)
			return dh_err_errno(e, errno, "cannot create '%s'", o->dir);
		struct stat st;
		if (stat(o->dir, &st) || !S_ISDIR(st.st_mode))
			return dh_err_set(e, DH_EIO, "'%s' is not a directory",
					  o->dir);
		mask_out mo;
		memset(&mo, 0, sizeof mo);
		mo.o = o;
		mo.sigmoid = output_is_sigmoid(g, 0);
		mo.logit = fg_cut(mo.sigmoid, o->threshold > 0 ? o->threshold : 0.5f);
		dh_strmap_init(&mo.seen);
		dh_status s = run_source(g, src, mask_batch, &mo, samples, e);
		dh_strmap_release(&mo.seen);
		for (size_t k = 0; k < mo.nkeys; k++)
			free(mo.keys[k]);
		free(mo.keys);
		return s;
	}
	table_out to = {o, 0, 0, 0, NULL};
	dh_status s = run_source(g, src, table_batch, &to, samples, e);
	free(to.p);
	return s;
}

/* ---- evaluation --------------------------------------------------------- */

typedef struct eval_ctx {
	dh_eval *ev;
	float logit;
	const char *name;
	dh_tensor *lab;        /* labels converted to int64 */
} eval_ctx;

/* t as int64 labels with `ndim`/`shape`, in c->lab. */
static dh_status as_labels(eval_ctx *c, const dh_tensor *t, int ndim,
			   const int64_t *shape, dh_err *e)
{
	char a[128], b[128];
	if (dh_shape_numel(ndim, shape) != dh_tensor_numel(t))
		return dh_err_set(e, DH_ESHAPE,
				  "%s: targets %s do not fit the model's output "
				  "(want %s)",
				  c->name, dh_shape_format(a, sizeof a, t->ndim, t->shape),
				  dh_shape_format(b, sizeof b, ndim, shape));
	dh_tensor_free(c->lab);
	c->lab = dh_tensor_new(DH_I64, ndim, shape, e);
	if (!c->lab)
		return e->status ? e->status : DH_ENOMEM;
	int64_t *p = c->lab->data;
	int64_t n = dh_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		double v = dh_dtype_get(t->dtype, t->data, (size_t)i);
		p[i] = v >= 0 && v == floor(v) ? (int64_t)v : -1;
	}
	return DH_OK;
}

static dh_status eval_batch(void *ctx, const dh_graph *g,
			    const dh_infer_batch *b, dh_err *e)
{
	eval_ctx *c = ctx;
	dh_eval *ev = c->ev;
	const dh_tensor *out = dh_graph_output(g, 0);
	char sh[128];
	if (out->ndim < 2 || out->dtype != DH_F32)
		return dh_err_set(e, DH_ESHAPE,
				  "--evaluate wants class scores [N, C, ...] from "
				  "the model's first output, not %s",
				  dh_shape_format(sh, sizeof sh, out->ndim, out->shape));
	if (!b->target)
		return dh_err_set(e, DH_EFORMAT, "%s: a batch without targets",
				  c->name);
	int64_t n = out->shape[0], ch = out->shape[1];
	if (!ev->cm) {
		ev->segmentation = out->ndim > 2;
		ev->binary = ev->segmentation && ch == 1;
		ev->classes = ev->binary ? 2 : ch;
		ev->cm = calloc((size_t)(ev->classes * ev->classes), sizeof *ev->cm);
		if (!ev->cm)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
	} else if ((ev->binary ? 2 : ch) != ev->classes) {
		return dh_err_set(e, DH_ESHAPE, "the output changed its classes");
	}
	ev->samples += n;
	/* labels: [N] for classes, [N, spatial...] for masks */
	int64_t lshape[DH_MAX_DIMS];
	int lnd = 0;
	lshape[lnd++] = n;
	for (int i = 2; i < out->ndim; i++)
		lshape[lnd++] = out->shape[i];
	dh_status s = as_labels(c, b->target, lnd, lshape, e);
	if (s)
		return s;
	if (!ev->binary) {
		s = dh_confusion_update(ev->cm, ev->classes, out, c->lab, e);
		if (s)
			dh_err_prefix(e, "%s", c->name);
		return s;
	}
	const float *z = dh_tensor_f32(out);
	int64_t np = dh_tensor_numel(out);
	for (int64_t i = 0; i < np; i++) {
		/* masks 0/1 or 0/255: any value > 0 is the foreground */
		double v = dh_dtype_get(b->target->dtype, b->target->data,
					(size_t)i);
		int truth = v >= 0.5, pred = z[i] >= c->logit;
		ev->cm[truth * 2 + pred]++;
	}
	return DH_OK;
}

dh_status dh_evaluate(dh_graph *g, dh_infer_source *src, int64_t batch,
		      dh_eval *ev, dh_err *e)
{
	(void)batch;
	if (!src->has_target) {
		if (src->stream)
			return dh_err_set(e, DH_EFORMAT,
					  "%s: --evaluate needs a grouped stream "
					  "with a 'target' field",
					  src->name);
		return dh_err_set(e, DH_EINVAL,
				  "--evaluate needs targets: a labelled dataset "
				  "split or a grouped stream with a 'target' "
				  "field");
	}
	eval_ctx c = {ev, fg_cut(output_is_sigmoid(g, 0),
				 ev->threshold > 0 ? ev->threshold : 0.5f),
		      src->name, NULL};
	dh_status s = run_source(g, src, eval_batch, &c, NULL, e);
	dh_tensor_free(c.lab);
	if (!s && !ev->cm)
		s = dh_err_set(e, DH_EFORMAT, "%s: no samples to evaluate",
			       src->name);
	return s;
}

void dh_eval_release(dh_eval *ev)
{
	free(ev->cm);
	ev->cm = NULL;
}

void dh_eval_class_overlap(const dh_eval *ev, int64_t k, double *dice,
			   double *iou)
{
	int64_t c = ev->classes, tp = ev->cm[k * c + k], fp = 0, fn = 0;
	for (int64_t j = 0; j < c; j++)
		if (j != k) {
			fp += ev->cm[j * c + k];
			fn += ev->cm[k * c + j];
		}
	*dice = tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 1.0;
	*iou = tp + fp + fn ? (double)tp / (double)(tp + fp + fn) : 1.0;
}

/* The Dice and IoU reported for a segmentation: the foreground's for two
 * classes, else the mean over the classes other than 0 (background). */
static void seg_summary(const dh_eval *ev, double *dice, double *iou)
{
	double d = 0, u = 0;
	int64_t first = ev->classes > 1 ? 1 : 0;
	for (int64_t k = first; k < ev->classes; k++) {
		double a, b;
		dh_eval_class_overlap(ev, k, &a, &b);
		d += a;
		u += b;
	}
	int64_t m = ev->classes - first;
	*dice = m ? d / (double)m : 1.0;
	*iou = m ? u / (double)m : 1.0;
}

static const char *nm(const char *const *names, int nnames, int64_t k,
		      const dh_eval *ev, char *buf, size_t n)
{
	if (names && k < nnames)
		return names[k];
	if (ev->binary)
		return k ? "foreground" : "background";
	snprintf(buf, n, "%lld", (long long)k);
	return buf;
}

void dh_eval_print(const dh_eval *ev, FILE *out, int json,
		   const char *const *names, int nnames)
{
	int64_t c = ev->classes;
	dh_class_metrics *pc = calloc((size_t)c, sizeof *pc), macro;
	if (!pc)
		return;
	double acc = dh_confusion_summary(ev->cm, c, pc, &macro);
	int64_t total = 0;
	for (int64_t i = 0; i < c * c; i++)
		total += ev->cm[i];
	double dice = 0, iou = 0;
	if (ev->segmentation)
		seg_summary(ev, &dice, &iou);
	char buf[32];
	int named = names != NULL || ev->binary;
	if (json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "samples", (double)ev->samples);
		if (ev->segmentation) {
			cJSON_AddNumberToObject(j, "pixels", (double)total);
			cJSON_AddNumberToObject(j, "pixel_accuracy", acc);
			cJSON_AddNumberToObject(j, "dice", dice);
			cJSON_AddNumberToObject(j, "iou", iou);
		} else {
			cJSON_AddNumberToObject(j, "accuracy", acc);
		}
		cJSON *m = cJSON_AddObjectToObject(j, "macro");
		cJSON_AddNumberToObject(m, "precision", macro.precision);
		cJSON_AddNumberToObject(m, "recall", macro.recall);
		cJSON_AddNumberToObject(m, "f1", macro.f1);
		cJSON *per = cJSON_AddArrayToObject(j, "classes");
		for (int64_t k = 0; k < c; k++) {
			cJSON *o = cJSON_CreateObject();
			if (named)
				cJSON_AddStringToObject(o, "name",
							nm(names, nnames, k, ev, buf,
							   sizeof buf));
			cJSON_AddNumberToObject(o, "precision", pc[k].precision);
			cJSON_AddNumberToObject(o, "recall", pc[k].recall);
			cJSON_AddNumberToObject(o, "f1", pc[k].f1);
			if (ev->segmentation) {
				double d, u;
				dh_eval_class_overlap(ev, k, &d, &u);
				cJSON_AddNumberToObject(o, "dice", d);
				cJSON_AddNumberToObject(o, "iou", u);
			}
			cJSON_AddNumberToObject(o, "support", (double)pc[k].support);
			cJSON_AddItemToArray(per, o);
		}
		cJSON *rows = cJSON_AddArrayToObject(j, "confusion");
		for (int64_t i = 0; i < c; i++) {
			cJSON *row = cJSON_CreateArray();
			for (int64_t k = 0; k < c; k++)
				cJSON_AddItemToArray(row, cJSON_CreateNumber(
								  (double)ev->cm[i * c + k]));
			cJSON_AddItemToArray(rows, row);
		}
		char *text = cJSON_PrintUnformatted(j);
		if (text)
			fprintf(out, "%s\n", text);
		free(text);
		cJSON_Delete(j);
		free(pc);
		return;
	}
	fprintf(out, "samples %lld\n", (long long)ev->samples);
	if (ev->segmentation)
		fprintf(out, "pixels %lld\npixel accuracy %.4f\ndice %.4f\niou %.4f\n",
			(long long)total, acc, dice, iou);
	else
		fprintf(out, "accuracy %.4f\n", acc);
	fprintf(out, "macro precision %.4f recall %.4f f1 %.4f\n",
		macro.precision, macro.recall, macro.f1);
	int wname = 5;
	for (int64_t k = 0; k < c; k++) {
		int l = (int)strlen(nm(names, nnames, k, ev, buf, sizeof buf));
		if (l > wname)
			wname = l;
	}
	if (wname > 40)
		wname = 40;
	fprintf(out, "\n%-*s  precision  recall     f1%s  support\n", wname,
		"class", ev->segmentation ? "   dice    iou" : "");
	for (int64_t k = 0; k < c; k++) {
		fprintf(out, "%-*.*s  %9.4f  %6.4f  %5.4f", wname, wname,
			nm(names, nnames, k, ev, buf, sizeof buf),
			pc[k].precision, pc[k].recall, pc[k].f1);
		if (ev->segmentation) {
			double d, u;
			dh_eval_class_overlap(ev, k, &d, &u);
			fprintf(out, "  %5.4f %6.4f", d, u);
		}
		fprintf(out, "  %7lld\n", (long long)pc[k].support);
	}
	fprintf(out, "\nconfusion matrix (rows: true class, columns: predicted)\n");
	for (int64_t i = 0; i < c; i++) {
		for (int64_t j = 0; j < c; j++)
			fprintf(out, "%s%6lld", j ? " " : "",
				(long long)ev->cm[i * c + j]);
		fputc('\n', out);
	}
	free(pc);
}

/* ---- latency ------------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least p% of them at or below. */
static double pct(const double *v, int n, double p)
{
	int r = (int)ceil(p / 100.0 * n);
	if (r < 1)
		r = 1;
	return v[r - 1];
}

dh_status dh_latency(dh_graph *g, const dh_tensor *x, int warmup, int runs,
		     dh_latency_result *r, dh_err *e)
{
	if (runs < 1)
		return dh_err_set(e, DH_EINVAL, "latency: at least one run");
	if (x->ndim < 1 || x->shape[0] != 1)
		return dh_err_set(e, DH_ESHAPE, "latency: one sample [1, ...]");
	dh_status s = dh_graph_check_input(g, 0, x, "the latency sample", e);
	if (s)
		return s;
	if ((s = dh_graph_plan(g, 1, 0, e)))
		return s;
	const dh_value *in = &g->v[g->inputs[0]];
	dh_tensor *conv = NULL;
	if (x->dtype != in->dtype) {
		conv = dh_tensor_new(in->dtype, x->ndim, x->shape, e);
		if (!conv)
			return e->status ? e->status : DH_ENOMEM;
		if ((s = dh_tensor_convert(conv, x, e))) {
			dh_tensor_free(conv);
			return s;
		}
	}
	const dh_tensor *feed[1] = {conv ? conv : x};
	double *t = calloc((size_t)runs, sizeof *t);
	if (!t) {
		dh_tensor_free(conv);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	for (int i = 0; !s && i < warmup; i++)
		s = dh_graph_forward(g, feed, e);
	double sum = 0;
	for (int i = 0; !s && i < runs; i++) {
		double t0 = now_ms();
		s = dh_graph_forward(g, feed, e);
		t[i] = now_ms() - t0;
		sum += t[i];
	}
	if (!s) {
		qsort(t, (size_t)runs, sizeof *t, cmp_double);
		r->runs = runs;
		r->warmup = warmup;
		r->p50 = pct(t, runs, 50);
		r->p90 = pct(t, runs, 90);
		r->p99 = pct(t, runs, 99);
		r->mean = sum / runs;
		r->min = t[0];
		r->max = t[runs - 1];
	}
	free(t);
	dh_tensor_free(conv);
	return s;
}
