/* resize.c - resampling with OpenCV's cv2.resize conventions.
 *
 * Nearest takes src[floor(d * s/d')] (OpenCV's INTER_NEAREST).  Linear and
 * cubic (a = -0.75) sample at pixel centres, f = (d + 0.5) * scale - 0.5,
 * replicating the edge.  Area averages the source cells each output pixel
 * covers when shrinking, and is linear with area-shaped weights when growing.
 * 8-bit images are computed in 11-bit fixed point, as OpenCV does, so that
 * results agree to the last bit or within one level; other dtypes in float.
 * Both passes are separable and threaded over rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/alloc.h"
#include "image/proc/proc.h"
#include "image/proc/simd_private.h"
#include "image/sat.h"

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

/* One axis: for each output index `k` taps starting at ofs[d] (clamped
 * indices in idx[d*k + j]) with float weights w and fixed-point iw. */
typedef struct axis {
	int n;       /* output size */
	int k;       /* taps */
	int *idx;    /* n * k source indices, already clamped */
	float *w;    /* n * k */
	int *iw;     /* n * k, weights * 2^11 */
	int fast;    /* integer area factor (0: not) */
	int32_t *wp; /* 2 taps: the weights as 16-bit pairs (or NULL) */
	int xs;      /* 2 taps: outputs whose taps' 4-byte loads stay in
			a 3-channel row */
} axis;

static void axis_free(axis *a)
{
	free(a->idx);
	free(a->w);
	free(a->iw);
	free(a->wp);
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void cubic_coeffs(float x, float c[4])
{
	const float A = -0.75f;
	c[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
	c[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
	c[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
	c[3] = 1.f - c[0] - c[1] - c[2];
}

/* Build the taps of one axis (src size s, dst size d).  `is_x`: OpenCV puts
 * the edge clamp of linear interpolation into the weights along x only. */
static dh_status axis_init(axis *a, int s, int d, dh_interp m, int area_mode,
			   int is_x, dh_err *e)
{
	memset(a, 0, sizeof *a);
	a->n = d;
	double inv = (double)d / s;     /* OpenCV's inv_scale */
	double scale = 1.0 / inv;
	if (m == DH_INTERP_AREA && !area_mode) {
		/* shrinking by area: weights over the covered cells */
		a->k = (int)ceil(scale) + 1;
	} else {
		a->k = m == DH_INTERP_NEAREST ? 1 : m == DH_INTERP_CUBIC ? 4 : 2;
	}
	size_t nk = (size_t)d * (size_t)a->k;
	a->idx = calloc(nk, sizeof *a->idx);
	a->w = calloc(nk, sizeof *a->w);
	a->iw = calloc(nk, sizeof *a->iw);
	if (!a->idx || !a->w || !a->iw) {
		axis_free(a);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	for (int o = 0; o < d; o++) {
		int *ix = a->idx + (size_t)o * (size_t)a->k;
		float *w = a->w + (size_t)o * (size_t)a->k;
		if (m == DH_INTERP_NEAREST) {
			int sx = (int)floor(o * scale);
			ix[0] = clampi(sx, 0, s - 1);
			w[0] = 1.f;
		} else if (m == DH_INTERP_AREA && !area_mode) {
			double f1 = o * scale, f2 = f1 + scale;
			double cell = scale < s - f1 ? scale : s - f1;
			int s1 = (int)ceil(f1), s2 = (int)floor(f2);
			if (s2 > s - 1)
				s2 = s - 1;
			if (s1 > s2)
				s1 = s2;
			int j = 0;
			if (s1 - f1 > 1e-3 && j < a->k) {
				ix[j] = s1 - 1;
				w[j++] = (float)((s1 - f1) / cell);
			}
			for (int x = s1; x < s2 && j < a->k; x++) {
				ix[j] = x;
				w[j++] = (float)(1.0 / cell);
			}
			if (f2 - s2 > 1e-3 && j < a->k) {
				double r = f2 - s2 < 1.0 ? f2 - s2 : 1.0;
				ix[j] = s2;
				w[j++] = (float)((r < cell ? r : cell) / cell);
			}
			for (; j < a->k; j++) {
				ix[j] = ix[0];
				w[j] = 0.f;
			}
		} else {
			float f;
			int sx;
			if (area_mode) {
				sx = (int)floor(o * scale);
				f = (float)((o + 1) - (sx + 1) * inv);
				f = f <= 0 ? 0.f : f - floorf(f);
			} else {
				f = (float)((o + 0.5) * scale - 0.5);
				sx = (int)floorf(f);
				f -= (float)sx;
			}
			if (m != DH_INTERP_CUBIC && is_x) {
				if (sx < 0)
					f = 0, sx = 0;
				if (sx >= s - 1)
					f = 0, sx = s - 1;
			}
			if (m == DH_INTERP_CUBIC) {
				cubic_coeffs(f, w);
				for (int j = 0; j < 4; j++)
					ix[j] = clampi(sx - 1 + j, 0, s - 1);
			} else {
				w[0] = 1.f - f;
				w[1] = f;
				ix[0] = clampi(sx, 0, s - 1);
				ix[1] = clampi(sx + 1, 0, s - 1);
			}
		}
		for (int j = 0; j < a->k; j++)
			a->iw[(size_t)o * (size_t)a->k + (size_t)j] =
				(int)lrintf(w[j] * COEF_ONE);
	}
	if (a->k == 2 && is_x) {
		a->wp = malloc(sizeof *a->wp * (size_t)d);
		if (!a->wp) {
			axis_free(a);
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		}
		a->xs = 0;
		for (int o = 0; o < d; o++) {
			int w0 = a->iw[2 * o], w1 = a->iw[2 * o + 1];
			if (w0 < -32768 || w0 > 32767 || w1 < -32768 || w1 > 32767) {
				free(a->wp);
				a->wp = NULL;
				break;
			}
			a->wp[o] = (int32_t)(((uint32_t)w1 << 16) | ((uint32_t)w0 & 0xffff));
			/* 4 bytes from pixel idx: inside while idx <= s - 2 */
			if (a->idx[2 * o] <= s - 2 && a->idx[2 * o + 1] <= s - 2 &&
			    a->xs == o)
				a->xs = o + 1;
		}
	}
	return DH_OK;
}

/* Two-tap horizontal pass with the channel count known to the compiler. */
#define HROW2(NAME, CC)                                                     \
	static void NAME(const uint8_t *s, int32_t *restrict h,             \
			 const int *restrict idx, const int *restrict iw,   \
			 int DW)                                            \
	{                                                                   \
		for (int x = 0; x < DW; x++) {                              \
			const uint8_t *p0 = s + (size_t)idx[2 * x] * CC;    \
			const uint8_t *p1 = s + (size_t)idx[2 * x + 1] * CC; \
			const int32_t w0 = iw[2 * x], w1 = iw[2 * x + 1];   \
			int32_t *o = h + (size_t)x * CC;                    \
			for (int c = 0; c < CC; c++)                        \
				o[c] = p0[c] * w0 + p1[c] * w1;             \
		}                                                           \
	}
HROW2(hrow2_c1, 1)
HROW2(hrow2_c3, 3)
HROW2(hrow2_c4, 4)

/* d = saturate(round((b0 * (r0 >> 4) >> 16) + (b1 * (r1 >> 4) >> 16))) as
 * OpenCV's 8-bit linear vertical pass. */
DH_PROC_CLONES static void vrow2_u8(const int32_t *restrict r0,
				    const int32_t *restrict r1, int b0, int b1,
				    uint8_t *restrict d, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		int v = ((b0 * (r0[i] >> 4)) >> 16) + ((b1 * (r1[i] >> 4)) >> 16);
		v = (v + 2) >> 2;
		d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

#ifdef __SSE2__
/* Two taps, 3 channels, SSE2 (baseline on x86-64): the 4 bytes at each
 * tap interleaved into 16-bit pairs and multiplied-added with the weight
 * pair (pmaddwd), giving the 3 channels and one spare lane, which the next
 * pixel overwrites.  Pixels [0, xs) only: their second tap's 4 bytes lie
 * inside the row; h has room for one int past the row. */
static void hrow2_c3_sse2(const uint8_t *s, int32_t *restrict h,
			  const int *restrict idx, const int32_t *restrict wp,
			  int xs)
{
	const __m128i zero = _mm_setzero_si128();
	for (int x = 0; x < xs; x++) {
		int32_t a, b;
		memcpy(&a, s + (size_t)idx[2 * x] * 3, 4);
		memcpy(&b, s + (size_t)idx[2 * x + 1] * 3, 4);
		__m128i v = _mm_unpacklo_epi8(_mm_cvtsi32_si128(a),
					      _mm_cvtsi32_si128(b));
		v = _mm_unpacklo_epi8(v, zero);
		__m128i r = _mm_madd_epi16(v, _mm_set1_epi32(wp[x]));
		_mm_storeu_si128((__m128i *)(void *)(h + (size_t)x * 3), r);
	}
}
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(DH_NO_CLONES)
#include <immintrin.h>
#define HROW_AVX2 1
/* The same two pixels at a time with AVX2: where the second tap is the
 * pixel after the first (all of [0, xs)), one 8-byte load holds both taps;
 * a shuffle makes the (c, c') 16-bit pairs and pmaddwd applies the weight
 * pair of each pixel's lane. */
__attribute__((target("avx2"))) static void
hrow2_c3_avx2(const uint8_t *s, int32_t *restrict h, const int *restrict idx,
	      const int32_t *restrict wp, int xs)
{
	const __m256i sh = _mm256_setr_epi8(
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
	int x = 0;
	for (; x + 2 <= xs; x += 2) {
		int64_t a, b;
		memcpy(&a, s + (size_t)idx[2 * x] * 3, 8);
		memcpy(&b, s + (size_t)idx[2 * x + 2] * 3, 8);
		__m256i v = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_cvtsi64_si128(a)),
			_mm_cvtsi64_si128(b), 1);
		__m256i w = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_set1_epi32(wp[x])),
			_mm_set1_epi32(wp[x + 1]), 1);
		__m256i r = _mm256_madd_epi16(_mm256_shuffle_epi8(v, sh), w);
		_mm_storeu_si128((__m128i *)(void *)(h + (size_t)x * 3),
				 _mm256_castsi256_si128(r));
		_mm_storeu_si128((__m128i *)(void *)(h + (size_t)x * 3 + 3),
				 _mm256_extracti128_si256(r, 1));
	}
	if (x < xs)
		hrow2_c3_sse2(s, h + (size_t)x * 3, idx + 2 * (size_t)x, wp + x,
			      xs - x);
}
#endif

/* Horizontal pass of one 8-bit source row into h (fixed point). */
static void hrow_u8(const uint8_t *s, int32_t *h, const axis *ax, int C,
		    int DW)
{
	const int kx = ax->k;
#ifdef __SSE2__
	if (kx == 2 && C == 3 && ax->wp) {
#ifdef HROW_AVX2
		if (__builtin_cpu_supports("avx2"))
			hrow2_c3_avx2(s, h, ax->idx, ax->wp, ax->xs);
		else
#endif
			hrow2_c3_sse2(s, h, ax->idx, ax->wp, ax->xs);
		hrow2_c3(s + 0, h + (size_t)ax->xs * 3, ax->idx + 2 * (size_t)ax->xs,
			 ax->iw + 2 * (size_t)ax->xs, DW - ax->xs);
		return;
	}
#endif
	if (kx == 2 && (C == 1 || C == 3 || C == 4)) {
		(C == 1 ? hrow2_c1 : C == 3 ? hrow2_c3 : hrow2_c4)(s, h, ax->idx,
								   ax->iw, DW);
		return;
	}
	if (kx == 2) {
		for (int x = 0; x < DW; x++) {
			const uint8_t *p0 = s + (size_t)ax->idx[2 * x] * (size_t)C;
			const uint8_t *p1 = s + (size_t)ax->idx[2 * x + 1] * (size_t)C;
			const int32_t w0 = ax->iw[2 * x], w1 = ax->iw[2 * x + 1];
			int32_t *o = h + (size_t)x * (size_t)C;
			for (int c = 0; c < C; c++)
				o[c] = p0[c] * w0 + p1[c] * w1;
		}
		return;
	}
	for (int x = 0; x < DW; x++) {
		const int *ix = ax->idx + (size_t)x * (size_t)kx;
		const int *iw = ax->iw + (size_t)x * (size_t)kx;
		for (int c = 0; c < C; c++) {
			int32_t acc = 0;
			for (int j = 0; j < kx; j++)
				acc += (int32_t)s[(size_t)ix[j] * (size_t)C + (size_t)c] * iw[j];
			h[(size_t)x * (size_t)C + (size_t)c] = acc;
		}
	}
}

/* 8-bit linear and cubic in fixed point.  Each thread takes a band of
 * output rows and keeps the few horizontally resampled source rows they
 * need in a small cache (slot = row mod slots), so no image-sized buffer
 * is written and read back.  Returns -1 when out of memory. */
typedef struct resize_job {
	const dh_image *src;
	dh_image *dst;
	int z;
	const axis *ax, *ay;
	const int *nz, *nzy; /* float: taps with weight per output */
	int oom;
} resize_job;

static void fixed_chunk(void *p, int c, int n)
{
	resize_job *jb = p;
	const dh_image *src = jb->src;
	dh_image *dst = jb->dst;
	const axis *ax = jb->ax, *ay = jb->ay;
	const int C = src->channels, DW = dst->width, z = jb->z;
	const size_t hrow = (size_t)DW * (size_t)C;
	const int ky = ay->k, slots = ky + 1;
	int y0, y1;
	dh_proc_band(dst->height, c, n, &y0, &y1);
	if (y0 >= y1)
		return;
	/* rows 4 ints apart: room for the SSE2 pass's spare lane */
	int32_t *cache = malloc((size_t)slots * (hrow + 4) * sizeof *cache);
	int tags[8];
	for (int i = 0; i < slots; i++)
		tags[i] = -1;
	if (!cache) {
		__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
		return;
	}
	for (int y = y0; y < y1; y++) {
		const int *iy = ay->idx + (size_t)y * (size_t)ky;
		const int *bw = ay->iw + (size_t)y * (size_t)ky;
		const int32_t *rows[4];
		for (int j = 0; j < ky; j++) {
			int slot = iy[j] % slots;
			int32_t *r = cache + (size_t)slot * (hrow + 4);
			if (tags[slot] != iy[j]) {
				hrow_u8(dh_image_row(src, z, iy[j]), r, ax, C, DW);
				tags[slot] = iy[j];
			}
			rows[j] = r;
		}
		uint8_t *d = dh_image_row(dst, z, y);
		if (ky == 2) {
			vrow2_u8(rows[0], rows[1], bw[0], bw[1], d, hrow);
		} else {
			for (size_t i = 0; i < hrow; i++) {
				int64_t acc = 0;
				for (int j = 0; j < ky; j++)
					acc += (int64_t)bw[j] * rows[j][i];
				acc = (acc + ((int64_t)1 << 21)) >> 22;
				d[i] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
			}
		}
	}
	free(cache);
}

static int plane_u8_fixed(const dh_image *src, int z, dh_image *dst,
			  const axis *ax, const axis *ay)
{
	resize_job jb = {src, dst, z, ax, ay, NULL, NULL, 0};
	size_t work = (size_t)dst->width * (size_t)src->channels *
		      ((size_t)src->height + (size_t)dst->height) * 4;
	dh_proc_run(dh_proc_chunks(work), fixed_chunk, &jb, work);
	return jb.oom ? -1 : 0;
}

/* Horizontal pass of one 8-bit row in float, the taps in order (so the
 * sums are those of plane_float); trailing zero-weight taps are skipped
 * (adding 0 changes nothing). */
static void hrow_u8f(const uint8_t *s, float *restrict h, const axis *ax,
		     const int *nz, int C, int DW)
{
	const int kx = ax->k;
	for (int x = 0; x < DW; x++) {
		const int *ix = ax->idx + (size_t)x * (size_t)kx;
		const float *w = ax->w + (size_t)x * (size_t)kx;
		const int k = nz[x];
		float *o = h + (size_t)x * (size_t)C;
		if (C == 3) {
			float a0 = 0, a1 = 0, a2 = 0;
			for (int j = 0; j < k; j++) {
				const uint8_t *p = s + (size_t)ix[j] * 3;
				a0 += w[j] * (float)p[0];
				a1 += w[j] * (float)p[1];
				a2 += w[j] * (float)p[2];
			}
			o[0] = a0, o[1] = a1, o[2] = a2;
			continue;
		}
		for (int c = 0; c < C; c++) {
			float acc = 0;
			for (int j = 0; j < k; j++)
				acc += w[j] * (float)s[(size_t)ix[j] * (size_t)C + (size_t)c];
			o[c] = acc;
		}
	}
}

/* d = saturate(rint(sum_j bw[j] rows[j])) with the sums in tap order;
 * rint by the 1.5 * 2^23 trick (exact for 0 <= v < 2^22, round half to
 * even as lrintf), so that the loop vectorises. */
static void vrow_u8f(const float *const *rows, const float *bw, int k,
		     uint8_t *restrict d, size_t n)
{
	const float magic = 12582912.0f;
#pragma omp simd
	for (size_t i = 0; i < n; i++) {
		float acc = 0;
		for (int j = 0; j < k; j++)
			acc += bw[j] * rows[j][i];
		acc = acc > 0.0f ? acc : 0.0f;
		acc = acc < 255.0f ? acc : 255.0f;
		d[i] = (uint8_t)(int)((acc + magic) - magic);
	}
}

static void float_chunk(void *p, int c, int n)
{
	resize_job *jb = p;
	const dh_image *src = jb->src;
	dh_image *dst = jb->dst;
	const axis *ax = jb->ax, *ay = jb->ay;
	const int C = src->channels, DW = dst->width, z = jb->z;
	const size_t hrow = (size_t)DW * (size_t)C;
	const int ky = ay->k, slots = ky + 1;
	int y0, y1;
	dh_proc_band(dst->height, c, n, &y0, &y1);
	if (y0 >= y1)
		return;
	float *cache = malloc((size_t)slots * hrow * sizeof *cache);
	int *tags = malloc((size_t)slots * sizeof *tags);
	const float **rows = malloc((size_t)ky * sizeof *rows);
	if (!cache || !tags || !rows) {
		__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
		y1 = y0;
	}
	for (int i = 0; tags && i < slots; i++)
		tags[i] = -1;
	for (int y = y0; y < y1; y++) {
		const int *iy = ay->idx + (size_t)y * (size_t)ky;
		const int k = jb->nzy[y];
		for (int j = 0; j < k; j++) {
			int slot = iy[j] % slots;
			float *r = cache + (size_t)slot * hrow;
			if (tags[slot] != iy[j]) {
				hrow_u8f(dh_image_row(src, z, iy[j]), r, ax, jb->nz, C, DW);
				tags[slot] = iy[j];
			}
			rows[j] = r;
		}
		vrow_u8f(rows, ay->w + (size_t)y * (size_t)ky, k,
			 dh_image_row(dst, z, y), hrow);
	}
	free(cache);
	free(tags);
	free(rows);
}

/* 8-bit in float (area shrink by non-integer factors): as plane_float,
 * with each thread resampling the source rows its band of output rows
 * needs into a small cache (slot = row mod slots). */
static int plane_u8_float(const dh_image *src, int z, dh_image *dst,
			  const axis *ax, const axis *ay)
{
	const int C = src->channels, DW = dst->width;
	const size_t hrow = (size_t)DW * (size_t)C;
	const int ky = ay->k;
	int *nz = malloc(sizeof(int) * (size_t)(DW + dst->height));
	if (!nz)
		return -1;
	int *nzy = nz + DW;
	for (int x = 0; x < DW; x++) {
		int k = ax->k;
		while (k > 1 && ax->w[(size_t)x * (size_t)ax->k + (size_t)k - 1] == 0.f)
			k--;
		nz[x] = k;
	}
	for (int y = 0; y < dst->height; y++) {
		int k = ky;
		while (k > 1 && ay->w[(size_t)y * (size_t)ky + (size_t)k - 1] == 0.f)
			k--;
		nzy[y] = k;
	}
	resize_job jb = {src, dst, z, ax, ay, nz, nzy, 0};
	size_t work = hrow * (size_t)src->height * 4;
	dh_proc_run(dh_proc_chunks(work), float_chunk, &jb, work);
	int oom = jb.oom;
	free(nz);
	return oom ? -1 : 0;
}

/* Any dtype in float (and 8-bit area and nearest). */
static void plane_float(const dh_image *src, int z, dh_image *dst,
			const axis *ax, const axis *ay, float *hbuf)
{
	const int C = src->channels, DW = dst->width;
	const size_t hrow = (size_t)DW * (size_t)C;
	const size_t srow = (size_t)src->width * (size_t)C;
	const int kx = ax->k;
	const size_t zoff = (size_t)z * (size_t)src->height * srow;
#pragma omp parallel for schedule(static)
	for (int y = 0; y < src->height; y++) {
		size_t base = zoff + (size_t)y * srow;
		float *h = hbuf + (size_t)y * hrow;
		for (int x = 0; x < DW; x++) {
			const int *ix = ax->idx + (size_t)x * (size_t)kx;
			const float *w = ax->w + (size_t)x * (size_t)kx;
			for (int c = 0; c < C; c++) {
				float acc = 0;
				for (int j = 0; j < kx; j++)
					acc += (float)dh_dtype_get(src->dtype, src->data,
								   base + (size_t)ix[j] * (size_t)C + (size_t)c) *
					       w[j];
				h[(size_t)x * (size_t)C + (size_t)c] = acc;
			}
		}
	}
	const int ky = ay->k;
	const size_t dz = (size_t)z * (size_t)dst->height * hrow;
#pragma omp parallel for schedule(static)
	for (int y = 0; y < dst->height; y++) {
		const int *iy = ay->idx + (size_t)y * (size_t)ky;
		const float *bw = ay->w + (size_t)y * (size_t)ky;
		for (size_t i = 0; i < hrow; i++) {
			float acc = 0;
			for (int j = 0; j < ky; j++)
				acc += bw[j] * hbuf[(size_t)iy[j] * hrow + i];
			if (dst->dtype == DH_U8)
				dst->data[dz + (size_t)y * hrow + i] = dh_sat_u8f(acc);
			else
				dh_sat_store(dst->dtype, dst->data,
					     dz + (size_t)y * hrow + i, acc);
		}
	}
}

/* 8-bit area shrink by whole factors: integer sums (OpenCV's fast path). */
static void plane_u8_area_fast(const dh_image *src, int z, dh_image *dst,
			       int fx, int fy)
{
	const int C = dst->channels;
	const int area = fx * fy;
	const float inv = 1.f / (float)area;
	if (fx == 2 && fy == 2) {
#pragma omp parallel for schedule(static)
		for (int y = 0; y < dst->height; y++) {
			uint8_t *d = dh_image_row(dst, z, y);
			const uint8_t *s0 = dh_image_row(src, z, 2 * y);
			const uint8_t *s1 = dh_image_row(src, z, 2 * y + 1);
			for (int x = 0; x < dst->width; x++) {
				const size_t o = 2 * (size_t)x * (size_t)C;
				for (int c = 0; c < C; c++)
					d[(size_t)x * (size_t)C + (size_t)c] = (uint8_t)(
						(s0[o + (size_t)c] + s0[o + (size_t)C + (size_t)c] +
						 s1[o + (size_t)c] + s1[o + (size_t)C + (size_t)c] + 2) >> 2);
			}
		}
		return;
	}
#pragma omp parallel for schedule(static)
	for (int y = 0; y < dst->height; y++) {
		uint8_t *d = dh_image_row(dst, z, y);
		for (int x = 0; x < dst->width; x++)
			for (int c = 0; c < C; c++) {
				int sum = 0;
				for (int j = 0; j < fy; j++) {
					const uint8_t *s = dh_image_row(src, z, y * fy + j);
					for (int i = 0; i < fx; i++)
						sum += s[((size_t)x * (size_t)fx + (size_t)i) * (size_t)C + (size_t)c];
				}
				d[(size_t)x * (size_t)C + (size_t)c] =
					area == 4 ? (uint8_t)((sum + 2) >> 2)
						  : dh_sat_u8f((float)sum * inv);
			}
	}
}

dh_image *dh_resize(const dh_image *src, int width, int height, dh_interp m,
		    dh_err *e)
{
	if ((unsigned)m >= DH_INTERP_COUNT) {
		dh_err_set(e, DH_EINVAL, "bad interpolation");
		return NULL;
	}
	/* every path below writes every pixel */
	dh_image *dst = dh_image_new_uninit(src->dtype, width, height,
					    src->depth, src->channels,
					    src->color, e);
	if (!dst)
		return NULL;
	memcpy(dst->origin, src->origin, sizeof dst->origin);
	memcpy(dst->direction, src->direction, sizeof dst->direction);
	dst->spacing[0] = src->spacing[0] * src->width / width;
	dst->spacing[1] = src->spacing[1] * src->height / height;
	dst->spacing[2] = src->spacing[2];
	double sx = (double)src->width / width, sy = (double)src->height / height;
	int isx = (int)lrint(sx), isy = (int)lrint(sy);
	int area_fast = fabs(sx - isx) < 1e-12 && fabs(sy - isy) < 1e-12 &&
			isx >= 1 && isy >= 1;
	/* a 2x2 shrink is the same average whether called linear or area */
	if (m == DH_INTERP_LINEAR && area_fast && isx == 2 && isy == 2)
		m = DH_INTERP_AREA;
	int area_mode = 0;
	if (m == DH_INTERP_AREA && !(sx >= 1 && sy >= 1)) {
		area_mode = 1; /* growing: linear with area weights */
	}
	if (m == DH_INTERP_AREA && !area_mode && area_fast &&
	    src->dtype == DH_U8) {
		for (int z = 0; z < src->depth; z++)
			plane_u8_area_fast(src, z, dst, isx, isy);
		return dst;
	}
	if (m == DH_INTERP_NEAREST || (area_fast && isx == 1 && isy == 1)) {
		/* plain index copy: exact for every dtype */
		axis ax;
		if (axis_init(&ax, src->width, width, DH_INTERP_NEAREST, 0, 1, e)) {
			dh_image_free(dst);
			return NULL;
		}
		double syy = 1.0 / ((double)height / src->height);
		size_t ps = (size_t)src->channels * dh_image_elsize(src);
#pragma omp parallel for schedule(static)
		for (long r = 0; r < (long)height * src->depth; r++) {
			int z = (int)(r / height), y = (int)(r % height);
			int yy = (int)floor(y * syy);
			if (yy > src->height - 1)
				yy = src->height - 1;
			const unsigned char *s = dh_image_row(src, z, yy);
			unsigned char *d = dh_image_row(dst, z, y);
			for (int x = 0; x < width; x++)
				memcpy(d + (size_t)x * ps, s + (size_t)ax.idx[x] * ps, ps);
		}
		axis_free(&ax);
		return dst;
	}
	axis ax, ay;
	if (axis_init(&ax, src->width, width, m, area_mode, 1, e)) {
		dh_image_free(dst);
		return NULL;
	}
	if (axis_init(&ay, src->height, height, m, area_mode, 0, e)) {
		axis_free(&ax);
		dh_image_free(dst);
		return NULL;
	}
	int fixed = src->dtype == DH_U8 && (m == DH_INTERP_LINEAR ||
					     m == DH_INTERP_CUBIC || area_mode);
	if (fixed) {
		int bad = 0;
		for (int z = 0; z < src->depth && !bad; z++)
			bad = plane_u8_fixed(src, z, dst, &ax, &ay);
		axis_free(&ax);
		axis_free(&ay);
		if (bad) {
			dh_image_free(dst);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return NULL;
		}
		return dst;
	}
	if (src->dtype == DH_U8 && m == DH_INTERP_AREA) {
		int bad = 0;
		for (int z = 0; z < src->depth && !bad; z++)
			bad = plane_u8_float(src, z, dst, &ax, &ay);
		axis_free(&ax);
		axis_free(&ay);
		if (bad) {
			dh_image_free(dst);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return NULL;
		}
		return dst;
	}
	size_t hn;
	void *hbuf = NULL;
	if (!dh_size_mul((size_t)src->height, (size_t)width, &hn) &&
	    !dh_size_mul(hn, (size_t)src->channels, &hn))
		hbuf = dh_calloc_aligned(hn, 4, e);
	if (!hbuf) {
		axis_free(&ax);
		axis_free(&ay);
		dh_image_free(dst);
		if (e && !e->status)
			dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (int z = 0; z < src->depth; z++)
		plane_float(src, z, dst, &ax, &ay, hbuf);
	dh_free_aligned(hbuf);
	axis_free(&ax);
	axis_free(&ay);
	return dst;
}
