/* conv.c - Conv (1D, 2D, 3D; strides, pads, dilations, groups) as im2col
 * followed by sgemm, and ConvTranspose as its adjoint; forward and
 * backward.
 *
 * For each block of samples and each group, im2col lays the receptive
 * fields out as a matrix col[Cg * kernel_size, block * out_size] (zeros
 * where a field reaches into the padding), so the convolution is
 * W_g [Mg, Cg * kernel_size] times col.  The backward pass reuses the same
 * matrices: dW_g += dY_g col^T and dcol = W_g^T dY_g, which col2im adds back
 * into dX.  A 1x1 kernel with unit strides and no padding skips im2col.
 * 1D and 2D run as 3D with leading spatial sizes of one.  The col matrices
 * live in the caller's workspace. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/cpu/winograd.h"
#include "ops/op_private.h"

static dh_status conv_geometry(const dh_op_attrs *a, const dh_op_ctx *ctx,
			       const dh_tensor *x, const dh_tensor *w,
			       dh_spatial *g, dh_err *e)
{
	return dh_spatial_resolve(a, DH_OP_CONV, ctx->node, x->ndim - 2,
				  x->shape + 2, w->shape + 2, g, e);
}

/* A kernel of size one with unit strides and no padding reads X as it is. */
static int conv_is_pointwise(const dh_spatial *g)
{
	for (int i = 0; i < 3; i++)
		if (g->k[i] != 1 || g->s[i] != 1 || g->pb[i] || g->pe[i])
			return 0;
	return 1;
}

/* col[(c, kd, kh, kw), (od, oh, ow)] = x[c, od*s - p + kd*d, ...]
 *
 * The samples of a block go to im2col and col2im in parallel only above
 * the device's parallel_min (high by default): an OpenMP team between two
 * OpenBLAS calls keeps spinning after its loop (libgomp's default wait
 * policy) on the cores OpenBLAS needs next, which made a 2-thread
 * convolution several times slower than a serial im2col. */
/* The output positions o in [lo, hi) along an axis whose input position
 * o * s + base falls inside [0, n): the rest reads padding. */
static void valid_range(int64_t base, int64_t s, int64_t n, int64_t n_out,
			int64_t *lo, int64_t *hi)
{
	int64_t l = base >= 0 ? 0 : (-base + s - 1) / s;
	int64_t h = n - base > 0 ? (n - base + s - 1) / s : 0;
	*lo = l < n_out ? l : n_out;
	*hi = h < *lo ? *lo : h > n_out ? n_out : h;
}

#ifdef DH_CPU_X86_AVX512
#include <immintrin.h>

/* Lanes [lo, hi) of a 16-float chunk, clipped to [0, 16). */
DH_TARGET_AVX512 static inline __mmask16 lanes(int64_t lo, int64_t hi)
{
	lo = lo < 0 ? 0 : lo;
	hi = hi > 16 ? 16 : hi;
	if (hi <= lo)
		return 0;
	return (__mmask16)(((1u << (hi - lo)) - 1) << lo);
}

/* im2col for unit strides along W: each output row is a few masked
 * loads (zeros where the field reads padding) and stores, the same values
 * as the scalar loops. */
DH_TARGET_AVX512 static void im2col_avx512(const dh_spatial *g, int64_t cg,
					   const float *x, float *col,
					   int64_t ld)
{
	int64_t rows = cg * g->k_size, ow_n = g->out[2];
	for (int64_t r = 0; r < rows; r++) {
		int64_t c = r / g->k_size, kk = r % g->k_size;
		int64_t kw = kk % g->k[2], kh = (kk / g->k[2]) % g->k[1];
		int64_t kd = kk / (g->k[2] * g->k[1]);
		const float *xc = x + c * g->in_size;
		float *dst = col + r * ld;
		int64_t wbase = kw * g->d[2] - g->pb[2], lo, hi;
		valid_range(wbase, 1, g->in[2], ow_n, &lo, &hi);
		for (int64_t od = 0; od < g->out[0]; od++) {
			int64_t id = od * g->s[0] - g->pb[0] + kd * g->d[0];
			int dok = id >= 0 && id < g->in[0];
			for (int64_t oh = 0; oh < g->out[1]; oh++, dst += ow_n) {
				int64_t ih = oh * g->s[1] - g->pb[1] +
					     kh * g->d[1];
				int ok = dok && ih >= 0 && ih < g->in[1];
				const float *row =
					xc + (id * g->in[1] + ih) * g->in[2] +
					wbase;
				for (int64_t o = 0; o < ow_n; o += 16) {
					__mmask16 st = lanes(0, ow_n - o);
					__mmask16 ld_m =
						ok ? lanes(lo - o, hi - o) : 0;
					_mm512_mask_storeu_ps(
						dst + o, st,
						_mm512_maskz_loadu_ps(ld_m,
								      row + o));
				}
			}
		}
	}
}

/* col2im for unit strides along W: masked loads, adds and stores over
 * the valid part of each row, in the scalar loops' order. */
DH_TARGET_AVX512 static void col2im_avx512(const dh_spatial *g, int64_t cg,
					   const float *col, int64_t ld,
					   float *dx)
{
	int64_t ow_n = g->out[2];
	for (int64_t c = 0; c < cg; c++) {
		float *xc = dx + c * g->in_size;
		for (int64_t kk = 0; kk < g->k_size; kk++) {
			int64_t kw = kk % g->k[2],
				kh = (kk / g->k[2]) % g->k[1];
			int64_t kd = kk / (g->k[2] * g->k[1]);
			const float *src = col + (c * g->k_size + kk) * ld;
			int64_t wbase = kw * g->d[2] - g->pb[2], lo, hi;
			valid_range(wbase, 1, g->in[2], ow_n, &lo, &hi);
			for (int64_t od = 0; od < g->out[0]; od++) {
				int64_t id = od * g->s[0] - g->pb[0] +
					     kd * g->d[0];
				for (int64_t oh = 0; oh < g->out[1];
				     oh++, src += ow_n) {
					int64_t ih = oh * g->s[1] - g->pb[1] +
						     kh * g->d[1];
					if (id < 0 || id >= g->in[0] || ih < 0 ||
					    ih >= g->in[1])
						continue;
					float *row = xc + (id * g->in[1] + ih) *
								  g->in[2] +
						     wbase;
					for (int64_t o = lo; o < hi; o += 16) {
						__mmask16 m = lanes(0, hi - o);
						__m512 a = _mm512_maskz_loadu_ps(
							m, row + o);
						__m512 b = _mm512_maskz_loadu_ps(
							m, src + o);
						_mm512_mask_storeu_ps(
							row + o, m,
							_mm512_add_ps(a, b));
					}
				}
			}
		}
	}
}
#endif

/* Rows are short (an output row of the image: 28, 14, 7 floats...), so
 * they are filled by plain loops rather than memset and memcpy calls, whose
 * call and dispatch cost more than the copy; the attribute keeps GCC from
 * turning the loops back into those calls. */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
static void im2col(const dh_op_ctx *ctx, const dh_spatial *g, int64_t cg,
		   const float *x, float *col, int64_t ld)
{
#ifdef DH_CPU_X86_AVX512
	if (g->s[2] == 1 && dh_cpu_avx512()) {
		im2col_avx512(g, cg, x, col, ld);
		return;
	}
#endif
	int64_t rows = cg * g->k_size, ow_n = g->out[2], sw = g->s[2];
	for (int64_t r = 0; r < rows; r++) {
		int64_t c = r / g->k_size, kk = r % g->k_size;
		int64_t kw = kk % g->k[2], kh = (kk / g->k[2]) % g->k[1];
		int64_t kd = kk / (g->k[2] * g->k[1]);
		const float *xc = x + c * g->in_size;
		float *dst = col + r * ld;
		/* along W the valid outputs are one run: zeros, copies,
		 * zeros, with no test per element */
		int64_t wbase = kw * g->d[2] - g->pb[2], lo, hi;
		valid_range(wbase, sw, g->in[2], ow_n, &lo, &hi);
		for (int64_t od = 0; od < g->out[0]; od++) {
			int64_t id = od * g->s[0] - g->pb[0] + kd * g->d[0];
			int dok = id >= 0 && id < g->in[0];
			for (int64_t oh = 0; oh < g->out[1]; oh++, dst += ow_n) {
				int64_t ih = oh * g->s[1] - g->pb[1] +
					     kh * g->d[1];
				if (!dok || ih < 0 || ih >= g->in[1]) {
					for (int64_t ow = 0; ow < ow_n; ow++)
						dst[ow] = 0.0f;
					continue;
				}
				const float *row =
					xc + (id * g->in[1] + ih) * g->in[2] +
					wbase;
				for (int64_t ow = 0; ow < lo; ow++)
					dst[ow] = 0.0f;
				if (sw == 1)
					for (int64_t ow = lo; ow < hi; ow++)
						dst[ow] = row[ow];
				else
					for (int64_t ow = lo; ow < hi; ow++)
						dst[ow] = row[ow * sw];
				for (int64_t ow = hi; ow < ow_n; ow++)
					dst[ow] = 0.0f;
			}
		}
	}
}

/* dx[c, ...] += col[(c, k), o] for every field position: the adjoint of
 * im2col, in a fixed order. */
static void col2im(const dh_op_ctx *ctx, const dh_spatial *g, int64_t cg,
		   const float *col, int64_t ld, float *dx)
{
#ifdef DH_CPU_X86_AVX512
	if (g->s[2] == 1 && dh_cpu_avx512()) {
		col2im_avx512(g, cg, col, ld, dx);
		return;
	}
#endif
	int64_t ow_n = g->out[2], sw = g->s[2];
	for (int64_t c = 0; c < cg; c++) {
		float *xc = dx + c * g->in_size;
		for (int64_t kk = 0; kk < g->k_size; kk++) {
			int64_t kw = kk % g->k[2],
				kh = (kk / g->k[2]) % g->k[1];
			int64_t kd = kk / (g->k[2] * g->k[1]);
			const float *src = col + (c * g->k_size + kk) * ld;
			int64_t wbase = kw * g->d[2] - g->pb[2], lo, hi;
			valid_range(wbase, sw, g->in[2], ow_n, &lo, &hi);
			for (int64_t od = 0; od < g->out[0]; od++) {
				int64_t id = od * g->s[0] - g->pb[0] +
					     kd * g->d[0];
				for (int64_t oh = 0; oh < g->out[1];
				     oh++, src += ow_n) {
					int64_t ih = oh * g->s[1] - g->pb[1] +
						     kh * g->d[1];
					if (id < 0 || id >= g->in[0] || ih < 0 ||
					    ih >= g->in[1])
						continue;
					float *row = xc + (id * g->in[1] + ih) *
								  g->in[2] +
						     wbase;
					if (sw == 1) {
						/* dx and col never overlap */
						DH_OMP_SIMD
						for (int64_t ow = lo; ow < hi;
						     ow++)
							row[ow] += src[ow];
					} else {
						for (int64_t ow = lo; ow < hi;
						     ow++)
							row[ow * sw] += src[ow];
					}
				}
			}
		}
	}
}

/* Floats of `count` col matrices [cg * kernel_size, out_size] plus `extra`
 * floats per sample and output position, checked for overflow. */
static dh_status col_floats(const dh_op_ctx *ctx, dh_op_type op,
			    const dh_spatial *g, int64_t cg, int64_t count,
			    int64_t extra, int64_t samples, size_t *n,
			    dh_err *e)
{
	size_t rows, per, bytes;
	if (dh_size_mul((size_t)cg, (size_t)g->k_size, &rows) ||
	    dh_size_mul(rows, (size_t)count, &rows) ||
	    dh_size_add(rows, (size_t)extra, &rows) ||
	    dh_size_mul(rows, (size_t)g->out_size, &per) ||
	    dh_size_mul(per, (size_t)samples, n) ||
	    dh_size_mul(*n, sizeof(float), &bytes))
		return dh_op_fail(e, DH_ENOMEM, op, ctx->node,
				  "the im2col buffer would overflow");
	if (!ctx->ws)
		return dh_op_fail(e, DH_EINVAL, op, ctx->node,
				  "needs a workspace for its im2col buffer");
	return DH_OK;
}

/* Blocks of samples.  A block's col matrix is kept near 1 MiB so that it
 * is still in the core's L2 cache when the GEMM packs it (a 16 MiB block
 * went to memory and back), but holds at least CONV_MIN_N output positions
 * so that deep layers with tiny images still make wide GEMMs.  With more
 * than one thread and enough blocks, threads take whole blocks (their own
 * im2col and a one-thread GEMM each, on their own cache); otherwise blocks
 * run in turn and the GEMM is threaded.  The plan depends on the shapes
 * and the thread count only, and each block's output is computed the same
 * way wherever it runs; dW sums blocks in a fixed order per thread, then
 * the threads' sums in thread order: fixed for a fixed thread count. */
#define CONV_BLOCK_FLOATS ((int64_t)1 << 18)
#define CONV_MIN_N 192

typedef struct conv_plan {
	int64_t bs;   /* samples per block */
	int64_t nblk; /* blocks */
	int nt;       /* threads taking whole blocks (1: blocks in turn) */
} conv_plan;

static void conv_plan_of(const dh_op_ctx *ctx, int64_t kcol, int64_t p,
			 int64_t nb, conv_plan *cp)
{
	int64_t per = kcol * p;
	int64_t bs = per > 0 ? CONV_BLOCK_FLOATS / per : nb;
	int64_t wide = p > 0 ? (CONV_MIN_N + p - 1) / p : nb;
	bs = bs < wide ? wide : bs;
	bs = bs < 1 ? 1 : bs > nb ? nb : bs;
	int64_t nblk = nb > 0 ? (nb + bs - 1) / bs : 0;
	int nt = dh_cpu_team(ctx);
	if (nt > 1 && nblk >= nt) {
		/* a multiple of the threads, so that they finish together */
		nblk = (nblk + nt - 1) / nt * nt;
		bs = (nb + nblk - 1) / nblk;
		nblk = (nb + bs - 1) / bs;
		if (nblk < nt)
			nt = (int)nblk;
	} else {
		nt = 1;
	}
	cp->bs = bs;
	cp->nblk = nblk;
	cp->nt = nt;
}

/* Input channels per im2col chunk: a block's col matrix is made and used
 * a chunk of channels at a time (Y and dW accumulate over chunks, dX is
 * done chunk by chunk), so that it stays in L2 however many channels the
 * layer has.  Depends on the layer's shapes only. */
#define CONV_CHUNK_FLOATS ((int64_t)1 << 17)

static int64_t conv_chunk(int64_t cg, int64_t ksize, int64_t p)
{
	int64_t w = p > CONV_MIN_N ? p : CONV_MIN_N;
	int64_t ch = CONV_CHUNK_FLOATS / (ksize * w);
	return ch < 1 ? 1 : ch > cg ? cg : ch;
}

/* Per-thread scratch: `cols` col matrices [kcol, bs * P], the dY/Y block
 * [mg, bs * P] and `part` more floats, rounded to whole cache lines; the
 * workspace holds nt of them.  Sizes are checked for overflow. */
static float *conv_scratch(const dh_op_ctx *ctx, dh_op_type op, int64_t kcol,
			   int64_t mg, int64_t p, int64_t bs, int cols,
			   int64_t part, int nt, size_t *each, dh_err *e)
{
	size_t l, n, t, all, bytes;
	if (dh_size_mul((size_t)bs, (size_t)p, &l) ||
	    dh_size_mul((size_t)kcol, (size_t)cols, &n) ||
	    dh_size_add(n, (size_t)mg, &n) || dh_size_mul(n, l, &n) ||
	    dh_size_add(n, (size_t)part, &t) || dh_size_add(t, 15, &t) ||
	    dh_size_mul(t / 16 * 16, (size_t)nt, &all) ||
	    dh_size_mul(all, sizeof(float), &bytes)) {
		dh_op_fail(e, DH_ENOMEM, op, ctx->node,
			   "the im2col buffer would overflow");
		return NULL;
	}
	if (!ctx->ws) {
		dh_op_fail(e, DH_EINVAL, op, ctx->node,
			   "needs a workspace for its im2col buffer");
		return NULL;
	}
	*each = t / 16 * 16;
	return dh_workspace_get(ctx->ws, bytes, e);
}

/* Y for samples [s0, s0 + cnt) of every group, with the bias; col holds
 * a chunk of `ch` channels' rows. */
static void conv_forward_block(const dh_op_ctx *ctx, const dh_spatial *g,
			       int64_t grp, int64_t cg, int64_t mg, int64_t ch,
			       const float *x, const float *w, const float *b,
			       float *y, int64_t s0, int64_t cnt, float *col)
{
	int64_t c = cg * grp, m = mg * grp, kcol = cg * g->k_size;
	int64_t P = g->out_size, L = cnt * P;
	float *tmp = col + ch * g->k_size * L;
	for (int64_t gi = 0; gi < grp; gi++) {
		/* one sample writes Y in place; a block goes through tmp
		 * [mg, cnt * P] */
		float *dst = cnt == 1 ? y + (s0 * m + gi * mg) * P : tmp;
		for (int64_t c0 = 0; c0 < cg; c0 += ch) {
			int64_t cc = cg - c0 < ch ? cg - c0 : ch;
			for (int64_t j = 0; j < cnt; j++)
				im2col(ctx, g, cc,
				       x + ((s0 + j) * c + gi * cg + c0) *
						   g->in_size,
				       col + j * P, L);
			dh_cpu_sgemm(0, 0, mg, L, cc * g->k_size, 1.0f,
				     w + gi * mg * kcol + c0 * g->k_size, kcol,
				     col, L, c0 ? 1.0f : 0.0f, dst, L);
		}
		for (int64_t j = 0; j < cnt; j++)
			for (int64_t k = 0; k < mg; k++) {
				float *row = y + ((s0 + j) * m + gi * mg + k) * P;
				const float *src = cnt == 1 ? row
							    : tmp + k * L + j * P;
				float bv = b ? b[gi * mg + k] : 0.0f;
				if (b)
					for (int64_t q = 0; q < P; q++)
						row[q] = src[q] + bv;
				else if (src != row)
					memcpy(row, src, (size_t)P * sizeof(float));
			}
	}
}

dh_status dh_cpu_conv_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			      int nin, const dh_tensor *const *in, int nout,
			      dh_tensor *const *out, dh_err *e)
{
	const dh_tensor *X = in[0], *W = in[1];
	dh_tensor *Y = out[0];
	dh_spatial g;
	dh_status st = conv_geometry(a, ctx, X, W, &g, e);
	if (st)
		return st;
	int64_t nb = X->shape[0], c = X->shape[1], m = W->shape[0];
	int64_t grp = a->group, cg = c / grp, mg = m / grp;
	int64_t kcol = cg * g.k_size, P = g.out_size;
	const float *x = dh_tensor_f32(X), *w = dh_tensor_f32(W);
	const float *bias = nin > 2 ? dh_tensor_f32(in[2]) : NULL;
	float *y = dh_tensor_f32(Y);
	if (conv_is_pointwise(&g)) {
		/* X is its own col matrix, sample by sample */
		for (int64_t s = 0; s < nb; s++)
			for (int64_t gi = 0; gi < grp; gi++)
				dh_cpu_sgemm(0, 0, mg, P, kcol, 1.0f,
					     w + gi * mg * kcol, kcol,
					     x + (s * c + gi * cg) * g.in_size,
					     P, 0.0f, y + (s * m + gi * mg) * P,
					     P);
		if (bias) {
			DH_OMP_FOR(ctx, nb * m * P)
			for (int64_t sm = 0; sm < nb * m; sm++) {
				float *row = y + sm * P, bv = bias[sm % m];
				for (int64_t p = 0; p < P; p++)
					row[p] += bv;
			}
		}
		return DH_OK;
	}
	if (nb == 0)
		return DH_OK;
	if (dh_cpu_winograd_fits(&g, nb, grp, c, m))
		return dh_cpu_winograd_forward(ctx, &g, nb, c, m, x, w, bias, y,
					       e);
	conv_plan cp;
	conv_plan_of(ctx, kcol, P, nb, &cp);
	int64_t ch = conv_chunk(cg, g.k_size, P);
	size_t each;
	float *ws = conv_scratch(ctx, DH_OP_CONV, ch * g.k_size, mg, P, cp.bs,
				 1, 0, cp.nt, &each, e);
	if (!ws)
		return e ? e->status : DH_ENOMEM;
#ifdef _OPENMP
#pragma omp parallel num_threads(cp.nt) if (cp.nt > 1)
#endif
	{
		int t = dh_cpu_thread_id();
		int64_t b0 = cp.nblk * t / cp.nt, b1 = cp.nblk * (t + 1) / cp.nt;
		for (int64_t bi = b0; bi < b1; bi++) {
			int64_t s0 = bi * cp.bs;
			int64_t cnt = nb - s0 < cp.bs ? nb - s0 : cp.bs;
			if (cnt > 0)
				conv_forward_block(ctx, &g, grp, cg, mg, ch, x,
						   w, bias, y, s0, cnt,
						   ws + each * (size_t)t);
		}
	}
	return DH_OK;
}

/* dW (into dwt: overwritten when `first`, else added) and dX for samples
 * [s0, s0 + cnt) of every group, `ch` input channels at a time (each
 * chunk writes its own columns of dW and its own channels of dX). */
static void conv_backward_block(const dh_op_ctx *ctx, const dh_spatial *g,
				int64_t grp, int64_t cg, int64_t mg, int64_t ch,
				const float *x, const float *w,
				const float *dy, float *dwt, float *dx,
				int64_t s0, int64_t cnt, int first, float *col)
{
	int64_t c = cg * grp, m = mg * grp, kcol = cg * g->k_size;
	int64_t P = g->out_size, L = cnt * P, ks = g->k_size;
	float *dcol = col + ch * ks * L, *tmp = dcol + ch * ks * L;
	if (dx)
		memset(dx + s0 * c * g->in_size, 0,
		       (size_t)(cnt * c * g->in_size) * sizeof(float));
	for (int64_t gi = 0; gi < grp; gi++) {
		const float *wg = w + gi * mg * kcol;
		/* dY of the block as [mg, cnt * P] */
		const float *dyb = dy + (s0 * m + gi * mg) * P;
		if (cnt > 1) {
			for (int64_t j = 0; j < cnt; j++)
				for (int64_t k = 0; k < mg; k++)
					memcpy(tmp + k * L + j * P,
					       dy + ((s0 + j) * m + gi * mg + k) * P,
					       (size_t)P * sizeof(float));
			dyb = tmp;
		}
		for (int64_t c0 = 0; c0 < cg; c0 += ch) {
			int64_t cc = cg - c0 < ch ? cg - c0 : ch;
			int64_t off = (gi * cg + c0) * g->in_size;
			if (dwt) {
				for (int64_t j = 0; j < cnt; j++)
					im2col(ctx, g, cc,
					       x + (s0 + j) * c * g->in_size + off,
					       col + j * P, L);
				dh_cpu_sgemm(0, 1, mg, cc * ks, L, 1.0f, dyb, L,
					     col, L, first ? 0.0f : 1.0f,
					     dwt + gi * mg * kcol + c0 * ks,
					     kcol);
			}
			if (dx) {
				dh_cpu_sgemm(1, 0, cc * ks, L, mg, 1.0f,
					     wg + c0 * ks, kcol, dyb, L, 0.0f,
					     dcol, L);
				/* each sample adds into its own part of dX */
				for (int64_t j = 0; j < cnt; j++)
					col2im(ctx, g, cc, dcol + j * P, L,
					       dx + (s0 + j) * c * g->in_size +
						       off);
			}
		}
	}
}

dh_status dh_cpu_conv_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       int nin, const dh_tensor *const *in, int nout,
			       const dh_tensor *const *out,
			       const dh_tensor *const *dout,
			       dh_tensor *const *din, dh_err *e)
{
	const dh_tensor *X = in[0], *W = in[1];
	dh_spatial g;
	dh_status st = conv_geometry(a, ctx, X, W, &g, e);
	if (st)
		return st;
	int64_t nb = X->shape[0], c = X->shape[1], m = W->shape[0];
	int64_t grp = a->group, cg = c / grp, mg = m / grp;
	int64_t kcol = cg * g.k_size, P = g.out_size;
	const float *x = dh_tensor_f32(X), *w = dh_tensor_f32(W);
	const float *dy = dh_tensor_f32(dout[0]);
	if (nin > 2 && din[2]) {
		float *db = dh_tensor_f32(din[2]);
		DH_OMP_FOR(ctx, nb * m * P)
		for (int64_t j = 0; j < m; j++) {
			double acc = 0.0;
			for (int64_t s = 0; s < nb; s++)
				acc += dh_cpu_dsum(dy + (s * m + j) * P, P);
			db[j] = (float)acc;
		}
	}
	float *dw = din[1] ? dh_tensor_f32(din[1]) : NULL;
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	if (dx && (nb == 0 || conv_is_pointwise(&g)))
		memset(dx, 0, dh_tensor_nbytes(din[0]));
	if (dw && nb == 0)
		memset(dw, 0, dh_tensor_nbytes(din[1]));
	if ((!dx && !dw) || nb == 0)
		return DH_OK;
	if (conv_is_pointwise(&g)) {
		for (int64_t s = 0; s < nb; s++)
			for (int64_t gi = 0; gi < grp; gi++) {
				const float *xg = x + (s * c + gi * cg) * P;
				const float *dyg = dy + (s * m + gi * mg) * P;
				const float *wg = w + gi * mg * kcol;
				/* the first sample overwrites dW, the others
				 * add, in sample order */
				if (dw)
					dh_cpu_sgemm(0, 1, mg, kcol, P, 1.0f, dyg,
						     P, xg, P, s ? 1.0f : 0.0f,
						     dw + gi * mg * kcol, kcol);
				if (dx)
					dh_cpu_sgemm(1, 0, kcol, P, mg, 1.0f, wg,
						     kcol, dyg, P, 0.0f,
						     dx + (s * c + gi * cg) * P,
						     P);
			}
		return DH_OK;
	}
	if (dh_cpu_winograd_fits(&g, nb, grp, c, m))
		return dh_cpu_winograd_backward(ctx, &g, nb, c, m, x, w, dy, dw,
						dx, e);
	conv_plan cp;
	conv_plan_of(ctx, kcol, P, nb, &cp);
	/* threads after the first sum dW apart, added in order at the end */
	int64_t nw = dw ? m * kcol : 0;
	size_t each;
	int64_t ch = conv_chunk(cg, g.k_size, P);
	float *ws = conv_scratch(ctx, DH_OP_CONV, ch * g.k_size, mg, P, cp.bs,
				 2, cp.nt > 1 ? nw : 0, cp.nt, &each, e);
	if (!ws)
		return e ? e->status : DH_ENOMEM;
	size_t part = each - (size_t)nw;
#ifdef _OPENMP
#pragma omp parallel num_threads(cp.nt) if (cp.nt > 1)
#endif
	{
		int t = dh_cpu_thread_id();
		float *mine = ws + each * (size_t)t;
		float *dwt = !dw ? NULL : t == 0 ? dw : mine + part;
		int64_t b0 = cp.nblk * t / cp.nt, b1 = cp.nblk * (t + 1) / cp.nt;
		for (int64_t bi = b0; bi < b1; bi++) {
			int64_t s0 = bi * cp.bs;
			int64_t cnt = nb - s0 < cp.bs ? nb - s0 : cp.bs;
			if (cnt > 0)
				conv_backward_block(ctx, &g, grp, cg, mg, ch, x,
						    w, dy, dwt, dx, s0, cnt,
						    bi == b0, mine);
		}
	}
	for (int t = 1; t < cp.nt && dw; t++) {
		const float *src = ws + each * (size_t)t + part;
		DH_OMP_SIMD
		for (int64_t i = 0; i < nw; i++)
			dw[i] += src[i];
	}
	return DH_OK;
}

/* ---- ConvTranspose ---------------------------------------------------------
 * The adjoint of Conv: per sample and group, col = W_g^T X_g and col2im
 * lays col out as Y (the image); the backward pass takes im2col of dY:
 * dX_g = W_g col, dW_g += X_g col^T.  W is [C, M/group, k...], so W_g is
 * the [C/group, Mg * kernel_size] block of group g. */

static dh_status convt_geometry(const dh_op_ctx *ctx, const dh_op_attrs *a,
				const dh_tensor *x, const dh_tensor *w,
				dh_spatial *g, dh_err *e)
{
	dh_shape sx, sw;
	dh_shape_of(&sx, x);
	dh_shape_of(&sw, w);
	return dh_convtranspose_resolve(a, ctx->node, &sx, &sw, g, e);
}

static float *convt_col(const dh_op_ctx *ctx, const dh_spatial *g,
			int64_t mg, dh_err *e)
{
	size_t n = 0;
	if (col_floats(ctx, DH_OP_CONVTRANSPOSE, g, mg, 1, 0, 1, &n, e))
		return NULL;
	return dh_workspace_get(ctx->ws, n * sizeof(float), e);
}

dh_status dh_cpu_convtranspose_forward(const dh_op_ctx *ctx,
				       const dh_op_attrs *a, int nin,
				       const dh_tensor *const *in, int nout,
				       dh_tensor *const *out, dh_err *e)
{
	const dh_tensor *X = in[0], *W = in[1];
	dh_spatial g;
	dh_status st = convt_geometry(ctx, a, X, W, &g, e);
	if (st)
		return st;
	int64_t nb = X->shape[0], c = X->shape[1], grp = a->group;
	int64_t cg = c / grp, mg = W->shape[1], m = mg * grp;
	int64_t kcol = mg * g.k_size, P = g.out_size;
	float *col = convt_col(ctx, &g, mg, e);
	if (!col)
		return e ? e->status : DH_ENOMEM;
	const float *x = dh_tensor_f32(X), *w = dh_tensor_f32(W);
	float *y = dh_tensor_f32(out[0]);
	memset(y, 0, dh_tensor_nbytes(out[0]));
	for (int64_t s = 0; s < nb; s++)
		for (int64_t gi = 0; gi < grp; gi++) {
			dh_cpu_sgemm(1, 0, kcol, P, cg, 1.0f,
				     w + gi * cg * kcol, kcol,
				     x + (s * c + gi * cg) * P, P, 0.0f, col,
				     P);
			col2im(ctx, &g, mg, col, P,
			       y + (s * m + gi * mg) * g.in_size);
		}
	if (nin > 2) {
		const float *b = dh_tensor_f32(in[2]);
		DH_OMP_FOR(ctx, nb * m * g.in_size)
		for (int64_t sm = 0; sm < nb * m; sm++) {
			float *row = y + sm * g.in_size, bv = b[sm % m];
			for (int64_t p = 0; p < g.in_size; p++)
				row[p] += bv;
		}
	}
	return DH_OK;
}

dh_status dh_cpu_convtranspose_backward(const dh_op_ctx *ctx,
					const dh_op_attrs *a, int nin,
					const dh_tensor *const *in, int nout,
					const dh_tensor *const *out,
					const dh_tensor *const *dout,
					dh_tensor *const *din, dh_err *e)
{
	const dh_tensor *X = in[0], *W = in[1];
	dh_spatial g;
	dh_status st = convt_geometry(ctx, a, X, W, &g, e);
	if (st)
		return st;
	int64_t nb = X->shape[0], c = X->shape[1], grp = a->group;
	int64_t cg = c / grp, mg = W->shape[1], m = mg * grp;
	int64_t kcol = mg * g.k_size, P = g.out_size;
	const float *x = dh_tensor_f32(X), *w = dh_tensor_f32(W);
	const float *dy = dh_tensor_f32(dout[0]);
	if (nin > 2 && din[2]) {
		float *db = dh_tensor_f32(din[2]);
		DH_OMP_FOR(ctx, nb * m * g.in_size)
		for (int64_t j = 0; j < m; j++) {
			double acc = 0.0;
			for (int64_t s = 0; s < nb; s++) {
				const float *row = dy + (s * m + j) * g.in_size;
				for (int64_t p = 0; p < g.in_size; p++)
					acc += row[p];
			}
			db[j] = (float)acc;
		}
	}
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	float *dw = din[1] ? dh_tensor_f32(din[1]) : NULL;
	if (!dx && !dw)
		return DH_OK;
	if (dw && nb == 0)
		memset(dw, 0, dh_tensor_nbytes(din[1]));
	float *col = convt_col(ctx, &g, mg, e);
	if (!col)
		return e ? e->status : DH_ENOMEM;
	for (int64_t s = 0; s < nb; s++)
		for (int64_t gi = 0; gi < grp; gi++) {
			im2col(ctx, &g, mg, dy + (s * m + gi * mg) * g.in_size,
			       col, P);
			const float *wg = w + gi * cg * kcol;
			const float *xg = x + (s * c + gi * cg) * P;
			if (dx)
				dh_cpu_sgemm(0, 0, cg, P, kcol, 1.0f, wg, kcol,
					     col, P, 0.0f,
					     dx + (s * c + gi * cg) * P, P);
			if (dw)
				dh_cpu_sgemm(0, 1, cg, kcol, P, 1.0f, xg, P,
					     col, P, s ? 1.0f : 0.0f,
					     dw + gi * cg * kcol, kcol);
		}
	return DH_OK;
}
