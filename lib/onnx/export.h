/* export.h - writing a graph's state back into its ONNX model: trained
 * weights and running statistics into the initializers of the same names
 * (as raw little-endian data, external data brought inline), and the
 * training record into metadata_props. */
#ifndef DH_ONNX_EXPORT_H
#define DH_ONNX_EXPORT_H

#include "graph/graph.h"
#include "onnx/model.h"

dh_status dh_onnx_update_weights(dh_onnx_model *m, const dh_graph *g,
				 dh_err *e);
/* Set (or replace) metadata_props[key]. */
dh_status dh_onnx_set_meta(dh_onnx_model *m, const char *key,
			   const char *value, dh_err *e);

#endif
