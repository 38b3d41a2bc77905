/* loader.c - parallel, deterministic batch loading from a DDF (loader.h).
 *
 * Decoder threads claim positions of the epoch's sample order from a shared
 * counter and write each result into slot (position mod Q) of a ring; a
 * thread waits while its position is Q or more ahead of the consumer, which
 * bounds memory.  The consumer takes positions strictly in order, so batches
 * are the same whatever the number of threads; each sample's own random
 * stream comes from (seed, epoch, index). */
#include "dataset/loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/threads.h"
#include "dataset/shards.h"
#include "image/io.h"
#include "image/proc/proc.h"

enum { SLOT_EMPTY = 0, SLOT_OK, SLOT_BAD };
enum { TGT_NONE = 0, TGT_CLASS, TGT_MULTI, TGT_MASK };

typedef struct slot {
	int state;
	float *x;     /* C*H*W */
	int64_t *m;   /* H*W (masks) */
	dh_err err;
} slot;

typedef struct skipped {
	int64_t index;
	char *why;
} skipped;

struct dh_loader {
	const dh_ddf *ddf;
	dh_loader_opts o;
	int C, H, W;
	int target;
	int64_t *order, n;
	int64_t epoch;
	/* the ring */
	slot *slots;
	int64_t Q;
	int64_t next;      /* next position a decoder claims */
	int64_t cur;       /* next position the consumer takes */
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t ready, space;
	pthread_t *th;
	int nth, running;
	int failed;
	dh_err fail_err;
	skipped *skip;
	int64_t nskip, capskip;
};

void dh_loader_opts_init(dh_loader_opts *o)
{
	memset(o, 0, sizeof *o);
	o->scale = 1.0f / 255.0f;
	o->batch = 32;
}

/* --- decoding one sample ---------------------------------------------------- */

static dh_status where(const dh_ddf *d, int64_t i, dh_err *e)
{
	const dh_ddf_sample *s = &d->samples[i];
	dh_status st;
	if (s->line)
		st = dh_err_prefix(e, "%s:%d:%d: image %lld", d->path, s->line,
				   s->col, (long long)i);
	else
		st = dh_err_prefix(e, "image %lld", (long long)i);
	if (e)
		dh_ddf_oneline(e->msg, sizeof e->msg);
	return st;
}

/* Join images as channels (same size and dtype). */
static dh_image *stack(dh_image **parts, int n, const char *const *names,
		       dh_err *e)
{
	int C = 0;
	for (int k = 0; k < n; k++) {
		if (parts[k]->width != parts[0]->width ||
		    parts[k]->height != parts[0]->height ||
		    parts[k]->depth != parts[0]->depth ||
		    parts[k]->dtype != parts[0]->dtype) {
			dh_err_set(e, DH_ESHAPE,
				   "'%s' (%dx%d %s) does not match '%s' (%dx%d "
				   "%s): stacked planes need one size and type",
				   names[k], parts[k]->width, parts[k]->height,
				   dh_dtype_name(parts[k]->dtype), names[0],
				   parts[0]->width, parts[0]->height,
				   dh_dtype_name(parts[0]->dtype));
			return NULL;
		}
		C += parts[k]->channels;
	}
	dh_image *out = dh_image_new(parts[0]->dtype, parts[0]->width,
				     parts[0]->height, parts[0]->depth, C,
				     DH_COLOR_NONE, e);
	if (!out)
		return NULL;
	size_t es = dh_image_elsize(out);
	size_t px = (size_t)out->width * out->height * out->depth;
	int c0 = 0;
	for (int k = 0; k < n; k++) {
		int pc = parts[k]->channels;
		for (size_t p = 0; p < px; p++)
			memcpy(out->data + (p * C + c0) * es,
			       parts[k]->data + p * pc * es, pc * es);
		c0 += pc;
	}
	return out;
}

dh_status dh_loader_decode_sample(const dh_ddf *d, int64_t i, dh_image **img,
				  dh_image **mask, dh_err *e)
{
	const dh_ddf_sample *s = &d->samples[i];
	*img = NULL;
	if (mask)
		*mask = NULL;
	dh_status st;
	if (d->packed) {
		st = dh_shards_read(d->packed, i, 0, img, e);
		if (!st && mask && s->kind == DH_DDF_LABEL_MASK)
			st = dh_shards_read(d->packed, i, 1, mask, e);
	} else if (s->npaths == 1) {
		st = dh_image_read(s->paths[0], NULL, img, e);
	} else {
		dh_image **parts = calloc((size_t)s->npaths, sizeof *parts);
		if (!parts)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		st = DH_OK;
		for (int k = 0; !st && k < s->npaths; k++)
			st = dh_image_read(s->paths[k], NULL, &parts[k], e);
		if (!st) {
			*img = stack(parts, s->npaths,
				     (const char *const *)s->paths, e);
			if (!*img)
				st = e ? e->status : DH_EFORMAT;
		}
		for (int k = 0; k < s->npaths; k++)
			dh_image_free(parts[k]);
		free(parts);
	}
	if (!st && !d->packed && mask && s->kind == DH_DDF_LABEL_MASK)
		st = dh_image_read(s->mask, NULL, mask, e);
	if (st) {
		dh_image_free(*img);
		*img = NULL;
		if (mask) {
			dh_image_free(*mask);
			*mask = NULL;
		}
		return where(d, i, e);
	}
	return DH_OK;
}

/* Copy channel `c` of src (or channels 0..2) into a new image. */
static dh_image *pick_channels(const dh_image *src, int first, int count,
			       dh_colortype color, dh_err *e)
{
	dh_image *out = dh_image_new(src->dtype, src->width, src->height,
				     src->depth, count, color, e);
	if (!out)
		return NULL;
	size_t es = dh_image_elsize(src);
	size_t px = (size_t)src->width * src->height * src->depth;
	for (size_t p = 0; p < px; p++)
		memcpy(out->data + p * count * es,
		       src->data + (p * src->channels + first) * es,
		       count * es);
	return out;
}

static dh_image *replicate(const dh_image *src, int count, dh_err *e)
{
	dh_image *out = dh_image_new(src->dtype, src->width, src->height,
				     src->depth, count,
				     count == 3 ? DH_COLOR_RGB : DH_COLOR_NONE, e);
	if (!out)
		return NULL;
	size_t es = dh_image_elsize(src);
	size_t px = (size_t)src->width * src->height * src->depth;
	for (size_t p = 0; p < px; p++)
		for (int c = 0; c < count; c++)
			memcpy(out->data + (p * count + c) * es,
			       src->data + p * src->channels * es, es);
	return out;
}

/* Convert *img to C channels (1: gray, 3: RGB) in place. */
static dh_status to_channels(dh_image **img, int C, dh_err *e)
{
	dh_image *s = *img, *out = NULL;
	if (s->channels == C || C == 0)
		return DH_OK;
	if (C == 1 && (s->channels == 3 || s->channels == 4)) {
		dh_image *rgb = s;
		if (s->channels == 4 || s->color != DH_COLOR_RGB) {
			rgb = pick_channels(s, 0, 3, DH_COLOR_RGB, e);
			if (!rgb)
				return e ? e->status : DH_ENOMEM;
		}
		out = dh_convert_color(rgb, DH_COLOR_GRAY, e);
		if (rgb != s)
			dh_image_free(rgb);
	} else if (C == 1 && s->channels == 2) {
		out = pick_channels(s, 0, 1, DH_COLOR_GRAY, e);
	} else if (C == 3 && s->channels == 4) {
		out = pick_channels(s, 0, 3, DH_COLOR_RGB, e);
	} else if (C == 3 && (s->channels == 1 || s->channels == 2)) {
		out = replicate(s, 3, e);
	} else {
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "cannot convert %d channels to %d",
				  s->channels, C);
	}
	if (!out)
		return e ? e->status : DH_ENOMEM;
	dh_image_free(s);
	*img = out;
	return DH_OK;
}

static dh_status to_size(dh_image **img, int W, int H, dh_interp m,
			 dh_err *e)
{
	if (W == 0 || ((*img)->width == W && (*img)->height == H))
		return DH_OK;
	dh_image *out = dh_resize(*img, W, H, m, e);
	if (!out)
		return e ? e->status : DH_ENOMEM;
	dh_image_free(*img);
	*img = out;
	return DH_OK;
}

/* Into CHW floats: v * scale + shift. */
static void normalise(const dh_image *img, float *x, float scale,
		      float shift)
{
	int C = img->channels;
	size_t hw = (size_t)img->width * img->height;
	if (img->dtype == DH_U8) {
		const uint8_t *p = img->data;
		if (C == 1) {
			for (size_t k = 0; k < hw; k++)
				x[k] = (float)p[k] * scale + shift;
		} else {
			for (size_t k = 0; k < hw; k++)
				for (int c = 0; c < C; c++)
					x[c * hw + k] =
						(float)p[k * C + c] * scale +
						shift;
		}
		return;
	}
	for (int y = 0; y < img->height; y++)
		for (int xx = 0; xx < img->width; xx++)
			for (int c = 0; c < C; c++)
				x[c * hw + (size_t)y * img->width + xx] =
					(float)dh_image_get(img, xx, y, 0, c) *
						scale +
					shift;
}

/* The whole pipeline for position `pos` into slot `sl`. */
static dh_status prepare(dh_loader *l, int64_t pos, slot *sl, dh_err *e)
{
	int64_t i = l->order[pos];
	dh_image *img = NULL, *mask = NULL;
	dh_status st = dh_loader_decode_sample(
		l->ddf, i, &img, l->target == TGT_MASK ? &mask : NULL, e);
	if (st)
		return st;
	if (l->target == TGT_MASK && !mask)
		st = dh_err_set(e, DH_EINVAL, "no mask");
	if (!st && (img->depth > 1))
		st = dh_err_set(e, DH_EUNSUPPORTED,
				"a volume (%d slices): the loader takes 2D "
				"images",
				img->depth);
	if (!st)
		st = to_channels(&img, l->C, e);
	if (!st && (l->o.width == 0) &&
	    (img->width != l->W || img->height != l->H))
		st = dh_err_set(e, DH_ESHAPE,
				"%dx%d, but the first image is %dx%d: give a "
				"size to resize to",
				img->width, img->height, l->W, l->H);
	if (!st)
		st = to_size(&img, l->W, l->H, DH_INTERP_LINEAR, e);
	if (!st && mask) {
		if (mask->channels > 1) {
			dh_image *m0 = pick_channels(mask, 0, 1, DH_COLOR_GRAY, e);
			if (!m0)
				st = e ? e->status : DH_ENOMEM;
			else {
				dh_image_free(mask);
				mask = m0;
			}
		}
		if (!st)
			st = to_size(&mask, l->W, l->H, DH_INTERP_NEAREST, e);
	}
	if (!st && l->o.transform) {
		dh_rng rng;
		/* the stream dh_aug_sample_rng gives: dh-augment on the same
		 * sample id draws the same variant */
		dh_rng_derive(&rng, l->o.seed ^ DH_RNG_DOMAIN_AUGMENT,
			      (uint64_t)l->epoch, (uint64_t)i);
		st = l->o.transform(l->o.transform_ctx, &img,
				    mask ? &mask : NULL, &rng, e);
		if (!st && (img->width != l->W || img->height != l->H ||
			    img->channels != l->C))
			st = dh_err_set(e, DH_ESHAPE,
					"the transform made it %dx%dx%d; "
					"batches are %dx%dx%d",
					img->width, img->height,
					img->channels, l->W, l->H, l->C);
		if (!st && mask &&
		    (mask->width != l->W || mask->height != l->H))
			st = dh_err_set(e, DH_ESHAPE,
					"the transform made its mask %dx%d; "
					"batches are %dx%d",
					mask->width, mask->height, l->W, l->H);
	}
	if (!st) {
		normalise(img, sl->x, l->o.scale, l->o.shift);
		if (mask)
			for (int y = 0; y < l->H; y++)
				for (int x = 0; x < l->W; x++)
					sl->m[(size_t)y * l->W + x] = (int64_t)
						dh_image_get(mask, x, y, 0, 0);
	}
	dh_image_free(img);
	dh_image_free(mask);
	if (st)
		return where(l->ddf, i, e);
	return DH_OK;
}

/* --- threads ------------------------------------------------------------------ */

static void *worker(void *arg)
{
	dh_loader *l = arg;
	pthread_mutex_lock(&l->mu);
	for (;;) {
		if (l->stop || l->next >= l->n)
			break;
		if (l->next >= l->cur + l->Q) {
			pthread_cond_wait(&l->space, &l->mu);
			continue;
		}
		int64_t pos = l->next++;
		slot *sl = &l->slots[pos % l->Q];
		pthread_mutex_unlock(&l->mu);
		dh_err_clear(&sl->err);
		dh_status st = prepare(l, pos, sl, &sl->err);
		pthread_mutex_lock(&l->mu);
		sl->state = st ? SLOT_BAD : SLOT_OK;
		pthread_cond_broadcast(&l->ready);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

static void stop_threads(dh_loader *l)
{
	if (!l->running)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_broadcast(&l->space);
	pthread_mutex_unlock(&l->mu);
	for (int t = 0; t < l->nth; t++)
		pthread_join(l->th[t], NULL);
	l->running = 0;
}

static dh_status start_threads(dh_loader *l, dh_err *e)
{
	l->stop = 0;
	l->next = l->cur = 0;
	for (int64_t q = 0; q < l->Q; q++)
		l->slots[q].state = SLOT_EMPTY;
	for (int t = 0; t < l->nth; t++)
		if (pthread_create(&l->th[t], NULL, worker, l)) {
			l->nth = t;
			l->running = 1;
			stop_threads(l);
			return dh_err_set(e, DH_ENOMEM,
					  "cannot start decoder threads");
		}
	l->running = 1;
	return DH_OK;
}

static void make_order(dh_loader *l)
{
	const dh_ddf_split *sp =
		l->o.split ? dh_ddf_split_find(l->ddf, l->o.split) : NULL;
	for (int64_t k = 0; k < l->n; k++)
		l->order[k] = sp ? sp->idx[k] : k;
	if (l->o.shuffle) {
		dh_rng r;
		dh_rng_derive(&r, l->o.seed, (uint64_t)l->epoch, UINT64_MAX);
		dh_rng_shuffle(&r, l->order, l->n);
	}
}

dh_status dh_loader_rewind(dh_loader *l, int64_t epoch, dh_err *e)
{
	stop_threads(l);
	l->epoch = epoch;
	l->failed = 0;
	make_order(l);
	return start_threads(l, e);
}

/* --- open / next / close -------------------------------------------------------- */

void dh_loader_close(dh_loader *l)
{
	if (!l)
		return;
	stop_threads(l);
	if (l->slots)
		for (int64_t q = 0; q < l->Q; q++) {
			dh_free_aligned(l->slots[q].x);
			free(l->slots[q].m);
		}
	free(l->slots);
	free(l->th);
	free(l->order);
	for (int64_t k = 0; k < l->nskip; k++)
		free(l->skip[k].why);
	free(l->skip);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->ready);
	pthread_cond_destroy(&l->space);
	free(l);
}

dh_loader *dh_loader_open(const dh_ddf *ddf, const dh_loader_opts *o,
			  dh_err *e)
{
	const dh_ddf_split *sp = NULL;
	if (o->split && !(sp = dh_ddf_split_find(ddf, o->split))) {
		char names[512] = "";
		for (int k = 0; k < ddf->nsplits; k++) {
			size_t u = strlen(names);
			snprintf(names + u, sizeof names - u, "%s'%s'",
				 k ? ", " : "", ddf->splits[k].name);
		}
		dh_err_set(e, DH_EINVAL, "%s: no split '%s' (%s%s)", ddf->path,
			   o->split, ddf->nsplits ? "it has " : "it has none",
			   names);
		return NULL;
	}
	if ((o->width > 0) != (o->height > 0) || o->width < 0 ||
	    o->height < 0) {
		dh_err_set(e, DH_EINVAL, "give both width and height, or neither");
		return NULL;
	}
	if (o->channels < 0 || o->channels == 2 || o->channels > 4) {
		dh_err_set(e, DH_EINVAL, "channels must be 1, 3 or 4, not %d",
			   o->channels);
		return NULL;
	}
	if (o->batch < 0) {
		dh_err_set(e, DH_EINVAL, "batch must be at least 1");
		return NULL;
	}
	dh_loader *l = calloc(1, sizeof *l);
	if (!l) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->ready, NULL);
	pthread_cond_init(&l->space, NULL);
	l->ddf = ddf;
	l->o = *o;
	/* zeroed options mean the defaults (a scale of 0 would be useless) */
	if (l->o.scale == 0)
		l->o.scale = 1.0f / 255.0f;
	if (l->o.batch == 0)
		l->o.batch = 32;
	l->epoch = o->epoch;
	l->n = sp ? sp->n : ddf->nsamples;
	l->order = malloc((size_t)(l->n ? l->n : 1) * sizeof *l->order);
	if (!l->order) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		goto fail;
	}
	make_order(l);
	/* the target kind, from the samples of this split */
	int has[4] = {0};
	for (int64_t k = 0; k < l->n; k++)
		has[ddf->samples[l->order[k]].kind] = 1;
	l->target = has[DH_DDF_LABEL_MASK]    ? TGT_MASK
		    : has[DH_DDF_LABEL_MULTI] ? TGT_MULTI
		    : has[DH_DDF_LABEL_CLASS] ? TGT_CLASS
					      : TGT_NONE;
	if (l->target == TGT_MASK && (has[1] || has[2])) {
		dh_err_set(e, DH_EINVAL,
			   "%s: the split mixes masks and class labels",
			   ddf->path);
		goto fail;
	}
	if ((l->target == TGT_MULTI || l->target == TGT_CLASS) &&
	    !ddf->nclasses) {
		dh_err_set(e, DH_EINVAL, "%s: labels without classes",
			   ddf->path);
		goto fail;
	}
	/* the geometry: given, or the first decodable sample's */
	l->C = o->channels;
	l->W = o->width;
	l->H = o->height;
	if (l->n && (!l->C || !l->W)) {
		dh_status st = DH_EINVAL;
		for (int64_t k = 0; k < l->n && st; k++) {
			dh_image *img = NULL;
			/* in file order, so the seed never changes it */
			st = dh_loader_decode_sample(ddf, sp ? sp->idx[k] : k,
						     &img, NULL, e);
			if (!st) {
				if (!l->C)
					l->C = img->channels;
				if (!l->W) {
					l->W = img->width;
					l->H = img->height;
				}
			}
			dh_image_free(img);
			if (st && !o->skip_bad)
				goto fail;
		}
		if (st && o->skip_bad) {
			/* nothing decodes: every sample will be skipped */
			if (!l->C)
				l->C = 1;
			if (!l->W)
				l->W = l->H = 1;
		}
	}
	if (!l->C)
		l->C = 1;
	if (!l->W)
		l->W = l->H = 1;
	int nth = o->threads;
	if (nth <= 0 && dh_threads_resolve(0, &nth, e))
		goto fail;
	if (nth > 64)
		nth = 64;
	l->nth = nth;
	/* Room for the next two batches: the decoders fill the next one while
	 * the network computes on this one.  A queue shorter than a batch
	 * made training wait for every batch's decoding (Fashion-MNIST, batch
	 * 100: 42 s an epoch from PNGs against 30 s from a stream).  At most
	 * 256 MiB of slots. */
	size_t slot_bytes = (size_t)l->W * l->H * l->C * sizeof(float) +
			    (l->target == TGT_MASK
				     ? (size_t)l->W * l->H * sizeof(int64_t)
				     : 0);
	int64_t qmax = (int64_t)(((size_t)256 << 20) / slot_bytes);
	l->Q = 2 * (int64_t)l->o.batch + 4 * (int64_t)nth;
	if (l->Q > qmax)
		l->Q = qmax;
	if (l->Q < 4 * (int64_t)nth + 8)
		l->Q = 4 * (int64_t)nth + 8;
	l->slots = calloc((size_t)l->Q, sizeof *l->slots);
	l->th = calloc((size_t)nth, sizeof *l->th);
	if (!l->slots || !l->th) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		goto fail;
	}
	size_t px = (size_t)l->W * l->H;
	for (int64_t q = 0; q < l->Q; q++) {
		l->slots[q].x = dh_alloc_aligned(px * l->C * sizeof(float), e);
		if (!l->slots[q].x)
			goto fail;
		if (l->target == TGT_MASK &&
		    !(l->slots[q].m = dh_malloc(px * sizeof(int64_t), e)))
			goto fail;
	}
	if (start_threads(l, e))
		goto fail;
	return l;
fail:
	dh_loader_close(l);
	return NULL;
}

static dh_status note_skip(dh_loader *l, int64_t index, const char *why)
{
	if (l->nskip == l->capskip) {
		int64_t cap = l->capskip ? 2 * l->capskip : 16;
		skipped *s = realloc(l->skip, (size_t)cap * sizeof *s);
		if (!s)
			return DH_ENOMEM;
		l->skip = s;
		l->capskip = cap;
	}
	l->skip[l->nskip].index = index;
	l->skip[l->nskip].why = strdup(why);
	l->nskip++;
	return DH_OK;
}

dh_status dh_loader_next(dh_loader *l, dh_tensor **x, dh_tensor **y,
			 dh_tensor **ids, dh_err *e)
{
	*x = NULL;
	if (y)
		*y = NULL;
	if (ids)
		*ids = NULL;
	if (l->failed) {
		if (e)
			*e = l->fail_err;
		return l->fail_err.status;
	}
	if (l->cur >= l->n)
		return DH_EEOF;
	int B = l->o.batch;
	size_t chw = (size_t)l->C * l->H * l->W, hw = (size_t)l->H * l->W;
	int64_t shx[4] = {B, l->C, l->H, l->W};
	dh_tensor *tx = dh_tensor_new(DH_F32, 4, shx, e), *ty = NULL, *ti;
	int64_t shi[1] = {B};
	ti = dh_tensor_new(DH_I64, 1, shi, e);
	if (l->target == TGT_CLASS)
		ty = dh_tensor_new(DH_I64, 1, shi, e);
	else if (l->target == TGT_MULTI) {
		int64_t s2[2] = {B, l->ddf->nclasses};
		ty = dh_tensor_new(DH_F32, 2, s2, e);
	} else if (l->target == TGT_MASK) {
		int64_t s4[4] = {B, 1, l->H, l->W};
		ty = dh_tensor_new(DH_I64, 4, s4, e);
	}
	dh_status st = DH_OK;
	if (!tx || !ti || (l->target != TGT_NONE && !ty)) {
		st = e ? e->status : DH_ENOMEM;
		goto out;
	}
	int got = 0;
	while (got < B && l->cur < l->n) {
		slot *sl = &l->slots[l->cur % l->Q];
		pthread_mutex_lock(&l->mu);
		while (sl->state == SLOT_EMPTY)
			pthread_cond_wait(&l->ready, &l->mu);
		pthread_mutex_unlock(&l->mu);
		int64_t i = l->order[l->cur];
		if (sl->state == SLOT_OK) {
			memcpy(dh_tensor_f32(tx) + (size_t)got * chw, sl->x,
			       chw * sizeof(float));
			((int64_t *)ti->data)[got] = i;
			const dh_ddf_sample *s = &l->ddf->samples[i];
			if (l->target == TGT_CLASS) {
				((int64_t *)ty->data)[got] =
					s->kind == DH_DDF_LABEL_CLASS ? s->label
								      : -1;
			} else if (l->target == TGT_MULTI) {
				float *row = dh_tensor_f32(ty) +
					     (size_t)got * l->ddf->nclasses;
				if (s->kind == DH_DDF_LABEL_CLASS)
					row[s->label] = 1;
				for (int j = 0; j < s->nlabels; j++)
					row[s->labels[j]] = 1;
			} else if (l->target == TGT_MASK) {
				memcpy((int64_t *)ty->data + (size_t)got * hw,
				       sl->m, hw * sizeof(int64_t));
			}
			got++;
		} else if (l->o.skip_bad) {
			if (note_skip(l, i, sl->err.msg)) {
				st = dh_err_set(e, DH_ENOMEM, "out of memory");
				goto out;
			}
		} else {
			l->failed = 1;
			l->fail_err = sl->err;
			if (e)
				*e = sl->err;
			st = sl->err.status ? sl->err.status : DH_EFORMAT;
			goto out;
		}
		pthread_mutex_lock(&l->mu);
		sl->state = SLOT_EMPTY;
		l->cur++;
		pthread_cond_broadcast(&l->space);
		pthread_mutex_unlock(&l->mu);
	}
	if (got == 0) {
		st = DH_EEOF;
		goto out;
	}
	if (got < B) {
		dh_tensor *v;
		v = dh_tensor_slice0(tx, 0, got, e);
		dh_tensor_free(tx);
		tx = v;
		v = dh_tensor_slice0(ti, 0, got, e);
		dh_tensor_free(ti);
		ti = v;
		if (ty) {
			v = dh_tensor_slice0(ty, 0, got, e);
			dh_tensor_free(ty);
			ty = v;
		}
		if (!tx || !ti || (l->target != TGT_NONE && !ty)) {
			st = e ? e->status : DH_ENOMEM;
			goto out;
		}
	}
	*x = tx;
	if (ids)
		*ids = ti;
	else
		dh_tensor_free(ti);
	if (y)
		*y = ty;
	else
		dh_tensor_free(ty);
	return DH_OK;
out:
	dh_tensor_free(tx);
	dh_tensor_free(ty);
	dh_tensor_free(ti);
	return st;
}

int64_t dh_loader_count(const dh_loader *l)
{
	return l->n;
}

int64_t dh_loader_skipped(const dh_loader *l)
{
	return l->nskip;
}

const char *dh_loader_skipped_reason(const dh_loader *l, int64_t i,
				     int64_t *index)
{
	if (i < 0 || i >= l->nskip)
		return NULL;
	if (index)
		*index = l->skip[i].index;
	return l->skip[i].why ? l->skip[i].why : "";
}

void dh_loader_shape(const dh_loader *l, int *channels, int *height,
		     int *width)
{
	*channels = l->C;
	*height = l->H;
	*width = l->W;
}
