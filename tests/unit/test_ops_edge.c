/* test_ops_edge.c - every op of the CPU backend on a small batch and on an
 * empty one (batch 0), forward and backward: the small batch must run, the
 * empty one must run or fail with a message naming the op and node, never
 * crash (the sanitizer build checks that no byte outside the tensors is
 * touched). */
#include "gradcheck.h"

/* Input shapes: ndim, then dims; B stands for the batch size. */
#define B (-7)
#define MAXIN 8

typedef struct edge_case {
	dh_op_type op;
	int nin, nout;
	int64_t in[MAXIN][6];
	void (*attrs)(dh_op_attrs *a);
} edge_case;

static void a_pool(dh_op_attrs *a)
{
	a->kernel_ndim = 2;
	a->kernel_shape[0] = a->kernel_shape[1] = 2;
}
static void a_train(dh_op_attrs *a)
{
	a->training_mode = 1;
}
static void a_axis1(dh_op_attrs *a)
{
	a->axis = 1;
}
static void a_reshape(dh_op_attrs *a)
{
	a->shape_ndim = 3;
	a->shape[0] = 0, a->shape[1] = 2, a->shape[2] = 3;
}
static void a_slice(dh_op_attrs *a)
{
	a->naxes = 1;
	a->axes[0] = 1, a->starts[0] = 1, a->ends[0] = 4;
}
static void a_pad(dh_op_attrs *a)
{
	a->pad_amounts[1] = 1, a->pad_amounts[3] = 2;
	a->pad_mode = DH_PADMODE_EDGE;
}
static void a_axes1(dh_op_attrs *a)
{
	a->naxes = 1;
	a->axes[0] = 1;
}
static void a_axes0(dh_op_attrs *a)
{
	a->naxes = 1;
	a->axes[0] = 0;
}
static void a_expand(dh_op_attrs *a)
{
	a->shape_ndim = 2;
	a->shape[0] = 1, a->shape[1] = 3;
}
static void a_tile(dh_op_attrs *a)
{
	a->repeats[0] = a->repeats[1] = 2;
}
static void a_resize(dh_op_attrs *a)
{
	a->nscales = 4;
	a->scales[0] = a->scales[1] = 1, a->scales[2] = a->scales[3] = 2;
	a->resize_mode = DH_RESIZE_LINEAR;
}
static void a_bidir(dh_op_attrs *a)
{
	a->direction = DH_RNN_BIDIRECTIONAL;
}

#define UNARY_CASE(op) {op, 1, 1, {{2, B, 3}}, NULL}
#define BINARY_CASE(op) {op, 2, 1, {{2, B, 3}, {1, 3}}, NULL}

static const edge_case cases[] = {
	{DH_OP_GEMM, 3, 1, {{2, B, 3}, {2, 3, 4}, {1, 4}}, NULL},
	{DH_OP_MATMUL, 2, 1, {{3, B, 2, 3}, {2, 3, 4}}, NULL},
	{DH_OP_CONV, 3, 1, {{4, B, 2, 5, 5}, {4, 3, 2, 3, 3}, {1, 3}}, NULL},
	{DH_OP_MAXPOOL, 1, 1, {{4, B, 2, 5, 5}}, a_pool},
	{DH_OP_AVERAGEPOOL, 1, 1, {{4, B, 2, 5, 5}}, a_pool},
	{DH_OP_GLOBALAVERAGEPOOL, 1, 1, {{4, B, 2, 3, 3}}, NULL},
	{DH_OP_GLOBALMAXPOOL, 1, 1, {{4, B, 2, 3, 3}}, NULL},
	{DH_OP_BATCHNORM, 5, 3,
	 {{4, B, 2, 3, 3}, {1, 2}, {1, 2}, {1, 2}, {1, 2}}, a_train},
	UNARY_CASE(DH_OP_RELU), UNARY_CASE(DH_OP_LEAKYRELU),
	UNARY_CASE(DH_OP_SIGMOID), UNARY_CASE(DH_OP_TANH),
	UNARY_CASE(DH_OP_ELU), UNARY_CASE(DH_OP_SELU),
	UNARY_CASE(DH_OP_SOFTPLUS), UNARY_CASE(DH_OP_SOFTSIGN),
	UNARY_CASE(DH_OP_HARDSIGMOID), UNARY_CASE(DH_OP_GELU),
	UNARY_CASE(DH_OP_ABS), UNARY_CASE(DH_OP_NEG), UNARY_CASE(DH_OP_EXP),
	UNARY_CASE(DH_OP_LOG), UNARY_CASE(DH_OP_SQRT),
	UNARY_CASE(DH_OP_RECIPROCAL), UNARY_CASE(DH_OP_SOFTMAX),
	UNARY_CASE(DH_OP_LOGSOFTMAX), UNARY_CASE(DH_OP_IDENTITY),
	UNARY_CASE(DH_OP_CLIP), UNARY_CASE(DH_OP_ERF),
	BINARY_CASE(DH_OP_ADD), BINARY_CASE(DH_OP_SUB), BINARY_CASE(DH_OP_MUL),
	BINARY_CASE(DH_OP_DIV), BINARY_CASE(DH_OP_POW),
	BINARY_CASE(DH_OP_PRELU), BINARY_CASE(DH_OP_SUM),
	BINARY_CASE(DH_OP_MEAN), BINARY_CASE(DH_OP_MAX), BINARY_CASE(DH_OP_MIN),
	{DH_OP_FLATTEN, 1, 1, {{3, B, 2, 3}}, NULL},
	{DH_OP_RESHAPE, 1, 1, {{2, B, 6}}, a_reshape},
	{DH_OP_DROPOUT, 1, 2, {{2, B, 3}}, a_train},
	{DH_OP_LAYERNORM, 3, 3, {{2, B, 4}, {1, 4}, {1, 4}}, NULL},
	{DH_OP_INSTANCENORM, 3, 1, {{3, B, 2, 3}, {1, 2}, {1, 2}}, NULL},
	{DH_OP_TRANSPOSE, 1, 1, {{3, B, 2, 3}}, NULL},
	{DH_OP_CONCAT, 2, 1, {{2, B, 2}, {2, B, 3}}, a_axis1},
	{DH_OP_SPLIT, 1, 2, {{2, B, 4}}, a_axis1},
	{DH_OP_SLICE, 1, 1, {{2, B, 5}}, a_slice},
	{DH_OP_PAD, 1, 1, {{2, B, 3}}, a_pad},
	{DH_OP_SQUEEZE, 1, 1, {{3, B, 1, 3}}, a_axes1},
	{DH_OP_UNSQUEEZE, 1, 1, {{2, B, 3}}, a_axes0},
	{DH_OP_REDUCESUM, 1, 1, {{2, B, 3}}, a_axes1},
	{DH_OP_REDUCEMEAN, 1, 1, {{2, B, 3}}, a_axes1},
	{DH_OP_REDUCEMAX, 1, 1, {{2, B, 3}}, a_axes1},
	{DH_OP_REDUCEMIN, 1, 1, {{2, B, 3}}, a_axes1},
	{DH_OP_REDUCEL2, 1, 1, {{2, B, 3}}, a_axes1},
	{DH_OP_CONVTRANSPOSE, 2, 1, {{4, B, 2, 3, 3}, {4, 2, 3, 2, 2}}, NULL},
	{DH_OP_GATHER, 2, 1, {{2, B, 3}, {1, 2}}, a_axis1},
	{DH_OP_EXPAND, 1, 1, {{2, B, 1}}, a_expand},
	{DH_OP_TILE, 1, 1, {{2, B, 2}}, a_tile},
	{DH_OP_RESIZE, 1, 1, {{4, B, 1, 2, 2}}, a_resize},
	{DH_OP_RNN, 3, 2, {{3, 3, B, 2}, {3, 2, 2, 2}, {3, 2, 2, 2}}, a_bidir},
	{DH_OP_GRU, 3, 2, {{3, 3, B, 2}, {3, 1, 6, 2}, {3, 1, 6, 2}}, NULL},
	{DH_OP_LSTM, 3, 3, {{3, 3, B, 2}, {3, 1, 8, 2}, {3, 1, 8, 2}}, NULL},
};

static dh_tensor *make_input(const edge_case *c, int i, int64_t n,
			     dh_rng *r)
{
	int64_t s[6];
	int nd = (int)c->in[i][0];
	for (int k = 0; k < nd; k++)
		s[k] = c->in[i][1 + k] == B ? n : c->in[i][1 + k];
	if (c->op == DH_OP_GATHER && i == 1) {
		dh_tensor *t = dh_tensor_new(DH_I64, nd, s, NULL);
		int64_t *p = t->data;
		p[0] = 0, p[1] = 2;
		return t;
	}
	dh_tensor *t = t_new(nd, s);
	/* positive values keep Log, Sqrt, Pow and Reciprocal defined */
	t_rand(t, r, 0.5f, 1.5f);
	return t;
}

static void run_edge(const edge_case *c, int64_t n)
{
	test_env t;
	env_init(&t, 2);
	t.ctx.node = "edge";
	dh_op_attrs a;
	dh_op_attrs_init(&a, c->op);
	if (c->attrs)
		c->attrs(&a);
	dh_tensor *in[MAXIN] = {0}, *out[4] = {0}, *dout[4] = {0},
		  *din[MAXIN] = {0};
	for (int i = 0; i < c->nin; i++)
		in[i] = make_input(c, i, n, &t.rng);
	if (!gc_alloc_outputs(c->op, &a, c->nin, in, c->nout, out)) {
		printf("# %s with batch %lld: no output shapes\n",
		       dh_op_name(c->op), (long long)n);
		goto done;
	}
	dh_err e;
	dh_status st = dh_op_forward(&t.ctx, c->op, &a, c->nin,
				     (const dh_tensor *const *)in, c->nout,
				     out, &e);
	if (st) {
		/* an empty batch may be refused, by name */
		CHECK(n == 0);
		CHECK_HAS(e.msg, dh_op_name(c->op));
		CHECK_HAS(e.msg, "'edge'");
		goto done;
	}
	for (int k = 0; k < c->nout; k++)
		if (out[k]->dtype == DH_F32) {
			dout[k] = t_like(out[k]);
			dh_tensor_fill(dout[k], 0.5);
		}
	for (int i = 0; i < c->nin; i++)
		if (in[i]->dtype == DH_F32)
			din[i] = t_like(in[i]);
	st = dh_op_backward(&t.ctx, c->op, &a, c->nin,
			    (const dh_tensor *const *)in, c->nout,
			    (const dh_tensor *const *)out,
			    (const dh_tensor *const *)dout, din, &e);
	if (st) {
		printf("# %s backward with batch %lld: %s\n", dh_op_name(c->op),
		       (long long)n, e.msg);
		CHECK(st == DH_OK);
	}
done:
	for (int k = 0; k < 4; k++) {
		dh_tensor_free(out[k]);
		dh_tensor_free(dout[k]);
	}
	for (int i = 0; i < MAXIN; i++) {
		dh_tensor_free(in[i]);
		dh_tensor_free(din[i]);
	}
	env_release(&t);
}

TEST(every_op_runs_on_a_small_and_an_empty_batch)
{
	int covered[DH_OP_COUNT] = {0};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		covered[cases[k].op] = 1;
		int before = tap_failed_checks;
		run_edge(&cases[k], 2);
		run_edge(&cases[k], 0);
		if (tap_failed_checks != before)
			printf("# ... in %s\n", dh_op_name(cases[k].op));
	}
	/* a new op must join this table */
	for (int i = 0; i < DH_OP_COUNT; i++)
		if (!covered[i])
			printf("# %s has no edge case\n",
			       dh_op_name((dh_op_type)i));
	for (int i = 0; i < DH_OP_COUNT; i++)
		CHECK(covered[i]);
}

TAP_MAIN(TAP_CASE(every_op_runs_on_a_small_and_an_empty_batch))
