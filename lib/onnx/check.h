/* check.h - structural validation of an ONNX model, with one precise
 * message per problem: dangling inputs, cycles and order, values produced
 * twice, missing or malformed initializers, type and shape disagreements
 * between initializers and declared inputs, missing opsets. */
#ifndef DH_ONNX_CHECK_H
#define DH_ONNX_CHECK_H

#include "onnx/model.h"

typedef void (*dh_onnx_problem_fn)(void *ctx, const char *msg);

/* Calls fn once per problem; returns how many there were (0: the model is
 * structurally sound), or -1 when the check itself failed (e set). */
int dh_onnx_check(const dh_onnx_model *m, dh_onnx_problem_fn fn, void *ctx,
		  dh_err *e);

#endif
