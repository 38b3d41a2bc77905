/* info.h - what an ONNX model holds: inputs and outputs with their types
 * and shapes, the operator histogram, parameters in total and per node,
 * opsets, producer and the metadata (dh's training record among it). */
#ifndef DH_ONNX_INFO_H
#define DH_ONNX_INFO_H

#include <stdio.h>

#include "onnx/model.h"

/* "float32 [N, 1, 28, 28]" for a value's declared type (buf is returned). */
char *dh_onnx_value_type(const Onnx__ValueInfoProto *vi, char *buf, size_t n);

/* Print the summary as text or as one JSON object. */
dh_status dh_onnx_info_print(const dh_onnx_model *m, FILE *out, int json,
			     dh_err *e);

#endif
