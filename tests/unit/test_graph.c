/* test_graph.c - the graph engine: whole-graph gradients against central
 * finite differences (a residual connection, a value read twice by one
 * node, a weight shared by two nodes, BatchNorm in training), memory plans
 * that reuse space, re-planning without growth, determinism. */
#include "gradcheck.h"
#include "graph/graph.h"

/* value helpers */
static int act(dh_graph *g, const char *name)
{
	return dh_graph_add_value(g, name, DH_VAL_ACT, DH_F32, NULL, NULL, NULL);
}

static int param(dh_graph *g, const char *name, int ndim, const int64_t *shape,
		 dh_rng *r, float lo, float hi, dh_value_kind kind)
{
	dh_tensor *t = t_new(ndim, shape);
	t_rand(t, r, lo, hi);
	return dh_graph_add_value(g, name, kind, DH_F32, NULL, t, NULL);
}

static int node(dh_graph *g, const char *name, dh_op_type op, const dh_op_attrs *a,
		int nin, const int *in, int out)
{
	dh_err e;
	int k = dh_graph_add_node(g, name, op, a, nin, in, 1, &out, &e);
	if (k < 0)
		printf("# %s\n", e.msg);
	return k;
}

/* x -> conv1 -> bn -> tanh -> conv2 -> (+ conv1) -> (a * a) -> gap ->
 * flatten -> gemm(W3) + gemm(W3, bias) -> y */
static dh_graph *build(int *x_out)
{
	dh_device dev;
	dh_device_cpu(&dev, 1);
	dh_err e;
	dh_graph *g = dh_graph_new(&dev, 1, &e);
	dh_rng r;
	dh_rng_seed(&r, 5);
	dh_shape xs = {4, {-1, 2, 5, 5}};
	int x = dh_graph_add_value(g, "x", DH_VAL_INPUT, DH_F32, &xs, NULL, &e);
	int w1 = param(g, "conv1.weight", 4, (int64_t[]){3, 2, 3, 3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int b1 = param(g, "conv1.bias", 1, (int64_t[]){3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int s = param(g, "bn.weight", 1, (int64_t[]){3}, &r, 0.5f, 1.5f, DH_VAL_PARAM);
	int t = param(g, "bn.bias", 1, (int64_t[]){3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int mu = param(g, "bn.running_mean", 1, (int64_t[]){3}, &r, 0, 0, DH_VAL_CONST);
	int var = param(g, "bn.running_var", 1, (int64_t[]){3}, &r, 1, 1, DH_VAL_CONST);
	int w2 = param(g, "conv2.weight", 4, (int64_t[]){3, 3, 3, 3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int w3 = param(g, "fc.weight", 2, (int64_t[]){4, 3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int b3 = param(g, "fc.bias", 1, (int64_t[]){4}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int c1 = act(g, "c1"), bn = act(g, "bn"), rl = act(g, "relu"), c2 = act(g, "c2");
	int ad = act(g, "add"), mu2 = act(g, "mul"), gp = act(g, "gap"), fl = act(g, "flat");
	int y1 = act(g, "y1"), y2 = act(g, "y2"), y = act(g, "y");
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONV);
	a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = 1;
	node(g, "conv1", DH_OP_CONV, &a, 3, (int[]){x, w1, b1}, c1);
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	node(g, "bn", DH_OP_BATCHNORM, &a, 5, (int[]){c1, s, t, mu, var}, bn);
	/* tanh rather than relu: finite differences must not cross a kink */
	dh_op_attrs_init(&a, DH_OP_TANH);
	node(g, "tanh", DH_OP_TANH, &a, 1, (int[]){bn}, rl);
	dh_op_attrs_init(&a, DH_OP_CONV);
	a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = 1;
	node(g, "conv2", DH_OP_CONV, &a, 2, (int[]){rl, w2}, c2);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "add", DH_OP_ADD, &a, 2, (int[]){c2, c1}, ad);
	dh_op_attrs_init(&a, DH_OP_MUL);
	node(g, "mul", DH_OP_MUL, &a, 2, (int[]){ad, ad}, mu2);
	dh_op_attrs_init(&a, DH_OP_GLOBALAVERAGEPOOL);
	node(g, "gap", DH_OP_GLOBALAVERAGEPOOL, &a, 1, (int[]){mu2}, gp);
	dh_op_attrs_init(&a, DH_OP_FLATTEN);
	node(g, "flat", DH_OP_FLATTEN, &a, 1, (int[]){gp}, fl);
	dh_op_attrs_init(&a, DH_OP_GEMM);
	a.trans_b = 1;
	node(g, "fc1", DH_OP_GEMM, &a, 2, (int[]){fl, w3}, y1);
	node(g, "fc2", DH_OP_GEMM, &a, 3, (int[]){fl, w3, b3}, y2);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "sum", DH_OP_ADD, &a, 2, (int[]){y1, y2}, y);
	dh_graph_set_inputs(g, 1, &x, &e);
	dh_graph_set_outputs(g, 1, &y, &e);
	if (dh_graph_finalize(g, &e))
		printf("# %s\n", e.msg);
	*x_out = x;
	return g;
}

/* L = sum(y * w) in double */
static double loss(dh_graph *g, const dh_tensor *x, const dh_tensor *w)
{
	dh_err e;
	if (dh_graph_forward(g, (const dh_tensor *[]){x}, &e)) {
		printf("# %s\n", e.msg);
		return NAN;
	}
	const float *y = dh_graph_output(g, 0)->data, *ww = w->data;
	double l = 0;
	for (int64_t i = 0; i < dh_tensor_numel(w); i++)
		l += (double)y[i] * ww[i];
	return l;
}

TEST(graph_gradients_match_finite_differences)
{
	int xi;
	dh_graph *g = build(&xi);
	dh_err e;
	CHECK_INT(dh_graph_plan(g, 3, 1, &e), DH_OK);
	dh_rng r;
	dh_rng_seed(&r, 9);
	dh_tensor *x = t_new(4, (int64_t[]){3, 2, 5, 5});
	t_rand(x, &r, -1, 1);
	dh_tensor *w = t_new(2, (int64_t[]){3, 4});
	t_rand(w, &r, -1, 1);
	loss(g, x, w);
	CHECK_INT(dh_graph_backward(g, (const dh_tensor *[]){w}, &e), DH_OK);
	dh_tensor **p, **gr;
	char **names;
	int n;
	dh_graph_params(g, &p, &gr, &names, &n, &e);
	CHECK_INT(n, 7); /* running statistics are not trained */
	for (int k = 0; k < n; k++) {
		float *pv = p[k]->data;
		const float *gv = gr[k]->data;
		double worst = 0;
		int64_t at = 0;
		for (int64_t i = 0; i < dh_tensor_numel(p[k]); i++) {
			float keep = pv[i];
			float h = 3e-3f * fmaxf(1.0f, fabsf(keep));
			pv[i] = keep + h;
			double lp = loss(g, x, w);
			pv[i] = keep - h;
			double lm = loss(g, x, w);
			pv[i] = keep;
			double num = (lp - lm) / ((double)(keep + h) - (double)(keep - h));
			double err = fabs(num - gv[i]) / fmax(1.0, fabs(num));
			if (err > worst) {
				worst = err;
				at = i;
			}
		}
		if (worst > 2e-2)
			printf("#   %s: worst relative error %.3g at element %lld (tolerance 2e-2)\n",
			       names[k], worst, (long long)at);
		CHECK(worst <= 2e-2);
	}
	free(p);
	free(gr);
	free(names);
	dh_tensor_free(x);
	dh_tensor_free(w);
	dh_graph_free(g);
}

TEST(graph_backward_is_deterministic)
{
	dh_err e;
	float first[12];
	for (int run = 0; run < 2; run++) {
		int xi;
		dh_graph *g = build(&xi);
		dh_graph_plan(g, 4, 1, &e);
		dh_rng r;
		dh_rng_seed(&r, 11);
		dh_tensor *x = t_new(4, (int64_t[]){4, 2, 5, 5});
		t_rand(x, &r, -1, 1);
		dh_tensor *w = t_new(2, (int64_t[]){4, 4});
		t_rand(w, &r, -1, 1);
		loss(g, x, w);
		dh_graph_backward(g, (const dh_tensor *[]){w}, &e);
		const float *gw = g->v[dh_graph_find(g, "fc.weight")].g->data;
		if (run == 0)
			memcpy(first, gw, sizeof first);
		else
			CHECK(memcmp(first, gw, sizeof first) == 0);
		dh_tensor_free(x);
		dh_tensor_free(w);
		dh_graph_free(g);
	}
}

TEST(inference_plan_reuses_memory)
{
	int xi;
	dh_graph *g = build(&xi);
	dh_err e;
	CHECK_INT(dh_graph_plan(g, 8, 0, &e), DH_OK);
	size_t all = 0;
	for (int i = 0; i < g->nv; i++)
		if (g->v[i].kind == DH_VAL_ACT)
			all += (dh_tensor_nbytes(g->v[i].t) + 63) & ~(size_t)63;
	/* the chain needs far less than every activation at once */
	CHECK(g->arena_used < all);
	CHECK(g->arena_used > 0);
	void *arena = g->arena;
	/* a smaller batch fits the same arena: nothing is allocated */
	CHECK_INT(dh_graph_plan(g, 3, 0, &e), DH_OK);
	CHECK(g->arena == arena);
	CHECK_INT(g->v[dh_graph_find(g, "y")].t->shape[0], 3);
	/* training keeps every activation */
	CHECK_INT(dh_graph_plan(g, 8, 1, &e), DH_OK);
	CHECK(g->arena_used >= all);
	CHECK(dh_graph_peak_bytes(g) > g->arena_used);
	dh_graph_free(g);
}

TEST(plan_errors_name_the_node)
{
	int xi;
	dh_graph *g = build(&xi);
	dh_err e;
	/* conv1 wants 2 input channels */
	g->v[xi].decl.d[1] = 3;
	CHECK(dh_graph_plan(g, 2, 0, &e) != DH_OK);
	CHECK_HAS(e.msg, "conv1");
	dh_graph_free(g);
}

TAP_MAIN(TAP_CASE(graph_gradients_match_finite_differences),
	 TAP_CASE(graph_backward_is_deterministic),
	 TAP_CASE(inference_plan_reuses_memory),
	 TAP_CASE(plan_errors_name_the_node))
