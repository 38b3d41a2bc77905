/* winograd_small.c - F(2x2, 3x3) transforms of planes of at most 16
 * floats, a plane to a register (see winograd_small.h). */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/cpu/winograd_small.h"

/* The window's columns (q) combined by column j of d B, and whether the
 * second is added (j = 1) or subtracted: d0 - d2, d1 + d2, d2 - d1,
 * d1 - d3 (winograd.c's row_tf). */
static const int col_a[4] = {0, 1, 2, 1}, col_b[4] = {2, 2, 1, 3};

/* lane of pixel (row, col) of a rows x cols plane, or -1 outside */
static int32_t pixel(int64_t row, int64_t col, int64_t rows, int64_t cols)
{
	return row >= 0 && row < rows && col >= 0 && col < cols
		       ? (int32_t)(row * cols + col)
		       : -1;
}

/* idx[lane] and its bit in *mask when px >= 0 */
static void put(int32_t *idx, uint16_t *mask, int lane, int32_t px)
{
	idx[lane] = px >= 0 ? px : 0;
	if (px >= 0)
		*mask |= (uint16_t)(1u << lane);
}

void dh_wg_small_init(dh_wg_small *s, int64_t h, int64_t w, int64_t oh,
		      int64_t ow, int64_t pt, int64_t pl, int64_t th,
		      int64_t tw)
{
	memset(s, 0, sizeof *s);
#ifndef DH_CPU_X86_AVX512
	return;
#endif
	int64_t ti = th * tw;
	if (h * w > 16 || oh * ow > 16 || th > 2 || tw > 2 || ti < 1 ||
	    !dh_cpu_avx512())
		return;
	s->in_mask = (uint16_t)((1u << (h * w)) - 1);
	s->out_mask = (uint16_t)((1u << (oh * ow)) - 1);
	s->tile_mask = (uint8_t)((1u << ti) - 1);
	for (int t = 0; t < ti; t++) {
		int64_t ty = t / tw, tx = t % tw;
		for (int j = 0; j < 4; j++) {
			int lane = 4 * j + t;
			/* window row r of the input */
			for (int r = 0; r < 4; r++) {
				int64_t row = 2 * ty + r - pt;
				put(s->in_a[r], &s->in_ma[r], lane,
				    pixel(row, 2 * tx + col_a[j] - pl, h, w));
				put(s->in_b[r], &s->in_mb[r], lane,
				    pixel(row, 2 * tx + col_b[j] - pl, h, w));
			}
			/* tile row i of dY: columns j < 3 read y0, j > 0 y1 */
			for (int i = 0; i < 2; i++) {
				int64_t row = 2 * ty + i;
				if (j < 3)
					put(s->dy_a[i], &s->dy_ma[i], lane,
					    pixel(row, 2 * tx, oh, ow));
				if (j > 0)
					put(s->dy_b[i], &s->dy_mb[i], lane,
					    pixel(row, 2 * tx + 1, oh, ow));
			}
		}
		/* output: lane 8 i + 4 jj + t takes columns jj, jj + 1,
		 * jj + 2 of row i's register (row 1's from 16 on) */
		for (int i = 0; i < 2; i++)
			for (int jj = 0; jj < 2; jj++)
				for (int k = 0; k < 3; k++)
					s->out_u[k][8 * i + 4 * jj + t] =
						16 * i + 4 * (jj + k) + t;
	}
	/* dX pixel (ir, iq) is padded (R, col); for tile rows ty = 0, 1
	 * (window row r = R - 2 ty), the window whose columns 0-1 cover col
	 * (winograd.c's first loop), then the one whose columns 2-3 do */
	for (int64_t ir = 0; ir < h; ir++)
		for (int64_t iq = 0; iq < w; iq++) {
			int lane = (int)(ir * w + iq);
			int64_t R = ir + pt, col = iq + pl;
			for (int k = 0; k < 4; k++) {
				int64_t ty = k / 2, r = R - 2 * ty;
				int64_t x = k % 2 ? (col - 2) / 2 : col / 2;
				if (r < 0 || r > 3 || ty >= th || x >= tw ||
				    (k % 2 && col < 2))
					continue;
				int64_t c = col - 2 * x;
				s->dx_idx[k][lane] =
					(int32_t)(16 * (r % 2) + 4 * c + ty * tw + x);
				s->dx_has[k] |= (uint16_t)(1u << lane);
				if (r >= 2)
					s->dx_hi[k] |= (uint16_t)(1u << lane);
			}
		}
	for (int64_t oy = 0; oy < oh; oy++)
		for (int64_t ox = 0; ox < ow; ox++)
			s->out_px[oy * ow + ox] =
				(int32_t)(8 * (oy % 2) + 4 * (ox % 2) +
					  (oy / 2) * tw + ox / 2);
	s->ok = 1;
}

#ifdef DH_CPU_X86_AVX512
#include <immintrin.h>

#define LANES_J1 0x00f0 /* column j = 1 of a register */
#define LANES_J2 0x0f00
#define LANES_J3 0xf000
#define LANES_JJ1 0xf0f0 /* output column 1 of both rows */

DH_TARGET_AVX512 static __m512i idx_of(const int32_t *p)
{
	return _mm512_loadu_si512((const void *)p);
}

DH_TARGET_AVX512 static __m512 neg_lanes(__m512 v, __mmask16 k, __m512 src)
{
	/* -src in lanes k (a sign flip, as the scalar code's negation) */
	return _mm512_castsi512_ps(_mm512_mask_xor_epi32(
		_mm512_castps_si512(v), k, _mm512_castps_si512(src),
		_mm512_set1_epi32((int)0x80000000u)));
}

/* the 4 (or fewer) tiles of positions 4 i .. 4 i + 3, from row i's
 * register */
DH_TARGET_AVX512 static void store_row(float *dst, int64_t stride,
				       __mmask8 k, __m512 v)
{
	_mm_mask_storeu_ps(dst, k, _mm512_extractf32x4_ps(v, 0));
	_mm_mask_storeu_ps(dst + stride, k, _mm512_extractf32x4_ps(v, 1));
	_mm_mask_storeu_ps(dst + 2 * stride, k, _mm512_extractf32x4_ps(v, 2));
	_mm_mask_storeu_ps(dst + 3 * stride, k, _mm512_extractf32x4_ps(v, 3));
}

DH_TARGET_AVX512 static __m512 load_row(const float *src, int64_t stride,
					__mmask8 k)
{
	__m512 v = _mm512_castps128_ps512(_mm_maskz_loadu_ps(k, src));
	v = _mm512_insertf32x4(v, _mm_maskz_loadu_ps(k, src + stride), 1);
	v = _mm512_insertf32x4(v, _mm_maskz_loadu_ps(k, src + 2 * stride), 2);
	return _mm512_insertf32x4(v, _mm_maskz_loadu_ps(k, src + 3 * stride), 3);
}

DH_TARGET_AVX512 void dh_wg_small_input(const dh_wg_small *s,
					const float *plane, float *vt,
					int64_t vs)
{
	__m512 x = _mm512_maskz_loadu_ps(s->in_mask, plane), r[4];
	for (int k = 0; k < 4; k++) {
		__m512 a = _mm512_maskz_permutexvar_ps(s->in_ma[k],
						       idx_of(s->in_a[k]), x);
		__m512 b = _mm512_maskz_permutexvar_ps(s->in_mb[k],
						       idx_of(s->in_b[k]), x);
		r[k] = _mm512_mask_add_ps(_mm512_sub_ps(a, b), LANES_J1, a, b);
	}
	__mmask8 tk = s->tile_mask;
	store_row(vt, vs, tk, _mm512_sub_ps(r[0], r[2]));
	store_row(vt + 4 * vs, vs, tk, _mm512_add_ps(r[1], r[2]));
	store_row(vt + 8 * vs, vs, tk, _mm512_sub_ps(r[2], r[1]));
	store_row(vt + 12 * vs, vs, tk, _mm512_sub_ps(r[1], r[3]));
}

DH_TARGET_AVX512 void dh_wg_small_output(const dh_wg_small *s,
					 const float *mt, int64_t ms,
					 float bias, float *y)
{
	__mmask8 tk = s->tile_mask;
	__m512 m0 = load_row(mt, ms, tk), m1 = load_row(mt + 4 * ms, ms, tk);
	__m512 m2 = load_row(mt + 8 * ms, ms, tk);
	__m512 m3 = load_row(mt + 12 * ms, ms, tk);
	/* A^T down the columns: m0 + m1 + m2, m1 - m2 - m3 */
	__m512 r0 = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
	__m512 r1 = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
	/* and along the rows: r0 + r1 + r2, r1 - r2 - r3, plus the bias */
	__m512 u1 = _mm512_permutex2var_ps(r0, idx_of(s->out_u[0]), r1);
	__m512 u2 = _mm512_permutex2var_ps(r0, idx_of(s->out_u[1]), r1);
	__m512 u3 = _mm512_permutex2var_ps(r0, idx_of(s->out_u[2]), r1);
	__m512 t = _mm512_mask_sub_ps(_mm512_add_ps(u1, u2), LANES_JJ1, u1, u2);
	__m512 v = _mm512_mask_sub_ps(_mm512_add_ps(t, u3), LANES_JJ1, t, u3);
	v = _mm512_add_ps(v, _mm512_set1_ps(bias));
	_mm512_mask_storeu_ps(y, s->out_mask,
			      _mm512_permutexvar_ps(idx_of(s->out_px), v));
}

DH_TARGET_AVX512 void dh_wg_small_grad(const dh_wg_small *s, const float *dy,
				       float *zt, int64_t zs)
{
	__m512 g = _mm512_maskz_loadu_ps(s->out_mask, dy), r[2];
	for (int i = 0; i < 2; i++) {
		/* y0, y0 + y1, y0 - y1, -y1 */
		__m512 a = _mm512_maskz_permutexvar_ps(s->dy_ma[i],
						       idx_of(s->dy_a[i]), g);
		__m512 b = _mm512_maskz_permutexvar_ps(s->dy_mb[i],
						       idx_of(s->dy_b[i]), g);
		__m512 v = _mm512_mask_add_ps(a, LANES_J1, a, b);
		v = _mm512_mask_sub_ps(v, LANES_J2, a, b);
		r[i] = neg_lanes(v, LANES_J3, b);
	}
	__mmask8 tk = s->tile_mask;
	store_row(zt, zs, tk, r[0]);
	store_row(zt + 4 * zs, zs, tk, _mm512_add_ps(r[0], r[1]));
	store_row(zt + 8 * zs, zs, tk, _mm512_sub_ps(r[0], r[1]));
	store_row(zt + 12 * zs, zs, tk, neg_lanes(r[1], 0xffff, r[1]));
}

/* lanes (c, t) of a window row from lanes (jj, t) of Q: columns c take
 * jj = map[c] */
DH_TARGET_AVX512 static __m512 regroup(__m512 q, int j0, int j1, int j2,
				       int j3)
{
	__m512i base = _mm512_set_epi32(3, 2, 1, 0, 3, 2, 1, 0, 3, 2, 1, 0,
					3, 2, 1, 0);
	__m512i grp = _mm512_set_epi32(4 * j3, 4 * j3, 4 * j3, 4 * j3, 4 * j2,
				       4 * j2, 4 * j2, 4 * j2, 4 * j1, 4 * j1,
				       4 * j1, 4 * j1, 4 * j0, 4 * j0, 4 * j0,
				       4 * j0);
	return _mm512_permutexvar_ps(_mm512_add_epi32(base, grp), q);
}

DH_TARGET_AVX512 void dh_wg_small_input_grad(const dh_wg_small *s,
					     const float *pt_, int64_t ps,
					     float *dx)
{
	__mmask8 tk = s->tile_mask;
	__m512 a0 = load_row(pt_, ps, tk), a1 = load_row(pt_ + 4 * ps, ps, tk);
	__m512 a2 = load_row(pt_ + 8 * ps, ps, tk);
	__m512 a3 = load_row(pt_ + 12 * ps, ps, tk);
	/* B down the columns: a0, a1 - a2 + a3, a1 + a2 - a0, -a3 */
	__m512 q[4] = {a0, _mm512_add_ps(_mm512_sub_ps(a1, a2), a3),
		       _mm512_sub_ps(_mm512_add_ps(a1, a2), a0),
		       neg_lanes(a3, 0xffff, a3)};
	/* and along the rows: window row r, columns c = (q0, q1 - q2 + q3,
	 * q1 + q2 - q0, -q3) */
	__m512 d[4];
	for (int r = 0; r < 4; r++) {
		__m512 p1 = regroup(q[r], 0, 1, 1, 3);
		__m512 p2 = regroup(q[r], 2, 2, 2, 2);
		__m512 p3 = regroup(q[r], 3, 3, 0, 3);
		__m512 t = _mm512_mask_sub_ps(p1, LANES_J1, p1, p2);
		t = _mm512_mask_add_ps(t, LANES_J2, p1, p2);
		__m512 v = _mm512_mask_add_ps(t, LANES_J1, t, p3);
		v = _mm512_mask_sub_ps(v, LANES_J2, t, p3);
		d[r] = neg_lanes(v, LANES_J3, p1);
	}
	/* each pixel: ((0 + a) + b) for the upper tile row's windows, the
	 * same for the lower's, added to 0 in that order; a missing term
	 * adds +0, which changes nothing once 0 + a has run (a sum that
	 * starts from +0 is never -0) */
	__m512 zero = _mm512_setzero_ps(), term[4];
	for (int k = 0; k < 4; k++) {
		__m512i ix = idx_of(s->dx_idx[k]);
		__m512 lo = _mm512_permutex2var_ps(d[0], ix, d[1]);
		__m512 hi = _mm512_permutex2var_ps(d[2], ix, d[3]);
		term[k] = _mm512_maskz_mov_ps(s->dx_has[k],
					      _mm512_mask_blend_ps(s->dx_hi[k], lo, hi));
	}
	__m512 up = _mm512_add_ps(_mm512_add_ps(zero, term[0]), term[1]);
	__m512 down = _mm512_add_ps(_mm512_add_ps(zero, term[2]), term[3]);
	_mm512_mask_storeu_ps(dx, s->in_mask,
			      _mm512_add_ps(_mm512_add_ps(zero, up), down));
}
#else
void dh_wg_small_input_grad(const dh_wg_small *s, const float *pt_,
			    int64_t ps, float *dx)
{
	(void)s, (void)pt_, (void)ps, (void)dx;
}
void dh_wg_small_input(const dh_wg_small *s, const float *plane, float *vt,
		       int64_t vs)
{
	(void)s, (void)plane, (void)vt, (void)vs;
}
void dh_wg_small_output(const dh_wg_small *s, const float *mt, int64_t ms,
			float bias, float *y)
{
	(void)s, (void)mt, (void)ms, (void)bias, (void)y;
}
void dh_wg_small_grad(const dh_wg_small *s, const float *dy, float *zt,
		      int64_t zs)
{
	(void)s, (void)dy, (void)zt, (void)zs;
}
#endif
