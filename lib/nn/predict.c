/* predict.c - a graph over a tensor stream (see predict.h). */
#include "nn/predict.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "nn/metrics.h"

dh_status dh_run_stream(dh_graph *g, dh_stream_reader *r, int64_t batch,
			dh_batch_fn fn, void *ctx, int64_t *samples, dh_err *e)
{
	if (g->ninputs != 1)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "the model has %d inputs; a tensor stream "
				  "feeds models with one",
				  g->ninputs);
	int fin = r->grouped ? dh_stream_field(r, "input") : 0;
	if (fin < 0)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: the stream has no 'input' field", r->name);
	const dh_value *in = &g->v[g->inputs[0]];
	dh_tensor *conv = NULL;
	int64_t done = 0;
	dh_status s = DH_OK;
	while (!s) {
		dh_tensor *f[DH_STREAM_MAX_FIELDS];
		s = dh_stream_next(r, batch, f, e);
		if (s == DH_EEOF) {
			s = DH_OK;
			break;
		}
		if (s)
			break;
		dh_tensor *x = f[fin];
		int64_t n = x->ndim ? x->shape[0] : 1;
		if (n == 0)
			goto next;
		if ((s = dh_graph_check_input(g, 0, x, r->name, e)))
			goto next;
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
			s = fn(ctx, g, f, e);
		done += n;
	next:
		for (int i = 0; i < r->nfields; i++)
			dh_tensor_free(f[i]);
	}
	dh_tensor_free(conv);
	if (samples)
		*samples = done;
	return s;
}

typedef struct writer {
	FILE *out;
	dh_stream_writer w;
	int grouped, fid, ftg;
} writer;

static dh_status write_batch(void *ctx, const dh_graph *g, dh_tensor *const *f,
			     dh_err *e)
{
	writer *wr = ctx;
	dh_tensor *o[DH_STREAM_MAX_FIELDS];
	int k = 0;
	for (int i = 0; i < g->noutputs; i++)
		o[k++] = dh_graph_output(g, i);
	if (!wr->grouped) {
		dh_status s = DH_OK;
		for (int i = 0; !s && i < k; i++)
			s = dh_npy_write(wr->out, o[i], e);
		return s;
	}
	if (wr->fid >= 0)
		o[k++] = f[wr->fid];
	if (wr->ftg >= 0)
		o[k++] = f[wr->ftg];
	return dh_stream_write(&wr->w, o, e);
}

dh_status dh_predict_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			    int64_t batch, int64_t *samples, dh_err *e)
{
	writer wr = {out, {0}, r->grouped, -1, -1};
	wr.fid = r->grouped ? dh_stream_field(r, "id") : -1;
	wr.ftg = r->grouped ? dh_stream_field(r, "target") : -1;
	const char *names[DH_STREAM_MAX_FIELDS];
	char buf[DH_STREAM_MAX_FIELDS][DH_STREAM_NAME_MAX];
	int nf = 0;
	if (g->noutputs + (wr.fid >= 0) + (wr.ftg >= 0) > DH_STREAM_MAX_FIELDS)
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
	if (wr.fid >= 0)
		names[nf++] = "id";
	if (wr.ftg >= 0)
		names[nf++] = "target";
	dh_status s = dh_stream_writer_open(&wr.w, out, r->grouped ? nf : 0, names, e);
	if (!s)
		s = dh_run_stream(g, r, batch, write_batch, &wr, samples, e);
	return s;
}

typedef struct evaluator {
	int ftg;
	int64_t classes;
	int64_t *cm;
} evaluator;

static dh_status eval_batch(void *ctx, const dh_graph *g, dh_tensor *const *f,
			    dh_err *e)
{
	evaluator *ev = ctx;
	const dh_tensor *out = dh_graph_output(g, 0);
	if (out->ndim < 2)
		return dh_err_set(e, DH_ESHAPE,
				  "--evaluate wants class scores [N, C, ...] from "
				  "the model's first output");
	if (!ev->cm) {
		ev->classes = out->shape[1];
		ev->cm = calloc((size_t)(ev->classes * ev->classes), sizeof *ev->cm);
		if (!ev->cm)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	return dh_confusion_update(ev->cm, ev->classes, out, f[ev->ftg], e);
}

static void print_text(FILE *out, const int64_t *cm, int64_t c, int64_t n)
{
	dh_class_metrics *pc = calloc((size_t)c, sizeof *pc), macro;
	double acc = dh_confusion_summary(cm, c, pc, &macro);
	fprintf(out, "samples %lld\naccuracy %.4f\nmacro precision %.4f recall %.4f f1 %.4f\n",
		(long long)n, acc, macro.precision, macro.recall, macro.f1);
	fprintf(out, "\nclass  precision  recall     f1  support\n");
	for (int64_t k = 0; pc && k < c; k++)
		fprintf(out, "%5lld  %9.4f  %6.4f  %5.4f  %7lld\n", (long long)k,
			pc[k].precision, pc[k].recall, pc[k].f1,
			(long long)pc[k].support);
	fprintf(out, "\nconfusion matrix (rows: true class, columns: predicted)\n");
	for (int64_t i = 0; i < c; i++) {
		for (int64_t j = 0; j < c; j++)
			fprintf(out, "%s%6lld", j ? " " : "", (long long)cm[i * c + j]);
		fputc('\n', out);
	}
	free(pc);
}

static void print_json(FILE *out, const int64_t *cm, int64_t c, int64_t n)
{
	dh_class_metrics *pc = calloc((size_t)c, sizeof *pc), macro;
	double acc = dh_confusion_summary(cm, c, pc, &macro);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "samples", (double)n);
	cJSON_AddNumberToObject(j, "accuracy", acc);
	cJSON *m = cJSON_AddObjectToObject(j, "macro");
	cJSON_AddNumberToObject(m, "precision", macro.precision);
	cJSON_AddNumberToObject(m, "recall", macro.recall);
	cJSON_AddNumberToObject(m, "f1", macro.f1);
	cJSON *per = cJSON_AddArrayToObject(j, "classes");
	for (int64_t k = 0; pc && k < c; k++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "precision", pc[k].precision);
		cJSON_AddNumberToObject(o, "recall", pc[k].recall);
		cJSON_AddNumberToObject(o, "f1", pc[k].f1);
		cJSON_AddNumberToObject(o, "support", (double)pc[k].support);
		cJSON_AddItemToArray(per, o);
	}
	cJSON *rows = cJSON_AddArrayToObject(j, "confusion");
	for (int64_t i = 0; i < c; i++) {
		cJSON *row = cJSON_CreateArray();
		for (int64_t k = 0; k < c; k++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)cm[i * c + k]));
		cJSON_AddItemToArray(rows, row);
	}
	char *text = cJSON_PrintUnformatted(j);
	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(j);
	free(pc);
}

dh_status dh_evaluate_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			     int64_t batch, int json, int64_t *samples,
			     dh_err *e)
{
	evaluator ev = {r->grouped ? dh_stream_field(r, "target") : -1, 0, NULL};
	if (ev.ftg < 0)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: --evaluate needs a grouped stream with a "
				  "'target' field",
				  r->name);
	int64_t n = 0;
	dh_status s = dh_run_stream(g, r, batch, eval_batch, &ev, &n, e);
	if (!s && ev.cm) {
		if (json)
			print_json(out, ev.cm, ev.classes, n);
		else
			print_text(out, ev.cm, ev.classes, n);
	}
	free(ev.cm);
	if (samples)
		*samples = n;
	return s;
}
