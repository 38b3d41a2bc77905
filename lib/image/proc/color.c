/* color.c - colour conversions.
 *
 * Gray = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), for 8-bit in 15-bit
 * fixed point (weights summing to 2^15) as OpenCV does.  YCbCr is BT.601 full range with offset 128
 * (Cb = (B - Y) * 0.564 + 128, Cr = (R - Y) * 0.713 + 128), stored Y, Cb, Cr.
 * HSV: V = max, S = (max - min) / max, H in degrees; 8-bit stores H / 2
 * (0..179) and S, V scaled to 255; float keeps H in degrees and S, V in the
 * source's range. */
#include <math.h>
#include <string.h>

#include "image/proc/proc.h"
#include "image/proc/simd_private.h"
#include "image/sat.h"

/* The source's colour, with NONE read as gray (1 channel) or RGB (3). */
static dh_colortype effective(const dh_image *src)
{
	if (src->color != DH_COLOR_NONE)
		return src->color;
	return src->channels == 1 ? DH_COLOR_GRAY
	       : src->channels == 3 ? DH_COLOR_RGB
				    : DH_COLOR_NONE;
}

/* Read pixel i as R, G, B (and alpha) floats in the image's units. */
static void get_rgb(const dh_image *s, dh_colortype from, size_t i,
		    float *r, float *g, float *b, float *a, float amax)
{
	size_t C = (size_t)s->channels, o = i * C;
	float v0 = (float)dh_dtype_get(s->dtype, s->data, o);
	*a = amax;
	if (from == DH_COLOR_GRAY) {
		*r = *g = *b = v0;
		return;
	}
	float v1 = (float)dh_dtype_get(s->dtype, s->data, o + 1);
	float v2 = (float)dh_dtype_get(s->dtype, s->data, o + 2);
	if (from == DH_COLOR_BGR) {
		*r = v2, *g = v1, *b = v0;
	} else {
		*r = v0, *g = v1, *b = v2;
		if (from == DH_COLOR_RGBA)
			*a = (float)dh_dtype_get(s->dtype, s->data, o + 3);
	}
}

/* 8-bit HSV in 12-bit fixed point: S = diff * (255 / V), H = sector
 * offset * (180 / 6 / diff), each factor rounded to 12 bits first (as
 * OpenCV, so results agree exactly). */
#define HSV_SHIFT 12
typedef struct hsv_tabs {
	int sdiv[256], hdiv[256];
} hsv_tabs;

static void hsv_tables(hsv_tabs *t)
{
	t->sdiv[0] = t->hdiv[0] = 0;
	for (int i = 1; i < 256; i++) {
		t->sdiv[i] = (int)lrint((255 << HSV_SHIFT) / (double)i);
		t->hdiv[i] = (int)lrint((180 << HSV_SHIFT) / (6.0 * i));
	}
}

static void rgb_to_hsv_u8(const hsv_tabs *t, int r, int g, int b,
			  uint8_t out[3])
{
	int v = r > g ? r : g;
	v = v > b ? v : b;
	int mn = r < g ? r : g;
	mn = mn < b ? mn : b;
	int diff = v - mn;
	int s = (diff * t->sdiv[v] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
	int h = v == r ? g - b : v == g ? b - r + 2 * diff : r - g + 4 * diff;
	h = (h * t->hdiv[diff] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
	if (h < 0)
		h += 180;
	out[0] = (uint8_t)h;
	out[1] = (uint8_t)s;
	out[2] = (uint8_t)v;
}

/* h in sixths of the circle (0..6), s and v in 0..1 -> r, g, b in 0..1 */
static void hsv_to_rgb(float h, float s, float v, float *r, float *g,
		       float *b)
{
	if (s == 0) {
		*r = *g = *b = v;
		return;
	}
	h = fmodf(h, 6.f);
	if (h < 0)
		h += 6.f;
	int i = (int)floorf(h);
	if (i < 0 || i > 5)
		i = 0, h = 0;
	float f = h - (float)i;
	float p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
	switch (i % 6) {
	case 0: *r = v, *g = t, *b = p; break;
	case 1: *r = q, *g = v, *b = p; break;
	case 2: *r = p, *g = v, *b = t; break;
	case 3: *r = p, *g = q, *b = v; break;
	case 4: *r = t, *g = p, *b = v; break;
	default: *r = v, *g = p, *b = q; break;
	}
}

/* Gray from 3- or 4-channel 8-bit pixels with the weights in the source's
 * channel order (15-bit fixed point). */
DH_PROC_CLONES static void gray3_u8(const uint8_t *restrict s,
				    uint8_t *restrict d, size_t n, int w0,
				    int w1, int w2)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)((s[3 * i] * w0 + s[3 * i + 1] * w1 +
				  s[3 * i + 2] * w2 + (1 << 14)) >> 15);
}

DH_PROC_CLONES static void gray4_u8(const uint8_t *restrict s,
				    uint8_t *restrict d, size_t n, int w0,
				    int w1, int w2)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)((s[4 * i] * w0 + s[4 * i + 1] * w1 +
				  s[4 * i + 2] * w2 + (1 << 14)) >> 15);
}

/* HSV from 3-channel 8-bit pixels (bgr: channel 0 is blue): the
 * arithmetic of rgb_to_hsv_u8 with the branches turned into selects, so
 * that it vectorises (the divisions are table gathers). */
DH_PROC_CLONES static void hsv3_u8(const uint8_t *restrict s,
				   uint8_t *restrict d, size_t n, int bgr,
				   const int *restrict sdiv,
				   const int *restrict hdiv)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		int c0 = s[3 * i], g = s[3 * i + 1], c2 = s[3 * i + 2];
		int r = bgr ? c2 : c0, b = bgr ? c0 : c2;
		int v = r > g ? r : g;
		v = v > b ? v : b;
		int mn = r < g ? r : g;
		mn = mn < b ? mn : b;
		int diff = v - mn;
		int sv = (diff * sdiv[v] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
		int h = v == r ? g - b : v == g ? b - r + 2 * diff
						  : r - g + 4 * diff;
		h = (h * hdiv[diff] + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
		h += h < 0 ? 180 : 0;
		d[3 * i] = (uint8_t)h;
		d[3 * i + 1] = (uint8_t)sv;
		d[3 * i + 2] = (uint8_t)v;
	}
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(DH_NO_CLONES)
#include <immintrin.h>
#define GRAY_AVX2 1
/* Gray of 3-channel pixels with AVX2, 32 at a time: each 128-bit lane
 * holds 4 pixels (12 bytes), shuffled into 16-bit (c0, c1) pairs and (c2,
 * 0) pairs for pmaddwd; the same integer sums as gray3_u8.  Returns the
 * pixels done (a multiple of 32, leaving at least 2 pixels of slack for
 * the 16-byte loads). */
__attribute__((target("avx2"))) static size_t
gray3_avx2(const uint8_t *s, uint8_t *d, size_t n, int w0, int w1, int w2)
{
	const __m256i sh01 = _mm256_setr_epi8(
		0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
		0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1);
	const __m256i sh2 = _mm256_setr_epi8(
		2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
		2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
	const __m256i w01 = _mm256_set1_epi32((int)(((uint32_t)w1 << 16) | (uint32_t)w0));
	const __m256i w2v = _mm256_set1_epi32(w2);
	const __m256i half = _mm256_set1_epi32(1 << 14);
	const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
	size_t i = 0;
	for (; i + 34 <= n; i += 32) {
		__m256i g[4];
		for (int k = 0; k < 4; k++) {
			const uint8_t *p = s + 3 * (i + 8 * (size_t)k);
			__m256i v = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)p)),
				_mm_loadu_si128((const __m128i *)(const void *)(p + 12)), 1);
			__m256i a = _mm256_madd_epi16(_mm256_shuffle_epi8(v, sh01), w01);
			__m256i b = _mm256_madd_epi16(_mm256_shuffle_epi8(v, sh2), w2v);
			g[k] = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(a, b), half), 15);
		}
		__m256i ab = _mm256_packs_epi32(g[0], g[1]);
		__m256i cd = _mm256_packs_epi32(g[2], g[3]);
		__m256i r = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), perm);
		_mm256_storeu_si256((__m256i *)(void *)(d + i), r);
	}
	return i;
}
#endif

#ifdef GRAY_AVX2
/* HSV of 3-channel pixels with AVX2, 8 at a time: the channels shuffled
 * into 32-bit lanes, the two divisions as table gathers, the hue's three
 * cases as blends; the arithmetic of rgb_to_hsv_u8.  Returns the pixels
 * done (leaving at least 2 pixels of slack for the 16-byte loads and
 * stores). */
__attribute__((target("avx2"))) static size_t
hsv3_avx2(const uint8_t *s, uint8_t *d, size_t n, int bgr, const int *sdiv,
	  const int *hdiv)
{
	const __m256i s0 = _mm256_setr_epi8(
		0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1,
		0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
	const __m256i s1 = _mm256_setr_epi8(
		1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1,
		1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
	const __m256i s2 = _mm256_setr_epi8(
		2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1,
		2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
	const __m256i pack = _mm256_setr_epi8(
		0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
		0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
	const __m256i half = _mm256_set1_epi32(1 << (HSV_SHIFT - 1));
	const __m256i c180 = _mm256_set1_epi32(180);
	const __m256i zero = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 10 <= n; i += 8) {
		const uint8_t *p = s + 3 * i;
		__m256i v8 = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)p)),
			_mm_loadu_si128((const __m128i *)(const void *)(p + 12)), 1);
		__m256i r = _mm256_shuffle_epi8(v8, bgr ? s2 : s0);
		__m256i g = _mm256_shuffle_epi8(v8, s1);
		__m256i b = _mm256_shuffle_epi8(v8, bgr ? s0 : s2);
		__m256i v = _mm256_max_epi32(r, _mm256_max_epi32(g, b));
		__m256i mn = _mm256_min_epi32(r, _mm256_min_epi32(g, b));
		__m256i diff = _mm256_sub_epi32(v, mn);
		__m256i sv = _mm256_srai_epi32(
			_mm256_add_epi32(_mm256_mullo_epi32(
						 diff, _mm256_i32gather_epi32(sdiv, v, 4)),
					 half),
			HSV_SHIFT);
		__m256i hb = _mm256_add_epi32(_mm256_sub_epi32(r, g),
					      _mm256_slli_epi32(diff, 2));
		__m256i hg = _mm256_add_epi32(_mm256_sub_epi32(b, r),
					      _mm256_slli_epi32(diff, 1));
		__m256i hr = _mm256_sub_epi32(g, b);
		__m256i h = _mm256_blendv_epi8(hb, hg, _mm256_cmpeq_epi32(v, g));
		h = _mm256_blendv_epi8(h, hr, _mm256_cmpeq_epi32(v, r));
		h = _mm256_srai_epi32(
			_mm256_add_epi32(_mm256_mullo_epi32(
						 h, _mm256_i32gather_epi32(hdiv, diff, 4)),
					 half),
			HSV_SHIFT);
		h = _mm256_add_epi32(h, _mm256_and_si256(_mm256_cmpgt_epi32(zero, h), c180));
		__m256i o = _mm256_or_si256(
			h, _mm256_or_si256(_mm256_slli_epi32(sv, 8), _mm256_slli_epi32(v, 16)));
		o = _mm256_shuffle_epi8(o, pack);
		_mm_storeu_si128((__m128i *)(void *)(d + 3 * i), _mm256_castsi256_si128(o));
		_mm_storeu_si128((__m128i *)(void *)(d + 3 * i + 12),
				 _mm256_extracti128_si256(o, 1));
	}
	return i;
}
#endif

/* A gray or HSV conversion cut into chunks of pixels (pool.c). */
typedef struct color_job {
	const uint8_t *s;
	uint8_t *d;
	size_t n, SC;
	int w0, w2, bgr;
	const hsv_tabs *tabs;
} color_job;

static void gray_chunk(void *p, int c, int nc)
{
	const color_job *j = p;
	size_t i0, i1;
	dh_proc_range(j->n, c, nc, &i0, &i1);
	if (j->SC == 3) {
#ifdef GRAY_AVX2
		if (__builtin_cpu_supports("avx2"))
			i0 += gray3_avx2(j->s + i0 * 3, j->d + i0, i1 - i0, j->w0,
					 19235, j->w2);
#endif
		gray3_u8(j->s + i0 * 3, j->d + i0, i1 - i0, j->w0, 19235, j->w2);
	}
	else
		gray4_u8(j->s + i0 * 4, j->d + i0, i1 - i0, j->w0, 19235, j->w2);
}

static void hsv_chunk(void *p, int c, int nc)
{
	const color_job *j = p;
	size_t i0, i1;
	dh_proc_range(j->n, c, nc, &i0, &i1);
#ifdef GRAY_AVX2
	if (__builtin_cpu_supports("avx2"))
		i0 += hsv3_avx2(j->s + i0 * 3, j->d + i0 * 3, i1 - i0, j->bgr,
				j->tabs->sdiv, j->tabs->hdiv);
#endif
	hsv3_u8(j->s + i0 * 3, j->d + i0 * 3, i1 - i0, j->bgr, j->tabs->sdiv,
		j->tabs->hdiv);
}

/* 8-bit conversions from gray/RGB/BGR/RGBA, on plain byte pointers (the
 * same arithmetic as the general loop below). */
static void fast_u8(const uint8_t *s, uint8_t *d, size_t n, dh_colortype from,
		    dh_colortype to, const hsv_tabs *tabs)
{
	const size_t SC = (size_t)dh_colortype_channels(from);
	const size_t DC = (size_t)dh_colortype_channels(to);
	const size_t ri = from == DH_COLOR_BGR ? 2 : from == DH_COLOR_GRAY ? 0 : 0;
	const size_t gi = from == DH_COLOR_GRAY ? 0 : 1;
	const size_t bi = from == DH_COLOR_BGR ? 0 : from == DH_COLOR_GRAY ? 0 : 2;
	switch (to) {
	case DH_COLOR_GRAY: {
		const int w0 = ri == 0 ? 9798 : 3735, w2 = ri == 0 ? 3735 : 9798;
		if (SC < 3) {
			memcpy(d, s, n);
			return;
		}
		/* contiguous ranges of pixels */
		color_job j = {s, d, n, SC, w0, w2, 0, tabs};
		dh_proc_run(dh_proc_chunks(n * SC), gray_chunk, &j, n * SC);
		return;
	}
	case DH_COLOR_RGB:
	case DH_COLOR_BGR:
	case DH_COLOR_RGBA: {
		const size_t o0 = to == DH_COLOR_BGR ? bi : ri;
		const size_t o2 = to == DH_COLOR_BGR ? ri : bi;
#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = s + i * SC;
			uint8_t *q = d + i * DC;
			q[0] = p[o0];
			q[1] = p[gi];
			q[2] = p[o2];
			if (DC == 4)
				q[3] = from == DH_COLOR_RGBA ? p[3] : 255;
		}
		return;
	}
	case DH_COLOR_HSV:
		if (SC == 3) {
			color_job j = {s, d, n, SC, 0, 0, from == DH_COLOR_BGR, tabs};
			dh_proc_run(dh_proc_chunks(n * SC), hsv_chunk, &j, n * SC);
			return;
		}
#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = s + i * SC;
			rgb_to_hsv_u8(tabs, p[ri], p[gi], p[bi], d + i * 3);
		}
		return;
	case DH_COLOR_YCBCR:
#pragma omp parallel for schedule(static)
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = s + i * SC;
			int r = p[ri], g = p[gi], b = p[bi];
			int y = (r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14;
			int cb = ((b - y) * 9241 + (128 << 14) + (1 << 13)) >> 14;
			int cr = ((r - y) * 11682 + (128 << 14) + (1 << 13)) >> 14;
			uint8_t *q = d + i * 3;
			q[0] = (uint8_t)y;
			q[1] = (uint8_t)(cb < 0 ? 0 : cb > 255 ? 255 : cb);
			q[2] = (uint8_t)(cr < 0 ? 0 : cr > 255 ? 255 : cr);
		}
		return;
	default:
		return;
	}
}

dh_image *dh_convert_color(const dh_image *src, dh_colortype to, dh_err *e)
{
	dh_colortype from = effective(src);
	if (from == DH_COLOR_NONE || (unsigned)to >= DH_COLOR_COUNT ||
	    to == DH_COLOR_NONE) {
		dh_err_set(e, DH_EINVAL, "cannot convert %d-channel %s pixels "
			   "to %s", src->channels, dh_colortype_name(src->color),
			   dh_colortype_name(to));
		return NULL;
	}
	if (dh_colortype_channels(from) != src->channels) {
		dh_err_set(e, DH_EINVAL, "a %s image needs %d channels, not %d",
			   dh_colortype_name(from), dh_colortype_channels(from),
			   src->channels);
		return NULL;
	}
	if (src->dtype != DH_U8 && src->dtype != DH_F32) {
		dh_err_set(e, DH_EUNSUPPORTED, "colour conversion of %s images "
			   "(uint8 and float32 are supported)",
			   dh_dtype_name(src->dtype));
		return NULL;
	}
	dh_image *dst = dh_image_new_like_uninit(src, src->dtype,
					  dh_colortype_channels(to), to, e);
	if (!dst)
		return NULL;
	const int u8 = src->dtype == DH_U8;
	const float full = u8 ? 255.f : 1.f;
	const float half = u8 ? 128.f : 0.5f;
	const size_t n = (size_t)src->width * (size_t)src->height *
			 (size_t)src->depth;
	const size_t DC = (size_t)dst->channels;
	if (from == to) {
		memcpy(dst->data, src->data, src->nbytes);
		return dst;
	}
	hsv_tabs tabs;
	if (u8 && to == DH_COLOR_HSV)
		hsv_tables(&tabs);
	if (u8 && (from == DH_COLOR_RGB || from == DH_COLOR_BGR ||
		   from == DH_COLOR_RGBA || from == DH_COLOR_GRAY)) {
		fast_u8(src->data, dst->data, n, from, to, &tabs);
		return dst;
	}
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++) {
		float r, g, b, a;
		if (from == DH_COLOR_HSV) {
			float h = (float)dh_dtype_get(src->dtype, src->data, 3 * i);
			float s = (float)dh_dtype_get(src->dtype, src->data, 3 * i + 1);
			float v = (float)dh_dtype_get(src->dtype, src->data, 3 * i + 2);
			hsv_to_rgb(u8 ? h * (6.f / 180.f) : h * (1.f / 60.f),
				   s * (1.f / full), v * (1.f / full), &r, &g, &b);
			r *= full, g *= full, b *= full;
			if (u8) {
				/* OpenCV truncates here rather than rounds;
				 * following it keeps within one level of it */
				r = floorf(r), g = floorf(g), b = floorf(b);
			}
			a = full;
		} else if (from == DH_COLOR_YCBCR) {
			float Y = (float)dh_dtype_get(src->dtype, src->data, 3 * i);
			float cb = (float)dh_dtype_get(src->dtype, src->data, 3 * i + 1) - half;
			float cr = (float)dh_dtype_get(src->dtype, src->data, 3 * i + 2) - half;
			if (u8) {
				/* 14-bit fixed point */
				int y = (int)Y, icb = (int)cb, icr = (int)cr;
				r = (float)(y + ((icr * 22987 + (1 << 13)) >> 14));
				g = (float)(y + ((icr * -11698 + icb * -5636 + (1 << 13)) >> 14));
				b = (float)(y + ((icb * 29049 + (1 << 13)) >> 14));
			} else {
				r = Y + 1.403f * cr;
				g = Y - 0.714f * cr - 0.344f * cb;
				b = Y + 1.773f * cb;
			}
			a = full;
		} else {
			get_rgb(src, from, i, &r, &g, &b, &a, full);
		}
		size_t o = i * DC;
		float out[4];
		switch (to) {
		case DH_COLOR_GRAY:
			if (u8 && from != DH_COLOR_HSV && from != DH_COLOR_YCBCR) {
				int y = ((int)r * 9798 + (int)g * 19235 +
					 (int)b * 3735 + (1 << 14)) >> 15;
				out[0] = (float)y;
			} else {
				out[0] = 0.299f * r + 0.587f * g + 0.114f * b;
			}
			break;
		case DH_COLOR_RGB:
			out[0] = r, out[1] = g, out[2] = b;
			break;
		case DH_COLOR_BGR:
			out[0] = b, out[1] = g, out[2] = r;
			break;
		case DH_COLOR_RGBA:
			out[0] = r, out[1] = g, out[2] = b, out[3] = a;
			break;
		case DH_COLOR_YCBCR: {
			if (u8) {
				/* 14-bit fixed point, Cb and Cr from the
				 * rounded Y */
				int ir = (int)r, ig = (int)g, ib = (int)b;
				int y = (ir * 4899 + ig * 9617 + ib * 1868 + (1 << 13)) >> 14;
				out[0] = (float)y;
				out[1] = (float)(((ib - y) * 9241 + (128 << 14) + (1 << 13)) >> 14);
				out[2] = (float)(((ir - y) * 11682 + (128 << 14) + (1 << 13)) >> 14);
				break;
			}
			float Y = 0.299f * r + 0.587f * g + 0.114f * b;
			out[0] = Y;
			out[1] = (b - Y) * 0.564f + half;
			out[2] = (r - Y) * 0.713f + half;
			break;
		}
		case DH_COLOR_HSV:
			if (u8) {
				uint8_t h3[3];
				rgb_to_hsv_u8(&tabs, dh_sat_u8f(r), dh_sat_u8f(g),
					      dh_sat_u8f(b), h3);
				out[0] = h3[0], out[1] = h3[1], out[2] = h3[2];
			} else {
				float v = fmaxf(r, fmaxf(g, b));
				float mn = fminf(r, fminf(g, b));
				float d = v - mn, h = 0;
				if (d > 0) {
					if (v == r)
						h = (g - b) / d;
					else if (v == g)
						h = (b - r) / d + 2;
					else
						h = (r - g) / d + 4;
					h *= 60;
					if (h < 0)
						h += 360;
				}
				out[0] = h;
				out[1] = v > 0 ? d / v : 0;
				out[2] = v;
			}
			break;
		default:
			out[0] = out[1] = out[2] = out[3] = 0;
			break;
		}
		for (size_t c = 0; c < DC; c++) {
			if (u8)
				dst->data[o + c] = dh_sat_u8f(out[c]);
			else
				((float *)dst->data)[o + c] = out[c];
		}
	}
	return dst;
}
