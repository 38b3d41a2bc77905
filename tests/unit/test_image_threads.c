/* test_image_threads.c - the threaded image operations give the same
 * bytes whatever the thread count (1, 2, 3 and 5 threads, on images large
 * enough to be split), and the kernels written for speed agree with plain
 * reference loops where OpenCV is not at hand (morphology with elements
 * wider than the comparisons in tests/cli/image-opencv.sh use). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "image/image.h"
#include "image/proc/proc.h"
#include "tap.h"

static const int thread_counts[] = {1, 2, 3, 5};
#define NTC ((int)(sizeof thread_counts / sizeof thread_counts[0]))

/* Smooth gradients with noise and hard edges, so every op has work. */
static dh_image *picture(int w, int h, int c, unsigned seed)
{
	dh_image *img = dh_image_new(DH_U8, w, h, 1, c,
				     c == 1 ? DH_COLOR_GRAY : DH_COLOR_RGB, NULL);
	unsigned r = seed;
	for (int y = 0; y < h; y++) {
		uint8_t *p = dh_image_row(img, 0, y);
		for (int x = 0; x < w; x++)
			for (int k = 0; k < c; k++) {
				r = r * 1103515245u + 12345u;
				int n = (int)((r >> 16) & 31);
				int v = k == 0   ? x * 255 / w
					: k == 1 ? y * 255 / h
						 : ((x ^ y) & 32 ? 200 : 30);
				p[x * c + k] = (uint8_t)((v + n) & 255);
			}
	}
	return img;
}

static int same(const dh_image *a, const dh_image *b)
{
	return a && b && a->width == b->width && a->height == b->height &&
	       a->channels == b->channels && a->dtype == b->dtype &&
	       a->nbytes == b->nbytes && !memcmp(a->data, b->data, a->nbytes);
}

typedef dh_image *(*op_fn)(const dh_image *src, int variant);

/* Run op at every thread count; the results must all be the first one's. */
static void check_threads(const char *name, op_fn op, const dh_image *src,
			  int variant)
{
	dh_image *ref = NULL;
	int ok = 1;
	for (int i = 0; i < NTC; i++) {
		dh_threads_apply(thread_counts[i]);
		dh_image *out = op(src, variant);
		if (!out) {
			ok = 0;
			break;
		}
		if (!ref) {
			ref = out;
			continue;
		}
		if (!same(ref, out)) {
			fprintf(stderr, "# %s (variant %d): %d threads differ "
				"from 1\n", name, variant, thread_counts[i]);
			ok = 0;
		}
		dh_image_free(out);
	}
	dh_threads_apply(1);
	dh_image_free(ref);
	CHECK(ok);
}

static dh_image *op_resize(const dh_image *s, int v)
{
	static const int sizes[][2] = {{401, 263}, {1201, 777}, {233, 177},
				       {1000, 700}, {350, 265}};
	dh_interp m = (dh_interp)(v % DH_INTERP_COUNT);
	const int *sz = sizes[(v / DH_INTERP_COUNT) % 5];
	return dh_resize(s, sz[0], sz[1], m, NULL);
}

static dh_image *op_gauss(const dh_image *s, int v)
{
	static const int k[] = {3, 5, 7, 9, 0};
	return dh_gaussian_blur(s, k[v], v == 4 ? 2.0 : 0, NULL);
}

static dh_image *op_box(const dh_image *s, int v)
{
	return dh_box_blur(s, v + 2, NULL);
}

static dh_image *op_rotate(const dh_image *s, int v)
{
	dh_interp m = (dh_interp)(v % 3);
	dh_border b = (dh_border)((v / 3) % DH_BORDER_COUNT);
	return dh_rotate(s, 30 + v, 1 - 0.05 * v, m, b, 7, NULL);
}

static dh_image *op_color(const dh_image *s, int v)
{
	static const dh_colortype to[] = {DH_COLOR_GRAY, DH_COLOR_HSV,
					  DH_COLOR_YCBCR, DH_COLOR_BGR};
	return dh_convert_color(s, to[v], NULL);
}

static dh_image *op_otsu(const dh_image *s, int v)
{
	(void)v;
	int t;
	dh_image *out = NULL;
	if (dh_otsu(s, &t, &out, NULL))
		return NULL;
	/* the threshold itself travels in the first pixel's place */
	out->data[0] = (uint8_t)t;
	return out;
}

/* Labels followed by the statistics, as one image of bytes. */
static dh_image *op_components(const dh_image *s, int v)
{
	int n;
	dh_component *st;
	dh_image *lab = dh_components(s, v ? 8 : 4, &n, &st, NULL);
	if (!lab)
		return NULL;
	size_t sb = (size_t)(n + 1) * sizeof *st;
	dh_image *out = dh_image_new(DH_U8, (int)(lab->nbytes + sb), 1, 1, 1,
				     DH_COLOR_NONE, NULL);
	memcpy(out->data, lab->data, lab->nbytes);
	for (int i = 0; i <= n; i++) {
		/* field by field: no padding bytes compared */
		dh_component c;
		memset(&c, 0, sizeof c);
		c.area = st[i].area;
		c.left = st[i].left;
		c.top = st[i].top;
		c.width = st[i].width;
		c.height = st[i].height;
		c.cx = st[i].cx;
		c.cy = st[i].cy;
		memcpy(out->data + lab->nbytes + (size_t)i * sizeof c, &c, sizeof c);
	}
	free(st);
	dh_image_free(lab);
	return out;
}

static dh_image *op_morph(const dh_image *s, int v)
{
	static const int sz[][2] = {{3, 3}, {5, 5}, {7, 3}, {4, 4}, {11, 9}};
	dh_morph_shape sh = (dh_morph_shape)(v % DH_SE_COUNT);
	const int *k = sz[(v / DH_SE_COUNT) % 5];
	dh_morph_op op = (dh_morph_op)((v / 15) % DH_MORPH_COUNT);
	return dh_morph(s, op, sh, k[0], k[1], 1 + v % 2, NULL);
}

TEST(threads_resize)
{
	dh_image *rgb = picture(1031, 769, 3, 1);
	dh_image *gray = picture(1031, 769, 1, 2);
	for (int v = 0; v < DH_INTERP_COUNT * 5; v++) {
		check_threads("resize rgb", op_resize, rgb, v);
		check_threads("resize gray", op_resize, gray, v);
	}
	dh_image_free(rgb);
	dh_image_free(gray);
}

TEST(threads_filters)
{
	dh_image *rgb = picture(1031, 769, 3, 3);
	dh_image *gray = picture(1031, 769, 1, 4);
	for (int v = 0; v < 5; v++) {
		check_threads("gaussian rgb", op_gauss, rgb, v);
		check_threads("gaussian gray", op_gauss, gray, v);
		check_threads("box rgb", op_box, rgb, v);
	}
	dh_image_free(rgb);
	dh_image_free(gray);
}

TEST(threads_rotate)
{
	dh_image *rgb = picture(1031, 769, 3, 5);
	dh_image *gray = picture(1031, 769, 1, 6);
	for (int v = 0; v < 3 * DH_BORDER_COUNT; v++) {
		check_threads("rotate rgb", op_rotate, rgb, v);
		check_threads("rotate gray", op_rotate, gray, v);
	}
	dh_image_free(rgb);
	dh_image_free(gray);
}

TEST(threads_color_otsu)
{
	dh_image *rgb = picture(1031, 769, 3, 7);
	for (int v = 0; v < 4; v++)
		check_threads("color", op_color, rgb, v);
	dh_image *gray = dh_convert_color(rgb, DH_COLOR_GRAY, NULL);
	check_threads("otsu", op_otsu, gray, 0);
	dh_image_free(gray);
	dh_image_free(rgb);
}

TEST(threads_components)
{
	dh_image *rgb = picture(1031, 769, 3, 8);
	dh_image *gray = dh_convert_color(rgb, DH_COLOR_GRAY, NULL);
	int t;
	dh_image *bin = NULL;
	CHECK_INT(dh_otsu(gray, &t, &bin, NULL), DH_OK);
	for (int v = 0; v < 2; v++)
		check_threads("components", op_components, bin, v);
	dh_image_free(bin);
	dh_image_free(gray);
	dh_image_free(rgb);
}

TEST(threads_morphology)
{
	dh_image *gray = picture(1031, 769, 1, 9);
	dh_image *rgb = picture(517, 389, 3, 10);
	for (int v = 0; v < 15 * DH_MORPH_COUNT; v += 2) {
		check_threads("morph gray", op_morph, gray, v);
		check_threads("morph rgb", op_morph, rgb, v + 1);
	}
	dh_image_free(gray);
	dh_image_free(rgb);
}

/* One erosion or dilation by the definition: the min (max) over the
 * element's pixels that lie inside the image. */
static dh_image *morph_ref(const dh_image *s, const unsigned char *se,
			   int kw, int kh, int is_min)
{
	dh_image *d = dh_image_new_like(s, DH_U8, 0, s->color, NULL);
	const int W = s->width, H = s->height, C = s->channels;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			for (int c = 0; c < C; c++) {
				int m = is_min ? 255 : 0;
				for (int j = 0; j < kh; j++)
					for (int i = 0; i < kw; i++) {
						int yy = y + j - kh / 2, xx = x + i - kw / 2;
						if (!se[j * kw + i] || yy < 0 || yy >= H ||
						    xx < 0 || xx >= W)
							continue;
						int v = s->data[((size_t)yy * W + xx) * C + c];
						m = is_min ? (v < m ? v : m) : (v > m ? v : m);
					}
				d->data[((size_t)y * W + x) * C + c] = (uint8_t)m;
			}
	return d;
}

TEST(morphology_reference)
{
	static const int sz[][2] = {{1, 1}, {3, 3}, {5, 5}, {2, 6}, {9, 4},
				    {17, 3}, {13, 13}, {40, 7}};
	dh_image *imgs[] = {picture(61, 47, 1, 11), picture(23, 37, 3, 12),
			    picture(5, 3, 1, 13)};
	for (size_t n = 0; n < sizeof imgs / sizeof imgs[0]; n++)
		for (size_t k = 0; k < sizeof sz / sizeof sz[0]; k++)
			for (int sh = 0; sh < DH_SE_COUNT; sh++)
				for (int is_min = 0; is_min < 2; is_min++) {
					int kw = sz[k][0], kh = sz[k][1];
					unsigned char *se = dh_structuring_element(
						(dh_morph_shape)sh, kw, kh, NULL);
					dh_image *want = morph_ref(imgs[n], se, kw, kh, is_min);
					dh_image *got = dh_morph(imgs[n],
								 is_min ? DH_MORPH_ERODE : DH_MORPH_DILATE,
								 (dh_morph_shape)sh, kw, kh, 1, NULL);
					if (!same(want, got))
						fprintf(stderr, "# morph %dx%d shape %d %s on "
							"image %zu differs\n", kw, kh, sh,
							is_min ? "erode" : "dilate", n);
					CHECK(same(want, got));
					free(se);
					dh_image_free(want);
					dh_image_free(got);
				}
	for (size_t n = 0; n < sizeof imgs / sizeof imgs[0]; n++)
		dh_image_free(imgs[n]);
}

/* Statistics of every label, background included, against a plain pass
 * over the label image. */
TEST(components_stats_reference)
{
	static const int sizes[][2] = {{61, 47}, {1, 9}, {9, 1}, {130, 70}};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
		for (int conn = 4; conn <= 8; conn += 4) {
			int W = sizes[k][0], H = sizes[k][1];
			dh_image *g = picture(W, H, 1, 20 + (unsigned)k);
			dh_image *bin = dh_threshold(g, 128, 255, NULL);
			/* a full row and a full column too */
			if (H > 3)
				memset(dh_image_row(bin, 0, 2), 255, (size_t)W);
			for (int y = 0; y < H && W > 3; y++)
				bin->data[(size_t)y * W + 3] = 0;
			int n;
			dh_component *st;
			dh_image *lab = dh_components(bin, conn, &n, &st, NULL);
			CHECK(lab != NULL);
			const int32_t *L = (const int32_t *)lab->data;
			int bad = 0;
			for (int i = 0; i <= n; i++) {
				int64_t area = 0;
				double sx = 0, sy = 0;
				int l = W, t = H, r = -1, b = -1;
				for (int y = 0; y < H; y++)
					for (int x = 0; x < W; x++) {
						if (L[(size_t)y * W + x] != i)
							continue;
						area++;
						sx += x;
						sy += y;
						l = x < l ? x : l;
						r = x > r ? x : r;
						t = y < t ? y : t;
						b = y > b ? y : b;
					}
				if (!area)
					l = t = 0, r = b = -1;
				if (st[i].area != area || st[i].left != l ||
				    st[i].top != t || st[i].width != r - l + 1 ||
				    st[i].height != b - t + 1 ||
				    (area && (st[i].cx != sx / (double)area ||
					      st[i].cy != sy / (double)area)))
					bad++;
				/* labels are numbered in raster order */
			}
			CHECK_INT(bad, 0);
			free(st);
			dh_image_free(lab);
			dh_image_free(bin);
			dh_image_free(g);
		}
}

TAP_MAIN(TAP_CASE(threads_resize), TAP_CASE(threads_filters),
	 TAP_CASE(threads_rotate), TAP_CASE(threads_color_otsu),
	 TAP_CASE(threads_components), TAP_CASE(threads_morphology),
	 TAP_CASE(morphology_reference), TAP_CASE(components_stats_reference))
