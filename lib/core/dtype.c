/* dtype.c - element type table and float16 conversion. */
#include "core/dtype.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static const struct {
	const char *name;
	const char *descr;
	size_t size;
	int is_float;
} dtypes[] = {
	[DH_F32] = {"float32", "<f4", 4, 1},
	[DH_F16] = {"float16", "<f2", 2, 1},
	[DH_F64] = {"float64", "<f8", 8, 1},
	[DH_U8] = {"uint8", "|u1", 1, 0},
	[DH_I8] = {"int8", "|i1", 1, 0},
	[DH_U16] = {"uint16", "<u2", 2, 0},
	[DH_I16] = {"int16", "<i2", 2, 0},
	[DH_I32] = {"int32", "<i4", 4, 0},
	[DH_I64] = {"int64", "<i8", 8, 0},
	[DH_BOOL] = {"bool", "|b1", 1, 0},
};
static_assert(sizeof dtypes / sizeof dtypes[0] == DH_DTYPE_COUNT,
	      "dtypes must describe every dh_dtype");

size_t dh_dtype_size(dh_dtype t)
{
	return (unsigned)t < DH_DTYPE_COUNT ? dtypes[t].size : 0;
}

const char *dh_dtype_name(dh_dtype t)
{
	return (unsigned)t < DH_DTYPE_COUNT ? dtypes[t].name : "?";
}

const char *dh_dtype_npy_descr(dh_dtype t)
{
	return (unsigned)t < DH_DTYPE_COUNT ? dtypes[t].descr : "?";
}

int dh_dtype_is_float(dh_dtype t)
{
	return (unsigned)t < DH_DTYPE_COUNT && dtypes[t].is_float;
}

int dh_dtype_parse(const char *name, dh_dtype *out)
{
	for (int i = 0; i < DH_DTYPE_COUNT; i++)
		if (strcmp(name, dtypes[i].name) == 0) {
			*out = (dh_dtype)i;
			return 0;
		}
	return -1;
}

uint16_t dh_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000u;
	uint32_t exp = (x >> 23) & 0xffu;
	uint32_t man = x & 0x7fffffu;
	if (exp == 0xff) /* Inf or NaN; keep NaN quiet and non-zero */
		return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0));
	int e = (int)exp - 127 + 15;
	if (e >= 31) /* overflow to infinity */
		return (uint16_t)(sign | 0x7c00u);
	if (e <= 0) { /* subnormal half, or zero */
		if (e < -10)
			return (uint16_t)sign;
		man |= 0x800000u;
		int shift = 14 - e;
		uint32_t half = man >> shift;
		uint32_t rest = man & ((1u << shift) - 1);
		uint32_t mid = 1u << (shift - 1);
		if (rest > mid || (rest == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t half = ((uint32_t)e << 10) | (man >> 13);
	uint32_t rest = man & 0x1fffu;
	/* a carry out of the mantissa correctly bumps the exponent */
	if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
		half++;
	return (uint16_t)(sign | half);
}

float dh_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t exp = (h >> 10) & 0x1fu;
	uint32_t man = h & 0x3ffu;
	uint32_t x;
	if (exp == 0) {
		if (man == 0) {
			x = sign;
		} else { /* normalise a subnormal */
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400u));
			x = sign | ((uint32_t)(127 - 15 - e) << 23) |
			    ((man & 0x3ffu) << 13);
		}
	} else if (exp == 31) {
		x = sign | 0x7f800000u | (man << 13);
	} else {
		x = sign | ((exp - 15 + 127) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &x, 4);
	return f;
}

double dh_dtype_get(dh_dtype t, const void *data, size_t i)
{
	switch (t) {
	case DH_F32: return ((const float *)data)[i];
	case DH_F16: return dh_f16_to_f32(((const uint16_t *)data)[i]);
	case DH_F64: return ((const double *)data)[i];
	case DH_U8: return ((const uint8_t *)data)[i];
	case DH_I8: return ((const int8_t *)data)[i];
	case DH_U16: return ((const uint16_t *)data)[i];
	case DH_I16: return ((const int16_t *)data)[i];
	case DH_I32: return ((const int32_t *)data)[i];
	case DH_I64: return (double)((const int64_t *)data)[i];
	case DH_BOOL: return ((const uint8_t *)data)[i] != 0;
	default: return NAN;
	}
}

/* Saturating conversion: out-of-range and NaN values must not reach a C
 * float-to-integer cast, whose result is undefined. */
static double clampd(double v, double lo, double hi)
{
	if (v != v)
		return 0;
	return v < lo ? lo : v > hi ? hi : v;
}

void dh_dtype_put(dh_dtype t, void *data, size_t i, double v)
{
	switch (t) {
	case DH_F32: ((float *)data)[i] = (float)v; break;
	case DH_F16: ((uint16_t *)data)[i] = dh_f32_to_f16((float)v); break;
	case DH_F64: ((double *)data)[i] = v; break;
	case DH_U8: ((uint8_t *)data)[i] = (uint8_t)clampd(v, 0, UINT8_MAX); break;
	case DH_I8: ((int8_t *)data)[i] = (int8_t)clampd(v, INT8_MIN, INT8_MAX); break;
	case DH_U16: ((uint16_t *)data)[i] = (uint16_t)clampd(v, 0, UINT16_MAX); break;
	case DH_I16: ((int16_t *)data)[i] = (int16_t)clampd(v, INT16_MIN, INT16_MAX); break;
	case DH_I32: ((int32_t *)data)[i] = (int32_t)clampd(v, INT32_MIN, INT32_MAX); break;
	/* 2^63 is exact in double; the largest double below it converts safely */
	case DH_I64: ((int64_t *)data)[i] = (int64_t)clampd(v, -9223372036854775808.0, 9223372036854774784.0); break;
	case DH_BOOL: ((uint8_t *)data)[i] = v != 0; break;
	default: break;
	}
}
