/* sat.h - saturating, rounding stores shared by the image code (private). */
#ifndef DH_IMAGE_SAT_H
#define DH_IMAGE_SAT_H

#include <math.h>
#include <stdint.h>

#include "core/dtype.h"

/* Round to nearest, ties to even (as lrint in the default mode), then clamp
 * to the range of the type; NaN becomes 0. */
static inline uint8_t dh_sat_u8(double v)
{
	if (!(v > 0.0))
		return 0;
	if (v >= 255.0)
		return 255;
	return (uint8_t)lrint(v);
}
static inline uint8_t dh_sat_u8f(float v)
{
	if (!(v > 0.0f))
		return 0;
	if (v >= 255.0f)
		return 255;
	return (uint8_t)lrintf(v);
}
static inline long long dh_sat_int(double v, double lo, double hi)
{
	if (v != v)
		return 0;
	if (v <= lo)
		return (long long)lo;
	if (v >= hi)
		return (long long)hi;
	return llrint(v);
}

static inline void dh_sat_store(dh_dtype t, void *data, size_t i, double v)
{
	switch (t) {
	case DH_U8:
		((uint8_t *)data)[i] = dh_sat_u8(v);
		break;
	case DH_U16:
		((uint16_t *)data)[i] = (uint16_t)dh_sat_int(v, 0, 65535);
		break;
	case DH_I16:
		((int16_t *)data)[i] =
			(int16_t)dh_sat_int(v, -32768, 32767);
		break;
	case DH_I32:
		((int32_t *)data)[i] =
			(int32_t)dh_sat_int(v, -2147483648.0, 2147483647.0);
		break;
	case DH_F32:
		((float *)data)[i] = (float)v;
		break;
	case DH_F64:
		((double *)data)[i] = v;
		break;
	default:
		dh_dtype_put(t, data, i, v);
		break;
	}
}

#endif
