/* apply.c - running a parsed pipeline on one sample, and describing it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/aug_private.h"
#include "core/alloc.h"


void dh_aug_sample_rng(dh_rng *out, uint64_t seed, int64_t epoch,
		       int64_t index)
{
	/* keyed by (epoch, index) under the seed, with a domain tag so that
	 * augmentation never shares a stream with shuffling or initialisation */
	dh_rng_derive(out, seed ^ 0x6175676d656e74ull /* "augment" */,
		      (uint64_t)epoch, (uint64_t)index);
}

static const aug_node *find_root(const dh_aug *a, const char *split)
{
	for (int i = 0; a && split && i < a->nsplits; i++)
		if (!strcmp(a->splits[i].name, split))
			return a->splits[i].root;
	return NULL;
}

static dh_status run(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	if (n->p < 1 && !(dh_rng_double(r) < n->p))
		return DH_OK;
	switch (n->type) {
	case AN_LEAF: {
		dh_status st = n->t->fn(n, s, r, e);
		if (st && e)
			dh_err_prefix(e, "%s (line %d)", n->t->name, n->line);
		return st;
	}
	case AN_SEQ:
		for (int i = 0; i < n->nkids; i++) {
			dh_status st = run(n->kids[i], s, r, e);
			if (st)
				return st;
		}
		return DH_OK;
	case AN_ONEOF:
		if (n->nkids == 0)
			return DH_OK;
		{
			const aug_node *k = n->kids[dh_rng_below(r, (uint64_t)n->nkids)];
			/* the chosen child runs whatever its own p says */
			return run(k, s, r, e);
		}
	}
	return DH_OK;
}

dh_status dh_aug_apply(const dh_aug *a, const char *split, dh_rng *rng,
		       dh_image **img, dh_image **mask, dh_err *e)
{
	if (!img || !*img)
		return dh_err_set(e, DH_EINVAL, "dh_aug_apply: no image");
	const aug_node *root = find_root(a, split);
	if (!root)
		return DH_OK;
	aug_normal_init();
	aug_state s = {*img, mask ? *mask : NULL, 1, *img, mask ? *mask : NULL};
	dh_image *orig = *img, *origm = s.mask;
	switch (orig->dtype) {
	case DH_U8: s.hi = 255; break;
	case DH_U16: s.hi = 65535; break;
	case DH_I16: s.hi = 32767; break;
	case DH_I32: s.hi = 2147483647.0; break;
	default: s.hi = 1; break;
	}
	if (s.mask && (s.mask->width != orig->width || s.mask->height != orig->height ||
		       s.mask->depth != orig->depth))
		return dh_err_set(e, DH_ESHAPE, "the mask is %dx%d but the image %dx%d",
				  s.mask->width, s.mask->height, orig->width, orig->height);
	/* u8 and f32 images are worked on in place (intensity transforms
	 * change their pixels; geometric ones make new images); other dtypes
	 * become f32 first */
	if (orig->dtype != DH_U8 && orig->dtype != DH_F32) {
		s.img = dh_image_convert(orig, DH_F32, 1, 0, e);
		if (!s.img)
			return e ? e->status : DH_ENOMEM;
	}
	dh_status st = run(root, &s, rng, e);
	if (st) {
		/* keep the caller's images (their pixels may have changed) */
		if (s.img != orig)
			dh_image_free(s.img);
		if (s.mask != origm)
			dh_image_free(s.mask);
		return st;
	}
	if (s.img != orig)
		dh_image_free(orig);
	*img = s.img;
	if (mask && origm) {
		if (s.mask != origm)
			dh_image_free(origm);
		*mask = s.mask;
	}
	return DH_OK;
}

/* --- description ------------------------------------------------------- */

typedef struct sbuf { char *p; size_t n, cap; int bad; } sbuf;
static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->bad = 1;
			return;
		}
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		size_t nc = (b->cap ? b->cap * 2 : 256) + (size_t)k;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->bad = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
}

static const char *word_at(const char *list, int code)
{
	static __thread char w[32];
	int idx = 0;
	const char *s = list;
	while (*s) {
		const char *e = strchr(s, '|');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!memchr(s, '=', n)) {
			if (idx == code) {
				snprintf(w, sizeof w, "%.*s", (int)n, s);
				return w;
			}
			idx++;
		}
		s += n;
		if (*s == '|')
			s++;
	}
	return "?";
}

static void describe(sbuf *b, const aug_node *n, int depth)
{
	sb_add(b, "%*s", depth * 2, "");
	if (n->type != AN_LEAF) {
		sb_add(b, "%s", n->type == AN_SEQ ? "sequential" : "oneof");
		if (n->p < 1)
			sb_add(b, " p=%g", n->p);
		sb_add(b, " {\n");
		for (int i = 0; i < n->nkids; i++)
			describe(b, n->kids[i], depth + 1);
		sb_add(b, "%*s}\n", depth * 2, "");
		return;
	}
	sb_add(b, "%s", n->t->name);
	for (int i = 0; i < AUG_MAX_PARAMS && n->t->params[i].name; i++) {
		const aug_pspec *ps = &n->t->params[i];
		const aug_value *v = &n->vals[i];
		if (v->kind == AV_NONE)
			continue;
		sb_add(b, " %s=", ps->name);
		switch (v->kind) {
		case AV_NUM: sb_add(b, "%g", v->v[0]); break;
		case AV_RANGE: sb_add(b, "[%g, %g]", v->v[0], v->v[1]); break;
		case AV_STR: sb_add(b, "%s", word_at(ps->words, v->code)); break;
		case AV_VEC:
		case AV_CHOICE:
			sb_add(b, "%c", v->kind == AV_VEC ? '(' : '{');
			for (int k = 0; k < v->n; k++) {
				if (v->words)
					sb_add(b, "%s%s", k ? ", " : "", word_at(ps->words, v->codes[k]));
				else
					sb_add(b, "%s%g", k ? ", " : "", v->v[k]);
			}
			sb_add(b, "%c", v->kind == AV_VEC ? ')' : '}');
			break;
		default: break;
		}
	}
	if (n->p != 1)
		sb_add(b, " p=%g", n->p);
	sb_add(b, "\n");
}

char *dh_aug_describe(const dh_aug *a, const char *split)
{
	const aug_node *root = find_root(a, split);
	sbuf b = {0};
	sb_add(&b, "%s", "");
	if (root)
		for (int i = 0; i < root->nkids; i++)
			describe(&b, root->kids[i], 0);
	if (b.bad) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static const char *ptype_name(aug_ptype t)
{
	switch (t) {
	case PT_NUM: return "number";
	case PT_INT: return "integer";
	case PT_VEC: return "vector";
	case PT_WORD: return "word";
	case PT_PROB: return "probability";
	}
	return "?";
}

char *dh_aug_reference(void)
{
	sbuf b = {0};
	sb_add(&b, "sequential [p=1] { ... }  (SequentialAugmentationContainer ... end)\n");
	sb_add(&b, "oneof [p=1] { ... }  (OneOfAugmentationContainer p=P ... end)\n");
	for (int i = 0; i < aug_ntransforms; i++) {
		const aug_tspec *t = &aug_transforms[i];
		sb_add(&b, "%s", t->name);
		if (t->alias)
			sb_add(&b, " (also %s)", t->alias);
		if (t->ecvl)
			sb_add(&b, " (ECVL %s)", t->ecvl);
		sb_add(&b, " p=%g\n", t->pdef);
		for (int k = 0; k < AUG_MAX_PARAMS && t->params[k].name; k++) {
			const aug_pspec *ps = &t->params[k];
			sb_add(&b, "  %s", ps->name);
			if (ps->ecvl)
				sb_add(&b, " (ECVL %s)", ps->ecvl);
			sb_add(&b, ": %s", ptype_name(ps->type));
			if (ps->type == PT_WORD)
				sb_add(&b, ", default %s", word_at(ps->words, (int)ps->def));
			else if (!isnan(ps->def2))
				sb_add(&b, ", default [%g, %g]", ps->def, ps->def2);
			else if (!isnan(ps->def))
				sb_add(&b, ", default %g", ps->def);
			else if (!ps->optional)
				sb_add(&b, ", required");
			if (ps->unit)
				sb_add(&b, "; %s", ps->unit);
			sb_add(&b, "\n");
		}
	}
	if (b.bad) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
