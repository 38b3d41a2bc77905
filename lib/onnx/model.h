/* model.h - ONNX model files: load, save, and the tensors inside them.
 *
 * The model stays in protobuf-c's structures (onnx.pb-c.h, generated from
 * lib/onnx/onnx.proto at build time); this module adds what protobuf-c does
 * not: file handling with precise errors, initializers as dh tensors (raw,
 * typed or external data, with sizes checked), and atomic saving. */
#ifndef DH_ONNX_MODEL_H
#define DH_ONNX_MODEL_H

#include "core/error.h"
#include "core/tensor.h"
#include "onnx/onnx.pb-c.h"

/* Files beyond this are refused: protobuf's own limit is 2 GiB; larger
 * models keep their weights in external data files. */
#define DH_ONNX_MAX_FILE ((size_t)2 << 30)

typedef struct dh_onnx_model {
	Onnx__ModelProto *proto; /* owned */
	char *path;              /* as given */
	char *dir;               /* its folder: external data are found there */
	int from_protobuf_c;     /* proto was unpacked (free_unpacked frees it) */
} dh_onnx_model;

/* Read and parse a model file.  Errors name the file (and the byte offset
 * of a protobuf fault). */
dh_onnx_model *dh_onnx_load(const char *path, dh_err *e);
/* Parse a model held in memory; `path` names it in messages and its folder
 * is where external data are looked up. */
dh_onnx_model *dh_onnx_parse(const uint8_t *buf, size_t n, const char *path,
			     dh_err *e);
void dh_onnx_free(dh_onnx_model *m);
/* Serialise to path through a temporary file and a rename. */
dh_status dh_onnx_save(const dh_onnx_model *m, const char *path, dh_err *e);

/* ONNX TensorProto data type <-> dh dtype; -1 / 0 when there is none. */
int dh_onnx_to_dtype(int onnx_type, dh_dtype *out);
int dh_onnx_from_dtype(dh_dtype t);
/* "FLOAT", "INT64", ... for messages. */
const char *dh_onnx_type_name(int onnx_type);

/* The values of a TensorProto as a new dh tensor (the caller frees it).
 * Handles raw_data, the typed fields and external data (confined to the
 * model's folder), and checks that sizes agree with dims. */
dh_status dh_onnx_tensor_load(const dh_onnx_model *m, const Onnx__TensorProto *tp,
			      dh_tensor **out, dh_err *e);
/* Number of elements declared by dims, or -1 when they are negative or
 * overflow. */
int64_t dh_onnx_tensor_numel(const Onnx__TensorProto *tp);

/* Value of metadata_props[key], or NULL. */
const char *dh_onnx_meta(const dh_onnx_model *m, const char *key);

/* The initializer called name, or NULL. */
const Onnx__TensorProto *dh_onnx_initializer(const dh_onnx_model *m,
					     const char *name);

#endif
