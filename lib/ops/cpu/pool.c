/* pool.c - MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool over
 * 1 to 3 spatial axes, forward and backward.
 *
 * Windows skip positions in the padding: MaxPool never picks them and
 * AveragePool divides by the taps inside the input unless
 * count_include_pad, when it divides by the taps inside the padded input
 * (the whole kernel, except for a ceil_mode window past the end).  Backward routes
 * MaxPool's gradient to the first maximum in scan order, found again from
 * X rather than stored, so the forward pass needs no index buffer.  Every
 * (sample, channel) plane belongs to one thread. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/op_private.h"

static dh_status pool_geometry(const dh_op_ctx *ctx, dh_op_type op,
			       const dh_op_attrs *a, const dh_tensor *x,
			       dh_spatial *g, dh_err *e)
{
	return dh_spatial_resolve(a, op, ctx->node, x->ndim - 2, x->shape + 2,
				  a->kernel_shape, g, e);
}

static int64_t planes(const dh_tensor *x)
{
	return x->shape[0] * x->shape[1];
}

/* The taps t in [*t0, *t1) of a window starting at input position base
 * (o * stride - pad) whose position base + t * dil falls inside [0, n). */
static inline void tap_range(int64_t base, int64_t dil, int64_t n, int64_t k,
			     int64_t *t0, int64_t *t1)
{
	int64_t lo, hi;
	if (dil == 1) {
		lo = base >= 0 ? 0 : -base;
		hi = n - base;
	} else {
		lo = base >= 0 ? 0 : (-base + dil - 1) / dil;
		hi = n - base > 0 ? (n - base + dil - 1) / dil : 0;
	}
	*t0 = lo < k ? lo : k;
	*t1 = hi > k ? k : hi < *t0 ? *t0 : hi;
}

/* The first NaN of the window whose taps are [d0, d1) x [h0, h1) x
 * [w0, w1) from bases b0, b1, b2; -1 if none. */
static int64_t window_first_nan(const dh_spatial *g, const float *xp,
				int64_t b0, int64_t d0, int64_t d1, int64_t b1,
				int64_t h0, int64_t h1, int64_t b2, int64_t w0,
				int64_t w1)
{
	for (int64_t kd = d0; kd < d1; kd++)
		for (int64_t kh = h0; kh < h1; kh++) {
			int64_t row = ((b0 + kd * g->d[0]) * g->in[1] + b1 +
				       kh * g->d[1]) * g->in[2] + b2;
			for (int64_t kw = w0; kw < w1; kw++)
				if (isnan(xp[row + kw * g->d[2]]))
					return row + kw * g->d[2];
		}
	return -1;
}

/* MaxPool over one plane: forward (yp, and ip with base added, when not
 * NULL) or backward (dxp += dyp at each window's maximum).  The maximum
 * is the first in scan order, or the first NaN, so that NaN propagates.
 * The taps inside the input are found per axis, and the scan selects
 * without branches (a branch on random values mispredicts half the time);
 * a window holding a NaN is scanned again for it.  dh_op_infer refused
 * windows holding no input position. */
static void maxpool_plane(const dh_spatial *g, const float *xp, float *yp,
			  int64_t *ip, int64_t base, const float *dyp,
			  float *dxp)
{
	int64_t dw = g->d[2];
	for (int64_t od = 0; od < g->out[0]; od++) {
		int64_t b0 = od * g->s[0] - g->pb[0], d0, d1;
		tap_range(b0, g->d[0], g->in[0], g->k[0], &d0, &d1);
		for (int64_t oh = 0; oh < g->out[1]; oh++) {
			int64_t b1 = oh * g->s[1] - g->pb[1], h0, h1;
			tap_range(b1, g->d[1], g->in[1], g->k[1], &h0, &h1);
			for (int64_t ow = 0; ow < g->out[2]; ow++) {
				int64_t b2 = ow * g->s[2] - g->pb[2], w0, w1;
				tap_range(b2, dw, g->in[2], g->k[2], &w0, &w1);
				int64_t best = ((b0 + d0 * g->d[0]) * g->in[1] +
						b1 + h0 * g->d[1]) * g->in[2] +
					       b2 + w0 * dw;
				float bv = xp[best];
				int nan = 0;
				for (int64_t kd = d0; kd < d1; kd++) {
					int64_t id = b0 + kd * g->d[0];
					for (int64_t kh = h0; kh < h1; kh++) {
						int64_t row =
							(id * g->in[1] + b1 +
							 kh * g->d[1]) *
								g->in[2] +
							b2;
						for (int64_t kw = w0; kw < w1;
						     kw++) {
							int64_t at = row +
								     kw * dw;
							float v = xp[at];
							int gt = v > bv;
							best = gt ? at : best;
							bv = gt ? v : bv;
							nan |= v != v;
						}
					}
				}
				if (nan)
					best = window_first_nan(g, xp, b0, d0,
								d1, b1, h0, h1,
								b2, w0, w1);
				if (dxp) {
					dxp[best] += *dyp++;
					continue;
				}
				*yp++ = xp[best];
				if (ip)
					*ip++ = base + best;
			}
		}
	}
}

/* The common 2x2 window, stride 2, no padding or dilation, every window
 * inside the input (no ceil_mode overhang), over 2D planes. */
static int maxpool_is_2x2(const dh_spatial *g)
{
	return g->k[0] == 1 && g->s[0] == 1 && g->pb[0] == 0 &&
	       g->out[0] == g->in[0] && g->k[1] == 2 && g->k[2] == 2 &&
	       g->s[1] == 2 && g->s[2] == 2 && g->d[1] == 1 && g->d[2] == 1 &&
	       g->pb[1] == 0 && g->pb[2] == 0 && 2 * g->out[1] <= g->in[1] &&
	       2 * g->out[2] <= g->in[2];
}

/* maxpool_plane for maxpool_is_2x2: the same choices (the first maximum in
 * scan order, or the window's first NaN). */
static void maxpool_plane_2x2(const dh_spatial *g, const float *xp, float *yp,
			      int64_t *ip, int64_t base, const float *dyp,
			      float *dxp)
{
	int64_t w = g->in[2];
	for (int64_t od = 0; od < g->out[0]; od++) {
		const float *xd = xp + od * g->in[1] * w;
		for (int64_t oh = 0; oh < g->out[1]; oh++)
			for (int64_t ow = 0; ow < g->out[2]; ow++) {
				int64_t at = od * g->in[1] * w + 2 * oh * w +
					     2 * ow;
				const float *r = xd + 2 * oh * w + 2 * ow;
				float v0 = r[0], v1 = r[1], v2 = r[w],
				      v3 = r[w + 1];
				int64_t best = at;
				float bv = v0;
				int gt = v1 > bv;
				best = gt ? at + 1 : best;
				bv = gt ? v1 : bv;
				gt = v2 > bv;
				best = gt ? at + w : best;
				bv = gt ? v2 : bv;
				gt = v3 > bv;
				best = gt ? at + w + 1 : best;
				if ((v0 != v0) | (v1 != v1) | (v2 != v2) |
				    (v3 != v3))
					best = v0 != v0   ? at
					       : v1 != v1 ? at + 1
					       : v2 != v2 ? at + w
							  : at + w + 1;
				if (dxp) {
					dxp[best] += *dyp++;
					continue;
				}
				*yp++ = xp[best];
				if (ip)
					*ip++ = base + best;
			}
	}
}

#ifdef DH_CPU_X86_AVX512
#include <immintrin.h>

/* maxpool_plane_2x2 with AVX-512, 16 windows at a time: the four taps are
 * compared in scan order with ordered '>' (the first maximum wins, as in
 * the scalar code); a chunk with a NaN goes to the scalar code, which
 * picks the first NaN.  Backward writes every tap of the covered rows
 * (dy at the chosen one, zeros elsewhere). */
DH_TARGET_AVX512 static void maxpool_plane_2x2_avx512(const dh_spatial *g,
						      const float *xp,
						      float *yp, int64_t *ip,
						      int64_t base,
						      const float *dyp,
						      float *dxp)
{
	int64_t w = g->in[2], ow_n = g->out[2];
	const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16,
					     18, 20, 22, 24, 26, 28, 30);
	const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17,
					     19, 21, 23, 25, 27, 29, 31);
	const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4,
					     20, 5, 21, 6, 22, 7, 23);
	const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12,
					     28, 13, 29, 14, 30, 15, 31);
	for (int64_t d = 0; d < g->out[0]; d++)
		for (int64_t oh = 0; oh < g->out[1]; oh++) {
			int64_t row0 = d * g->in[1] * w + 2 * oh * w;
			const float *r0 = xp + row0, *r1 = r0 + w;
			int64_t o = (d * g->out[1] + oh) * ow_n;
			for (int64_t ow = 0; ow < ow_n; ow += 16) {
				int64_t n = ow_n - ow < 16 ? ow_n - ow : 16;
				__mmask16 m = (__mmask16)((1u << n) - 1);
				__mmask16 ma = (__mmask16)((1u << (n < 8 ? 2 * n : 16)) - 1);
				__mmask16 mb = n > 8 ? (__mmask16)((1u << (2 * n - 16)) - 1) : 0;
				__m512 a0 = _mm512_maskz_loadu_ps(ma, r0 + 2 * ow),
				       a1 = _mm512_maskz_loadu_ps(mb, r0 + 2 * ow + 16),
				       b0 = _mm512_maskz_loadu_ps(ma, r1 + 2 * ow),
				       b1 = _mm512_maskz_loadu_ps(mb, r1 + 2 * ow + 16);
				__m512 v0 = _mm512_permutex2var_ps(a0, ev, a1),
				       v1 = _mm512_permutex2var_ps(a0, od, a1),
				       v2 = _mm512_permutex2var_ps(b0, ev, b1),
				       v3 = _mm512_permutex2var_ps(b0, od, b1);
				__mmask16 nan = _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) |
						_mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q) |
						_mm512_cmp_ps_mask(v2, v2, _CMP_UNORD_Q) |
						_mm512_cmp_ps_mask(v3, v3, _CMP_UNORD_Q);
				if (nan & m) {
					/* the scalar rules, window by window */
					for (int64_t q = 0; q < n; q++) {
						int64_t at = row0 + 2 * (ow + q);
						const float *r = xp + at;
						float u0 = r[0], u1 = r[1], u2 = r[w],
						      u3 = r[w + 1];
						int64_t best = at;
						float bv = u0;
						if (u1 > bv)
							best = at + 1, bv = u1;
						if (u2 > bv)
							best = at + w, bv = u2;
						if (u3 > bv)
							best = at + w + 1;
						if ((u0 != u0) | (u1 != u1) |
						    (u2 != u2) | (u3 != u3))
							best = u0 != u0   ? at
							       : u1 != u1 ? at + 1
							       : u2 != u2 ? at + w
									  : at + w + 1;
						if (dxp) {
							dxp[at] = dxp[at + 1] =
								dxp[at + w] =
									dxp[at + w + 1] =
										0.0f;
							dxp[best] = dyp[o + ow + q];
						} else {
							yp[o + ow + q] = xp[best];
							if (ip)
								ip[o + ow + q] = base + best;
						}
					}
					continue;
				}
				__m512 bv = v0;
				__m512i code = _mm512_setzero_si512();
				__mmask16 gt = _mm512_cmp_ps_mask(v1, bv, _CMP_GT_OQ);
				bv = _mm512_mask_mov_ps(bv, gt, v1);
				code = _mm512_mask_mov_epi32(code, gt, _mm512_set1_epi32(1));
				gt = _mm512_cmp_ps_mask(v2, bv, _CMP_GT_OQ);
				bv = _mm512_mask_mov_ps(bv, gt, v2);
				code = _mm512_mask_mov_epi32(code, gt, _mm512_set1_epi32(2));
				gt = _mm512_cmp_ps_mask(v3, bv, _CMP_GT_OQ);
				bv = _mm512_mask_mov_ps(bv, gt, v3);
				code = _mm512_mask_mov_epi32(code, gt, _mm512_set1_epi32(3));
				if (!dxp) {
					_mm512_mask_storeu_ps(yp + o + ow, m, bv);
					if (ip) {
						int32_t cs[16];
						_mm512_storeu_si512(cs, code);
						for (int64_t q = 0; q < n; q++) {
							int64_t at = row0 + 2 * (ow + q);
							ip[o + ow + q] = base + at +
									 (cs[q] & 1) +
									 (cs[q] >> 1) * w;
						}
					}
					continue;
				}
				__m512 dyv = _mm512_maskz_loadu_ps(m, dyp + o + ow);
				__m512 z = _mm512_setzero_ps();
				__m512 t0 = _mm512_mask_mov_ps(z, _mm512_cmpeq_epi32_mask(code, _mm512_set1_epi32(0)), dyv),
				       t1 = _mm512_mask_mov_ps(z, _mm512_cmpeq_epi32_mask(code, _mm512_set1_epi32(1)), dyv),
				       t2 = _mm512_mask_mov_ps(z, _mm512_cmpeq_epi32_mask(code, _mm512_set1_epi32(2)), dyv),
				       t3 = _mm512_mask_mov_ps(z, _mm512_cmpeq_epi32_mask(code, _mm512_set1_epi32(3)), dyv);
				float *d0 = dxp + row0 + 2 * ow, *d1 = d0 + w;
				_mm512_mask_storeu_ps(d0, ma, _mm512_permutex2var_ps(t0, lo, t1));
				_mm512_mask_storeu_ps(d0 + 16, mb, _mm512_permutex2var_ps(t0, hi, t1));
				_mm512_mask_storeu_ps(d1, ma, _mm512_permutex2var_ps(t2, lo, t3));
				_mm512_mask_storeu_ps(d1 + 16, mb, _mm512_permutex2var_ps(t2, hi, t3));
			}
		}
}
#endif

/* Every tap of the plane is inside some 2x2 window (even sizes): the
 * AVX-512 backward writes all of dX, so it needs no zeroing first. */
static int maxpool_2x2_covers(const dh_spatial *g)
{
	return 2 * g->out[1] == g->in[1] && 2 * g->out[2] == g->in[2];
}

typedef void (*maxpool_plane_fn)(const dh_spatial *, const float *, float *,
				 int64_t *, int64_t, const float *, float *);

static maxpool_plane_fn maxpool_kernel(const dh_spatial *g)
{
	if (!maxpool_is_2x2(g))
		return maxpool_plane;
#ifdef DH_CPU_X86_AVX512
	if (dh_cpu_avx512())
		return maxpool_plane_2x2_avx512;
#endif
	return maxpool_plane_2x2;
}

dh_status dh_cpu_maxpool_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 dh_tensor *const *out, dh_err *e)
{
	dh_spatial g;
	dh_status st = pool_geometry(ctx, DH_OP_MAXPOOL, a, in[0], &g, e);
	if (st)
		return st;
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	/* Indices: flat positions in X, (n, c) included, row-major */
	int64_t *ix = nout > 1 ? (int64_t *)out[1]->data : NULL;
	int64_t np = planes(in[0]);
	maxpool_plane_fn f = maxpool_kernel(&g);
	DH_OMP_FOR(ctx, np * g.out_size * g.k_size)
	for (int64_t p = 0; p < np; p++)
		f(&g, x + p * g.in_size, y + p * g.out_size,
			ix ? ix + p * g.out_size : NULL, p * g.in_size, NULL,
			NULL);
	return DH_OK;
}

dh_status dh_cpu_maxpool_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				  int nin, const dh_tensor *const *in, int nout,
				  const dh_tensor *const *out,
				  const dh_tensor *const *dout,
				  dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	dh_spatial g;
	dh_status st = pool_geometry(ctx, DH_OP_MAXPOOL, a, in[0], &g, e);
	if (st)
		return st;
	const float *x = dh_tensor_f32(in[0]), *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t np = planes(in[0]);
	maxpool_plane_fn f = maxpool_kernel(&g);
	int zero = !(f != maxpool_plane && f != maxpool_plane_2x2 &&
		     maxpool_2x2_covers(&g));
	DH_OMP_FOR(ctx, np * g.out_size * g.k_size)
	for (int64_t p = 0; p < np; p++) {
		float *dxp = dx + p * g.in_size;
		if (zero)
			memset(dxp, 0, (size_t)g.in_size * sizeof(float));
		f(&g, x + p * g.in_size, NULL, NULL, 0, dy + p * g.out_size,
		  dxp);
	}
	return DH_OK;
}

/* AveragePool's divisor for window o: its taps inside the input, or with
 * count_include_pad inside the padded input (all of them unless ceil_mode
 * lets the last window hang past the end padding, as in PyTorch). */
static int64_t window_taps(const dh_spatial *g, int include_pad, int64_t od,
			   int64_t oh, int64_t ow)
{
	int64_t o[3] = {od, oh, ow}, n = 1;
	for (int j = 0; j < 3; j++) {
		int64_t c = 0, lo = include_pad ? -g->pb[j] : 0;
		int64_t hi = g->in[j] + (include_pad ? g->pe[j] : 0);
		for (int64_t t = 0; t < g->k[j]; t++) {
			int64_t i = o[j] * g->s[j] - g->pb[j] + t * g->d[j];
			c += i >= lo && i < hi;
		}
		n *= c;
	}
	return n;
}

/* Forward (dx == NULL: y[o] = mean of the window) or backward (dx: every
 * tap of window o gets dy[o] / divisor) of one plane. */
static void avgpool_plane(const dh_spatial *g, int include_pad,
			  const float *xp, float *yp, const float *dyp,
			  float *dxp)
{
	for (int64_t od = 0; od < g->out[0]; od++)
		for (int64_t oh = 0; oh < g->out[1]; oh++)
			for (int64_t ow = 0; ow < g->out[2]; ow++) {
				int64_t div = window_taps(g, include_pad, od,
							  oh, ow);
				float gval = dxp ? *dyp++ / (float)div : 0.0f;
				double acc = 0.0;
				for (int64_t kd = 0; kd < g->k[0]; kd++) {
					int64_t id = od * g->s[0] - g->pb[0] +
						     kd * g->d[0];
					if (id < 0 || id >= g->in[0])
						continue;
					for (int64_t kh = 0; kh < g->k[1];
					     kh++) {
						int64_t ih = oh * g->s[1] -
							     g->pb[1] +
							     kh * g->d[1];
						if (ih < 0 || ih >= g->in[1])
							continue;
						int64_t base =
							(id * g->in[1] + ih) *
							g->in[2];
						for (int64_t kw = 0;
						     kw < g->k[2]; kw++) {
							int64_t iw =
								ow * g->s[2] -
								g->pb[2] +
								kw * g->d[2];
							if (iw < 0 ||
							    iw >= g->in[2])
								continue;
							if (dxp)
								dxp[base + iw] +=
									gval;
							else
								acc += xp[base +
									  iw];
						}
					}
				}
				if (!dxp)
					*yp++ = (float)(acc / (double)div);
			}
}

dh_status dh_cpu_averagepool_forward(const dh_op_ctx *ctx,
				     const dh_op_attrs *a, int nin,
				     const dh_tensor *const *in, int nout,
				     dh_tensor *const *out, dh_err *e)
{
	dh_spatial g;
	dh_status st = pool_geometry(ctx, DH_OP_AVERAGEPOOL, a, in[0], &g, e);
	if (st)
		return st;
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t np = planes(in[0]);
	DH_OMP_FOR(ctx, np * g.out_size * g.k_size)
	for (int64_t p = 0; p < np; p++)
		avgpool_plane(&g, a->count_include_pad, x + p * g.in_size,
			      y + p * g.out_size, NULL, NULL);
	return DH_OK;
}

dh_status dh_cpu_averagepool_backward(const dh_op_ctx *ctx,
				      const dh_op_attrs *a, int nin,
				      const dh_tensor *const *in, int nout,
				      const dh_tensor *const *out,
				      const dh_tensor *const *dout,
				      dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	dh_spatial g;
	dh_status st = pool_geometry(ctx, DH_OP_AVERAGEPOOL, a, in[0], &g, e);
	if (st)
		return st;
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t np = planes(in[0]);
	DH_OMP_FOR(ctx, np * g.out_size * g.k_size)
	for (int64_t p = 0; p < np; p++) {
		float *dxp = dx + p * g.in_size;
		memset(dxp, 0, (size_t)g.in_size * sizeof(float));
		avgpool_plane(&g, a->count_include_pad, NULL, NULL,
			      dy + p * g.out_size, dxp);
	}
	return DH_OK;
}

static int64_t plane_size(const dh_tensor *x)
{
	int64_t n = 1;
	for (int i = 2; i < x->ndim; i++)
		n *= x->shape[i];
	return n;
}

dh_status dh_cpu_globalaveragepool_forward(const dh_op_ctx *ctx,
					   const dh_op_attrs *a, int nin,
					   const dh_tensor *const *in,
					   int nout, dh_tensor *const *out,
					   dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t np = planes(in[0]), ps = plane_size(in[0]);
	DH_OMP_FOR(ctx, np * ps)
	for (int64_t p = 0; p < np; p++) {
		double acc = 0.0;
		for (int64_t i = 0; i < ps; i++)
			acc += x[p * ps + i];
		y[p] = ps ? (float)(acc / (double)ps) : 0.0f;
	}
	return DH_OK;
}

dh_status dh_cpu_globalaveragepool_backward(
	const dh_op_ctx *ctx, const dh_op_attrs *a, int nin,
	const dh_tensor *const *in, int nout, const dh_tensor *const *out,
	const dh_tensor *const *dout, dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t np = planes(in[0]), ps = plane_size(in[0]);
	DH_OMP_FOR(ctx, np * ps)
	for (int64_t p = 0; p < np; p++) {
		float v = dy[p] / (float)ps;
		for (int64_t i = 0; i < ps; i++)
			dx[p * ps + i] = v;
	}
	return DH_OK;
}

static int64_t plane_argmax(const float *xp, int64_t ps)
{
	int64_t best = 0;
	for (int64_t i = 1; i < ps && !isnan(xp[best]); i++)
		if (xp[i] > xp[best] || isnan(xp[i]))
			best = i;
	return best;
}

dh_status dh_cpu_globalmaxpool_forward(const dh_op_ctx *ctx,
				       const dh_op_attrs *a, int nin,
				       const dh_tensor *const *in, int nout,
				       dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	int64_t np = planes(in[0]), ps = plane_size(in[0]);
	if (ps == 0 && np > 0)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_GLOBALMAXPOOL, ctx->node,
				  "empty spatial extent has no maximum");
	DH_OMP_FOR(ctx, np * ps)
	for (int64_t p = 0; p < np; p++)
		y[p] = x[p * ps + plane_argmax(x + p * ps, ps)];
	return DH_OK;
}

dh_status dh_cpu_globalmaxpool_backward(const dh_op_ctx *ctx,
					const dh_op_attrs *a, int nin,
					const dh_tensor *const *in, int nout,
					const dh_tensor *const *out,
					const dh_tensor *const *dout,
					dh_tensor *const *din, dh_err *e)
{
	if (!din[0])
		return DH_OK;
	const float *x = dh_tensor_f32(in[0]), *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	int64_t np = planes(in[0]), ps = plane_size(in[0]);
	memset(dx, 0, dh_tensor_nbytes(din[0]));
	if (ps == 0)
		return DH_OK;
	DH_OMP_FOR(ctx, np * ps)
	for (int64_t p = 0; p < np; p++)
		dx[p * ps + plane_argmax(x + p * ps, ps)] = dy[p];
	return DH_OK;
}
