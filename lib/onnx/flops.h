/* flops.h - floating-point operations of a model's forward pass for one
 * sample, per node, from the shapes dh's graph infers: a multiply-add
 * counts 2 (Conv, ConvTranspose, Gemm, MatMul, the recurrent ops), other
 * ops count one operation per output element (pools one per window tap). */
#ifndef DH_ONNX_FLOPS_H
#define DH_ONNX_FLOPS_H

#include "graph/graph.h"
#include "onnx/model.h"

/* Fills per_node[i] for the graph's node i (nodes are the model's, in
 * order, plus any the importer inserted) and *total.  The graph is planned
 * for batch 1 in inference mode. */
dh_status dh_graph_flops(dh_graph *g, double *per_node, double *total,
			 dh_err *e);

#endif
