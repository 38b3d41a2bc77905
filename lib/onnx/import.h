/* import.h - an ONNX model as a dh graph.
 *
 * Every node becomes an op from ops/op.h with its ONNX attributes; inputs
 * that ONNX passes as constant tensors (Reshape's shape, Pad's pads, Clip's
 * bounds, the axes of recent opsets...) are folded into the op's
 * attributes, so they must be initializers or Constant nodes.  Attributes
 * that matter to training survive (BatchNormalization's momentum and
 * epsilon, Dropout's ratio).  Initializers read by weight slots (Conv,
 * ConvTranspose, Gemm, MatMul, the normalisations' scale and shift, PRelu,
 * the recurrent ops, Gather as an embedding table) become trainable
 * parameters; the others, BatchNorm's running statistics among them, are
 * constants.  Opsets 7 to 22 of the default domain are read (19 to 22 changed
 * the operators dh has only by new types and attributes, which are refused:
 * every attribute outside an op's known list is an error, never ignored). */
#ifndef DH_ONNX_IMPORT_H
#define DH_ONNX_IMPORT_H

#include "graph/graph.h"
#include "onnx/model.h"

#define DH_ONNX_MIN_OPSET 7
#define DH_ONNX_MAX_OPSET 22

/* The opset of the default domain (0 when the model imports none). */
int64_t dh_onnx_opset(const dh_onnx_model *m);

/* Build a finalized graph.  An unsupported node gives one message:
 * "MODEL: node 'Conv_12' (op Foo, domain ai.onnx, opset 17) is not
 * supported". */
dh_graph *dh_onnx_import(const dh_onnx_model *m, const dh_device *dev,
			 uint64_t seed, dh_err *e);

#endif
