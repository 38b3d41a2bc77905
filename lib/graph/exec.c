/* exec.c - forward and backward passes over a planned graph (see graph.h).
 *
 * Backward visits nodes in reverse.  Ops write their input gradients (they
 * never accumulate), so the first gradient a value receives in the pass is
 * written straight into its buffer, and later ones go to a scratch buffer
 * and are added: fan-out (residual connections, shared weights) sums as the
 * chain rule wants, with a fixed order, hence bit-identical results. */
#include "graph/graph.h"
#include "graph/profile.h"

#include <string.h>

static dh_status node_fail(dh_err *e, const dh_node *n)
{
	(void)n;
	return e ? e->status : DH_EINVAL;
}

dh_status dh_graph_forward(dh_graph *g, const dh_tensor *const *inputs,
			   dh_err *e)
{
	if (!g->batch)
		return dh_err_set(e, DH_EINVAL, "the graph is not planned");
	for (int i = 0; i < g->ninputs; i++) {
		dh_value *v = &g->v[g->inputs[i]];
		const dh_tensor *t = inputs[i];
		if (!t || t->dtype != v->dtype ||
		    !dh_shape_equal(t->ndim, t->shape, v->shape.ndim, v->shape.d)) {
			char a[160], b[160];
			return dh_err_set(e, DH_ESHAPE,
					  "input '%s' must be %s %s, not %s %s",
					  v->name, dh_dtype_name(v->dtype),
					  dh_shape_format(a, sizeof a, v->shape.ndim, v->shape.d),
					  t ? dh_dtype_name(t->dtype) : "",
					  t ? dh_shape_format(b, sizeof b, t->ndim, t->shape) : "nothing");
		}
		/* inputs are read, never written: borrow the caller's data */
		dh_status s = v->t ? dh_tensor_rebind(v->t, t->data, t->ndim, t->shape, e)
				   : ((v->t = dh_tensor_wrap(t->dtype, t->ndim, t->shape,
							     t->data, e)) ? DH_OK : DH_ENOMEM);
		if (s)
			return s;
	}
	for (int k = 0; k < g->nn; k++) {
		dh_node *n = &g->n[k];
		if (n->fused)
			continue; /* folded into the node before (plan.c) */
		const dh_tensor *in[DH_OP_MAX_IO];
		for (int i = 0; i < n->nin; i++)
			in[i] = n->in[i] >= 0 ? g->v[n->in[i]].t : NULL;
		dh_op_ctx ctx = {&g->dev, n->name, &g->ws, &g->rng};
		double t0 = g->prof ? dh_profile_clock() : 0.0;
		dh_status s = dh_op_forward(&ctx, n->op, &n->run, n->nin, in,
					    n->run_nout, n->run_out, e);
		if (g->prof)
			g->prof[2 * k] += dh_profile_clock() - t0;
		if (s)
			return node_fail(e, n);
		if (g->check_finite)
			for (int j = 0; j < n->run_nout; j++)
				if (n->run_out[j] && n->run_out[j]->dtype == DH_F32 &&
				    (s = dh_op_check_finite(&ctx, n->op, n->run_out[j],
							    "output", e)))
					return s;
		/* BatchNorm in training: the new running statistics replace
		 * the old (they are the node's inputs 3 and 4) */
		if (n->op == DH_OP_BATCHNORM && n->run.training_mode)
			for (int j = 1; j <= 2; j++) {
				dh_tensor *src = n->run_out[j];
				dh_tensor *dst = g->v[n->in[j + 2]].t;
				if (src && src != dst)
					memcpy(dst->data, src->data, dh_tensor_nbytes(dst));
			}
	}
	return DH_OK;
}

/* dst += src, through the device's Add (in place, threaded) */
static dh_status add_into(const dh_op_ctx *ctx, dh_tensor *dst,
			  const dh_tensor *src, dh_err *e)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_ADD);
	const dh_tensor *in[2] = {dst, src};
	return dh_op_forward(ctx, DH_OP_ADD, &a, 2, in, 1, &dst, e);
}

dh_status dh_graph_backward(dh_graph *g, const dh_tensor *const *dout,
			    dh_err *e)
{
	if (!g->batch || !g->training)
		return dh_err_set(e, DH_EINVAL,
				  "the graph is not planned for training");
	memset(g->gseen, 0, (size_t)g->nv);
	for (int i = 0; i < g->nv; i++)
		g->gcur[i] = NULL;
	for (int i = 0; i < g->noutputs; i++) {
		int o = g->outputs[i];
		dh_value *v = &g->v[o];
		if (!dout[i] || !v->needs_grad)
			continue;
		if (!dh_shape_equal(dout[i]->ndim, dout[i]->shape, v->shape.ndim, v->shape.d))
			return dh_err_set(e, DH_ESHAPE,
					  "the gradient of output '%s' has the "
					  "wrong shape",
					  v->name);
		if (v->nconsumers > 0) {
			memcpy(v->g->data, dout[i]->data, dh_tensor_nbytes(v->g));
			g->gcur[o] = v->g;
		} else {
			g->gcur[o] = (dh_tensor *)dout[i];
		}
		g->gseen[o] = 1;
	}
	for (int k = g->nn - 1; k >= 0; k--) {
		dh_node *n = &g->n[k];
		const dh_tensor *gout[DH_OP_MAX_IO] = {0};
		int any_out = 0, any_in = 0;
		if (n->fused)
			continue;
		for (int j = 0; j < n->run_nout; j++) {
			/* a folded Relu's output gradient is this node's */
			int o = j < n->nout ? n->out[j] : -1;
			if (j == 0 && n->relu_value >= 0)
				o = n->relu_value;
			if (o >= 0 && g->gseen[o]) {
				gout[j] = g->gcur[o];
				any_out = 1;
			}
		}
		for (int i = 0; i < n->nin; i++)
			any_in |= n->in[i] >= 0 && g->v[n->in[i]].needs_grad;
		if (!any_out || !any_in)
			continue;
		/* an op wants its first output's gradient: none means zero
		 * contribution from this node */
		if (!gout[0])
			continue;
		dh_tensor *gin[DH_OP_MAX_IO] = {0};
		int accumulate[DH_OP_MAX_IO] = {0};
		int slot = 0;
		dh_status s = DH_OK;
		for (int i = 0; i < n->nin && !s; i++) {
			int x = n->in[i];
			if (x < 0 || !g->v[x].needs_grad)
				continue;
			dh_value *v = &g->v[x];
			int repeated = 0;
			for (int q = 0; q < i; q++)
				repeated |= n->in[q] == x;
			if (!g->gseen[x] && !repeated) {
				gin[i] = v->g;
				continue;
			}
			/* a second gradient for x: into scratch, then added */
			if (slot >= g->nscratch)
				return dh_err_set(e, DH_EINVAL,
						  "node '%s': no scratch for its "
						  "gradient (a planning fault)",
						  n->name);
			size_t each = g->scratch_used / (size_t)g->nscratch;
			dh_tensor **st = &g->scratch_t[slot];
			void *mem = (char *)g->scratch + each * (size_t)slot;
			slot++;
			s = *st ? dh_tensor_rebind(*st, mem, v->shape.ndim, v->shape.d, e)
				: ((*st = dh_tensor_wrap(DH_F32, v->shape.ndim,
							 v->shape.d, mem, e)) ? DH_OK : DH_ENOMEM);
			gin[i] = *st;
			accumulate[i] = 1;
		}
		if (s)
			return s;
		const dh_tensor *in[DH_OP_MAX_IO];
		for (int i = 0; i < n->nin; i++)
			in[i] = n->in[i] >= 0 ? g->v[n->in[i]].t : NULL;
		dh_op_ctx ctx = {&g->dev, n->name, &g->ws, &g->rng};
		double t0 = g->prof ? dh_profile_clock() : 0.0;
		s = dh_op_backward(&ctx, n->op, &n->run, n->nin, in, n->run_nout,
				   (const dh_tensor *const *)n->run_out, gout, gin, e);
		if (s)
			return node_fail(e, n);
		for (int i = 0; i < n->nin; i++) {
			int x = n->in[i];
			if (!gin[i])
				continue;
			if (accumulate[i] &&
			    (s = add_into(&ctx, g->v[x].g, gin[i], e)))
				return node_fail(e, n);
			g->gseen[x] = 1;
			g->gcur[x] = g->v[x].g;
			if (g->check_finite &&
			    (s = dh_op_check_finite(&ctx, n->op, g->v[x].g,
						    "input gradient", e)))
				return s;
		}
		if (g->prof)
			g->prof[2 * k + 1] += dh_profile_clock() - t0;
	}
	/* parameters no gradient reached (an unused branch): zero */
	for (int i = 0; i < g->nv; i++) {
		dh_value *v = &g->v[i];
		if (v->kind == DH_VAL_PARAM && v->needs_grad && !g->gseen[i])
			memset(v->g->data, 0, dh_tensor_nbytes(v->g));
	}
	return DH_OK;
}
