/* contour.c - outer contours of the nonzero regions of a one-channel
 * image, as a mask.  The background reachable from outside the image
 * (4-connected, the image being surrounded by background) is found first;
 * each 8-connected object touching it has one outer contour, made of the
 * object pixels with a 4-neighbour in that outside background: the pixels
 * that border following (Suzuki and Abe, as in cv2.findContours with
 * RETR_EXTERNAL and CHAIN_APPROX_NONE) visits.  Objects inside holes have
 * no outer contour of their own. */
#include <stdlib.h>
#include <string.h>

#include "image/proc/draw.h"
#include "image/proc/proc.h"

dh_image *dh_outer_contours(const dh_image *src, int *count, dh_err *e)
{
	if (src->channels != 1 || src->depth != 1) {
		dh_err_set(e, DH_EINVAL, "contours need a one-channel 2D image");
		return NULL;
	}
	const int W = src->width, H = src->height;
	const size_t n = (size_t)W * (size_t)H;
	dh_image *out = dh_image_new_like(src, DH_U8, 1, DH_COLOR_GRAY, e);
	if (!out)
		return NULL;
	uint8_t *on = malloc(n), *outside = calloc(n, 1);
	int32_t *queue = malloc(n * sizeof *queue);
	if (!on || !outside || !queue) {
		free(on);
		free(outside);
		free(queue);
		dh_image_free(out);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		on[i] = dh_dtype_get(src->dtype, src->data, i) != 0;
	/* flood the outside background from the frame */
	size_t qh = 0, qt = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * (size_t)W + (size_t)x;
			if ((x == 0 || y == 0 || x == W - 1 || y == H - 1) &&
			    !on[i] && !outside[i]) {
				outside[i] = 1;
				queue[qt++] = (int32_t)i;
			}
		}
	while (qh < qt) {
		int32_t i = queue[qh++];
		int x = (int)(i % W), y = (int)(i / W);
		const int nx[4] = {x - 1, x + 1, x, x}, ny[4] = {y, y, y - 1, y + 1};
		for (int k = 0; k < 4; k++) {
			if (nx[k] < 0 || ny[k] < 0 || nx[k] >= W || ny[k] >= H)
				continue;
			size_t j = (size_t)ny[k] * (size_t)W + (size_t)nx[k];
			if (!on[j] && !outside[j]) {
				outside[j] = 1;
				queue[qt++] = (int32_t)j;
			}
		}
	}
	free(queue);
	/* contour pixels: object pixels next to the outside (or the frame) */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * (size_t)W + (size_t)x;
			if (!on[i])
				continue;
			int edge = x == 0 || y == 0 || x == W - 1 || y == H - 1 ||
				   outside[i - 1] || outside[i + 1] ||
				   outside[i - (size_t)W] || outside[i + (size_t)W];
			out->data[i] = edge ? 255 : 0;
		}
	free(on);
	free(outside);
	/* one contour per 8-connected object that has contour pixels */
	int nc = 0;
	dh_image *lab = dh_components(out, 8, &nc, NULL, e);
	if (!lab) {
		dh_image_free(out);
		return NULL;
	}
	dh_image_free(lab);
	*count = nc;
	return out;
}

/* --- contours as point lists (draw.h) -------------------------------------- */

/* The 8 neighbours clockwise as seen on the screen (y down), from the
 * west: Suzuki and Abe's order. */
static const int DX[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
static const int DY[8] = {0, -1, -1, -1, 0, 1, 1, 1};

typedef struct pts {
	dh_point *p;
	int n, cap;
} pts;

static int pts_add(pts *a, int x, int y)
{
	if (a->n == a->cap) {
		int nc = a->cap ? a->cap * 2 : 64;
		dh_point *np = realloc(a->p, (size_t)nc * sizeof *np);
		if (!np)
			return -1;
		a->p = np;
		a->cap = nc;
	}
	a->p[a->n].x = x;
	a->p[a->n].y = y;
	a->n++;
	return 0;
}

static int dir_of(int dx, int dy)
{
	for (int d = 0; d < 8; d++)
		if (DX[d] == dx && DY[d] == dy)
			return d;
	return 0;
}

/* Follow the outer border that starts at (x, y), the first pixel of its
 * object in raster order (so its west neighbour is background). */
static int trace(const uint8_t *on, int W, int H, int x, int y, pts *out)
{
#define ON(px, py) ((px) >= 0 && (py) >= 0 && (px) < W && (py) < H && \
		    on[(size_t)(py) * (size_t)W + (size_t)(px)])
	if (pts_add(out, x, y))
		return -1;
	/* 3.1: clockwise from the west, the first object pixel */
	int d1 = -1;
	for (int k = 0; k < 8 && d1 < 0; k++)
		if (ON(x + DX[k], y + DY[k]))
			d1 = k;
	if (d1 < 0)
		return 0; /* a lone pixel */
	int x1 = x + DX[d1], y1 = y + DY[d1];
	/* 3.2: (x2, y2) the previous pixel, (x3, y3) the current one */
	int x2 = x1, y2 = y1, x3 = x, y3 = y;
	for (;;) {
		/* 3.3: counter-clockwise around (x3, y3), from the one after
		 * (x2, y2) */
		int dp = dir_of(x2 - x3, y2 - y3), x4 = x3, y4 = y3;
		for (int k = 1; k <= 8; k++) {
			int d = (dp - k + 16) % 8;
			if (ON(x3 + DX[d], y3 + DY[d])) {
				x4 = x3 + DX[d];
				y4 = y3 + DY[d];
				break;
			}
		}
		/* 3.5: back at the start, about to repeat the first step */
		if (x4 == x && y4 == y && x3 == x1 && y3 == y1)
			return 0;
		if (pts_add(out, x4, y4))
			return -1;
		x2 = x3;
		y2 = y3;
		x3 = x4;
		y3 = y4;
	}
#undef ON
}

/* Only the points where the direction of travel changes. */
static void simplify(pts *a)
{
	int n = a->n, m = 0;
	if (n < 3)
		return;
	dh_point *p = a->p, *q = malloc((size_t)n * sizeof *q);
	if (!q)
		return; /* keeps every point: still a correct contour */
	for (int i = 0; i < n; i++) {
		dh_point prev = p[(i + n - 1) % n], cur = p[i], next = p[(i + 1) % n];
		int din = dir_of(cur.x - prev.x, cur.y - prev.y);
		int dout = dir_of(next.x - cur.x, next.y - cur.y);
		if (i == 0 || din != dout)
			q[m++] = cur;
	}
	memcpy(p, q, (size_t)m * sizeof *q);
	free(q);
	a->n = m;
}

void dh_contours_free(dh_contour *c, int n)
{
	if (!c)
		return;
	for (int i = 0; i < n; i++)
		free(c[i].pts);
	free(c);
}

dh_status dh_find_contours(const dh_image *mask, int simple,
			   dh_contour **out, int *count, dh_err *e)
{
	*out = NULL;
	*count = 0;
	if (mask->channels != 1 || mask->depth != 1)
		return dh_err_set(e, DH_EINVAL, "contours need a one-channel 2D "
				  "image");
	const int W = mask->width, H = mask->height;
	const size_t n = (size_t)W * (size_t)H;
	uint8_t *on = malloc(n), *outside = calloc(n, 1), *seen = calloc(n, 1);
	int32_t *queue = malloc(n * sizeof *queue);
	dh_contour *cs = NULL;
	int nc = 0, cap = 0;
	dh_status s = DH_OK;
	if (!on || !outside || !seen || !queue) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		on[i] = dh_dtype_get(mask->dtype, mask->data, i) != 0;
	/* the background 4-connected to the frame */
	size_t qh = 0, qt = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * (size_t)W + (size_t)x;
			if ((x == 0 || y == 0 || x == W - 1 || y == H - 1) &&
			    !on[i]) {
				outside[i] = 1;
				queue[qt++] = (int32_t)i;
			}
		}
	while (qh < qt) {
		int32_t i = queue[qh++];
		int x = (int)(i % W), y = (int)(i / W);
		for (int k = 0; k < 8; k += 2) {
			int nx = x + DX[k], ny = y + DY[k];
			if (nx < 0 || ny < 0 || nx >= W || ny >= H)
				continue;
			size_t j = (size_t)ny * (size_t)W + (size_t)nx;
			if (!on[j] && !outside[j]) {
				outside[j] = 1;
				queue[qt++] = (int32_t)j;
			}
		}
	}
	/* each 8-connected object, from its first pixel in raster order; it
	 * has an outer contour when it touches that background */
	for (int y0 = 0; y0 < H && !s; y0++)
		for (int x0 = 0; x0 < W && !s; x0++) {
			size_t i0 = (size_t)y0 * (size_t)W + (size_t)x0;
			if (!on[i0] || seen[i0])
				continue;
			int touches = 0;
			qh = qt = 0;
			seen[i0] = 1;
			queue[qt++] = (int32_t)i0;
			while (qh < qt) {
				int32_t i = queue[qh++];
				int x = (int)(i % W), y = (int)(i / W);
				for (int k = 0; k < 8; k++) {
					int nx = x + DX[k], ny = y + DY[k];
					if (nx < 0 || ny < 0 || nx >= W || ny >= H) {
						touches |= !(k & 1);
						continue;
					}
					size_t j = (size_t)ny * (size_t)W + (size_t)nx;
					if (!(k & 1) && outside[j])
						touches = 1;
					if (on[j] && !seen[j]) {
						seen[j] = 1;
						queue[qt++] = (int32_t)j;
					}
				}
			}
			if (!touches)
				continue;
			pts p = {NULL, 0, 0};
			if (nc == cap) {
				int ncap = cap ? cap * 2 : 16;
				dh_contour *nb = realloc(cs, (size_t)ncap * sizeof *nb);
				if (!nb) {
					s = dh_err_set(e, DH_ENOMEM, "out of memory");
					break;
				}
				cs = nb;
				cap = ncap;
			}
			if (trace(on, W, H, x0, y0, &p)) {
				free(p.p);
				s = dh_err_set(e, DH_ENOMEM, "out of memory");
				break;
			}
			if (simple)
				simplify(&p);
			cs[nc].pts = p.p;
			cs[nc].n = p.n;
			nc++;
		}
done:
	free(on);
	free(outside);
	free(seen);
	free(queue);
	if (s) {
		dh_contours_free(cs, nc);
		return s;
	}
	*out = cs;
	*count = nc;
	return DH_OK;
}
