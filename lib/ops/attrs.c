/* attrs.c - ONNX attributes and constant inputs into dh_op_attrs (see
 * op.h): the one place that knows which ONNX name fills which field, so
 * that an importer only walks a node's attributes and constant inputs. */
#include "config.h"

#include <string.h>

#include "ops/op.h"

static dh_status unknown(dh_op_type op, const char *node, const char *name,
			 dh_err *e)
{
	return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
			  "attribute '%s' is not supported", name);
}

static dh_status bad(dh_op_type op, const char *node, const char *name,
		     dh_err *e)
{
	return dh_op_fail(e, DH_EINVAL, op, node,
			  "attribute '%s' has a value dh does not handle",
			  name);
}

/* Copy n values into dst (room for cap); *count gets n. */
static dh_status copy_ints(dh_op_type op, const char *node, const char *name,
			   const int64_t *v, int n, int64_t *dst, int cap,
			   int *count, dh_err *e)
{
	if (n < 0 || n > cap)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "attribute '%s' has %d values (at most %d)",
				  name, n, cap);
	for (int i = 0; i < n; i++)
		dst[i] = v[i];
	if (count)
		*count = n;
	return DH_OK;
}

static int is_spatial(dh_op_type op)
{
	return op == DH_OP_CONV || op == DH_OP_CONVTRANSPOSE ||
	       op == DH_OP_MAXPOOL || op == DH_OP_AVERAGEPOOL;
}

static int is_recurrent(dh_op_type op)
{
	return op == DH_OP_RNN || op == DH_OP_GRU || op == DH_OP_LSTM;
}

static int is_reduce(dh_op_type op)
{
	return op >= DH_OP_REDUCESUM && op <= DH_OP_REDUCEL2;
}

static int has_axis(dh_op_type op)
{
	switch (op) {
	case DH_OP_SOFTMAX:
	case DH_OP_LOGSOFTMAX:
	case DH_OP_FLATTEN:
	case DH_OP_CONCAT:
	case DH_OP_SPLIT:
	case DH_OP_GATHER:
	case DH_OP_LAYERNORM:
		return 1;
	default:
		return 0;
	}
}

dh_status dh_op_set_ints(dh_op_attrs *a, dh_op_type op, const char *node,
			 const char *name, const int64_t *v, int n, dh_err *e)
{
	int scalar = n == 1;
	int64_t x = n > 0 ? v[0] : 0;
	if (is_spatial(op)) {
		int cnt;
		if (!strcmp(name, "kernel_shape"))
			return copy_ints(op, node, name, v, n, a->kernel_shape,
					 DH_MAX_SPATIAL, &a->kernel_ndim, e);
		if (!strcmp(name, "strides"))
			return copy_ints(op, node, name, v, n, a->strides,
					 DH_MAX_SPATIAL, &cnt, e);
		if (!strcmp(name, "dilations"))
			return copy_ints(op, node, name, v, n, a->dilations,
					 DH_MAX_SPATIAL, &cnt, e);
		if (!strcmp(name, "pads"))
			return copy_ints(op, node, name, v, n, a->pads,
					 2 * DH_MAX_SPATIAL, &cnt, e);
		if (op != DH_OP_MAXPOOL && op != DH_OP_AVERAGEPOOL &&
		    !strcmp(name, "group") && scalar) {
			a->group = x;
			return DH_OK;
		}
		if (op == DH_OP_CONVTRANSPOSE &&
		    !strcmp(name, "output_padding"))
			return copy_ints(op, node, name, v, n, a->output_padding,
					 DH_MAX_SPATIAL, &cnt, e);
		if (op == DH_OP_CONVTRANSPOSE && !strcmp(name, "output_shape"))
			return copy_ints(op, node, name, v, n, a->output_shape,
					 DH_MAX_SPATIAL, &a->output_shape_ndim,
					 e);
		if ((op == DH_OP_MAXPOOL || op == DH_OP_AVERAGEPOOL) &&
		    !strcmp(name, "ceil_mode") && scalar) {
			a->ceil_mode = x != 0;
			return DH_OK;
		}
		if (op == DH_OP_AVERAGEPOOL &&
		    !strcmp(name, "count_include_pad") && scalar) {
			a->count_include_pad = x != 0;
			return DH_OK;
		}
		if (op == DH_OP_MAXPOOL && !strcmp(name, "storage_order") &&
		    scalar)
			return x == 0 ? DH_OK : bad(op, node, name, e);
	}
	if (op == DH_OP_GEMM && scalar &&
	    (!strcmp(name, "transA") || !strcmp(name, "transB"))) {
		*(name[5] == 'A' ? &a->trans_a : &a->trans_b) = x != 0;
		return DH_OK;
	}
	if (has_axis(op) && !strcmp(name, "axis") && scalar) {
		a->axis = x;
		return DH_OK;
	}
	if (op == DH_OP_LAYERNORM && !strcmp(name, "stash_type") && scalar)
		return DH_OK; /* statistics are kept in double anyway */
	if (op == DH_OP_BATCHNORM && !strcmp(name, "training_mode") && scalar) {
		a->training_mode = x != 0;
		return DH_OK;
	}
	if (op == DH_OP_TRANSPOSE && !strcmp(name, "perm"))
		return copy_ints(op, node, name, v, n, a->perm, DH_MAX_DIMS,
				 &a->perm_ndim, e);
	if ((is_reduce(op) || op == DH_OP_SQUEEZE || op == DH_OP_UNSQUEEZE) &&
	    !strcmp(name, "axes"))
		return copy_ints(op, node, name, v, n, a->axes, DH_MAX_DIMS,
				 &a->naxes, e);
	if (is_reduce(op) && scalar && !strcmp(name, "keepdims")) {
		a->keepdims = x != 0;
		return DH_OK;
	}
	if (is_reduce(op) && scalar && !strcmp(name, "noop_with_empty_axes")) {
		a->noop_with_empty_axes = x != 0;
		return DH_OK;
	}
	if (op == DH_OP_SPLIT && !strcmp(name, "split"))
		return copy_ints(op, node, name, v, n, a->split, DH_OP_MAX_IO,
				 &a->nsplit, e);
	if (op == DH_OP_SPLIT && !strcmp(name, "num_outputs"))
		return DH_OK; /* the number of outputs says it */
	if (op == DH_OP_PAD && !strcmp(name, "pads"))
		return copy_ints(op, node, name, v, n, a->pad_amounts,
				 2 * DH_MAX_DIMS, NULL, e);
	if (op == DH_OP_RESHAPE && !strcmp(name, "allowzero") && scalar) {
		a->allowzero = x != 0;
		return DH_OK;
	}
	if (op == DH_OP_RESIZE && scalar &&
	    (!strcmp(name, "exclude_outside") || !strcmp(name, "antialias")))
		return x == 0 ? DH_OK : bad(op, node, name, e);
	if (is_recurrent(op) && scalar) {
		if (!strcmp(name, "hidden_size")) {
			a->hidden_size = x;
			return DH_OK;
		}
		if (!strcmp(name, "layout")) {
			a->rnn_layout = x != 0;
			return DH_OK;
		}
		if (op == DH_OP_GRU && !strcmp(name, "linear_before_reset")) {
			a->linear_before_reset = x != 0;
			return DH_OK;
		}
		if (op == DH_OP_LSTM && !strcmp(name, "input_forget")) {
			a->input_forget = x != 0;
			return DH_OK;
		}
	}
	return unknown(op, node, name, e);
}

dh_status dh_op_set_floats(dh_op_attrs *a, dh_op_type op, const char *node,
			   const char *name, const float *v, int n, dh_err *e)
{
	int scalar = n == 1;
	float x = n > 0 ? v[0] : 0.0f;
	if (scalar && !strcmp(name, "alpha") &&
	    (op == DH_OP_GEMM || op == DH_OP_LEAKYRELU || op == DH_OP_ELU ||
	     op == DH_OP_SELU || op == DH_OP_HARDSIGMOID)) {
		a->alpha = x;
		return DH_OK;
	}
	if (scalar && !strcmp(name, "beta") &&
	    (op == DH_OP_GEMM || op == DH_OP_HARDSIGMOID)) {
		a->beta = x;
		return DH_OK;
	}
	if (scalar && op == DH_OP_SELU && !strcmp(name, "gamma")) {
		a->gamma = x;
		return DH_OK;
	}
	if (scalar && !strcmp(name, "epsilon") &&
	    (op == DH_OP_BATCHNORM || op == DH_OP_LAYERNORM ||
	     op == DH_OP_INSTANCENORM)) {
		a->epsilon = x;
		return DH_OK;
	}
	if (scalar && op == DH_OP_BATCHNORM && !strcmp(name, "momentum")) {
		a->momentum = x;
		return DH_OK;
	}
	if (scalar && op == DH_OP_PAD && !strcmp(name, "value")) {
		a->pad_value = x;
		return DH_OK;
	}
	if (scalar && op == DH_OP_CLIP &&
	    (!strcmp(name, "min") || !strcmp(name, "max"))) {
		*(name[1] == 'i' ? &a->clip_min : &a->clip_max) = x;
		return DH_OK;
	}
	if (scalar && op == DH_OP_DROPOUT && !strcmp(name, "ratio")) {
		a->ratio = x;
		return DH_OK;
	}
	if (op == DH_OP_RESIZE && scalar && !strcmp(name, "cubic_coeff_a"))
		return DH_OK; /* used by cubic mode only, which is refused */
	if (op == DH_OP_RESIZE && scalar &&
	    !strcmp(name, "extrapolation_value"))
		return DH_OK; /* used by tf_crop_and_resize only */
	if (is_recurrent(op)) {
		if (scalar && !strcmp(name, "clip")) {
			a->rnn_clip = x;
			return DH_OK;
		}
		if (!strcmp(name, "activation_alpha") ||
		    !strcmp(name, "activation_beta")) {
			if (n > 6)
				return bad(op, node, name, e);
			float *dst = name[11] == 'a' ? a->rnn_alpha : a->rnn_beta;
			for (int i = 0; i < n; i++)
				dst[i] = v[i];
			return DH_OK;
		}
	}
	return unknown(op, node, name, e);
}

/* ONNX's activation names for the recurrent ops. */
static const char *const ract_names[] = {
	[DH_RACT_SIGMOID] = "Sigmoid",
	[DH_RACT_TANH] = "Tanh",
	[DH_RACT_RELU] = "Relu",
	[DH_RACT_AFFINE] = "Affine",
	[DH_RACT_LEAKYRELU] = "LeakyRelu",
	[DH_RACT_THRESHOLDEDRELU] = "ThresholdedRelu",
	[DH_RACT_SCALEDTANH] = "ScaledTanh",
	[DH_RACT_HARDSIGMOID] = "HardSigmoid",
	[DH_RACT_ELU] = "Elu",
	[DH_RACT_SOFTSIGN] = "Softsign",
	[DH_RACT_SOFTPLUS] = "Softplus",
};

/* Index of s in names[0..n), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -1;
}

dh_status dh_op_set_strings(dh_op_attrs *a, dh_op_type op, const char *node,
			    const char *name, const char *const *v, int n,
			    dh_err *e)
{
	const char *x = n > 0 ? v[0] : "";
	int k;
	if (n == 1 && is_spatial(op) && !strcmp(name, "auto_pad")) {
		static const char *const m[] = {"NOTSET", "SAME_UPPER",
						"SAME_LOWER", "VALID"};
		if ((k = pick(x, m, 4)) < 0)
			return bad(op, node, name, e);
		a->auto_pad = (dh_auto_pad)k;
		return DH_OK;
	}
	if (n == 1 && op == DH_OP_GELU && !strcmp(name, "approximate")) {
		static const char *const m[] = {"none", "tanh"};
		if ((k = pick(x, m, 2)) < 0)
			return bad(op, node, name, e);
		a->approximate_tanh = k;
		return DH_OK;
	}
	if (n == 1 && op == DH_OP_PAD && !strcmp(name, "mode")) {
		static const char *const m[] = {"constant", "reflect", "edge"};
		if ((k = pick(x, m, 3)) < 0)
			return bad(op, node, name, e);
		a->pad_mode = (dh_pad_mode)k;
		return DH_OK;
	}
	if (n == 1 && op == DH_OP_RESIZE) {
		static const char *const modes[] = {"nearest", "linear"};
		static const char *const coords[] = {
			"half_pixel", "pytorch_half_pixel", "align_corners",
			"asymmetric"};
		static const char *const nearest[] = {
			"round_prefer_floor", "round_prefer_ceil", "floor",
			"ceil"};
		if (!strcmp(name, "mode")) {
			if ((k = pick(x, modes, 2)) < 0)
				return bad(op, node, name, e);
			a->resize_mode = (dh_resize_mode)k;
			return DH_OK;
		}
		if (!strcmp(name, "coordinate_transformation_mode")) {
			if ((k = pick(x, coords, 4)) < 0)
				return bad(op, node, name, e);
			a->coord_mode = (dh_coord_mode)k;
			return DH_OK;
		}
		if (!strcmp(name, "nearest_mode")) {
			if ((k = pick(x, nearest, 4)) < 0)
				return bad(op, node, name, e);
			a->nearest_mode = (dh_nearest_mode)k;
			return DH_OK;
		}
		if (!strcmp(name, "keep_aspect_ratio_policy"))
			return !strcmp(x, "stretch") ? DH_OK
						     : bad(op, node, name, e);
	}
	if (is_recurrent(op) && n == 1 && !strcmp(name, "direction")) {
		static const char *const m[] = {"forward", "reverse",
						"bidirectional"};
		if ((k = pick(x, m, 3)) < 0)
			return bad(op, node, name, e);
		a->direction = (dh_rnn_direction)k;
		return DH_OK;
	}
	if (is_recurrent(op) && !strcmp(name, "activations")) {
		if (n > 6)
			return bad(op, node, name, e);
		for (int i = 0; i < n; i++) {
			k = pick(v[i], ract_names, DH_RACT_COUNT);
			if (k < 0)
				return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
						  "activation '%s' is not "
						  "supported",
						  v[i]);
			a->rnn_acts[i] = (dh_rnn_act)k;
		}
		return DH_OK;
	}
	return unknown(op, node, name, e);
}

/* The integer values of a constant input (any integer dtype). */
static dh_status const_ints(dh_op_type op, const char *node, int index,
			    const dh_tensor *t, int64_t *dst, int cap,
			    int *count, dh_err *e)
{
	int64_t n = dh_tensor_numel(t);
	if (dh_dtype_is_float(t->dtype) || t->dtype == DH_BOOL)
		return dh_op_fail(e, DH_EINVAL, op, node,
				  "input %d must hold integers, not %s", index,
				  dh_dtype_name(t->dtype));
	if (n > cap)
		return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
				  "input %d has %lld values (at most %d)",
				  index, (long long)n, cap);
	for (int64_t i = 0; i < n; i++)
		dst[i] = (int64_t)dh_dtype_get(t->dtype, t->data, (size_t)i);
	if (count)
		*count = (int)n;
	return DH_OK;
}

/* The first value of a constant input as a double. */
static double const_scalar(const dh_tensor *t)
{
	return dh_tensor_numel(t) > 0 ? dh_dtype_get(t->dtype, t->data, 0)
				      : 0.0;
}

dh_status dh_op_set_input(dh_op_attrs *a, dh_op_type op, const char *node,
			  int index, const dh_tensor *value, int data_rank,
			  dh_err *e)
{
	int64_t tmp[2 * DH_MAX_DIMS];
	int n = 0;
	dh_status st;
	switch (op) {
	case DH_OP_RESHAPE:
	case DH_OP_EXPAND:
		if (index == 1)
			return const_ints(op, node, index, value, a->shape,
					  DH_MAX_DIMS, &a->shape_ndim, e);
		break;
	case DH_OP_TILE:
		if (index == 1)
			return const_ints(op, node, index, value, a->repeats,
					  DH_MAX_DIMS, NULL, e);
		break;
	case DH_OP_SPLIT:
		if (index == 1)
			return const_ints(op, node, index, value, a->split,
					  DH_OP_MAX_IO, &a->nsplit, e);
		break;
	case DH_OP_SQUEEZE:
	case DH_OP_UNSQUEEZE:
	case DH_OP_REDUCESUM:
	case DH_OP_REDUCEMEAN:
	case DH_OP_REDUCEMAX:
	case DH_OP_REDUCEMIN:
	case DH_OP_REDUCEL2:
		if (index == 1)
			return const_ints(op, node, index, value, a->axes,
					  DH_MAX_DIMS, &a->naxes, e);
		break;
	case DH_OP_SLICE: {
		/* starts, ends, axes, steps; axes default to 0..n-1 */
		int64_t *dst[4] = {a->starts, a->ends, a->axes, a->steps};
		if (index < 1 || index > 4)
			break;
		st = const_ints(op, node, index, value, dst[index - 1],
				DH_MAX_DIMS, &n, e);
		if (st)
			return st;
		if (index == 1 && !a->naxes) {
			a->naxes = n;
			for (int i = 0; i < n; i++)
				a->axes[i] = i;
		}
		if (index == 3)
			a->naxes = n;
		return DH_OK;
	}
	case DH_OP_PAD:
		if (index == 1) {
			/* pads for every axis, or for the axes of input 3
			 * (given first: ONNX lists inputs in order, so the
			 * importer passes axes before pads when present) */
			st = const_ints(op, node, index, value, tmp,
					2 * DH_MAX_DIMS, &n, e);
			if (st)
				return st;
			if (data_rank < 1 || data_rank > DH_MAX_DIMS)
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "the rank of the data is "
						  "needed for pads");
			int k = a->naxes ? a->naxes : data_rank;
			if (n != 2 * k)
				return dh_op_fail(e, DH_ESHAPE, op, node,
						  "%d pads for %d axes", n, k);
			memset(a->pad_amounts, 0, sizeof a->pad_amounts);
			for (int i = 0; i < k; i++) {
				int64_t ax = a->naxes ? a->axes[i] : i;
				if (ax < 0)
					ax += data_rank;
				if (ax < 0 || ax >= data_rank)
					return dh_op_fail(e, DH_EINVAL, op,
							  node, "pad axis out "
							  "of range");
				a->pad_amounts[ax] = tmp[i];
				a->pad_amounts[data_rank + ax] = tmp[k + i];
			}
			return DH_OK;
		}
		if (index == 2) {
			a->pad_value = (float)const_scalar(value);
			return DH_OK;
		}
		if (index == 3)
			return const_ints(op, node, index, value, a->axes,
					  DH_MAX_DIMS, &a->naxes, e);
		break;
	case DH_OP_CLIP:
		if (index == 1 || index == 2) {
			float v = (float)const_scalar(value);
			*(index == 1 ? &a->clip_min : &a->clip_max) = v;
			return DH_OK;
		}
		break;
	case DH_OP_DROPOUT:
		if (index == 1) {
			a->ratio = (float)const_scalar(value);
			return DH_OK;
		}
		if (index == 2) {
			a->training_mode = const_scalar(value) != 0.0;
			return DH_OK;
		}
		break;
	case DH_OP_RESIZE:
		if (index == 1) /* roi: tf_crop_and_resize only */
			return DH_OK;
		if (index == 2) {
			int64_t k = dh_tensor_numel(value);
			if (k == 0)
				return DH_OK; /* empty: sizes follow */
			if (!dh_dtype_is_float(value->dtype) || k > DH_MAX_DIMS)
				return dh_op_fail(e, DH_EINVAL, op, node,
						  "scales must be up to %d "
						  "floats",
						  DH_MAX_DIMS);
			for (int64_t i = 0; i < k; i++)
				a->scales[i] = (float)dh_dtype_get(
					value->dtype, value->data, (size_t)i);
			a->nscales = (int)k;
			return DH_OK;
		}
		if (index == 3)
			return const_ints(op, node, index, value, a->shape,
					  DH_MAX_DIMS, &a->shape_ndim, e);
		break;
	default:
		break;
	}
	return dh_op_fail(e, DH_EUNSUPPORTED, op, node,
			  "input %d is not one dh takes as a constant", index);
}
