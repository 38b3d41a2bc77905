/* dtype.h - element types of tensors, their sizes and names.
 *
 * The set covers what the engine computes in (f32, f16), what images hold
 * (u8, u16, i16, i32, f32, f64) and what ONNX and label streams carry
 * (i8, i64, bool).  Names follow NumPy so that .npy headers map directly. */
#ifndef DH_CORE_DTYPE_H
#define DH_CORE_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum dh_dtype {
	DH_F32 = 0,
	DH_F16,
	DH_F64,
	DH_U8,
	DH_I8,
	DH_U16,
	DH_I16,
	DH_I32,
	DH_I64,
	DH_BOOL,
	DH_DTYPE_COUNT
} dh_dtype;

/* Bytes per element. */
size_t dh_dtype_size(dh_dtype t);
/* NumPy-style name: "float32", "uint8", ... ("?" for an invalid value). */
const char *dh_dtype_name(dh_dtype t);
/* Parse a name as dh_dtype_name prints it; returns 0 or -1. */
int dh_dtype_parse(const char *name, dh_dtype *out);
/* Little-endian .npy descr: "<f4", "|u1", "|b1", ... */
const char *dh_dtype_npy_descr(dh_dtype t);
int dh_dtype_is_float(dh_dtype t);

/* IEEE half precision, round to nearest even; NaN and Inf kept. */
uint16_t dh_f32_to_f16(float f);
float dh_f16_to_f32(uint16_t h);

/* Read element i of a buffer of type t as a double, and store one. */
double dh_dtype_get(dh_dtype t, const void *data, size_t i);
void dh_dtype_put(dh_dtype t, void *data, size_t i, double v);

#endif
