/* predict_source.c - where dh-infer's samples come from: a tensor stream or
 * image files (see predict.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset/loader.h"
#include "image/io.h"
#include "image/proc/proc.h"
#include "nn/predict.h"

/* ---- tensor streams ----------------------------------------------------- */

typedef struct stream_src {
	dh_stream_reader *r;
	int64_t batch;
	int fin, ftg, fid;
	dh_tensor *f[DH_STREAM_MAX_FIELDS];
	dh_tensor *seq;        /* ids when the stream has none */
	int64_t done;
} stream_src;

static void stream_free_fields(stream_src *s)
{
	for (int i = 0; i < DH_STREAM_MAX_FIELDS; i++) {
		dh_tensor_free(s->f[i]);
		s->f[i] = NULL;
	}
}

static dh_status stream_next(dh_infer_source *src, dh_infer_batch *b,
			     dh_err *e)
{
	stream_src *s = src->impl;
	memset(b, 0, sizeof *b);
	for (;;) {
		stream_free_fields(s);
		dh_status st = dh_stream_next(s->r, s->batch, s->f, e);
		if (st)
			return st;
		dh_tensor *x = s->f[s->fin];
		if (x->ndim && x->shape[0] == 0)
			continue;
		break;
	}
	dh_tensor *x = s->f[s->fin];
	int64_t n = x->ndim ? x->shape[0] : 1;
	b->x = x;
	b->target = s->ftg >= 0 ? s->f[s->ftg] : NULL;
	b->fields = s->f;
	if (s->fid >= 0) {
		b->id = s->f[s->fid];
	} else {
		dh_tensor_free(s->seq);
		s->seq = dh_tensor_new(DH_I64, 1, &n, e);
		if (!s->seq)
			return DH_ENOMEM;
		int64_t *p = s->seq->data;
		for (int64_t i = 0; i < n; i++)
			p[i] = s->done + i;
		b->id = s->seq;
	}
	s->done += n;
	return DH_OK;
}

static int64_t no_skips(const dh_infer_source *src)
{
	(void)src;
	return 0;
}

static void stream_close(dh_infer_source *src)
{
	stream_src *s = src->impl;
	if (!s)
		return;
	stream_free_fields(s);
	dh_tensor_free(s->seq);
	free(s);
	src->impl = NULL;
}

dh_status dh_infer_source_stream(dh_infer_source *src, dh_stream_reader *r,
				 int64_t batch, dh_err *e)
{
	memset(src, 0, sizeof *src);
	stream_src *s = calloc(1, sizeof *s);
	if (!s)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	s->r = r;
	s->batch = batch;
	s->fin = r->grouped ? dh_stream_field(r, "input") : 0;
	s->ftg = r->grouped ? dh_stream_field(r, "target") : -1;
	if (s->ftg < 0 && r->grouped)
		s->ftg = dh_stream_field(r, "mask");
	s->fid = r->grouped ? dh_stream_field(r, "id") : -1;
	if (s->fin < 0) {
		free(s);
		return dh_err_set(e, DH_EFORMAT,
				  "%s: the stream has no 'input' field", r->name);
	}
	src->name = r->name;
	src->has_target = s->ftg >= 0;
	src->stream = r;
	src->next = stream_next;
	src->skipped = no_skips;
	src->close = stream_close;
	src->impl = s;
	return DH_OK;
}

/* ---- images ------------------------------------------------------------- */

/* img with `want` channels (1 or 3), or img itself; *tmp owns a new one. */
static dh_status convert_channels(const dh_image *img, int want,
				  dh_image **tmp, dh_err *e)
{
	*tmp = NULL;
	int have = img->channels;
	if (have == want)
		return DH_OK;
	if (have == 2 || (want != 1 && want != 3) ||
	    (have != 1 && have != 3 && have != 4) ||
	    (img->dtype != DH_U8 && img->dtype != DH_F32)) {
		/* gray+alpha, or anything else: the first channel(s) */
		if (have == 2 && (want == 1 || want == 3)) {
			dh_image *o = dh_image_new_like(img, img->dtype, want,
							want == 1 ? DH_COLOR_GRAY
								  : DH_COLOR_RGB,
							e);
			if (!o)
				return DH_ENOMEM;
			size_t es = dh_image_elsize(img);
			size_t np = (size_t)img->width * (size_t)img->height *
				    (size_t)img->depth;
			for (size_t i = 0; i < np; i++)
				for (int c = 0; c < want; c++)
					memcpy(o->data + (i * (size_t)want + (size_t)c) * es,
					       img->data + i * 2 * es, es);
			*tmp = o;
			return DH_OK;
		}
		return dh_err_set(e, DH_ESHAPE,
				  "has %d channel%s (%s); the model takes %d",
				  have, have == 1 ? "" : "s",
				  dh_dtype_name(img->dtype), want);
	}
	dh_image *src = (dh_image *)img;
	dh_colortype from = img->color;
	if (from == DH_COLOR_NONE)
		from = have == 1 ? DH_COLOR_GRAY : have == 3 ? DH_COLOR_RGB
							     : DH_COLOR_RGBA;
	dh_colortype saved = src->color;
	src->color = from;
	dh_image *o = dh_convert_color(src, want == 1 ? DH_COLOR_GRAY
						      : DH_COLOR_RGB, e);
	src->color = saved;
	if (!o)
		return e->status ? e->status : DH_ENOMEM;
	*tmp = o;
	return DH_OK;
}

dh_status dh_image_prepare(const dh_image *img, const dh_image_prep *p,
			   float *dst, dh_err *e)
{
	if (img->depth > 1)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "is a volume of %d slices; the model takes "
				  "2D images",
				  img->depth);
	dh_image *conv = NULL, *sized = NULL;
	dh_status s = convert_channels(img, p->channels, &conv, e);
	if (s)
		return s;
	const dh_image *cur = conv ? conv : img;
	if (cur->width != p->width || cur->height != p->height) {
		sized = dh_resize(cur, p->width, p->height, (dh_interp)p->interp, e);
		if (!sized) {
			dh_image_free(conv);
			return e->status ? e->status : DH_ENOMEM;
		}
		cur = sized;
	}
	const size_t plane = (size_t)p->width * (size_t)p->height;
	const int C = p->channels;
	for (size_t i = 0; i < plane; i++)
		for (int c = 0; c < C; c++) {
			float v = (float)dh_dtype_get(cur->dtype, cur->data,
						      i * (size_t)C + (size_t)c) *
					  p->scale +
				  p->shift;
			if (p->nmean)
				v = (v - p->mean[c]) / p->std[c];
			dst[(size_t)c * plane + i] = v;
		}
	dh_image_free(sized);
	dh_image_free(conv);
	return DH_OK;
}

dh_status dh_graph_image_shape(const dh_graph *g, const char *model, int *c,
			       int *h, int *w, dh_err *e)
{
	char buf[128];
	if (g->ninputs != 1)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s: the model has %d inputs; images feed "
				  "models with one",
				  model, g->ninputs);
	const dh_value *in = &g->v[g->inputs[0]];
	const dh_shape *d = &in->decl;
	if (d->ndim != 4 || d->d[1] < 1 || d->d[2] < 1 || d->d[3] < 1 ||
	    d->d[1] > 4 || d->d[2] > DH_IMAGE_MAX_DIM || d->d[3] > DH_IMAGE_MAX_DIM) {
		int n = 0;
		buf[0] = '\0';
		for (int i = 0; i < d->ndim && n < (int)sizeof buf - 24; i++) {
			if (d->d[i] < 0)
				n += snprintf(buf + n, sizeof buf - (size_t)n,
					      "%s%s", i ? ", " : "",
					      i ? "?" : "N");
			else
				n += snprintf(buf + n, sizeof buf - (size_t)n,
					      "%s%lld", i ? ", " : "",
					      (long long)d->d[i]);
		}
		return dh_err_set(e, DH_ESHAPE,
				  "%s: the model's input '%s' is [%s]; image "
				  "inputs need [N, C, H, W] with C of 1 to 4 "
				  "and H and W fixed",
				  model, in->name, buf);
	}
	*c = (int)d->d[1];
	*h = (int)d->d[2];
	*w = (int)d->d[3];
	return DH_OK;
}

typedef struct image_src {
	char *const *paths;
	int npaths, next;
	dh_image_prep p;
	int64_t batch;
	int skip_bad;
	dh_log *log;
	int64_t skipped;
	dh_tensor *x, *id;     /* [batch, ...] */
	dh_tensor *xv, *idv;   /* this batch's rows of them */
	const char **names;
} image_src;

static dh_status image_next(dh_infer_source *src, dh_infer_batch *b,
			    dh_err *e)
{
	image_src *s = src->impl;
	memset(b, 0, sizeof *b);
	const size_t per = (size_t)s->p.channels * (size_t)s->p.width *
			   (size_t)s->p.height;
	float *x = dh_tensor_f32(s->x);
	int64_t *id = s->id->data;
	int64_t n = 0;
	while (n < s->batch && s->next < s->npaths) {
		int i = s->next++;
		const char *path = s->paths[i];
		dh_image *img = NULL;
		dh_status st = dh_image_read(path, NULL, &img, e);
		if (!st) {
			st = dh_image_prepare(img, &s->p, x + (size_t)n * per, e);
			if (st)
				dh_err_prefix(e, "%s", path);
		}
		dh_image_free(img);
		if (st == DH_ENOMEM)
			return st;
		if (st) {
			if (!s->skip_bad)
				return st;
			if (s->log)
				dh_log_warn(s->log, "skipped %s", e->msg);
			dh_err_clear(e);
			s->skipped++;
			continue;
		}
		id[n] = i;
		s->names[n] = path;
		n++;
	}
	if (n == 0)
		return DH_EEOF;
	dh_tensor_free(s->xv);
	dh_tensor_free(s->idv);
	s->xv = dh_tensor_slice0(s->x, 0, n, e);
	s->idv = dh_tensor_slice0(s->id, 0, n, e);
	if (!s->xv || !s->idv)
		return e->status ? e->status : DH_ENOMEM;
	b->x = s->xv;
	b->id = s->idv;
	b->names = s->names;
	return DH_OK;
}

static int64_t image_skipped(const dh_infer_source *src)
{
	const image_src *s = src->impl;
	return s ? s->skipped : 0;
}

static void image_close(dh_infer_source *src)
{
	image_src *s = src->impl;
	if (!s)
		return;
	dh_tensor_free(s->xv);
	dh_tensor_free(s->idv);
	dh_tensor_free(s->x);
	dh_tensor_free(s->id);
	free(s->names);
	free(s);
	src->impl = NULL;
}

dh_status dh_infer_source_images(dh_infer_source *src, char *const *paths,
				 int npaths, const dh_image_prep *p,
				 int64_t batch, int skip_bad, dh_log *log,
				 dh_err *e)
{
	memset(src, 0, sizeof *src);
	image_src *s = calloc(1, sizeof *s);
	if (!s)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	s->paths = paths;
	s->npaths = npaths;
	s->p = *p;
	s->batch = batch < npaths ? batch : npaths;
	if (s->batch < 1)
		s->batch = 1;
	s->skip_bad = skip_bad;
	s->log = log;
	int64_t shape[4] = {s->batch, p->channels, p->height, p->width};
	s->x = dh_tensor_new(DH_F32, 4, shape, e);
	s->id = dh_tensor_new(DH_I64, 1, &s->batch, e);
	s->names = calloc((size_t)s->batch, sizeof *s->names);
	src->impl = s;
	src->name = npaths ? paths[0] : "images";
	src->next = image_next;
	src->skipped = image_skipped;
	src->close = image_close;
	if (!s->x || !s->id || !s->names) {
		image_close(src);
		return e->status ? e->status
				 : dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	return DH_OK;
}

/* ---- datasets ----------------------------------------------------------- */

typedef struct ddf_src {
	const dh_ddf *ddf;
	dh_loader *l;
	dh_image_prep p;
	dh_log *log;
	int64_t logged;        /* skipped samples already reported */
	dh_tensor *x, *y, *id;
	const char **names;
	int64_t cap;
} ddf_src;

static void ddf_free_batch(ddf_src *s)
{
	dh_tensor_free(s->x);
	dh_tensor_free(s->y);
	dh_tensor_free(s->id);
	s->x = s->y = s->id = NULL;
}

static void ddf_report_skips(ddf_src *s)
{
	int64_t n = dh_loader_skipped(s->l);
	for (; s->logged < n; s->logged++) {
		int64_t idx = -1;
		const char *why = dh_loader_skipped_reason(s->l, s->logged, &idx);
		if (s->log)
			dh_log_warn(s->log, "skipped sample %lld: %s",
				    (long long)idx, why ? why : "unreadable");
	}
}

static dh_status ddf_next(dh_infer_source *src, dh_infer_batch *b, dh_err *e)
{
	ddf_src *s = src->impl;
	memset(b, 0, sizeof *b);
	ddf_free_batch(s);
	dh_status st = dh_loader_next(s->l, &s->x, &s->y, &s->id, e);
	ddf_report_skips(s);
	if (st)
		return st;
	int64_t n = s->x->shape[0];
	if (n > s->cap) {
		const char **nn = realloc(s->names, (size_t)n * sizeof *nn);
		if (!nn)
			return dh_err_set(e, DH_ENOMEM, "out of memory");
		s->names = nn;
		s->cap = n;
	}
	const int64_t *id = s->id->data;
	for (int64_t i = 0; i < n; i++) {
		const dh_ddf_sample *sm = &s->ddf->samples[id[i]];
		s->names[i] = sm->npaths ? sm->paths[0] : "";
	}
	if (s->p.nmean) {
		float *x = dh_tensor_f32(s->x);
		int64_t plane = (int64_t)s->p.width * s->p.height;
		for (int64_t i = 0; i < n; i++)
			for (int c = 0; c < s->p.channels; c++) {
				float *q = x + (i * s->p.channels + c) * plane;
				for (int64_t k = 0; k < plane; k++)
					q[k] = (q[k] - s->p.mean[c]) / s->p.std[c];
			}
	}
	b->x = s->x;
	b->target = src->has_target ? s->y : NULL;
	b->id = s->id;
	b->names = s->names;
	return DH_OK;
}

static int64_t ddf_skipped(const dh_infer_source *src)
{
	const ddf_src *s = src->impl;
	return s ? dh_loader_skipped(s->l) : 0;
}

static void ddf_close(dh_infer_source *src)
{
	ddf_src *s = src->impl;
	if (!s)
		return;
	ddf_free_batch(s);
	dh_loader_close(s->l);
	free(s->names);
	free(s);
	src->impl = NULL;
}

dh_status dh_infer_source_ddf(dh_infer_source *src, const dh_ddf *ddf,
			      const char *split, const dh_image_prep *p,
			      int64_t batch, int skip_bad, dh_log *log,
			      dh_err *e)
{
	memset(src, 0, sizeof *src);
	const dh_ddf_split *sp = NULL;
	if (split && !(sp = dh_ddf_split_find(ddf, split))) {
		char have[256] = "";
		size_t k = 0;
		for (int i = 0; i < ddf->nsplits && k < sizeof have - 40; i++)
			k += (size_t)snprintf(have + k, sizeof have - k, "%s'%s'",
					      i ? ", " : "", ddf->splits[i].name);
		return dh_err_set(e, DH_EINVAL, "%s: no split '%s' (it has %s)",
				  ddf->path, split,
				  ddf->nsplits ? have : "none");
	}
	int64_t n = sp ? sp->n : ddf->nsamples;
	if (n == 0)
		return dh_err_set(e, DH_EINVAL, "%s: split '%s' is empty",
				  ddf->path, split ? split : "(all)");
	/* targets when every sample has a class, or every one a mask */
	int kind = -1;
	for (int64_t i = 0; i < n; i++) {
		int k = ddf->samples[sp ? sp->idx[i] : i].kind;
		if (kind < 0)
			kind = k;
		else if (kind != k)
			kind = DH_DDF_LABEL_NONE;
	}
	ddf_src *s = calloc(1, sizeof *s);
	if (!s)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	s->ddf = ddf;
	s->p = *p;
	s->log = log;
	dh_loader_opts o;
	dh_loader_opts_init(&o);
	o.split = split;
	o.width = p->width;
	o.height = p->height;
	o.channels = p->channels;
	o.scale = p->scale;
	o.shift = p->shift;
	o.batch = (int)(batch < 1 << 20 ? batch : 1 << 20);
	o.skip_bad = skip_bad;
	s->l = dh_loader_open(ddf, &o, e);
	if (!s->l) {
		free(s);
		return e->status ? e->status : DH_ENOMEM;
	}
	src->name = ddf->path;
	src->has_target = kind == DH_DDF_LABEL_CLASS || kind == DH_DDF_LABEL_MASK;
	src->classes = ddf->nclasses ? (const char *const *)ddf->classes : NULL;
	src->nclasses = ddf->nclasses;
	src->next = ddf_next;
	src->skipped = ddf_skipped;
	src->close = ddf_close;
	src->impl = s;
	return DH_OK;
}
