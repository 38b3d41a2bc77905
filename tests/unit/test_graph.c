/* test_graph.c - the graph engine: whole-graph gradients against central
 * finite differences (a residual connection, a value read twice by one
 * node, a weight shared by two nodes, BatchNorm in training), memory plans
 * that reuse space, re-planning without growth, determinism, Relus folded
 * into the op before them. */
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

/* x -> conv1 -> bn -> relu -> conv2 -> (+ relu) -> relu2 -> conv3 ->
 * (+ relu2) -> relu3 -> gap -> flatten -> gemm -> (+ bias row) -> y, and
 * bn2 whose output relu4 and the sum read (two readers): the planner
 * folds relu into bn and relu2, relu3 into the sums, not relu4 into bn2,
 * nor the last Add's Relu (a broadcast) */
static dh_graph *build_relus(int *x_out, int fold)
{
	if (fold)
		unsetenv("DH_FUSE");
	else
		setenv("DH_FUSE", "none", 1);
	dh_device dev;
	dh_device_cpu(&dev, 2);
	dh_err e;
	dh_graph *g = dh_graph_new(&dev, 1, &e);
	dh_rng r;
	dh_rng_seed(&r, 6);
	dh_shape xs = {4, {-1, 3, 6, 6}};
	int x = dh_graph_add_value(g, "x", DH_VAL_INPUT, DH_F32, &xs, NULL, &e);
	int64_t ws[] = {3, 3, 3, 3}, cs[] = {3};
	int w1 = param(g, "w1", 4, ws, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int w2 = param(g, "w2", 4, ws, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int w3 = param(g, "w3", 4, ws, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int bnp[2][4];
	for (int k = 0; k < 2; k++) {
		bnp[k][0] = param(g, k ? "bn2.s" : "bn.s", 1, cs, &r, 0.5f, 1.5f, DH_VAL_PARAM);
		bnp[k][1] = param(g, k ? "bn2.b" : "bn.b", 1, cs, &r, -0.5f, 0.5f, DH_VAL_PARAM);
		bnp[k][2] = param(g, k ? "bn2.m" : "bn.m", 1, cs, &r, 0, 0, DH_VAL_CONST);
		bnp[k][3] = param(g, k ? "bn2.v" : "bn.v", 1, cs, &r, 1, 1, DH_VAL_CONST);
	}
	int fw = param(g, "fc.w", 2, (int64_t[]){4, 3}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	int rb = param(g, "row", 2, (int64_t[]){1, 4}, &r, -0.5f, 0.5f, DH_VAL_PARAM);
	const char *names[] = {"c1", "bn", "relu", "c2", "add", "relu2", "c3",
			       "add2", "relu3", "bn2", "relu4", "add3", "gap",
			       "flat", "fc", "y0", "y"};
	int v[17];
	for (int i = 0; i < 17; i++)
		v[i] = act(g, names[i]);
	dh_op_attrs a, c;
	dh_op_attrs_init(&c, DH_OP_CONV);
	c.pads[0] = c.pads[1] = c.pads[2] = c.pads[3] = 1;
	node(g, "conv1", DH_OP_CONV, &c, 2, (int[]){x, w1}, v[0]);
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	node(g, "bn", DH_OP_BATCHNORM, &a, 5,
	     (int[]){v[0], bnp[0][0], bnp[0][1], bnp[0][2], bnp[0][3]}, v[1]);
	dh_op_attrs_init(&a, DH_OP_RELU);
	node(g, "relu", DH_OP_RELU, &a, 1, (int[]){v[1]}, v[2]);
	node(g, "conv2", DH_OP_CONV, &c, 2, (int[]){v[2], w2}, v[3]);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "add", DH_OP_ADD, &a, 2, (int[]){v[3], v[2]}, v[4]);
	dh_op_attrs_init(&a, DH_OP_RELU);
	node(g, "relu2", DH_OP_RELU, &a, 1, (int[]){v[4]}, v[5]);
	node(g, "conv3", DH_OP_CONV, &c, 2, (int[]){v[5], w3}, v[6]);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "add2", DH_OP_ADD, &a, 2, (int[]){v[6], v[5]}, v[7]);
	dh_op_attrs_init(&a, DH_OP_RELU);
	node(g, "relu3", DH_OP_RELU, &a, 1, (int[]){v[7]}, v[8]);
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	node(g, "bn2", DH_OP_BATCHNORM, &a, 5,
	     (int[]){v[8], bnp[1][0], bnp[1][1], bnp[1][2], bnp[1][3]}, v[9]);
	dh_op_attrs_init(&a, DH_OP_RELU);
	node(g, "relu4", DH_OP_RELU, &a, 1, (int[]){v[9]}, v[10]);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "add3", DH_OP_ADD, &a, 2, (int[]){v[10], v[9]}, v[11]);
	dh_op_attrs_init(&a, DH_OP_GLOBALAVERAGEPOOL);
	node(g, "gap", DH_OP_GLOBALAVERAGEPOOL, &a, 1, (int[]){v[11]}, v[12]);
	dh_op_attrs_init(&a, DH_OP_FLATTEN);
	node(g, "flat", DH_OP_FLATTEN, &a, 1, (int[]){v[12]}, v[13]);
	dh_op_attrs_init(&a, DH_OP_GEMM);
	a.trans_b = 1;
	node(g, "fc", DH_OP_GEMM, &a, 2, (int[]){v[13], fw}, v[14]);
	dh_op_attrs_init(&a, DH_OP_ADD);
	node(g, "addrow", DH_OP_ADD, &a, 2, (int[]){v[14], rb}, v[15]);
	dh_op_attrs_init(&a, DH_OP_RELU);
	node(g, "relu5", DH_OP_RELU, &a, 1, (int[]){v[15]}, v[16]);
	dh_graph_set_inputs(g, 1, &x, &e);
	dh_graph_set_outputs(g, 1, &v[16], &e);
	if (dh_graph_finalize(g, &e))
		printf("# %s\n", e.msg);
	*x_out = x;
	return g;
}

static int node_index(const dh_graph *g, const char *name)
{
	for (int k = 0; k < g->nn; k++)
		if (!strcmp(g->n[k].name, name))
			return k;
	return -1;
}

/* Folding a Relu into the BatchNorm or Add before it (graph/plan.c):
 * the same outputs and gradients, bit for bit, in training and in
 * inference, and less memory; where the output has a second reader or
 * the Add broadcasts, nothing is folded. */
TEST(relu_folds_give_the_same_bits)
{
	dh_err e;
	float y[2][16], grads[2][64];
	size_t used[2];
	for (int fold = 0; fold < 2; fold++) {
		int xi;
		dh_graph *g = build_relus(&xi, fold);
		CHECK_INT(dh_graph_plan(g, 4, 1, &e), DH_OK);
		used[fold] = g->arena_used + g->garena_used;
		dh_rng r;
		dh_rng_seed(&r, 12);
		dh_tensor *x = t_new(4, (int64_t[]){4, 3, 6, 6});
		t_rand(x, &r, -1, 1);
		dh_tensor *w = t_new(2, (int64_t[]){4, 4});
		t_rand(w, &r, -1, 1);
		CHECK_INT(dh_graph_forward(g, (const dh_tensor *[]){x}, &e), DH_OK);
		memcpy(y[fold], dh_graph_output(g, 0)->data, sizeof y[fold]);
		CHECK_INT(dh_graph_backward(g, (const dh_tensor *[]){w}, &e), DH_OK);
		dh_tensor **p, **gr;
		int n;
		dh_graph_params(g, &p, &gr, NULL, &n, &e);
		int at = 0;
		for (int k = 0; k < n; k++) {
			int64_t m = dh_tensor_numel(gr[k]);
			for (int64_t i = 0; i < m && at < 64; i++)
				grads[fold][at++] = dh_tensor_f32(gr[k])[i];
		}
		CHECK_INT(at, 64);
		free(p);
		free(gr);
		if (fold) {
			CHECK(g->n[node_index(g, "relu")].fused);
			CHECK(g->n[node_index(g, "relu2")].fused);
			CHECK(g->n[node_index(g, "relu3")].fused);
			CHECK(g->n[node_index(g, "bn")].relu_value >= 0);
			CHECK(!g->n[node_index(g, "relu4")].fused);
			CHECK(!g->n[node_index(g, "relu5")].fused);
		} else {
			for (int k = 0; k < g->nn; k++)
				CHECK(!g->n[k].fused);
		}
		/* inference: the same outputs */
		CHECK_INT(dh_graph_plan(g, 4, 0, &e), DH_OK);
		CHECK_INT(dh_graph_forward(g, (const dh_tensor *[]){x}, &e), DH_OK);
		dh_tensor_free(x);
		dh_tensor_free(w);
		dh_graph_free(g);
	}
	unsetenv("DH_FUSE");
	CHECK(!memcmp(y[0], y[1], sizeof y[0]));
	CHECK(!memcmp(grads[0], grads[1], sizeof grads[0]));
	CHECK(used[1] < used[0]);
}

TAP_MAIN(TAP_CASE(graph_gradients_match_finite_differences),
	 TAP_CASE(graph_backward_is_deterministic),
	 TAP_CASE(inference_plan_reuses_memory),
	 TAP_CASE(plan_errors_name_the_node),
	 TAP_CASE(relu_folds_give_the_same_bits))
