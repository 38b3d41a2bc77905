/* build.h - building ONNX models in memory: inputs, outputs, initializers
 * and nodes with attributes, as dh-onnx new and ONNX export need.
 *
 * Everything is allocated the way protobuf-c's own parser allocates, so the
 * finished model is freed by dh_onnx_free like a loaded one.  Errors are
 * sticky: after the first failure every call does nothing and returns NULL,
 * and dh_onnx_builder_finish reports it, so building code needs no checks
 * between steps. */
#ifndef DH_ONNX_BUILD_H
#define DH_ONNX_BUILD_H

#include <stdint.h>

#include "core/error.h"
#include "core/tensor.h"
#include "onnx/model.h"

/* The opset dh writes: ONNX 1.12's (LayerNormalization, LSTM layout). */
#define DH_ONNX_OPSET 17
#define DH_ONNX_IR_VERSION 8

typedef struct dh_onnx_builder {
	Onnx__ModelProto *model;
	Onnx__GraphProto *graph;
	dh_err *e;
	int failed;
} dh_onnx_builder;

dh_status dh_onnx_builder_init(dh_onnx_builder *b, const char *graph_name,
			       dh_err *e);
/* A graph input or output of a float32 (or other ONNX element type) tensor;
 * dims < 0 are symbolic, named by `sym` ("N"). */
void dh_ob_input(dh_onnx_builder *b, const char *name, int elem_type, int ndim,
		 const int64_t *dims, const char *sym);
void dh_ob_output(dh_onnx_builder *b, const char *name, int elem_type,
		  int ndim, const int64_t *dims, const char *sym);
/* An initializer holding a copy of t (raw little-endian data). */
void dh_ob_initializer(dh_onnx_builder *b, const char *name, const dh_tensor *t);
/* A node; inputs may be "" for an omitted optional input.  Returns the node
 * so that attributes can be added, or NULL after a failure. */
Onnx__NodeProto *dh_ob_node(dh_onnx_builder *b, const char *op,
			    const char *name, int nin, const char *const *in,
			    int nout, const char *const *out);
void dh_ob_attr_int(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		    int64_t v);
void dh_ob_attr_ints(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		     int count, const int64_t *v);
void dh_ob_attr_float(dh_onnx_builder *b, Onnx__NodeProto *n, const char *name,
		      float v);
void dh_ob_attr_floats(dh_onnx_builder *b, Onnx__NodeProto *n,
		       const char *name, int count, const float *v);
void dh_ob_attr_string(dh_onnx_builder *b, Onnx__NodeProto *n,
		       const char *name, const char *v);
/* A metadata_props entry. */
void dh_ob_meta(dh_onnx_builder *b, const char *key, const char *value);

/* Hand over the model (path names it in messages; it need not exist).
 * On a sticky failure, frees everything and returns NULL. */
dh_onnx_model *dh_onnx_builder_finish(dh_onnx_builder *b, const char *path);
/* Drop an unfinished model. */
void dh_onnx_builder_abort(dh_onnx_builder *b);

#endif
