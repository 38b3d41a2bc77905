/* optimize.c - inference rewrites of an ONNX model (see optimize.h). */
#include "onnx/optimize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/fold.h"
#include "onnx/export.h"

static Onnx__TensorProto *find_init(Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; name && *name && i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
			return g->initializer[i];
	return NULL;
}

/* Readers of value `name` among the nodes, and whether it is a graph output. */
static int readers(const Onnx__GraphProto *g, const char *name)
{
	int n = 0;
	for (size_t k = 0; k < g->n_node; k++)
		for (size_t i = 0; i < g->node[k]->n_input; i++)
			n += g->node[k]->input[i] && !strcmp(g->node[k]->input[i], name);
	for (size_t i = 0; i < g->n_output; i++)
		n += g->output[i]->name && !strcmp(g->output[i]->name, name);
	return n;
}

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

static int64_t attr_i(const Onnx__NodeProto *n, const char *name, int64_t d)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a ? a->i : d;
}

static Onnx__NodeProto *producer(Onnx__GraphProto *g, const char *value)
{
	for (size_t k = 0; k < g->n_node; k++)
		for (size_t j = 0; j < g->node[k]->n_output; j++)
			if (g->node[k]->output[j] && !strcmp(g->node[k]->output[j], value))
				return g->node[k];
	return NULL;
}

/* Remove initializer `name` when nothing reads it any more (and it is not
 * a graph input, as models before IR 4 list them). */
static void drop_unused(Onnx__GraphProto *g, const char *name)
{
	if (readers(g, name))
		return;
	for (size_t i = 0; i < g->n_input; i++)
		if (g->input[i]->name && !strcmp(g->input[i]->name, name))
			return;
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name)) {
			onnx__tensor_proto__free_unpacked(g->initializer[i], NULL);
			memmove(&g->initializer[i], &g->initializer[i + 1],
				(g->n_initializer - i - 1) * sizeof *g->initializer);
			g->n_initializer--;
			return;
		}
}

/* Fold bn into p; 1 when folded, 0 when it does not apply, -1 on error. */
static int fold_one(dh_onnx_model *m, Onnx__NodeProto *p, Onnx__NodeProto *bn,
		    dh_err *e)
{
	Onnx__GraphProto *g = m->proto->graph;
	int gemm = !strcmp(p->op_type, "Gemm");
	if (gemm && (attr_i(p, "transA", 0) || attr(p, "alpha") || attr(p, "beta")))
		return 0;
	if (bn->n_input != 5 || bn->n_output < 1 || attr_i(bn, "training_mode", 0) ||
	    p->n_output != 1 || readers(g, p->output[0]) != 1 || p->n_input < 2)
		return 0;
	Onnx__TensorProto *wp = find_init(g, p->input[1]);
	Onnx__TensorProto *bp = p->n_input > 2 ? find_init(g, p->input[2]) : NULL;
	if (!wp || readers(g, p->input[1]) != 1 ||
	    (p->n_input > 2 && *p->input[2] && (!bp || readers(g, p->input[2]) != 1)))
		return 0;
	Onnx__TensorProto *sp[4];
	for (int i = 0; i < 4; i++)
		if (!(sp[i] = find_init(g, bn->input[i + 1])))
			return 0;
	const Onnx__AttributeProto *ea = attr(bn, "epsilon");
	float eps = ea ? ea->f : 1e-5f;
	dh_tensor *w = NULL, *b = NULL, *s[4] = {NULL, NULL, NULL, NULL}, *ob = NULL;
	int rc = -1;
	if (dh_onnx_tensor_load(m, wp, &w, e) || (bp && dh_onnx_tensor_load(m, bp, &b, e)))
		goto out;
	for (int i = 0; i < 4; i++)
		if (dh_onnx_tensor_load(m, sp[i], &s[i], e))
			goto out;
	int last = gemm && !attr_i(p, "transB", 0);
	if (w->dtype != DH_F32 || (gemm && w->ndim != 2) || (!gemm && w->ndim < 3)) {
		rc = 0;
		goto out;
	}
	int64_t ch = last ? w->shape[w->ndim - 1] : w->shape[0];
	ob = dh_tensor_new(DH_F32, 1, &ch, e);
	if (!ob)
		goto out;
	if (s[0]->dtype != DH_F32 || s[0]->ndim != 1 || s[0]->shape[0] != ch) {
		rc = 0; /* e.g. a Gemm whose channels are not BN's */
		goto out;
	}
	if (dh_fold_batchnorm(w, b, last, s[0], s[1], s[2], s[3], eps, w, ob, e) ||
	    dh_onnx_set_initializer(wp, w, e))
		goto out;
	if (bp) {
		if (dh_onnx_set_initializer(bp, ob, e))
			goto out;
	} else {
		/* a new bias, named after the BatchNormalization's shift */
		char name[512];
		snprintf(name, sizeof name, "%s.folded", bn->input[2]);
		Onnx__TensorProto *tp = malloc(sizeof *tp);
		int64_t *dims = malloc(sizeof *dims);
		char *nm = strdup(name), *in = strdup(name);
		Onnx__TensorProto **ia = realloc(g->initializer, (g->n_initializer + 1) * sizeof *ia);
		if (ia)
			g->initializer = ia;
		char **pa = realloc(p->input, 3 * sizeof *pa);
		if (pa)
			p->input = pa;
		if (!tp || !dims || !nm || !in || !ia || !pa) {
			free(tp);
			free(dims);
			free(nm);
			free(in);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			goto out;
		}
		onnx__tensor_proto__init(tp);
		tp->name = nm;
		tp->has_data_type = 1;
		tp->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
		dims[0] = ch;
		tp->dims = dims;
		tp->n_dims = 1;
		g->initializer[g->n_initializer++] = tp;
		if (dh_onnx_set_initializer(tp, ob, e))
			goto out;
		if (p->n_input == 3)
			free(p->input[2]);
		p->input[2] = in;
		p->n_input = 3;
	}
	/* p now writes what bn wrote */
	char *out_name = strdup(bn->output[0]);
	if (!out_name) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	free(p->output[0]);
	p->output[0] = out_name;
	rc = 1;
out:
	dh_tensor_free(w);
	dh_tensor_free(b);
	dh_tensor_free(ob);
	for (int i = 0; i < 4; i++)
		dh_tensor_free(s[i]);
	return rc;
}

dh_status dh_onnx_fold_batchnorm(dh_onnx_model *m, int *folded, dh_err *e)
{
	Onnx__GraphProto *g = m->proto->graph;
	int count = 0;
	for (size_t k = 0; k < g->n_node;) {
		Onnx__NodeProto *bn = g->node[k];
		Onnx__NodeProto *p = NULL;
		if (bn->op_type && !strcmp(bn->op_type, "BatchNormalization") &&
		    bn->n_input == 5 && bn->n_output == 1)
			p = producer(g, bn->input[0]);
		int r = 0;
		if (p && p->op_type && (!strcmp(p->op_type, "Conv") || !strcmp(p->op_type, "Gemm")))
			r = fold_one(m, p, bn, e);
		if (r < 0)
			return e ? e->status : DH_ENOMEM;
		if (r == 0) {
			k++;
			continue;
		}
		char *stats[4] = {NULL, NULL, NULL, NULL};
		for (int i = 0; i < 4; i++)
			stats[i] = strdup(bn->input[i + 1]);
		onnx__node_proto__free_unpacked(bn, NULL);
		memmove(&g->node[k], &g->node[k + 1], (g->n_node - k - 1) * sizeof *g->node);
		g->n_node--;
		count++;
		for (int i = 0; i < 4; i++) {
			if (stats[i])
				drop_unused(g, stats[i]);
			free(stats[i]);
		}
	}
	if (folded)
		*folded = count;
	return DH_OK;
}
