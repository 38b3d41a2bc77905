/* test_nn_predict.c - dh-infer's library parts: image preparation
 * (channels, resizing, normalisation), Dice and IoU from a confusion matrix,
 * and the confusion-matrix SVG. */
#include <stdio.h>

#include "image/image.h"
#include "nn/predict.h"
#include "plot/confusion.h"
#include "tap.h"

TEST(prepare_gray_scales_and_normalises)
{
	dh_image *img = dh_image_new(DH_U8, 3, 2, 1, 1, DH_COLOR_GRAY, NULL);
	for (int i = 0; i < 6; i++)
		img->data[i] = (unsigned char)(i * 50);
	dh_image_prep p = {1, 3, 2, 1, 1.0f / 255.0f, 0, 0, {0}, {0}};
	float x[6];
	CHECK_INT(dh_image_prepare(img, &p, x, NULL), DH_OK);
	for (int i = 0; i < 6; i++)
		CHECK(x[i] == (float)(i * 50) * (1.0f / 255.0f));
	p.scale = 0.5f;
	p.shift = 1;
	p.nmean = 1;
	p.mean[0] = 2;
	p.std[0] = 4;
	CHECK_INT(dh_image_prepare(img, &p, x, NULL), DH_OK);
	for (int i = 0; i < 6; i++)
		CHECK_NEAR(x[i], ((float)(i * 50) * 0.5f + 1 - 2) / 4, 1e-6);
	dh_image_free(img);
}

TEST(prepare_converts_channels_and_resizes)
{
	/* RGB to gray (BT.601), then 4x4 -> 2x2; gray to RGB replicates */
	dh_image *rgb = dh_image_new(DH_U8, 4, 4, 1, 3, DH_COLOR_RGB, NULL);
	for (int i = 0; i < 16; i++) {
		rgb->data[3 * i] = 200;
		rgb->data[3 * i + 1] = 100;
		rgb->data[3 * i + 2] = 50;
	}
	dh_image_prep p = {1, 2, 2, 1, 1, 0, 0, {0}, {0}};
	float x[12];
	CHECK_INT(dh_image_prepare(rgb, &p, x, NULL), DH_OK);
	/* 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2 -> 124 */
	for (int i = 0; i < 4; i++)
		CHECK_NEAR(x[i], 124, 0);
	dh_image *g = dh_image_new(DH_U8, 2, 2, 1, 1, DH_COLOR_GRAY, NULL);
	for (int i = 0; i < 4; i++)
		g->data[i] = (unsigned char)(10 + i);
	dh_image_prep q = {3, 2, 2, 1, 1, 0, 0, {0}, {0}};
	CHECK_INT(dh_image_prepare(g, &q, x, NULL), DH_OK);
	for (int c = 0; c < 3; c++)
		for (int i = 0; i < 4; i++)
			CHECK_NEAR(x[c * 4 + i], 10 + i, 0);
	dh_image_prep two = {2, 2, 2, 1, 1, 0, 0, {0}, {0}};
	dh_err e;
	CHECK_INT(dh_image_prepare(rgb, &two, x, &e), DH_ESHAPE);
	CHECK_HAS(e.msg, "the model takes 2");
	dh_image_free(rgb);
	dh_image_free(g);
}

TEST(dice_and_iou_from_the_matrix)
{
	/* truth rows, predicted columns: class 1 has TP 6, FP 2, FN 4 */
	int64_t cm[9] = {10, 1, 0, 3, 6, 1, 0, 1, 0};
	dh_eval ev = {1, 0, 0.5f, 3, cm, 2};
	double d, u;
	dh_eval_class_overlap(&ev, 1, &d, &u);
	CHECK_NEAR(d, 12.0 / 18.0, 1e-15);
	CHECK_NEAR(u, 6.0 / 12.0, 1e-15);
	/* class 2: never true; predicted once: FP 1 -> 0 */
	dh_eval_class_overlap(&ev, 2, &d, &u);
	CHECK_NEAR(d, 0, 0);
	int64_t none[4] = {5, 0, 0, 0};
	dh_eval ev2 = {1, 1, 0.5f, 2, none, 1};
	dh_eval_class_overlap(&ev2, 1, &d, &u);
	CHECK_NEAR(d, 1, 0); /* absent from both: 1 */
	CHECK_NEAR(u, 1, 0);
}

TEST(confusion_svg_escapes_and_counts)
{
	int64_t cm[4] = {3, 1, 0, 7};
	const char *names[] = {"a<b", "\"q\"&"};
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	CHECK_INT(dh_plot_confusion_write(f, cm, 2, names, "t & t", "pixels", NULL),
		  DH_OK);
	fclose(f);
	CHECK_HAS(buf, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	CHECK_HAS(buf, "a&lt;b");
	CHECK_HAS(buf, "&quot;q&quot;&amp;");
	CHECK_HAS(buf, "t &amp; t");
	CHECK_HAS(buf, "11 pixels, accuracy 0.9091");
	CHECK_HAS(buf, "<title>true a&lt;b, predicted &quot;q&quot;&amp;: 1</title>");
	CHECK_HAS(buf, "</svg>\n");
	CHECK(!strstr(buf, "a<b"));
	free(buf);
	dh_err e;
	CHECK_INT(dh_plot_confusion_write(stdout, cm, 0, NULL, NULL, NULL, &e),
		  DH_EINVAL);
}

TAP_MAIN(TAP_CASE(prepare_gray_scales_and_normalises),
	 TAP_CASE(prepare_converts_channels_and_resizes),
	 TAP_CASE(dice_and_iou_from_the_matrix),
	 TAP_CASE(confusion_svg_escapes_and_counts))
