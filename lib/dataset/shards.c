/* shards.c - packed datasets: tar shards of pre-decoded samples (shards.h). */
#define _GNU_SOURCE
#include "dataset/shards.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strmap.h"
#include "core/threads.h"
#include "dataset/loader.h"
#include "stream/npy.h"

typedef struct member {
	int shard;      /* -1: none */
	int64_t offset; /* of the data */
	int64_t size;
} member;

struct dh_shards {
	int nshards;
	char **names;  /* archive paths */
	int *fds;
	int64_t n;
	member *img, *mask;
};

void dh_shards_free(dh_shards *s)
{
	if (!s)
		return;
	for (int k = 0; k < s->nshards; k++) {
		if (s->fds[k] >= 0)
			close(s->fds[k]);
		free(s->names[k]);
	}
	free(s->names);
	free(s->fds);
	free(s->img);
	free(s->mask);
	free(s);
}

/* "DIR/shard-00000.tar/00000012.npy" -> shard path and member name. */
static int split_member(const char *path, char **archive, const char **name)
{
	const char *s = strrchr(path, '/');
	if (!s || s == path)
		return -1;
	size_t n = (size_t)(s - path);
	if (n < 4 || strncmp(s - 4, ".tar", 4))
		return -1;
	*archive = strndup(path, n);
	*name = s + 1;
	return *archive ? 0 : -1;
}

typedef struct table {
	char **names;
	int64_t *off, *size;
	int64_t n, cap;
} table;

static void table_free(table *t)
{
	for (int64_t k = 0; k < t->n; k++)
		free(t->names[k]);
	free(t->names);
	free(t->off);
	free(t->size);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const table *t = ctx;
	int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
	return strcmp(t->names[i], t->names[j]);
}

/* Scan an archive's member table. */
static dh_status scan(const char *path, int fd, table *t, dh_err *e)
{
	struct archive *a = archive_read_new();
	if (!a)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	dh_status st = DH_OK;
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		st = dh_err_set(e, DH_EFORMAT, "%s: not a readable tar: %s",
				path, archive_error_string(a));
		goto out;
	}
	struct archive_entry *en;
	int r;
	while ((r = archive_read_next_header(a, &en)) == ARCHIVE_OK) {
		if (archive_entry_filetype(en) != AE_IFREG)
			continue;
		int64_t hdr = archive_read_header_position(a);
		int64_t size = archive_entry_size(en);
		unsigned char magic[6];
		/* a plain ustar member: its data follows one 512-byte header */
		if (pread(fd, magic, 6, hdr + 512) != 6 ||
		    memcmp(magic, "\x93NUMPY", 6)) {
			st = dh_err_set(e, DH_EFORMAT,
					"%s: member '%s' is not a .npy in a "
					"plain ustar archive (pack it with "
					"dh-dataset pack)",
					path, archive_entry_pathname(en));
			goto out;
		}
		if (t->n == t->cap) {
			int64_t cap = t->cap ? 2 * t->cap : 1024;
			char **nn = realloc(t->names, (size_t)cap * sizeof *nn);
			if (nn)
				t->names = nn;
			int64_t *o = realloc(t->off, (size_t)cap * sizeof *o);
			if (o)
				t->off = o;
			int64_t *z = realloc(t->size, (size_t)cap * sizeof *z);
			if (z)
				t->size = z;
			if (!nn || !o || !z) {
				st = dh_err_set(e, DH_ENOMEM, "out of memory");
				goto out;
			}
			t->cap = cap;
		}
		t->names[t->n] = strdup(archive_entry_pathname(en));
		if (!t->names[t->n]) {
			st = dh_err_set(e, DH_ENOMEM, "out of memory");
			goto out;
		}
		t->off[t->n] = hdr + 512;
		t->size[t->n] = size;
		t->n++;
	}
	if (r != ARCHIVE_EOF)
		st = dh_err_set(e, DH_EFORMAT, "%s: %s", path,
				archive_error_string(a));
out:
	archive_read_free(a);
	return st;
}

static int64_t table_find(const table *t, const int64_t *sorted,
			  const char *name)
{
	int64_t lo = 0, hi = t->n;
	while (lo < hi) {
		int64_t mid = (lo + hi) / 2;
		int c = strcmp(t->names[sorted[mid]], name);
		if (c == 0)
			return sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

dh_shards *dh_shards_open(const dh_ddf *d, dh_err *e)
{
	dh_shards *s = calloc(1, sizeof *s);
	table *tabs = NULL;
	int64_t **sorted = NULL;
	if (!s)
		goto nomem;
	s->n = d->nsamples;
	s->img = calloc((size_t)(s->n ? s->n : 1), sizeof *s->img);
	s->mask = calloc((size_t)(s->n ? s->n : 1), sizeof *s->mask);
	if (!s->img || !s->mask)
		goto nomem;
	for (int64_t i = 0; i < s->n; i++) {
		const dh_ddf_sample *sm = &d->samples[i];
		for (int which = 0; which < 2; which++) {
			const char *p = which ? sm->mask : sm->paths[0];
			member *m = which ? &s->mask[i] : &s->img[i];
			m->shard = -1;
			if (!p)
				continue;
			if (!which && sm->npaths != 1) {
				dh_err_set(e, DH_EFORMAT,
					   "%s:%d:%d: a packed sample has one "
					   "location",
					   d->path, sm->line, sm->col);
				goto fail;
			}
			char *arch;
			const char *name;
			if (split_member(p, &arch, &name)) {
				dh_err_set(e, DH_EFORMAT,
					   "%s:%d:%d: '%s' is not a member of "
					   "a shard (SHARD.tar/NAME)",
					   d->path, sm->line, sm->col, p);
				goto fail;
			}
			int k = 0;
			while (k < s->nshards && strcmp(s->names[k], arch))
				k++;
			if (k == s->nshards) {
				char **nn = realloc(s->names, (size_t)(k + 1) *
								      sizeof *nn);
				int *fd = realloc(s->fds,
						  (size_t)(k + 1) * sizeof *fd);
				if (nn)
					s->names = nn;
				if (fd)
					s->fds = fd;
				table *tt = realloc(tabs, (size_t)(k + 1) *
								  sizeof *tt);
				if (tt)
					tabs = tt;
				int64_t **so = realloc(sorted, (size_t)(k + 1) *
								       sizeof *so);
				if (so)
					sorted = so;
				if (!nn || !fd || !tt || !so) {
					free(arch);
					goto nomem;
				}
				s->names[k] = arch;
				s->fds[k] = -1;
				memset(&tabs[k], 0, sizeof tabs[k]);
				sorted[k] = NULL;
				s->nshards++;
				s->fds[k] = open(arch, O_RDONLY | O_CLOEXEC);
				if (s->fds[k] < 0) {
					dh_err_errno(e, errno,
						     "%s:%d:%d: cannot open "
						     "shard '%s'",
						     d->path, sm->line, sm->col,
						     arch);
					goto fail;
				}
				if (scan(arch, s->fds[k], &tabs[k], e))
					goto fail;
				sorted[k] = malloc((size_t)(tabs[k].n + 1) *
						   sizeof(int64_t));
				if (!sorted[k])
					goto nomem;
				for (int64_t j = 0; j < tabs[k].n; j++)
					sorted[k][j] = j;
				qsort_r(sorted[k], (size_t)tabs[k].n,
					sizeof(int64_t), cmp_name, &tabs[k]);
			} else {
				free(arch);
			}
			int64_t j = table_find(&tabs[k], sorted[k], name);
			if (j < 0) {
				dh_err_set(e, DH_EFORMAT,
					   "%s:%d:%d: shard '%s' has no member "
					   "'%s'",
					   d->path, sm->line, sm->col,
					   s->names[k], name);
				goto fail;
			}
			m->shard = k;
			m->offset = tabs[k].off[j];
			m->size = tabs[k].size[j];
		}
	}
	for (int k = 0; k < s->nshards; k++) {
		table_free(&tabs[k]);
		free(sorted[k]);
	}
	free(tabs);
	free(sorted);
	return s;
nomem:
	dh_err_set(e, DH_ENOMEM, "out of memory");
fail:
	if (s)
		for (int k = 0; k < s->nshards; k++) {
			table_free(&tabs[k]);
			free(sorted[k]);
		}
	free(tabs);
	free(sorted);
	dh_shards_free(s);
	return NULL;
}

dh_status dh_shards_read(const dh_shards *s, int64_t i, int mask,
			 dh_image **out, dh_err *e)
{
	*out = NULL;
	if (i < 0 || i >= s->n)
		return dh_err_set(e, DH_ERANGE, "sample %lld out of range",
				  (long long)i);
	const member *m = mask ? &s->mask[i] : &s->img[i];
	if (m->shard < 0)
		return dh_err_set(e, DH_EINVAL, "packed sample %lld has no %s",
				  (long long)i, mask ? "mask" : "image");
	if (m->size <= 0 || m->size > ((int64_t)1 << 40))
		return dh_err_set(e, DH_EFORMAT, "%s: bad member size",
				  s->names[m->shard]);
	unsigned char *buf = malloc((size_t)m->size);
	if (!buf)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)m->size) {
		ssize_t r = pread(s->fds[m->shard], buf + got,
				  (size_t)m->size - got,
				  (off_t)(m->offset + (int64_t)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			if (r < 0)
				return dh_err_errno(e, errno, "%s: read",
						    s->names[m->shard]);
			return dh_err_set(e, DH_EFORMAT, "%s: truncated",
					  s->names[m->shard]);
		}
		got += (size_t)r;
	}
	dh_status st = dh_image_from_npy(buf, got, out, e);
	free(buf);
	if (st)
		dh_err_prefix(e, "%s", s->names[m->shard]);
	return st;
}

/* --- .npy of an image -------------------------------------------------------- */

dh_status dh_image_to_npy(const dh_image *img, unsigned char **buf,
			  size_t *n, dh_err *e)
{
	char hdr[512];
	int64_t shape[4];
	int nd = 0;
	if (img->depth > 1)
		shape[nd++] = img->depth;
	shape[nd++] = img->height;
	shape[nd++] = img->width;
	shape[nd++] = img->channels;
	size_t h = dh_npy_format_header(img->dtype, nd, shape, hdr, sizeof hdr);
	if (!h)
		return dh_err_set(e, DH_EINVAL, "cannot describe the image");
	*n = h + img->nbytes;
	*buf = dh_malloc(*n, e);
	if (!*buf)
		return DH_ENOMEM;
	memcpy(*buf, hdr, h);
	memcpy(*buf + h, img->data, img->nbytes);
	return DH_OK;
}

dh_status dh_image_from_npy(const unsigned char *buf, size_t n,
			    dh_image **out, dh_err *e)
{
	*out = NULL;
	if (n < 10 || memcmp(buf, "\x93NUMPY", 6))
		return dh_err_set(e, DH_EFORMAT, "not a .npy member");
	size_t hl, off;
	if (buf[6] == 1) {
		hl = buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if (buf[6] == 2 || buf[6] == 3) {
		if (n < 12)
			return dh_err_set(e, DH_EFORMAT, "truncated .npy");
		hl = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
		     (size_t)buf[11] << 24;
		off = 12;
	} else {
		return dh_err_set(e, DH_EFORMAT, ".npy version %d", buf[6]);
	}
	if (hl > n - off)
		return dh_err_set(e, DH_EFORMAT, "truncated .npy header");
	dh_npy_header h;
	if (dh_npy_parse_dict((const char *)buf + off, hl, &h, e))
		return e ? e->status : DH_EFORMAT;
	if (h.big_endian || (h.ndim != 3 && h.ndim != 4) ||
	    !dh_image_dtype_ok(h.dtype))
		return dh_err_set(e, DH_EFORMAT,
				  "a packed sample is a C-order [H, W, C] "
				  "array of an image dtype");
	int d = h.ndim == 4 ? (int)h.shape[0] : 1;
	const int64_t *s = h.shape + (h.ndim - 3);
	if (s[0] < 1 || s[1] < 1 || s[2] < 1 || s[0] > DH_IMAGE_MAX_DIM ||
	    s[1] > DH_IMAGE_MAX_DIM || s[2] > DH_IMAGE_MAX_CHANNELS)
		return dh_err_set(e, DH_EFORMAT, "bad packed sample shape");
	int C = (int)s[2];
	dh_image *img = dh_image_new(h.dtype, (int)s[1], (int)s[0], d, C,
				     C == 1   ? DH_COLOR_GRAY
				     : C == 3 ? DH_COLOR_RGB
				     : C == 4 ? DH_COLOR_RGBA
					      : DH_COLOR_NONE,
				     e);
	if (!img)
		return e ? e->status : DH_ENOMEM;
	if (img->nbytes != n - off - hl) {
		dh_image_free(img);
		return dh_err_set(e, DH_EFORMAT,
				  "packed sample: %zu data bytes for %zu",
				  n - off - hl, img->nbytes);
	}
	memcpy(img->data, buf + off + hl, img->nbytes);
	*out = img;
	return DH_OK;
}

/* --- packing ----------------------------------------------------------------- */

#define PACK_CHUNK 1024

typedef struct packed_sample {
	unsigned char *img, *mask;
	size_t nimg, nmask;
	int state; /* 0 pending, 1 ok, 2 bad */
	dh_err err;
} packed_sample;

typedef struct pack_job {
	const dh_ddf *d;
	int64_t lo, hi;  /* the shard's samples */
	packed_sample *out;
	int64_t next;
	pthread_mutex_t mu;
} pack_job;

static void *pack_worker(void *arg)
{
	pack_job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		int64_t i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->hi)
			break;
		packed_sample *ps = &j->out[i - j->lo];
		dh_image *img = NULL, *mask = NULL;
		dh_err_clear(&ps->err);
		dh_status st = dh_loader_decode_sample(j->d, i, &img, &mask,
						       &ps->err);
		if (!st)
			st = dh_image_to_npy(img, &ps->img, &ps->nimg,
					     &ps->err);
		if (!st && mask)
			st = dh_image_to_npy(mask, &ps->mask, &ps->nmask,
					     &ps->err);
		dh_image_free(img);
		dh_image_free(mask);
		ps->state = st ? 2 : 1;
	}
	return NULL;
}

static dh_status add_member(struct archive *a, const char *name,
			    const unsigned char *data, size_t n,
			    const char *path, dh_err *e)
{
	struct archive_entry *en = archive_entry_new();
	if (!en)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	archive_entry_set_pathname(en, name);
	archive_entry_set_size(en, (la_int64_t)n);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_mtime(en, 0, 0);
	dh_status st = DH_OK;
	if (archive_write_header(a, en) != ARCHIVE_OK ||
	    archive_write_data(a, data, n) != (la_ssize_t)n)
		st = dh_err_set(e, DH_EIO, "%s: %s", path,
				archive_error_string(a));
	archive_entry_free(en);
	return st;
}

dh_status dh_ddf_pack(const dh_ddf *d, const char *outdir,
		      const dh_pack_opts *o, int64_t *skipped, dh_err *e)
{
	int64_t per = o && o->per_shard > 0 ? o->per_shard : 10000;
	int nth = o ? o->threads : 0;
	if (nth <= 0 && dh_threads_resolve(0, &nth, e))
		return e->status;
	if (nth > 64)
		nth = 64;
	if (mkdir(outdir, 0777) && errno != EEXIST)
		return dh_err_errno(e, errno, "cannot make folder '%s'", outdir);
	dh_ddf *ix = dh_ddf_new(d->name);
	if (!ix)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	dh_status st = dh_ddf_set_dir(ix, outdir, e);
	if (!st && d->description && !(ix->description = strdup(d->description)))
		st = dh_err_set(e, DH_ENOMEM, "out of memory");
	ix->packed_version = 1;
	for (int k = 0; !st && k < d->nclasses; k++)
		st = dh_ddf_add_class(ix, d->classes[k], e);
	for (int k = 0; !st && k < d->nfeatures; k++)
		st = dh_ddf_add_feature(ix, d->features[k], e);
	int64_t *newidx = malloc((size_t)(d->nsamples + 1) * sizeof *newidx);
	packed_sample *buf = calloc(PACK_CHUNK, sizeof *buf);
	pthread_t *th = calloc((size_t)nth, sizeof *th);
	if (!st && (!newidx || !buf || !th))
		st = dh_err_set(e, DH_ENOMEM, "out of memory");
	int64_t nskip = 0;
	int shard = 0;
	size_t plen = strlen(outdir) + 64;
	char *tarpath = malloc(plen), *tmppath = malloc(plen + 8);
	if (!st && (!tarpath || !tmppath))
		st = dh_err_set(e, DH_ENOMEM, "out of memory");
	for (int64_t lo0 = 0; !st && lo0 < d->nsamples; lo0 += per, shard++) {
		int64_t hi0 = lo0 + per < d->nsamples ? lo0 + per : d->nsamples;
		char tarname[64];
		snprintf(tarname, sizeof tarname, "shard-%05d.tar", shard);
		snprintf(tarpath, plen, "%s/%s", outdir, tarname);
		snprintf(tmppath, plen + 8, "%s.tmp", tarpath);
		struct archive *a = archive_write_new();
		if (!a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
		    archive_write_open_filename(a, tmppath) != ARCHIVE_OK) {
			st = dh_err_set(e, DH_EIO, "cannot write '%s': %s",
					tmppath, a ? archive_error_string(a) : "");
			if (a)
				archive_write_free(a);
			break;
		}
		for (int64_t lo = lo0; !st && lo < hi0; lo += PACK_CHUNK) {
		int64_t hi = lo + PACK_CHUNK < hi0 ? lo + PACK_CHUNK : hi0;
		pack_job j = {.d = d, .lo = lo, .hi = hi, .out = buf,
			      .next = lo};
		pthread_mutex_init(&j.mu, NULL);
		memset(buf, 0, (size_t)(hi - lo) * sizeof *buf);
		int started = 0;
		for (int t = 0; t < nth; t++)
			if (!pthread_create(&th[t], NULL, pack_worker, &j))
				started++;
			else
				break;
		if (!started)
			pack_worker(&j);
		for (int t = 0; t < started; t++)
			pthread_join(th[t], NULL);
		pthread_mutex_destroy(&j.mu);
		for (int64_t i = lo; !st && i < hi; i++) {
			packed_sample *ps = &buf[i - lo];
			if (ps->state != 1) {
				if (o && o->skip_bad) {
					nskip++;
					newidx[i] = -1;
					continue;
				}
				if (e)
					*e = ps->err;
				st = ps->err.status ? ps->err.status
						    : DH_EFORMAT;
				break;
			}
			char name[64], rel[160];
			snprintf(name, sizeof name, "%08lld.npy", (long long)i);
			st = add_member(a, name, ps->img, ps->nimg, tmppath, e);
			snprintf(rel, sizeof rel, "%s/%s", tarname, name);
			int lab = d->samples[i].kind == DH_DDF_LABEL_CLASS
					  ? d->samples[i].label
					  : -1;
			int64_t k = st ? -1 : dh_ddf_add_sample(ix, rel, lab, e);
			if (k < 0) {
				st = e ? e->status : DH_EFORMAT;
				break;
			}
			newidx[i] = k;
			dh_ddf_sample *ns = &ix->samples[k];
			const dh_ddf_sample *os = &d->samples[i];
			if (os->kind == DH_DDF_LABEL_MULTI) {
				ns->kind = DH_DDF_LABEL_MULTI;
				ns->labels = malloc((size_t)(os->nlabels + 1) *
						    sizeof(int));
				if (!ns->labels) {
					st = dh_err_set(e, DH_ENOMEM,
							"out of memory");
					break;
				}
				memcpy(ns->labels, os->labels,
				       (size_t)os->nlabels * sizeof(int));
				ns->nlabels = os->nlabels;
			}
			if (os->nvalues && os->value_text) {
				ns->values = calloc((size_t)os->nvalues,
						    sizeof(double));
				ns->value_text = calloc((size_t)os->nvalues,
							sizeof(char *));
				if (!ns->values || !ns->value_text) {
					st = dh_err_set(e, DH_ENOMEM,
							"out of memory");
					break;
				}
				ns->nvalues = os->nvalues;
				for (int v = 0; v < os->nvalues; v++) {
					ns->values[v] = os->values[v];
					if (os->value_text[v])
						ns->value_text[v] =
							strdup(os->value_text[v]);
				}
			}
			if (ps->mask) {
				snprintf(name, sizeof name, "%08lld.mask.npy",
					 (long long)i);
				st = add_member(a, name, ps->mask, ps->nmask,
						tmppath, e);
				snprintf(rel, sizeof rel, "%s/%s", tarname,
					 name);
				if (!st)
					st = dh_ddf_set_mask(ix, k, rel, e);
			}
		}
		for (int64_t i = lo; i < hi; i++) {
			free(buf[i - lo].img);
			free(buf[i - lo].mask);
		}
		}
		if (archive_write_close(a) != ARCHIVE_OK && !st)
			st = dh_err_set(e, DH_EIO, "cannot write '%s': %s",
					tmppath, archive_error_string(a));
		archive_write_free(a);
		if (!st && rename(tmppath, tarpath))
			st = dh_err_errno(e, errno, "cannot rename '%s'",
					  tmppath);
		if (st)
			unlink(tmppath);
	}
	/* splits, renumbered past skipped samples */
	for (int k = 0; !st && k < d->nsplits; k++) {
		const dh_ddf_split *sp = &d->splits[k];
		int64_t *idx = malloc((size_t)(sp->n + 1) * sizeof *idx), m = 0;
		if (!idx) {
			st = dh_err_set(e, DH_ENOMEM, "out of memory");
			break;
		}
		for (int64_t j = 0; j < sp->n; j++)
			if (newidx[sp->idx[j]] >= 0)
				idx[m++] = newidx[sp->idx[j]];
		st = dh_ddf_add_split(ix, sp->name, idx, m, e);
		free(idx);
	}
	if (!st) {
		snprintf(tarpath, plen, "%s/%s", outdir, DH_SHARDS_INDEX);
		st = dh_ddf_write(ix, tarpath, e);
	}
	if (skipped)
		*skipped = nskip;
	free(tarpath);
	free(tmppath);
	free(newidx);
	free(buf);
	free(th);
	dh_ddf_free(ix);
	return st;
}
