/* checkpoint.c - training state files (see checkpoint.h). */
#include "config.h"

#include "nn/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"
#include "core/slurp.h"

#define MAGIC "DHCKPT\r\n"
#define CKPT_VERSION 1u
#define BOM 0x01020304u

typedef struct rec {
	char *key;
	const void *data;
	size_t n;
	void *own;
} rec;

struct dh_ckpt {
	rec *r;
	size_t n, cap;
	void *file; /* a read file's bytes */
};

dh_ckpt *dh_ckpt_new(dh_err *e)
{
	dh_ckpt *c = calloc(1, sizeof *c);
	if (!c)
		dh_err_set(e, DH_ENOMEM, "out of memory");
	return c;
}

void dh_ckpt_free(dh_ckpt *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->r[i].key);
		free(c->r[i].own);
	}
	free(c->r);
	free(c->file);
	free(c);
}

dh_status dh_ckpt_put(dh_ckpt *c, const char *key, const void *data,
		      size_t n, int copy, dh_err *e)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		rec *r = realloc(c->r, cap * sizeof *r);
		if (!r)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		c->r = r;
		c->cap = cap;
	}
	rec *r = &c->r[c->n];
	memset(r, 0, sizeof *r);
	r->key = strdup(key);
	if (copy) {
		r->own = malloc(n ? n : 1);
		if (r->own && n)
			memcpy(r->own, data, n);
	}
	if (!r->key || (copy && !r->own)) {
		free(r->key);
		free(r->own);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	r->data = copy ? r->own : data;
	r->n = n;
	c->n++;
	return DH_OK;
}

dh_status dh_ckpt_put_text(dh_ckpt *c, const char *key, const char *text,
			   dh_err *e)
{
	return dh_ckpt_put(c, key, text, strlen(text) + 1, 1, e);
}

dh_status dh_ckpt_write(const dh_ckpt *c, const char *path, dh_err *e)
{
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	uint32_t hdr[2] = {CKPT_VERSION, BOM};
	uint64_t count = c->n;
	int ok = fwrite(MAGIC, 1, 8, af.f) == 8 && fwrite(hdr, 4, 2, af.f) == 2 &&
		 fwrite(&count, 8, 1, af.f) == 1;
	for (size_t i = 0; ok && i < c->n; i++) {
		uint32_t kl = (uint32_t)strlen(c->r[i].key);
		uint64_t dl = c->r[i].n;
		ok = fwrite(&kl, 4, 1, af.f) == 1 && fwrite(&dl, 8, 1, af.f) == 1 &&
		     fwrite(c->r[i].key, 1, kl, af.f) == kl &&
		     (dl == 0 || fwrite(c->r[i].data, 1, dl, af.f) == dl);
	}
	if (!ok) {
		int err = errno;
		dh_atomic_abort(&af);
		return dh_err_errno(e, err, "cannot write '%s'", path);
	}
	return dh_atomic_commit(&af, e);
}

dh_ckpt *dh_ckpt_read(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	dh_ckpt *c = dh_ckpt_new(e);
	char *buf = NULL;
	size_t len = 0;
	if (!c)
		goto fail;
	dh_status st = dh_slurp(f, 0, &buf, &len);
	if (st == DH_ENOMEM) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		goto fail;
	}
	if (st) {
		dh_err_errno(e, errno, "cannot read '%s'", path);
		goto fail;
	}
	c->file = (unsigned char *)buf;
	buf = NULL;
	const unsigned char *p = c->file;
	uint32_t hdr[2];
	uint64_t count;
	if (len < 24 || memcmp(p, MAGIC, 8)) {
		dh_err_set(e, DH_EFORMAT, "%s: not a dh training checkpoint (no DHCKPT magic)", path);
		goto fail;
	}
	memcpy(hdr, p + 8, 8);
	memcpy(&count, p + 16, 8);
	if (hdr[1] != BOM) {
		dh_err_set(e, DH_EFORMAT, "%s:8: written with the other byte order", path);
		goto fail;
	}
	if (hdr[0] != CKPT_VERSION) {
		dh_err_set(e, DH_EFORMAT, "%s:8: checkpoint version %u (this dh reads %u)",
			   path, hdr[0], CKPT_VERSION);
		goto fail;
	}
	size_t at = 24;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t kl;
		uint64_t dl;
		if (len - at < 12) {
			dh_err_set(e, DH_EFORMAT, "%s:%zu: truncated (record %llu of %llu)",
				   path, at, (unsigned long long)i, (unsigned long long)count);
			goto fail;
		}
		memcpy(&kl, p + at, 4);
		memcpy(&dl, p + at + 4, 8);
		if (kl > len - at - 12 || dl > len - at - 12 - kl) {
			dh_err_set(e, DH_EFORMAT, "%s:%zu: record %llu runs past the end",
				   path, at, (unsigned long long)i);
			goto fail;
		}
		char *key = malloc((size_t)kl + 1);
		if (!key) {
			dh_err_set(e, DH_ENOMEM, "out of memory");
			goto fail;
		}
		memcpy(key, p + at + 12, kl);
		key[kl] = 0;
		/* copied: records start at any byte of the file, and their
		 * readers take them as arrays of floats and structs */
		if (dh_ckpt_put(c, key, p + at + 12 + kl, (size_t)dl, 1, e)) {
			free(key);
			goto fail;
		}
		free(key);
		at += 12 + kl + (size_t)dl;
	}
	if (at != len) {
		dh_err_set(e, DH_EFORMAT, "%s:%zu: bytes after the last record", path, at);
		goto fail;
	}
	free(c->file);
	c->file = NULL;
	fclose(f);
	return c;
fail:
	free(buf);
	fclose(f);
	dh_ckpt_free(c);
	return NULL;
}

const void *dh_ckpt_get(const dh_ckpt *c, const char *key, size_t *n)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->r[i].key, key)) {
			if (n)
				*n = c->r[i].n;
			return c->r[i].data;
		}
	return NULL;
}

const char *dh_ckpt_text(const dh_ckpt *c, const char *key)
{
	size_t n;
	const char *s = dh_ckpt_get(c, key, &n);
	return s && n && s[n - 1] == 0 ? s : NULL;
}

dh_status dh_ckpt_put_trainer(dh_ckpt *c, const dh_trainer *t, dh_err *e)
{
	const dh_graph *g = t->g;
	char key[512], buf[64];
	dh_status s = dh_ckpt_put(c, "graph.rng", g->rng.s, sizeof g->rng.s, 1, e);
	for (int i = 0; !s && i < g->nv; i++) {
		const dh_value *v = &g->v[i];
		if ((v->kind != DH_VAL_PARAM && v->kind != DH_VAL_CONST) || !v->t)
			continue;
		snprintf(key, sizeof key, "value:%s", v->name);
		s = dh_ckpt_put(c, key, v->t->data, dh_tensor_nbytes(v->t), 0, e);
	}
	snprintf(buf, sizeof buf, "%lld", (long long)dh_optim_steps(t->opt));
	if (!s)
		s = dh_ckpt_put_text(c, "optim.steps", buf, e);
	float lr = dh_optim_lr(t->opt);
	if (!s)
		s = dh_ckpt_put(c, "optim.lr", &lr, sizeof lr, 1, e);
	for (int i = 0; !s && i < t->nparams; i++)
		for (int slot = 0; !s && slot < 2; slot++) {
			float *st = dh_optim_state(t->opt, i, slot);
			if (!st)
				continue;
			snprintf(key, sizeof key, "optim.%d.%d", i, slot);
			s = dh_ckpt_put(c, key, st,
					(size_t)dh_tensor_numel(t->params[i]) * sizeof(float), 0, e);
		}
	return s;
}

static dh_status get_exact(const dh_ckpt *c, const char *key, void *dst,
			   size_t n, dh_err *e)
{
	size_t have;
	const void *p = dh_ckpt_get(c, key, &have);
	if (!p)
		return dh_err_set(e, DH_EFORMAT, "the checkpoint has no '%s' (another model?)", key);
	if (have != n)
		return dh_err_set(e, DH_EFORMAT,
				  "the checkpoint's '%s' holds %zu bytes, the model wants %zu "
				  "(another model?)", key, have, n);
	memcpy(dst, p, n);
	return DH_OK;
}

dh_status dh_ckpt_get_trainer(const dh_ckpt *c, dh_trainer *t, dh_err *e)
{
	dh_graph *g = t->g;
	char key[512];
	dh_status s = get_exact(c, "graph.rng", g->rng.s, sizeof g->rng.s, e);
	for (int i = 0; !s && i < g->nv; i++) {
		dh_value *v = &g->v[i];
		if ((v->kind != DH_VAL_PARAM && v->kind != DH_VAL_CONST) || !v->t)
			continue;
		snprintf(key, sizeof key, "value:%s", v->name);
		s = get_exact(c, key, v->t->data, dh_tensor_nbytes(v->t), e);
	}
	const char *steps = s ? NULL : dh_ckpt_text(c, "optim.steps");
	if (!s && !steps)
		s = dh_err_set(e, DH_EFORMAT, "the checkpoint has no 'optim.steps'");
	float lr;
	if (!s)
		s = get_exact(c, "optim.lr", &lr, sizeof lr, e);
	if (!s) {
		dh_optim_set_steps(t->opt, strtoll(steps, NULL, 10));
		dh_optim_set_lr(t->opt, lr);
	}
	for (int i = 0; !s && i < t->nparams; i++)
		for (int slot = 0; !s && slot < 2; slot++) {
			float *st = dh_optim_state(t->opt, i, slot);
			if (!st)
				continue;
			snprintf(key, sizeof key, "optim.%d.%d", i, slot);
			s = get_exact(c, key, st,
				      (size_t)dh_tensor_numel(t->params[i]) * sizeof(float), e);
		}
	return s;
}
