/* diff.h - differences between two ONNX models: opsets, inputs and
 * outputs, nodes (operator, inputs, outputs, attributes) and weights (shape,
 * type, and values beyond a tolerance). */
#ifndef DH_ONNX_DIFF_H
#define DH_ONNX_DIFF_H

#include "onnx/model.h"

typedef void (*dh_onnx_diff_fn)(void *ctx, const char *line);

/* Calls fn once per difference; returns their number, or -1 on failure (a
 * weight that cannot be read; e set).  Weights whose elements all differ by
 * at most tol are equal. */
int dh_onnx_diff(const dh_onnx_model *a, const dh_onnx_model *b, double tol,
		 dh_onnx_diff_fn fn, void *ctx, dh_err *e);

#endif
