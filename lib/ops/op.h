/* op.h - tensor operations in ONNX semantics, reached through a per-device
 * dispatch table.
 *
 * An op is named by its ONNX type (dh_op_type, with the ONNX spelling from
 * dh_op_name) and configured by one dh_op_attrs holding the ONNX attributes
 * that dh understands; dh_op_attrs_init sets the ONNX defaults.  Inputs that
 * recent ONNX opsets pass as constant tensors (Reshape's and Expand's shape,
 * Dropout's ratio and training_mode, Tile's repeats, Clip's bounds, the axes
 * of Reduce*, Squeeze and Unsqueeze, Slice's starts/ends/axes/steps, Pad's
 * pads and value, Split's sizes, Resize's scales or sizes) are carried in
 * the attributes: whoever builds the node (the ONNX importer) folds those
 * constants in.
 *
 * Device independence: shape inference (dh_op_infer, infer.c) and argument
 * checks are common to every device; the arithmetic lives in a backend's
 * kernel table (lib/ops/cpu/ for the CPU), so a new backend is one folder
 * filling a dh_backend.  lib/ops/README.md says how to add an op.
 *
 * Tensors: float32 (but see dh_op_forward), contiguous, row-major, NCHW for
 * images.  Outputs are
 * allocated by the caller with the shapes dh_op_infer gives; kernels never
 * allocate tensors.  Scratch memory (im2col buffers) comes from the caller's
 * dh_workspace, which grows on first use and is then reused, so a training
 * step allocates nothing after the first.
 *
 * Backward: given the forward inputs and outputs and the gradients of the
 * outputs (dout), write the gradient of every input whose din[i] is not NULL.
 * Gradients are written, not accumulated: a graph that fans a tensor out sums
 * the contributions itself.  Every message names the op and, when the context
 * carries one, the node. */
#ifndef DH_OPS_OP_H
#define DH_OPS_OP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "ops/device.h"

typedef enum dh_op_type {
	DH_OP_GEMM = 0,
	DH_OP_MATMUL,
	DH_OP_CONV,
	DH_OP_MAXPOOL,
	DH_OP_AVERAGEPOOL,
	DH_OP_GLOBALAVERAGEPOOL,
	DH_OP_GLOBALMAXPOOL,
	DH_OP_BATCHNORM,
	DH_OP_RELU,
	DH_OP_LEAKYRELU,
	DH_OP_SIGMOID,
	DH_OP_TANH,
	DH_OP_ELU,
	DH_OP_SELU,
	DH_OP_SOFTPLUS,
	DH_OP_SOFTSIGN,
	DH_OP_HARDSIGMOID,
	DH_OP_GELU,
	DH_OP_ABS,
	DH_OP_NEG,
	DH_OP_EXP,
	DH_OP_LOG,
	DH_OP_SQRT,
	DH_OP_RECIPROCAL,
	DH_OP_SOFTMAX,
	DH_OP_LOGSOFTMAX,
	DH_OP_ADD,
	DH_OP_SUB,
	DH_OP_MUL,
	DH_OP_DIV,
	DH_OP_FLATTEN,
	DH_OP_RESHAPE,
	DH_OP_IDENTITY,
	DH_OP_DROPOUT,
	DH_OP_LAYERNORM,
	DH_OP_INSTANCENORM,
	DH_OP_TRANSPOSE,
	DH_OP_CONCAT,
	DH_OP_SPLIT,
	DH_OP_SLICE,
	DH_OP_PAD,
	DH_OP_SQUEEZE,
	DH_OP_UNSQUEEZE,
	DH_OP_REDUCESUM,
	DH_OP_REDUCEMEAN,
	DH_OP_REDUCEMAX,
	DH_OP_REDUCEMIN,
	DH_OP_REDUCEL2,
	DH_OP_CONVTRANSPOSE,
	DH_OP_POW,
	DH_OP_PRELU,
	DH_OP_SUM,
	DH_OP_MEAN,
	DH_OP_MAX,
	DH_OP_MIN,
	DH_OP_CLIP,
	DH_OP_GATHER,
	DH_OP_EXPAND,
	DH_OP_TILE,
	DH_OP_RESIZE,
	DH_OP_RNN,
	DH_OP_GRU,
	DH_OP_LSTM,
	DH_OP_ERF,
	DH_OP_COUNT
} dh_op_type;

typedef enum dh_auto_pad {
	DH_PAD_NOTSET = 0, /* use pads */
	DH_PAD_SAME_UPPER, /* output = ceil(in / stride), extra pad at the end */
	DH_PAD_SAME_LOWER, /* the same, extra pad at the beginning */
	DH_PAD_VALID       /* no padding */
} dh_auto_pad;

/* Spatial ops handle 1 to 3 spatial dimensions. */
#define DH_MAX_SPATIAL 3
/* Most inputs (Concat) and outputs (Split) of one op. */
#define DH_OP_MAX_IO 32

typedef enum dh_resize_mode {
	DH_RESIZE_NEAREST = 0,
	DH_RESIZE_LINEAR /* N-linear over every resized axis */
} dh_resize_mode;

typedef enum dh_coord_mode {
	DH_COORD_HALF_PIXEL = 0, /* ONNX's default */
	DH_COORD_PYTORCH_HALF_PIXEL,
	DH_COORD_ALIGN_CORNERS,
	DH_COORD_ASYMMETRIC
} dh_coord_mode;

typedef enum dh_nearest_mode {
	DH_NEAREST_ROUND_PREFER_FLOOR = 0, /* ONNX's default */
	DH_NEAREST_ROUND_PREFER_CEIL,
	DH_NEAREST_FLOOR,
	DH_NEAREST_CEIL
} dh_nearest_mode;

typedef enum dh_rnn_direction {
	DH_RNN_FORWARD = 0,
	DH_RNN_REVERSE,
	DH_RNN_BIDIRECTIONAL
} dh_rnn_direction;

/* The activations of the recurrent ops (ONNX's `activations`), with
 * alpha and beta as the ONNX op of that name uses them (Affine:
 * alpha x + beta; ScaledTanh: alpha tanh(beta x); ...).  DEFAULT is the
 * op's own for that slot: RNN Tanh; GRU Sigmoid, Tanh; LSTM Sigmoid, Tanh,
 * Tanh. */
typedef enum dh_rnn_act {
	DH_RACT_DEFAULT = 0,
	DH_RACT_SIGMOID,
	DH_RACT_TANH,
	DH_RACT_RELU,
	DH_RACT_AFFINE,
	DH_RACT_LEAKYRELU,
	DH_RACT_THRESHOLDEDRELU,
	DH_RACT_SCALEDTANH,
	DH_RACT_HARDSIGMOID,
	DH_RACT_ELU,
	DH_RACT_SOFTSIGN,
	DH_RACT_SOFTPLUS,
	DH_RACT_COUNT
} dh_rnn_act;

typedef enum dh_pad_mode {
	DH_PADMODE_CONSTANT = 0,
	DH_PADMODE_REFLECT, /* mirror without repeating the edge */
	DH_PADMODE_EDGE     /* repeat the edge */
} dh_pad_mode;

typedef struct dh_op_attrs {
	/* Gemm: Y = alpha * A' B' + beta * C.  Elu, LeakyRelu, Selu and
	 * HardSigmoid read alpha too (op-specific defaults). */
	float alpha, beta;
	int trans_a, trans_b;
	/* Selu */
	float gamma;
	/* Conv, MaxPool, AveragePool.  kernel_ndim == 0: Conv takes the
	 * kernel shape from W.  pads = begin[0..n), end[0..n). */
	int kernel_ndim;
	int64_t kernel_shape[DH_MAX_SPATIAL];
	int64_t strides[DH_MAX_SPATIAL];
	int64_t dilations[DH_MAX_SPATIAL];
	int64_t pads[2 * DH_MAX_SPATIAL];
	dh_auto_pad auto_pad;
	int64_t group;
	int count_include_pad;
	int ceil_mode;
	/* ConvTranspose: added at the end of each spatial axis (< stride);
	 * output_shape (spatial sizes; 0 axes: not given) sets the pads */
	int64_t output_padding[DH_MAX_SPATIAL];
	int output_shape_ndim;
	int64_t output_shape[DH_MAX_SPATIAL];
	/* Softmax, LogSoftmax, Flatten, LayerNormalization, Concat, Split,
	 * Gather */
	int64_t axis;
	/* BatchNormalization; epsilon also Layer- and InstanceNormalization */
	float epsilon, momentum;
	/* BatchNormalization (attribute) and Dropout (input in ONNX) */
	int training_mode;
	/* Not ONNX: set by the graph's planner when a Relu reading only
	 * this node's output is folded into it (BatchNormalization):
	 * output 0 is then Relu's, and backward masks dY where it is 0
	 * (graph/plan.c) */
	int relu_after;
	/* Dropout (an input in ONNX) */
	float ratio;
	/* Reshape and Expand (an input in ONNX) */
	int shape_ndim;
	int64_t shape[DH_MAX_DIMS];
	int allowzero;
	/* Gelu: 0 = exact (erf), 1 = "tanh" approximation */
	int approximate_tanh;
	/* Transpose (perm_ndim 0: reverse the axes) */
	int perm_ndim;
	int64_t perm[DH_MAX_DIMS];
	/* Reduce*, Squeeze, Unsqueeze, Slice (inputs in recent ONNX).
	 * Reduce*: naxes 0 reduces every axis, or none with
	 * noop_with_empty_axes.  Squeeze: naxes 0 drops every axis of size 1.
	 * Slice: starts, ends, steps per entry of axes. */
	int naxes;
	int64_t axes[DH_MAX_DIMS];
	int keepdims;
	int noop_with_empty_axes;
	int64_t starts[DH_MAX_DIMS], ends[DH_MAX_DIMS], steps[DH_MAX_DIMS];
	/* Split along axis: nsplit sizes, or 0 for equal parts (one per
	 * output; an uneven last part is smaller, as in opset 18) */
	int nsplit;
	int64_t split[DH_OP_MAX_IO];
	/* Pad: begin amounts for every axis, then end amounts (negative
	 * amounts crop); the value of constant padding */
	dh_pad_mode pad_mode;
	int64_t pad_amounts[2 * DH_MAX_DIMS];
	float pad_value;
	/* Clip (inputs in ONNX): -inf and +inf when absent */
	float clip_min, clip_max;
	/* Tile (an input in ONNX): one count per axis */
	int64_t repeats[DH_MAX_DIMS];
	/* Resize: scales per axis (nscales = rank), or the output sizes in
	 * shape/shape_ndim (inputs in ONNX) */
	dh_resize_mode resize_mode;
	dh_coord_mode coord_mode;
	dh_nearest_mode nearest_mode;
	int nscales;
	float scales[DH_MAX_DIMS];
	/* RNN, GRU, LSTM.  hidden_size 0: from W. */
	int64_t hidden_size;
	dh_rnn_direction direction;
	int linear_before_reset;           /* GRU */
	/* activations per direction: f (RNN); f, g (GRU); f, g, h (LSTM),
	 * the reverse direction's after the forward one's */
	dh_rnn_act rnn_acts[6];
	float rnn_alpha[6], rnn_beta[6];
	int rnn_layout; /* 1: batch first: X [B, S, I], Y [B, S, D, H],
			 * states [B, D, H] */
	float rnn_clip; /* > 0: every gate's input clipped to [-clip, clip] */
	int input_forget; /* LSTM: forget gate = 1 - input gate */
} dh_op_attrs;

/* ndim -1 marks an optional input that is absent (dh_op_infer). */
typedef struct dh_shape {
	int ndim;
	int64_t d[DH_MAX_DIMS];
} dh_shape;

/* Scratch memory owned by the caller: one block that grows to the largest
 * request and is kept.  _init/_release: storage is the caller's. */
typedef struct dh_workspace {
	void *data;
	size_t size;
	int grows; /* times it was (re)allocated: tests check it settles */
} dh_workspace;

void dh_workspace_init(dh_workspace *ws);
void dh_workspace_release(dh_workspace *ws);
/* A block of at least `bytes`, valid until the next call on ws; its
 * contents are undefined. */
void *dh_workspace_get(dh_workspace *ws, size_t bytes, dh_err *e);

/* What a kernel may use besides its tensors.  dev is required; ws by the
 * ops that need scratch (Conv, ConvTranspose, Gather, the recurrent ops,
 * LayerNormalization's backward: give one always); rng by Dropout in
 * training. */
typedef struct dh_op_ctx {
	const dh_device *dev;
	const char *node; /* node name for messages; may be NULL */
	dh_workspace *ws;
	dh_rng *rng;
} dh_op_ctx;

typedef dh_status (*dh_forward_fn)(const dh_op_ctx *ctx,
				   const dh_op_attrs *a, int nin,
				   const dh_tensor *const *in, int nout,
				   dh_tensor *const *out, dh_err *e);
typedef dh_status (*dh_backward_fn)(const dh_op_ctx *ctx,
				    const dh_op_attrs *a, int nin,
				    const dh_tensor *const *in, int nout,
				    const dh_tensor *const *out,
				    const dh_tensor *const *dout,
				    dh_tensor *const *din, dh_err *e);

typedef struct dh_kernel {
	dh_forward_fn forward;   /* NULL: op not supported on this device */
	dh_backward_fn backward; /* NULL: no gradient on this device */
	int relu_after;          /* 1: honours dh_op_attrs.relu_after */
} dh_kernel;

/* A backend: a name and DH_OP_COUNT kernels indexed by dh_op_type. */
typedef struct dh_backend {
	const char *name;
	const dh_kernel *kernels;
} dh_backend;

/* ONNX op type name ("Conv"); "?" for an invalid value. */
const char *dh_op_name(dh_op_type op);
/* Look an ONNX op type up; 0 or -1 if dh does not know it. */
int dh_op_parse(const char *name, dh_op_type *out);
/* ONNX defaults for op (alpha 0.01 for LeakyRelu, 1.0 for Elu, ...). */
void dh_op_attrs_init(dh_op_attrs *a, dh_op_type op);
/* The dtype of output k: float32 except Dropout's mask (bool) and
 * MaxPool's Indices (int64). */
dh_dtype dh_op_output_dtype(dh_op_type op, int k);
/* Allowed numbers of inputs and outputs. */
void dh_op_arity(dh_op_type op, int *min_in, int *max_in, int *min_out,
		 int *max_out);

/* Output shapes from input shapes.  Errors name the node (may be NULL) and
 * the op, and say which input does not fit. */
dh_status dh_op_infer(dh_op_type op, const dh_op_attrs *a, const char *node,
		      int nin, const dh_shape *in, int nout, dh_shape *out,
		      dh_err *e);

/* Whether dev's backend has a forward (and a backward) for op. */
int dh_op_supported(const dh_device *dev, dh_op_type op, int need_backward);
/* Whether op's kernel on dev can run a Relu after it (relu_after). */
int dh_op_folds_relu(const dh_device *dev, dh_op_type op);

/* Check arity, dtypes and shapes (against dh_op_infer) and run the kernel.
 * Inputs that are optional in ONNX may be NULL (Gemm's C, Conv's B, the
 * recurrent ops' B, sequence_lens, initial_h, initial_c, P).  All tensors
 * are float32 except Gather's indices and the recurrent ops' sequence_lens
 * (any integer type), Dropout's mask (bool) and MaxPool's Indices (int64):
 * see dh_op_output_dtype. */
dh_status dh_op_forward(const dh_op_ctx *ctx, dh_op_type op,
			const dh_op_attrs *a, int nin,
			const dh_tensor *const *in, int nout,
			dh_tensor *const *out, dh_err *e);
/* din[i] must have in[i]'s shape, or be NULL when that gradient is not
 * wanted; dout[i] has out[i]'s shape, NULL for outputs without gradient
 * (only output 0's is required, except for Split and the recurrent ops,
 * where any may be missing). */
dh_status dh_op_backward(const dh_op_ctx *ctx, dh_op_type op,
			 const dh_op_attrs *a, int nin,
			 const dh_tensor *const *in, int nout,
			 const dh_tensor *const *out,
			 const dh_tensor *const *dout, dh_tensor *const *din,
			 dh_err *e);

/* DH_ENUMERIC naming the op, the node and `what` ("output 0", ...) if t
 * holds a NaN or an infinity: how a training loop finds where a
 * divergence starts. */
dh_status dh_op_check_finite(const dh_op_ctx *ctx, dh_op_type op,
			     const dh_tensor *t, const char *what, dh_err *e);

/* For kernels: record s with "Op node 'name': " before the message. */
dh_status dh_op_fail(dh_err *e, dh_status s, dh_op_type op, const char *node,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static inline void dh_shape_of(dh_shape *s, const dh_tensor *t)
{
	s->ndim = t->ndim;
	for (int i = 0; i < t->ndim; i++)
		s->d[i] = t->shape[i];
}

#endif
