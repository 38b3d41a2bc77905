/* build.c - ONNX models built in memory (see build.h). */
#include "config.h"

#include "onnx/build.h"

#include <stdlib.h>
#include <string.h>

/* Allocation that turns failure into the builder's sticky error. */
static void *zalloc(dh_onnx_builder *b, size_t n)
{
	if (b->failed)
		return NULL;
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		b->failed = 1;
		dh_err_set(b->e, DH_ENOMEM, "out of memory building a model");
	}
	return p;
}

static char *sdup(dh_onnx_builder *b, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = zalloc(b, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Append p to a protobuf-c repeated field (array + count). */
static int push(dh_onnx_builder *b, void ***arr, size_t *n, void *p)
{
	if (b->failed || !p)
		return -1;
	void **a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a) {
		b->failed = 1;
		dh_err_set(b->e, DH_ENOMEM, "out of memory building a model");
		return -1;
	}
	a[(*n)++] = p;
	*arr = a;
	return 0;
}
#define PUSH(b, field, count, p) push((b), (void ***)&(field), &(count), (p))

dh_status dh_onnx_builder_init(dh_onnx_builder *b, const char *graph_name,
			       dh_err *e)
{
	memset(b, 0, sizeof *b);
	b->e = e;
	b->model = zalloc(b, sizeof *b->model);
	b->graph = zalloc(b, sizeof *b->graph);
	Onnx__OperatorSetIdProto *op = zalloc(b, sizeof *op);
	if (b->failed) {
		free(b->model);
		free(b->graph);
		free(op);
		return DH_ENOMEM;
	}
	onnx__model_proto__init(b->model);
	onnx__graph_proto__init(b->graph);
	onnx__operator_set_id_proto__init(op);
	b->model->has_ir_version = 1;
	b->model->ir_version = DH_ONNX_IR_VERSION;
	b->model->producer_name = sdup(b, "dh");
	b->model->producer_version = sdup(b, PACKAGE_VERSION);
	b->model->graph = b->graph;
	b->graph->name = sdup(b, graph_name);
	op->domain = sdup(b, "");
	op->has_version = 1;
	op->version = DH_ONNX_OPSET;
	PUSH(b, b->model->opset_import, b->model->n_opset_import, op);
	return b->failed ? DH_ENOMEM : DH_OK;
}

static Onnx__ValueInfoProto *value_info(dh_onnx_builder *b, const char *name,
					int elem_type, int ndim,
					const int64_t *dims, const char *sym)
{
	Onnx__ValueInfoProto *vi = zalloc(b, sizeof *vi);
	Onnx__TypeProto *ty = zalloc(b, sizeof *ty);
	Onnx__TypeProto__Tensor *tt = zalloc(b, sizeof *tt);
	Onnx__TensorShapeProto *sh = zalloc(b, sizeof *sh);
	if (b->failed) {
		free(vi);
		free(ty);
		free(tt);
		free(sh);
		return NULL;
	}
	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(ty);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	vi->name = sdup(b, name);
	vi->type = ty;
	ty->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	ty->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = elem_type;
	tt->shape = sh;
	for (int i = 0; i < ndim; i++) {
		Onnx__TensorShapeProto__Dimension *d = zalloc(b, sizeof *d);
		if (!d)
			break;
		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] >= 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = sdup(b, sym ? sym : "N");
		}
		PUSH(b, sh->dim, sh->n_dim, d);
	}
	return vi;
}

void dh_ob_input(dh_onnx_builder *b, const char *name, int elem_type, int ndim,
		 const int64_t *dims, const char *sym)
{
	Onnx__ValueInfoProto *vi = value_info(b, name, elem_type, ndim, dims, sym);
	PUSH(b, b->graph->input, b->graph->n_input, vi);
}

void dh_ob_output(dh_onnx_builder *b, const char *name, int elem_type,
		  int ndim, const int64_t *dims, const char *sym)
{
	Onnx__ValueInfoProto *vi = value_info(b, name, elem_type, ndim, dims, sym);
	PUSH(b, b->graph->output, b->graph->n_output, vi);
}

void dh_ob_initializer(dh_onnx_builder *b, const char *name, const dh_tensor *t)
{
	Onnx__TensorProto *tp = zalloc(b, sizeof *tp);
	int64_t *dims = zalloc(b, (size_t)(t->ndim ? t->ndim : 1) * sizeof *dims);
	size_t bytes = dh_tensor_nbytes(t);
	uint8_t *data = zalloc(b, bytes);
	if (b->failed) {
		free(tp);
		free(dims);
		free(data);
		return;
	}
	onnx__tensor_proto__init(tp);
	tp->name = sdup(b, name);
	tp->has_data_type = 1;
	tp->data_type = dh_onnx_from_dtype(t->dtype);
	memcpy(dims, t->shape, (size_t)t->ndim * sizeof *dims);
	tp->dims = dims;
	tp->n_dims = (size_t)t->ndim;
	if (bytes)
		memcpy(data, t->data, bytes);
	tp->has_raw_data = 1;
	tp->raw_data.data = data;
	tp->raw_data.len = bytes;
	PUSH(b, b->graph->initializer, b->graph->n_initializer, tp);
}

Onnx__NodeProto *dh_ob_node(dh_onnx_builder *b, const char *op,
			    const char *name, int nin, const char *const *in,
			    int nout, const char *const *out)
{
	Onnx__NodeProto *n = zalloc(b, sizeof *n);
	if (!n)
		return NULL;
	onnx__node_proto__init(n);
	n->op_type = sdup(b, op);
	n->name = sdup(b, name);
	for (int i = 0; i < nin; i++)
		PUSH(b, n->input, n->n_input, sdup(b, in[i]));
	for (int i = 0; i < nout; i++)
		PUSH(b, n->output, n->n_output, sdup(b, out[i]));
	if (PUSH(b, b->graph->node, b->graph->n_node, n)) {
		onnx__node_proto__free_unpacked(n, NULL);
		return NULL;
	}
	return n;
}

static Onnx__AttributeProto *attr(dh_onnx_builder *b, Onnx__NodeProto *n,
				  const char *name, int type)
{
	if (!n)
		return NULL;
	Onnx__AttributeProto *a = zalloc(b, sizeof *a);
	if (!a)
		return NULL;
	onnx__attribute_proto__init(a);
	a->name = sdup(b, name);
	a->has_type = 1;
	a->type = type;
	if (PUSH(b, n->attribute, n->n_attribute, a)) {
		free(a->name);
		free(a);
		return NULL;
	}
	return a;
}

void dh_ob_attr_int(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		    int64_t v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	if (a) {
		a->has_i = 1;
		a->i = v;
	}
}

void dh_ob_attr_ints(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		     int count, const int64_t *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	int64_t *copy = a ? zalloc(b, (size_t)count * sizeof *copy) : NULL;
	if (copy) {
		memcpy(copy, v, (size_t)count * sizeof *copy);
		a->ints = copy;
		a->n_ints = (size_t)count;
	}
}

void dh_ob_attr_floats(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		       int count, const float *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
	float *copy = a ? zalloc(b, (size_t)count * sizeof *copy) : NULL;
	if (copy) {
		memcpy(copy, v, (size_t)count * sizeof *copy);
		a->floats = copy;
		a->n_floats = (size_t)count;
	}
}

void dh_ob_attr_float(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		      float v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	if (a) {
		a->has_f = 1;
		a->f = v;
	}
}

void dh_ob_attr_string(dh_onnx_builder *b, Onnx__NodeProto *n,
		       const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	char *copy = a ? sdup(b, v) : NULL;
	if (copy) {
		a->has_s = 1;
		a->s.data = (uint8_t *)copy;
		a->s.len = strlen(copy);
	}
}

void dh_ob_meta(dh_onnx_builder *b, const char *key, const char *value)
{
	Onnx__StringStringEntryProto *kv = zalloc(b, sizeof *kv);
	if (!kv)
		return;
	onnx__string_string_entry_proto__init(kv);
	kv->key = sdup(b, key);
	kv->value = sdup(b, value);
	if (PUSH(b, b->model->metadata_props, b->model->n_metadata_props, kv))
		onnx__string_string_entry_proto__free_unpacked(kv, NULL);
}

void dh_onnx_builder_abort(dh_onnx_builder *b)
{
	if (b->model)
		onnx__model_proto__free_unpacked(b->model, NULL);
	b->model = NULL;
	b->graph = NULL;
}

dh_onnx_model *dh_onnx_builder_finish(dh_onnx_builder *b, const char *path)
{
	if (b->failed) {
		dh_onnx_builder_abort(b);
		return NULL;
	}
	dh_onnx_model *m = calloc(1, sizeof *m);
	char *p = m ? strdup(path) : NULL;
	const char *slash = p ? strrchr(p, '/') : NULL;
	char *dir = p ? (slash ? strndup(p, (size_t)(slash - p)) : strdup(".")) : NULL;
	if (!m || !p || !dir) {
		free(m);
		free(p);
		free(dir);
		dh_err_set(b->e, DH_ENOMEM, "out of memory");
		dh_onnx_builder_abort(b);
		return NULL;
	}
	m->proto = b->model;
	m->from_protobuf_c = 1;
	m->path = p;
	m->dir = dir;
	b->model = NULL;
	b->graph = NULL;
	return m;
}
