/* info.c - ONNX model summary (see info.h). */
#include "onnx/info.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"
#include "onnx/flops.h"
#include "onnx/import.h"

char *dh_onnx_value_type(const Onnx__ValueInfoProto *vi, char *buf, size_t n)
{
	const Onnx__TypeProto *t = vi->type;
	if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
		snprintf(buf, n, "%s", t ? "non-tensor" : "?");
		return buf;
	}
	const Onnx__TypeProto__Tensor *tt = t->tensor_type;
	dh_dtype dt;
	const char *ty = dh_onnx_to_dtype(tt->elem_type, &dt) == 0
				 ? dh_dtype_name(dt)
				 : dh_onnx_type_name(tt->elem_type);
	size_t at = (size_t)snprintf(buf, n, "%s", ty);
	if (!tt->shape || at >= n)
		return buf;
	at += (size_t)snprintf(buf + at, n - at, " [");
	for (size_t d = 0; d < tt->shape->n_dim && at < n; d++) {
		const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
		const char *sep = d ? ", " : "";
		if (dim->value_case ==
		    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
			at += (size_t)snprintf(buf + at, n - at, "%s%lld", sep,
					       (long long)dim->dim_value);
		else if (dim->value_case ==
			 ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
			at += (size_t)snprintf(buf + at, n - at, "%s%s", sep,
					       dim->dim_param);
		else
			at += (size_t)snprintf(buf + at, n - at, "%s?", sep);
	}
	if (at < n)
		snprintf(buf + at, n - at, "]");
	return buf;
}

typedef struct op_count {
	const char *op;
	long count;
} op_count;

static int by_count(const void *a, const void *b)
{
	const op_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->op, y->op);
}

/* Parameters of each node: the elements of the initializers it is the
 * first to read (so that shared weights count once). */
static dh_status node_params(const dh_onnx_model *m, int64_t *per_node,
			     int64_t *total, dh_err *e)
{
	const Onnx__GraphProto *g = m->proto->graph;
	dh_strmap inits;
	dh_strmap_init(&inits);
	*total = 0;
	for (size_t i = 0; i < g->n_initializer; i++) {
		int64_t n = dh_onnx_tensor_numel(g->initializer[i]);
		if (n < 0)
			n = 0;
		*total += n;
		if (g->initializer[i]->name &&
		    dh_strmap_put(&inits, g->initializer[i]->name, n, e)) {
			dh_strmap_release(&inits);
			return DH_ENOMEM;
		}
	}
	for (size_t i = 0; i < g->n_node; i++) {
		per_node[i] = 0;
		for (size_t k = 0; k < g->node[i]->n_input; k++) {
			int64_t n;
			const char *in = g->node[i]->input[k];
			if (in && dh_strmap_get(&inits, in, &n) && n >= 0) {
				per_node[i] += n;
				/* counted: mark it so later readers add 0 */
				dh_strmap_put(&inits, in, -1, e);
			}
		}
	}
	dh_strmap_release(&inits);
	return DH_OK;
}

static int is_initializer(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
			return 1;
	return 0;
}

dh_status dh_onnx_info_print(const dh_onnx_model *m, FILE *out, int json,
			     dh_err *e)
{
	const Onnx__ModelProto *p = m->proto;
	const Onnx__GraphProto *g = p->graph;
	int64_t *per_node = calloc(g->n_node + 1, sizeof *per_node);
	op_count *ops = calloc(g->n_node + 1, sizeof *ops);
	double *flops = NULL; /* per model node; set once the counts exist */
	size_t nops = 0;
	int64_t total = 0;
	dh_status s = !per_node || !ops
			      ? dh_err_set(e, DH_ENOMEM, "out of memory")
			      : node_params(m, per_node, &total, e);
	if (s)
		goto out;
	for (size_t i = 0; i < g->n_node; i++) {
		const char *op = g->node[i]->op_type ? g->node[i]->op_type : "?";
		size_t k = 0;
		while (k < nops && strcmp(ops[k].op, op))
			k++;
		if (k == nops)
			ops[nops++].op = op;
		ops[k].count++;
	}
	qsort(ops, nops, sizeof *ops, by_count);
	/* FLOPs come from the shapes the graph infers; a model dh cannot
	 * import has none (the reason is printed instead) */
	double total_flops = -1;
	flops = calloc(g->n_node + 1, sizeof *flops);
	dh_err fe;
	dh_err_clear(&fe);
	dh_device dev;
	dh_device_cpu(&dev, 1);
	dh_graph *gr = flops ? dh_onnx_import(m, &dev, 0, &fe) : NULL;
	double *gf = gr ? calloc((size_t)gr->nn + 1, sizeof *gf) : NULL;
	if (gr && gf && dh_graph_flops(gr, gf, &total_flops, &fe) == DH_OK) {
		for (size_t i = 0; i < g->n_node; i++) {
			char nb[256];
			const char *nm = g->node[i]->name && *g->node[i]->name ? g->node[i]->name : NULL;
			if (!nm) {
				snprintf(nb, sizeof nb, "%s_%zu", g->node[i]->op_type, i);
				nm = nb;
			}
			for (int k = 0; k < gr->nn; k++)
				if (!strcmp(gr->n[k].name, nm) ||
				    (!strncmp(gr->n[k].name, nm, strlen(nm)) &&
				     gr->n[k].name[strlen(nm)] == '/'))
					flops[i] += gf[k];
		}
	} else {
		total_flops = -1;
	}
	free(gf);
	dh_graph_free(gr);
	char buf[512];
	if (!json) {
		fprintf(out, "%s: ONNX IR %lld, produced by %s %s\n", m->path,
			(long long)p->ir_version,
			p->producer_name && *p->producer_name ? p->producer_name
							      : "(unknown)",
			p->producer_version ? p->producer_version : "");
		fprintf(out, "opsets:");
		for (size_t i = 0; i < p->n_opset_import; i++)
			fprintf(out, " %s %lld",
				p->opset_import[i]->domain && *p->opset_import[i]->domain
					? p->opset_import[i]->domain
					: "ai.onnx",
				(long long)p->opset_import[i]->version);
		fprintf(out, "\ninputs:\n");
		for (size_t i = 0; i < g->n_input; i++)
			if (!is_initializer(g, g->input[i]->name ? g->input[i]->name : ""))
				fprintf(out, "  %s: %s\n", g->input[i]->name,
					dh_onnx_value_type(g->input[i], buf, sizeof buf));
		fprintf(out, "outputs:\n");
		for (size_t i = 0; i < g->n_output; i++)
			fprintf(out, "  %s: %s\n", g->output[i]->name,
				dh_onnx_value_type(g->output[i], buf, sizeof buf));
		fprintf(out, "nodes: %zu\n", g->n_node);
		for (size_t k = 0; k < nops; k++)
			fprintf(out, "  %-24s %ld\n", ops[k].op, ops[k].count);
		fprintf(out, "parameters: %lld in %zu initializers\n",
			(long long)total, g->n_initializer);
		if (total_flops >= 0)
			fprintf(out, "FLOPs per sample (forward): %.6g\n", total_flops);
		else
			fprintf(out, "FLOPs: unknown (%s)\n", fe.msg);
		fprintf(out, "layers with parameters or FLOPs:\n  %-24s %-16s %12s %14s\n",
			"name", "op", "parameters", "FLOPs");
		for (size_t i = 0; i < g->n_node; i++)
			if (per_node[i] || (flops && flops[i] > 0))
				fprintf(out, "  %-24s %-16s %12lld %14.6g\n",
					g->node[i]->name && *g->node[i]->name
						? g->node[i]->name
						: "(unnamed)",
					g->node[i]->op_type, (long long)per_node[i],
					flops ? flops[i] : 0);
		if (p->n_metadata_props) {
			fprintf(out, "metadata:\n");
			for (size_t i = 0; i < p->n_metadata_props; i++)
				fprintf(out, "  %s: %s\n", p->metadata_props[i]->key,
					p->metadata_props[i]->value);
		}
		goto out;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "file", m->path);
	cJSON_AddNumberToObject(j, "ir_version", (double)p->ir_version);
	cJSON_AddStringToObject(j, "producer_name", p->producer_name ? p->producer_name : "");
	cJSON_AddStringToObject(j, "producer_version", p->producer_version ? p->producer_version : "");
	cJSON *opsets = cJSON_AddObjectToObject(j, "opsets");
	for (size_t i = 0; i < p->n_opset_import; i++)
		cJSON_AddNumberToObject(opsets,
					p->opset_import[i]->domain && *p->opset_import[i]->domain
						? p->opset_import[i]->domain
						: "ai.onnx",
					(double)p->opset_import[i]->version);
	const Onnx__ValueInfoProto *const *lists[2] = {
		(const Onnx__ValueInfoProto *const *)g->input,
		(const Onnx__ValueInfoProto *const *)g->output};
	size_t counts[2] = {g->n_input, g->n_output};
	const char *names[2] = {"inputs", "outputs"};
	for (int l = 0; l < 2; l++) {
		cJSON *arr = cJSON_AddArrayToObject(j, names[l]);
		for (size_t i = 0; i < counts[l]; i++) {
			const Onnx__ValueInfoProto *vi = lists[l][i];
			if (l == 0 && is_initializer(g, vi->name ? vi->name : ""))
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", vi->name ? vi->name : "");
			cJSON_AddStringToObject(o, "type", dh_onnx_value_type(vi, buf, sizeof buf));
			cJSON_AddItemToArray(arr, o);
		}
	}
	cJSON_AddNumberToObject(j, "nodes", (double)g->n_node);
	cJSON *hist = cJSON_AddObjectToObject(j, "ops");
	for (size_t k = 0; k < nops; k++)
		cJSON_AddNumberToObject(hist, ops[k].op, (double)ops[k].count);
	cJSON_AddNumberToObject(j, "parameters", (double)total);
	if (total_flops >= 0)
		cJSON_AddNumberToObject(j, "flops", total_flops);
	else
		cJSON_AddStringToObject(j, "flops_unknown", fe.msg);
	cJSON *layers = cJSON_AddArrayToObject(j, "layers");
	for (size_t i = 0; i < g->n_node; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", g->node[i]->name ? g->node[i]->name : "");
		cJSON_AddStringToObject(o, "op", g->node[i]->op_type ? g->node[i]->op_type : "");
		cJSON_AddNumberToObject(o, "parameters", (double)per_node[i]);
		if (total_flops >= 0)
			cJSON_AddNumberToObject(o, "flops", flops[i]);
		cJSON_AddItemToArray(layers, o);
	}
	cJSON *meta = cJSON_AddObjectToObject(j, "metadata");
	for (size_t i = 0; i < p->n_metadata_props; i++)
		if (p->metadata_props[i]->key)
			cJSON_AddStringToObject(meta, p->metadata_props[i]->key,
						p->metadata_props[i]->value ? p->metadata_props[i]->value : "");
	char *text = cJSON_PrintUnformatted(j);
	if (text)
		fprintf(out, "%s\n", text);
	else
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
	free(text);
	cJSON_Delete(j);
out:
	free(flops);
	free(per_node);
	free(ops);
	return s;
}
