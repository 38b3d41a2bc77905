/* op.c - op names, attribute defaults, the workspace, and the checked entry
 * points that dispatch to a backend (see op.h).  Shape inference is in
 * infer.c. */
#include "config.h"

#include "ops/op.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "ops/op_private.h"

static const char *const op_names[] = {
	[DH_OP_GEMM] = "Gemm",
	[DH_OP_MATMUL] = "MatMul",
	[DH_OP_CONV] = "Conv",
	[DH_OP_MAXPOOL] = "MaxPool",
	[DH_OP_AVERAGEPOOL] = "AveragePool",
	[DH_OP_GLOBALAVERAGEPOOL] = "GlobalAveragePool",
	[DH_OP_GLOBALMAXPOOL] = "GlobalMaxPool",
	[DH_OP_BATCHNORM] = "BatchNormalization",
	[DH_OP_RELU] = "Relu",
	[DH_OP_LEAKYRELU] = "LeakyRelu",
	[DH_OP_SIGMOID] = "Sigmoid",
	[DH_OP_TANH] = "Tanh",
	[DH_OP_ELU] = "Elu",
	[DH_OP_SELU] = "Selu",
	[DH_OP_SOFTPLUS] = "Softplus",
	[DH_OP_SOFTSIGN] = "Softsign",
	[DH_OP_HARDSIGMOID] = "HardSigmoid",
	[DH_OP_GELU] = "Gelu",
	[DH_OP_ABS] = "Abs",
	[DH_OP_NEG] = "Neg",
	[DH_OP_EXP] = "Exp",
	[DH_OP_LOG] = "Log",
	[DH_OP_SQRT] = "Sqrt",
	[DH_OP_RECIPROCAL] = "Reciprocal",
	[DH_OP_SOFTMAX] = "Softmax",
	[DH_OP_LOGSOFTMAX] = "LogSoftmax",
	[DH_OP_ADD] = "Add",
	[DH_OP_SUB] = "Sub",
	[DH_OP_MUL] = "Mul",
	[DH_OP_DIV] = "Div",
	[DH_OP_FLATTEN] = "Flatten",
	[DH_OP_RESHAPE] = "Reshape",
	[DH_OP_IDENTITY] = "Identity",
	[DH_OP_DROPOUT] = "Dropout",
	[DH_OP_LAYERNORM] = "LayerNormalization",
	[DH_OP_INSTANCENORM] = "InstanceNormalization",
	[DH_OP_TRANSPOSE] = "Transpose",
	[DH_OP_CONCAT] = "Concat",
	[DH_OP_SPLIT] = "Split",
	[DH_OP_SLICE] = "Slice",
	[DH_OP_PAD] = "Pad",
	[DH_OP_SQUEEZE] = "Squeeze",
	[DH_OP_UNSQUEEZE] = "Unsqueeze",
	[DH_OP_REDUCESUM] = "ReduceSum",
	[DH_OP_REDUCEMEAN] = "ReduceMean",
	[DH_OP_REDUCEMAX] = "ReduceMax",
	[DH_OP_REDUCEMIN] = "ReduceMin",
	[DH_OP_REDUCEL2] = "ReduceL2",
	[DH_OP_CONVTRANSPOSE] = "ConvTranspose",
	[DH_OP_POW] = "Pow",
	[DH_OP_PRELU] = "PRelu",
	[DH_OP_SUM] = "Sum",
	[DH_OP_MEAN] = "Mean",
	[DH_OP_MAX] = "Max",
	[DH_OP_MIN] = "Min",
	[DH_OP_CLIP] = "Clip",
	[DH_OP_GATHER] = "Gather",
	[DH_OP_EXPAND] = "Expand",
	[DH_OP_TILE] = "Tile",
	[DH_OP_RESIZE] = "Resize",
	[DH_OP_RNN] = "RNN",
	[DH_OP_GRU] = "GRU",
	[DH_OP_LSTM] = "LSTM",
	[DH_OP_ERF] = "Erf",
};
static_assert(sizeof op_names / sizeof op_names[0] == DH_OP_COUNT,
	      "op_names must name every dh_op_type");

const char *dh_op_name(dh_op_type op)
{
	return (unsigned)op < DH_OP_COUNT ? op_names[op] : "?";
}

int dh_op_parse(const char *name, dh_op_type *out)
{
	for (int i = 0; i < DH_OP_COUNT; i++)
		if (strcmp(name, op_names[i]) == 0) {
			*out = (dh_op_type)i;
			return 0;
		}
	return -1;
}

void dh_op_attrs_init(dh_op_attrs *a, dh_op_type op)
{
	memset(a, 0, sizeof *a);
	a->alpha = 1.0f;
	a->beta = 1.0f;
	a->group = 1;
	a->axis = 1;
	a->epsilon = 1e-5f;
	a->momentum = 0.9f;
	a->ratio = 0.5f;
	a->keepdims = 1;
	a->clip_min = -INFINITY;
	a->clip_max = INFINITY;
	for (int i = 0; i < DH_MAX_SPATIAL; i++)
		a->strides[i] = a->dilations[i] = 1;
	for (int i = 0; i < DH_MAX_DIMS; i++)
		a->steps[i] = 1;
	switch (op) {
	case DH_OP_LEAKYRELU:
		a->alpha = 0.01f;
		break;
	case DH_OP_SELU:
		a->alpha = 1.67326319217681884765625f;
		a->gamma = 1.05070102214813232421875f;
		break;
	case DH_OP_HARDSIGMOID:
		a->alpha = 0.2f;
		a->beta = 0.5f;
		break;
	case DH_OP_SOFTMAX:
	case DH_OP_LOGSOFTMAX:
	case DH_OP_LAYERNORM:
		a->axis = -1;
		break;
	case DH_OP_SPLIT:
	case DH_OP_GATHER:
		a->axis = 0;
		break;
	default:
		break;
	}
}

dh_dtype dh_op_output_dtype(dh_op_type op, int k)
{
	if (op == DH_OP_DROPOUT && k == 1)
		return DH_BOOL;
	if (op == DH_OP_MAXPOOL && k == 1)
		return DH_I64;
	return DH_F32;
}

void dh_op_arity(dh_op_type op, int *min_in, int *max_in, int *min_out,
		 int *max_out)
{
	int ni = 1, xi = 1, no = 1, xo = 1;
	switch (op) {
	case DH_OP_GEMM: ni = 2; xi = 3; break;
	case DH_OP_CONV:
	case DH_OP_CONVTRANSPOSE: ni = 2; xi = 3; break;
	case DH_OP_MATMUL:
	case DH_OP_ADD:
	case DH_OP_SUB:
	case DH_OP_MUL:
	case DH_OP_DIV:
	case DH_OP_POW:
	case DH_OP_PRELU:
	case DH_OP_GATHER: ni = xi = 2; break;
	case DH_OP_RNN:
	case DH_OP_GRU: ni = 3; xi = 6; xo = 2; break;
	case DH_OP_LSTM: ni = 3; xi = 8; xo = 3; break;
	case DH_OP_SUM:
	case DH_OP_MEAN:
	case DH_OP_MAX:
	case DH_OP_MIN: xi = DH_OP_MAX_IO; break;
	case DH_OP_BATCHNORM: ni = xi = 5; xo = 3; break;
	case DH_OP_DROPOUT:
	case DH_OP_MAXPOOL: xo = 2; break;
	case DH_OP_LAYERNORM: ni = 2; xi = 3; xo = 3; break;
	case DH_OP_INSTANCENORM: ni = xi = 3; break;
	case DH_OP_CONCAT: xi = DH_OP_MAX_IO; break;
	case DH_OP_SPLIT: xo = DH_OP_MAX_IO; break;
	default: break;
	}
	*min_in = ni, *max_in = xi, *min_out = no, *max_out = xo;
}

dh_status dh_op_fail(dh_err *e, dh_status s, dh_op_type op, const char *node,
		     const char *fmt, ...)
{
	if (!e)
		return s;
	int n;
	if (node && *node)
		n = snprintf(e->msg, sizeof e->msg, "%s node '%s': ",
			     dh_op_name(op), node);
	else
		n = snprintf(e->msg, sizeof e->msg, "%s: ", dh_op_name(op));
	if (n < 0 || (size_t)n >= sizeof e->msg)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
	va_end(ap);
	e->status = s;
	return s;
}

/* ---- workspace ---------------------------------------------------------- */

void dh_workspace_init(dh_workspace *ws)
{
	memset(ws, 0, sizeof *ws);
}

void dh_workspace_release(dh_workspace *ws)
{
	dh_free_aligned(ws->data);
	memset(ws, 0, sizeof *ws);
}

void *dh_workspace_get(dh_workspace *ws, size_t bytes, dh_err *e)
{
	if (bytes <= ws->size && ws->data)
		return ws->data;
	/* the old contents are not kept: a workspace is scratch per call */
	void *p = dh_alloc_aligned(bytes ? bytes : 1, e);
	if (!p)
		return NULL;
	dh_free_aligned(ws->data);
	ws->data = p;
	ws->size = bytes;
	ws->grows++;
	return p;
}

static const char *fmt_shape(char *buf, size_t n, const dh_shape *s)
{
	return dh_shape_format(buf, n, s->ndim, s->d);
}

/* ---- checked dispatch --------------------------------------------------- */

int dh_op_supported(const dh_device *dev, dh_op_type op, int need_backward)
{
	const dh_backend *b = dh_device_backend(dev, NULL);
	if (!b || (unsigned)op >= DH_OP_COUNT || !b->kernels[op].forward)
		return 0;
	return !need_backward || b->kernels[op].backward != NULL;
}

int dh_op_folds_relu(const dh_device *dev, dh_op_type op)
{
	const dh_backend *b = dh_device_backend(dev, NULL);
	return b && (unsigned)op < DH_OP_COUNT && b->kernels[op].relu_after;
}

/* Optional inputs: Gemm's C and Conv's B may be NULL. */
static int is_recurrent(dh_op_type op)
{
	return op == DH_OP_RNN || op == DH_OP_GRU || op == DH_OP_LSTM;
}

static int optional_input(dh_op_type op, int i)
{
	if (is_recurrent(op))
		return i >= 3;
	return (op == DH_OP_GEMM || op == DH_OP_CONV ||
		op == DH_OP_CONVTRANSPOSE || op == DH_OP_LAYERNORM) &&
	       i == 2;
}

/* Inputs that hold integers rather than float32. */
static int integer_input(dh_op_type op, int i)
{
	return (op == DH_OP_GATHER && i == 1) || (is_recurrent(op) && i == 4);
}

/* Drop trailing NULL optional inputs so kernels see nin as ONNX would. */
static int effective_nin(dh_op_type op, int nin, const dh_tensor *const *in)
{
	while (nin > 0 && !in[nin - 1] && optional_input(op, nin - 1))
		nin--;
	return nin;
}

static dh_status check_call(const dh_op_ctx *ctx, dh_op_type op,
			    const dh_op_attrs *a, int nin,
			    const dh_tensor *const *in, int nout,
			    const dh_tensor *const *out, const dh_kernel **k,
			    dh_err *e)
{
	const char *node = ctx ? ctx->node : NULL;
	if ((unsigned)op >= DH_OP_COUNT)
		return dh_err_set(e, DH_EINVAL, "unknown op type %d", (int)op);
	if (!ctx || !ctx->dev)
		return dh_op_fail(e, DH_EINVAL, op, node, "no device given");
	const dh_backend *b = dh_device_backend(ctx->dev, e);
	if (!b)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "no backend for device %s:%d",
				  dh_device_kind_name(ctx->dev->kind),
				  ctx->dev->index);
	*k = &b->kernels[op];
	if (!(*k)->forward)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "has no kernel on the %s backend", b->name);
	dh_shape ins[DH_OP_MAX_IO], want[DH_OP_MAX_IO];
	if (nin > DH_OP_MAX_IO || nout > DH_OP_MAX_IO)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "too many inputs or outputs");
	for (int i = 0; i < nin; i++) {
		if (!in[i] && optional_input(op, i)) {
			ins[i].ndim = -1;
			continue;
		}
		if (!in[i])
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "input %d is missing", i);
		if (integer_input(op, i)) {
			if (dh_dtype_is_float(in[i]->dtype) ||
			    in[i]->dtype == DH_BOOL)
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "input %d is %s, not "
						  "integers",
						  i, dh_dtype_name(in[i]->dtype));
		} else if (in[i]->dtype != DH_F32) {
			return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
					  "input %d is %s (float32 only)", i,
					  dh_dtype_name(in[i]->dtype));
		}
		dh_shape_of(&ins[i], in[i]);
	}
	dh_status st = dh_op_infer(op, a, node, nin, ins, nout, want, e);
	if (st)
		return st;
	for (int i = 0; i < nout; i++) {
		char s0[128], s1[128];
		if (!out[i])
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "output %d is missing", i);
		dh_dtype dt = dh_op_output_dtype(op, i);
		if (out[i]->dtype != dt)
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "output %d is %s, not %s", i,
					  dh_dtype_name(out[i]->dtype),
					  dh_dtype_name(dt));
		if (!dh_shape_equal(out[i]->ndim, out[i]->shape, want[i].ndim,
				    want[i].d))
			return dh_op_fail(
				e, DH_ESHAPE, op, node,
				"output %d is %s, the inputs give %s", i,
				dh_shape_format(s0, sizeof s0, out[i]->ndim,
						out[i]->shape),
				fmt_shape(s1, sizeof s1, &want[i]));
	}
	return DH_OK;
}

dh_status dh_op_forward(const dh_op_ctx *ctx, dh_op_type op,
			const dh_op_attrs *a, int nin,
			const dh_tensor *const *in, int nout,
			dh_tensor *const *out, dh_err *e)
{
	const dh_kernel *k;
	nin = effective_nin(op, nin, in);
	dh_status st = check_call(ctx, op, a, nin, in, nout,
				  (const dh_tensor *const *)out, &k, e);
	if (st)
		return st;
	return k->forward(ctx, a, nin, in, nout, out, e);
}

dh_status dh_op_backward(const dh_op_ctx *ctx, dh_op_type op,
			 const dh_op_attrs *a, int nin,
			 const dh_tensor *const *in, int nout,
			 const dh_tensor *const *out,
			 const dh_tensor *const *dout, dh_tensor *const *din,
			 dh_err *e)
{
	const dh_kernel *k;
	nin = effective_nin(op, nin, in);
	dh_status st = check_call(ctx, op, a, nin, in, nout, out, &k, e);
	if (st)
		return st;
	const char *node = ctx->node;
	if (!k->backward)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "no backward on this backend");
	if (!dout[0] && op != DH_OP_SPLIT && !is_recurrent(op))
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "the gradient of output 0 is missing");
	for (int i = 0; i < nout; i++) {
		if (!dout[i])
			continue;
		if (dout[i]->dtype != DH_F32 ||
		    !dh_shape_equal(dout[i]->ndim, dout[i]->shape,
				    out[i]->ndim, out[i]->shape))
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "the gradient of output %d does not "
					  "match the output",
					  i);
	}
	for (int i = 0; i < nin; i++) {
		if (!din[i])
			continue;
		if (integer_input(op, i))
			return dh_op_fail(e, DH_EINVAL, op, node,
					  "input %d (integers) has no "
					  "gradient", i);
		if (din[i]->dtype != DH_F32 ||
		    !dh_shape_equal(din[i]->ndim, din[i]->shape, in[i]->ndim,
				    in[i]->shape))
			return dh_op_fail(e, DH_ESHAPE, op, node,
					  "the gradient of input %d does not "
					  "match the input",
					  i);
	}
	return k->backward(ctx, a, nin, in, nout, out, dout, din, e);
}

dh_status dh_op_check_finite(const dh_op_ctx *ctx, dh_op_type op,
			     const dh_tensor *t, const char *what, dh_err *e)
{
	if (t->dtype != DH_F32)
		return DH_OK;
	const float *p = dh_tensor_f32(t);
	int64_t n = dh_tensor_numel(t);
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(p[i]))
			return dh_op_fail(e, DH_ENUMERIC, op,
					  ctx ? ctx->node : NULL,
					  "%s holds %s at element %lld", what,
					  isnan(p[i]) ? "NaN" : "an infinity",
					  (long long)i);
	return DH_OK;
}
