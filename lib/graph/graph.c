/* graph.c - building a graph and deriving what training needs (see
 * graph.h). */
#include "graph/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

dh_graph *dh_graph_new(const dh_device *dev, uint64_t seed, dh_err *e)
{
	dh_graph *g = calloc(1, sizeof *g);
	if (!g) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	g->dev = *dev;
	dh_workspace_init(&g->ws);
	dh_rng_seed(&g->rng, seed);
	dh_strmap_init(&g->names);
	return g;
}

void dh_graph_free(dh_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nv; i++) {
		free(g->v[i].name);
		dh_tensor_free(g->v[i].t);
		dh_tensor_free(g->v[i].g);
	}
	for (int i = 0; i < g->nn; i++) {
		free(g->n[i].name);
		dh_tensor_free(g->n[i].extra[0]);
		dh_tensor_free(g->n[i].extra[1]);
	}
	for (int i = 0; i < DH_OP_MAX_IO; i++)
		dh_tensor_free(g->scratch_t[i]);
	free(g->v);
	free(g->n);
	free(g->inputs);
	free(g->outputs);
	free(g->gcur);
	free(g->gseen);
	free(g->prof);
	dh_free_aligned(g->arena);
	dh_free_aligned(g->garena);
	dh_free_aligned(g->scratch);
	dh_workspace_release(&g->ws);
	dh_strmap_release(&g->names);
	free(g);
}

int dh_graph_find(const dh_graph *g, const char *name)
{
	int64_t i;
	return dh_strmap_get(&g->names, name, &i) ? (int)i : -1;
}

int dh_graph_add_value(dh_graph *g, const char *name, dh_value_kind kind,
		       dh_dtype dtype, const dh_shape *decl, dh_tensor *t,
		       dh_err *e)
{
	if (dh_graph_find(g, name) >= 0) {
		dh_tensor_free(t);
		dh_err_set(e, DH_EINVAL, "value '%s' is defined twice", name);
		return -1;
	}
	if (g->nv == g->capv) {
		int cap = g->capv ? g->capv * 2 : 64;
		dh_value *v = realloc(g->v, (size_t)cap * sizeof *v);
		if (!v) {
			dh_tensor_free(t);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return -1;
		}
		g->v = v;
		g->capv = cap;
	}
	dh_value *v = &g->v[g->nv];
	memset(v, 0, sizeof *v);
	v->name = dh_strdup(name, e);
	if (!v->name) {
		dh_tensor_free(t);
		return -1;
	}
	v->kind = kind;
	v->dtype = dtype;
	v->producer = -1;
	v->t = t;
	if (t) {
		v->decl.ndim = t->ndim;
		memcpy(v->decl.d, t->shape, sizeof v->decl.d);
		v->shape = v->decl;
	} else if (decl) {
		v->decl = *decl;
	} else {
		v->decl.ndim = -1; /* unknown until planned */
	}
	if (dh_strmap_put(&g->names, v->name, g->nv, e)) {
		free(v->name);
		dh_tensor_free(t);
		return -1;
	}
	return g->nv++;
}

int dh_graph_add_node(dh_graph *g, const char *name, dh_op_type op,
		      const dh_op_attrs *a, int nin, const int *in, int nout,
		      const int *out, dh_err *e)
{
	int min_in, max_in, min_out, max_out;
	dh_op_arity(op, &min_in, &max_in, &min_out, &max_out);
	if (nin < min_in || nin > max_in || nout < min_out || nout > max_out) {
		dh_err_set(e, DH_EINVAL,
			   "node '%s' (%s): %d inputs and %d outputs (the op "
			   "takes %d to %d inputs and %d to %d outputs)",
			   name, dh_op_name(op), nin, nout, min_in, max_in,
			   min_out, max_out);
		return -1;
	}
	for (int i = 0; i < nout; i++) {
		if (out[i] < 0)
			continue;
		dh_value *v = &g->v[out[i]];
		if (v->kind != DH_VAL_ACT || v->producer >= 0) {
			dh_err_set(e, DH_EINVAL,
				   "node '%s' (%s): output '%s' is already "
				   "produced elsewhere",
				   name, dh_op_name(op), v->name);
			return -1;
		}
	}
	if (g->nn == g->capn) {
		int cap = g->capn ? g->capn * 2 : 64;
		dh_node *n = realloc(g->n, (size_t)cap * sizeof *n);
		if (!n) {
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return -1;
		}
		g->n = n;
		g->capn = cap;
	}
	dh_node *n = &g->n[g->nn];
	memset(n, 0, sizeof *n);
	n->name = dh_strdup(name, e);
	if (!n->name)
		return -1;
	n->op = op;
	n->a = *a;
	n->relu_value = -1;
	n->nin = nin;
	n->nout = nout;
	memcpy(n->in, in, (size_t)nin * sizeof *in);
	memcpy(n->out, out, (size_t)nout * sizeof *out);
	for (int i = 0; i < nout; i++)
		if (out[i] >= 0) {
			g->v[out[i]].producer = g->nn;
			g->v[out[i]].dtype = dh_op_output_dtype(op, i);
		}
	return g->nn++;
}

static dh_status set_list(int **dst, int *count, int n, const int *idx,
			  dh_err *e)
{
	int *a = malloc((size_t)(n ? n : 1) * sizeof *a);
	if (!a)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	memcpy(a, idx, (size_t)n * sizeof *a);
	free(*dst);
	*dst = a;
	*count = n;
	return DH_OK;
}

dh_status dh_graph_set_inputs(dh_graph *g, int n, const int *idx, dh_err *e)
{
	return set_list(&g->inputs, &g->ninputs, n, idx, e);
}

dh_status dh_graph_set_outputs(dh_graph *g, int n, const int *idx, dh_err *e)
{
	return set_list(&g->outputs, &g->noutputs, n, idx, e);
}

int dh_graph_freeze(dh_graph *g, const char *name, int frozen)
{
	int count = 0;
	size_t len = strlen(name);
	for (int i = 0; i < g->nv; i++) {
		dh_value *v = &g->v[i];
		if (v->kind != DH_VAL_PARAM)
			continue;
		if (!strcmp(v->name, name) ||
		    (!strncmp(v->name, name, len) && v->name[len] == '.')) {
			v->frozen = frozen;
			count++;
		}
	}
	return count;
}

dh_status dh_graph_finalize(dh_graph *g, dh_err *e)
{
	for (int i = 0; i < g->nv; i++) {
		g->v[i].nconsumers = 0;
		g->v[i].last_use = -1;
		g->v[i].is_output = 0;
		g->v[i].needs_grad = g->v[i].kind == DH_VAL_PARAM &&
				     !g->v[i].frozen &&
				     dh_dtype_is_float(g->v[i].dtype);
	}
	for (int k = 0; k < g->nn; k++) {
		dh_node *n = &g->n[k];
		int grad_in = 0;
		for (int i = 0; i < n->nin; i++) {
			int x = n->in[i];
			if (x < 0)
				continue;
			dh_value *v = &g->v[x];
			if (v->kind == DH_VAL_ACT && (v->producer < 0 || v->producer >= k))
				return dh_err_set(e, DH_EINVAL,
						  "node '%s' (%s) reads '%s' "
						  "before any node produces it",
						  n->name, dh_op_name(n->op),
						  v->name);
			v->nconsumers++;
			v->last_use = k;
			grad_in |= v->needs_grad;
		}
		/* gradient flows through float outputs of a node that has a
		 * float input needing it */
		for (int j = 0; j < n->nout; j++)
			if (n->out[j] >= 0)
				g->v[n->out[j]].needs_grad =
					grad_in &&
					g->v[n->out[j]].dtype == DH_F32;
	}
	for (int i = 0; i < g->noutputs; i++) {
		dh_value *v = &g->v[g->outputs[i]];
		if (v->kind == DH_VAL_ACT && v->producer < 0)
			return dh_err_set(e, DH_EINVAL,
					  "graph output '%s' is not produced by "
					  "any node",
					  v->name);
		v->is_output = 1;
		v->last_use = g->nn; /* outputs outlive the pass */
	}
	free(g->gcur);
	free(g->gseen);
	g->gcur = calloc((size_t)g->nv + 1, sizeof *g->gcur);
	g->gseen = calloc((size_t)g->nv + 1, 1);
	if (!g->gcur || !g->gseen)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	g->finalized = 1;
	g->batch = 0;
	return DH_OK;
}

dh_status dh_graph_params(const dh_graph *g, dh_tensor ***params,
			  dh_tensor ***grads, char ***names, int *n, dh_err *e)
{
	int count = 0;
	for (int i = 0; i < g->nv; i++)
		count += g->v[i].kind == DH_VAL_PARAM && g->v[i].needs_grad;
	dh_tensor **p = calloc((size_t)count + 1, sizeof *p);
	dh_tensor **q = calloc((size_t)count + 1, sizeof *q);
	char **s = calloc((size_t)count + 1, sizeof *s);
	if (!p || !q || !s) {
		free(p);
		free(q);
		free(s);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	int k = 0;
	for (int i = 0; i < g->nv; i++)
		if (g->v[i].kind == DH_VAL_PARAM && g->v[i].needs_grad) {
			p[k] = g->v[i].t;
			q[k] = g->v[i].g;
			s[k] = g->v[i].name;
			k++;
		}
	*params = p;
	if (grads)
		*grads = q;
	else
		free(q);
	if (names)
		*names = s;
	else
		free(s);
	*n = count;
	return DH_OK;
}

dh_tensor *dh_graph_output(const dh_graph *g, int i)
{
	return i >= 0 && i < g->noutputs ? g->v[g->outputs[i]].t : NULL;
}

/* "[N, 1, 28, 28]": symbolic dimensions print as N */
static char *decl_format(char *buf, size_t n, const dh_shape *s)
{
	size_t at = (size_t)snprintf(buf, n, "[");
	for (int d = 0; d < s->ndim && at < n; d++) {
		if (s->d[d] < 0)
			at += (size_t)snprintf(buf + at, n - at, "%sN", d ? ", " : "");
		else
			at += (size_t)snprintf(buf + at, n - at, "%s%lld", d ? ", " : "",
					       (long long)s->d[d]);
	}
	if (at < n)
		snprintf(buf + at, n - at, "]");
	return buf;
}

dh_status dh_graph_check_input(const dh_graph *g, int i, const dh_tensor *x,
			       const char *what, dh_err *e)
{
	const dh_value *v = &g->v[g->inputs[i]];
	if (v->decl.ndim < 0)
		return DH_OK;
	int ok = v->decl.ndim == x->ndim;
	for (int d = 1; ok && d < x->ndim; d++)
		ok = v->decl.d[d] < 0 || v->decl.d[d] == x->shape[d];
	if (ok)
		return DH_OK;
	char a[160], b[160];
	return dh_err_set(e, DH_ESHAPE,
			  "%s: samples of shape %s do not fit the model's input "
			  "'%s' %s",
			  what, dh_shape_format(a, sizeof a, x->ndim, x->shape),
			  v->name, decl_format(b, sizeof b, &v->decl));
}
