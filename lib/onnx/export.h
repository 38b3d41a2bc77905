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
/* Replace an initializer's data by t's values (converted to the
 * initializer's element type; the element count must agree), as raw
 * little-endian data; typed and external data are dropped. */
dh_status dh_onnx_set_initializer(Onnx__TensorProto *tp, const dh_tensor *t,
				  dh_err *e);
/* Set (or replace) metadata_props[key]. */
dh_status dh_onnx_set_meta(dh_onnx_model *m, const char *key,
			   const char *value, dh_err *e);

/* Bring initializers held in external data files into the model (as raw
 * data), so that it can be saved anywhere. */
dh_status dh_onnx_inline_external(dh_onnx_model *m, dh_err *e);

/* Initializers of at least this many bytes go to the side file when
 * external data are asked for (the onnx package's default threshold). */
#define DH_ONNX_EXTERNAL_MIN 1024

/* Save m to path, moving every initializer of at least `threshold` bytes
 * into the side file PATH.data (named by its base name, in path's folder)
 * as the ONNX specification describes: data_location EXTERNAL with
 * "location", "offset" (64-byte aligned) and "length".  Both files are
 * written through temporaries and renames, the data file first, so the
 * model never names data that are not there.  The model is changed in
 * place (its large initializers now point at the side file, and its path
 * and folder become path's).  When no initializer is that large, this is
 * dh_onnx_save. */
dh_status dh_onnx_save_external(dh_onnx_model *m, const char *path,
				size_t threshold, dh_err *e);

/* dh_onnx_save, except that a model beyond protobuf's 2 GiB limit is
 * saved with external data (threshold DH_ONNX_EXTERNAL_MIN); external data
 * are inlined first. */
dh_status dh_onnx_save_auto(dh_onnx_model *m, const char *path, dh_err *e);

#endif
