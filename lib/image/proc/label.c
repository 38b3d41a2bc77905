/* label.c - connected-components labelling on runs.  Each row is turned
 * into its runs of nonzero pixels (rows in parallel); one pass over the
 * runs joins each run with the runs of the row above that touch it, in a
 * union-find forest whose roots are the smallest run indices (runs are
 * numbered in raster order, so a root is its component's first run); the
 * final labels 1..n follow the roots' order, which is the order in which a
 * raster scan first meets each component.  The label image is written row
 * by row in parallel; area, bounding box and centroid come from the runs
 * (integer sums, so the same whatever the thread count). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/proc/proc.h"
#include "image/proc/simd_private.h"

static int32_t find(int32_t *par, int32_t a)
{
	while (par[a] != a) {
		par[a] = par[par[a]];
		a = par[a];
	}
	return a;
}

static void join(int32_t *par, int32_t a, int32_t b)
{
	a = find(par, a);
	b = find(par, b);
	if (a < b)
		par[b] = a;
	else if (b < a)
		par[a] = b;
}

/* A growing array of runs [x0, x1) of one thread. */
typedef struct runbuf {
	int32_t *r; /* pairs */
	size_t n, cap;
} runbuf;

static int runbuf_add(runbuf *b, int32_t x0, int32_t x1)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		int32_t *r = realloc(b->r, cap * 2 * sizeof *r);
		if (!r)
			return -1;
		b->r = r;
		b->cap = cap;
	}
	b->r[2 * b->n] = x0;
	b->r[2 * b->n + 1] = x1;
	b->n++;
	return 0;
}

/* Append the runs of nonzero bytes of p[0..W) to b (zeros skipped 8 at a
 * time). */
static int runs_u8(const uint8_t *p, int W, runbuf *b)
{
	int x = 0;
	while (x < W) {
		while (x + 8 <= W) {
			uint64_t v;
			memcpy(&v, p + x, 8);
			if (v)
				break;
			x += 8;
		}
		while (x < W && !p[x])
			x++;
		if (x >= W)
			break;
		int a = x;
		while (x < W && p[x])
			x++;
		if (runbuf_add(b, a, x))
			return -1;
	}
	return 0;
}

static int runs_any(const dh_image *src, int y, runbuf *b)
{
	const int W = src->width;
	size_t base = (size_t)y * (size_t)W;
	int x = 0;
	while (x < W) {
		while (x < W && dh_dtype_get(src->dtype, src->data, base + (size_t)x) == 0)
			x++;
		if (x >= W)
			break;
		int a = x;
		while (x < W && dh_dtype_get(src->dtype, src->data, base + (size_t)x) != 0)
			x++;
		if (runbuf_add(b, a, x))
			return -1;
	}
	return 0;
}

DH_PROC_CLONES static void fill_i32(int32_t *restrict d, int32_t v, int n)
{
#pragma omp simd
	for (int i = 0; i < n; i++)
		d[i] = v;
}

typedef struct runs_job {
	const dh_image *src;
	runbuf *bufs;       /* one per chunk */
	size_t *boff;       /* row y's first run in its chunk's buffer */
	int *bown;          /* and that chunk */
	int64_t *first;     /* first[y + 1]: row y's run count */
	int oom;
} runs_job;

static void runs_chunk(void *p, int c, int n)
{
	runs_job *jb = p;
	const dh_image *src = jb->src;
	int y0, y1;
	dh_proc_band(src->height, c, n, &y0, &y1);
	runbuf *b = &jb->bufs[c];
	for (int y = y0; y < y1; y++) {
		size_t before = b->n;
		int bad = src->dtype == DH_U8
				  ? runs_u8(dh_image_row(src, 0, y), src->width, b)
				  : runs_any(src, y, b);
		if (bad) {
			__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
			return;
		}
		jb->boff[y] = before;
		jb->bown[y] = c;
		jb->first[y + 1] = (int64_t)(b->n - before);
	}
}

typedef struct write_job {
	dh_image *lab;
	const int32_t **rr;
	const int64_t *first;
	const int32_t *fin;
} write_job;

static void write_chunk(void *p, int c, int n)
{
	const write_job *jb = p;
	const int W = jb->lab->width;
	int y0, y1;
	dh_proc_band(jb->lab->height, c, n, &y0, &y1);
	for (int y = y0; y < y1; y++) {
		int32_t *L = (int32_t *)dh_image_row(jb->lab, 0, y);
		const int32_t *r = jb->rr[y];
		const int64_t nc = jb->first[y + 1] - jb->first[y];
		int x = 0;
		for (int64_t k = 0; k < nc; k++) {
			fill_i32(L + x, 0, r[2 * k] - x);
			fill_i32(L + r[2 * k], jb->fin[jb->first[y] + k + 1],
				 r[2 * k + 1] - r[2 * k]);
			x = r[2 * k + 1];
		}
		fill_i32(L + x, 0, W - x);
	}
}

dh_image *dh_components(const dh_image *src, int connectivity, int *count,
			dh_component **stats, dh_err *e)
{
	if (stats)
		*stats = NULL;
	if (connectivity != 4 && connectivity != 8) {
		dh_err_set(e, DH_EINVAL, "connectivity must be 4 or 8, not %d",
			   connectivity);
		return NULL;
	}
	if (src->channels != 1 || src->depth != 1) {
		dh_err_set(e, DH_EINVAL, "components need a one-channel 2D "
			   "image, not %d channels x %d slices",
			   src->channels, src->depth);
		return NULL;
	}
	const int W = src->width, H = src->height;
	if ((uint64_t)W * (uint64_t)H >= INT32_MAX) {
		dh_err_set(e, DH_ERANGE, "image too large to label");
		return NULL;
	}
	dh_image *lab = dh_image_new_like_uninit(src, DH_I32, 1, DH_COLOR_NONE, e);
	if (!lab)
		return NULL;
	/* rows' runs: row y's are rr[y] (pairs), nr[y] of them, in the
	 * buffer of the thread that found them */
	const int32_t **rr = malloc((size_t)H * sizeof *rr);
	int64_t *first = malloc(((size_t)H + 1) * sizeof *first);
	const size_t work = (size_t)W * (size_t)H;
	const int nth = dh_proc_chunks(work);
	runbuf *bufs = calloc((size_t)nth, sizeof *bufs);
	size_t *boff = malloc((size_t)H * sizeof *boff);
	int *bown = malloc((size_t)H * sizeof *bown);
	int32_t *par = NULL, *fin = NULL;
	int oom = !rr || !first || !bufs || !boff || !bown;
	if (!oom) {
		runs_job jb = {src, bufs, boff, bown, first, 0};
		dh_proc_run(nth, runs_chunk, &jb, work);
		oom = jb.oom;
	}
	int64_t nruns = 0;
	if (!oom) {
		first[0] = 0;
		for (int y = 0; y < H; y++) {
			rr[y] = bufs[bown[y]].r + 2 * boff[y];
			first[y + 1] += first[y];
		}
		nruns = first[H];
		if (nruns >= INT32_MAX)
			oom = 1;
	}
	if (!oom) {
		par = malloc(((size_t)nruns + 1) * sizeof *par);
		fin = malloc(((size_t)nruns + 1) * sizeof *fin);
		oom = !par || !fin;
	}
	if (oom) {
		free(par);
		free(fin);
		goto fail;
	}
	/* run k of row y is node first[y] + k + 1; node 0 the background */
	const int d8 = connectivity == 8;
	for (int64_t i = 0; i <= nruns; i++)
		par[i] = (int32_t)i;
	for (int y = 1; y < H; y++) {
		const int32_t *cur = rr[y], *up = rr[y - 1];
		const int64_t nc = first[y + 1] - first[y], nu = first[y] - first[y - 1];
		int64_t j = 0;
		for (int64_t k = 0; k < nc; k++) {
			/* up runs [c, d) touching [a, b): c < b + d8, d > a - d8 */
			const int32_t a = cur[2 * k], b = cur[2 * k + 1];
			while (j < nu && up[2 * j + 1] + d8 <= a)
				j++;
			for (int64_t i = j; i < nu && up[2 * i] < b + d8; i++)
				join(par, (int32_t)(first[y] + k + 1),
				     (int32_t)(first[y - 1] + i + 1));
		}
	}
	int32_t n = 0;
	fin[0] = 0;
	for (int64_t i = 1; i <= nruns; i++) {
		int32_t r = find(par, (int32_t)i);
		fin[i] = r == i ? ++n : fin[r];
	}
	free(par);
	{
		write_job wj = {lab, rr, first, fin};
		dh_proc_run(dh_proc_chunks(4 * work), write_chunk, &wj, 4 * work);
	}
	if (stats) {
		dh_component *st = calloc((size_t)n + 1, sizeof *st);
		int64_t *sx = calloc(2 * ((size_t)n + 1), sizeof *sx);
		if (!st || !sx) {
			free(st);
			free(sx);
			free(fin);
			goto fail;
		}
		int64_t *sy = sx + n + 1;
		for (int32_t i = 0; i <= n; i++) {
			st[i].left = W;
			st[i].top = H;
			st[i].width = -1;
			st[i].height = -1;
		}
		/* width/height hold right/bottom until the end */
		for (int y = 0; y < H; y++) {
			const int32_t *r = rr[y];
			const int64_t nc = first[y + 1] - first[y];
			int64_t fg = 0, fgx = 0;
			for (int64_t k = 0; k < nc; k++) {
				const int32_t a = r[2 * k], b = r[2 * k + 1];
				dh_component *c = &st[fin[first[y] + k + 1]];
				const int64_t len = b - a, xs = ((int64_t)a + b - 1) * len / 2;
				c->area += len;
				sx[c - st] += xs;
				sy[c - st] += (int64_t)y * len;
				if (a < c->left)
					c->left = a;
				if (b - 1 > c->width)
					c->width = b - 1;
				if (y < c->top)
					c->top = y;
				c->height = y;
				fg += len;
				fgx += xs;
			}
			if (fg == W)
				continue;
			/* the background: the rest of the row */
			dh_component *c = &st[0];
			int lo = nc && r[0] == 0 ? r[1] : 0;
			int hi = nc && r[2 * nc - 1] == W ? r[2 * nc - 2] - 1 : W - 1;
			c->area += W - fg;
			sx[0] += (int64_t)W * (W - 1) / 2 - fgx;
			sy[0] += (int64_t)y * (W - fg);
			if (lo < c->left)
				c->left = lo;
			if (hi > c->width)
				c->width = hi;
			if (y < c->top)
				c->top = y;
			c->height = y;
		}
		for (int32_t i = 0; i <= n; i++) {
			dh_component *c = &st[i];
			if (!c->area) {
				c->left = c->top = c->width = c->height = 0;
				continue;
			}
			c->width = c->width - c->left + 1;
			c->height = c->height - c->top + 1;
			c->cx = (double)sx[i] / (double)c->area;
			c->cy = (double)sy[i] / (double)c->area;
		}
		free(sx);
		*stats = st;
	}
	free(fin);
	for (int t = 0; t < nth; t++)
		free(bufs[t].r);
	free(bufs);
	free(rr);
	free(first);
	free(boff);
	free(bown);
	*count = n;
	return lab;
fail:
	if (bufs)
		for (int t = 0; t < nth; t++)
			free(bufs[t].r);
	free(bufs);
	free(rr);
	free(first);
	free(boff);
	free(bown);
	dh_image_free(lab);
	dh_err_set(e, DH_ENOMEM, "out of memory");
	return NULL;
}
