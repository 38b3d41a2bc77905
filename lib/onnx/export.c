/* export.c - graph state back into an ONNX model (see export.h); the
 * model-only writing is in write.c. */
#include "onnx/export.h"

#include <stdlib.h>
#include <string.h>

#include "onnx/weights.h"

dh_status dh_onnx_update_weights(dh_onnx_model *m, const dh_graph *g,
				 dh_err *e)
{
	Onnx__GraphProto *gp = m->proto->graph;
	for (size_t i = 0; i < gp->n_initializer; i++) {
		Onnx__TensorProto *tp = gp->initializer[i];
		int x = tp->name ? dh_graph_find(g, tp->name) : -1;
		if (x < 0 || !g->v[x].t || g->v[x].kind == DH_VAL_ACT ||
		    g->v[x].kind == DH_VAL_INPUT)
			continue; /* folded into attributes: unchanged */
		dh_dtype dt;
		if (dh_onnx_to_dtype(tp->data_type, &dt))
			continue;
		dh_status s = dh_onnx_set_initializer(tp, g->v[x].t, e);
		if (s)
			return s;
	}
	return DH_OK;
}


/* The values that dh_weights_from_graph takes. */
static int state_value(const dh_value *v)
{
	return (v->kind == DH_VAL_PARAM || v->kind == DH_VAL_CONST) && v->t &&
	       dh_dtype_is_float(v->dtype);
}

dh_weights *dh_weights_from_graph(const dh_graph *g, dh_err *e)
{
	int n = 0;
	for (int i = 0; i < g->nv; i++)
		n += state_value(&g->v[i]);
	dh_weights *w = dh_weights_new(DH_WEIGHTS_PARAMS, n, e);
	if (!w)
		return NULL;
	for (int i = 0; i < g->nv; i++) {
		const dh_value *v = &g->v[i];
		if (!state_value(v))
			continue;
		int k = w->n++;
		w->names[k] = strdup(v->name);
		w->t[k] = dh_tensor_clone(v->t, e);
		if (!w->names[k] || !w->t[k]) {
			if (!w->names[k])
				dh_err_set(e, DH_ENOMEM, "out of memory");
			dh_weights_free(w);
			return NULL;
		}
	}
	return w;
}

dh_status dh_weights_apply_graph(dh_graph *g, const dh_weights *w,
				 const char *src, dh_err *e)
{
	int n = 0;
	for (int i = 0; i < g->nv; i++)
		n += state_value(&g->v[i]);
	char **names = calloc((size_t)(n ? n : 1), sizeof *names);
	dh_tensor **t = calloc((size_t)(n ? n : 1), sizeof *t);
	dh_status s;
	if (!names || !t) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
	} else {
		int k = 0;
		for (int i = 0; i < g->nv; i++)
			if (state_value(&g->v[i])) {
				names[k] = g->v[i].name;
				t[k++] = g->v[i].t;
			}
		s = dh_weights_copy_to(w, src, n, names, t, e);
	}
	free(names);
	free(t);
	return s;
}
