/* dh-dataset - make, split, check and stream DeepHealth datasets (DDF). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/tool.h"
#include "core/alloc.h"
#include "core/progress.h"
#include "core/rng.h"
#include "dataset/ddf.h"
#include "dataset/loader.h"
#include "dataset/shards.h"
#include "image/io.h"
#include "image/probe.h"
#include "stream/tstream.h"

#define END_OPTS {NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0}

static const dh_opt import_opts[] = {
	{"images", 0, DH_ARG_FILE, "FILE", "idx image file (.gz or plain) of the training split", 0, 0, "gz", 0},
	{"labels", 0, DH_ARG_FILE, "FILE", "idx label file matching --images", 0, 0, "gz", 0},
	{"test-images", 0, DH_ARG_FILE, "FILE", "idx image file of the test split", 0, 0, "gz", 0},
	{"test-labels", 0, DH_ARG_FILE, "FILE", "idx label file matching --test-images", 0, 0, "gz", 0},
	{"classes", 0, DH_ARG_STRING, "NAMES", "class names, comma-separated (default: 0, 1, ...)", 0, 0, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "DIR", "folder for the PNGs and dataset.yml", 0, 0, NULL, 0},
	END_OPTS,
};
static const dh_opt create_opts[] = {
	{"csv", 0, DH_ARG_FILE, "FILE", "read path,label rows instead of a folder", 0, 0, "csv", 0},
	{"output", 'o', DH_ARG_FILE, "OUT", "write here (default: stdout)", 0, 0, "yml|yaml", 0},
	END_OPTS,
};
static const dh_opt split_opts[] = {
	{"validation", 0, DH_ARG_FLOAT, "F", "fraction moved to the validation split", 0, 1, NULL, 0},
	{"test", 0, DH_ARG_FLOAT, "F", "fraction moved to the test split", 0, 1, NULL, 0},
	{"stratify", 0, DH_ARG_NONE, NULL, "keep class proportions in every split", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed", 0, 9.2e18, NULL, 0},
	{"from", 0, DH_ARG_STRING, "NAME", "split to divide (default: training if present, else all images)", 0, 0, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "OUT.yml", "write here (default: stdout)", 0, 0, "yml|yaml", 0},
	END_OPTS,
};
static const dh_opt check_opts[] = {
	{"max-problems", 0, DH_ARG_INT, "N", "print at most N problems, then a count (default 50)", 0, 1e9, NULL, 0},
	END_OPTS,
};
static const dh_opt stats_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "print JSON", 0, 0, NULL, 0},
	END_OPTS,
};
static const dh_opt stream_opts[] = {
	{"split", 0, DH_ARG_STRING, "NAME", "which split to stream (default: all images)", 0, 0, NULL, 0},
	{"size", 0, DH_ARG_STRING, "WxH", "resize every image", 0, 0, NULL, 0},
	{"channels", 0, DH_ARG_INT, "C", "1 (gray) or 3 (RGB)", 1, 4, NULL, 0},
	{"shuffle", 0, DH_ARG_NONE, NULL, "shuffle the samples", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed", 0, 9.2e18, NULL, 0},
	{"epoch", 0, DH_ARG_INT, "E", "epoch number (shuffling and per-sample streams)", 0, 9.2e18, NULL, 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per group (default 32)", 1, 1 << 20, NULL, 0},
	{"scale", 0, DH_ARG_FLOAT, "A", "pixel v becomes v*A+B (default A = 1/255)", -1e30, 1e30, NULL, 0},
	{"shift", 0, DH_ARG_FLOAT, "B", "see --scale (default 0)", -1e30, 1e30, NULL, 0},
	{"skip-bad", 0, DH_ARG_NONE, NULL, "skip images that do not decode, naming them", 0, 0, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "OUT", "write here (default: stdout)", 0, 0, "npy", 0},
	END_OPTS,
};
static const dh_opt pack_opts[] = {
	{"output", 'o', DH_ARG_FILE, "DIR", "folder for the shards and index.yml", 0, 0, NULL, 0},
	{"shard-size", 0, DH_ARG_INT, "N", "samples per shard (default 10000)", 1, 1e12, NULL, 0},
	{"skip-bad", 0, DH_ARG_NONE, NULL, "leave out images that do not decode, naming them", 0, 0, NULL, 0},
	END_OPTS,
};

/* --- helpers ------------------------------------------------------------------ */

static dh_ddf *load(dh_ctx *c, const char *path)
{
	return dh_ddf_load(path, &c->err);
}

static int fail_msg(dh_ctx *c, dh_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_msg(dh_ctx *c, dh_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[DH_ERR_MSG_MAX];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dh_err_set(&c->err, s, "%s", msg);
	return dh_ctx_fail(c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Absolute, normalised folder of `path`'s parent (for -o files) or of a
 * folder itself. */
static char *abs_dir(const char *dir)
{
	char *r = realpath(dir, NULL);
	return r;
}

static char *parent_of(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return strdup(".");
	if (s == path)
		return strdup("/");
	return strndup(path, (size_t)(s - path));
}

/* A path to `target` (absolute) relative to folder `from` (absolute). */
static char *relative_to(const char *from, const char *target)
{
	size_t i = 0, common = 0;
	while (from[i] && target[i] && from[i] == target[i]) {
		if (from[i] == '/')
			common = i;
		i++;
	}
	if (!from[i] && (target[i] == '/' || !target[i]))
		common = i;
	else if (!strcmp(from, "/"))
		common = 0;
	const char *rest = target + common;
	while (*rest == '/')
		rest++;
	int ups = 0;
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && p[1])
			ups++;
	if (from[common] && strcmp(from, "/"))
		ups += from[common] == '/' ? 0 : 1;
	size_t n = (size_t)ups * 3 + strlen(rest) + 2;
	char *out = malloc(n);
	if (!out)
		return NULL;
	out[0] = 0;
	for (int k = 0; k < ups; k++)
		strcat(out, "../");
	strcat(out, rest);
	if (!out[0])
		strcpy(out, ".");
	return out;
}

/* --- import idx ------------------------------------------------------------ */

typedef struct idx_file {
	int ndim;
	int64_t dims[4];
	unsigned char *data;
	size_t n;
} idx_file;

static dh_status read_idx(const char *path, int want_dims, idx_file *f,
			  dh_err *e)
{
	memset(f, 0, sizeof *f);
	gzFile g = gzopen(path, "rb");
	if (!g)
		return dh_err_errno(e, errno ? errno : ENOENT,
				    "cannot open '%s'", path);
	gzbuffer(g, 1 << 17);
	unsigned char h[4];
	dh_status st = DH_OK;
	if (gzread(g, h, 4) != 4) {
		st = dh_err_set(e, DH_EFORMAT, "%s: byte 0: too short for an "
				"idx file", path);
		goto out;
	}
	if (h[0] || h[1] || h[2] != 0x08 || h[3] != want_dims) {
		st = dh_err_set(e, DH_EFORMAT,
				"%s: byte 0: not an idx file of unsigned bytes "
				"with %d dimensions (magic %02x %02x %02x %02x)",
				path, want_dims, h[0], h[1], h[2], h[3]);
		goto out;
	}
	f->ndim = want_dims;
	size_t total = 1;
	for (int k = 0; k < want_dims; k++) {
		unsigned char b[4];
		if (gzread(g, b, 4) != 4) {
			st = dh_err_set(e, DH_EFORMAT, "%s: byte %d: truncated "
					"header", path, 4 + 4 * k);
			goto out;
		}
		f->dims[k] = (int64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
		if (f->dims[k] <= 0 || f->dims[k] > (1 << 28) ||
		    dh_size_mul(total, (size_t)f->dims[k], &total) ||
		    total > ((size_t)1 << 34)) {
			st = dh_err_set(e, DH_EFORMAT, "%s: byte %d: bad "
					"dimension", path, 4 + 4 * k);
			goto out;
		}
	}
	f->data = malloc(total ? total : 1);
	if (!f->data) {
		st = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	size_t got = 0;
	while (got < total) {
		unsigned chunk = total - got > (1u << 30) ? (1u << 30)
							   : (unsigned)(total - got);
		int r = gzread(g, f->data + got, chunk);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != total) {
		int zerr;
		const char *zm = gzerror(g, &zerr);
		st = dh_err_set(e, DH_EFORMAT, "%s: %zu of %zu data bytes%s%s",
				path, got, total, zerr ? ": " : "",
				zerr ? zm : "");
		goto out;
	}
	f->n = total;
out:
	gzclose(g);
	if (st) {
		free(f->data);
		f->data = NULL;
	}
	return st;
}

typedef struct png_job {
	const unsigned char *pix;
	int w, h;
	char **paths;
	int64_t n, next;
	pthread_mutex_t mu;
	int failed;
	dh_err err;
} png_job;

static void *png_worker(void *arg)
{
	png_job *j = arg;
	const dh_image_codec *codec = dh_image_codec_for_path("x.png");
	dh_image *img = NULL;
	dh_err e;
	dh_err_clear(&e);
	img = dh_image_new(DH_U8, j->w, j->h, 1, 1, DH_COLOR_GRAY, &e);
	for (;;) {
		pthread_mutex_lock(&j->mu);
		int64_t i = j->failed ? j->n : j->next;
		j->next += 64;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n || !img)
			break;
		int64_t hi = i + 64 < j->n ? i + 64 : j->n;
		dh_status st = DH_OK;
		for (; !st && i < hi; i++) {
			memcpy(img->data, j->pix + (size_t)i * j->w * j->h,
			       (size_t)j->w * j->h);
			FILE *f = fopen(j->paths[i], "wb");
			if (!f) {
				st = dh_err_errno(&e, errno, "cannot write '%s'",
						  j->paths[i]);
				break;
			}
			st = codec->write(f, ".png", img, NULL, &e);
			if (fclose(f) && !st)
				st = dh_err_errno(&e, errno, "cannot write '%s'",
						  j->paths[i]);
			if (st)
				dh_err_prefix(&e, "%s", j->paths[i]);
		}
		if (st) {
			pthread_mutex_lock(&j->mu);
			if (!j->failed) {
				j->failed = 1;
				j->err = e;
			}
			pthread_mutex_unlock(&j->mu);
			break;
		}
	}
	if (!img) {
		pthread_mutex_lock(&j->mu);
		if (!j->failed) {
			j->failed = 1;
			j->err = e;
		}
		pthread_mutex_unlock(&j->mu);
	}
	dh_image_free(img);
	return NULL;
}

static dh_status write_pngs(const idx_file *im, char **paths, int threads,
			    dh_err *e)
{
	png_job j = {.pix = im->data, .w = (int)im->dims[2],
		     .h = (int)im->dims[1], .paths = paths, .n = im->dims[0]};
	pthread_mutex_init(&j.mu, NULL);
	dh_err_clear(&j.err);
	pthread_t th[64];
	int nth = threads < 1 ? 1 : threads > 64 ? 64 : threads, started = 0;
	for (int t = 0; t < nth; t++)
		if (!pthread_create(&th[t], NULL, png_worker, &j))
			started++;
	if (!started)
		png_worker(&j);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&j.mu);
	if (j.failed) {
		if (e)
			*e = j.err;
		return j.err.status ? j.err.status : DH_EIO;
	}
	return DH_OK;
}

static int cmd_import(dh_ctx *c)
{
	if (strcmp(c->args[0], "idx"))
		return dh_ctx_usage(c, "unknown import format '%s' (known: idx)",
				    c->args[0]);
	const char *out = dh_ctx_str(c, "output", NULL);
	if (!out)
		return dh_ctx_usage(c, "import needs -o DIR");
	const char *pairs[2][2] = {
		{dh_ctx_str(c, "images", NULL), dh_ctx_str(c, "labels", NULL)},
		{dh_ctx_str(c, "test-images", NULL),
		 dh_ctx_str(c, "test-labels", NULL)}};
	if (!pairs[0][0] || !pairs[0][1])
		return dh_ctx_usage(c, "import idx needs --images and --labels");
	if (!pairs[1][0] != !pairs[1][1])
		return dh_ctx_usage(c, "give --test-images and --test-labels "
				       "together");
	idx_file im[2] = {0}, lb[2] = {0};
	int npairs = pairs[1][0] ? 2 : 1, rcode = DH_EXIT_FAIL;
	dh_ddf *d = NULL;
	char **paths = NULL;
	for (int p = 0; p < npairs; p++) {
		if (read_idx(pairs[p][0], 3, &im[p], &c->err) ||
		    read_idx(pairs[p][1], 1, &lb[p], &c->err))
			goto out;
		if (im[p].dims[0] != lb[p].dims[0]) {
			fail_msg(c, DH_EFORMAT,
				 "%s has %lld images but %s has %lld labels",
				 pairs[p][0], (long long)im[p].dims[0],
				 pairs[p][1], (long long)lb[p].dims[0]);
			goto out;
		}
		if (p && (im[1].dims[1] != im[0].dims[1] ||
			  im[1].dims[2] != im[0].dims[2])) {
			fail_msg(c, DH_EFORMAT, "%s: images are %lldx%lld, "
				 "those of %s %lldx%lld", pairs[1][0],
				 (long long)im[1].dims[2],
				 (long long)im[1].dims[1], pairs[0][0],
				 (long long)im[0].dims[2],
				 (long long)im[0].dims[1]);
			goto out;
		}
	}
	int maxlab = 0;
	for (int p = 0; p < npairs; p++)
		for (size_t k = 0; k < lb[p].n; k++)
			if (lb[p].data[k] > maxlab)
				maxlab = lb[p].data[k];
	d = dh_ddf_new(NULL);
	if (!d || dh_ddf_set_dir(d, out, &c->err)) {
		dh_err_set(&c->err, DH_ENOMEM, "out of memory");
		goto out;
	}
	const char *names = dh_ctx_str(c, "classes", NULL);
	if (names) {
		const char *s = names;
		while (*s) {
			size_t k = strcspn(s, ",");
			char buf[256];
			if (k == 0 || k >= sizeof buf) {
				dh_ctx_usage(c, "--classes: empty or too long "
					     "name in '%s'", names);
				rcode = DH_EXIT_USAGE;
				goto out;
			}
			memcpy(buf, s, k);
			buf[k] = 0;
			if (dh_ddf_add_class(d, buf, &c->err)) {
				dh_ctx_usage(c, "--classes: %s", c->err.msg);
				rcode = DH_EXIT_USAGE;
				goto out;
			}
			s += k + (s[k] == ',');
		}
		if (d->nclasses <= maxlab) {
			dh_ctx_usage(c, "--classes names %d classes, but the "
				     "labels go up to %d", d->nclasses, maxlab);
			rcode = DH_EXIT_USAGE;
			goto out;
		}
	} else {
		for (int k = 0; k <= maxlab; k++) {
			char buf[16];
			snprintf(buf, sizeof buf, "%d", k);
			if (dh_ddf_add_class(d, buf, &c->err))
				goto out;
		}
	}
	free(d->name);
	d->name = strdup("idx import");
	if (mkdir(out, 0777) && errno != EEXIST) {
		dh_err_errno(&c->err, errno, "cannot make folder '%s'", out);
		goto out;
	}
	static const char *const sub[2] = {"training", "test"};
	for (int p = 0; p < npairs; p++) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s/%s", out, sub[p]);
		if (mkdir(dir, 0777) && errno != EEXIST) {
			dh_err_errno(&c->err, errno, "cannot make folder '%s'",
				     dir);
			goto out;
		}
		int64_t n = im[p].dims[0];
		paths = calloc((size_t)n, sizeof *paths);
		int64_t *idx = malloc((size_t)n * sizeof *idx);
		if (!paths || !idx) {
			free(idx);
			dh_err_set(&c->err, DH_ENOMEM, "out of memory");
			goto out;
		}
		for (int64_t i = 0; i < n; i++) {
			char rel[64];
			snprintf(rel, sizeof rel, "%s/%06lld.png", sub[p],
				 (long long)i);
			idx[i] = dh_ddf_add_sample(d, rel, lb[p].data[i],
						   &c->err);
			if (idx[i] < 0) {
				free(idx);
				goto out;
			}
			paths[i] = d->samples[idx[i]].paths[0];
		}
		dh_status st = write_pngs(&im[p], paths, c->threads, &c->err);
		if (!st)
			st = dh_ddf_add_split(d, sub[p], idx, n, &c->err);
		free(idx);
		free(paths);
		paths = NULL;
		if (st)
			goto out;
	}
	char yml[PATH_MAX];
	snprintf(yml, sizeof yml, "%s/dataset.yml", out);
	if (dh_ddf_write(d, yml, &c->err))
		goto out;
	dh_log_info(&c->log, "%s: %lld images, %d classes", yml,
		    (long long)d->nsamples, d->nclasses);
	rcode = DH_EXIT_OK;
out:
	for (int p = 0; p < 2; p++) {
		free(im[p].data);
		free(lb[p].data);
	}
	free(paths);
	dh_ddf_free(d);
	if (rcode == DH_EXIT_FAIL)
		return dh_ctx_fail(c);
	return rcode;
}

/* --- create ----------------------------------------------------------------- */

/* The folder output paths are relative to: the -o file's, or the current
 * one for stdout; absolute. */
static char *out_base(dh_ctx *c)
{
	const char *out = dh_ctx_str(c, "output", "-");
	char *par = strcmp(out, "-") ? parent_of(out) : strdup(".");
	if (!par)
		return NULL;
	char *b = abs_dir(par);
	if (!b)
		dh_err_errno(&c->err, errno, "cannot find folder '%s'", par);
	free(par);
	return b;
}

static int looks_like_image(const char *path)
{
	dh_image_format f;
	return dh_image_probe_file(path, &f, NULL) == DH_OK;
}

static char **list_dir(const char *dir, int want_dirs, int *n, dh_err *e)
{
	DIR *dp = opendir(dir);
	*n = 0;
	if (!dp) {
		dh_err_errno(e, errno, "cannot open folder '%s'", dir);
		return NULL;
	}
	char **v = NULL;
	int cap = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		size_t need = strlen(dir) + strlen(de->d_name) + 2;
		char *full = malloc(need);
		if (!full)
			break;
		snprintf(full, need, "%s/%s", dir, de->d_name);
		int isd = is_dir(full);
		free(full);
		if (isd != want_dirs)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nv = realloc(v, (size_t)cap * sizeof *nv);
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(dp);
	if (*n)
		qsort(v, (size_t)*n, sizeof *v, cmp_str);
	return v ? v : calloc(1, sizeof *v);
}

static void free_list(char **v, int n)
{
	for (int k = 0; k < n; k++)
		free(v[k]);
	free(v);
}

static int create_from_dir(dh_ctx *c, const char *dir)
{
	char *base = out_base(c), *adir = abs_dir(dir);
	if (!base || !adir) {
		if (!adir)
			dh_err_errno(&c->err, errno, "cannot open folder '%s'",
				     dir);
		free(base);
		free(adir);
		return dh_ctx_fail(c);
	}
	int ncls = 0, rcode = DH_EXIT_FAIL;
	char **cls = list_dir(dir, 1, &ncls, &c->err);
	dh_ddf *d = dh_ddf_new(NULL);
	if (!cls || !d)
		goto out;
	const char *slash = strrchr(adir, '/');
	free(d->name);
	d->name = strdup(slash && slash[1] ? slash + 1 : adir);
	if (ncls == 0) {
		fail_msg(c, DH_EINVAL, "%s: no class folders (expected "
			 "%s/CLASS/IMAGE...)", dir, dir);
		rcode = -1;
		goto out;
	}
	for (int k = 0; k < ncls; k++)
		if (dh_ddf_add_class(d, cls[k], &c->err))
			goto out;
	for (int k = 0; k < ncls; k++) {
		char cdir[PATH_MAX];
		snprintf(cdir, sizeof cdir, "%s/%s", adir, cls[k]);
		int nf = 0;
		char **files = list_dir(cdir, 0, &nf, &c->err);
		if (!files)
			goto out;
		for (int f = 0; f < nf; f++) {
			char full[PATH_MAX];
			snprintf(full, sizeof full, "%s/%s", cdir, files[f]);
			if (!looks_like_image(full)) {
				dh_log_info(&c->log, "%s: not an image, left out",
					    full);
				continue;
			}
			char *rel = relative_to(base, full);
			int64_t i = rel ? dh_ddf_add_sample(d, rel, k, &c->err)
					: -1;
			free(rel);
			if (i < 0) {
				free_list(files, nf);
				goto out;
			}
		}
		free_list(files, nf);
	}
	if (!d->nsamples) {
		fail_msg(c, DH_EINVAL, "%s: no images in the class folders",
			 dir);
		rcode = -1;
		goto out;
	}
	if (dh_ddf_write(d, dh_ctx_str(c, "output", "-"), &c->err))
		goto out;
	rcode = DH_EXIT_OK;
out:
	free_list(cls, ncls);
	dh_ddf_free(d);
	free(base);
	free(adir);
	if (rcode == -1)
		return DH_EXIT_FAIL;
	return rcode == DH_EXIT_OK ? rcode : dh_ctx_fail(c);
}

/* One CSV field (double quotes allowed); advances *p. */
static char *csv_field(const char **p)
{
	const char *s = *p;
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	while (*s == ' ')
		s++;
	if (*s == '"') {
		s++;
		while (*s) {
			if (*s == '"' && s[1] == '"') {
				*o++ = '"';
				s += 2;
			} else if (*s == '"') {
				s++;
				break;
			} else {
				*o++ = *s++;
			}
		}
		while (*s && *s != ',')
			s++;
	} else {
		while (*s && *s != ',')
			*o++ = *s++;
		while (o > out && (o[-1] == ' ' || o[-1] == '\r'))
			o--;
	}
	*o = 0;
	if (*s == ',')
		s++;
	*p = s;
	return out;
}

static int create_from_csv(dh_ctx *c, const char *csv)
{
	FILE *f = fopen(csv, "r");
	if (!f)
		return fail_msg(c, DH_EIO, "cannot open '%s': %s", csv,
				strerror(errno));
	char *base = out_base(c), *cdir = parent_of(csv);
	char *acdir = cdir ? abs_dir(cdir) : NULL;
	char **rp = NULL, **rl = NULL;
	int *rline = NULL;
	int64_t n = 0, cap = 0;
	int rcode = DH_EXIT_FAIL, all_int = 1, any_label = 0;
	dh_ddf *d = dh_ddf_new(NULL);
	char line[8192];
	int ln = 0;
	if (!base || !acdir || !d) {
		if (!acdir && base)
			dh_err_errno(&c->err, errno, "cannot find folder '%s'",
				     cdir);
		goto out;
	}
	while (fgets(line, sizeof line, f)) {
		ln++;
		size_t L = strlen(line);
		while (L && (line[L - 1] == '\n' || line[L - 1] == '\r'))
			line[--L] = 0;
		if (!L || line[0] == '#')
			continue;
		const char *p = line;
		char *path = csv_field(&p), *lab = csv_field(&p);
		if (!path || !lab) {
			free(path);
			free(lab);
			goto out;
		}
		if (ln == 1 && !strcmp(path, "path")) {
			free(path);
			free(lab);
			continue;
		}
		if (!path[0]) {
			fail_msg(c, DH_EFORMAT, "%s:%d:1: empty path", csv, ln);
			free(path);
			free(lab);
			rcode = -1;
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			char **a = realloc(rp, (size_t)cap * sizeof *a);
			if (a)
				rp = a;
			char **b = realloc(rl, (size_t)cap * sizeof *b);
			if (b)
				rl = b;
			int *li = realloc(rline, (size_t)cap * sizeof *li);
			if (li)
				rline = li;
			if (!a || !b || !li) {
				free(path);
				free(lab);
				goto out;
			}
		}
		long long v;
		if (lab[0]) {
			any_label = 1;
			if (dh_parse_ll(lab, &v) || v < 0 || v > 100000)
				all_int = 0;
		}
		rp[n] = path;
		rl[n] = lab;
		rline[n] = ln;
		n++;
	}
	/* classes: integers 0..max, or the sorted distinct names */
	if (any_label && all_int) {
		long long mx = 0, v;
		for (int64_t i = 0; i < n; i++)
			if (rl[i][0] && !dh_parse_ll(rl[i], &v) && v > mx)
				mx = v;
		for (long long k = 0; k <= mx; k++) {
			char b[24];
			snprintf(b, sizeof b, "%lld", k);
			if (dh_ddf_add_class(d, b, &c->err))
				goto out;
		}
	} else if (any_label) {
		char **names = malloc((size_t)n * sizeof *names);
		if (!names)
			goto out;
		int64_t m = 0;
		for (int64_t i = 0; i < n; i++)
			if (rl[i][0])
				names[m++] = rl[i];
		qsort(names, (size_t)m, sizeof *names, cmp_str);
		for (int64_t i = 0; i < m; i++)
			if ((!i || strcmp(names[i], names[i - 1])) &&
			    dh_ddf_add_class(d, names[i], &c->err)) {
				free(names);
				goto out;
			}
		free(names);
	}
	for (int64_t i = 0; i < n; i++) {
		int lab = rl[i][0] ? dh_ddf_class_find(d, rl[i]) : -1;
		char *full;
		if (rp[i][0] == '/') {
			full = strdup(rp[i]);
		} else {
			size_t need = strlen(acdir) + strlen(rp[i]) + 2;
			full = malloc(need);
			if (full)
				snprintf(full, need, "%s/%s", acdir, rp[i]);
		}
		char *rel = full ? relative_to(base, full) : NULL;
		int64_t k = rel ? dh_ddf_add_sample(d, rel, lab, &c->err) : -1;
		free(full);
		free(rel);
		if (k < 0) {
			dh_err_prefix(&c->err, "%s:%d:1", csv, rline[i]);
			goto out;
		}
	}
	if (!n) {
		fail_msg(c, DH_EFORMAT, "%s: no rows (expected path,label)",
			 csv);
		rcode = -1;
		goto out;
	}
	if (dh_ddf_write(d, dh_ctx_str(c, "output", "-"), &c->err))
		goto out;
	rcode = DH_EXIT_OK;
out:
	fclose(f);
	for (int64_t i = 0; i < n; i++) {
		free(rp[i]);
		free(rl[i]);
	}
	free(rp);
	free(rl);
	free(rline);
	free(base);
	free(cdir);
	free(acdir);
	dh_ddf_free(d);
	if (rcode == -1)
		return DH_EXIT_FAIL;
	return rcode == DH_EXIT_OK ? rcode : dh_ctx_fail(c);
}

static int cmd_create(dh_ctx *c)
{
	const char *csv = dh_ctx_str(c, "csv", NULL);
	if (csv && c->nargs)
		return dh_ctx_usage(c, "give a folder or --csv FILE, not both");
	if (!csv && !c->nargs)
		return dh_ctx_usage(c, "create needs a folder or --csv FILE");
	return csv ? create_from_csv(c, csv) : create_from_dir(c, c->args[0]);
}

/* --- split ------------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmd_split(dh_ctx *c)
{
	double fv = dh_ctx_float(c, "validation", 0),
	       ft = dh_ctx_float(c, "test", 0);
	if (fv + ft > 1)
		return dh_ctx_usage(c, "--validation and --test add up to "
				       "more than 1");
	if (fv <= 0 && ft <= 0)
		return dh_ctx_usage(c, "give --validation F and/or --test F");
	uint64_t seed = (uint64_t)dh_ctx_int(c, "seed", 0);
	dh_ddf *d = load(c, c->args[0]);
	if (!d)
		return dh_ctx_fail(c);
	const char *from = dh_ctx_str(c, "from", NULL);
	const dh_ddf_split *src = NULL;
	if (from && !(src = dh_ddf_split_find(d, from))) {
		dh_ddf_free(d);
		return fail_msg(c, DH_EINVAL, "%s: no split '%s'", c->args[0],
				from);
	}
	if (!from)
		src = dh_ddf_split_find(d, "training");
	if ((fv > 0 && dh_ddf_split_find(d, "validation") &&
	     (!src || strcmp(src->name, "validation"))) ||
	    (ft > 0 && dh_ddf_split_find(d, "test") &&
	     (!src || strcmp(src->name, "test")))) {
		const char *which = fv > 0 && dh_ddf_split_find(d, "validation")
					    ? "validation"
					    : "test";
		dh_ddf_free(d);
		return fail_msg(c, DH_EINVAL,
				"%s: it already has a %s split (use --from "
				"to split another)",
				c->args[0], which);
	}
	int64_t n = src ? src->n : d->nsamples;
	int64_t *pool = malloc((size_t)(n + 1) * sizeof *pool);
	int64_t *out[3];
	int64_t cnt[3] = {0};
	for (int k = 0; k < 3; k++)
		out[k] = malloc((size_t)(n + 1) * sizeof(int64_t));
	int rcode = DH_EXIT_FAIL;
	if (!pool || !out[0] || !out[1] || !out[2]) {
		dh_err_set(&c->err, DH_ENOMEM, "out of memory");
		goto done;
	}
	for (int64_t k = 0; k < n; k++)
		pool[k] = src ? src->idx[k] : k;
	/* groups: one per class when stratifying (unlabelled: their own) */
	int ngroups = dh_ctx_has(c, "stratify") ? d->nclasses + 1 : 1;
	for (int g = 0; g < ngroups; g++) {
		int64_t m = 0;
		int64_t *grp = malloc((size_t)(n + 1) * sizeof *grp);
		if (!grp) {
			dh_err_set(&c->err, DH_ENOMEM, "out of memory");
			goto done;
		}
		for (int64_t k = 0; k < n; k++) {
			const dh_ddf_sample *s = &d->samples[pool[k]];
			int cl = s->kind == DH_DDF_LABEL_CLASS ? s->label
				 : s->kind == DH_DDF_LABEL_MULTI && s->nlabels
					 ? s->labels[0]
					 : d->nclasses;
			if (ngroups == 1 || cl == g)
				grp[m++] = pool[k];
		}
		dh_rng r;
		dh_rng_derive(&r, seed, 0x53504c4954ull, (uint64_t)g);
		dh_rng_shuffle(&r, grp, m);
		int64_t nv = (int64_t)llround(fv * (double)m),
			nt = (int64_t)llround(ft * (double)m);
		if (nv + nt > m)
			nt = m - nv;
		for (int64_t k = 0; k < m; k++) {
			int w = k < nv ? 1 : k < nv + nt ? 2 : 0;
			out[w][cnt[w]++] = grp[k];
		}
		free(grp);
	}
	for (int k = 0; k < 3; k++)
		qsort(out[k], (size_t)cnt[k], sizeof(int64_t), cmp_i64);
	/* the result: training (or the source split) first, then validation,
	 * test, then any other splits as they were */
	dh_ddf_split *old = d->splits;
	int nold = d->nsplits;
	d->splits = NULL;
	d->nsplits = 0;
	const char *names[3] = {src ? src->name : "training", "validation",
				"test"};
	dh_status st = DH_OK;
	char *srcname = strdup(names[0]);
	names[0] = srcname;
	if (!srcname)
		st = dh_err_set(&c->err, DH_ENOMEM, "out of memory");
	for (int k = 0; !st && k < 3; k++)
		if (k == 0 || cnt[k] || (k == 1 ? fv > 0 : ft > 0))
			st = dh_ddf_add_split(d, names[k], out[k], cnt[k],
					      &c->err);
	for (int k = 0; !st && k < nold; k++)
		if (!dh_ddf_split_find(d, old[k].name))
			st = dh_ddf_add_split(d, old[k].name, old[k].idx,
					      old[k].n, &c->err);
	for (int k = 0; k < nold; k++) {
		free(old[k].name);
		free(old[k].idx);
	}
	free(old);
	if (!st)
		st = dh_ddf_write(d, dh_ctx_str(c, "output", "-"), &c->err);
	if (!st) {
		char extra[96] = "";
		if (fv > 0)
			snprintf(extra, sizeof extra, ", validation %lld",
				 (long long)cnt[1]);
		if (ft > 0) {
			size_t u = strlen(extra);
			snprintf(extra + u, sizeof extra - u, ", test %lld",
				 (long long)cnt[2]);
		}
		dh_log_info(&c->log, "%s %lld%s", srcname, (long long)cnt[0],
			    extra);
		rcode = DH_EXIT_OK;
	}
	free(srcname);
done:
	free(pool);
	for (int k = 0; k < 3; k++)
		free(out[k]);
	dh_ddf_free(d);
	return rcode == DH_EXIT_OK ? rcode : dh_ctx_fail(c);
}

/* --- a parallel pass over samples (check, stats) ------------------------- */

typedef struct pass {
	const dh_ddf *d;
	int64_t next;
	pthread_mutex_t mu;
	void (*fn)(struct pass *p, int64_t i, void *acc);
	void *accs;
	size_t acc_size;
	void *user;
} pass;

typedef struct pass_arg {
	pass *p;
	void *acc;
} pass_arg;

static void *pass_worker(void *arg)
{
	pass_arg *a = arg;
	pass *p = a->p;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		int64_t i = p->next;
		p->next += 16;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->d->nsamples)
			break;
		int64_t hi = i + 16 < p->d->nsamples ? i + 16 : p->d->nsamples;
		for (; i < hi; i++)
			p->fn(p, i, a->acc);
	}
	return NULL;
}

/* Run fn over every sample with `threads` threads, each with its own
 * accumulator (accs: threads * acc_size bytes). */
static void run_pass(pass *p, int threads)
{
	pthread_mutex_init(&p->mu, NULL);
	p->next = 0;
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	pthread_t th[64];
	pass_arg args[64];
	int started = 0;
	for (int t = 0; t < threads; t++) {
		args[t].p = p;
		args[t].acc = (char *)p->accs + (size_t)t * p->acc_size;
		if (!pthread_create(&th[t], NULL, pass_worker, &args[t]))
			started++;
		else
			break;
	}
	if (!started) {
		args[0].p = p;
		args[0].acc = p->accs;
		pass_worker(&args[0]);
	}
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&p->mu);
}

/* --- check ------------------------------------------------------------------ */

typedef struct check_res {
	char *msg; /* NULL: fine */
} check_res;

static void check_one(pass *p, int64_t i, void *acc)
{
	check_res *res = p->user;
	const dh_ddf *d = p->d;
	const dh_ddf_sample *s = &d->samples[i];
	dh_image *img = NULL, *mask = NULL;
	dh_err e;
	dh_err_clear(&e);
	(void)acc;
	if (dh_loader_decode_sample(d, i, &img, &mask, &e) == DH_OK && mask &&
	    (mask->width != img->width || mask->height != img->height ||
	     mask->depth != img->depth)) {
		dh_err_set(&e, DH_ESHAPE, "mask '%s' is %dx%d, its image %dx%d",
			   s->mask, mask->width, mask->height, img->width,
			   img->height);
		if (s->line)
			dh_err_prefix(&e, "%s:%d:%d: image %lld", d->path,
				      s->line, s->col, (long long)i);
	}
	if (e.status)
		res[i].msg = strdup(e.msg);
	dh_image_free(img);
	dh_image_free(mask);
}

static int cmp_path(const void *pa, const void *pb, void *ctx)
{
	const dh_ddf *d = ctx;
	int64_t x = *(const int64_t *)pa, y = *(const int64_t *)pb;
	const dh_ddf_sample *a = &d->samples[x], *b = &d->samples[y];
	for (int k = 0; k < a->npaths && k < b->npaths; k++) {
		int r = strcmp(a->paths[k], b->paths[k]);
		if (r)
			return r;
	}
	if (a->npaths != b->npaths)
		return a->npaths - b->npaths;
	return (x > y) - (x < y);
}

static int same_paths(const dh_ddf_sample *a, const dh_ddf_sample *b)
{
	if (a->npaths != b->npaths)
		return 0;
	for (int k = 0; k < a->npaths; k++)
		if (strcmp(a->paths[k], b->paths[k]))
			return 0;
	return 1;
}

static int cmd_check(dh_ctx *c)
{
	dh_ddf *d = load(c, c->args[0]);
	if (!d)
		return dh_ctx_fail(c);
	long long maxp = dh_ctx_int(c, "max-problems", 50);
	check_res *res = calloc((size_t)(d->nsamples + 1), sizeof *res);
	if (!res) {
		dh_ddf_free(d);
		return fail_msg(c, DH_ENOMEM, "out of memory");
	}
	pass p = {.d = d, .fn = check_one, .accs = NULL, .acc_size = 0,
		  .user = res};
	run_pass(&p, c->threads);
	int64_t problems = 0;
	const char *tool = c->tool->name;
#define PROBLEM(...)                                                        \
	do {                                                                \
		if (problems++ < maxp) {                                    \
			fprintf(stderr, "%s: ", tool);                      \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
		}                                                           \
	} while (0)
	for (int64_t i = 0; i < d->nsamples; i++)
		if (res[i].msg)
			PROBLEM("%s", res[i].msg);
	/* the same file named by two images */
	if (d->nsamples > 1 && !d->packed) {
		int64_t *ord = malloc((size_t)d->nsamples * sizeof *ord);
		if (ord) {
			for (int64_t i = 0; i < d->nsamples; i++)
				ord[i] = i;
			qsort_r(ord, (size_t)d->nsamples, sizeof *ord, cmp_path,
				(void *)d);
			for (int64_t k = 1; k < d->nsamples; k++) {
				const dh_ddf_sample *a = &d->samples[ord[k - 1]],
						    *b = &d->samples[ord[k]];
				if (same_paths(a, b))
					PROBLEM("%s:%d:%d: image %lld: '%s' is "
						"also image %lld (line %d)",
						d->path, b->line, b->col,
						(long long)ord[k], b->paths[0],
						(long long)ord[k - 1], a->line);
			}
			free(ord);
		}
	}
	/* an image in two splits */
	if (d->nsplits > 1) {
		int *first = malloc((size_t)d->nsamples * sizeof *first);
		if (first) {
			for (int64_t i = 0; i < d->nsamples; i++)
				first[i] = -1;
			for (int k = 0; k < d->nsplits; k++)
				for (int64_t j = 0; j < d->splits[k].n; j++) {
					int64_t i = d->splits[k].idx[j];
					if (first[i] >= 0)
						PROBLEM("%s: image %lld is in "
							"splits '%s' and '%s'",
							d->path, (long long)i,
							d->splits[first[i]].name,
							d->splits[k].name);
					else
						first[i] = k;
				}
			free(first);
		}
	}
	for (int64_t i = 0; i < d->nsamples; i++)
		free(res[i].msg);
	free(res);
	if (problems > maxp)
		fprintf(stderr, "%s: %s: %lld problems (%lld more not shown)\n",
			tool, d->path, (long long)problems,
			(long long)(problems - maxp));
	if (!problems)
		printf("%s: %lld images, %d classes, %d splits: ok\n", d->path,
		       (long long)d->nsamples, d->nclasses, d->nsplits);
	dh_ddf_free(d);
	return problems ? DH_EXIT_FAIL : DH_EXIT_OK;
}

/* --- stats ------------------------------------------------------------------ */

#define STATS_MAXC 8
#define STATS_SIZES 16

typedef struct stats_acc {
	double sum[STATS_MAXC], sq[STATS_MAXC];
	uint64_t isum[STATS_MAXC];
	unsigned __int128 isq[STATS_MAXC];
	int64_t px[STATS_MAXC];
	int64_t decoded, failed;
	int64_t int_only; /* images that were not integer-typed */
	struct {
		int w, h, c;
		int64_t n;
	} sizes[STATS_SIZES];
	int nsizes;
	int64_t other_sizes;
	int64_t first_bad; /* the lowest index that failed */
	char first_err[256];
} stats_acc;

static void stats_one(pass *p, int64_t i, void *accp)
{
	stats_acc *a = accp;
	dh_image *img = NULL;
	dh_err e;
	if (dh_loader_decode_sample(p->d, i, &img, NULL, &e)) {
		if (!a->failed++ || i < a->first_bad) {
			a->first_bad = i;
			snprintf(a->first_err, sizeof a->first_err, "%s", e.msg);
		}
		return;
	}
	a->decoded++;
	int k = 0;
	while (k < a->nsizes &&
	       (a->sizes[k].w != img->width || a->sizes[k].h != img->height ||
		a->sizes[k].c != img->channels))
		k++;
	if (k < a->nsizes)
		a->sizes[k].n++;
	else if (a->nsizes < STATS_SIZES) {
		a->sizes[k].w = img->width;
		a->sizes[k].h = img->height;
		a->sizes[k].c = img->channels;
		a->sizes[k].n = 1;
		a->nsizes++;
	} else
		a->other_sizes++;
	int C = img->channels < STATS_MAXC ? img->channels : STATS_MAXC;
	size_t npx = (size_t)img->width * img->height * img->depth;
	if (img->dtype == DH_U8) {
		const uint8_t *q = img->data;
		for (int ch = 0; ch < C; ch++) {
			uint64_t s = 0, s2 = 0;
			for (size_t k2 = 0; k2 < npx; k2++) {
				unsigned v = q[k2 * img->channels + ch];
				s += v;
				s2 += v * v;
			}
			a->isum[ch] += s;
			a->isq[ch] += s2;
			a->px[ch] += (int64_t)npx;
		}
	} else {
		a->int_only++;
		for (int ch = 0; ch < C; ch++) {
			for (size_t k2 = 0; k2 < npx; k2++) {
				size_t x = k2 % (size_t)img->width,
				       y = (k2 / (size_t)img->width) % (size_t)img->height,
				       z = k2 / ((size_t)img->width * img->height);
				double v = dh_image_get(img, (int)x, (int)y,
							(int)z, ch);
				a->sum[ch] += v;
				a->sq[ch] += v * v;
			}
			a->px[ch] += (int64_t)npx;
		}
	}
	dh_image_free(img);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static int cmd_stats(dh_ctx *c)
{
	dh_ddf *d = load(c, c->args[0]);
	if (!d)
		return dh_ctx_fail(c);
	int nth = c->threads < 1 ? 1 : c->threads > 64 ? 64 : c->threads;
	stats_acc *accs = calloc((size_t)nth, sizeof *accs);
	if (!accs) {
		dh_ddf_free(d);
		return fail_msg(c, DH_ENOMEM, "out of memory");
	}
	pass p = {.d = d, .fn = stats_one, .accs = accs,
		  .acc_size = sizeof *accs};
	run_pass(&p, nth);
	stats_acc t = {0};
	for (int k = 0; k < nth; k++) {
		stats_acc *a = &accs[k];
		for (int ch = 0; ch < STATS_MAXC; ch++) {
			t.sum[ch] += a->sum[ch];
			t.sq[ch] += a->sq[ch];
			t.isum[ch] += a->isum[ch];
			t.isq[ch] += a->isq[ch];
			t.px[ch] += a->px[ch];
		}
		if (a->failed && (!t.failed || a->first_bad < t.first_bad)) {
			t.first_bad = a->first_bad;
			memcpy(t.first_err, a->first_err, sizeof t.first_err);
		}
		t.decoded += a->decoded;
		t.failed += a->failed;
		t.other_sizes += a->other_sizes;
		for (int s = 0; s < a->nsizes; s++) {
			int j = 0;
			while (j < t.nsizes &&
			       (t.sizes[j].w != a->sizes[s].w ||
				t.sizes[j].h != a->sizes[s].h ||
				t.sizes[j].c != a->sizes[s].c))
				j++;
			if (j < t.nsizes)
				t.sizes[j].n += a->sizes[s].n;
			else if (t.nsizes < STATS_SIZES) {
				t.sizes[j] = a->sizes[s];
				t.nsizes++;
			} else
				t.other_sizes += a->sizes[s].n;
		}
	}
	free(accs);
	if (t.failed) {
		dh_ddf_free(d);
		if (t.failed == 1)
			return fail_msg(c, DH_EFORMAT, "%s", t.first_err);
		return fail_msg(c, DH_EFORMAT, "%s (and %lld more images that "
				"do not decode; see dh-dataset check)",
				t.first_err, (long long)t.failed - 1);
	}
	int C = 0;
	for (int ch = 0; ch < STATS_MAXC; ch++)
		if (t.px[ch])
			C = ch + 1;
	double mean[STATS_MAXC], sd[STATS_MAXC];
	for (int ch = 0; ch < C; ch++) {
		double n = (double)t.px[ch];
		double s = t.sum[ch] + (double)t.isum[ch];
		double s2 = t.sq[ch] + (double)t.isq[ch];
		mean[ch] = s / n;
		/* exact for 8-bit data: integer sums */
		if (!t.sum[ch] && !t.sq[ch]) {
			unsigned __int128 num = t.isq[ch] * (unsigned __int128)t.px[ch] -
				(unsigned __int128)t.isum[ch] * t.isum[ch];
			sd[ch] = sqrt((double)num) / n;
		} else {
			double v = s2 / n - mean[ch] * mean[ch];
			sd[ch] = sqrt(v > 0 ? v : 0);
		}
	}
	/* counts per class: overall and per split */
	int K = d->nclasses;
	int64_t *cnt = calloc((size_t)(K + 1) * (size_t)(d->nsplits + 1),
			      sizeof *cnt);
	if (!cnt) {
		dh_ddf_free(d);
		return fail_msg(c, DH_ENOMEM, "out of memory");
	}
#define CNT(sp, k) cnt[(size_t)(sp) * (K + 1) + (k)]
	for (int sp = 0; sp <= d->nsplits; sp++) {
		int64_t n = sp < d->nsplits ? d->splits[sp].n : d->nsamples;
		for (int64_t j = 0; j < n; j++) {
			int64_t i = sp < d->nsplits ? d->splits[sp].idx[j] : j;
			const dh_ddf_sample *s = &d->samples[i];
			if (s->kind == DH_DDF_LABEL_CLASS)
				CNT(sp, s->label)++;
			else if (s->kind == DH_DDF_LABEL_MULTI)
				for (int q = 0; q < s->nlabels; q++)
					CNT(sp, s->labels[q])++;
			else
				CNT(sp, K)++;
		}
	}
	FILE *o = stdout;
	if (dh_ctx_has(c, "json")) {
		fputs("{\"file\": ", o);
		json_str(o, d->path);
		fprintf(o, ", \"images\": %lld, \"classes\": [",
			(long long)d->nsamples);
		for (int k = 0; k < K; k++) {
			fputs(k ? ", " : "", o);
			json_str(o, d->classes[k]);
		}
		fputs("], \"counts\": {\"all\": [", o);
		for (int k = 0; k < K; k++)
			fprintf(o, "%s%lld", k ? ", " : "", (long long)CNT(d->nsplits, k));
		fprintf(o, "], \"unlabelled\": %lld", (long long)CNT(d->nsplits, K));
		for (int sp = 0; sp < d->nsplits; sp++) {
			fputs(", ", o);
			json_str(o, d->splits[sp].name);
			fputs(": [", o);
			for (int k = 0; k < K; k++)
				fprintf(o, "%s%lld", k ? ", " : "",
					(long long)CNT(sp, k));
			fputs("]", o);
		}
		fputs("}, \"splits\": {", o);
		for (int sp = 0; sp < d->nsplits; sp++) {
			fputs(sp ? ", " : "", o);
			json_str(o, d->splits[sp].name);
			fprintf(o, ": %lld", (long long)d->splits[sp].n);
		}
		fputs("}, \"sizes\": [", o);
		for (int s = 0; s < t.nsizes; s++)
			fprintf(o, "%s{\"width\": %d, \"height\": %d, "
				"\"channels\": %d, \"images\": %lld}",
				s ? ", " : "", t.sizes[s].w, t.sizes[s].h,
				t.sizes[s].c, (long long)t.sizes[s].n);
		fputs("], \"mean\": [", o);
		for (int ch = 0; ch < C; ch++)
			fprintf(o, "%s%.17g", ch ? ", " : "", mean[ch]);
		fputs("], \"std\": [", o);
		for (int ch = 0; ch < C; ch++)
			fprintf(o, "%s%.17g", ch ? ", " : "", sd[ch]);
		fputs("]}\n", o);
	} else {
		fprintf(o, "%s: %lld images, %d classes\n", d->path,
			(long long)d->nsamples, K);
		fprintf(o, "%-20s %10s", "class", "all");
		for (int sp = 0; sp < d->nsplits; sp++)
			fprintf(o, " %10.10s", d->splits[sp].name);
		fputc('\n', o);
		for (int k = 0; k <= K; k++) {
			if (k == K && !CNT(d->nsplits, K))
				break;
			fprintf(o, "%-20.20s %10lld",
				k < K ? d->classes[k] : "(unlabelled)",
				(long long)CNT(d->nsplits, k));
			for (int sp = 0; sp < d->nsplits; sp++)
				fprintf(o, " %10lld", (long long)CNT(sp, k));
			fputc('\n', o);
		}
		for (int s = 0; s < t.nsizes; s++)
			fprintf(o, "size %dx%d, %d channel%s: %lld images\n",
				t.sizes[s].w, t.sizes[s].h, t.sizes[s].c,
				t.sizes[s].c == 1 ? "" : "s",
				(long long)t.sizes[s].n);
		if (t.other_sizes)
			fprintf(o, "other sizes: %lld images\n",
				(long long)t.other_sizes);
		for (int ch = 0; ch < C; ch++)
			fprintf(o, "channel %d: mean %.6g, std %.6g\n", ch,
				mean[ch], sd[ch]);
	}
	free(cnt);
	dh_ddf_free(d);
	return DH_EXIT_OK;
}

/* --- stream ------------------------------------------------------------------ */

static int cmd_stream(dh_ctx *c)
{
	dh_loader_opts o;
	dh_loader_opts_init(&o);
	o.split = dh_ctx_str(c, "split", NULL);
	const char *size = dh_ctx_str(c, "size", NULL);
	if (size) {
		long long w, h;
		char buf[64];
		const char *x = strchr(size, 'x');
		if (!x || strlen(size) >= sizeof buf)
			return dh_ctx_usage(c, "--size wants WxH, not '%s'", size);
		memcpy(buf, size, (size_t)(x - size));
		buf[x - size] = 0;
		if (dh_parse_ll(buf, &w) || dh_parse_ll(x + 1, &h) || w < 1 ||
		    h < 1 || w > 65536 || h > 65536)
			return dh_ctx_usage(c, "--size wants WxH, not '%s'", size);
		o.width = (int)w;
		o.height = (int)h;
	}
	o.channels = (int)dh_ctx_int(c, "channels", 0);
	if (o.channels == 2)
		return dh_ctx_usage(c, "--channels must be 1, 3 or 4");
	o.shuffle = dh_ctx_has(c, "shuffle");
	o.seed = (uint64_t)dh_ctx_int(c, "seed", 0);
	o.epoch = dh_ctx_int(c, "epoch", 0);
	o.batch = (int)dh_ctx_int(c, "batch", 32);
	o.scale = (float)dh_ctx_float(c, "scale", 1.0 / 255.0);
	o.shift = (float)dh_ctx_float(c, "shift", 0);
	o.skip_bad = dh_ctx_has(c, "skip-bad");
	o.threads = c->threads;
	dh_ddf *d = load(c, c->args[0]);
	if (!d)
		return dh_ctx_fail(c);
	dh_loader *l = dh_loader_open(d, &o, &c->err);
	if (!l) {
		dh_ddf_free(d);
		return dh_ctx_fail(c);
	}
	const char *out = dh_ctx_str(c, "output", "-");
	FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
	int rcode = DH_EXIT_FAIL;
	if (!f) {
		dh_err_errno(&c->err, errno, "cannot write '%s'", out);
		goto done;
	}
	dh_stream_writer w;
	dh_tensor *x, *y, *ids;
	dh_status st = dh_loader_next(l, &x, &y, &ids, &c->err);
	const char *names[3] = {"input", NULL, "id"};
	int nf = 2;
	if (st == DH_OK && y) {
		names[1] = y->ndim == 4 ? "mask" : "target";
		nf = 3;
	} else {
		names[1] = "id";
	}
	if (st == DH_EEOF) {
		dh_err_set(&c->err, DH_EINVAL, "%s: no images to stream%s%s",
			   d->path, o.split ? " in split " : "",
			   o.split ? o.split : "");
		goto done;
	}
	if (st)
		goto done;
	if (dh_stream_writer_open(&w, f, nf, names, &c->err)) {
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(ids);
		goto done;
	}
	int64_t samples = 0;
	while (st == DH_OK) {
		dh_tensor *fields[3] = {x, nf == 3 ? y : ids, ids};
		samples += x->shape[0];
		st = dh_stream_write(&w, fields, &c->err);
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(ids);
		if (st)
			break;
		st = dh_loader_next(l, &x, &y, &ids, &c->err);
	}
	if (st != DH_EEOF)
		goto done;
	if (fflush(f)) {
		dh_err_errno(&c->err, errno, "cannot write '%s'", out);
		goto done;
	}
	for (int64_t k = 0; k < dh_loader_skipped(l); k++) {
		int64_t idx;
		const char *why = dh_loader_skipped_reason(l, k, &idx);
		dh_log_warn(&c->log, "skipped: %s", why);
	}
	if (dh_loader_skipped(l))
		dh_log_warn(&c->log, "%s: %lld images skipped, %lld streamed",
			    d->path, (long long)dh_loader_skipped(l),
			    (long long)samples);
	rcode = DH_EXIT_OK;
done:
	if (f && f != stdout && fclose(f) && rcode == DH_EXIT_OK) {
		dh_err_errno(&c->err, errno, "cannot write '%s'", out);
		rcode = DH_EXIT_FAIL;
	}
	dh_loader_close(l);
	dh_ddf_free(d);
	return rcode == DH_EXIT_OK ? rcode : dh_ctx_fail(c);
}

/* --- pack --------------------------------------------------------------------- */

static int cmd_pack(dh_ctx *c)
{
	const char *out = dh_ctx_str(c, "output", NULL);
	if (!out)
		return dh_ctx_usage(c, "pack needs -o DIR");
	dh_ddf *d = load(c, c->args[0]);
	if (!d)
		return dh_ctx_fail(c);
	dh_pack_opts o = {.per_shard = dh_ctx_int(c, "shard-size", 10000),
			  .threads = c->threads,
			  .skip_bad = dh_ctx_has(c, "skip-bad")};
	int64_t skipped = 0;
	dh_status st = dh_ddf_pack(d, out, &o, &skipped, &c->err);
	if (!st) {
		if (skipped)
			dh_log_warn(&c->log, "%s: %lld images did not decode "
				    "and were left out (dh-dataset check names "
				    "them)", d->path, (long long)skipped);
		dh_log_info(&c->log, "%s/%s: %lld images packed", out,
			    DH_SHARDS_INDEX, (long long)(d->nsamples - skipped));
	}
	dh_ddf_free(d);
	return st ? dh_ctx_fail(c) : DH_EXIT_OK;
}

static const dh_cmd cmds[] = {
	{"import", "FORMAT", "import idx files (MNIST, Fashion-MNIST) as PNGs and a DDF", import_opts, 1, 1, "word", cmd_import, NULL},
	{"create", "[DIR]", "write a DDF for a folder per class or a CSV", create_opts, 0, 1, "dir", cmd_create, NULL},
	{"split", "IN.yml", "split off validation and test sets, reproducibly", split_opts, 1, 1, "yml", cmd_split, NULL},
	{"check", "IN.yml", "check every file, label and index", check_opts, 1, 1, "yml", cmd_check, NULL},
	{"stats", "IN.yml", "counts per class and split, sizes, mean and std", stats_opts, 1, 1, "yml", cmd_stats, NULL},
	{"stream", "IN.yml", "decoded samples of a split as a tensor stream", stream_opts, 1, 1, "yml", cmd_stream, NULL},
	{"pack", "IN.yml", "tar shards of pre-decoded samples", pack_opts, 1, 1, "yml", cmd_pack, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-dataset", "make, split, check and stream datasets", cmds, 1,
	"dh-dataset split --validation 0.1 --seed 1 dataset.yml -o split.yml",
};

/* import idx takes its pairs as "--images A --labels B [--images C --labels
 * D]": the second --images/--labels are the test split's, spelt
 * --test-images/--test-labels for the option parser, which takes each
 * option once. */
static void second_pair(int argc, char **argv)
{
	int import = 0, seen[2] = {0, 0};
	static char ti[] = "--test-images", tl[] = "--test-labels";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "import"))
			import = 1;
	}
	if (!import)
		return;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		int k = !strcmp(argv[i], "--images")   ? 0
			: !strcmp(argv[i], "--labels") ? 1
						       : -1;
		if (k >= 0 && seen[k]++ == 1)
			argv[i] = k ? tl : ti;
	}
}

int main(int argc, char **argv)
{
	second_pair(argc, argv);
	return dh_tool_main(&spec, argc, argv);
}
