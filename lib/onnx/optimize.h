/* optimize.h - rewriting an ONNX model for faster inference.
 *
 * Only for inference: the rewritten model computes the same outputs in
 * inference mode, but its BatchNormalization layers are gone, so it must
 * not be trained or saved as the trainable model. */
#ifndef DH_ONNX_OPTIMIZE_H
#define DH_ONNX_OPTIMIZE_H

#include "onnx/model.h"

/* Fold every inference-mode BatchNormalization that directly follows a
 * Conv (or a Gemm) into that layer's weight and bias (lib/nn/fold.h), and
 * remove it: the Conv then writes the BatchNormalization's output.  A
 * BatchNormalization is left alone when its producer's output has other
 * readers or is a graph output, when the weights are shared with another
 * node or are not initializers, or when its statistics are not constant.
 * *folded (may be NULL) receives the count.  m is changed in place. */
dh_status dh_onnx_fold_batchnorm(dh_onnx_model *m, int *folded, dh_err *e);

#endif
