/* label.c - connected-components labelling: one raster pass assigning
 * provisional labels joined in a union-find forest (each set's root is its
 * smallest label), then a pass giving the final labels 1..n in order of
 * first appearance, with area, bounding box and centroid per component. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "image/proc/proc.h"

static int32_t find(int32_t *par, int32_t a)
{
	while (par[a] != a) {
		par[a] = par[par[a]];
		a = par[a];
	}
	return a;
}

static int32_t join(int32_t *par, int32_t a, int32_t b)
{
	a = find(par, a);
	b = find(par, b);
	if (a < b) {
		par[b] = a;
		return a;
	}
	par[a] = b;
	return b;
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
	dh_image *lab = dh_image_new_like(src, DH_I32, 1, DH_COLOR_NONE, e);
	if (!lab)
		return NULL;
	/* at most one provisional label per two pixels of a row... bound it
	 * by the pixel count + 1 */
	size_t np = (size_t)W * (size_t)H / 2 + (size_t)W + 2;
	int32_t *par = dh_malloc(np * sizeof *par, e);
	if (!par) {
		dh_image_free(lab);
		return NULL;
	}
	int32_t *L = (int32_t *)lab->data;
	int32_t next = 1;
	par[0] = 0;
	const int u8 = src->dtype == DH_U8;
	for (int y = 0; y < H; y++) {
		const int32_t *up = y ? L + (size_t)(y - 1) * (size_t)W : NULL;
		int32_t *cur = L + (size_t)y * (size_t)W;
		size_t base = (size_t)y * (size_t)W;
		for (int x = 0; x < W; x++) {
			int on = u8 ? src->data[base + (size_t)x] != 0
				    : dh_dtype_get(src->dtype, src->data,
						   base + (size_t)x) != 0;
			if (!on)
				continue;
			int32_t nb[4];
			int k = 0;
			if (x && cur[x - 1])
				nb[k++] = cur[x - 1];
			if (up) {
				if (up[x])
					nb[k++] = up[x];
				if (connectivity == 8) {
					if (x && up[x - 1])
						nb[k++] = up[x - 1];
					if (x + 1 < W && up[x + 1])
						nb[k++] = up[x + 1];
				}
			}
			if (!k) {
				if ((size_t)next >= np) {
					/* cannot happen with the bound above */
					free(par);
					dh_image_free(lab);
					dh_err_set(e, DH_ENOMEM, "too many labels");
					return NULL;
				}
				par[next] = next;
				cur[x] = next++;
				continue;
			}
			int32_t m = nb[0];
			for (int j = 1; j < k; j++)
				m = join(par, m, nb[j]);
			cur[x] = find(par, m);
		}
	}
	/* final labels in order of each set's root, its smallest provisional
	 * label, which is the first one a raster scan meets; roots come
	 * before their members, so fin[root] is set when a member needs it */
	int32_t *fin = dh_malloc((size_t)next * sizeof *fin, e);
	if (!fin) {
		free(par);
		dh_image_free(lab);
		return NULL;
	}
	int32_t n = 0;
	fin[0] = 0;
	for (int32_t i = 1; i < next; i++) {
		int32_t r = find(par, i);
		fin[i] = r == i ? ++n : fin[r];
	}
	free(par);
	par = fin;
	dh_component *st = NULL;
	if (stats) {
		st = calloc((size_t)n + 1, sizeof *st);
		if (!st) {
			free(par);
			dh_image_free(lab);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return NULL;
		}
		for (int32_t i = 0; i <= n; i++) {
			st[i].left = W;
			st[i].top = H;
			st[i].width = -1;
			st[i].height = -1;
		}
	}
	for (int y = 0; y < H; y++) {
		int32_t *cur = L + (size_t)y * (size_t)W;
		for (int x = 0; x < W; x++) {
			int32_t v = par[cur[x]];
			cur[x] = v;
			if (st) {
				dh_component *c = &st[v];
				c->area++;
				c->cx += x;
				c->cy += y;
				if (x < c->left)
					c->left = x;
				if (y < c->top)
					c->top = y;
				/* width/height hold right/bottom until the end */
				if (x > c->width)
					c->width = x;
				if (y > c->height)
					c->height = y;
			}
		}
	}
	if (st)
		for (int32_t i = 0; i <= n; i++) {
			dh_component *c = &st[i];
			if (!c->area) {
				c->left = c->top = c->width = c->height = 0;
				continue;
			}
			c->width = c->width - c->left + 1;
			c->height = c->height - c->top + 1;
			c->cx /= (double)c->area;
			c->cy /= (double)c->area;
		}
	free(par);
	*count = n;
	if (stats)
		*stats = st;
	return lab;
}
