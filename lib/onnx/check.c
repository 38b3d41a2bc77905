/* check.c - ONNX structural validation (see check.h). */
#include "onnx/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

typedef struct checker {
	const dh_onnx_model *m;
	dh_onnx_problem_fn fn;
	void *ctx;
	int problems;
	dh_err *e;
	int failed;
} checker;

static void problem(checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(checker *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->problems++;
	c->fn(c->ctx, msg);
}

/* How a node is named in messages: its name, or its index. */
static void node_label(const Onnx__NodeProto *n, size_t i, char *buf, size_t len)
{
	if (n->name && *n->name)
		snprintf(buf, len, "node '%s' (%s)", n->name,
			 n->op_type ? n->op_type : "?");
	else
		snprintf(buf, len, "node #%zu (%s)", i,
			 n->op_type ? n->op_type : "?");
}

/* Where a value comes from, in the producer map:
 *   -1 graph input, -2 initializer, -3 outer scope, >= 0 node index */
enum { FROM_INPUT = -1, FROM_INIT = -2, FROM_OUTER = -3 };

static const Onnx__ValueInfoProto *find_input(const Onnx__GraphProto *g,
					      const char *name)
{
	for (size_t i = 0; i < g->n_input; i++)
		if (g->input[i]->name && !strcmp(g->input[i]->name, name))
			return g->input[i];
	return NULL;
}

static void check_init_vs_input(checker *c, const Onnx__TensorProto *tp,
				const Onnx__ValueInfoProto *vi)
{
	const Onnx__TypeProto *ty = vi->type;
	if (!ty || ty->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return;
	const Onnx__TypeProto__Tensor *tt = ty->tensor_type;
	if (tt->has_elem_type && tt->elem_type != tp->data_type)
		problem(c, "initializer '%s' is %s but the graph input of that "
			   "name is declared %s",
			tp->name, dh_onnx_type_name(tp->data_type),
			dh_onnx_type_name(tt->elem_type));
	if (!tt->shape)
		return;
	if (tt->shape->n_dim != tp->n_dims) {
		problem(c, "initializer '%s' has %zu dimensions but the graph "
			   "input of that name declares %zu",
			tp->name, tp->n_dims, tt->shape->n_dim);
		return;
	}
	for (size_t d = 0; d < tp->n_dims; d++) {
		const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
		if (dim->value_case ==
			    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
		    dim->dim_value != tp->dims[d])
			problem(c, "initializer '%s' has dimension %zu of %lld "
				   "but the graph input declares %lld",
				tp->name, d, (long long)tp->dims[d],
				(long long)dim->dim_value);
	}
}

static void check_graph(checker *c, const Onnx__GraphProto *g,
			const dh_strmap *outer, int depth);

static int put(checker *c, dh_strmap *map, const char *name, int64_t v)
{
	if (dh_strmap_put(map, name, v, c->e)) {
		c->failed = 1;
		return -1;
	}
	return 0;
}

static void check_subgraphs(checker *c, const Onnx__NodeProto *n,
			    const dh_strmap *scope, int depth)
{
	for (size_t a = 0; a < n->n_attribute; a++) {
		const Onnx__AttributeProto *at = n->attribute[a];
		if (at->g)
			check_graph(c, at->g, scope, depth + 1);
		for (size_t k = 0; k < at->n_graphs; k++)
			check_graph(c, at->graphs[k], scope, depth + 1);
	}
}

static void check_graph(checker *c, const Onnx__GraphProto *g,
			const dh_strmap *outer, int depth)
{
	char label[300];
	if (depth > 32) {
		problem(c, "subgraphs nest deeper than 32 levels");
		return;
	}
	dh_strmap map;
	dh_strmap_init(&map);
	int64_t who;
	/* everything visible outside is visible here (If/Loop bodies) */
	if (outer)
		for (size_t i = 0; i < outer->cap; i++)
			if (outer->keys[i] &&
			    put(c, &map, outer->keys[i], FROM_OUTER))
				goto out;
	for (size_t i = 0; i < g->n_input; i++) {
		const char *name = g->input[i]->name;
		if (!name || !*name) {
			problem(c, "graph input #%zu has no name", i);
			continue;
		}
		if (dh_strmap_get(&map, name, &who) && who != FROM_OUTER)
			problem(c, "graph input '%s' is declared twice", name);
		if (put(c, &map, name, FROM_INPUT))
			goto out;
	}
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *tp = g->initializer[i];
		if (!tp->name || !*tp->name) {
			problem(c, "initializer #%zu has no name", i);
			continue;
		}
		if (dh_strmap_get(&map, tp->name, &who) && who == FROM_INIT)
			problem(c, "initializer '%s' appears twice", tp->name);
		const Onnx__ValueInfoProto *vi = find_input(g, tp->name);
		if (vi)
			check_init_vs_input(c, tp, vi);
		dh_tensor *t = NULL;
		dh_err te;
		dh_dtype dt;
		/* types dh does not compute with are valid ONNX all the same */
		if (dh_onnx_to_dtype(tp->data_type, &dt) == 0 &&
		    dh_onnx_tensor_load(c->m, tp, &t, &te)) {
			/* drop the "FILE: " the loader puts in front */
			const char *msg = te.msg;
			size_t n = strlen(c->m->path);
			if (!strncmp(msg, c->m->path, n) && msg[n] == ':')
				msg += n + 2;
			problem(c, "%s", msg);
		}
		dh_tensor_free(t);
		if (!vi && put(c, &map, tp->name, FROM_INIT))
			goto out;
	}
	/* outputs: each value produced once */
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *n = g->node[i];
		node_label(n, i, label, sizeof label);
		if (!n->op_type || !*n->op_type)
			problem(c, "%s has no op_type", label);
		for (size_t k = 0; k < n->n_output; k++) {
			const char *o = n->output[k];
			if (!o || !*o)
				continue; /* an omitted optional output */
			if (dh_strmap_get(&map, o, &who) && who != FROM_OUTER) {
				char other[300];
				if (who >= 0)
					node_label(g->node[who], (size_t)who,
						   other, sizeof other);
				problem(c, "%s: output '%s' is already produced by %s",
					label, o,
					who >= 0 ? other
					: who == FROM_INIT ? "an initializer"
							   : "a graph input");
				continue;
			}
			if (put(c, &map, o, (int64_t)i))
				goto out;
		}
	}
	/* inputs: each produced somewhere; then order and cycles, on the
	 * graph of node-to-node edges (edge k goes from src[k] to dst[k]) */
	size_t nn = g->n_node, ne = 0, cap = 0;
	size_t *src = NULL, *dst = NULL;
	int out_of_order = 0;
	for (size_t i = 0; i < nn; i++) {
		const Onnx__NodeProto *n = g->node[i];
		node_label(n, i, label, sizeof label);
		for (size_t k = 0; k < n->n_input; k++) {
			const char *in = n->input[k];
			if (!in || !*in)
				continue;
			if (!dh_strmap_get(&map, in, &who)) {
				problem(c, "%s: input '%s' is not produced by any "
					   "node, initializer or graph input",
					label, in);
				continue;
			}
			if (who < 0)
				continue;
			if ((size_t)who == i) {
				problem(c, "%s: reads its own output '%s' (a "
					   "cycle)", label, in);
				continue;
			}
			out_of_order |= (size_t)who > i;
			if (ne == cap) {
				cap = cap ? cap * 2 : 64;
				size_t *s2 = realloc(src, cap * sizeof *src);
				size_t *d2 = s2 ? realloc(dst, cap * sizeof *dst) : NULL;
				if (s2)
					src = s2;
				if (d2)
					dst = d2;
				if (!s2 || !d2) {
					c->failed = 1;
					dh_err_set(c->e, DH_ENOMEM, "out of memory");
					goto edges_done;
				}
			}
			src[ne] = (size_t)who;
			dst[ne] = i;
			ne++;
		}
		check_subgraphs(c, n, &map, depth);
	}
	if (out_of_order) {
		/* Kahn's algorithm: what cannot be ordered lies on a cycle */
		size_t *pending = calloc(nn + 1, sizeof *pending);
		size_t *queue = calloc(nn + 1, sizeof *queue);
		size_t *first = calloc(nn + 2, sizeof *first);
		size_t *adj = calloc(ne + 1, sizeof *adj);
		if (!pending || !queue || !first || !adj) {
			c->failed = 1;
			dh_err_set(c->e, DH_ENOMEM, "out of memory");
		} else {
			for (size_t k = 0; k < ne; k++) {
				pending[dst[k]]++;
				first[src[k] + 1]++;
			}
			for (size_t i = 0; i < nn; i++)
				first[i + 1] += first[i];
			size_t *fill = queue; /* borrowed as a cursor array */
			for (size_t i = 0; i < nn; i++)
				fill[i] = first[i];
			for (size_t k = 0; k < ne; k++)
				adj[fill[src[k]]++] = dst[k];
			size_t head = 0, tail = 0;
			for (size_t i = 0; i < nn; i++)
				queue[i] = 0;
			for (size_t i = 0; i < nn; i++)
				if (!pending[i])
					queue[tail++] = i;
			while (head < tail) {
				size_t u = queue[head++];
				for (size_t k = first[u]; k < first[u + 1]; k++)
					if (--pending[adj[k]] == 0)
						queue[tail++] = adj[k];
			}
			if (tail < nn) {
				for (size_t i = 0; i < nn; i++)
					if (pending[i]) {
						node_label(g->node[i], i, label,
							   sizeof label);
						problem(c, "the graph has a cycle "
							   "through %s",
							label);
						break;
					}
			} else {
				problem(c, "nodes are not in topological order "
					   "(ONNX requires each node after the "
					   "nodes it reads from)");
			}
		}
		free(pending);
		free(queue);
		free(first);
		free(adj);
	}
edges_done:
	free(src);
	free(dst);
	for (size_t i = 0; i < g->n_output; i++) {
		const char *name = g->output[i]->name;
		if (!name || !*name)
			problem(c, "graph output #%zu has no name", i);
		else if (!dh_strmap_get(&map, name, &who))
			problem(c, "graph output '%s' is not produced by any "
				   "node, initializer or graph input",
				name);
	}
	if (depth == 0 && g->n_output == 0)
		problem(c, "the graph has no outputs");
out:
	dh_strmap_release(&map);
}

int dh_onnx_check(const dh_onnx_model *m, dh_onnx_problem_fn fn, void *ctx,
		  dh_err *e)
{
	checker c = {m, fn, ctx, 0, e, 0};
	const Onnx__ModelProto *p = m->proto;
	if (!p->has_ir_version || p->ir_version < 3)
		problem(&c, "ir_version %lld is missing or older than 3",
			(long long)p->ir_version);
	int have_default = 0;
	for (size_t i = 0; i < p->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = p->opset_import[i];
		if (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx"))
			have_default = 1;
	}
	if (!have_default)
		problem(&c, "no opset_import for the default (ai.onnx) domain");
	check_graph(&c, p->graph, NULL, 0);
	return c.failed ? -1 : c.problems;
}
