/* morph.c - erosion, dilation, opening and closing with rectangle, cross or
 * ellipse structuring elements.  Pixels outside the image do not take part
 * (OpenCV's default border for morphology). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"
#include "image/proc/simd_private.h"

int dh_morph_shape_parse(const char *s, dh_morph_shape *out)
{
	static const char *const names[] = {"rect", "cross", "ellipse"};
	for (int i = 0; i < DH_SE_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_morph_shape)i;
			return 0;
		}
	return -1;
}

int dh_morph_op_parse(const char *s, dh_morph_op *out)
{
	static const char *const names[] = {"erode", "dilate", "open", "close"};
	for (int i = 0; i < DH_MORPH_COUNT; i++)
		if (!strcmp(s, names[i])) {
			*out = (dh_morph_op)i;
			return 0;
		}
	return -1;
}

unsigned char *dh_structuring_element(dh_morph_shape shape, int kw, int kh,
				      dh_err *e)
{
	if (kw < 1 || kh < 1 || kw > 1024 || kh > 1024) {
		dh_err_set(e, DH_EINVAL, "structuring element size must be 1 "
			   "to 1024");
		return NULL;
	}
	unsigned char *k = calloc((size_t)kw * (size_t)kh, 1);
	if (!k) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	if (kw == 1 && kh == 1)
		shape = DH_SE_RECT;
	int r = kh / 2, c = kw / 2;
	double inv_r2 = r ? 1.0 / ((double)r * r) : 0;
	for (int i = 0; i < kh; i++) {
		int j1 = 0, j2 = 0;
		if (shape == DH_SE_RECT || (shape == DH_SE_CROSS && i == r)) {
			j2 = kw;
		} else if (shape == DH_SE_CROSS) {
			j1 = c;
			j2 = c + 1;
		} else {
			int dy = i - r;
			if (abs(dy) <= r) {
				int dx = (int)lrint(c * sqrt((r * r - dy * dy) * inv_r2));
				j1 = c - dx > 0 ? c - dx : 0;
				j2 = c + dx + 1 < kw ? c + dx + 1 : kw;
			}
		}
		for (int j = j1; j < j2; j++)
			k[(size_t)i * (size_t)kw + (size_t)j] = 1;
	}
	return k;
}

/* d = op(a, b) and d = op(d, op(a, b)) over n bytes (op: min or max). */
DH_PROC_CLONES static void op2(uint8_t *restrict d, const uint8_t *a,
			       const uint8_t *b, size_t n, int is_min)
{
	if (is_min) {
#pragma omp simd
		for (size_t i = 0; i < n; i++)
			d[i] = a[i] < b[i] ? a[i] : b[i];
	} else {
#pragma omp simd
		for (size_t i = 0; i < n; i++)
			d[i] = a[i] > b[i] ? a[i] : b[i];
	}
}

DH_PROC_CLONES static void op3(uint8_t *restrict d, const uint8_t *a,
			       const uint8_t *b, size_t n, int is_min)
{
	if (is_min) {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			uint8_t m = a[i] < b[i] ? a[i] : b[i];
			d[i] = m < d[i] ? m : d[i];
		}
	} else {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			uint8_t m = a[i] > b[i] ? a[i] : b[i];
			d[i] = m > d[i] ? m : d[i];
		}
	}
}

typedef struct morph_job {
	const dh_image *src;
	dh_image *dst;
	const int (*runs)[2];
	int kw, kh, levels, is_min, z;
	int oom;
} morph_job;

/* Output rows of band c of n. */
static void morph_chunk(void *p, int c, int n)
{
	morph_job *jb = p;
	const dh_image *src = jb->src;
	const int W = src->width, H = src->height, C = src->channels;
	const int kw = jb->kw, kh = jb->kh, ax = kw / 2, ay = kh / 2;
	const int levels = jb->levels, is_min = jb->is_min, z = jb->z;
	const size_t row = (size_t)W * (size_t)C;
	const uint8_t neutral = is_min ? 255 : 0;
	const size_t prow = (size_t)(W + kw) * (size_t)C;
	int y0, y1;
	dh_proc_band(H, c, n, &y0, &y1);
	if (y0 >= y1)
		return;
	/* each element row j reads level lv[j] at column a; a run whose
	 * width is not a power of two is the op of two such entries, kept
	 * per source row in slot part uj[j] (-1: none) */
	int *lv = malloc(sizeof(int) * 4 * (size_t)kh);
	const uint8_t **P = malloc(sizeof *P * (size_t)kh);
	if (!lv || !P) {
		free(lv);
		free(P);
		__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
		return;
	}
	int *uj = lv + kh, *ua = uj + kh, *uw = ua + kh, nu = 0;
	for (int j = 0; j < kh; j++) {
		int a = jb->runs[j][0], w = jb->runs[j][1] - a, l = 0;
		while ((2 << l) <= w)
			l++;
		lv[j] = l;
		uj[j] = -1;
		if (w <= 0 || w == 1 << l)
			continue;
		for (int u = 0; u < nu; u++)
			if (ua[u] == a && uw[u] == w)
				uj[j] = u;
		if (uj[j] < 0) {
			ua[nu] = a;
			uw[nu] = w;
			uj[j] = nu++;
		}
	}
	const size_t slot_bytes = prow * (size_t)levels + row * (size_t)nu;
	uint8_t *ring = malloc(slot_bytes * (size_t)kh);
	if (!ring) {
		free(lv);
		free(P);
		__atomic_store_n(&jb->oom, 1, __ATOMIC_RELAXED);
		return;
	}
	int next = y0 - ay < 0 ? 0 : y0 - ay;
	for (int y = y0; y < y1; y++) {
		int last = y - ay + kh - 1;
		if (last > H - 1)
			last = H - 1;
		for (; next <= last; next++) {
			uint8_t *t = ring + (size_t)(next % kh) * slot_bytes;
			memset(t, neutral, (size_t)ax * (size_t)C);
			memcpy(t + (size_t)ax * (size_t)C, dh_image_row(src, z, next), row);
			memset(t + (size_t)ax * (size_t)C + row, neutral,
			       prow - row - (size_t)ax * (size_t)C);
			for (int l = 1; l < levels; l++) {
				size_t sh = ((size_t)1 << (l - 1)) * (size_t)C;
				uint8_t *lo = t + (size_t)(l - 1) * prow;
				op2(lo + prow, lo, lo + sh,
				    prow - (((size_t)2 << (l - 1)) - 1) * (size_t)C, is_min);
			}
			for (int u = 0; u < nu; u++) {
				int l = 0;
				while ((2 << l) <= uw[u])
					l++;
				const uint8_t *tl = t + (size_t)l * prow;
				op2(t + prow * (size_t)levels + row * (size_t)u,
				    tl + (size_t)ua[u] * (size_t)C,
				    tl + (size_t)(ua[u] + uw[u] - (1 << l)) * (size_t)C, row,
				    is_min);
			}
		}
		int k = 0;
		for (int j = 0; j < kh; j++) {
			int yy = y - ay + j;
			if (yy < 0 || yy >= H || jb->runs[j][1] <= jb->runs[j][0])
				continue;
			const uint8_t *t = ring + (size_t)(yy % kh) * slot_bytes;
			P[k++] = uj[j] >= 0 ? t + prow * (size_t)levels + row * (size_t)uj[j]
					    : t + (size_t)lv[j] * prow +
						      (size_t)jb->runs[j][0] * (size_t)C;
		}
		uint8_t *d = dh_image_row(jb->dst, z, y);
		if (k == 0) {
			/* an element with no pixel inside the image leaves
			 * the pixel as it was */
			memcpy(d, dh_image_row(src, z, y), row);
		} else if (k == 1) {
			memcpy(d, P[0], row);
		} else {
			op2(d, P[0], P[1], row, is_min);
			int m = 2;
			for (; m + 1 < k; m += 2)
				op3(d, P[m], P[m + 1], row, is_min);
			if (m < k)
				op3(d, P[m], P[m], row, is_min);
		}
	}
	free(ring);
	free(lv);
	free(P);
}

/* One erosion (is_min) or dilation of u8 src into dst.  Every element
 * these shapes make is, row by row, one run of columns [a, b).  Each
 * source row is padded with the neutral value (255 for erosion, 0 for
 * dilation), which is what "pixels outside do not count" means, and
 * turned into a doubling table: level l holds the min (max) over 2^l
 * consecutive pixels, so that any run of width w is the op of two entries
 * of level floor(log2 w) (the van Herk/Gil-Werman idea in log steps, all
 * vectorised).  Each thread takes a band of output rows and keeps the
 * tables of the kh source rows it needs in a ring (slot = row mod kh), so
 * every source row is prepared once per band; the output rows are the
 * same whatever the thread count. */
static dh_status morph_once(const dh_image *src, dh_image *dst,
			    const unsigned char *se, int kw, int kh,
			    int is_min, dh_err *e)
{
	const int H = src->height;
	const size_t row = (size_t)src->width * (size_t)src->channels;
	int runs[1024][2], maxw = 1;
	for (int j = 0; j < kh; j++) {
		int a = 0, b = 0;
		while (a < kw && !se[(size_t)j * (size_t)kw + (size_t)a])
			a++;
		b = a;
		while (b < kw && se[(size_t)j * (size_t)kw + (size_t)b])
			b++;
		runs[j][0] = a;
		runs[j][1] = b;
		if (b - a > maxw)
			maxw = b - a;
	}
	int levels = 1;
	while ((2 << (levels - 1)) <= maxw)
		levels++;
	int oom = 0;
	for (int z = 0; z < src->depth; z++) {
		morph_job jb = {src, dst, runs, kw, kh, levels, is_min, z, 0};
		dh_proc_run(dh_proc_chunks(row * (size_t)H * (size_t)kh),
			    morph_chunk, &jb, row * (size_t)H * (size_t)kh);
		oom |= jb.oom;
	}
	return oom ? dh_err_set(e, DH_ENOMEM, "out of memory") : DH_OK;
}

dh_image *dh_morph(const dh_image *src, dh_morph_op op, dh_morph_shape shape,
		   int kw, int kh, int iterations, dh_err *e)
{
	if (src->dtype != DH_U8) {
		dh_err_set(e, DH_EUNSUPPORTED, "morphology of %s images (uint8 "
			   "is supported)", dh_dtype_name(src->dtype));
		return NULL;
	}
	if ((unsigned)op >= DH_MORPH_COUNT || (unsigned)shape >= DH_SE_COUNT ||
	    iterations < 0 || iterations > 10000) {
		dh_err_set(e, DH_EINVAL, "bad morphology operation, element or "
			   "iteration count");
		return NULL;
	}
	unsigned char *se = dh_structuring_element(shape, kw, kh, e);
	if (!se)
		return NULL;
	/* a: the current image (src itself at first, never written), b: the
	 * next one */
	const dh_image *a = src;
	dh_image *b = dh_image_new_like_uninit(src, DH_U8, 0, src->color, e);
	if (!b) {
		free(se);
		return NULL;
	}
	/* the sequence of elementary steps: min = erosion */
	int steps[2], ns = 0;
	switch (op) {
	case DH_MORPH_ERODE: steps[ns++] = 1; break;
	case DH_MORPH_DILATE: steps[ns++] = 0; break;
	case DH_MORPH_OPEN: steps[ns++] = 1; steps[ns++] = 0; break;
	default: steps[ns++] = 0; steps[ns++] = 1; break;
	}
	dh_status st = DH_OK;
	if (iterations == 0) {
		memcpy(b->data, src->data, src->nbytes);
		free(se);
		return b;
	}
	for (int s = 0; s < ns && !st; s++)
		for (int it = 0; it < iterations && !st; it++) {
			if (!b) {
				b = dh_image_new_like_uninit(src, DH_U8, 0,
							     src->color, e);
				if (!b) {
					st = e ? e->status : DH_ENOMEM;
					break;
				}
			}
			st = morph_once(a, b, se, kw, kh, steps[s], e);
			/* the old current image becomes the next target */
			dh_image *t = a == src ? NULL : (dh_image *)a;
			a = b;
			b = t;
		}
	free(se);
	dh_image_free(b);
	if (st) {
		if (a != src)
			dh_image_free((dh_image *)a);
		return NULL;
	}
	return (dh_image *)a;
}
