/* test_image.c - the Image type, codecs in memory and processing ops on
 * small hand-checked cases (OpenCV comparisons are in
 * tests/cli/image-opencv.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/codec/codec.h"
#include "image/image.h"
#include "image/io.h"
#include "image/proc/proc.h"
#include "tap.h"

static dh_image *ramp(dh_dtype t, int w, int h, int c)
{
	dh_image *img = dh_image_new(t, w, h, 1, c,
				     c == 1 ? DH_COLOR_GRAY
				     : c == 3 ? DH_COLOR_RGB
				     : c == 4 ? DH_COLOR_RGBA
					      : DH_COLOR_NONE,
				     NULL);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int k = 0; k < c; k++)
				dh_image_set(img, x, y, 0, k,
					     (x * 7 + y * 13 + k * 50) % 251);
	return img;
}

static int same_pixels(const dh_image *a, const dh_image *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->depth == b->depth && a->channels == b->channels &&
	       a->dtype == b->dtype && a->nbytes == b->nbytes &&
	       !memcmp(a->data, b->data, a->nbytes);
}

TEST(image_new_checks)
{
	dh_err e;
	dh_image *img = dh_image_new(DH_U16, 5, 4, 3, 2, DH_COLOR_NONE, &e);
	CHECK(img != NULL);
	CHECK_INT(img->row_bytes, 5 * 2 * 2);
	CHECK_INT(img->nbytes, 5 * 4 * 3 * 2 * 2);
	CHECK_INT((uintptr_t)img->data % 64, 0);
	CHECK_NEAR(img->spacing[2], 1.0, 0);
	CHECK_NEAR(img->direction[4], 1.0, 0);
	dh_image_free(img);
	CHECK(!dh_image_new(DH_U8, 0, 4, 1, 1, DH_COLOR_GRAY, &e));
	CHECK_HAS(e.msg, "zero or negative");
	CHECK(!dh_image_new(DH_U8, 70000, 70000, 1, 1, DH_COLOR_GRAY, &e));
	CHECK_INT(e.status, DH_ERANGE);
	CHECK_HAS(e.msg, "decompression bomb");
	CHECK(!dh_image_new(DH_U8, 4, 4, 1, 2, DH_COLOR_RGB, &e));
	CHECK_HAS(e.msg, "needs 3 channels");
	CHECK(!dh_image_new(DH_I64, 4, 4, 1, 1, DH_COLOR_GRAY, &e));
	CHECK_INT(e.status, DH_EUNSUPPORTED);
	/* a raised limit: checked, not allocated */
	size_t n;
	CHECK_INT(dh_image_check_dims(70000, 70000, 1, 1, DH_U8,
				      (uint64_t)1 << 33, &n, &e),
		  DH_OK);
	CHECK_INT(n, 70000ull * 70000ull);
	CHECK(dh_image_check_dims(1 << 30, 1 << 30, 1 << 30, 64, DH_F64,
				  UINT64_MAX, &n, &e) != DH_OK);
}

TEST(image_tensor_views)
{
	dh_err e;
	dh_image *img = ramp(DH_U8, 6, 4, 3);
	dh_tensor *v = dh_image_view_tensor(img, &e);
	CHECK(v && v->ndim == 3 && v->shape[0] == 4 && v->shape[2] == 3);
	CHECK(v->data == (void *)img->data);
	dh_tensor_free(v);
	dh_tensor *chw = dh_image_to_chw(img, 1.0f / 255, 0, &e);
	CHECK(chw && chw->shape[0] == 3 && chw->shape[1] == 4 &&
	      chw->shape[2] == 6);
	/* sample (x=2, y=1, c=1) lands at [1][1][2] */
	CHECK_NEAR(dh_tensor_f32(chw)[1 * 24 + 1 * 6 + 2],
		   dh_image_get(img, 2, 1, 0, 1) / 255.0, 1e-6);
	dh_image *back = dh_image_from_chw(chw, DH_U8, 1.0f / 255, 0,
					   DH_COLOR_RGB, &e);
	CHECK(back && same_pixels(img, back));
	dh_tensor_free(chw);
	dh_image_free(back);
	dh_image *f = dh_image_convert(img, DH_F32, 2.0, -300, &e);
	dh_image *u = dh_image_convert(f, DH_U8, 1, 0, &e);
	/* 2v - 300 saturates at 0 below 150 */
	CHECK_INT(dh_image_get(u, 0, 0, 0, 0), 0);
	CHECK_NEAR(dh_image_get(f, 1, 0, 0, 0), 2 * 7 - 300, 0);
	dh_image_free(f);
	dh_image_free(u);
	dh_image_free(img);
}

/* Write with a codec into a temporary file, read it back from memory. */
static dh_image *round_trip(const char *fmt, const char *suffix,
			    const dh_image *img, dh_err *e)
{
	const dh_image_codec *c = dh_image_codec_for_path(suffix);
	if (!c || strcmp(c->name, fmt))
		return NULL;
	FILE *f = tmpfile();
	dh_image_write_opts o = {0};
	if (c->write(f, suffix, img, &o, e)) {
		fclose(f);
		return NULL;
	}
	long n = ftell(f);
	unsigned char *buf = malloc((size_t)n);
	rewind(f);
	size_t got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	dh_image *out = NULL;
	dh_image_info info;
	if (got == (size_t)n && !dh_image_decode_info(buf, got, &info, e) &&
	    info.width == img->width && info.height == img->height)
		dh_image_decode(buf, got, NULL, &out, e);
	free(buf);
	return out;
}

TEST(codecs_round_trip)
{
	static const struct {
		const char *fmt, *suffix;
		dh_dtype t;
		int c;
	} cases[] = {
		{"png", ".png", DH_U8, 1},  {"png", ".png", DH_U8, 2},
		{"png", ".png", DH_U8, 3},  {"png", ".png", DH_U8, 4},
		{"png", ".png", DH_U16, 1}, {"png", ".png", DH_U16, 3},
		{"bmp", ".bmp", DH_U8, 1},  {"bmp", ".bmp", DH_U8, 3},
		{"bmp", ".bmp", DH_U8, 4},  {"pnm", ".pgm", DH_U8, 1},
		{"pnm", ".ppm", DH_U8, 3},  {"pnm", ".pgm", DH_U16, 1},
		{"pnm", ".ppm", DH_U16, 3}, {"tiff", ".tif", DH_U8, 3},
		{"tiff", ".tif", DH_U16, 2}, {"tiff", ".tif", DH_I16, 1},
		{"tiff", ".tif", DH_I32, 5}, {"tiff", ".tif", DH_F32, 4},
		{"tiff", ".tif", DH_F64, 1}, {"npy", ".npy", DH_I32, 3},
		{"npy", ".npy", DH_F64, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dh_err e;
		dh_err_clear(&e);
		dh_image *img = ramp(cases[i].t, 13, 7, cases[i].c);
		dh_image *back = round_trip(cases[i].fmt, cases[i].suffix, img,
					    &e);
		if (!back || !same_pixels(img, back))
			printf("#   %s %s x%d: %s\n", cases[i].suffix,
			       dh_dtype_name(cases[i].t), cases[i].c,
			       back ? "pixels differ" : e.msg);
		CHECK(back && same_pixels(img, back));
		dh_image_free(back);
		dh_image_free(img);
	}
	/* a volume through TIFF pages */
	dh_err e;
	dh_image *vol = dh_image_new(DH_U16, 5, 4, 3, 1, DH_COLOR_GRAY, &e);
	for (size_t i = 0; i < vol->nbytes / 2; i++)
		((uint16_t *)vol->data)[i] = (uint16_t)(i * 977);
	dh_image *back = round_trip("tiff", ".tif", vol, &e);
	CHECK(back && back->depth == 3 && same_pixels(vol, back));
	dh_image_free(back);
	/* formats that cannot hold it say so */
	CHECK(!round_trip("png", ".png", vol, &e));
	CHECK_HAS(e.msg, "not a volume");
	dh_image_free(vol);
	dh_image *bgr = ramp(DH_U8, 3, 2, 3);
	bgr->color = DH_COLOR_BGR;
	back = round_trip("png", ".png", bgr, &e);
	CHECK(back && back->data[0] == bgr->data[2] &&
	      back->data[2] == bgr->data[0] && back->color == DH_COLOR_RGB);
	dh_image_free(back);
	dh_image_free(bgr);
}

TEST(decode_rejects)
{
	dh_err e;
	dh_image *img;
	static const unsigned char junk[] = "this is no image at all";
	CHECK_INT(dh_image_decode(junk, sizeof junk, NULL, &img, &e),
		  DH_EFORMAT);
	CHECK(img == NULL);
	static const unsigned char pgm[] = "P5\n4 4\n255\n\1\2\3";
	CHECK_INT(dh_image_decode(pgm, sizeof pgm - 1, NULL, &img, &e),
		  DH_EFORMAT);
	CHECK_HAS(e.msg, "truncated PNM");
	static const unsigned char ascii[] = "P2 # c\n2 2 # d\n300\n1 2 3 299";
	CHECK_INT(dh_image_decode(ascii, sizeof ascii - 1, NULL, &img, &e),
		  DH_OK);
	CHECK(img && img->dtype == DH_U16 &&
	      ((uint16_t *)img->data)[3] == 299);
	dh_image_free(img);
	static const unsigned char pbm[] = "P1\n3 1\n101";
	CHECK_INT(dh_image_decode(pbm, sizeof pbm - 1, NULL, &img, &e), DH_OK);
	CHECK(img && img->data[0] == 0 && img->data[1] == 255 &&
	      img->data[2] == 0);
	dh_image_free(img);
	dh_image_read_opts o = {.max_pixels = 3};
	static const unsigned char p5[] = "P5\n2 2\n255\n\1\2\3\4";
	CHECK_INT(dh_image_decode(p5, sizeof p5 - 1, &o, &img, &e), DH_ERANGE);
}

TEST(borders)
{
	/* 5 pixels abcde */
	CHECK_INT(dh_border_index(-1, 5, DH_BORDER_REFLECT101), 1);
	CHECK_INT(dh_border_index(-1, 5, DH_BORDER_REFLECT), 0);
	CHECK_INT(dh_border_index(6, 5, DH_BORDER_REFLECT), 3);
	CHECK_INT(dh_border_index(6, 5, DH_BORDER_REFLECT101), 2);
	CHECK_INT(dh_border_index(-2, 5, DH_BORDER_WRAP), 3);
	CHECK_INT(dh_border_index(99, 5, DH_BORDER_REPLICATE), 4);
	CHECK_INT(dh_border_index(-1, 5, DH_BORDER_CONSTANT), -1);
	CHECK_INT(dh_border_index(-7, 1, DH_BORDER_REFLECT101), 0);
}

TEST(geometry_exact)
{
	dh_err e;
	dh_image *img = ramp(DH_U8, 5, 3, 2);
	dh_image *f = dh_flip(img, 1, 0, &e);
	CHECK_INT(dh_image_get(f, 0, 1, 0, 1), dh_image_get(img, 4, 1, 0, 1));
	dh_image *ff = dh_flip(f, 1, 0, &e);
	CHECK(same_pixels(ff, img));
	dh_image *t = dh_transpose(img, &e);
	CHECK(t->width == 3 && t->height == 5);
	CHECK_INT(dh_image_get(t, 2, 4, 0, 0), dh_image_get(img, 4, 2, 0, 0));
	dh_image *c = dh_crop(img, 1, 1, 3, 2, &e);
	CHECK_INT(dh_image_get(c, 0, 0, 0, 0), dh_image_get(img, 1, 1, 0, 0));
	CHECK(!dh_crop(img, 3, 0, 3, 1, &e));
	dh_image *p = dh_pad(img, 1, 0, 2, 0, DH_BORDER_CONSTANT, 9, &e);
	CHECK(p->width == 7 && p->height == 4);
	CHECK_INT(dh_image_get(p, 0, 0, 0, 1), 9);
	CHECK_INT(dh_image_get(p, 2, 1, 0, 0), dh_image_get(img, 0, 0, 0, 0));
	dh_image *same = dh_resize(img, 5, 3, DH_INTERP_CUBIC, &e);
	CHECK(same && same_pixels(same, img));
	/* a 90-degree turn on a square moves pixels exactly */
	dh_image *sq = ramp(DH_U8, 4, 4, 1);
	dh_image *r = dh_rotate(sq, 90, 1, DH_INTERP_LINEAR,
				DH_BORDER_CONSTANT, 0, &e);
	/* counter-clockwise: the top-right corner goes to the top-left */
	CHECK_INT(dh_image_get(r, 0, 0, 0, 0), dh_image_get(sq, 3, 0, 0, 0));
	dh_image *vol = dh_image_new(DH_U8, 3, 2, 4, 1, DH_COLOR_GRAY, &e);
	vol->data[2 * 6 + 1 * 3 + 2] = 77; /* z 2, y 1, x 2 */
	dh_image *sx = dh_slice(vol, 'x', 2, &e);
	CHECK(sx->width == 2 && sx->height == 4);
	CHECK_INT(dh_image_get(sx, 1, 2, 0, 0), 77);
	dh_image *list[] = {f, ff, t, c, p, same, sq, r, vol, sx, img};
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		dh_image_free(list[i]);
}

TEST(color_round_trips)
{
	dh_err e;
	dh_image *img = ramp(DH_U8, 16, 16, 3);
	dh_image *g = dh_convert_color(img, DH_COLOR_GRAY, &e);
	/* (7, 57, 107) -> 0.299*7 + 0.587*57 + 0.114*107 = 47.73 */
	CHECK_INT(dh_image_get(g, 1, 0, 0, 0), 48);
	dh_image *bgr = dh_convert_color(img, DH_COLOR_BGR, &e);
	CHECK_INT(dh_image_get(bgr, 1, 0, 0, 0), dh_image_get(img, 1, 0, 0, 2));
	dh_image *f = dh_image_convert(img, DH_F32, 1.0 / 255, 0, &e);
	dh_image *hsv = dh_convert_color(f, DH_COLOR_HSV, &e);
	dh_image *back = dh_convert_color(hsv, DH_COLOR_RGB, &e);
	double worst = 0;
	for (size_t i = 0; i < 16 * 16 * 3; i++) {
		double d = ((float *)back->data)[i] - ((float *)f->data)[i];
		worst = d > worst ? d : -d > worst ? -d : worst;
	}
	CHECK_NEAR(worst, 0, 1e-5);
	dh_image *ycc = dh_convert_color(img, DH_COLOR_YCBCR, &e);
	dh_image *rgb = dh_convert_color(ycc, DH_COLOR_RGB, &e);
	int w8 = 0;
	for (size_t i = 0; i < img->nbytes; i++) {
		int d = abs((int)rgb->data[i] - (int)img->data[i]);
		w8 = d > w8 ? d : w8;
	}
	CHECK(w8 <= 2);
	CHECK(!dh_convert_color(g, DH_COLOR_NONE, &e));
	dh_image *list[] = {img, g, bgr, f, hsv, back, ycc, rgb};
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		dh_image_free(list[i]);
}

TEST(otsu_and_components)
{
	dh_err e;
	/* two levels, 40 and 200: any threshold in [40, 200) separates them,
	 * and Otsu's first maximum is 40 */
	dh_image *img = dh_image_new(DH_U8, 8, 6, 1, 1, DH_COLOR_GRAY, &e);
	memset(img->data, 40, img->nbytes);
	/* component A: a 2x2 square; B: a diagonal pair (one component with
	 * 8-connectivity, two with 4); C: one pixel */
	int on[][2] = {{1, 1}, {2, 1}, {1, 2}, {2, 2}, {5, 1}, {6, 2}, {0, 5}};
	for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
		img->data[on[i][1] * 8 + on[i][0]] = 200;
	int t;
	dh_image *bin;
	CHECK_INT(dh_otsu(img, &t, &bin, &e), DH_OK);
	CHECK_INT(t, 40);
	CHECK_INT(bin->data[1 * 8 + 1], 255);
	CHECK_INT(bin->data[0], 0);
	int n;
	dh_component *st;
	dh_image *lab = dh_components(bin, 8, &n, &st, &e);
	CHECK_INT(n, 3);
	const int32_t *L = (const int32_t *)lab->data;
	CHECK_INT(L[1 * 8 + 1], 1);
	CHECK_INT(L[1 * 8 + 5], 2);
	CHECK_INT(L[2 * 8 + 6], 2);
	CHECK_INT(L[5 * 8 + 0], 3);
	CHECK_INT(st[1].area, 4);
	CHECK(st[1].left == 1 && st[1].top == 1 && st[1].width == 2 &&
	      st[1].height == 2);
	CHECK_NEAR(st[1].cx, 1.5, 1e-12);
	CHECK(st[2].width == 2 && st[2].height == 2 && st[2].area == 2);
	CHECK_INT(st[0].area, 48 - 7);
	free(st);
	dh_image_free(lab);
	lab = dh_components(bin, 4, &n, NULL, &e);
	CHECK_INT(n, 4);
	dh_image_free(lab);
	CHECK(!dh_components(bin, 6, &n, NULL, &e));
	dh_image_free(bin);
	dh_image_free(img);
}

TEST(morphology)
{
	dh_err e;
	unsigned char *se = dh_structuring_element(DH_SE_CROSS, 3, 3, &e);
	static const unsigned char cross[9] = {0, 1, 0, 1, 1, 1, 0, 1, 0};
	CHECK(se && !memcmp(se, cross, 9));
	free(se);
	se = dh_structuring_element(DH_SE_ELLIPSE, 5, 5, &e);
	static const unsigned char ell[25] = {0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1,
					      1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0};
	CHECK(se && !memcmp(se, ell, 25));
	free(se);
	dh_image *img = dh_image_new(DH_U8, 7, 7, 1, 1, DH_COLOR_GRAY, &e);
	img->data[3 * 7 + 3] = 255;
	dh_image *d = dh_morph(img, DH_MORPH_DILATE, DH_SE_CROSS, 3, 3, 1, &e);
	CHECK_INT(d->data[2 * 7 + 3], 255);
	CHECK_INT(d->data[2 * 7 + 2], 0);
	dh_image *o = dh_morph(img, DH_MORPH_OPEN, DH_SE_RECT, 3, 3, 1, &e);
	CHECK_INT(o->data[3 * 7 + 3], 0); /* a lone pixel opens away */
	dh_image *c = dh_morph(d, DH_MORPH_CLOSE, DH_SE_RECT, 3, 3, 2, &e);
	CHECK_INT(c->data[3 * 7 + 3], 255);
	dh_image_free(img);
	dh_image_free(d);
	dh_image_free(o);
	dh_image_free(c);
}

TAP_MAIN(TAP_CASE(image_new_checks), TAP_CASE(image_tensor_views),
	 TAP_CASE(codecs_round_trip), TAP_CASE(decode_rejects),
	 TAP_CASE(borders), TAP_CASE(geometry_exact),
	 TAP_CASE(color_round_trips), TAP_CASE(otsu_and_components),
	 TAP_CASE(morphology))
