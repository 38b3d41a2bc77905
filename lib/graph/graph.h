/* graph.h - a network as a DAG of ONNX operations, run forward and backward.
 *
 * Values are the edges: graph inputs, parameters (trainable initializers),
 * constants (initializers that are not trained, such as BatchNorm's running
 * statistics) and activations (node outputs).  Nodes are ops from ops/op.h
 * in topological order.  The graph does not know ONNX files: lib/onnx
 * imports into it and exports from it.
 *
 * Life cycle: build (dh_graph_add_value, dh_graph_add_node), finalize
 * (checks, consumers, which values need gradients), then plan for a batch
 * size and a mode (shape inference naming the node at fault, memory plan,
 * allocation), then run forward and backward as often as wanted.  Planning
 * again for a batch no larger than the largest planned reuses the memory,
 * so a training loop allocates nothing after its first step.
 *
 * Memory: activations live in one arena.  For inference, a value's space is
 * reused once its last reader has run; for training every activation is
 * kept for the backward pass, and the activations' gradients share a second
 * arena by their lifetimes in the backward pass.  dh_graph_plan reports the
 * peak bytes.
 *
 * A Relu that alone reads a BatchNormalization's output is folded into it
 * when planning (one pass over the activation instead of two, and one
 * activation and one gradient less to keep); DH_FUSE=none turns that off.
 * The results are the same bits either way. */
#ifndef DH_GRAPH_GRAPH_H
#define DH_GRAPH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "core/tensor.h"
#include "ops/device.h"
#include "ops/op.h"

typedef enum dh_value_kind {
	DH_VAL_INPUT = 0, /* fed by the caller each pass */
	DH_VAL_PARAM,     /* trainable initializer */
	DH_VAL_CONST,     /* initializer that is not trained */
	DH_VAL_ACT,       /* a node's output */
} dh_value_kind;

typedef struct dh_value {
	char *name;
	dh_value_kind kind;
	dh_dtype dtype;
	/* declared shape; for inputs, dims < 0 are symbolic (the batch);
	 * after planning, the concrete shape */
	dh_shape decl, shape;
	int producer;      /* node index, -1 for inputs and initializers */
	int nconsumers;
	int is_output;     /* a graph output */
	int frozen;        /* a parameter excluded from training */
	int needs_grad;    /* set by finalize: gradient flows to it */
	dh_tensor *t;      /* data: owned (parameters, constants) or a view
			    * into the activation arena */
	dh_tensor *g;      /* gradient, when needs_grad and planned for
			    * training */
	/* memory plan */
	size_t offset, goffset;
	int last_use;      /* index of the last node reading it */
} dh_value;

typedef struct dh_node {
	char *name;
	dh_op_type op;
	dh_op_attrs a;
	int nin, nout;
	int in[DH_OP_MAX_IO];  /* value indices; -1: an omitted optional input */
	int out[DH_OP_MAX_IO]; /* -1: an omitted optional output */
	/* training-only outputs the graph adds (BatchNorm's running
	 * statistics, Dropout's mask): owned scratch */
	dh_tensor *extra[2];
	/* as planned: the attributes for this mode, and every output tensor
	 * (a value's, or an extra) */
	dh_op_attrs run;
	int run_nout;
	dh_tensor *run_out[DH_OP_MAX_IO];
	size_t mask_offset; /* Dropout's mask in the arena, when added */
	/* as planned: a Relu folded into the node before it (plan.c's
	 * fold_relus) is skipped (fused), and that node writes the Relu's
	 * output (relu_value, else -1) */
	int fused, relu_value;
} dh_node;

typedef struct dh_graph {
	dh_value *v;
	int nv, capv;
	dh_node *n;
	int nn, capn;
	int *inputs, ninputs;   /* value indices of the graph inputs */
	int *outputs, noutputs; /* value indices of the graph outputs */
	int finalized;
	dh_strmap names;         /* value name -> index */
	/* runtime */
	dh_device dev;
	dh_workspace ws;
	dh_rng rng;
	int training;            /* mode of the current plan */
	int64_t batch;           /* batch of the current plan; 0: none */
	void *arena, *garena, *scratch;
	size_t arena_cap, garena_cap, scratch_cap;
	size_t arena_used, garena_used, scratch_used;
	size_t param_bytes;
	int nscratch;            /* accumulation buffers of scratch_cap/n */
	dh_tensor **gcur;        /* per value: its gradient in this pass */
	unsigned char *gseen;    /* per value: a gradient was written */
	dh_tensor *scratch_t[DH_OP_MAX_IO];
	int check_finite;        /* report NaN/Inf naming the node */
	double *prof;            /* per node: forward and backward seconds
				  * (graph/profile.h); NULL: not profiling */
} dh_graph;

dh_graph *dh_graph_new(const dh_device *dev, uint64_t seed, dh_err *e);
void dh_graph_free(dh_graph *g);

/* Add a value; t (owned by the graph from then on; may be NULL for inputs
 * and activations) holds an initializer's data.  Returns its index or -1. */
int dh_graph_add_value(dh_graph *g, const char *name, dh_value_kind kind,
		       dh_dtype dtype, const dh_shape *decl, dh_tensor *t,
		       dh_err *e);
/* Index of a value by name, or -1. */
int dh_graph_find(const dh_graph *g, const char *name);
/* Add a node reading and writing existing values (-1: omitted). */
int dh_graph_add_node(dh_graph *g, const char *name, dh_op_type op,
		      const dh_op_attrs *a, int nin, const int *in, int nout,
		      const int *out, dh_err *e);
dh_status dh_graph_set_inputs(dh_graph *g, int n, const int *idx, dh_err *e);
dh_status dh_graph_set_outputs(dh_graph *g, int n, const int *idx, dh_err *e);

/* Freeze (or unfreeze) parameters whose name equals `name` or starts with
 * "name." (a layer); returns how many matched.  Call before finalize. */
int dh_graph_freeze(dh_graph *g, const char *name, int frozen);

/* Checks (every value produced once, nodes in order) and derives
 * consumers and which values need gradients. */
dh_status dh_graph_finalize(dh_graph *g, dh_err *e);

/* Infer every shape for this batch size and mode, and lay out memory. */
dh_status dh_graph_plan(dh_graph *g, int64_t batch, int training, dh_err *e);
/* The same with every input's shape given (for inputs without a batch
 * dimension, or several symbolic ones). */
dh_status dh_graph_plan_inputs(dh_graph *g, const dh_shape *inputs,
			       int training, dh_err *e);
/* Bytes of the current plan: activations (and their gradients when
 * training) plus parameters and their gradients. */
size_t dh_graph_peak_bytes(const dh_graph *g);

/* One forward pass; inputs[i] feeds graph input i and must have the
 * planned shape.  Outputs are read with dh_graph_output. */
dh_status dh_graph_forward(dh_graph *g, const dh_tensor *const *inputs,
			   dh_err *e);
/* Backward from the gradients of the graph outputs (NULL entries: no
 * gradient from that output).  Parameter gradients are overwritten. */
dh_status dh_graph_backward(dh_graph *g, const dh_tensor *const *dout,
			    dh_err *e);
dh_tensor *dh_graph_output(const dh_graph *g, int i);
/* Whether samples x [N, ...] fit graph input i as declared (any batch);
 * `what` names the data in the message. */
dh_status dh_graph_check_input(const dh_graph *g, int i, const dh_tensor *x,
			       const char *what, dh_err *e);

/* The trainable (not frozen) parameters and their gradients, in graph
 * order; arrays owned by the caller (free them), tensors by the graph. */
dh_status dh_graph_params(const dh_graph *g, dh_tensor ***params,
			  dh_tensor ***grads, char ***names, int *n,
			  dh_err *e);

#endif
