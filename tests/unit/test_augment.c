/* test_augment.c - the augmentation language and transforms: ECVL's files
 * parse, every bad-input rule gives its exact message, random transforms
 * have the right statistics, results depend on (seed, epoch, index) alone,
 * and masks move exactly with their images. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augment.h"
#include "tap.h"

static dh_aug *parse(const char *text)
{
	dh_err e;
	dh_err_clear(&e);
	dh_aug *a = dh_aug_parse_string(text, "t.aug", &e);
	if (!a)
		printf("#   parse failed: %s\n", e.msg);
	return a;
}

static char *desc(const char *text, const char *split)
{
	dh_aug *a = parse(text);
	char *d = a ? dh_aug_describe(a, split) : NULL;
	dh_aug_free(a);
	return d;
}

TEST(ecvl_files_parse)
{
	/* the example of ECVL's documentation, with CRLF line ends and
	 * trailing spaces, which ECVL's own reader trips on */
	const char *f1 =
		"SequentialAugmentationContainer\r\n"
		"    AugResizeDim dims=(256,256) interp=\"cubic\"   \r\n"
		"    OneOfAugmentationContainer p=0.6  \r\n"
		"        AugElasticTransform alpha=[30,60] sigma=[3,5] border_type=\"reflect_101\"\r\n"
		"        AugGridDistortion num_steps=[4,8] distort_limit=[-0.25,0.25]\r\n"
		"    end\r\n"
		"    AugMirror p=0.5\r\n"
		"    AugRotate angle=[-10,10] gt_interp=\"nearest\"\r\n"
		"    AugGammaContrast gamma=[0.7,1.3]\r\n"
		"    AugToFloat32 divisor=255 divisor_gt=255\r\n"
		"    AugNormalize mean=(0.485,0.456,0.406) std=(0.229,0.224,0.225)\r\n"
		"end\r\n";
	char *d = desc(f1, "training");
	CHECK_STR(d, "sequential {\n"
		     "  resize size=(256, 256) interp=cubic\n"
		     "  oneof p=0.6 {\n"
		     "    elastic alpha=[30, 60] sigma=[3, 5] border=reflect_101\n"
		     "    grid_distortion num_steps=[4, 8] distort_limit=[-0.25, 0.25]\n"
		     "  }\n"
		     "  mirror p=0.5\n"
		     "  rotate angle=[-10, 10] mask_interp=nearest\n"
		     "  gamma gamma=[0.7, 1.3]\n"
		     "  to_float32 divisor=255 mask_divisor=255\n"
		     "  normalize mean=(0.485, 0.456, 0.406) std=(0.229, 0.224, 0.225)\n"
		     "}\n");
	free(d);
	/* ECVL's p of salt and dropout is the amount, not a probability */
	d = desc("AugCoarseDropout p=[0,0.55] drop_size=[0.02,0.1] per_channel=0\n"
		 "AugSalt p=[0,0.1] per_channel=0.5\nAugSaltAndPepper p=0.05 per_channel=0\n"
		 "AugPepper p=[0.01,0.02] per_channel=1\n", "training");
	CHECK_STR(d, "coarse_dropout amount=[0, 0.55] size=[0.02, 0.1] per_channel=0\n"
		     "salt amount=[0, 0.1] per_channel=0.5\n"
		     "salt_and_pepper amount=0.05 per_channel=0\n"
		     "pepper amount=[0.01, 0.02] per_channel=1\n");
	free(d);
	d = desc("AugRandomCrop size=(100,100) border_type=\"reflect101\"\n"
		 "AugCenterCrop\nAugCenterCrop size=(80,60)\nAugDivBy255\nAugScaleTo new_min=0 new_max=1\n"
		 "AugScaleFromTo old_min=0 old_max=255 new_min=-1 new_max=1\n"
		 "AugResizeScale scale=(0.5,0.5) interp=\"nearest\"\n"
		 "AugTranspose p=0.3\nAugFlip p=0.4\nAugBrightness beta=[-20,20]\n"
		 "AugAdditiveLaplaceNoise std_dev=[0,5.1]\nAugAdditivePoissonNoise lambda=[0,10]\n"
		 "AugGaussianBlur sigma=[0.5,1.5]\nAugNormalize mean=120 std=30\n"
		 "AugOpticalDistortion distort_limit=[-0.2,0.2] shift_limit=[-0.05,0.05] border_type=\"constant\" border_value=0\n",
		 "training");
	CHECK_HAS(d, "random_crop size=(100, 100) border=reflect_101\ncenter_crop\ncenter_crop size=(80, 60)\n");
	CHECK_HAS(d, "transpose p=0.3\nflip p=0.4\nbrightness beta=[-20, 20]\n");
	CHECK_HAS(d, "optical_distortion distort_limit=[-0.2, 0.2] shift_limit=[-0.05, 0.05] border=constant value=0\n");
	free(d);
}

TEST(dh_syntax)
{
	char *d = desc("# a comment\nmirror; flip p=0.2 # another\n"
		       "oneof p=0.5 { rotate angle={-90, 90, 180}; zoom factor=[0.9,1.1] }\n"
		       "sequential {\n  gaussian_noise std=[0, 5]\n  rotate angle=3 interp={nearest, cubic}\n}\n",
		       "training");
	CHECK_STR(d, "mirror p=0.5\nflip p=0.2\n"
		     "oneof p=0.5 {\n  rotate angle={-90, 90, 180}\n  zoom factor=[0.9, 1.1]\n}\n"
		     "sequential {\n  gaussian_noise std=[0, 5]\n  rotate angle=3 interp={nearest, cubic}\n}\n");
	free(d);
	dh_aug *a = parse("training:\n  mirror\n  random_crop size=(8,8)\nvalidation:\n  center_crop size=8\ntest:\n");
	CHECK(a != NULL);
	CHECK(dh_aug_has_split(a, "training"));
	CHECK(dh_aug_has_split(a, "validation"));
	CHECK(dh_aug_has_split(a, "test"));
	CHECK(!dh_aug_has_split(a, "train"));
	CHECK_INT(dh_aug_split_count(a), 3);
	CHECK_STR(dh_aug_split_name(a, 1), "validation");
	char *v = dh_aug_describe(a, "validation");
	CHECK_STR(v, "center_crop size=8\n");
	free(v);
	dh_aug_free(a);
	/* a file without sections is the training pipeline */
	a = parse("mirror");
	CHECK(dh_aug_has_split(a, "training") && !dh_aug_has_split(a, "validation"));
	dh_aug_free(a);
}

TEST(error_messages)
{
	static const struct { const char *in, *msg; } cases[] = {
		{"mirrror", "t.aug:1:1: unknown transform 'mirrror'; did you mean 'mirror'?"},
		{"AugMirorr p=0.5", "t.aug:1:1: unknown transform 'AugMirorr'; did you mean 'AugMirror'?"},
		{"rotate angel=3", "t.aug:1:8: unknown parameter 'angel' for rotate; did you mean 'angle'?"},
		{"mirror\nrotate angle=[10, -10]", "t.aug:2:14: range [10, -10] of angle: the lower bound is above the upper bound"},
		{"mirror p=1.5", "t.aug:1:10: p must be between 0 and 1, not 1.5"},
		{"AugRotate angle=abc", "t.aug:1:17: expected a number, a range [a, b] or a choice {a, b, ...} after 'angle=', found 'abc'"},
		{"AugRotate angle=[1,x]", "t.aug:1:20: expected a number in angle's range, found 'x'"},
		{"gaussian_blur sigma=1.5x", "t.aug:1:21: expected a number, found '1.5x'"},
		{"rotate angle 3", "t.aug:1:14: expected '=' after 'angle', found '3'"},
		{"rotate", "t.aug:1:1: rotate needs angle=... degrees, counter-clockwise"},
		{"AugRotate interp=\"linear", "t.aug:1:18: unterminated string: expected '\"' before the end of the line"},
		{"rotate angle=1 border=reflect_10", "t.aug:1:23: unknown border 'reflect_10'; did you mean 'reflect_101'? (one of constant, replicate, reflect, reflect_101, wrap, transparent)"},
		{"SequentialAugmentationContainer\n  AugMirror p=0.5\n", "t.aug:3:1: expected 'end' to close the container opened at 1:1, found end of file"},
		{"oneof { mirror; flip", "t.aug:1:21: expected '}' to close the container opened at 1:7, found end of file"},
		{"mirror\nend", "t.aug:2:1: 'end' without an open container"},
		{"mirror p=0.5 flip", "t.aug:1:14: expected a parameter (name=value), ';' or a new line after mirror, found 'flip'"},
		{"gamma gamma=0", "t.aug:1:13: gamma must be between 0.001 and 1000, not 0"},
		{"grid_distortion num_steps=2.5", "t.aug:1:27: num_steps must be a whole number, not 2.5"},
		{"training:\nmirror\ntraining:\nflip", "t.aug:3:1: section 'training' appears twice"},
		{"mirror p=0.5 p=0.2", "t.aug:1:14: parameter 'p' given twice"},
		{"rotate angle=1 @", "t.aug:1:16: unexpected character '@'"},
		{"resize interp=cubic", "t.aug:1:1: resize needs size=(w, h) or scale=(sx, sy)"},
		{"salt amount=2", "t.aug:1:13: amount must be between 0 and 1, not 2"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dh_err e;
		dh_err_clear(&e);
		dh_aug *a = dh_aug_parse_string(cases[i].in, "t.aug", &e);
		CHECK(a == NULL);
		dh_aug_free(a);
		CHECK_STR(e.msg, cases[i].msg);
	}
	/* ECVL's reader swallows the next line after trailing spaces; here
	 * both transforms are read */
	char *d = desc("AugMirror p=0.5   \nAugFlip p=0.5 \t\n", "training");
	CHECK_STR(d, "mirror p=0.5\nflip p=0.5\n");
	free(d);
}

/* A w x h image whose pixel (x, y) holds (x + y * w) mod 251 + 1 in every
 * channel (never 0, the border value). */
static dh_image *ramp(int w, int h, int c)
{
	dh_image *img = dh_image_new(DH_U8, w, h, 1, c, c == 3 ? DH_COLOR_RGB : DH_COLOR_GRAY, NULL);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int k = 0; k < c; k++)
				img->data[((size_t)y * w + x) * c + k] = (uint8_t)((x + y * w) % 251 + 1);
	return img;
}

static dh_image *run1(const dh_aug *a, uint64_t seed, int64_t epoch, int64_t idx,
		      const dh_image *src, dh_image **mask)
{
	dh_rng r;
	dh_err e;
	dh_err_clear(&e);
	dh_image *img = dh_image_clone(src, NULL);
	dh_aug_sample_rng(&r, seed, epoch, idx);
	if (dh_aug_apply(a, "training", &r, &img, mask, &e)) {
		printf("#   apply failed: %s\n", e.msg);
		dh_image_free(img);
		return NULL;
	}
	return img;
}

TEST(probability_statistics)
{
	dh_aug *a = parse("mirror p=0.5");
	dh_aug *b = parse("oneof { mirror p=1; flip p=1; transpose p=1 }");
	dh_image *src = ramp(2, 2, 1);
	int flips = 0, counts[3] = {0};
	for (int i = 0; i < 2000; i++) {
		dh_image *o = run1(a, 7, 0, i, src, NULL);
		flips += o && o->data[0] == src->data[1];
		dh_image_free(o);
		o = run1(b, 7, 0, i, src, NULL);
		/* (0,0) holds: mirror 2, flip 3, transpose 1 */
		if (o)
			counts[o->data[0] == 2 ? 0 : o->data[0] == 3 ? 1 : 2]++;
		dh_image_free(o);
	}
	/* binomial(2000, 0.5): sd 22; 5 sd */
	printf("# mirror p=0.5: %d of 2000; oneof: %d %d %d\n", flips, counts[0], counts[1], counts[2]);
	CHECK(abs(flips - 1000) <= 112);
	for (int k = 0; k < 3; k++)
		CHECK(abs(counts[k] - 667) <= 105);
	dh_image_free(src);
	dh_aug_free(a);
	dh_aug_free(b);
}

TEST(crop_and_choice_statistics)
{
	/* a 1x1 random crop of a 5x1 ramp: each position 1/5 of the time */
	dh_aug *a = parse("random_crop size=(1,1)");
	dh_aug *b = parse("rotate angle={0, 90, 180, 270} interp=nearest");
	dh_image *src = ramp(5, 1, 1), *sq = ramp(3, 3, 1);
	int pos[5] = {0}, turns[4] = {0};
	for (int i = 0; i < 2000; i++) {
		dh_image *o = run1(a, 11, 0, i, src, NULL);
		if (o && o->data[0] >= 1 && o->data[0] <= 5)
			pos[o->data[0] - 1]++;
		dh_image_free(o);
		o = run1(b, 11, 0, i, sq, NULL);
		/* the top-left corner tells the turn: 1 (0), 3 (90), 9 (180), 7 (270) */
		if (o)
			turns[o->data[0] == 1 ? 0 : o->data[0] == 3 ? 1 : o->data[0] == 9 ? 2 : 3]++;
		dh_image_free(o);
	}
	printf("# crop positions %d %d %d %d %d; turns %d %d %d %d\n", pos[0], pos[1],
	       pos[2], pos[3], pos[4], turns[0], turns[1], turns[2], turns[3]);
	/* binomial(2000, 1/5): sd 17.9; (2000, 1/4): sd 19.4; 5 sd */
	for (int k = 0; k < 5; k++)
		CHECK(abs(pos[k] - 400) <= 90);
	for (int k = 0; k < 4; k++)
		CHECK(abs(turns[k] - 500) <= 97);
	dh_image_free(src);
	dh_image_free(sq);
	dh_aug_free(a);
	dh_aug_free(b);
}

TEST(noise_statistics)
{
	dh_aug *a = parse("gaussian_noise std=0.1");
	dh_image *flat = dh_image_new(DH_F32, 256, 256, 1, 1, DH_COLOR_GRAY, NULL);
	float *p = (float *)(void *)flat->data;
	for (int i = 0; i < 65536; i++)
		p[i] = 0.5f;
	dh_image *o = run1(a, 1, 0, 0, flat, NULL);
	double s = 0, s2 = 0, s4 = 0;
	const float *q = (const float *)(const void *)o->data;
	for (int i = 0; i < 65536; i++) {
		double d = q[i] - 0.5;
		s += d, s2 += d * d, s4 += d * d * d * d;
	}
	double mean = s / 65536, var = s2 / 65536, kurt = s4 / 65536 / (var * var);
	printf("# gaussian noise: mean %.5f, std %.5f, kurtosis %.3f\n", mean, sqrt(var), kurt);
	CHECK_NEAR(mean, 0, 0.002);
	CHECK_NEAR(sqrt(var), 0.1, 0.002);
	CHECK_NEAR(kurt, 3, 0.1);
	dh_image_free(o);
	dh_image_free(flat);
	dh_aug_free(a);
}

static int same(const dh_image *a, const dh_image *b)
{
	return a && b && a->width == b->width && a->height == b->height &&
	       a->channels == b->channels && a->dtype == b->dtype && a->nbytes == b->nbytes &&
	       !memcmp(a->data, b->data, a->nbytes);
}

TEST(reproducible)
{
	dh_aug *a = parse("rotate angle=[-30,30]; random_crop size=(20,20); gaussian_noise std=[1,9]; "
			  "oneof { elastic; grid_distortion; optical_distortion }; color_jitter hue=[-20,20] saturation=[-0.5,0.5]");
	dh_image *src = ramp(32, 24, 3);
	dh_image *fwd[10], *back[10];
	for (int i = 0; i < 10; i++)
		fwd[i] = run1(a, 5, 2, i, src, NULL);
	for (int i = 9; i >= 0; i--)
		back[i] = run1(a, 5, 2, i, src, NULL);
	int all_same = 1, distinct = 1;
	for (int i = 0; i < 10; i++) {
		all_same &= same(fwd[i], back[i]);
		if (i)
			distinct &= !same(fwd[i], fwd[i - 1]);
	}
	CHECK(all_same);
	CHECK(distinct);
	dh_image *other_seed = run1(a, 6, 2, 0, src, NULL), *other_epoch = run1(a, 5, 3, 0, src, NULL);
	CHECK(!same(other_seed, fwd[0]));
	CHECK(!same(other_epoch, fwd[0]));
	for (int i = 0; i < 10; i++) {
		dh_image_free(fwd[i]);
		dh_image_free(back[i]);
	}
	dh_image_free(other_seed);
	dh_image_free(other_epoch);
	dh_image_free(src);
	dh_aug_free(a);
}

TEST(mask_follows_geometry)
{
	/* with nearest interpolation for the image too, the mask (a copy of
	 * the image) must come out equal to the image */
	dh_aug *a = parse("rotate angle=[-40,40] interp=nearest; zoom factor=[0.8,1.2] interp=nearest; "
			  "shear x=[-10,10] interp=nearest border=reflect; translate x=[-0.1,0.1] y=0.1 interp=nearest;"
			  "elastic alpha=[10,30] sigma=4 interp=nearest; grid_distortion interp=nearest; "
			  "optical_distortion interp=nearest border=constant; mirror; flip; transpose; "
			  "random_crop size=(30,28); resize size=(33,27) interp=nearest; "
			  "random_resized_crop size=(16,16) interp=nearest; center_crop size=(14,12); "
			  "random_crop size=(20,20) border=wrap; gaussian_noise std=0 ");
	dh_image *src = ramp(40, 36, 1);
	int ok = 1;
	for (int i = 0; i < 50; i++) {
		dh_image *m = dh_image_clone(src, NULL);
		dh_image *o = run1(a, 3, 0, i, src, &m);
		ok &= same(o, m);
		CHECK_INT(o ? o->width : 0, 20);
		dh_image_free(o);
		dh_image_free(m);
	}
	CHECK(ok);
	/* a linear image with a nearest mask: the mask only holds labels */
	dh_aug *b = parse("rotate angle=[-40,40]; elastic; resize size=(50,50)");
	dh_image *img = ramp(40, 36, 3);
	dh_image *mask = dh_image_new(DH_U8, 40, 36, 1, 1, DH_COLOR_GRAY, NULL);
	for (int y = 10; y < 20; y++)
		memset(mask->data + y * 40 + 5, 3, 20);
	dh_image *o = run1(b, 1, 0, 0, img, &mask);
	int labels_only = 1, threes = 0;
	for (size_t i = 0; i < mask->nbytes; i++) {
		labels_only &= mask->data[i] == 0 || mask->data[i] == 3;
		threes += mask->data[i] == 3;
	}
	CHECK(labels_only);
	CHECK(threes > 100);
	CHECK_INT(mask->width, 50);
	dh_image_free(o);
	dh_image_free(img);
	dh_image_free(mask);
	dh_image_free(src);
	dh_aug_free(a);
	dh_aug_free(b);
}

TEST(exact_transforms)
{
	dh_image *src = ramp(5, 4, 3);
	dh_aug *a = parse("mirror p=1");
	dh_image *o = run1(a, 0, 0, 0, src, NULL);
	CHECK_INT(o->data[0], src->data[3 * 4]);
	dh_image_free(o);
	dh_aug_free(a);
	a = parse("normalize mean=(1,2,3) std=(2,4,8)");
	o = run1(a, 0, 0, 0, src, NULL);
	CHECK_INT(o->dtype, DH_F32);
	const float *f = (const float *)(const void *)o->data;
	CHECK_NEAR(f[0], (src->data[0] - 1) / 2.0, 1e-6);
	CHECK_NEAR(f[2], (src->data[2] - 3) / 8.0, 1e-6);
	dh_image_free(o);
	dh_aug_free(a);
	a = parse("normalize mean=(1,2) std=1");
	dh_err e;
	dh_err_clear(&e);
	dh_image *img = dh_image_clone(src, NULL);
	dh_rng r;
	dh_aug_sample_rng(&r, 0, 0, 0);
	CHECK(dh_aug_apply(a, "training", &r, &img, NULL, &e) == DH_ESHAPE);
	CHECK_STR(e.msg, "normalize (line 1): normalize: mean has 2 values and std 1, but the image has 3 channels");
	CHECK(same(img, src)); /* untouched on failure */
	dh_image_free(img);
	dh_aug_free(a);
	/* a split without a pipeline leaves the sample alone */
	a = parse("validation:\nmirror p=1");
	o = run1(a, 0, 0, 0, src, NULL);
	CHECK(same(o, src));
	dh_image_free(o);
	dh_aug_free(a);
	dh_image_free(src);
}

TAP_MAIN(TAP_CASE(ecvl_files_parse), TAP_CASE(dh_syntax),
	 TAP_CASE(error_messages), TAP_CASE(probability_statistics),
	 TAP_CASE(crop_and_choice_statistics), TAP_CASE(noise_statistics),
	 TAP_CASE(reproducible),
	 TAP_CASE(mask_follows_geometry), TAP_CASE(exact_transforms))
