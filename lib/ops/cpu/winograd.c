/* winograd.c - 3x3 convolutions with unit strides as Winograd's minimal
 * filtering F(2x2, 3x3): forward, and both gradients.
 *
 * Each output tile of 2x2 reads a 4x4 window of the input (windows of
 * neighbouring tiles overlap by two).  With d the window and g a 3x3
 * kernel, the tile is
 *
 *     Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 *
 * where (.) multiplies elementwise, so the 16 products of a tile, summed
 * over the input channels, are 16 independent matrix products
 * U_p [M, C] x V_p [C, tiles]: 16 multiplies per tile and channel pair
 * instead of the 36 of the direct form (2.25 times fewer).  The gradients
 * are the transposes of the same linear maps:
 *
 *     dg = G^T [ sum over tiles of (A dY A^T) (.) (B^T d B) ] G
 *     dd = B [ (G g G^T) (.) (A dY A^T) ] B^T   (added over the windows)
 *
 * so the backward pass is two more sets of 16 products, Z_p V_p^T for the
 * weights and U_p^T Z_p for the input, with Z = A dY A^T.  In exact
 * arithmetic this is the convolution; in float32 the rounding differs from
 * im2col's by a few units in the last place (the transforms add and
 * subtract neighbours).
 *
 * Work goes in blocks of whole images sized so that a block's transformed
 * input and output (V, and M or Z: 16 (C + M) floats per tile) stay in
 * cache.  Inside a block the threads split the transforms by channel and
 * the 16 products by position, and dW sums the blocks in order, so results
 * are bit-identical from run to run for a given thread count (and build
 * and CPU).  Across thread counts they agree to rounding: a product too
 * small for dh's kernel goes to OpenBLAS, threaded outside a parallel
 * region and not inside one.
 *
 * The matrices (F(2x2, 3x3), as in Lavin and Gray, 2015):
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/cpu/winograd.h"
#include "ops/cpu/winograd_small.h"

#define WG_ALIGN(n) (((n) + 15) / 16 * 16)
/* the transforms are inlined into both builds of their callers (below) */
#define WG_INLINE static inline __attribute__((always_inline))

int dh_cpu_winograd_fits(const dh_spatial *g, int64_t n, int64_t group,
			 int64_t c, int64_t m)
{
	const char *env = getenv("DH_CONV");
	if (env && !strcmp(env, "im2col"))
		return 0;
	if (group != 1 || g->k[0] != 1 || g->in[0] != 1 || g->pb[0] ||
	    g->pe[0] || g->k[1] != 3 || g->k[2] != 3 || g->s[1] != 1 ||
	    g->s[2] != 1 || g->d[1] != 1 || g->d[2] != 1)
		return 0;
	/* the windows reach at most two past the input */
	if (g->pb[1] > 2 || g->pb[2] > 2 || g->pe[1] > 2 || g->pe[2] > 2 ||
	    g->out[1] < 1 || g->out[2] < 1)
		return 0;
	if (env && !strcmp(env, "winograd"))
		return 1;
	/* few channels: the transforms cost more than the products save.
	 * Few tiles (batch 1 through the deep layers): the weights'
	 * transform, 16 M C floats each call, costs more than the products
	 * save, whatever the channels (it grows with M C as the saving does
	 * with M C tiles); measured on ResNet-18's and VGG-16's layers, the
	 * break-even lies between 16 and 32 tiles of 2x2 in all. */
	int64_t tiles = n * ((g->out[1] + 1) / 2) * ((g->out[2] + 1) / 2);
	return c >= 16 && m >= 16 && tiles >= 32;
}

/* ---- geometry and scratch ------------------------------------------------ */

typedef struct wg_plan {
	int64_t n, c, m;      /* images, input and output channels */
	int64_t h, w, oh, ow; /* input and output sizes */
	int64_t pt, pl;       /* padding before rows and columns */
	int64_t th, tw, ti;   /* tiles down, across, per image */
	int64_t nbk, tb;      /* images and tiles per block */
	int64_t ld;           /* floats between rows of V and M/Z */
	int64_t nblk;         /* blocks */
	int nt;               /* threads */
	/* 1: each thread takes whole blocks, with its own V, M/Z and dU
	 * (the data stays in its core's cache); 0: the threads share each
	 * block, splitting its transforms by channel and its products by
	 * position (few blocks) */
	int own;
	int small;            /* planes of at most 2 x 2 tiles */
	dh_wg_small sv;       /* small planes in a register (sv.ok) */
	int64_t row;          /* per-thread row scratch (floats) */
} wg_plan;

/* A shared block's V and M/Z near this many bytes (in the caches), a
 * thread's own block near WG_OWN_BYTES (its core's L2). */
#define WG_BLOCK_BYTES ((int64_t)4 << 20)
#define WG_OWN_BYTES ((int64_t)1 << 20)
/* the width of the GEMM kernel's panels (sgemm.c's NR), and its height
 * (MR) */
#define WG_PANEL 48
#define MR_PAD 8

/* [lo, hi): part `part` of `parts` of k items, in order */
static void wg_range(int64_t k, int part, int parts, int64_t *lo, int64_t *hi)
{
	*lo = k * part / parts;
	*hi = k * (part + 1) / parts;
}

/* The cost of blocks of k images over `parts` threads taking runs of
 * blocks: the busiest thread's panels of WG_PANEL tiles (a block's last
 * panel padded), then the number of blocks. */
static int64_t wg_cost(int64_t n, int64_t ti, int64_t k, int parts)
{
	int64_t nblk = (n + k - 1) / k, worst = 0;
	for (int t = 0; t < parts; t++) {
		int64_t b0, b1, panels = 0;
		wg_range(nblk, t, parts, &b0, &b1);
		for (int64_t bi = b0; bi < b1; bi++) {
			int64_t imgs = n - bi * k < k ? n - bi * k : k;
			panels += (imgs * ti + WG_PANEL - 1) / WG_PANEL;
		}
		worst = panels > worst ? panels : worst;
	}
	return worst * 64 + nblk;
}

/* The images per block, at most `most`, of the least cost (ties: the
 * larger block). */
static int64_t wg_pick(int64_t n, int64_t ti, int64_t most, int parts,
		       int64_t *cost)
{
	int64_t best = 1, best_cost = -1;
	for (int64_t k = 1; k <= most; k++) {
		int64_t cst = wg_cost(n, ti, k, parts);
		if (best_cost < 0 || cst <= best_cost) {
			best = k;
			best_cost = cst;
		}
	}
	*cost = best_cost;
	return best;
}

static void wg_plan_of(const dh_op_ctx *ctx, const dh_spatial *g, int64_t n,
		       int64_t c, int64_t m, wg_plan *p)
{
	p->n = n;
	p->c = c;
	p->m = m;
	p->h = g->in[1];
	p->w = g->in[2];
	p->oh = g->out[1];
	p->ow = g->out[2];
	p->pt = g->pb[1];
	p->pl = g->pb[2];
	p->th = (p->oh + 1) / 2;
	p->tw = (p->ow + 1) / 2;
	p->ti = p->th * p->tw;
	int nt = dh_cpu_team(ctx);
	p->nt = nt;
	int64_t per = p->ti * 16 * (c + m) * (int64_t)sizeof(float), cost;
	int64_t most = per > 0 ? WG_BLOCK_BYTES / per : n;
	most = most < 1 ? 1 : most > n ? n : most;
	p->nbk = wg_pick(n, p->ti, most, 1, &cost);
	p->own = 0;
	if (nt > 1) {
		/* whole blocks per thread when there are enough of them to
		 * keep every thread busy (at least two each, or a multiple
		 * of the threads) */
		int64_t own_most = per > 0 ? WG_OWN_BYTES / per : n, own_cost;
		own_most = own_most < 1 ? 1 : own_most > n ? n : own_most;
		int64_t k = wg_pick(n, p->ti, own_most, nt, &own_cost);
		int64_t nblk = (n + k - 1) / k, tb = k * p->ti;
		/* and blocks wide enough that the products stay efficient
		 * and U, packed again for each block, costs less than V */
		if ((nblk >= 2 * nt || nblk % nt == 0) && tb >= 4 * WG_PANEL &&
		    tb >= c && tb >= m) {
			p->own = 1;
			p->nbk = k;
		}
	}
	p->tb = p->nbk * p->ti;
	/* rows of V and M/Z a little longer than a block: with 16 positions
	 * a power of two apart, the transforms' 16 streams of stores would
	 * fall into the same cache sets */
	p->ld = WG_ALIGN(p->tb) + 16;
	p->nblk = (n + p->nbk - 1) / p->nbk;
	p->small = p->tw <= 2 && p->th <= 2;
	if (p->small)
		dh_wg_small_init(&p->sv, p->h, p->w, p->oh, p->ow, p->pt,
				 p->pl, p->th, p->tw);
	else
		p->sv.ok = 0;
	/* the largest transform's need; small planes: the padded plane
	 * (at most 10 x 10), a row and 16 x 4 */
	p->row = WG_ALIGN(24 * (p->tw + 1) + 192);
}

static int64_t wg_usize(const wg_plan *p, int fwd);

/* Carve the workspace: U [16, M, C]; for the backward pass dU, one per
 * thread taking its own blocks; V [16, C, tb] and M/Z [16, M, tb], one per
 * such thread; and the threads' row scratch; each 64-byte aligned. */
typedef struct wg_bufs {
	float *u, *du, *v, *mz, *rows;
	size_t nu, ndu, nv, nm; /* floats of U, one dU, V, M/Z */
} wg_bufs;

static int wg_scratch(const dh_op_ctx *ctx, const wg_plan *p, int grads,
		      wg_bufs *b, dh_err *e)
{
	size_t copies = p->own ? (size_t)p->nt : 1;
	int64_t uf = wg_usize(p, 1), ub = wg_usize(p, 0);
	b->nu = 16 * (size_t)(uf > ub ? uf : ub);
	b->ndu = WG_ALIGN(16 * (size_t)p->m * (size_t)p->c);
	b->nv = WG_ALIGN(16 * (size_t)p->c * (size_t)p->ld);
	b->nm = WG_ALIGN(16 * (size_t)p->m * (size_t)p->ld);
	size_t nr = (size_t)p->row * (size_t)p->nt;
	size_t all = b->nu + (grads ? b->ndu * copies : 0) +
		     (b->nv + b->nm) * copies + nr;
	if (!ctx->ws) {
		dh_err_set(e, DH_EINVAL,
			   "Conv '%s': needs a workspace for its Winograd buffers",
			   ctx->node ? ctx->node : "");
		return 0;
	}
	float *base = dh_workspace_get(ctx->ws, all * sizeof(float), e);
	if (!base)
		return 0;
	b->u = base;
	b->du = grads ? base + b->nu : NULL;
	b->v = base + b->nu + (grads ? b->ndu * copies : 0);
	b->mz = b->v + b->nv * copies;
	b->rows = b->mz + b->nm * copies;
	return 1;
}

/* ---- transforms ---------------------------------------------------------- */

/* ---- small planes ---------------------------------------------------------
 * Planes of at most 2 x 2 tiles (4 x 4 outputs): the loops over a tile row
 * below would run once or twice, so these go tile by tile over a
 * zero-padded copy of the plane, with the same operations in the same
 * order. */

WG_INLINE void pad_plane(const wg_plan *p, const float *plane, float *pad,
			 int64_t pw, int64_t ph)
{
	for (int64_t r = 0; r < ph; r++) {
		int64_t ir = r - p->pt;
		for (int64_t q = 0; q < pw; q++) {
			int64_t iq = q - p->pl;
			pad[r * pw + q] = ir >= 0 && ir < p->h && iq >= 0 && iq < p->w
						  ? plane[ir * p->w + iq]
						  : 0.0f;
		}
	}
}

WG_INLINE void input_tf_small(const wg_plan *p, const float *plane, float *vt,
			      int64_t vs, float *row)
{
	int64_t pw = 2 * p->tw + 2, ph = 2 * p->th + 2;
	pad_plane(p, plane, row, pw, ph);
	for (int64_t ty = 0; ty < p->th; ty++)
		for (int64_t tx = 0; tx < p->tw; tx++) {
			const float *d = row + 2 * ty * pw + 2 * tx;
			float s[4][4];
			for (int r = 0; r < 4; r++) {
				const float *dr = d + r * pw;
				s[r][0] = dr[0] - dr[2];
				s[r][1] = dr[1] + dr[2];
				s[r][2] = dr[2] - dr[1];
				s[r][3] = dr[1] - dr[3];
			}
			float *v = vt + ty * p->tw + tx;
			for (int j = 0; j < 4; j++) {
				v[j * vs] = s[0][j] - s[2][j];
				v[(4 + j) * vs] = s[1][j] + s[2][j];
				v[(8 + j) * vs] = s[2][j] - s[1][j];
				v[(12 + j) * vs] = s[1][j] - s[3][j];
			}
		}
}

WG_INLINE void output_tf_small(const wg_plan *p, const float *mt, int64_t ms,
			       float bias, float *y)
{
	for (int64_t ty = 0; ty < p->th; ty++)
		for (int64_t tx = 0; tx < p->tw; tx++) {
			const float *mm = mt + ty * p->tw + tx;
			float r[2][4];
			for (int j = 0; j < 4; j++) {
				float m0 = mm[j * ms], m1 = mm[(4 + j) * ms],
				      m2 = mm[(8 + j) * ms], m3 = mm[(12 + j) * ms];
				r[0][j] = m0 + m1 + m2;
				r[1][j] = m1 - m2 - m3;
			}
			for (int i = 0; i < 2; i++) {
				int64_t oy = 2 * ty + i, ox = 2 * tx;
				if (oy >= p->oh)
					break;
				float *dst = y + oy * p->ow + ox;
				dst[0] = r[i][0] + r[i][1] + r[i][2] + bias;
				if (ox + 1 < p->ow)
					dst[1] = r[i][1] - r[i][2] - r[i][3] + bias;
			}
		}
}

WG_INLINE void grad_tf_small(const wg_plan *p, const float *dy, float *zt,
			     int64_t zs)
{
	for (int64_t ty = 0; ty < p->th; ty++)
		for (int64_t tx = 0; tx < p->tw; tx++) {
			float yv[2][2], s[2][4];
			for (int i = 0; i < 2; i++)
				for (int j = 0; j < 2; j++) {
					int64_t oy = 2 * ty + i, ox = 2 * tx + j;
					yv[i][j] = oy < p->oh && ox < p->ow
							   ? dy[oy * p->ow + ox]
							   : 0.0f;
				}
			for (int i = 0; i < 2; i++) {
				s[i][0] = yv[i][0];
				s[i][1] = yv[i][0] + yv[i][1];
				s[i][2] = yv[i][0] - yv[i][1];
				s[i][3] = -yv[i][1];
			}
			float *z = zt + ty * p->tw + tx;
			for (int j = 0; j < 4; j++) {
				z[j * zs] = s[0][j];
				z[(4 + j) * zs] = s[0][j] + s[1][j];
				z[(8 + j) * zs] = s[0][j] - s[1][j];
				z[(12 + j) * zs] = -s[1][j];
			}
		}
}

WG_INLINE void input_grad_tf_small(const wg_plan *p, const float *pt_,
				   int64_t ps, float *dx, float *row)
{
	int64_t tw = p->tw, pw = 2 * tw + 2, ph = 2 * p->th + 2;
	float *pad = row, *acc = pad + pw * ph, *q = acc + pw;
	for (int64_t i = 0; i < pw * ph; i++)
		pad[i] = 0.0f;
	for (int64_t ty = 0; ty < p->th; ty++) {
		/* down the column: (p0, p1 - p2 + p3, -p0 + p1 + p2, -p3) */
		for (int64_t x = 0; x < tw; x++) {
			const float *a = pt_ + ty * tw + x;
			for (int j = 0; j < 4; j++) {
				float a0 = a[j * ps], a1 = a[(4 + j) * ps],
				      a2 = a[(8 + j) * ps], a3 = a[(12 + j) * ps];
				q[j * tw + x] = a0;
				q[(4 + j) * tw + x] = a1 - a2 + a3;
				q[(8 + j) * tw + x] = a1 + a2 - a0;
				q[(12 + j) * tw + x] = -a3;
			}
		}
		/* along each window row, as input_grad_tf adds them */
		for (int r = 0; r < 4; r++) {
			const float *a0 = q + 4 * r * tw, *a1 = a0 + tw,
				    *a2 = a1 + tw, *a3 = a2 + tw;
			for (int64_t j = 0; j < pw; j++)
				acc[j] = 0.0f;
			for (int64_t x = 0; x < tw; x++) {
				acc[2 * x] += a0[x];
				acc[2 * x + 1] += a1[x] - a2[x] + a3[x];
			}
			for (int64_t x = 0; x < tw; x++) {
				acc[2 * x + 2] += a1[x] + a2[x] - a0[x];
				acc[2 * x + 3] += -a3[x];
			}
			float *prow = pad + (2 * ty + r) * pw;
			for (int64_t j = 0; j < pw; j++)
				prow[j] += acc[j];
		}
	}
	for (int64_t ir = 0; ir < p->h; ir++)
		for (int64_t iq = 0; iq < p->w; iq++)
			dx[ir * p->w + iq] = pad[(ir + p->pt) * pw + iq + p->pl];
}

/* Input row `ir` (zeros outside [0, h)) split into even and odd columns of
 * the padded row: e[j] = x[2j - pl], o[j] = x[2j + 1 - pl], j <= tw.  The
 * interior has no tests, so that it vectorises. */
WG_INLINE void split_row(const wg_plan *p, const float *plane, int64_t ir,
			 float *e, float *o)
{
	int64_t n = p->tw + 1, w = p->w, pl = p->pl;
	if (ir < 0 || ir >= p->h) {
		for (int64_t j = 0; j < n; j++)
			e[j] = o[j] = 0.0f;
		return;
	}
	const float *x = plane + ir * w;
	/* both reads inside for j in [lo, hi) */
	int64_t lo = (pl + 1) / 2, hi = w - 2 + pl >= 0 ? (w - 2 + pl) / 2 + 1 : 0;
	hi = hi > n ? n : hi;
	lo = lo > hi ? hi : lo;
	for (int64_t j = 0; j < lo; j++) {
		int64_t c0 = 2 * j - pl, c1 = c0 + 1;
		e[j] = c0 >= 0 && c0 < w ? x[c0] : 0.0f;
		o[j] = c1 >= 0 && c1 < w ? x[c1] : 0.0f;
	}
	const float *xs = x - pl;
	DH_OMP_SIMD
	for (int64_t j = lo; j < hi; j++) {
		e[j] = xs[2 * j];
		o[j] = xs[2 * j + 1];
	}
	for (int64_t j = hi; j < n; j++) {
		int64_t c0 = 2 * j - pl, c1 = c0 + 1;
		e[j] = c0 >= 0 && c0 < w ? x[c0] : 0.0f;
		o[j] = c1 >= 0 && c1 < w ? x[c1] : 0.0f;
	}
}

/* The row transform d B of padded row `ir` for every tile across:
 * s[j][x] for j < 4 (d0 - d2, d1 + d2, d2 - d1, d1 - d3 with
 * d = (e[x], o[x], e[x + 1], o[x + 1])). */
WG_INLINE void row_tf(const wg_plan *p, const float *plane, int64_t ir,
		      float *s, float *e, float *o)
{
	int64_t tw = p->tw;
	split_row(p, plane, ir, e, o);
	float *s0 = s, *s1 = s0 + tw, *s2 = s1 + tw, *s3 = s2 + tw;
	DH_OMP_SIMD
	for (int64_t x = 0; x < tw; x++) {
		float d0 = e[x], d1 = o[x], d2 = e[x + 1], d3 = o[x + 1];
		s0[x] = d0 - d2;
		s1[x] = d1 + d2;
		s2[x] = d2 - d1;
		s3[x] = d1 - d3;
	}
}

/* V[p][t] for the tiles of one image plane: B^T d B of every window.
 * vt: the plane's first tile in V, vs: the stride between positions.
 * Windows of consecutive tile rows share two input rows, whose row
 * transforms are kept (a ring of four). */
WG_INLINE void input_tf(const wg_plan *p, const float *plane, float *vt,
			int64_t vs, float *row)
{
	if (p->small) {
		input_tf_small(p, plane, vt, vs, row);
		return;
	}
	int64_t tw = p->tw, n = tw + 1;
	float *e = row, *o = row + n, *ring = row + 2 * n;
	for (int64_t ty = 0; ty < p->th; ty++) {
		for (int r = ty ? 2 : 0; r < 4; r++) {
			int64_t q = 2 * ty + r;
			row_tf(p, plane, q - p->pt, ring + (q % 4) * 4 * tw, e, o);
		}
		const float *s[4];
		for (int r = 0; r < 4; r++)
			s[r] = ring + ((2 * ty + r) % 4) * 4 * tw;
		/* down the column, the same combination of the four rows */
		float *vrow = vt + ty * tw;
		for (int j = 0; j < 4; j++) {
			const float *a0 = s[0] + j * tw, *a1 = s[1] + j * tw,
				    *a2 = s[2] + j * tw, *a3 = s[3] + j * tw;
			float *v0 = vrow + j * vs, *v1 = vrow + (4 + j) * vs,
			      *v2 = vrow + (8 + j) * vs, *v3 = vrow + (12 + j) * vs;
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				v0[x] = a0[x] - a2[x];
				v1[x] = a1[x] + a2[x];
				v2[x] = a2[x] - a1[x];
				v3[x] = a1[x] - a3[x];
			}
		}
	}
}

/* Y for one output plane from M[p][t] (A^T M A), plus the bias. */
WG_INLINE void output_tf(const wg_plan *p, const float *mt, int64_t ms,
			     float bias, float *y, float *row)
{
	if (p->small) {
		output_tf_small(p, mt, ms, bias, y);
		return;
	}
	int64_t tw = p->tw;
	float *r0[4], *r1[4], *q = row + 8 * tw;
	for (int j = 0; j < 4; j++) {
		r0[j] = row + j * tw;
		r1[j] = row + (4 + j) * tw;
	}
	for (int64_t ty = 0; ty < p->th; ty++) {
		const float *mrow = mt + ty * tw;
		for (int j = 0; j < 4; j++) {
			const float *m0 = mrow + j * ms, *m1 = mrow + (4 + j) * ms,
				    *m2 = mrow + (8 + j) * ms,
				    *m3 = mrow + (12 + j) * ms;
			float *a = r0[j], *b = r1[j];
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				a[x] = m0[x] + m1[x] + m2[x];
				b[x] = m1[x] - m2[x] - m3[x];
			}
		}
		for (int i = 0; i < 2; i++) {
			int64_t oy = 2 * ty + i;
			if (oy >= p->oh)
				break;
			float **r = i ? r1 : r0;
			float *ye = q, *yo = q + tw;
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				ye[x] = r[0][x] + r[1][x] + r[2][x] + bias;
				yo[x] = r[1][x] - r[2][x] - r[3][x] + bias;
			}
			float *dst = y + oy * p->ow;
			int64_t full = p->ow / 2;
			DH_OMP_SIMD
			for (int64_t x = 0; x < full; x++) {
				dst[2 * x] = ye[x];
				dst[2 * x + 1] = yo[x];
			}
			if (full < tw)
				dst[2 * full] = ye[full];
		}
	}
}

/* Z[p][t] for one plane of dY: A dY A^T of every 2x2 tile (zeros past the
 * output's edge). */
WG_INLINE void grad_tf(const wg_plan *p, const float *dy, float *zt,
			   int64_t zs, float *row)
{
	if (p->small) {
		grad_tf_small(p, dy, zt, zs);
		return;
	}
	int64_t tw = p->tw;
	float *e[2], *o[2], *s = row + 4 * tw;
	for (int i = 0; i < 2; i++) {
		e[i] = row + 2 * i * tw;
		o[i] = e[i] + tw;
	}
	for (int64_t ty = 0; ty < p->th; ty++) {
		for (int i = 0; i < 2; i++) {
			int64_t oy = 2 * ty + i;
			const float *src = dy + oy * p->ow;
			int64_t full = oy < p->oh ? p->ow / 2 : 0;
			float *ei = e[i], *oi = o[i];
			DH_OMP_SIMD
			for (int64_t x = 0; x < full; x++) {
				ei[x] = src[2 * x];
				oi[x] = src[2 * x + 1];
			}
			for (int64_t x = full; x < tw; x++) {
				ei[x] = oy < p->oh && 2 * x < p->ow ? src[2 * x]
								  : 0.0f;
				oi[x] = 0.0f;
			}
		}
		/* along the row: (y0, y0 + y1, y0 - y1, -y1) */
		for (int i = 0; i < 2; i++) {
			float *s0 = s + 4 * i * tw, *s1 = s0 + tw, *s2 = s1 + tw,
			      *s3 = s2 + tw;
			const float *y0 = e[i], *y1 = o[i];
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				s0[x] = y0[x];
				s1[x] = y0[x] + y1[x];
				s2[x] = y0[x] - y1[x];
				s3[x] = -y1[x];
			}
		}
		float *zrow = zt + ty * tw;
		for (int j = 0; j < 4; j++) {
			const float *a0 = s + j * tw, *a1 = s + (4 + j) * tw;
			float *z0 = zrow + j * zs, *z1 = zrow + (4 + j) * zs,
			      *z2 = zrow + (8 + j) * zs, *z3 = zrow + (12 + j) * zs;
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				z0[x] = a0[x];
				z1[x] = a0[x] + a1[x];
				z2[x] = a0[x] - a1[x];
				z3[x] = -a1[x];
			}
		}
	}
}

/* dX for one input plane (overwritten) from P[p][t]: B P B^T of every
 * tile added over its window, tile rows in order. */
/* Input row `ir` of dX from the padded row's even and odd columns:
 * (0 + the sum from the tile row above) + the sum from this one (cur may
 * be NULL: none), written once, so that dX needs no clearing first; the
 * sums are those input_grad_tf used to add into a cleared dX. */
WG_INLINE void emit_row(const wg_plan *p, int64_t ir, const float *pe,
			const float *po, const float *ce, const float *co,
			float *dx)
{
	if (ir < 0 || ir >= p->h)
		return;
	int64_t n = p->tw + 1, w = p->w, pl = p->pl, lo = (pl + 1) / 2;
	int64_t hi = w - 2 + pl >= 0 ? (w - 2 + pl) / 2 + 1 : 0;
	hi = hi > n ? n : hi;
	lo = lo > hi ? hi : lo;
	float *dst = dx + ir * w, *ds = dst - pl;
	if (ce) {
		DH_OMP_SIMD
		for (int64_t j = lo; j < hi; j++) {
			ds[2 * j] = (0.0f + pe[j]) + ce[j];
			ds[2 * j + 1] = (0.0f + po[j]) + co[j];
		}
	} else {
		DH_OMP_SIMD
		for (int64_t j = lo; j < hi; j++) {
			ds[2 * j] = 0.0f + pe[j];
			ds[2 * j + 1] = 0.0f + po[j];
		}
	}
	for (int64_t j = 0; j < n; j++) {
		if (j == lo)
			j = hi;
		if (j >= n)
			break;
		int64_t c0 = 2 * j - pl, c1 = c0 + 1;
		if (c0 >= 0 && c0 < w)
			dst[c0] = (0.0f + pe[j]) + (ce ? ce[j] : 0.0f);
		if (c1 >= 0 && c1 < w)
			dst[c1] = (0.0f + po[j]) + (co ? co[j] : 0.0f);
	}
}

/* dX for one input plane (overwritten) from P[p][t]: B P B^T of every
 * tile added over its window.  Windows of consecutive tile rows share two
 * input rows: a row is written once, the tile row above's sum plus this
 * one's, kept in prev. */
WG_INLINE void input_grad_tf(const wg_plan *p, const float *pt_,
			     int64_t ps, float *dx, float *row)
{
	if (p->small) {
		input_grad_tf_small(p, pt_, ps, dx, row);
		return;
	}
	int64_t tw = p->tw, n = tw + 1;
	float *q[16], *ce[4], *co[4], *pe[2], *po[2];
	for (int k = 0; k < 16; k++)
		q[k] = row + k * tw;
	for (int r = 0; r < 4; r++) {
		ce[r] = row + 16 * tw + 2 * r * n;
		co[r] = ce[r] + n;
	}
	for (int r = 0; r < 2; r++) {
		pe[r] = row + 16 * tw + (8 + 2 * r) * n;
		po[r] = pe[r] + n;
		for (int64_t j = 0; j < n; j++)
			pe[r][j] = po[r][j] = 0.0f;
	}
	for (int64_t ty = 0; ty < p->th; ty++) {
		const float *prow = pt_ + ty * tw;
		/* down the column: (p0, p1 - p2 + p3, -p0 + p1 + p2, -p3) */
		for (int j = 0; j < 4; j++) {
			const float *a0 = prow + j * ps, *a1 = prow + (4 + j) * ps,
				    *a2 = prow + (8 + j) * ps,
				    *a3 = prow + (12 + j) * ps;
			float *b0 = q[j], *b1 = q[4 + j], *b2 = q[8 + j],
			      *b3 = q[12 + j];
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				b0[x] = a0[x];
				b1[x] = a1[x] - a2[x] + a3[x];
				b2[x] = a1[x] + a2[x] - a0[x];
				b3[x] = -a3[x];
			}
		}
		/* along each window row into the padded row's even and odd
		 * columns: tile x adds to columns 2x .. 2x + 3 */
		for (int r = 0; r < 4; r++) {
			const float *a0 = q[4 * r], *a1 = q[4 * r + 1],
				    *a2 = q[4 * r + 2], *a3 = q[4 * r + 3];
			float *acc_e = ce[r], *acc_o = co[r];
			for (int64_t j = 0; j < n; j++)
				acc_e[j] = acc_o[j] = 0.0f;
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				acc_e[x] += a0[x];
				acc_o[x] += a1[x] - a2[x] + a3[x];
			}
			DH_OMP_SIMD
			for (int64_t x = 0; x < tw; x++) {
				acc_e[x + 1] += a1[x] + a2[x] - a0[x];
				acc_o[x + 1] += -a3[x];
			}
		}
		for (int r = 0; r < 2; r++) {
			emit_row(p, 2 * ty - p->pt + r, pe[r], po[r], ce[r], co[r],
				 dx);
			memcpy(pe[r], ce[2 + r], (size_t)n * sizeof(float));
			memcpy(po[r], co[2 + r], (size_t)n * sizeof(float));
		}
	}
	for (int r = 0; r < 2; r++)
		emit_row(p, 2 * p->th - p->pt + r, pe[r], po[r], NULL, NULL, dx);
}

/* Where a chunk of kernels comes from and goes: lane k (< cnt) reads the
 * kernel w + 9 (i0 + (k % 8) rs + (k / 8) cs) and writes its position p to
 * u[p ps + o0 + k os] (lanes 0-7) or u[p ps + o1 + (k - 8) os] (lanes
 * 8-15): rows of U, or the GEMM's packed panels. */
typedef struct wg_chunk {
	int64_t i0, rs, cs, o0, o1, os, ps;
	int cnt;
} wg_chunk;

/* (G g G^T)[p] of the kernels of a chunk, gathered into lanes, then
 * computed across them so that the loops vectorise. */
WG_INLINE void weight_tf_chunk(const float *w, float *u, const wg_chunk *ck)
{
	float g[9][16], t[12][16], o[16][16];
	int cnt = ck->cnt;
	int64_t os = ck->os, ps = ck->ps, o0 = ck->o0, o1 = ck->o1;
	/* lane k's kernel: a gather, row by row of the kernels (one
	 * instruction a row where the CPU has one); a kernel at a time, the
	 * rows' vector loads would wait for 16 scalar stores each */
	int32_t at[16];
	const float *w0 = w + 9 * ck->i0;
	int32_t rs = (int32_t)(9 * ck->rs), cs = (int32_t)(9 * ck->cs);
	DH_OMP_SIMD
	for (int k = 0; k < 16; k++)
		at[k] = (k % 8) * rs + (k / 8) * cs;
	for (int j = 0; j < 9; j++) {
		DH_OMP_SIMD
		for (int k = 0; k < cnt; k++)
			g[j][k] = w0[at[k] + j];
	}
	for (int j = 0; j < 3; j++) {
		DH_OMP_SIMD
		for (int k = 0; k < cnt; k++) {
			t[j][k] = g[j][k];
			t[3 + j][k] = 0.5f * (g[j][k] + g[3 + j][k] + g[6 + j][k]);
			t[6 + j][k] = 0.5f * (g[j][k] - g[3 + j][k] + g[6 + j][k]);
			t[9 + j][k] = g[6 + j][k];
		}
	}
	for (int r = 0; r < 4; r++) {
		const float *a = t[3 * r], *b = t[3 * r + 1], *c = t[3 * r + 2];
		float *u0 = o[4 * r], *u1 = o[4 * r + 1], *u2 = o[4 * r + 2],
		      *u3 = o[4 * r + 3];
		DH_OMP_SIMD
		for (int k = 0; k < cnt; k++) {
			u0[k] = a[k];
			u1[k] = 0.5f * (a[k] + b[k] + c[k]);
			u2[k] = 0.5f * (a[k] - b[k] + c[k]);
			u3[k] = c[k];
		}
	}
	int lo = cnt < 8 ? cnt : 8;
	if (os == 1 && cnt == 16) {
		/* whole runs of 8: copies of a constant size, which the
		 * compiler inlines (a loop of unknown length became a call
		 * to memmove per run, 32 a chunk: 4% of a 512-channel
		 * layer's time) */
		for (int q = 0; q < 16; q++) {
			memcpy(u + q * ps + o0, o[q], 8 * sizeof(float));
			memcpy(u + q * ps + o1, o[q] + 8, 8 * sizeof(float));
		}
		return;
	}
	for (int q = 0; q < 16; q++) {
		float *d0 = u + q * ps + o0, *d1 = u + q * ps + o1;
		if (os == 1) {
			for (int k = 0; k < lo; k++)
				d0[k] = o[q][k];
			for (int k = 8; k < cnt; k++)
				d1[k - 8] = o[q][k];
		} else {
			for (int k = 0; k < lo; k++)
				d0[k * os] = o[q][k];
			for (int k = 8; k < cnt; k++)
				d1[(k - 8) * os] = o[q][k];
		}
	}
}

/* dw[m][c][3][3] = G^T dU G for pairs [i0, i0 + cnt), cnt <= 16. */
WG_INLINE void weight_grad_chunk(const float *du, float *dw, int64_t mc,
				 int64_t i0, int cnt)
{
	float t[12][16], g[9][16];
	for (int r = 0; r < 4; r++) {
		const float *u0 = du + (4 * r) * mc + i0, *u1 = u0 + mc,
			    *u2 = u1 + mc, *u3 = u2 + mc;
		float *a = t[3 * r], *b = t[3 * r + 1], *c = t[3 * r + 2];
		DH_OMP_SIMD
		for (int k = 0; k < cnt; k++) {
			a[k] = u0[k] + 0.5f * (u1[k] + u2[k]);
			b[k] = 0.5f * (u1[k] - u2[k]);
			c[k] = 0.5f * (u1[k] + u2[k]) + u3[k];
		}
	}
	for (int j = 0; j < 3; j++) {
		DH_OMP_SIMD
		for (int k = 0; k < cnt; k++) {
			g[j][k] = t[j][k] + 0.5f * (t[3 + j][k] + t[6 + j][k]);
			g[3 + j][k] = 0.5f * (t[3 + j][k] - t[6 + j][k]);
			g[6 + j][k] = 0.5f * (t[3 + j][k] + t[6 + j][k]) + t[9 + j][k];
		}
	}
	for (int k = 0; k < cnt; k++)
		for (int j = 0; j < 9; j++)
			dw[9 * (i0 + k) + j] = g[j][k];
}

/* The transforms of a block, compiled twice: for AVX-512 and for the
 * baseline, the same operations in the same order. */
#define WG_BODY(name, call)                                                  \
	static void name##_generic(WG_ARGS)                                    \
	{                                                                    \
		(void)bias;                                                  \
		call;                                                        \
	}                                                                    \
	DH_TARGET_AVX512_OR_NONE static void name##_avx512(WG_ARGS)            \
	{                                                                    \
		(void)bias;                                                  \
		call;                                                        \
	}

#ifdef DH_CPU_X86_AVX512
#define DH_TARGET_AVX512_OR_NONE DH_TARGET_AVX512
#define WG_PICK(name) (dh_cpu_avx512() ? name##_avx512 : name##_generic)
#else
#define DH_TARGET_AVX512_OR_NONE
#define WG_PICK(name) name##_generic
#endif

#define WG_ARGS const wg_plan *p, const float *src, float *dst, int64_t s, \
		float bias, float *row
WG_BODY(in_tf, input_tf(p, src, dst, s, row))
WG_BODY(out_tf, output_tf(p, src, s, bias, dst, row))
WG_BODY(dy_tf, grad_tf(p, src, dst, s, row))
WG_BODY(dx_tf, input_grad_tf(p, src, s, dst, row))
/* the same for planes that fit a register (winograd_small.c) */
static void in_tf_reg(WG_ARGS)
{
	(void)bias, (void)row;
	dh_wg_small_input(&p->sv, src, dst, s);
}
static void out_tf_reg(WG_ARGS)
{
	(void)row;
	dh_wg_small_output(&p->sv, src, s, bias, dst);
}
static void dy_tf_reg(WG_ARGS)
{
	(void)bias, (void)row;
	dh_wg_small_grad(&p->sv, src, dst, s);
}
static void dx_tf_reg(WG_ARGS)
{
	(void)bias, (void)row;
	dh_wg_small_input_grad(&p->sv, src, s, dst);
}
#undef WG_ARGS
/* plane transform `name` for p's planes: in a register where they fit */
#define WG_PLANE(p, name) ((p)->sv.ok ? name##_reg : WG_PICK(name))
/* the weights' transforms, 16 kernels a call */
#define WG_ARGS const float *src, float *dst, const wg_chunk *ck, float bias
WG_BODY(w_tf, weight_tf_chunk(src, dst, ck))
WG_BODY(dw_tf, weight_grad_chunk(src, dst, ck->ps, ck->i0, ck->cnt))
#undef WG_ARGS
typedef void (*wg_w_fn)(const float *src, float *dst, const wg_chunk *ck,
			float bias);

/* dW from dU [16, M, C] (fn: dw_tf), split among threads */
static void weights_grad_tf(const wg_plan *p, wg_w_fn fn, const float *src,
			    float *dst)
{
	int64_t mc = p->m * p->c, nch = (mc + 15) / 16;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
	for (int64_t k = 0; k < nch; k++) {
		wg_chunk ck = {16 * k, 1, 8, 0, 0, 1, mc,
			       mc - 16 * k < 16 ? (int)(mc - 16 * k) : 16};
		fn(src, dst, &ck, 0.0f);
	}
}

/* The transformed weights as the products' op(A), 16 positions of
 * wg_usize(p, fwd) floats: U [M, C] for the forward pass, U^T [C, M] for
 * the input's gradient; packed for dh's kernel when it runs (the layout
 * of dh_cpu_sgemm_apack_index, packed once here instead of once per
 * block and product), else row-major.  Rows x cols; a chunk is 16
 * consecutive rows of one column (forward: lanes over M, reading kernels
 * C apart) or 16 consecutive columns of one row (backward: over C). */
static int64_t wg_usize(const wg_plan *p, int fwd)
{
	int64_t rows = fwd ? p->m : p->c, cols = fwd ? p->c : p->m;
	return WG_ALIGN(dh_cpu_sgemm_kernel_own()
				? dh_cpu_sgemm_apack_floats(rows, cols)
				: rows * cols);
}

static void weights_tf(const wg_plan *p, wg_w_fn fn, const float *w,
		       float *u, int fwd)
{
	int own = dh_cpu_sgemm_kernel_own();
	int64_t c = p->c, m = p->m, cb = (c + 15) / 16;
	int64_t rows = fwd ? m : c, cols = fwd ? c : m;
	int64_t ps = wg_usize(p, fwd);
	if (own && rows % MR_PAD) {
		/* the panels' rows past the last: zeros */
#ifdef _OPENMP
#pragma omp single
#endif
		memset(u, 0, 16 * (size_t)ps * sizeof(float));
	}
	/* Chunks in an order that fills the destination a region at a time.
	 * Packed U (forward, whole panels): 8 rows by 2 columns, the 16
	 * floats those take in a panel.  Packed U^T (backward): 16 rows c
	 * of a column m, two runs of 8, every column before the next 16
	 * rows.  Row-major: 16 columns c of a row m of U, or 16 rows c of a
	 * column m of U^T. */
	int pairs = fwd && own && m % 8 == 0 && c % 2 == 0;
	int64_t nch = pairs ? m / 8 * (c / 2) : m * cb;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
	for (int64_t k = 0; k < nch; k++) {
		wg_chunk ck;
		ck.ps = ps;
		if (pairs) {
			int64_t m0 = k / (c / 2) * 8, c0 = k % (c / 2) * 2;
			ck.i0 = m0 * c + c0, ck.rs = c, ck.cs = 1, ck.cnt = 16;
			ck.o0 = dh_cpu_sgemm_apack_index(rows, cols, m0, c0);
			ck.o1 = ck.o0 + 8, ck.os = 1;
			fn(w, u, &ck, 0.0f);
			continue;
		}
		int64_t mo = own && !fwd ? k % m : k / cb;
		int64_t c0 = own && !fwd ? k / m * 16 : k % cb * 16;
		ck.cnt = c - c0 < 16 ? (int)(c - c0) : 16;
		ck.i0 = mo * c + c0, ck.rs = 1, ck.cs = 8;
		/* lane j: element (mo, c0 + j) of U, or (c0 + j, mo) of U^T */
		int64_t r0 = fwd ? mo : c0, q0 = fwd ? c0 : mo;
		if (own) {
			ck.o0 = dh_cpu_sgemm_apack_index(rows, cols, r0, q0);
			ck.o1 = ck.cnt <= 8 ? ck.o0
			     : dh_cpu_sgemm_apack_index(rows, cols,
							fwd ? r0 : r0 + 8,
							fwd ? q0 + 8 : q0);
			ck.os = fwd ? MR_PAD : 1;
		} else {
			ck.o0 = r0 * cols + q0;
			ck.os = fwd ? 1 : cols;
			ck.o1 = ck.o0 + 8 * ck.os;
		}
		fn(w, u, &ck, 0.0f);
	}
}

typedef void (*wg_tf_fn)(const wg_plan *p, const float *src, float *dst,
			 int64_t s, float bias, float *row);

/* In a shared block the threads wait for each other between steps; a
 * thread's own block needs no waiting. */
#ifdef _OPENMP
#define WG_SYNC(shared)                                                      \
	do {                                                                 \
		if (shared) {                                                \
			_Pragma("omp barrier")                               \
		}                                                            \
	} while (0)
#else
#define WG_SYNC(shared) ((void)(shared))
#endif

/* A thread's share of a pass: blocks [b0, b1), its part of each block's
 * steps (part of parts), and the V, M/Z and dU it works in.  A thread
 * taking whole blocks (p->own) has a run of blocks, all of each, and its own
 * buffers; otherwise every thread has every block, 1/nt of each, and the
 * buffers are shared. */
typedef struct wg_share {
	int64_t b0, b1;
	int part, parts;
	float *v, *mz, *du;
} wg_share;

static void wg_share_of(const wg_plan *p, const wg_bufs *b, int t,
			wg_share *s)
{
	int k = p->own ? t : 0;
	if (p->own) {
		wg_range(p->nblk, t, p->nt, &s->b0, &s->b1);
		s->part = 0, s->parts = 1;
	} else {
		s->b0 = 0, s->b1 = p->nblk;
		s->part = t, s->parts = p->nt;
	}
	s->v = b->v + b->nv * k;
	s->mz = b->mz + b->nm * k;
	s->du = b->du ? b->du + b->ndu * k : NULL;
}

/* images in block bi (the last may be short) */
static int64_t wg_images(const wg_plan *p, int64_t bi)
{
	int64_t n0 = bi * p->nbk;
	return p->n - n0 < p->nbk ? p->n - n0 : p->nbk;
}

/* ---- forward ----------------------------------------------------------- */

/* V of images [n0, n0 + nb): this thread's part of the input planes. */
static void block_inputs(const wg_plan *p, int part, int parts, int64_t n0,
			 int64_t nb, const float *x, float *v, float *row)
{
	wg_tf_fn in_f = WG_PLANE(p, in_tf);
	int64_t c = p->c, hw = p->h * p->w, vs = c * p->ld, lo, hi;
	wg_range(nb * c, part, parts, &lo, &hi);
	for (int64_t k = lo; k < hi; k++) {
		int64_t i = k / c, ch = k % c;
		in_f(p, x + ((n0 + i) * c + ch) * hw, v + ch * p->ld + i * p->ti,
		     vs, 0.0f, row);
	}
}

/* Y for images [n0, n0 + nb): thread `part` of `parts` (one, for a
 * thread's own block) does its share of each step. */
static void fwd_block(const wg_plan *p, int part, int parts, int64_t n0,
		      int64_t nb, const float *x, const float *bias, float *y,
		      const float *u, float *v, float *mz, float *row)
{
	wg_tf_fn out_f = WG_PLANE(p, out_tf);
	int64_t c = p->c, m = p->m, ohw = p->oh * p->ow;
	int64_t vs = c * p->ld, ms = m * p->ld, tb = nb * p->ti, lo, hi;
	block_inputs(p, part, parts, n0, nb, x, v, row);
	WG_SYNC(parts > 1);
	wg_range(16, part, parts, &lo, &hi);
	int64_t us = wg_usize(p, 1);
	for (int64_t q = lo; q < hi; q++) {
		if (dh_cpu_sgemm_kernel_own())
			dh_cpu_sgemm_apacked(m, tb, c, u + q * us, v + q * vs, p->ld,
					     0.0f, mz + q * ms, p->ld);
		else
			dh_cpu_sgemm(0, 0, m, tb, c, 1.0f, u + q * us, c,
				     v + q * vs, p->ld, 0.0f, mz + q * ms, p->ld);
	}
	WG_SYNC(parts > 1);
	wg_range(nb * m, part, parts, &lo, &hi);
	for (int64_t k = lo; k < hi; k++) {
		int64_t i = k / m, mo = k % m;
		out_f(p, mz + mo * p->ld + i * p->ti, y + ((n0 + i) * m + mo) * ohw,
		      ms, bias ? bias[mo] : 0.0f, row);
	}
	WG_SYNC(parts > 1);
}

dh_status dh_cpu_winograd_forward(const dh_op_ctx *ctx, const dh_spatial *g,
				  int64_t n, int64_t c, int64_t m,
				  const float *x, const float *w,
				  const float *bias, float *y, dh_err *e)
{
	wg_plan p;
	wg_plan_of(ctx, g, n, c, m, &p);
	wg_bufs b;
	if (!wg_scratch(ctx, &p, 0, &b, e))
		return e ? e->status : DH_ENOMEM;
#ifdef _OPENMP
#pragma omp parallel num_threads(p.nt) if (p.nt > 1)
#endif
	{
		int t = dh_cpu_thread_id();
		float *row = b.rows + p.row * t;
		weights_tf(&p, WG_PICK(w_tf), w, b.u, 1);
		wg_share sh;
		wg_share_of(&p, &b, t, &sh);
		for (int64_t bi = sh.b0; bi < sh.b1; bi++)
			fwd_block(&p, sh.part, sh.parts, bi * p.nbk, wg_images(&p, bi),
				  x, bias, y, b.u, sh.v, sh.mz, row);
	}
	return DH_OK;
}

/* ---- backward ---------------------------------------------------------- */

/* dU (beta: 0 overwrites, 1 adds) and dX for images [n0, n0 + nb), shared
 * as in fwd_block. */
static void bwd_block(const wg_plan *p, int part, int parts, int64_t n0,
		      int64_t nb, const float *x, const float *dy, float beta,
		      const float *u, float *du, float *dx, float *v, float *mz,
		      float *row)
{
	wg_tf_fn dy_f = WG_PLANE(p, dy_tf), dx_f = WG_PLANE(p, dx_tf);
	int64_t c = p->c, m = p->m, hw = p->h * p->w, ohw = p->oh * p->ow;
	int64_t vs = c * p->ld, ms = m * p->ld, tb = nb * p->ti, lo, hi;
	if (du)
		block_inputs(p, part, parts, n0, nb, x, v, row);
	wg_range(nb * m, part, parts, &lo, &hi);
	for (int64_t k = lo; k < hi; k++) {
		int64_t i = k / m, mo = k % m;
		dy_f(p, dy + ((n0 + i) * m + mo) * ohw, mz + mo * p->ld + i * p->ti,
		     ms, 0.0f, row);
	}
	WG_SYNC(parts > 1);
	/* per position: dU += Z V^T, then V := U^T Z (V is not needed after
	 * its dU) */
	wg_range(16, part, parts, &lo, &hi);
	int64_t us = wg_usize(p, 0);
	for (int64_t q = lo; q < hi; q++) {
		if (du)
			dh_cpu_sgemm(0, 1, m, c, tb, 1.0f, mz + q * ms, p->ld,
				     v + q * vs, p->ld, beta, du + q * m * c, c);
		if (dx && dh_cpu_sgemm_kernel_own())
			dh_cpu_sgemm_apacked(c, tb, m, u + q * us, mz + q * ms,
					     p->ld, 0.0f, v + q * vs, p->ld);
		else if (dx)
			dh_cpu_sgemm(0, 0, c, tb, m, 1.0f, u + q * us, m,
				     mz + q * ms, p->ld, 0.0f, v + q * vs, p->ld);
	}
	WG_SYNC(parts > 1);
	if (dx) {
		wg_range(nb * c, part, parts, &lo, &hi);
		for (int64_t k = lo; k < hi; k++) {
			int64_t i = k / c, ch = k % c;
			dx_f(p, v + ch * p->ld + i * p->ti,
			     dx + ((n0 + i) * c + ch) * hw, vs, 0.0f, row);
		}
	}
	WG_SYNC(parts > 1);
}

dh_status dh_cpu_winograd_backward(const dh_op_ctx *ctx, const dh_spatial *g,
				   int64_t n, int64_t c, int64_t m,
				   const float *x, const float *w,
				   const float *dy, float *dw, float *dx,
				   dh_err *e)
{
	wg_plan p;
	wg_plan_of(ctx, g, n, c, m, &p);
	wg_bufs b;
	if (!wg_scratch(ctx, &p, 1, &b, e))
		return e ? e->status : DH_ENOMEM;
#ifdef _OPENMP
#pragma omp parallel num_threads(p.nt) if (p.nt > 1)
#endif
	{
		int t = dh_cpu_thread_id();
		float *row = b.rows + p.row * t;
		if (dx)
			weights_tf(&p, WG_PICK(w_tf), w, b.u, 0);
		/* a thread taking whole blocks sums their dU in its own copy;
		 * the copies are added in thread order after */
		wg_share sh;
		wg_share_of(&p, &b, t, &sh);
		float *du = dw ? sh.du : NULL;
		if (du && sh.b0 == sh.b1)
			memset(du, 0, b.ndu * sizeof(float));
		for (int64_t bi = sh.b0; bi < sh.b1; bi++)
			bwd_block(&p, sh.part, sh.parts, bi * p.nbk, wg_images(&p, bi),
				  x, dy, bi > sh.b0 ? 1.0f : 0.0f, b.u, du, dx, sh.v,
				  sh.mz, row);
		if (dw && p.own) {
			int64_t lo, hi;
#ifdef _OPENMP
#pragma omp barrier
#endif
			wg_range(16 * m * c, t, p.nt, &lo, &hi);
			for (int k = 1; k < p.nt; k++) {
				const float *src = b.du + b.ndu * k;
				DH_OMP_SIMD
				for (int64_t i = lo; i < hi; i++)
					b.du[i] += src[i];
			}
#ifdef _OPENMP
#pragma omp barrier
#endif
		}
		if (dw)
			weights_grad_tf(&p, WG_PICK(dw_tf), b.du, dw);
	}
	return DH_OK;
}
