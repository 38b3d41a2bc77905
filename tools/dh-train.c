/* dh-train - train a model on a dataset or a tensor stream. */
#include "config.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augment.h"
#include "cli/tool.h"
#include "core/atomicfile.h"
#include "dataset/ddf.h"
#include "dataset/loader.h"
#include "graph/profile.h"
#include "nn/checkpoint.h"
#include "nn/fit.h"
#include "nn/train.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "onnx/model.h"
#include "plot/curves.h"
#include "stream/load.h"

/* A DDF split through lib/dataset's loader, as a batch source. */
typedef struct loader_src {
	struct run_state *rs;
	const dh_ddf *ddf;
	dh_loader_opts o;
	dh_loader *l;
	const char *split;   /* NULL: every sample */
	int64_t n;
	int64_t batches;     /* in this epoch */
	int64_t skipped;     /* reported so far */
	int started;         /* an epoch has begun */
	int named;           /* skipped samples were named (first epoch) */
	int64_t per_epoch;   /* samples skipped in the first epoch */
	dh_tensor *x, *y, *ids, *yv;
	/* augmentation for this split */
	const dh_aug *aug;
	const char *aug_split;
} loader_src;

typedef struct run_state {
	dh_ctx *c;
	const char *model_path, *data, *out, *ckpt_path, *plot, *val_path;
	dh_onnx_model *m;
	dh_graph *g;
	dh_trainer *t;
	dh_atomic_file logf;
	FILE *log;
	dh_atomic_file proff; /* --profile FILE, opened before training */
	FILE *prof;
	int epochs;
	const char *optimizer, *loss, *metrics;
	uint64_t seed;
	int64_t batch;
	char options[2048]; /* what a resumed run must repeat */
	dh_meter meter, val_meter;
	dh_fit_opts fo;
	dh_fit_state st;
	dh_lr_schedule sched;
	dh_tensor **best;   /* keep-best: a copy per graph value */
	dh_tensor *class_w;
	/* stream data */
	dh_tensor *x, *y, *vx, *vy;
	dh_tensor_source ts, vs;
	/* DDF data */
	dh_ddf *ddf;
	dh_aug *aug;
	loader_src tl, vl;
	dh_fit_source train, val;
	int has_val;
} run_state;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static int is_ddf(const char *path)
{
	return ends_with(path, ".yml") || ends_with(path, ".yaml") ||
	       dh_ddf_is_packed(path);
}

/* A stream file (or "-") loaded whole, inputs as float32. */
static dh_status load(const char *path, dh_tensor **x, dh_tensor **y, dh_err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_stream_reader r;
	dh_status s = dh_stream_open(&r, f, f == stdin ? "stdin" : path, e);
	if (!s)
		s = dh_stream_load(&r, "input", "target", x, y, e);
	dh_stream_close(&r);
	if (f != stdin)
		fclose(f);
	if (!s && (*x)->dtype != DH_F32) {
		dh_tensor *fx = dh_tensor_new(DH_F32, (*x)->ndim, (*x)->shape, e);
		if (!fx || dh_tensor_convert(fx, *x, e))
			s = e->status ? e->status : DH_ENOMEM;
		dh_tensor_free(*x);
		*x = fx;
	}
	return s;
}

/* Targets as the loss wants them: class indices for cross-entropy and NLL
 * (a mask [N, 1, H, W] becomes [N, H, W]), float32 for the others. */
static dh_status shape_targets(const run_state *rs, const dh_tensor *y,
			       dh_tensor **out, dh_err *e)
{
	dh_loss_kind lk = rs->t->loss;
	int want_int = lk == DH_LOSS_CE || lk == DH_LOSS_NLL;
	if (want_int && y->ndim == 4 && y->shape[1] == 1) {
		int64_t shape[3] = {y->shape[0], y->shape[2], y->shape[3]};
		*out = dh_tensor_view(y, 3, shape, 0, e);
		return *out ? DH_OK : e->status;
	}
	if (!want_int && !dh_dtype_is_float(y->dtype)) {
		*out = dh_tensor_new(DH_F32, y->ndim, y->shape, e);
		if (!*out)
			return e->status;
		return dh_tensor_convert(*out, y, e);
	}
	*out = NULL;
	return DH_OK;
}

static dh_status aug_transform(void *ctx, dh_image **img, dh_image **mask,
			       dh_rng *rng, dh_err *e)
{
	const loader_src *ls = ctx;
	return dh_aug_apply(ls->aug, ls->aug_split, rng, img, mask, e);
}

static void report_skipped(loader_src *ls)
{
	dh_ctx *c = ls->rs->c;
	int64_t k = ls->l ? dh_loader_skipped(ls->l) : 0;
	for (int64_t i = ls->skipped; !ls->named && i < k; i++) {
		int64_t idx = -1;
		const char *why = dh_loader_skipped_reason(ls->l, i, &idx);
		const char *path = idx >= 0 && idx < ls->ddf->nsamples &&
						   ls->ddf->samples[idx].npaths
					   ? ls->ddf->samples[idx].paths[0]
					   : "?";
		dh_log_warn(&c->log, "%s: skipped sample %lld (%s): %s", ls->rs->data,
			    (long long)idx, path, why ? why : "undecodable");
	}
	ls->skipped = k;
}

static dh_status ls_begin(void *ctx, int epoch, dh_err *e)
{
	loader_src *ls = ctx;
	if (ls->started && ls->o.skip_bad) {
		/* name the skipped samples once */
		if (!ls->named)
			ls->per_epoch = dh_loader_skipped(ls->l);
		ls->named = 1;
	}
	ls->batches = 0;
	ls->skipped = 0;
	ls->started = 1;
	if (ls->l)
		return dh_loader_rewind(ls->l, epoch, e);
	ls->o.epoch = epoch;
	ls->l = dh_loader_open(ls->ddf, &ls->o, e);
	return ls->l ? DH_OK : e->status;
}

static void ls_free_batch(loader_src *ls)
{
	dh_tensor_free(ls->x);
	dh_tensor_free(ls->y);
	dh_tensor_free(ls->ids);
	dh_tensor_free(ls->yv);
	ls->x = ls->y = ls->ids = ls->yv = NULL;
}

static dh_status ls_next(void *ctx, const dh_tensor **x, const dh_tensor **y,
			 dh_err *e)
{
	loader_src *ls = ctx;
	run_state *rs = ls->rs;
	ls_free_batch(ls);
	dh_status s = dh_loader_next(ls->l, &ls->x, &ls->y, &ls->ids, e);
	if (ls->o.skip_bad)
		report_skipped(ls);
	if (s)
		return s;
	if (!ls->y)
		return dh_err_set(e, DH_EINVAL, "%s: the %s samples have no labels "
						"(nothing to train on)",
				  rs->data, ls->split ? ls->split : "dataset's");
	ls->batches++;
	s = shape_targets(rs, ls->y, &ls->yv, e);
	if (s)
		return s;
	*x = ls->x;
	*y = ls->yv ? ls->yv : ls->y;
	return DH_OK;
}

static int64_t ls_count(void *ctx)
{
	loader_src *ls = ctx;
	return ls->n;
}

static void ls_release(loader_src *ls)
{
	ls_free_batch(ls);
	if (ls->l)
		dh_loader_close(ls->l);
	ls->l = NULL;
}

/* --- output: the model, the checkpoint, the log and the plot --- */

/* Swap the graph's parameters and constants with the keep-best copies. */
static void swap_best(run_state *rs)
{
	for (int i = 0; i < rs->g->nv; i++)
		if (rs->best[i]) {
			dh_tensor *t = rs->g->v[i].t;
			rs->g->v[i].t = rs->best[i];
			rs->best[i] = t;
		}
}

static dh_status take_best(run_state *rs, dh_err *e)
{
	for (int i = 0; i < rs->g->nv; i++) {
		const dh_value *v = &rs->g->v[i];
		if ((v->kind != DH_VAL_PARAM && v->kind != DH_VAL_CONST) || !v->t)
			continue;
		if (!rs->best[i]) {
			rs->best[i] = dh_tensor_clone(v->t, e);
			if (!rs->best[i])
				return e->status;
		} else {
			memcpy(rs->best[i]->data, v->t->data, dh_tensor_nbytes(v->t));
		}
	}
	return DH_OK;
}

static int metric_index(const dh_meter *m, const char *name)
{
	return m ? dh_meter_find(m, name) : -1;
}

/* OUT from the graph's weights, recording epoch es. */
static dh_status write_model(run_state *rs, const dh_epoch_stats *es, dh_err *e)
{
	char buf[64];
	dh_status s = dh_onnx_update_weights(rs->m, rs->g, e);
	snprintf(buf, sizeof buf, "%d", es->epoch);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.epochs", buf, e);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)rs->seed);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.seed", buf, e);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.optimizer", rs->optimizer, e);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.loss", rs->loss, e);
	snprintf(buf, sizeof buf, "%lld", (long long)rs->batch);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.batch", buf, e);
	snprintf(buf, sizeof buf, "%.6g", es->loss);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.train_loss", buf, e);
	if (!s && es->has_val) {
		snprintf(buf, sizeof buf, "%.6g", es->val_loss);
		s = dh_onnx_set_meta(rs->m, "dh.val_loss", buf, e);
	}
	int ai = metric_index(&rs->meter, "accuracy");
	if (!s && es->has_val && ai >= 0) {
		snprintf(buf, sizeof buf, "%.6g", es->val_metric[ai]);
		s = dh_onnx_set_meta(rs->m, "dh.val_accuracy", buf, e);
	}
	if (!s && rs->fo.keep_best.set)
		s = dh_onnx_set_meta(rs->m, "dh.best_by", rs->fo.keep_best.name, e);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.version", PACKAGE_VERSION, e);
	if (!s && rs->data)
		s = dh_onnx_set_meta(rs->m, "dh.dataset", rs->data, e);
	if (!s && rs->ddf && rs->ddf->nclasses) {
		/* class names for dh-infer's CSV and JSON lines */
		cJSON *a = cJSON_CreateStringArray(
			(const char *const *)rs->ddf->classes, rs->ddf->nclasses);
		char *txt = a ? cJSON_PrintUnformatted(a) : NULL;
		s = txt ? dh_onnx_set_meta(rs->m, "dh.classes", txt, e)
			: dh_err_set(e, DH_ENOMEM, "out of memory");
		cJSON_free(txt);
		cJSON_Delete(a);
	}
	if (!s)
		s = dh_onnx_save(rs->m, rs->out, e);
	return s;
}

/* State saved besides the trainer's: plain numbers. */
typedef struct saved_state {
	int32_t epoch, stopped, es_best_epoch, es_bad, kb_best_epoch, pad;
	double es_best, kb_best, lr;
	dh_plateau plateau;
} saved_state;

static dh_status write_checkpoint(run_state *rs, const dh_fit_state *st, dh_err *e)
{
	dh_ckpt *ck = dh_ckpt_new(e);
	if (!ck)
		return e->status;
	saved_state ss;
	memset(&ss, 0, sizeof ss);
	ss.epoch = st->epoch;
	ss.stopped = st->stopped;
	ss.es_best_epoch = st->es_best_epoch;
	ss.es_bad = st->es_bad;
	ss.kb_best_epoch = st->kb_best_epoch;
	ss.es_best = st->es_best;
	ss.kb_best = st->kb_best;
	ss.lr = st->lr;
	ss.plateau = st->plateau;
	dh_status s = dh_ckpt_put_text(ck, "train.options", rs->options, e);
	if (!s)
		s = dh_ckpt_put(ck, "train.state", &ss, sizeof ss, 1, e);
	if (!s)
		s = dh_ckpt_put(ck, "train.history", st->history,
				(size_t)st->nhistory * sizeof *st->history, 0, e);
	if (!s)
		s = dh_ckpt_put_trainer(ck, rs->t, e);
	char key[512];
	for (int i = 0; !s && rs->best && i < rs->g->nv; i++)
		if (rs->best[i]) {
			snprintf(key, sizeof key, "best:%s", rs->g->v[i].name);
			s = dh_ckpt_put(ck, key, rs->best[i]->data,
					dh_tensor_nbytes(rs->best[i]), 0, e);
		}
	if (!s)
		s = dh_ckpt_write(ck, rs->ckpt_path, e);
	dh_ckpt_free(ck);
	return s;
}

/* The options a resumed run must share, token by token. */
static dh_status check_options(const run_state *rs, const char *path,
			       const char *saved, dh_err *e)
{
	const char *a = saved, *b = rs->options;
	while (*a || *b) {
		size_t la = strcspn(a, " "), lb = strcspn(b, " ");
		if (la != lb || memcmp(a, b, la))
			return dh_err_set(e, DH_EINVAL,
					  "%s: the checkpoint was trained with '%.*s', "
					  "this run asks for '%.*s'",
					  path, (int)la, a, (int)lb, b);
		a += la + (a[la] == ' ');
		b += lb + (b[lb] == ' ');
	}
	return DH_OK;
}

static dh_status resume(run_state *rs, const char *arg, dh_err *e)
{
	char path[4096];
	if (ends_with(arg, ".onnx"))
		snprintf(path, sizeof path, "%s.ckpt", arg);
	else
		snprintf(path, sizeof path, "%s", arg);
	dh_ckpt *ck = dh_ckpt_read(path, e);
	if (!ck)
		return e->status;
	dh_status s = DH_OK;
	const char *opts = dh_ckpt_text(ck, "train.options");
	size_t n = 0;
	const saved_state *ss = dh_ckpt_get(ck, "train.state", &n);
	if (!opts || !ss || n != sizeof *ss)
		s = dh_err_set(e, DH_EFORMAT, "%s: not a dh-train checkpoint (no training state)", path);
	if (!s)
		s = check_options(rs, path, opts, e);
	if (!s && (s = dh_ckpt_get_trainer(ck, rs->t, e)))
		dh_err_prefix(e, "%s", path);
	const dh_epoch_stats *h = s ? NULL : dh_ckpt_get(ck, "train.history", &n);
	if (!s && (!h || n % sizeof *h || n / sizeof *h != (size_t)ss->epoch))
		s = dh_err_set(e, DH_EFORMAT, "%s: the history does not match the epoch count", path);
	if (!s) {
		dh_fit_state *st = &rs->st;
		st->epoch = ss->epoch;
		st->stopped = ss->stopped;
		st->es_best_epoch = ss->es_best_epoch;
		st->es_bad = ss->es_bad;
		st->kb_best_epoch = ss->kb_best_epoch;
		st->es_best = ss->es_best;
		st->kb_best = ss->kb_best;
		st->lr = ss->lr;
		st->plateau = ss->plateau;
		st->nhistory = st->caphistory = ss->epoch;
		st->history = malloc((n ? n : 1));
		if (!st->history)
			s = dh_err_set(e, DH_ENOMEM, "out of memory");
		else
			memcpy(st->history, h, n);
	}
	char key[512];
	for (int i = 0; !s && rs->best && i < rs->g->nv; i++) {
		const dh_value *v = &rs->g->v[i];
		if ((v->kind != DH_VAL_PARAM && v->kind != DH_VAL_CONST) || !v->t)
			continue;
		snprintf(key, sizeof key, "best:%s", v->name);
		size_t bn;
		const void *p = dh_ckpt_get(ck, key, &bn);
		if (!p)
			continue; /* no best epoch yet */
		if (bn != dh_tensor_nbytes(v->t)) {
			s = dh_err_set(e, DH_EFORMAT, "%s: '%s' does not fit the model", path, key);
			break;
		}
		rs->best[i] = dh_tensor_clone(v->t, e);
		if (!rs->best[i])
			s = e->status;
		else
			memcpy(rs->best[i]->data, p, bn);
	}
	dh_ckpt_free(ck);
	if (!s)
		dh_log_info(&rs->c->log, "resuming from %s after epoch %d", path, rs->st.epoch);
	return s;
}

static dh_status write_plot(run_state *rs, const dh_fit_state *st, dh_err *e)
{
	int n = st->nhistory, nm = rs->meter.n;
	double *buf = malloc(sizeof(double) * (size_t)(n ? n : 1) * (size_t)(1 + 2 * (nm + 1)));
	if (!buf)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	double *x = buf;
	for (int i = 0; i < n; i++)
		x[i] = st->history[i].epoch;
	dh_panel panels[1 + DH_METER_MAX];
	dh_series series[2 * (1 + DH_METER_MAX)];
	int has_val = n && st->history[n - 1].has_val;
	for (int k = 0; k <= nm; k++) {
		double *tr = buf + (size_t)n * (1 + 2 * k), *va = tr + n;
		for (int i = 0; i < n; i++) {
			const dh_epoch_stats *h = &st->history[i];
			tr[i] = k ? h->metric[k - 1] : h->loss;
			va[i] = !h->has_val ? NAN : k ? h->val_metric[k - 1] : h->val_loss;
		}
		dh_series *sr = &series[2 * k];
		sr[0] = (dh_series){"training", x, tr, n, 0};
		sr[1] = (dh_series){"validation", x, va, n, 1};
		panels[k] = (dh_panel){k ? rs->meter.name[k - 1] : "loss", "epoch", sr,
				       has_val ? 2 : 1};
	}
	char title[512];
	snprintf(title, sizeof title, "%s on %s", rs->model_path, rs->data);
	dh_status s = dh_plot_curves_write(rs->plot, title, panels, nm + 1, e);
	free(buf);
	return s;
}

/* --profile FILE: the per-op table (graph/profile.h) per training step,
 * with the loss and the optimizer; JSON lines for a .jsonl name.  The file
 * was opened before training (rs->prof), so that a bad path fails first;
 * "-" is stdout. */
static dh_status write_profile(run_state *rs, const char *path, dh_err *e)
{
	const char *parts[] = {"loss", "optimizer", NULL};
	double secs[] = {rs->t->prof_loss, rs->t->prof_optim};
	size_t len = strlen(path);
	int json = len > 6 && !strcmp(path + len - 6, ".jsonl");
	FILE *f = rs->prof ? rs->prof : stdout;
	dh_graph_profile_print(rs->g, f, rs->t->prof_steps,
			       json ? 1000000 : 10, parts, secs, json);
	if (!rs->prof)
		return fflush(stdout) ? dh_err_set(e, DH_EIO, "stdout: %s",
						   strerror(errno))
				      : DH_OK;
	rs->prof = NULL;
	return dh_atomic_commit(&rs->proff, e);
}

static void print_epoch(run_state *rs, const dh_epoch_stats *es)
{
	dh_ctx *c = rs->c;
	char line[1024];
	size_t at = 0;
	at += (size_t)snprintf(line + at, sizeof line - at, "loss %.4f", es->loss);
	for (int i = 0; i < es->nmetrics && at < sizeof line; i++)
		at += (size_t)snprintf(line + at, sizeof line - at, " %s %.4f",
				       rs->meter.name[i], es->metric[i]);
	if (es->has_val && at < sizeof line)
		at += (size_t)snprintf(line + at, sizeof line - at, " val_loss %.4f", es->val_loss);
	for (int i = 0; es->has_val && i < es->nmetrics && at < sizeof line; i++)
		at += (size_t)snprintf(line + at, sizeof line - at, " val_%s %.4f",
				       rs->meter.name[i], es->val_metric[i]);
	dh_log_info(&c->log, "epoch %d/%d: %s, %.1f s (%.0f samples/s)%s", es->epoch,
		    rs->epochs, line, es->seconds, es->samples_per_s,
		    es->improved ? " (best)" : "");
	if (es->skipped)
		dh_log_warn(&c->log, "epoch %d: %lld batch%s skipped for NaN/Inf",
			    es->epoch, (long long)es->skipped, es->skipped == 1 ? "" : "es");
}

static void json_num(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, ", \"%s\": %.6g", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

static void log_epoch(run_state *rs, const dh_epoch_stats *es)
{
	FILE *f = rs->log;
	if (!f)
		return;
	fprintf(f, "{\"epoch\": %d", es->epoch);
	json_num(f, "loss", es->loss);
	for (int i = 0; i < es->nmetrics; i++)
		json_num(f, rs->meter.name[i], es->metric[i]);
	if (es->has_val) {
		char key[32];
		json_num(f, "val_loss", es->val_loss);
		for (int i = 0; i < es->nmetrics; i++) {
			snprintf(key, sizeof key, "val_%s", rs->meter.name[i]);
			json_num(f, key, es->val_metric[i]);
		}
	}
	fprintf(f, ", \"lr\": %.6g, \"seconds\": %.3f, \"samples_per_s\": %.1f, "
		   "\"samples\": %lld, \"skipped_batches\": %lld%s}\n",
		es->lr, es->seconds, es->samples_per_s, (long long)es->samples,
		(long long)es->skipped, es->improved ? ", \"best\": true" : "");
	fflush(f);
}

static dh_status on_epoch(void *ctx, const dh_epoch_stats *es,
			  const dh_fit_state *st, dh_err *e)
{
	run_state *rs = ctx;
	print_epoch(rs, es);
	log_epoch(rs, es);
	dh_status s = DH_OK;
	if (rs->fo.keep_best.set && es->improved)
		s = take_best(rs, e);
	/* a checkpoint after every epoch, through a temporary file and a
	 * rename: a kill loses at most the running epoch */
	if (!s)
		s = write_checkpoint(rs, st, e);
	if (!s && (!rs->fo.keep_best.set || es->improved))
		s = write_model(rs, es, e);
	if (!s && rs->plot)
		s = write_plot(rs, st, e);
	if (!s && st->stopped)
		dh_log_info(&rs->c->log,
			    "early stop after epoch %d: %s has not improved for %d "
			    "epoch%s (best %.6g at epoch %d)",
			    es->epoch, rs->fo.early_stop.name, st->es_bad,
			    st->es_bad == 1 ? "" : "s", st->es_best, st->es_best_epoch);
	return s;
}

/* --- options --- */

static int parse_size(const char *s, int *w, int *h)
{
	char *end;
	errno = 0;
	long a = strtol(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X') || a < 1 || a > 65536)
		return -1;
	const char *p = end + 1;
	long b = strtol(p, &end, 10);
	if (end == p || *end || b < 1 || b > 65536 || errno)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

/* "step:N[:GAMMA]", "multistep:E1,E2[:GAMMA]", "exponential:GAMMA",
 * "cosine[:ETA_MIN]", "plateau[:PATIENCE[:FACTOR]]". */
static int parse_schedule(run_state *rs, const char *spec, double lr, dh_err *e)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", spec);
	char *args = strchr(buf, ':');
	if (args)
		*args++ = 0;
	char *arg2 = args ? strchr(args, ':') : NULL;
	if (arg2)
		*arg2++ = 0;
	double v;
	long long k;
	if (!strcmp(buf, "plateau")) {
		dh_plateau_init(&rs->st.plateau, rs->fo.plateau_on.maximize);
		rs->fo.use_plateau = 1;
		if (args && (dh_parse_ll(args, &k) || k < 0))
			goto bad;
		if (args)
			rs->st.plateau.patience = k;
		if (arg2 && (dh_parse_double(arg2, &v) || !(v > 0 && v < 1)))
			goto bad;
		if (arg2)
			rs->st.plateau.factor = v;
		return 0;
	}
	dh_lr_kind kind;
	if (!strcmp(buf, "step"))
		kind = DH_LR_STEP;
	else if (!strcmp(buf, "multistep"))
		kind = DH_LR_MULTISTEP;
	else if (!strcmp(buf, "exponential"))
		kind = DH_LR_EXPONENTIAL;
	else if (!strcmp(buf, "cosine"))
		kind = DH_LR_COSINE;
	else
		goto bad;
	dh_lr_schedule_init(&rs->sched, kind, lr);
	switch (kind) {
	case DH_LR_STEP:
		if (!args || dh_parse_ll(args, &k) || k < 1)
			goto bad;
		rs->sched.step_size = k;
		break;
	case DH_LR_MULTISTEP:
		if (!args)
			goto bad;
		for (char *p = args; *p;) {
			size_t len = strcspn(p, ",");
			char one[32];
			if (len == 0 || len >= sizeof one || rs->sched.nmilestones == DH_LR_MAX_MILESTONES)
				goto bad;
			memcpy(one, p, len);
			one[len] = 0;
			if (dh_parse_ll(one, &k) || k < 1)
				goto bad;
			rs->sched.milestones[rs->sched.nmilestones++] = k;
			p += len + (p[len] == ',');
		}
		break;
	case DH_LR_EXPONENTIAL:
		if (!args || dh_parse_double(args, &v) || !(v > 0))
			goto bad;
		rs->sched.gamma = v;
		arg2 = NULL;
		break;
	case DH_LR_COSINE:
		rs->sched.t_max = rs->epochs;
		if (args && (dh_parse_double(args, &v) || v < 0))
			goto bad;
		if (args)
			rs->sched.eta_min = v;
		arg2 = NULL;
		break;
	default:
		break;
	}
	if (arg2 && (dh_parse_double(arg2, &v) || !(v > 0)))
		goto bad;
	if (arg2)
		rs->sched.gamma = v;
	if (dh_lr_schedule_check(&rs->sched, e))
		return -1;
	rs->fo.schedule = &rs->sched;
	return 0;
bad:
	dh_err_set(e, DH_EINVAL,
		   "--schedule '%s': want step:N[:GAMMA], multistep:E1,E2..[:GAMMA], "
		   "exponential:GAMMA, cosine[:ETA_MIN] or plateau[:PATIENCE[:FACTOR]]",
		   spec);
	return -1;
}

/* Number of classes of the model's output (dimension 1), or 0. */
static int64_t model_classes(dh_graph *g, dh_err *e)
{
	const dh_value *v = &g->v[g->outputs[0]];
	if (v->decl.ndim >= 2 && v->decl.d[1] > 0)
		return v->decl.d[1];
	if (dh_graph_plan(g, 1, 0, e))
		return -1;
	return v->shape.ndim >= 2 ? v->shape.d[1] : 0;
}

/* --class-weights: "w0,w1,..." or "balanced" (n / (C n_c), as
 * scikit-learn's). */
static dh_status class_weights(run_state *rs, const char *spec, dh_err *e)
{
	int64_t c = model_classes(rs->g, e);
	if (c < 0)
		return e->status;
	if (c < 2)
		return dh_err_set(e, DH_EINVAL, "--class-weights: the model's output "
						"does not declare its classes (dimension 1)");
	int64_t shape[1] = {c};
	rs->class_w = dh_tensor_new(DH_F32, 1, shape, e);
	if (!rs->class_w)
		return e->status;
	float *w = rs->class_w->data;
	if (!strcmp(spec, "balanced")) {
		int64_t *count = calloc((size_t)c, sizeof *count), total = 0;
		if (!count)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		if (rs->y) {
			int64_t n = dh_tensor_numel(rs->y);
			for (int64_t i = 0; i < n; i++) {
				double v = dh_dtype_get(rs->y->dtype, rs->y->data, (size_t)i);
				if (v >= 0 && v < (double)c) {
					count[(int64_t)v]++;
					total++;
				}
			}
		} else if (rs->ddf) {
			const dh_ddf_split *sp = rs->tl.split ? dh_ddf_split_find(rs->ddf, rs->tl.split) : NULL;
			int64_t n = sp ? sp->n : rs->ddf->nsamples;
			for (int64_t i = 0; i < n; i++) {
				const dh_ddf_sample *smp = &rs->ddf->samples[sp ? sp->idx[i] : i];
				if (smp->kind == DH_DDF_LABEL_CLASS && smp->label >= 0 && smp->label < c) {
					count[smp->label]++;
					total++;
				}
			}
		}
		for (int64_t k = 0; k < c; k++)
			w[k] = count[k] ? (float)((double)total / ((double)c * (double)count[k])) : 0.0f;
		free(count);
	} else {
		int64_t k = 0;
		for (const char *p = spec; *p; k++) {
			size_t len = strcspn(p, ",");
			char one[64];
			double v;
			if (len == 0 || len >= sizeof one)
				return dh_err_set(e, DH_EINVAL, "--class-weights: an empty weight in '%s'", spec);
			memcpy(one, p, len);
			one[len] = 0;
			if (dh_parse_double(one, &v) || !(v >= 0) || !isfinite(v))
				return dh_err_set(e, DH_EINVAL, "--class-weights: '%s' is not a weight >= 0", one);
			if (k < c)
				w[k] = (float)v;
			p += len + (p[len] == ',');
		}
		if (k != c)
			return dh_err_set(e, DH_EINVAL,
					  "--class-weights: %lld weight%s for %lld classes",
					  (long long)k, k == 1 ? "" : "s", (long long)c);
	}
	rs->t->ce.weights = rs->class_w;
	return DH_OK;
}

/* Set up a loader source over one split. */
static dh_status open_split(run_state *rs, loader_src *ls, const char *split,
			    int shuffle, dh_err *e)
{
	dh_ctx *c = rs->c;
	ls->rs = rs;
	ls->ddf = rs->ddf;
	ls->split = split;
	dh_loader_opts_init(&ls->o);
	ls->o.split = split;
	ls->o.shuffle = shuffle;
	ls->o.seed = rs->seed;
	ls->o.batch = (int)rs->batch;
	ls->o.threads = (int)dh_ctx_int(c, "loader-threads", 0);
	ls->o.skip_bad = dh_ctx_has(c, "skip-bad");
	ls->o.channels = (int)dh_ctx_int(c, "channels", 0);
	const char *size = dh_ctx_str(c, "size", NULL);
	if (size)
		parse_size(size, &ls->o.width, &ls->o.height);
	if (rs->aug) {
		const char *section = dh_aug_has_split(rs->aug, split ? split : "")
					      ? split
					      : shuffle ? "training" : "validation";
		if (dh_aug_has_split(rs->aug, section)) {
			ls->aug = rs->aug;
			ls->aug_split = section;
			ls->o.transform = aug_transform;
			ls->o.transform_ctx = ls;
		}
	}
	if (split) {
		const dh_ddf_split *sp = dh_ddf_split_find(rs->ddf, split);
		ls->n = sp ? sp->n : 0;
	} else {
		ls->n = rs->ddf->nsamples;
	}
	if (ls->n == 0)
		return dh_err_set(e, DH_EINVAL, "%s: the %s%s%s is empty", rs->data,
				  split ? "split '" : "dataset", split ? split : "",
				  split ? "'" : "");
	/* open now, so that a model that does not fit the images is said
	 * before any training */
	ls->o.epoch = 1;
	ls->l = dh_loader_open(ls->ddf, &ls->o, e);
	if (!ls->l)
		return e->status;
	int ch, h, w;
	dh_loader_shape(ls->l, &ch, &h, &w);
	int64_t shape[4] = {1, ch, h, w};
	dh_tensor *probe = dh_tensor_new(DH_F32, 4, shape, e);
	if (!probe)
		return e->status;
	dh_status s = dh_graph_check_input(rs->g, 0, probe, rs->data, e);
	dh_tensor_free(probe);
	if (s) {
		char msg[DH_ERR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", e->msg);
		return dh_err_set(e, s, "%s: %s (--size WxH and --channels C "
				       "convert the images)", rs->model_path, msg);
	}
	return DH_OK;
}

static dh_status open_ddf(run_state *rs, dh_err *e)
{
	dh_ctx *c = rs->c;
	rs->ddf = dh_ddf_load(rs->data, e);
	if (!rs->ddf)
		return e->status;
	const char *tname = dh_ctx_str(c, "split-train", "training");
	const char *vname = dh_ctx_str(c, "split-validation", "validation");
	const char *train = tname;
	if (!dh_ddf_split_find(rs->ddf, tname)) {
		if (rs->ddf->nsplits == 0 && !dh_ctx_has(c, "split-train")) {
			train = NULL; /* no splits at all: every sample */
		} else {
			char list[512] = "";
			size_t at = 0;
			for (int i = 0; i < rs->ddf->nsplits && at < sizeof list; i++)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       i ? ", " : "", rs->ddf->splits[i].name);
			return dh_err_set(e, DH_EINVAL, "%s: no split '%s' (it has: %s)",
					  rs->data, tname, at ? list : "none");
		}
	}
	dh_status s = open_split(rs, &rs->tl, train, 1, e);
	if (s)
		return s;
	rs->train = (dh_fit_source){ls_begin, ls_next, ls_count, &rs->tl};
	if (dh_ddf_split_find(rs->ddf, vname)) {
		s = open_split(rs, &rs->vl, vname, 0, e);
		if (s)
			return s;
		rs->val = (dh_fit_source){ls_begin, ls_next, ls_count, &rs->vl};
		rs->has_val = 1;
	} else if (dh_ctx_has(c, "split-validation")) {
		return dh_err_set(e, DH_EINVAL, "%s: no split '%s'", rs->data, vname);
	}
	return DH_OK;
}

/* The options that decide the result, in one canonical line. */
static void describe_options(run_state *rs, const dh_optim_opts *oo)
{
	dh_ctx *c = rs->c;
	const char *size = dh_ctx_str(c, "size", "native");
	snprintf(rs->options, sizeof rs->options,
		 "optimizer=%s lr=%.7g momentum=%.7g weight-decay=%.7g loss=%s "
		 "batch=%lld seed=%llu metrics=%s class-weights=%s schedule=%s "
		 "early-stop=%s keep-best=%s on-nan=%s freeze=%s augment=%s "
		 "size=%s channels=%lld split-train=%s split-validation=%s",
		 rs->optimizer, oo->lr, oo->momentum, oo->weight_decay, rs->loss,
		 (long long)rs->batch, (unsigned long long)rs->seed, rs->metrics,
		 dh_ctx_str(c, "class-weights", "none"), dh_ctx_str(c, "schedule", "none"),
		 dh_ctx_str(c, "early-stop", "none"), dh_ctx_str(c, "keep-best", "none"),
		 dh_ctx_str(c, "on-nan", "stop"), dh_ctx_str(c, "freeze", "none"),
		 dh_ctx_has(c, "augment") ? "yes" : "no", size,
		 (long long)dh_ctx_int(c, "channels", 0),
		 dh_ctx_str(c, "split-train", "training"),
		 dh_ctx_str(c, "split-validation", "validation"));
	for (char *p = rs->options; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static const char *default_metrics(dh_loss_kind lk)
{
	switch (lk) {
	case DH_LOSS_DICE:
		return "dice";
	case DH_LOSS_MSE:
	case DH_LOSS_MAE:
	case DH_LOSS_HUBER:
		return "mae";
	default:
		return "accuracy";
	}
}

static int run(dh_ctx *c)
{
	run_state rs;
	memset(&rs, 0, sizeof rs);
	rs.c = c;
	rs.model_path = c->args[0];
	rs.data = c->nargs > 1 ? c->args[1] : "-";
	rs.out = dh_ctx_str(c, "output", NULL);
	if (!rs.out)
		return dh_ctx_usage(c, "where to write the trained model? (-o OUT.onnx)");
	int ddf = is_ddf(rs.data);
	if (dh_ctx_has(c, "augment") && !ddf)
		return dh_ctx_usage(c, "--augment needs a DDF dataset (DATASET.yml): "
				       "tensor streams hold no images to transform");
	for (const char *o = "split-train\0split-validation\0size\0channels\0skip-bad\0loader-threads\0";
	     *o; o += strlen(o) + 1)
		if (dh_ctx_has(c, o) && !ddf)
			return dh_ctx_usage(c, "--%s applies to a DDF dataset (DATASET.yml)", o);
	if (ddf && dh_ctx_has(c, "validation"))
		return dh_ctx_usage(c, "--validation takes a tensor stream; with a DDF, "
				       "name the split with --split-validation");
	int w, h;
	if (dh_ctx_has(c, "size") && parse_size(dh_ctx_str(c, "size", ""), &w, &h))
		return dh_ctx_usage(c, "--size '%s': want WIDTHxHEIGHT, as 28x28",
				    dh_ctx_str(c, "size", ""));
	rs.plot = dh_ctx_str(c, "plot", NULL);
	if (rs.plot && !ends_with(rs.plot, ".svg")) {
		fprintf(stderr, "%s: --plot '%s': only SVG is drawn (name it .svg); "
				"PNG is not supported\n", c->tool->name, rs.plot);
		return DH_EXIT_USAGE;
	}
	rs.epochs = (int)dh_ctx_int(c, "epochs", 1);
	rs.batch = dh_ctx_int(c, "batch", 64);
	rs.seed = (uint64_t)dh_ctx_int(c, "seed", 0);
	rs.optimizer = dh_ctx_str(c, "optimizer", "adam");
	rs.loss = dh_ctx_str(c, "loss", "cross-entropy");
	rs.val_path = dh_ctx_str(c, "validation", NULL);
	dh_optim_opts oo;
	dh_optim_kind ok;
	dh_loss_kind lk;
	dh_optim_kind_parse(rs.optimizer, &ok);
	dh_loss_kind_parse(rs.loss, &lk);
	rs.metrics = dh_ctx_str(c, "metrics", default_metrics(lk));
	dh_optim_opts_init(&oo, ok);
	oo.lr = (float)dh_ctx_float(c, "lr", oo.lr);
	oo.momentum = (float)dh_ctx_float(c, "momentum", oo.momentum);
	oo.weight_decay = (float)dh_ctx_float(c, "weight-decay", oo.weight_decay);
	oo.threads = c->threads;
	if (strcmp(rs.metrics, "none") && dh_meter_parse(&rs.meter, rs.metrics, &c->err))
		return dh_ctx_usage(c, "%s", c->err.msg);
	if (strcmp(rs.metrics, "none"))
		dh_meter_parse(&rs.val_meter, rs.metrics, &c->err);
	rs.fo.meter = rs.meter.n ? &rs.meter : NULL;
	rs.fo.val_meter = rs.val_meter.n ? &rs.val_meter : NULL;
	const char *es = dh_ctx_str(c, "early-stop", NULL);
	if (es) {
		char name[64];
		const char *colon = strrchr(es, ':');
		long long pat;
		if (!colon || (size_t)(colon - es) >= sizeof name || dh_parse_ll(colon + 1, &pat) ||
		    pat < 1 || pat > 1000000)
			return dh_ctx_usage(c, "--early-stop '%s': want METRIC:PATIENCE, as val_loss:3", es);
		memcpy(name, es, (size_t)(colon - es));
		name[colon - es] = 0;
		if (dh_monitor_parse(&rs.fo.early_stop, name, &rs.meter, &c->err))
			return dh_ctx_usage(c, "--early-stop: %s", c->err.msg);
		rs.fo.early_stop.patience = (int)pat;
	}
	const char *kb = dh_ctx_str(c, "keep-best", NULL);
	if (kb && dh_monitor_parse(&rs.fo.keep_best, kb, &rs.meter, &c->err))
		return dh_ctx_usage(c, "--keep-best: %s", c->err.msg);
	if (dh_ctx_has(c, "schedule")) {
		const char *on = "loss";
		dh_monitor_parse(&rs.fo.plateau_on, on, NULL, &c->err);
		if (parse_schedule(&rs, dh_ctx_str(c, "schedule", ""), oo.lr, &c->err))
			return dh_ctx_usage(c, "%s", c->err.msg);
	}
	if (dh_ctx_has(c, "class-weights") && lk != DH_LOSS_CE && lk != DH_LOSS_NLL)
		return dh_ctx_usage(c, "--class-weights applies to the cross-entropy and nll losses");
	dh_device dev;
	if (dh_device_parse(dh_ctx_str(c, "device", "cpu"), c->threads, &dev, &c->err))
		return dh_ctx_usage(c, "%s", c->err.msg);
	describe_options(&rs, &oo);
	char ckpt[4096];
	snprintf(ckpt, sizeof ckpt, "%s.ckpt", rs.out);
	rs.ckpt_path = dh_ctx_str(c, "checkpoint", ckpt);
	const char *log = dh_ctx_str(c, "log", NULL);
	int rc = DH_EXIT_FAIL;
	rs.m = dh_onnx_load(rs.model_path, &c->err);
	if (!rs.m)
		goto out;
	rs.g = dh_onnx_import(rs.m, &dev, rs.seed, &c->err);
	if (!rs.g)
		goto out;
	const char *freeze = dh_ctx_str(c, "freeze", NULL);
	if (freeze) {
		char list[1024];
		snprintf(list, sizeof list, "%s", freeze);
		for (char *save = NULL, *p = strtok_r(list, ",", &save); p;
		     p = strtok_r(NULL, ",", &save))
			if (!dh_graph_freeze(rs.g, p, 1)) {
				rc = dh_ctx_usage(c, "--freeze: no parameters of '%s' in %s",
						  p, rs.model_path);
				goto out;
			}
		if (dh_graph_finalize(rs.g, &c->err))
			goto out;
	}
	rs.t = dh_trainer_new(rs.g, &oo, lk, &c->err);
	if (!rs.t)
		goto out;
	rs.t->skip_nonfinite = !strcmp(dh_ctx_str(c, "on-nan", "stop"), "skip");
	if (dh_ctx_has(c, "profile") && dh_graph_profile_on(rs.g, &c->err))
		goto out;
	if (dh_ctx_has(c, "augment")) {
		rs.aug = dh_aug_parse_file(dh_ctx_str(c, "augment", ""), &c->err);
		if (!rs.aug)
			goto out;
	}
	/* the data */
	if (ddf) {
		if (open_ddf(&rs, &c->err))
			goto out;
	} else {
		if (load(rs.data, &rs.x, &rs.y, &c->err))
			goto out;
		if (rs.val_path && load(rs.val_path, &rs.vx, &rs.vy, &c->err))
			goto out;
		if (dh_graph_check_input(rs.g, 0, rs.x, rs.data, &c->err) ||
		    (rs.vx && dh_graph_check_input(rs.g, 0, rs.vx, rs.val_path, &c->err)))
			goto out;
		if (dh_tensor_source_init(&rs.ts, &rs.train, rs.x, rs.y, rs.batch, 1,
					  rs.seed, &c->err))
			goto out;
		if (rs.vx) {
			if (dh_tensor_source_init(&rs.vs, &rs.val, rs.vx, rs.vy, rs.batch,
						  0, rs.seed, &c->err))
				goto out;
			rs.has_val = 1;
		}
	}
	if ((rs.fo.keep_best.set && rs.fo.keep_best.val && !rs.has_val) ||
	    (rs.fo.early_stop.set && rs.fo.early_stop.val && !rs.has_val)) {
		rc = dh_ctx_usage(c, "%s watches a validation figure, and there is no "
				     "validation data",
				  rs.fo.keep_best.set && rs.fo.keep_best.val ? "--keep-best" : "--early-stop");
		goto out;
	}
	if (dh_ctx_has(c, "class-weights") &&
	    class_weights(&rs, dh_ctx_str(c, "class-weights", ""), &c->err))
		goto out;
	if (rs.fo.keep_best.set) {
		rs.best = calloc((size_t)rs.g->nv, sizeof *rs.best);
		if (!rs.best) {
			dh_err_set(&c->err, DH_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (dh_ctx_has(c, "resume") && resume(&rs, dh_ctx_str(c, "resume", ""), &c->err))
		goto out;
	if (dh_ctx_has(c, "profile") && strcmp(dh_ctx_str(c, "profile", "-"), "-")) {
		if (dh_atomic_open(&rs.proff, dh_ctx_str(c, "profile", "-"), &c->err))
			goto out;
		rs.prof = rs.proff.f;
	}
	if (log) {
		if (dh_atomic_open(&rs.logf, log, &c->err))
			goto out;
		rs.log = rs.logf.f;
		for (int i = 0; i < rs.st.nhistory; i++)
			log_epoch(&rs, &rs.st.history[i]);
	}
	dh_log_info(&c->log, "training %s on %lld samples%s: %s, %s, batch %lld, "
			     "%d thread%s, seed %llu",
		    rs.model_path, (long long)rs.train.count(rs.train.ctx),
		    rs.has_val ? " (with validation)" : "", rs.optimizer, rs.loss,
		    (long long)rs.batch, c->threads, c->threads == 1 ? "" : "s",
		    (unsigned long long)rs.seed);
	rs.fo.epochs = rs.epochs;
	rs.fo.progress = c->log.level >= DH_LOG_INFO;
	rs.fo.log = &c->log;
	rs.fo.on_epoch = on_epoch;
	rs.fo.ctx = &rs;
	if (dh_fit(rs.t, &rs.train, rs.has_val ? &rs.val : NULL, &rs.fo, &rs.st, &c->err))
		goto out;
	if (rs.st.nhistory == 0) {
		dh_err_set(&c->err, DH_EINVAL, "no epoch was trained (--epochs %d)", rs.epochs);
		goto out;
	}
	/* the final model: the best epoch's weights, or the last's (written
	 * again so that a resumed run ends with the same file) */
	if (rs.fo.keep_best.set && rs.st.kb_best_epoch > 0) {
		const dh_epoch_stats *bs = &rs.st.history[rs.st.kb_best_epoch - 1];
		swap_best(&rs);
		dh_status s = write_model(&rs, bs, &c->err);
		swap_best(&rs);
		if (s)
			goto out;
		dh_log_info(&c->log, "%s: the weights of epoch %d (best %s %.6g)", rs.out,
			    bs->epoch, rs.fo.keep_best.name, rs.st.kb_best);
	} else if (write_model(&rs, &rs.st.history[rs.st.nhistory - 1], &c->err)) {
		goto out;
	}
	if (rs.plot && write_plot(&rs, &rs.st, &c->err))
		goto out;
	if (dh_ctx_has(c, "profile") &&
	    write_profile(&rs, dh_ctx_str(c, "profile", "-"), &c->err))
		goto out;
	for (loader_src *ls = &rs.tl; ls <= &rs.vl; ls++) {
		int64_t k = !ls->l ? 0 : ls->named ? ls->per_epoch : dh_loader_skipped(ls->l);
		if (k)
			dh_log_warn(&c->log, "%s: %lld undecodable sample%s skipped in the %s split",
				    rs.data, (long long)k, k == 1 ? "" : "s",
				    ls->split ? ls->split : "whole");
	}
	if (rs.log) {
		rs.log = NULL;
		if (dh_atomic_commit(&rs.logf, &c->err))
			goto out;
	}
	rc = DH_EXIT_OK;
out:
	if (rs.log)
		dh_atomic_abort(&rs.logf);
	if (rs.prof)
		dh_atomic_abort(&rs.proff);
	if (rc == DH_EXIT_FAIL)
		dh_ctx_fail(c);
	ls_release(&rs.tl);
	ls_release(&rs.vl);
	dh_tensor_source_release(&rs.ts);
	dh_tensor_source_release(&rs.vs);
	if (rs.best) {
		for (int i = 0; i < rs.g->nv; i++)
			dh_tensor_free(rs.best[i]);
		free(rs.best);
	}
	dh_fit_state_release(&rs.st);
	dh_meter_release(&rs.meter);
	dh_meter_release(&rs.val_meter);
	dh_trainer_free(rs.t);
	dh_tensor_free(rs.class_w);
	dh_tensor_free(rs.x);
	dh_tensor_free(rs.y);
	dh_tensor_free(rs.vx);
	dh_tensor_free(rs.vy);
	dh_aug_free(rs.aug);
	dh_ddf_free(rs.ddf);
	dh_graph_free(rs.g);
	dh_onnx_free(rs.m);
	return rc;
}

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT.onnx", "write the trained model here (after every epoch)", 0, 0, "onnx", 0},
	{"epochs", 'e', DH_ARG_INT, "N", "train up to epoch N (default 1)", 1, 1e9, NULL, 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch (default 64)", 1, 1 << 20, NULL, 0},
	{"optimizer", 0, DH_ARG_CHOICE, "NAME", "optimizer (default adam)", 0, 0, "sgd|adam|adamw|rmsprop|adagrad|adadelta", 0},
	{"lr", 0, DH_ARG_FLOAT, "RATE", "learning rate (default: the optimizer's, as PyTorch)", 1e-12, 1e6, NULL, 0},
	{"momentum", 0, DH_ARG_FLOAT, "M", "SGD momentum", 0, 1, NULL, 0},
	{"weight-decay", 0, DH_ARG_FLOAT, "W", "weight decay", 0, 1e6, NULL, 0},
	{"schedule", 0, DH_ARG_STRING, "SPEC", "learning-rate schedule per epoch: step:N[:G], multistep:E1,E2[:G], exponential:G, cosine[:MIN], plateau[:P[:F]]", 0, 0, NULL, 0},
	{"loss", 0, DH_ARG_CHOICE, "NAME", "loss function (default cross-entropy)", 0, 0, "cross-entropy|bce|mse|mae|huber|nll|dice", 0},
	{"class-weights", 0, DH_ARG_STRING, "LIST", "weigh the classes in the loss: w0,w1,... or balanced", 0, 0, NULL, 0},
	{"metrics", 0, DH_ARG_STRING, "LIST", "comma-separated metrics: accuracy, topK, precision, recall, f1, dice, iou, mse, mae, none", 0, 0, NULL, 0},
	{"validation", 0, DH_ARG_FILE, "VAL.npy", "evaluate on this tensor stream after each epoch", 0, 0, "npy", 0},
	{"split-train", 0, DH_ARG_STRING, "NAME", "the DDF split to train on (default training)", 0, 0, NULL, 0},
	{"split-validation", 0, DH_ARG_STRING, "NAME", "the DDF split to validate on (default validation, when present)", 0, 0, NULL, 0},
	{"size", 0, DH_ARG_STRING, "WxH", "resize DDF images to W x H", 0, 0, NULL, 0},
	{"channels", 0, DH_ARG_INT, "C", "convert DDF images to C channels (1 or 3)", 1, 3, NULL, 0},
	{"skip-bad", 0, DH_ARG_NONE, NULL, "skip undecodable DDF samples, naming each", 0, 0, NULL, 0},
	{"loader-threads", 0, DH_ARG_INT, "N", "decoder threads for a DDF (default: automatic)", 0, 1024, NULL, 0},
	{"early-stop", 0, DH_ARG_STRING, "METRIC:PATIENCE", "stop after PATIENCE epochs without improvement of METRIC (as val_loss:3)", 0, 0, NULL, 0},
	{"keep-best", 0, DH_ARG_STRING, "METRIC", "write the weights of the epoch best by METRIC (as val_accuracy)", 0, 0, NULL, 0},
	{"on-nan", 0, DH_ARG_CHOICE, "WHAT", "on NaN or Inf: stop (default) naming the node, or skip the batch", 0, 0, "stop|skip", 0},
	{"freeze", 0, DH_ARG_STRING, "LAYERS", "comma-separated layers (or parameters) not to train", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed (same seed and threads: same weights)", 0, 9.2e18, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"augment", 'a', DH_ARG_FILE, "AUG.txt", "augment the DDF's splits with this file", 0, 0, "txt|aug", 0},
	{"profile", 0, DH_ARG_FILE, "FILE", "time every node's forward and backward passes; write ms per step by op type and the slowest nodes to FILE (- for stdout; .jsonl: JSON lines)", 0, 0, "txt|jsonl", 0},
	{"log", 0, DH_ARG_FILE, "FILE.jsonl", "write one JSON object per epoch", 0, 0, "jsonl", 0},
	{"plot", 0, DH_ARG_FILE, "FILE.svg", "draw the training curves (SVG) after every epoch", 0, 0, "svg", 0},
	{"checkpoint", 0, DH_ARG_FILE, "FILE", "write the training state here (default OUT.onnx.ckpt)", 0, 0, "ckpt", 0},
	{"resume", 0, DH_ARG_FILE, "CKPT", "continue from a checkpoint (OUT.onnx.ckpt, or OUT.onnx beside it)", 0, 0, "ckpt|onnx", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [TRAIN.npy|DATASET.yml]", "Train MODEL on a tensor stream (a file, or stdin) or a DDF dataset, and write the trained model.",
	 opts, 1, 2, "onnx data", run, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-train", "train a neural network", cmds, 0,
	"dh-train lenet.onnx data.yml --epochs 5 --log log.jsonl --plot curves.svg -o trained.onnx",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
