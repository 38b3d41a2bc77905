/* ddf.c - the DeepHealth Dataset Format: parse, validate, build, write
 * (see ddf.h and dh-ddf(5)). */
#include "dataset/ddf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "cli/opt.h"
#include "core/alloc.h"
#include "core/atomicfile.h"
#include "core/slurp.h"

#define DDF_DEFAULT_NAME "DeepHealth dataset"
#define DH_SHARDS_INDEX "index.yml"

/* --- building blocks ------------------------------------------------------ */

static char *join_path(const char *dir, const char *rel, dh_err *e)
{
	if (rel[0] == '/' || !dir || !dir[0] || !strcmp(dir, "."))
		return dh_strdup(rel, e);
	size_t a = strlen(dir), b = strlen(rel);
	char *p = dh_malloc(a + b + 2, e);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, rel, b + 1);
	return p;
}

static char *dir_of(const char *path, dh_err *e)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return dh_strdup(".", e);
	if (s == path)
		return dh_strdup("/", e);
	size_t n = (size_t)(s - path);
	char *d = dh_malloc(n + 1, e);
	if (d) {
		memcpy(d, path, n);
		d[n] = 0;
	}
	return d;
}

static int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) ||
	       !strncmp(s, "ftp://", 6) || !strncmp(s, "file://", 7);
}

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void sample_release(dh_ddf_sample *s)
{
	for (int i = 0; i < s->npaths; i++) {
		free(s->paths[i]);
		if (s->rel_paths)
			free(s->rel_paths[i]);
	}
	free(s->paths);
	free(s->rel_paths);
	free(s->labels);
	free(s->mask);
	free(s->rel_mask);
	free(s->values);
	if (s->value_text) {
		for (int i = 0; i < s->nvalues; i++)
			free(s->value_text[i]);
		free(s->value_text);
	}
	memset(s, 0, sizeof *s);
}

void dh_ddf_free(dh_ddf *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->dir);
	free(d->name);
	free(d->description);
	for (int i = 0; i < d->nclasses; i++)
		free(d->classes[i]);
	free(d->classes);
	for (int i = 0; i < d->nfeatures; i++)
		free(d->features[i]);
	free(d->features);
	for (int64_t i = 0; i < d->nsamples; i++)
		sample_release(&d->samples[i]);
	free(d->samples);
	for (int i = 0; i < d->nsplits; i++) {
		free(d->splits[i].name);
		free(d->splits[i].idx);
	}
	free(d->splits);
	if (d->packed && d->packed_free)
		d->packed_free(d->packed);
	free(d);
}

dh_ddf *dh_ddf_new(const char *name)
{
	dh_ddf *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->name = strdup(name ? name : DDF_DEFAULT_NAME);
	d->dir = strdup(".");
	if (!d->name || !d->dir) {
		dh_ddf_free(d);
		return NULL;
	}
	return d;
}

dh_status dh_ddf_set_dir(dh_ddf *d, const char *dir, dh_err *e)
{
	char *c = dh_strdup(dir && dir[0] ? dir : ".", e);
	if (!c)
		return DH_ENOMEM;
	free(d->dir);
	d->dir = c;
	return DH_OK;
}

int dh_ddf_class_find(const dh_ddf *d, const char *name)
{
	for (int i = 0; i < d->nclasses; i++)
		if (!strcmp(d->classes[i], name))
			return i;
	return -1;
}

static dh_status push_str(char ***arr, int *n, const char *s, dh_err *e)
{
	char **a = dh_realloc(*arr, (size_t)(*n + 1) * sizeof *a, e);
	if (!a)
		return DH_ENOMEM;
	*arr = a;
	if (!(a[*n] = dh_strdup(s, e)))
		return DH_ENOMEM;
	(*n)++;
	return DH_OK;
}

dh_status dh_ddf_add_class(dh_ddf *d, const char *name, dh_err *e)
{
	if (!name[0])
		return dh_err_set(e, DH_EINVAL, "empty class name");
	if (dh_ddf_class_find(d, name) >= 0)
		return dh_err_set(e, DH_EINVAL, "class '%s' declared twice",
				  name);
	return push_str(&d->classes, &d->nclasses, name, e);
}

dh_status dh_ddf_add_feature(dh_ddf *d, const char *name, dh_err *e)
{
	for (int i = 0; i < d->nfeatures; i++)
		if (!strcmp(d->features[i], name))
			return dh_err_set(e, DH_EINVAL,
					  "feature '%s' declared twice", name);
	return push_str(&d->features, &d->nfeatures, name, e);
}

static dh_ddf_sample *new_sample(dh_ddf *d, dh_err *e)
{
	if (d->nsamples == d->cap_samples) {
		int64_t cap = d->cap_samples ? d->cap_samples * 2 : 64;
		dh_ddf_sample *s = dh_realloc(d->samples,
					      (size_t)cap * sizeof *s, e);
		if (!s)
			return NULL;
		d->samples = s;
		d->cap_samples = cap;
	}
	dh_ddf_sample *s = &d->samples[d->nsamples++];
	memset(s, 0, sizeof *s);
	s->label = -1;
	return s;
}

static dh_status sample_add_path(const dh_ddf *d, dh_ddf_sample *s,
				 const char *rel, dh_err *e)
{
	char **p = dh_realloc(s->paths, (size_t)(s->npaths + 1) * sizeof *p, e);
	if (!p)
		return DH_ENOMEM;
	s->paths = p;
	char **r = dh_realloc(s->rel_paths,
			      (size_t)(s->npaths + 1) * sizeof *r, e);
	if (!r)
		return DH_ENOMEM;
	s->rel_paths = r;
	r[s->npaths] = dh_strdup(rel, e);
	p[s->npaths] = join_path(d->dir, rel, e);
	if (!r[s->npaths] || !p[s->npaths]) {
		free(r[s->npaths]);
		free(p[s->npaths]);
		return DH_ENOMEM;
	}
	s->npaths++;
	return DH_OK;
}

int64_t dh_ddf_add_sample(dh_ddf *d, const char *path_rel, int label,
			  dh_err *e)
{
	if (!path_rel || !path_rel[0]) {
		dh_err_set(e, DH_EINVAL, "empty image path");
		return -1;
	}
	if (label < -1 || label >= d->nclasses) {
		dh_err_set(e, DH_ERANGE,
			   "label %d out of range (%d classes)", label,
			   d->nclasses);
		return -1;
	}
	dh_ddf_sample *s = new_sample(d, e);
	if (!s)
		return -1;
	if (sample_add_path(d, s, path_rel, e)) {
		sample_release(s);
		d->nsamples--;
		return -1;
	}
	if (label >= 0) {
		s->kind = DH_DDF_LABEL_CLASS;
		s->label = label;
	}
	return d->nsamples - 1;
}

dh_status dh_ddf_set_mask(dh_ddf *d, int64_t i, const char *mask_rel,
			  dh_err *e)
{
	if (i < 0 || i >= d->nsamples)
		return dh_err_set(e, DH_ERANGE, "sample %lld out of range",
				  (long long)i);
	dh_ddf_sample *s = &d->samples[i];
	char *rel = dh_strdup(mask_rel, e);
	char *abs = join_path(d->dir, mask_rel, e);
	if (!rel || !abs) {
		free(rel);
		free(abs);
		return DH_ENOMEM;
	}
	free(s->mask);
	free(s->rel_mask);
	free(s->labels);
	s->labels = NULL;
	s->nlabels = 0;
	s->label = -1;
	s->mask = abs;
	s->rel_mask = rel;
	s->kind = DH_DDF_LABEL_MASK;
	return DH_OK;
}

/* Check range and duplicates of an index list; `where` prefixes messages.
 * lines/cols (may be NULL) place each index. */
static dh_status check_indices(const dh_ddf *d, const char *split,
			       const int64_t *idx, int64_t n, const int *lines,
			       const int *cols, dh_err *e)
{
	unsigned char *seen = calloc((size_t)d->nsamples + 1, 1);
	int64_t *first = calloc((size_t)d->nsamples + 1, sizeof *first);
	dh_status s = DH_OK;
	if (!seen || !first) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t k = 0; k < n; k++) {
		char at[96] = "";
		if (lines)
			snprintf(at, sizeof at, "%s:%d:%d: ", d->path ? d->path : "-",
				 lines[k], cols[k]);
		if (idx[k] < 0 || idx[k] >= d->nsamples) {
			s = dh_err_set(e, DH_ERANGE,
				       "%ssplit '%s': index %lld out of range "
				       "(%lld images: 0 to %lld)",
				       at, split, (long long)idx[k],
				       (long long)d->nsamples,
				       (long long)d->nsamples - 1);
			goto out;
		}
		if (seen[idx[k]]) {
			if (lines)
				s = dh_err_set(e, DH_EINVAL,
					       "%ssplit '%s': index %lld "
					       "appears twice (first at line "
					       "%d)",
					       at, split, (long long)idx[k],
					       lines[first[idx[k]]]);
			else
				s = dh_err_set(e, DH_EINVAL,
					       "split '%s': index %lld appears "
					       "twice",
					       split, (long long)idx[k]);
			goto out;
		}
		seen[idx[k]] = 1;
		first[idx[k]] = k;
	}
out:
	free(seen);
	free(first);
	return s;
}

dh_status dh_ddf_add_split(dh_ddf *d, const char *name, const int64_t *idx,
			   int64_t n, dh_err *e)
{
	if (!name || !name[0])
		return dh_err_set(e, DH_EINVAL, "empty split name");
	dh_status s = check_indices(d, name, idx, n, NULL, NULL, e);
	if (s)
		return s;
	int64_t *copy = dh_malloc((size_t)(n ? n : 1) * sizeof *copy, e);
	if (!copy)
		return DH_ENOMEM;
	if (n)
		memcpy(copy, idx, (size_t)n * sizeof *copy);
	for (int i = 0; i < d->nsplits; i++)
		if (!strcmp(d->splits[i].name, name)) {
			free(d->splits[i].idx);
			d->splits[i].idx = copy;
			d->splits[i].n = n;
			return DH_OK;
		}
	dh_ddf_split *sp = dh_realloc(d->splits,
				      (size_t)(d->nsplits + 1) * sizeof *sp, e);
	if (!sp) {
		free(copy);
		return DH_ENOMEM;
	}
	d->splits = sp;
	sp[d->nsplits].name = dh_strdup(name, e);
	if (!sp[d->nsplits].name) {
		free(copy);
		return DH_ENOMEM;
	}
	sp[d->nsplits].idx = copy;
	sp[d->nsplits].n = n;
	d->nsplits++;
	return DH_OK;
}

const dh_ddf_split *dh_ddf_split_find(const dh_ddf *d, const char *name)
{
	for (int i = 0; i < d->nsplits; i++)
		if (!strcmp(d->splits[i].name, name))
			return &d->splits[i];
	return NULL;
}

void dh_ddf_oneline(char *msg, size_t cap)
{
	char out[DH_ERR_MSG_MAX];
	size_t o = 0;
	for (const unsigned char *c = (const unsigned char *)msg;
	     *c && o + 5 < sizeof out; c++) {
		if (*c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*c < 0x20 || *c == 0x7f) {
			o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x",
					      *c);
		} else {
			out[o++] = (char)*c;
		}
	}
	out[o] = 0;
	snprintf(msg, cap, "%s", out);
}

/* --- the parser ------------------------------------------------------------ */

typedef struct parser {
	yaml_document_t doc;
	dh_ddf *d;
	const char *path;
	dh_err *e;
} parser;

#define LINE(n) ((int)(n)->start_mark.line + 1)
#define COL(n) ((int)(n)->start_mark.column + 1)

__attribute__((format(printf, 3, 4))) static dh_status
fail(parser *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[DH_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dh_status st;
	if (n)
		st = dh_err_set(p->e, DH_EFORMAT, "%s:%d:%d: %s", p->path,
				LINE(n), COL(n), msg);
	else
		st = dh_err_set(p->e, DH_EFORMAT, "%s:1:1: %s", p->path, msg);
	if (p->e)
		dh_ddf_oneline(p->e->msg, sizeof p->e->msg);
	return st;
}

static yaml_node_t *node(parser *p, int id)
{
	return yaml_document_get_node(&p->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a map";
	default:
		return "nothing";
	}
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain (unquoted) scalar that YAML would read as null. */
static int is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *s = scalar(n);
	return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* A plain scalar holding a whole integer. */
static int as_int(const yaml_node_t *n, long long *v)
{
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return dh_parse_ll(scalar(n), v) == 0;
}

static dh_status want_scalar(parser *p, const yaml_node_t *n,
			     const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(p, n, "%s must be a string, not %s", what,
			    kind_name(n));
	return DH_OK;
}

/* " (did you mean 'NAME'?)" for the nearest of names when it is near
 * enough to be a likely typo, else "". */
static const char *hint(char *buf, size_t bn, const char *s,
			char *const *names, int n)
{
	int bd = 1 << 30;
	const char *best = NULL;
	for (int i = 0; i < n; i++) {
		int k = dh_edit_distance(s, names[i]);
		if (k < bd) {
			bd = k;
			best = names[i];
		}
	}
	buf[0] = 0;
	int lim = (int)strlen(s) / 3 + 1;
	if (best && bd <= (lim < 2 ? 2 : lim) && bd < (int)strlen(s))
		snprintf(buf, bn, " (did you mean '%s'?)", best);
	return buf;
}


static dh_status parse_string_list(parser *p, const yaml_node_t *n,
				   const char *key, char ***out, int *count)
{
	if (is_null(n))
		return DH_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "'%s' must be a list of names, not %s", key,
			    kind_name(n));
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *c = node(p, *it);
		if (c->type != YAML_SCALAR_NODE || is_null(c) ||
		    !scalar(c)[0])
			return fail(p, c, "'%s' entries must be names, not %s",
				    key, is_null(c) ? "empty" : kind_name(c));
		for (int i = 0; i < *count; i++)
			if (!strcmp((*out)[i], scalar(c)))
				return fail(p, c, "%s: '%s' appears twice",
					    key, scalar(c));
		if (push_str(out, count, scalar(c), p->e))
			return DH_ENOMEM;
	}
	return DH_OK;
}

static dh_status parse_location(parser *p, dh_ddf_sample *s,
				const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE) {
		if (n->data.sequence.items.top == n->data.sequence.items.start)
			return fail(p, n, "empty list of image locations");
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			if (parse_location(p, s, node(p, *it)))
				return p->e ? p->e->status : DH_EFORMAT;
		return DH_OK;
	}
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(p, n, "an image location must be a path, not %s",
			    is_null(n) ? "empty" : kind_name(n));
	const char *v = scalar(n);
	if (!v[0])
		return fail(p, n, "empty image location");
	if (is_url(v))
		return fail(p, n,
			    "'%s': URLs are not supported (download the file "
			    "and give its path)",
			    v);
	return sample_add_path(p->d, s, v, p->e) ? DH_ENOMEM : DH_OK;
}

static dh_status label_name(parser *p, const yaml_node_t *c, int *out)
{
	long long v;
	if (as_int(c, &v)) {
		if (!p->d->nclasses)
			return fail(p, c,
				    "label %lld is a class index, but the "
				    "file declares no 'classes'",
				    v);
		if (v < 0 || v >= p->d->nclasses)
			return fail(p, c,
				    "class index %lld out of range (%d "
				    "classes: 0 to %d)",
				    v, p->d->nclasses, p->d->nclasses - 1);
		*out = (int)v;
		return DH_OK;
	}
	if (c->type != YAML_SCALAR_NODE || is_null(c))
		return fail(p, c, "a label must be a class, not %s",
			    is_null(c) ? "empty" : kind_name(c));
	int k = dh_ddf_class_find(p->d, scalar(c));
	if (k < 0) {
		char h[300];
		if (p->d->nclasses)
			return fail(p, c, "label '%s' is not a class%s",
				    scalar(c),
				    hint(h, sizeof h, scalar(c), p->d->classes,
					 p->d->nclasses));
		return fail(p, c, "label '%s': the file declares no 'classes'",
			    scalar(c));
	}
	*out = k;
	return DH_OK;
}

static dh_status parse_label(parser *p, dh_ddf_sample *s,
			     const yaml_node_t *n)
{
	if (is_null(n))
		return DH_OK;
	if (n->type == YAML_SEQUENCE_NODE) {
		s->kind = DH_DDF_LABEL_MULTI;
		size_t cnt = (size_t)(n->data.sequence.items.top -
				      n->data.sequence.items.start);
		s->labels = dh_malloc((cnt ? cnt : 1) * sizeof(int), p->e);
		if (!s->labels)
			return DH_ENOMEM;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			yaml_node_t *c = node(p, *it);
			int k;
			if (label_name(p, c, &k))
				return DH_EFORMAT;
			for (int j = 0; j < s->nlabels; j++)
				if (s->labels[j] == k)
					return fail(p, c,
						    "label '%s' appears twice",
						    p->d->classes[k]);
			s->labels[s->nlabels++] = k;
		}
		return DH_OK;
	}
	if (n->type != YAML_SCALAR_NODE)
		return fail(p, n, "a label must be a class, a list of classes "
			    "or a mask path, not %s", kind_name(n));
	long long v;
	if (as_int(n, &v) || dh_ddf_class_find(p->d, scalar(n)) >= 0) {
		s->kind = DH_DDF_LABEL_CLASS;
		return label_name(p, n, &s->label);
	}
	/* not a class: a mask file, which must exist */
	const char *m = scalar(n);
	if (is_url(m))
		return fail(p, n,
			    "'%s': URLs are not supported (download the file "
			    "and give its path)",
			    m);
	char *abs = join_path(p->d->dir, m, p->e);
	if (!abs)
		return DH_ENOMEM;
	if (!file_exists(abs)) {
		free(abs);
		char h[300];
		if (p->d->nclasses)
			return fail(p, n,
				    "label '%s' is neither a class nor an "
				    "existing mask file%s",
				    m,
				    hint(h, sizeof h, m, p->d->classes,
					 p->d->nclasses));
		return fail(p, n, "label '%s': no such mask file", m);
	}
	s->kind = DH_DDF_LABEL_MASK;
	s->mask = abs;
	s->rel_mask = dh_strdup(m, p->e);
	return s->rel_mask ? DH_OK : DH_ENOMEM;
}

static dh_status set_value(parser *p, dh_ddf_sample *s, int k,
			   const yaml_node_t *c)
{
	if (is_null(c))
		return DH_OK;
	if (c->type != YAML_SCALAR_NODE)
		return fail(p, c, "feature '%s': a value must be a scalar, "
			    "not %s", p->d->features[k], kind_name(c));
	if (s->value_text[k])
		return fail(p, c, "feature '%s' given twice",
			    p->d->features[k]);
	s->value_text[k] = dh_strdup(scalar(c), p->e);
	if (!s->value_text[k])
		return DH_ENOMEM;
	double v;
	s->values[k] = dh_parse_double(scalar(c), &v) == 0 ? v : NAN;
	return DH_OK;
}

static dh_status parse_values(parser *p, dh_ddf_sample *s,
			      const yaml_node_t *n)
{
	if (is_null(n))
		return DH_OK;
	int nf = p->d->nfeatures;
	if (!nf)
		return fail(p, n, "'values' given, but the file declares no "
			    "'features'");
	s->values = dh_malloc((size_t)nf * sizeof(double), p->e);
	s->value_text = calloc((size_t)nf, sizeof(char *));
	if (!s->values || !s->value_text)
		return dh_err_set(p->e, DH_ENOMEM, "out of memory");
	s->nvalues = nf;
	for (int k = 0; k < nf; k++)
		s->values[k] = NAN;
	if (n->type == YAML_SEQUENCE_NODE) {
		int k = 0;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++, k++) {
			yaml_node_t *c = node(p, *it);
			if (k >= nf)
				return fail(p, c,
					    "more values than the %d "
					    "features",
					    nf);
			if (set_value(p, s, k, c))
				return p->e ? p->e->status : DH_EFORMAT;
		}
		return DH_OK;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "'values' must be a list (in features "
			    "order) or a map, not %s", kind_name(n));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(p, pr->key);
		if (want_scalar(p, key, "a feature name"))
			return DH_EFORMAT;
		int k = -1;
		for (int j = 0; j < nf; j++)
			if (!strcmp(p->d->features[j], scalar(key)))
				k = j;
		if (k < 0) {
			char h[300];
			return fail(p, key, "'%s' is not a feature%s",
				    scalar(key),
				    hint(h, sizeof h, scalar(key),
					 p->d->features, nf));
		}
		if (set_value(p, s, k, node(p, pr->value)))
			return p->e ? p->e->status : DH_EFORMAT;
	}
	return DH_OK;
}

static const char *const image_keys[] = {"location", "label", "values"};

static dh_status parse_image(parser *p, const yaml_node_t *n)
{
	dh_ddf_sample *s = new_sample(p->d, p->e);
	if (!s)
		return DH_ENOMEM;
	s->line = LINE(n);
	s->col = COL(n);
	if (n->type != YAML_MAPPING_NODE)
		return parse_location(p, s, n);
	const yaml_node_t *loc = NULL, *lab = NULL, *val = NULL;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(p, pr->key);
		if (want_scalar(p, key, "a key"))
			return DH_EFORMAT;
		const char *k = scalar(key);
		const yaml_node_t **slot = !strcmp(k, "location") ? &loc
					   : !strcmp(k, "label")  ? &lab
					   : !strcmp(k, "values") ? &val
								  : NULL;
		if (!slot) {
			char h[300];
			hint(h, sizeof h, k, (char *const *)image_keys, 3);
			return fail(p, key, "unknown image key '%s'%s", k,
				    h[0] ? h
					 : " (known: location, label, "
					   "values)");
		}
		if (*slot)
			return fail(p, key, "'%s' given twice", k);
		*slot = node(p, pr->value);
	}
	if (!loc)
		return fail(p, n, "image without a 'location'");
	if (parse_location(p, s, loc) ||
	    (lab && parse_label(p, s, lab)) ||
	    (val && parse_values(p, s, val)))
		return p->e ? p->e->status : DH_EFORMAT;
	return DH_OK;
}

static dh_status parse_split(parser *p, const yaml_node_t *n)
{
	if (is_null(n))
		return DH_OK;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "'split' must be a map from split names to "
			    "index lists, not %s", kind_name(n));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(p, pr->key), *v = node(p, pr->value);
		if (want_scalar(p, key, "a split name"))
			return DH_EFORMAT;
		const char *name = scalar(key);
		if (!name[0])
			return fail(p, key, "empty split name");
		if (dh_ddf_split_find(p->d, name))
			return fail(p, key, "split '%s' given twice", name);
		int64_t cnt = 0;
		if (!is_null(v)) {
			if (v->type != YAML_SEQUENCE_NODE)
				return fail(p, v,
					    "split '%s' must be a list of "
					    "image indices, not %s",
					    name, kind_name(v));
			cnt = v->data.sequence.items.top -
			      v->data.sequence.items.start;
		}
		int64_t *idx = malloc((size_t)(cnt ? cnt : 1) * sizeof *idx);
		int *lines = malloc((size_t)(cnt ? cnt : 1) * sizeof(int));
		int *cols = malloc((size_t)(cnt ? cnt : 1) * sizeof(int));
		dh_status st = DH_OK;
		if (!idx || !lines || !cols)
			st = dh_err_set(p->e, DH_ENOMEM, "out of memory");
		for (int64_t k = 0; !st && k < cnt; k++) {
			yaml_node_t *c = node(p, v->data.sequence.items.start[k]);
			long long x = 0;
			if (!as_int(c, &x))
				st = fail(p, c,
					  "split '%s': '%s' is not an image "
					  "index",
					  name,
					  c->type == YAML_SCALAR_NODE
						  ? scalar(c)
						  : kind_name(c));
			idx[k] = x;
			lines[k] = LINE(c);
			cols[k] = COL(c);
		}
		if (!st)
			st = check_indices(p->d, name, idx, cnt, lines, cols,
					   p->e);
		if (!st)
			st = dh_ddf_add_split(p->d, name, idx, cnt, p->e);
		free(idx);
		free(lines);
		free(cols);
		if (st)
			return st;
	}
	return DH_OK;
}

static const char *const top_keys[] = {
	"name", "description", "classes", "features", "images", "split",
	"dh-packed"};
#define NTOP (int)(sizeof top_keys / sizeof *top_keys)

static dh_status parse_root(parser *p, const yaml_node_t *root)
{
	if (!root)
		return fail(p, NULL, "empty file: a dataset needs 'images'");
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, root, "a dataset must be a map (name, classes, "
			    "images, split...), not %s", kind_name(root));
	const yaml_node_t *v[NTOP] = {0};
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(p, pr->key);
		if (want_scalar(p, key, "a key"))
			return DH_EFORMAT;
		int j = 0;
		while (j < NTOP && strcmp(top_keys[j], scalar(key)))
			j++;
		if (j == NTOP) {
			char h[300];
			hint(h, sizeof h, scalar(key),
			     (char *const *)top_keys, NTOP - 1);
			return fail(p, key, "unknown key '%s'%s", scalar(key),
				    h[0] ? h
					 : " (known: name, description, "
					   "classes, features, images, "
					   "split)");
		}
		if (v[j])
			return fail(p, key, "'%s' given twice", top_keys[j]);
		v[j] = node(p, pr->value);
	}
	dh_ddf *d = p->d;
	if (v[0] && !is_null(v[0])) {
		if (want_scalar(p, v[0], "'name'"))
			return DH_EFORMAT;
		free(d->name);
		if (!(d->name = dh_strdup(scalar(v[0]), p->e)))
			return DH_ENOMEM;
	}
	if (v[1] && !is_null(v[1])) {
		if (want_scalar(p, v[1], "'description'"))
			return DH_EFORMAT;
		if (!(d->description = dh_strdup(scalar(v[1]), p->e)))
			return DH_ENOMEM;
	}
	if (v[2] && parse_string_list(p, v[2], "classes", &d->classes,
				      &d->nclasses))
		return p->e ? p->e->status : DH_EFORMAT;
	if (v[3] && parse_string_list(p, v[3], "features", &d->features,
				      &d->nfeatures))
		return p->e ? p->e->status : DH_EFORMAT;
	if (!v[4])
		return fail(p, root, "no 'images' list");
	if (v[4]->type != YAML_SEQUENCE_NODE)
		return fail(p, v[4], "'images' must be a list, not %s",
			    kind_name(v[4]));
	for (yaml_node_item_t *it = v[4]->data.sequence.items.start;
	     it < v[4]->data.sequence.items.top; it++)
		if (parse_image(p, node(p, *it)))
			return p->e ? p->e->status : DH_EFORMAT;
	if (v[5] && parse_split(p, v[5]))
		return p->e ? p->e->status : DH_EFORMAT;
	if (v[6]) {
		long long ver;
		if (!as_int(v[6], &ver) || ver != 1)
			return fail(p, v[6], "'dh-packed' must be 1 (packed "
				    "shards of this version)");
		d->packed_version = 1;
	}
	return DH_OK;
}

/* ECVL writes "%YAML:1.2" (OpenCV's form), which YAML itself does not allow;
 * the directive line (either form) is blanked so that line numbers stay. */
static void blank_directive(char *t, size_t n)
{
	size_t i = 0;
	if (n >= 3 && (unsigned char)t[0] == 0xEF &&
	    (unsigned char)t[1] == 0xBB && (unsigned char)t[2] == 0xBF)
		i = 3;
	if (n - i >= 5 && !strncmp(t + i, "%YAML", 5))
		for (; i < n && t[i] != '\n'; i++)
			t[i] = ' ';
}

dh_ddf *dh_ddf_parse(const char *text, size_t n, const char *path, dh_err *e)
{
	dh_ddf *d = dh_ddf_new(NULL);
	char *t = malloc(n + 1);
	if (!d || !t) {
		free(t);
		dh_ddf_free(d);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(t, text, n);
	t[n] = 0;
	blank_directive(t, n);
	free(d->dir);
	d->dir = dir_of(path, e);
	d->path = dh_strdup(path, e);
	parser p = {.d = d, .path = path, .e = e};
	yaml_parser_t yp;
	dh_status st = DH_OK;
	if (!d->dir || !d->path || !yaml_parser_initialize(&yp)) {
		free(t);
		dh_ddf_free(d);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)t, n);
	if (!yaml_parser_load(&yp, &p.doc)) {
		yaml_mark_t m = yp.problem_mark;
		if (yp.error == YAML_MEMORY_ERROR)
			st = dh_err_set(e, DH_ENOMEM, "%s: out of memory", path);
		else if (yp.error == YAML_READER_ERROR)
			st = dh_err_set(e, DH_EFORMAT,
					"%s: byte %zu: not YAML text: %s", path,
					yp.problem_offset,
					yp.problem ? yp.problem : "error");
		else
			st = dh_err_set(e, DH_EFORMAT,
					"%s:%zu:%zu: YAML syntax error: %s%s%s",
					path, m.line + 1, m.column + 1,
					yp.problem ? yp.problem : "error",
					yp.context ? " " : "",
					yp.context ? yp.context : "");
		yaml_parser_delete(&yp);
		free(t);
		dh_ddf_free(d);
		if (e)
			dh_ddf_oneline(e->msg, sizeof e->msg);
		return NULL;
	}
	st = parse_root(&p, yaml_document_get_root_node(&p.doc));
	yaml_document_delete(&p.doc);
	yaml_parser_delete(&yp);
	free(t);
	if (st) {
		if (e && e->status == DH_OK)
			dh_err_set(e, st, "%s: invalid dataset", path);
		if (e)
			dh_ddf_oneline(e->msg, sizeof e->msg);
		dh_ddf_free(d);
		return NULL;
	}
	return d;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int dh_ddf_is_packed(const char *path)
{
	if (!is_dir(path))
		return 0;
	char *ix = join_path(path, DH_SHARDS_INDEX, NULL);
	int r = ix && file_exists(ix);
	free(ix);
	return r;
}

dh_ddf *dh_ddf_read_file(const char *path, dh_err *e)
{
	char *ix = NULL;
	if (is_dir(path)) {
		ix = join_path(path, DH_SHARDS_INDEX, e);
		if (!ix)
			return NULL;
		if (!file_exists(ix)) {
			dh_err_set(e, DH_EINVAL,
				   "'%s' is a folder without a %s (not packed "
				   "shards)",
				   path, DH_SHARDS_INDEX);
			free(ix);
			return NULL;
		}
		path = ix;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		free(ix);
		return NULL;
	}
	char *buf;
	size_t n;
	dh_status st = dh_slurp(f, 0, &buf, &n);
	fclose(f);
	if (st) {
		if (st == DH_ENOMEM)
			dh_err_set(e, DH_ENOMEM, "out of memory");
		else
			dh_err_set(e, DH_EIO, "cannot read '%s'", path);
		free(ix);
		return NULL;
	}
	dh_ddf *d = dh_ddf_parse(buf, n, path, e);
	free(buf);
	free(ix);
	return d;
}

/* --- the writer ------------------------------------------------------------ */

/* A UTF-8 sequence at c that YAML does not keep as it is in plain text
 * (NEL, LS and PS are line breaks, a BOM is dropped, C1 controls and
 * U+FFFE/U+FFFF are refused): its length, with the escape that stands for
 * it in a double-quoted string; 0 for an ordinary character. */
static int special_break_esc(const unsigned char *c, char esc[8])
{
	if (c[0] == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F) {
		snprintf(esc, 8, "\\x%02x", c[1]);
		return 2;
	}
	if (c[0] == 0xE2 && c[1] == 0x80 && (c[2] == 0xA8 || c[2] == 0xA9)) {
		snprintf(esc, 8, "\\u%s", c[2] == 0xA8 ? "2028" : "2029");
		return 3;
	}
	if (c[0] == 0xEF && ((c[1] == 0xBB && c[2] == 0xBF) ||
			     (c[1] == 0xBF && (c[2] == 0xBE || c[2] == 0xBF)))) {
		snprintf(esc, 8, "\\u%s",
			 c[1] == 0xBB ? "FEFF" : c[2] == 0xBE ? "FFFE" : "FFFF");
		return 3;
	}
	return 0;
}

static int special_break(const unsigned char *c)
{
	char esc[8];
	return special_break_esc(c, esc);
}

/* Does s need quotes to read back as this string (YAML 1.1 and 1.2)? */
static int needs_quotes(const char *s)
{
	if (!s[0])
		return 1;
	if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]))
		return 1;
	size_t n = strlen(s);
	if (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ':')
		return 1;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f || special_break(c))
			return 1;
		if (*c == ':' || *c == '#' || *c == ',' || *c == '[' ||
		    *c == ']' || *c == '{' || *c == '}')
			return 1;
	}
	/* what YAML 1.1 (PyYAML) or 1.2 could read as something else */
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
		"~", ".inf", "-.inf", "+.inf", ".nan", "<<", "="};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	/* anything starting like a number (1e3, 0x1F, 1_000, +5, .5) */
	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '+' || s[0] == '.')
		return 1;
	return 0;
}

static void put_str(FILE *f, const char *s)
{
	if (!needs_quotes(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f) {
				fprintf(f, "\\x%02x", *c);
			} else if (special_break(c)) {
				char esc[8];
				int k = special_break_esc(c, esc);
				fputs(esc, f);
				c += k - 1;
			} else {
				fputc(*c, f);
			}
		}
	}
	fputc('"', f);
}

static void put_str_list(FILE *f, char *const *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		put_str(f, v[i]);
	}
	fputc(']', f);
}

/* A value as written: numbers plain, other text quoted as needed. */
static void put_value(FILE *f, const char *text)
{
	double v;
	if (dh_parse_double(text, &v) == 0 && isfinite(v) &&
	    strspn(text, "0123456789.-+eE") == strlen(text))
		fputs(text, f);
	else
		put_str(f, text);
}

static void write_sample(FILE *f, const dh_ddf *d, const dh_ddf_sample *s)
{
	int has_values = 0;
	for (int k = 0; s->value_text && k < s->nvalues; k++)
		has_values |= s->value_text[k] != NULL;
	char *const *paths = s->rel_paths ? s->rel_paths : s->paths;
	if (s->kind == DH_DDF_LABEL_NONE && !has_values) {
		fputs("  - ", f);
		if (s->npaths == 1)
			put_str(f, paths[0]);
		else
			put_str_list(f, paths, s->npaths);
		fputc('\n', f);
		return;
	}
	fputs("  - location: ", f);
	if (s->npaths == 1)
		put_str(f, paths[0]);
	else
		put_str_list(f, paths, s->npaths);
	fputc('\n', f);
	switch (s->kind) {
	case DH_DDF_LABEL_CLASS:
		fprintf(f, "    label: %d\n", s->label);
		break;
	case DH_DDF_LABEL_MULTI:
		fputs("    label: [", f);
		for (int j = 0; j < s->nlabels; j++)
			fprintf(f, "%s%d", j ? ", " : "", s->labels[j]);
		fputs("]\n", f);
		break;
	case DH_DDF_LABEL_MASK:
		fputs("    label: ", f);
		put_str(f, s->rel_mask ? s->rel_mask : s->mask);
		fputc('\n', f);
		break;
	default:
		break;
	}
	if (has_values) {
		/* a list in features order (null where absent): no feature
		 * name ever has to be a map key */
		int last = s->nvalues - 1;
		while (last >= 0 && !s->value_text[last])
			last--;
		fputs("    values: [", f);
		for (int k = 0; k <= last; k++) {
			fputs(k ? ", " : "", f);
			if (s->value_text[k])
				put_value(f, s->value_text[k]);
			else
				fputs("null", f);
		}
		fputs("]\n", f);
	}
}

void dh_ddf_write_file(const dh_ddf *d, FILE *f)
{
	fputs("name: ", f);
	put_str(f, d->name ? d->name : DDF_DEFAULT_NAME);
	fputc('\n', f);
	if (d->description) {
		fputs("description: ", f);
		put_str(f, d->description);
		fputc('\n', f);
	}
	if (d->packed_version)
		fprintf(f, "dh-packed: %d\n", d->packed_version);
	if (d->nclasses) {
		fputs("classes: ", f);
		put_str_list(f, d->classes, d->nclasses);
		fputc('\n', f);
	}
	if (d->nfeatures) {
		fputs("features: ", f);
		put_str_list(f, d->features, d->nfeatures);
		fputc('\n', f);
	}
	fputs(d->nsamples ? "images:\n" : "images: []\n", f);
	for (int64_t i = 0; i < d->nsamples; i++)
		write_sample(f, d, &d->samples[i]);
	if (d->nsplits) {
		fputs("split:\n", f);
		for (int i = 0; i < d->nsplits; i++) {
			const dh_ddf_split *sp = &d->splits[i];
			/* YAML limits implicit keys to 1024 characters */
			fputs(strlen(sp->name) > 1000 ? "  ? " : "  ", f);
			put_str(f, sp->name);
			fputs(strlen(sp->name) > 1000 ? "\n  : [" : ": [", f);
			for (int64_t k = 0; k < sp->n; k++)
				fprintf(f, "%s%lld",
					!k ? "" : k % 16 ? ", " : ",\n    ",
					(long long)sp->idx[k]);
			fputs("]\n", f);
		}
	}
}

dh_status dh_ddf_write(const dh_ddf *d, const char *out_path, dh_err *e)
{
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, out_path ? out_path : "-", e);
	if (s)
		return s;
	dh_ddf_write_file(d, af.f);
	return dh_atomic_commit(&af, e);
}
