/* spec.h - feed-forward networks from a YAML description (dh-onnx-spec(5)):
 * a per-sample input shape and a list of named layers, each reading the
 * previous layer or the layers it names, so that residual and U-Net skips
 * can be written.  Shapes are inferred layer by layer; weights are
 * initialised from the seed as the zoo does (lib/onnx/weights.h,
 * dh_weights_reset).  Every error is one line "FILE:LINE:COLUMN: cause"
 * (1-based, as editors count). */
#ifndef DH_ONNX_SPEC_H
#define DH_ONNX_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "onnx/model.h"

/* Build the model a spec file describes; out_path names the model (it is
 * not written). */
dh_onnx_model *dh_spec_build_file(const char *path, uint64_t seed,
				  const char *out_path, dh_err *e);
/* The same from text in memory; `name` stands for the file in messages;
 * max_params bounds the parameter count (0: DH_SPEC_MAX_PARAMS). */
dh_onnx_model *dh_spec_build_string(const char *text, size_t len,
				    const char *name, uint64_t seed,
				    int64_t max_params, const char *out_path,
				    dh_err *e);

/* At most this many parameters (1 GiB of float32). */
#define DH_SPEC_MAX_PARAMS ((int64_t)1 << 28)

/* The layer types, NULL-terminated (for help and documentation tests). */
extern const char *const dh_spec_types[];

#endif
