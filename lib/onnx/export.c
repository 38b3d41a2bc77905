/* export.c - graph state back into an ONNX model (see export.h).
 *
 * The model's protobuf-c structures were allocated with malloc (by the
 * parser or by lib/onnx/build.c), so fields are replaced with free() and
 * malloc() and the whole stays freeable by dh_onnx_free. */
#include "onnx/export.h"

#include <stdlib.h>
#include <string.h>

static void clear_data(Onnx__TensorProto *tp)
{
	free(tp->float_data);
	free(tp->int32_data);
	free(tp->int64_data);
	free(tp->double_data);
	free(tp->uint64_data);
	tp->float_data = NULL;
	tp->int32_data = NULL;
	tp->int64_data = NULL;
	tp->double_data = NULL;
	tp->uint64_data = NULL;
	tp->n_float_data = tp->n_int32_data = tp->n_int64_data = 0;
	tp->n_double_data = tp->n_uint64_data = 0;
	for (size_t i = 0; i < tp->n_external_data; i++)
		onnx__string_string_entry_proto__free_unpacked(tp->external_data[i], NULL);
	free(tp->external_data);
	tp->external_data = NULL;
	tp->n_external_data = 0;
	tp->has_data_location = 0;
	tp->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT;
}

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
		const dh_tensor *t = g->v[x].t;
		dh_dtype dt;
		if (dh_onnx_to_dtype(tp->data_type, &dt))
			continue;
		if (dh_tensor_numel(t) != dh_onnx_tensor_numel(tp))
			return dh_err_set(e, DH_ESHAPE,
					  "initializer '%s' changed size", tp->name);
		dh_tensor *c = dh_tensor_new(dt, t->ndim, t->shape, e);
		if (!c || dh_tensor_convert(c, t, e)) {
			dh_tensor_free(c);
			return e ? e->status : DH_ENOMEM;
		}
		size_t n = dh_tensor_nbytes(c);
		uint8_t *raw = malloc(n ? n : 1);
		if (!raw) {
			dh_tensor_free(c);
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		}
		memcpy(raw, c->data, n);
		dh_tensor_free(c);
		clear_data(tp);
		free(tp->raw_data.data);
		tp->has_raw_data = 1;
		tp->raw_data.data = raw;
		tp->raw_data.len = n;
	}
	return DH_OK;
}

dh_status dh_onnx_set_meta(dh_onnx_model *m, const char *key,
			   const char *value, dh_err *e)
{
	Onnx__ModelProto *p = m->proto;
	char *v = strdup(value);
	if (!v)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_metadata_props; i++)
		if (p->metadata_props[i]->key && !strcmp(p->metadata_props[i]->key, key)) {
			free(p->metadata_props[i]->value);
			p->metadata_props[i]->value = v;
			return DH_OK;
		}
	Onnx__StringStringEntryProto *kv = malloc(sizeof *kv);
	char *k = strdup(key);
	Onnx__StringStringEntryProto **arr =
		realloc(p->metadata_props, (p->n_metadata_props + 1) * sizeof *arr);
	if (arr)
		p->metadata_props = arr;
	if (!kv || !k || !arr) {
		free(kv);
		free(k);
		free(v);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	onnx__string_string_entry_proto__init(kv);
	kv->key = k;
	kv->value = v;
	p->metadata_props[p->n_metadata_props++] = kv;
	return DH_OK;
}
