/* plan.c - shapes and memory for a batch size and a mode (see graph.h).
 *
 * Memory is laid out by simulating the pass: each block (an activation, a
 * Dropout mask, an activation's gradient) is placed at the lowest offset
 * where it fits among the blocks alive at that moment, and released after
 * its last use.  The arena is the high-water mark, allocated once and
 * reused by later plans that fit. */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define ALIGN(x) (((x) + 63) & ~(size_t)63)

/* --- first-fit placement --------------------------------------------------- */

typedef struct span {
	size_t off, size;
	int owner;
} span;

typedef struct placer {
	span *live;
	int n, cap;
	size_t peak;
} placer;

static int place(placer *p, size_t size, int owner, size_t *off, dh_err *e)
{
	size = ALIGN(size ? size : 1);
	size_t at = 0;
	int pos = 0;
	/* live spans are kept sorted by offset: take the first gap that fits */
	for (; pos < p->n; pos++) {
		if (p->live[pos].off >= at + size)
			break;
		size_t end = p->live[pos].off + p->live[pos].size;
		if (end > at)
			at = end;
	}
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		span *s = realloc(p->live, (size_t)cap * sizeof *s);
		if (!s) {
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return -1;
		}
		p->live = s;
		p->cap = cap;
	}
	memmove(p->live + pos + 1, p->live + pos,
		(size_t)(p->n - pos) * sizeof *p->live);
	p->live[pos] = (span){at, size, owner};
	p->n++;
	if (at + size > p->peak)
		p->peak = at + size;
	*off = at;
	return 0;
}

static void release(placer *p, int owner)
{
	for (int i = 0; i < p->n; i++)
		if (p->live[i].owner == owner) {
			memmove(p->live + i, p->live + i + 1,
				(size_t)(p->n - i - 1) * sizeof *p->live);
			p->n--;
			return;
		}
}

/* --- helpers ------------------------------------------------------------------ */

static size_t value_bytes(const dh_value *v)
{
	int64_t n = dh_shape_numel(v->shape.ndim, v->shape.d);
	return (size_t)(n < 0 ? 0 : n) * dh_dtype_size(v->dtype);
}

/* A tensor header over borrowed memory, made once and rebound later. */
static dh_status bind(dh_tensor **t, dh_dtype dt, void *data,
		      const dh_shape *s, dh_err *e)
{
	if (!*t) {
		*t = dh_tensor_wrap(dt, s->ndim, s->d, data, e);
		return *t ? DH_OK : DH_ENOMEM;
	}
	return dh_tensor_rebind(*t, data, s->ndim, s->d, e);
}

static dh_status grow(void **arena, size_t *cap, size_t need, dh_err *e)
{
	if (need <= *cap && *arena)
		return DH_OK;
	void *p = dh_alloc_aligned(need ? need : 64, e);
	if (!p)
		return DH_ENOMEM;
	dh_free_aligned(*arena);
	*arena = p;
	*cap = need;
	return DH_OK;
}

/* The attributes and outputs a node runs with in this mode: BatchNorm and
 * Dropout switch to training, with the extra outputs training needs. */
static void run_attrs(dh_node *n, int training)
{
	n->run = n->a;
	n->run_nout = n->nout;
	/* a model that asks for training-mode BatchNorm or Dropout (ONNX's
	 * training_mode) keeps it in inference too */
	if (n->op == DH_OP_BATCHNORM) {
		n->run.training_mode = training || n->a.training_mode;
		n->run_nout = n->run.training_mode ? 3 : 1;
	} else if (n->op == DH_OP_DROPOUT) {
		n->run.training_mode = training || n->a.training_mode;
		n->run_nout = n->run.training_mode ? 2 : n->nout;
	}
}

/* A Relu whose input is a BatchNormalization's output read by nothing
 * else is folded into that node: the node writes the Relu's output
 * (relu_after), and the Relu is skipped.  Reading nothing but the
 * output's zeros, the folded backward masks dY as Relu's would, so
 * training gives the same bits.  The same for an Add of two tensors of
 * one shape (residual connections). */
static int folds(const dh_graph *g, const dh_node *n)
{
	if (!dh_op_folds_relu(&g->dev, n->op))
		return 0; /* this device's kernel cannot */
	if (n->op == DH_OP_BATCHNORM)
		return 1;
	/* Add of two inputs of the output's shape (no broadcasting) */
	if (n->op != DH_OP_ADD || n->nin != 2 || n->in[0] < 0 || n->in[1] < 0)
		return 0;
	const dh_shape *y = &g->v[n->out[0]].shape;
	for (int i = 0; i < 2; i++) {
		const dh_shape *x = &g->v[n->in[i]].shape;
		if (g->v[n->in[i]].dtype != DH_F32 ||
		    !dh_shape_equal(x->ndim, x->d, y->ndim, y->d))
			return 0;
	}
	return 1;
}

static void fold_relus(dh_graph *g)
{
	for (int k = 0; k < g->nn; k++) {
		g->n[k].fused = 0;
		g->n[k].relu_value = -1;
	}
	const char *env = getenv("DH_FUSE");
	if (env && !strcmp(env, "none"))
		return;
	for (int k = 0; k < g->nn; k++) {
		dh_node *n = &g->n[k];
		if (n->nout < 1 || n->out[0] < 0 || !folds(g, n))
			continue;
		int o = n->out[0];
		const dh_value *v = &g->v[o];
		if (v->nconsumers != 1 || v->is_output || v->dtype != DH_F32)
			continue;
		/* its one reader is the node that reads it last */
		dh_node *q = &g->n[v->last_use];
		if (q->op == DH_OP_RELU && q->nin == 1 && q->nout >= 1 &&
		    q->out[0] >= 0) {
			q->fused = 1;
			n->relu_value = q->out[0];
			n->run.relu_after = 1;
		}
	}
}

/* --- the plan --------------------------------------------------------------- */

static dh_status infer_all(dh_graph *g, dh_shape (*extra)[2], dh_err *e)
{
	for (int k = 0; k < g->nn; k++) {
		dh_node *n = &g->n[k];
		dh_shape in[DH_OP_MAX_IO], out[DH_OP_MAX_IO];
		for (int i = 0; i < n->nin; i++) {
			if (n->in[i] < 0)
				in[i].ndim = -1;
			else
				in[i] = g->v[n->in[i]].shape;
		}
		dh_status s = dh_op_infer(n->op, &n->run, n->name, n->nin, in,
					  n->run_nout, out, e);
		if (s)
			return s;
		for (int j = 0; j < n->run_nout; j++) {
			if (j < n->nout && n->out[j] >= 0)
				g->v[n->out[j]].shape = out[j];
			else if (j >= 1 && j <= 2)
				extra[k][j - 1] = out[j];
		}
	}
	return DH_OK;
}

dh_status dh_graph_plan(dh_graph *g, int64_t batch, int training, dh_err *e)
{
	if (!g->finalized)
		return dh_err_set(e, DH_EINVAL, "the graph is not finalized");
	if (batch < 1)
		return dh_err_set(e, DH_EINVAL, "batch size %lld (at least 1)",
				  (long long)batch);
	dh_shape in[256];
	if (g->ninputs > 256)
		return dh_err_set(e, DH_EUNSUPPORTED, "more than 256 inputs");
	/* inputs: the symbolic batch dimension takes `batch` */
	for (int i = 0; i < g->ninputs; i++) {
		dh_value *v = &g->v[g->inputs[i]];
		if (v->decl.ndim < 1)
			return dh_err_set(e, DH_ESHAPE,
					  "input '%s' has no declared shape",
					  v->name);
		in[i] = v->decl;
		for (int d = 0; d < v->decl.ndim; d++) {
			if (v->decl.d[d] >= 0)
				continue;
			if (d != 0)
				return dh_err_set(e, DH_ESHAPE,
						  "input '%s' has a symbolic "
						  "dimension at axis %d; dh "
						  "needs every axis but the batch "
						  "fixed",
						  v->name, d);
			in[i].d[0] = batch;
		}
	}
	dh_status s = dh_graph_plan_inputs(g, in, training, e);
	if (!s)
		g->batch = batch;
	return s;
}

dh_status dh_graph_plan_inputs(dh_graph *g, const dh_shape *inputs,
			       int training, dh_err *e)
{
	if (!g->finalized)
		return dh_err_set(e, DH_EINVAL, "the graph is not finalized");
	for (int i = 0; i < g->ninputs; i++)
		g->v[g->inputs[i]].shape = inputs[i];
	for (int k = 0; k < g->nn; k++)
		run_attrs(&g->n[k], training);
	dh_shape (*extra)[2] = calloc((size_t)g->nn + 1, sizeof *extra);
	if (!extra)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	dh_status s = infer_all(g, extra, e);
	if (s) {
		free(extra);
		return s;
	}
	fold_relus(g); /* after the shapes: Add folds when they agree */
	if (training)
		for (int k = 0; k < g->nn; k++) {
			dh_node *n = &g->n[k];
			int needs = 0;
			for (int i = 0; i < n->nin; i++)
				needs |= n->in[i] >= 0 && g->v[n->in[i]].needs_grad;
			if (needs && !dh_op_supported(&g->dev, n->op, 1)) {
				free(extra);
				return dh_err_set(e, DH_EUNSUPPORTED,
						  "node '%s' (%s) has no backward "
						  "pass on this device",
						  n->name, dh_op_name(n->op));
			}
		}

	/* activations (and Dropout masks), in execution order */
	placer act = {0}, grd = {0};
	size_t *mask_off = calloc((size_t)g->nn + 1, sizeof *mask_off);
	if (!mask_off)
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
	for (int k = 0; !s && k < g->nn; k++) {
		dh_node *n = &g->n[k];
		for (int j = 0; !s && j < n->nout && !n->fused; j++) {
			int o = n->out[j];
			/* a folded Relu's output is written here: its place
			 * is this output's too */
			int r = j == 0 && n->relu_value >= 0 ? n->relu_value : -1;
			if (o >= 0 && place(&act, value_bytes(&g->v[o]), r >= 0 ? r : o,
					    &g->v[r >= 0 ? r : o].offset, e))
				s = DH_ENOMEM;
			if (r >= 0)
				g->v[o].offset = g->v[r].offset;
		}
		int mask = n->op == DH_OP_DROPOUT && training &&
			   (n->nout < 2 || n->out[1] < 0);
		if (!s && mask &&
		    place(&act, (size_t)dh_shape_numel(extra[k][0].ndim, extra[k][0].d),
			  g->nv + k, &mask_off[k], e))
			s = DH_ENOMEM;
		if (training || s)
			continue; /* training keeps every activation */
		for (int i = 0; i < n->nin; i++) {
			int x = n->in[i];
			if (x >= 0 && g->v[x].kind == DH_VAL_ACT &&
			    g->v[x].last_use == k)
				release(&act, x);
		}
		for (int j = 0; j < n->nout; j++) {
			int o = n->out[j];
			if (o >= 0 && g->v[o].last_use < 0 && !g->v[o].is_output)
				release(&act, o); /* nobody reads it */
		}
	}
	/* activation gradients, in backward order */
	size_t scratch_each = 0;
	int nscratch = 0;
	if (!s && training) {
		/* outputs that are also read inside the graph: the caller's
		 * gradient is copied in before the pass, so they live from the
		 * start until their producer's backward */
		for (int i = 0; !s && i < g->noutputs; i++) {
			dh_value *v = &g->v[g->outputs[i]];
			if (v->kind == DH_VAL_ACT && v->needs_grad &&
			    v->nconsumers > 0 &&
			    place(&grd, value_bytes(v), g->outputs[i], &v->goffset, e))
				s = DH_ENOMEM;
		}
		for (int k = g->nn - 1; !s && k >= 0; k--) {
			dh_node *n = &g->n[k];
			int slots = 0;
			/* a folded Relu passes its output's gradient on: the
			 * node it is folded into reads it, and frees it */
			if (n->fused)
				continue;
			for (int i = 0; !s && i < n->nin; i++) {
				int x = n->in[i];
				if (x < 0 || !g->v[x].needs_grad)
					continue;
				dh_value *v = &g->v[x];
				int repeated = 0;
				for (int q = 0; q < i; q++)
					repeated |= n->in[q] == x;
				if (v->nconsumers > 1 || repeated) {
					slots++;
					if (value_bytes(v) > scratch_each)
						scratch_each = value_bytes(v);
				}
				/* the first writer in backward order places it */
				if (v->kind == DH_VAL_ACT && v->last_use == k &&
				    !repeated && !v->is_output &&
				    place(&grd, value_bytes(v), x, &v->goffset, e))
					s = DH_ENOMEM;
			}
			if (slots > nscratch)
				nscratch = slots;
			for (int j = 0; j < n->nout; j++)
				if (n->out[j] >= 0)
					release(&grd, n->out[j]);
			if (n->relu_value >= 0)
				release(&grd, n->relu_value);
		}
	}
	scratch_each = ALIGN(scratch_each);
	if (!s)
		s = grow(&g->arena, &g->arena_cap, act.peak, e);
	if (!s && training)
		s = grow(&g->garena, &g->garena_cap, grd.peak, e);
	if (!s && training && nscratch)
		s = grow(&g->scratch, &g->scratch_cap, scratch_each * (size_t)nscratch, e);
	free(act.live);
	free(grd.live);

	/* bind the tensors to their places */
	for (int i = 0; !s && i < g->nv; i++) {
		dh_value *v = &g->v[i];
		if (v->kind == DH_VAL_ACT && v->producer >= 0)
			s = bind(&v->t, v->dtype, (char *)g->arena + v->offset,
				 &v->shape, e);
		if (s || !training || !v->needs_grad)
			continue;
		if (v->kind == DH_VAL_PARAM) {
			if (!v->g && !(v->g = dh_tensor_new(v->dtype, v->t->ndim,
							    v->t->shape, e)))
				s = DH_ENOMEM;
		} else if (v->kind == DH_VAL_ACT) {
			s = bind(&v->g, v->dtype, (char *)g->garena + v->goffset,
				 &v->shape, e);
		}
	}
	for (int k = 0; !s && k < g->nn; k++) {
		dh_node *n = &g->n[k];
		for (int j = 0; j < DH_OP_MAX_IO; j++)
			n->run_out[j] = NULL;
		for (int j = 0; j < n->nout; j++)
			if (n->out[j] >= 0)
				n->run_out[j] = g->v[n->out[j]].t;
		if (n->relu_value >= 0)
			n->run_out[0] = g->v[n->relu_value].t;
		if (n->op == DH_OP_BATCHNORM && training) {
			for (int j = 1; !s && j <= 2; j++) {
				if (j < n->nout && n->out[j] >= 0)
					continue;
				dh_tensor **x = &n->extra[j - 1];
				if (!*x || (*x)->shape[0] != extra[k][j - 1].d[0]) {
					dh_tensor_free(*x);
					*x = dh_tensor_new(DH_F32, 1, extra[k][j - 1].d, e);
					if (!*x)
						s = DH_ENOMEM;
				}
				n->run_out[j] = *x;
			}
		} else if (n->op == DH_OP_DROPOUT && training &&
			   (n->nout < 2 || n->out[1] < 0)) {
			n->mask_offset = mask_off[k];
			s = bind(&n->extra[0], DH_BOOL, (char *)g->arena + mask_off[k],
				 &extra[k][0], e);
			n->run_out[1] = n->extra[0];
		}
	}
	g->nscratch = training ? nscratch : 0;
	g->arena_used = act.peak;
	g->garena_used = training ? grd.peak : 0;
	g->scratch_used = training ? scratch_each * (size_t)nscratch : 0;
	g->param_bytes = 0;
	for (int i = 0; i < g->nv; i++)
		if (g->v[i].kind != DH_VAL_ACT && g->v[i].t)
			g->param_bytes += dh_tensor_nbytes(g->v[i].t) *
					  (g->v[i].g ? 2 : 1);
	free(mask_off);
	free(extra);
	if (s) {
		g->batch = 0;
		return s;
	}
	g->batch = g->ninputs && inputs[0].ndim > 0 ? inputs[0].d[0] : 1;
	if (g->batch < 1)
		g->batch = 1;
	g->training = training;
	return DH_OK;
}

size_t dh_graph_peak_bytes(const dh_graph *g)
{
	return g->arena_used + g->garena_used + g->scratch_used + g->param_bytes;
}
