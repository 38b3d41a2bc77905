/* fold.h - folding an inference-mode BatchNormalization into the Conv or
 * Gemm before it, for faster inference (dh-infer, dh-prune).
 *
 * BatchNormalization(Conv(X; W, B)) with scale s, bias b, mean m, variance
 * v equals Conv(X; W', B') where, per output channel j,
 *   k_j = s_j / sqrt(v_j + eps),  W'_j = k_j W_j,  B'_j = k_j (B_j - m_j) + b_j.
 * For a Gemm the output channels are the columns of B (transB = 0) or its
 * rows (transB = 1). */
#ifndef DH_NN_FOLD_H
#define DH_NN_FOLD_H

#include "core/error.h"
#include "core/tensor.h"

/* w: the weight [M, ...] with output channels along axis 0 (Conv, and Gemm
 * with transB = 1) or along the last axis (Gemm with transB = 0: pass
 * channels_last = 1).  bias: [M] or NULL (then treated as 0).  The folded
 * weight and bias are written to w_out and b_out (w's shape, [M]); they may
 * be w and bias themselves. */
dh_status dh_fold_batchnorm(const dh_tensor *w, const dh_tensor *bias,
			    int channels_last, const dh_tensor *scale,
			    const dh_tensor *bn_bias, const dh_tensor *mean,
			    const dh_tensor *var, float epsilon,
			    dh_tensor *w_out, dh_tensor *b_out, dh_err *e);

#endif
