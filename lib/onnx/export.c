/* export.c - graph state back into an ONNX model (see export.h); the
 * model-only writing is in write.c. */
#include "onnx/export.h"

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

