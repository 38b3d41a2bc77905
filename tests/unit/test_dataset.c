/* test_dataset.c - the DDF reader/writer and the loader (lib/dataset). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset/ddf.h"
#include "dataset/loader.h"
#include "dataset/shards.h"
#include "image/io.h"
#include "tap.h"

static char tmpdir[256];

static void remove_tmpdir(void)
{
	char cmd[300];
	/* kept when a check failed, for a look */
	if (tmpdir[0] && !tap_failed_checks) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", tmpdir);
	} else if (tmpdir[0]) {
		printf("# kept %s\n", tmpdir);
	}
}

static void make_tmpdir(void)
{
	if (tmpdir[0])
		return;
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/dh-test-dataset.XXXXXX",
		 t && t[0] ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		abort();
	atexit(remove_tmpdir);
}

static char *tpath(const char *name)
{
	static char buf[4][512];
	static int k;
	make_tmpdir();
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void put_file(const char *name, const char *text)
{
	FILE *f = fopen(tpath(name), "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static const char *ecvl =
	"%YAML:1.2\n"
	"---\n"
	"name: chest-demo\n"
	"description: >\n"
	"  Frontal CXR, two classes.\n"
	"classes: [normal, effusion]\n"
	"features: [age, sex]\n"
	"images:\n"
	"  - location: img/0001.png\n"
	"    label: normal\n"
	"    values: [54, F]\n"
	"  - location: img/0002.png\n"
	"    label: 1\n"
	"    values: {age: 61}\n"
	"  - location: [img/0003_a.png, img/0003_b.png]\n"
	"    label: [0, effusion]\n"
	"  - img/0004.png\n"
	"  - [img/a.png, img/b.png, img/c.png]\n"
	"  - location: img/0005.png\n"
	"    label: masks/0005.png\n"
	"split:\n"
	"  training: [0, 1]\n"
	"  validation: [2]\n"
	"  test: [3]\n"
	"  test2: [4, 5]\n";

TEST(ecvl_file_parses)
{
	put_file("masks_dummy", "");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p %s/masks && : > %s/masks/0005.png",
		 tmpdir, tmpdir);
	CHECK(system(cmd) == 0);
	put_file("ecvl.yml", ecvl);
	dh_err e;
	dh_err_clear(&e);
	dh_ddf *d = dh_ddf_load(tpath("ecvl.yml"), &e);
	CHECK(d != NULL);
	if (!d) {
		printf("#   %s\n", e.msg);
		return;
	}
	CHECK_STR(d->name, "chest-demo");
	CHECK_STR(d->description, "Frontal CXR, two classes.\n");
	CHECK_INT(d->nclasses, 2);
	CHECK_INT(d->nfeatures, 2);
	CHECK_INT(d->nsamples, 6);
	CHECK_INT(d->samples[0].kind, DH_DDF_LABEL_CLASS);
	CHECK_INT(d->samples[0].label, 0);
	CHECK_NEAR(d->samples[0].values[0], 54, 0);
	CHECK(isnan(d->samples[0].values[1]));
	CHECK_STR(d->samples[0].value_text[1], "F");
	CHECK_INT(d->samples[1].label, 1);
	CHECK_NEAR(d->samples[1].values[0], 61, 0);
	CHECK(isnan(d->samples[1].values[1]));
	CHECK_INT(d->samples[2].kind, DH_DDF_LABEL_MULTI);
	CHECK_INT(d->samples[2].nlabels, 2);
	CHECK_INT(d->samples[2].npaths, 2);
	CHECK_INT(d->samples[3].kind, DH_DDF_LABEL_NONE);
	CHECK_INT(d->samples[4].npaths, 3);
	CHECK_INT(d->samples[5].kind, DH_DDF_LABEL_MASK);
	CHECK_HAS(d->samples[5].mask, "/masks/0005.png");
	CHECK_HAS(d->samples[0].paths[0], "/img/0001.png");
	CHECK_INT(d->samples[1].line, 12);
	CHECK_INT(d->samples[1].col, 5);
	CHECK_INT(d->nsplits, 4);
	const dh_ddf_split *t2 = dh_ddf_split_find(d, "test2");
	CHECK(t2 && t2->n == 2 && t2->idx[1] == 5);
	CHECK(dh_ddf_split_find(d, "nope") == NULL);
	dh_ddf_free(d);
}

TEST(round_trip_is_identical)
{
	put_file("ecvl.yml", ecvl);
	dh_err e;
	dh_ddf *d = dh_ddf_load(tpath("ecvl.yml"), &e);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(dh_ddf_write(d, tpath("rt1.yml"), &e) == DH_OK);
	dh_ddf *d2 = dh_ddf_load(tpath("rt1.yml"), &e);
	CHECK(d2 != NULL);
	if (!d2) {
		printf("#   %s\n", e.msg);
		dh_ddf_free(d);
		return;
	}
	CHECK(dh_ddf_write(d2, tpath("rt2.yml"), &e) == DH_OK);
	char *a = slurp(tpath("rt1.yml")), *b = slurp(tpath("rt2.yml"));
	CHECK(a && b && !strcmp(a, b));
	CHECK_INT(d2->nsamples, d->nsamples);
	for (int64_t i = 0; i < d->nsamples && i < d2->nsamples; i++) {
		CHECK_INT(d2->samples[i].kind, d->samples[i].kind);
		CHECK_INT(d2->samples[i].label, d->samples[i].label);
		CHECK_INT(d2->samples[i].npaths, d->samples[i].npaths);
		CHECK_STR(d2->samples[i].paths[0], d->samples[i].paths[0]);
	}
	CHECK_STR(d2->description, d->description);
	free(a);
	free(b);
	dh_ddf_free(d);
	dh_ddf_free(d2);
}

TEST(awkward_strings_survive)
{
	static const char *names[] = {"yes", "1", "a: b", "#x", " sp", "-",
				      "x\"y", "back\\slash", "1e5", "null",
				      "tab\there", "[br]", "ünï", "~", "on"};
	int n = (int)(sizeof names / sizeof *names);
	dh_ddf *d = dh_ddf_new("odd: name");
	dh_err e;
	for (int k = 0; k < n; k++)
		CHECK(dh_ddf_add_class(d, names[k], &e) == DH_OK);
	CHECK(dh_ddf_add_sample(d, "with space/0.png", 3, &e) == 0);
	CHECK(dh_ddf_add_sample(d, "2024.png", -1, &e) == 1);
	d->description = strdup("line one\nline two: \"quoted\"\n");
	int64_t idx[2] = {1, 0};
	CHECK(dh_ddf_add_split(d, "no", idx, 2, &e) == DH_OK);
	CHECK(dh_ddf_write(d, tpath("odd.yml"), &e) == DH_OK);
	dh_ddf *r = dh_ddf_load(tpath("odd.yml"), &e);
	CHECK(r != NULL);
	if (r) {
		CHECK_STR(r->name, "odd: name");
		CHECK_INT(r->nclasses, n);
		for (int k = 0; k < n && k < r->nclasses; k++)
			CHECK_STR(r->classes[k], names[k]);
		CHECK_STR(r->description, d->description);
		CHECK_STR(r->samples[0].rel_paths[0], "with space/0.png");
		CHECK_STR(r->samples[1].rel_paths[0], "2024.png");
		CHECK(r->nsplits == 1 && !strcmp(r->splits[0].name, "no"));
		dh_ddf_free(r);
	} else {
		printf("#   %s\n", e.msg);
	}
	dh_ddf_free(d);
}

static void expect_error(const char *text, const char *where,
			 const char *needle)
{
	dh_err e;
	dh_err_clear(&e);
	put_file("bad.yml", text);
	dh_ddf *d = dh_ddf_load(tpath("bad.yml"), &e);
	CHECK(d == NULL);
	dh_ddf_free(d);
	char want[600];
	snprintf(want, sizeof want, "bad.yml:%s: ", where);
	CHECK_HAS(e.msg, want);
	CHECK_HAS(e.msg, needle);
	CHECK(strchr(e.msg, '\n') == NULL);
}

TEST(bad_inputs_say_where_and_why)
{
	const char *head = "classes: [cat, dog]\nimages:\n";
	char t[512];
	snprintf(t, sizeof t, "%s  - {location: a.png, label: dgo}\n", head);
	expect_error(t, "3:30", "did you mean 'dog'?");
	snprintf(t, sizeof t, "%s  - {location: a.png, label: 2}\n", head);
	expect_error(t, "3:30", "class index 2 out of range");
	snprintf(t, sizeof t, "%s  - a.png\nsplit:\n  training: [0, 1]\n", head);
	expect_error(t, "5:17", "index 1 out of range");
	snprintf(t, sizeof t, "%s  - a.png\n  - b.png\nsplit:\n  training: [1, 0, 1]\n", head);
	expect_error(t, "6:20", "index 1 appears twice");
	snprintf(t, sizeof t, "%s  - https://example.org/a.png\n", head);
	expect_error(t, "3:5", "URLs are not supported");
	snprintf(t, sizeof t, "%s  - a.png\nsplits:\n  training: [0]\n", head);
	expect_error(t, "4:1", "did you mean 'split'?");
	snprintf(t, sizeof t, "%s  - {location: a.png, lable: cat}\n", head);
	expect_error(t, "3:23", "did you mean 'label'?");
	snprintf(t, sizeof t, "%s  - [a.png\n", head);
	expect_error(t, "4:1", "YAML syntax error");
	expect_error("name: x\n", "1:1", "no 'images' list");
	expect_error("- a\n", "1:1", "a dataset must be a map");
	snprintf(t, sizeof t, "features: [age]\n%s  - {location: a.png, values: {aeg: 3}}\n", head);
	expect_error(t, "4:32", "did you mean 'age'?");
	snprintf(t, sizeof t, "%s  - {location: a.png, label: [cat, cat]}\n", head);
	expect_error(t, "3:36", "appears twice");
	snprintf(t, sizeof t, "%s  - a.png\nsplit:\n  training: [x]\n", head);
	expect_error(t, "5:14", "not an image index");
	expect_error("classes: [a, a]\nimages: []\n", "1:14", "'a' appears twice");
}

TEST(building_checks_its_input)
{
	dh_err e;
	dh_ddf *d = dh_ddf_new(NULL);
	CHECK(dh_ddf_add_class(d, "a", &e) == DH_OK);
	CHECK(dh_ddf_add_class(d, "a", &e) != DH_OK);
	CHECK(dh_ddf_add_sample(d, "x.png", 1, &e) < 0);
	CHECK(dh_ddf_add_sample(d, "x.png", 0, &e) == 0);
	int64_t bad[2] = {0, 0}, out[1] = {3};
	CHECK(dh_ddf_add_split(d, "training", bad, 2, &e) != DH_OK);
	CHECK_HAS(e.msg, "appears twice");
	CHECK(dh_ddf_add_split(d, "training", out, 1, &e) != DH_OK);
	CHECK_HAS(e.msg, "out of range");
	CHECK(dh_ddf_set_mask(d, 0, "m.png", &e) == DH_OK);
	CHECK_INT(d->samples[0].kind, DH_DDF_LABEL_MASK);
	dh_ddf_free(d);
}

/* --- loader ---------------------------------------------------------------- */

static void make_images(int n)
{
	dh_err e;
	char text[1 << 14] = "classes: [a, b, c]\nimages:\n";
	for (int i = 0; i < n; i++) {
		/* sizes differ, so resizing is exercised */
		int w = 5 + i % 4, h = 4 + i % 3;
		dh_image *img = dh_image_new(DH_U8, w, h, 1, 3, DH_COLOR_RGB, &e);
		for (size_t k = 0; k < img->nbytes; k++)
			img->data[k] = (unsigned char)(k * 7 + i * 13);
		char name[64];
		snprintf(name, sizeof name, "im%02d.png", i);
		CHECK(dh_image_write(tpath(name), img, NULL, &e) == DH_OK);
		dh_image_free(img);
		size_t u = strlen(text);
		snprintf(text + u, sizeof text - u,
			 "  - {location: %s, label: %d}\n", name, i % 3);
	}
	strcat(text, "split:\n  training: [");
	for (int i = 0; i < n; i++) {
		size_t u = strlen(text);
		snprintf(text + u, sizeof text - u, "%s%d", i ? ", " : "",
			 n - 1 - i);
	}
	strcat(text, "]\n");
	put_file("load.yml", text);
}

static dh_status noisy(void *ctx, dh_image **img, dh_image **mask,
		       dh_rng *rng, dh_err *e)
{
	(void)ctx;
	(void)mask;
	(void)e;
	dh_image *m = *img;
	for (size_t k = 0; k < m->nbytes; k++)
		m->data[k] = (unsigned char)(m->data[k] ^ (dh_rng_u64(rng) & 7));
	return DH_OK;
}

/* All batches of one epoch, concatenated. */
static float *run_loader(const dh_ddf *d, int threads, int shuffle,
			 int transform, size_t *nfloats, int64_t **ids,
			 int64_t *nids)
{
	dh_loader_opts o;
	dh_loader_opts_init(&o);
	o.split = "training";
	o.width = 6;
	o.height = 5;
	o.channels = 1;
	o.batch = 4;
	o.threads = threads;
	o.shuffle = shuffle;
	o.seed = 42;
	if (transform)
		o.transform = noisy;
	dh_err e;
	dh_loader *l = dh_loader_open(d, &o, &e);
	CHECK(l != NULL);
	if (!l) {
		printf("#   %s\n", e.msg);
		return NULL;
	}
	float *all = NULL;
	size_t n = 0;
	*ids = NULL;
	*nids = 0;
	dh_tensor *x, *y, *id;
	dh_status st;
	while ((st = dh_loader_next(l, &x, &y, &id, &e)) == DH_OK) {
		size_t k = (size_t)dh_tensor_numel(x);
		all = realloc(all, (n + k) * sizeof *all);
		memcpy(all + n, x->data, k * sizeof *all);
		n += k;
		*ids = realloc(*ids, (size_t)(*nids + id->shape[0]) * 8);
		memcpy(*ids + *nids, id->data, (size_t)id->shape[0] * 8);
		for (int64_t j = 0; j < id->shape[0]; j++)
			CHECK_INT(((int64_t *)y->data)[j],
				  ((int64_t *)id->data)[j] % 3);
		*nids += id->shape[0];
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(id);
	}
	CHECK_INT(st, DH_EEOF);
	dh_loader_close(l);
	*nfloats = n;
	return all;
}

TEST(loader_same_bytes_whatever_the_threads)
{
	make_images(11);
	dh_err e;
	dh_ddf *d = dh_ddf_load(tpath("load.yml"), &e);
	CHECK(d != NULL);
	if (!d)
		return;
	for (int variant = 0; variant < 3; variant++) {
		int shuffle = variant >= 1, tr = variant == 2;
		size_t n1, n2, n3;
		int64_t *i1, *i2, *i3, c1, c2, c3;
		float *a = run_loader(d, 1, shuffle, tr, &n1, &i1, &c1);
		float *b = run_loader(d, 2, shuffle, tr, &n2, &i2, &c2);
		float *c = run_loader(d, 5, shuffle, tr, &n3, &i3, &c3);
		CHECK_INT(n1, 11 * 30);
		CHECK(n1 == n2 && n1 == n3);
		CHECK(a && b && c && !memcmp(a, b, n1 * 4) &&
		      !memcmp(a, c, n1 * 4));
		CHECK(c1 == 11 && c2 == 11 && !memcmp(i1, i2, 11 * 8) &&
		      !memcmp(i1, i3, 11 * 8));
		if (!shuffle)
			CHECK(i1 && i1[0] == 10 && i1[10] == 0);
		else
			CHECK(i1 && !(i1[0] == 10 && i1[1] == 9 && i1[2] == 8));
		free(a);
		free(b);
		free(c);
		free(i1);
		free(i2);
		free(i3);
	}
	dh_ddf_free(d);
}

TEST(loader_skips_bad_samples_when_asked)
{
	make_images(6);
	put_file("im03.png", "not a picture");
	dh_err e;
	dh_ddf *d = dh_ddf_load(tpath("load.yml"), &e);
	CHECK(d != NULL);
	if (!d)
		return;
	dh_loader_opts o;
	dh_loader_opts_init(&o);
	o.width = 6;
	o.height = 5;
	o.batch = 4;
	o.threads = 2;
	dh_loader *l = dh_loader_open(d, &o, &e);
	dh_tensor *x, *y, *id;
	CHECK(l && dh_loader_next(l, &x, &y, &id, &e) != DH_OK);
	CHECK_HAS(e.msg, "load.yml:6:5: image 3");
	dh_loader_close(l);
	o.skip_bad = 1;
	l = dh_loader_open(d, &o, &e);
	int64_t got = 0;
	while (l && dh_loader_next(l, &x, &y, &id, &e) == DH_OK) {
		got += x->shape[0];
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(id);
	}
	CHECK_INT(got, 5);
	CHECK_INT(l ? dh_loader_skipped(l) : -1, 1);
	int64_t which = -1;
	CHECK(l && dh_loader_skipped_reason(l, 0, &which) != NULL);
	CHECK_INT(which, 3);
	dh_loader_close(l);
	dh_ddf_free(d);
}

TEST(packed_shards_read_back)
{
	make_images(7);
	dh_err e;
	dh_ddf *d = dh_ddf_load(tpath("load.yml"), &e);
	CHECK(d != NULL);
	if (!d)
		return;
	dh_pack_opts po = {.per_shard = 3, .threads = 2};
	CHECK(dh_ddf_pack(d, tpath("packed"), &po, NULL, &e) == DH_OK);
	dh_ddf *p = dh_ddf_load(tpath("packed"), &e);
	CHECK(p != NULL && p->packed != NULL);
	if (p) {
		CHECK_INT(p->nsamples, 7);
		for (int64_t i = 0; i < 7; i++) {
			dh_image *a, *b;
			CHECK(dh_loader_decode_sample(d, i, &a, NULL, &e) == 0);
			CHECK(dh_loader_decode_sample(p, i, &b, NULL, &e) == 0);
			CHECK(a->nbytes == b->nbytes &&
			      !memcmp(a->data, b->data, a->nbytes));
			dh_image_free(a);
			dh_image_free(b);
		}
		const dh_ddf_split *s = dh_ddf_split_find(p, "training");
		CHECK(s && s->n == 7 && s->idx[0] == 6);
	} else {
		printf("#   %s\n", e.msg);
	}
	dh_ddf_free(p);
	dh_ddf_free(d);
}

TAP_MAIN(TAP_CASE(ecvl_file_parses), TAP_CASE(round_trip_is_identical),
	 TAP_CASE(awkward_strings_survive),
	 TAP_CASE(bad_inputs_say_where_and_why),
	 TAP_CASE(building_checks_its_input),
	 TAP_CASE(loader_same_bytes_whatever_the_threads),
	 TAP_CASE(loader_skips_bad_samples_when_asked),
	 TAP_CASE(packed_shards_read_back))
