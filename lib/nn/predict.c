/* predict.c - a graph over a tensor stream (see predict.h). */
#include "nn/predict.h"

#include <string.h>

dh_status dh_predict_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			    int64_t batch, int64_t *samples, dh_err *e)
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
	int fid = r->grouped ? dh_stream_field(r, "id") : -1;
	int ftg = r->grouped ? dh_stream_field(r, "target") : -1;
	/* output field names: the graph outputs', then id and target */
	const char *names[DH_STREAM_MAX_FIELDS];
	char buf[DH_STREAM_MAX_FIELDS][DH_STREAM_NAME_MAX];
	int nf = 0;
	if (g->noutputs + (fid >= 0) + (ftg >= 0) > DH_STREAM_MAX_FIELDS)
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
	if (fid >= 0)
		names[nf++] = "id";
	if (ftg >= 0)
		names[nf++] = "target";
	dh_stream_writer w;
	dh_status s = dh_stream_writer_open(&w, out, r->grouped ? nf : 0, names, e);
	const dh_value *in = &g->v[g->inputs[0]];
	dh_tensor *conv = NULL;
	int64_t done = 0;
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
		/* the model's declared per-sample shape must match */
		if ((s = dh_graph_check_input(g, 0, x, r->name, e)))
			goto next;
		if (g->batch != n || g->training)
			s = dh_graph_plan(g, n, 0, e);
		if (!s && x->dtype != in->dtype) {
			if (!conv || dh_tensor_numel(conv) < dh_tensor_numel(x) ||
			    conv->dtype != in->dtype) {
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
		if (!s) {
			dh_tensor *o[DH_STREAM_MAX_FIELDS];
			int k = 0;
			for (int i = 0; i < g->noutputs; i++)
				o[k++] = dh_graph_output(g, i);
			if (fid >= 0)
				o[k++] = f[fid];
			if (ftg >= 0)
				o[k++] = f[ftg];
			if (r->grouped)
				s = dh_stream_write(&w, o, e);
			else
				for (int i = 0; !s && i < g->noutputs; i++)
					s = dh_npy_write(out, o[i], e);
		}
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
