/* dh-augment - apply an augmentation pipeline to images or a tensor stream. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augment.h"
#include "cli/tool.h"
#include "core/atomicfile.h"
#include "core/dtype.h"
#include "image/io.h"
#include "image/proc/proc.h"
#include "stream/tstream.h"

static const dh_opt opts[] = {
	{"file", 'f', DH_ARG_FILE, "AUG.txt", "read the pipeline from this file", 0, 0, "txt|aug", 0},
	{"expr", 'e', DH_ARG_STRING, "PIPELINE", "give the pipeline inline", 0, 0, NULL, 0},
	{"split", 0, DH_ARG_STRING, "NAME", "use this split's section (default: training)", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed (default 0)", 0, 9.2e18, NULL, 0},
	{"epoch", 0, DH_ARG_INT, "E", "epoch number, part of every sample's random stream (default 0)", 0, 9.2e18, NULL, 0},
	{"index", 0, DH_ARG_INT, "I", "sample index of a single image (default 0)", 0, 9.2e18, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "OUT", "write here (default: stdout)", 0, 0, NULL, 0},
	{"mask", 0, DH_ARG_FILE, "MASK", "a segmentation mask that moves with the image", 0, 0, NULL, 0},
	{"mask-output", 0, DH_ARG_FILE, "OUT", "write the transformed mask here", 0, 0, NULL, 0},
	{"preview", 0, DH_ARG_INT, "N", "draw N augmented variants side by side", 1, 1000, NULL, 0},
	{"check", 0, DH_ARG_NONE, NULL, "parse the pipeline, print it as understood, and exit", 0, 0, NULL, 0},
	{"list", 0, DH_ARG_NONE, NULL, "list every transform with its parameters and exit", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static int run(dh_ctx *c);

static const dh_cmd cmds[] = {
	{NULL, "[IN]", "Apply an augmentation pipeline to an image file, or to a tensor stream from stdin to stdout.",
	 opts, 0, 1, "image", run, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-augment", "augment images and tensor streams", cmds, 0,
	"dh-augment -f aug.txt --seed 1 < train.npy > augmented.npy",
};

typedef struct job {
	const dh_aug *aug;
	const char *split;
	uint64_t seed;
	int64_t epoch;
} job;

/* --- single images -------------------------------------------------------- */

static dh_status augment_one(const job *j, int64_t index, dh_image **img,
			     dh_image **mask, dh_err *e)
{
	dh_rng r;
	dh_aug_sample_rng(&r, j->seed, j->epoch, index);
	return dh_aug_apply(j->aug, j->split, &r, img, mask, e);
}

/* An 8-bit picture of img for the montage: u8 as it is, anything else
 * stretched from its minimum to its maximum. */
static dh_image *displayable(const dh_image *img, dh_err *e)
{
	if (img->dtype == DH_U8)
		return dh_image_clone(img, e);
	dh_image *n = dh_normalize(img, 0, 255, e);
	if (!n)
		return NULL;
	dh_image *u = dh_image_convert(n, DH_U8, 1, 0, e);
	dh_image_free(n);
	if (u && u->channels != 1 && u->channels != 3 && u->channels != 4)
		u->color = DH_COLOR_NONE;
	return u;
}

static int run_image(dh_ctx *c, const job *j)
{
	const char *in = c->args[0], *out = dh_ctx_str(c, "output", NULL);
	const char *mpath = dh_ctx_str(c, "mask", NULL);
	const char *mout = dh_ctx_str(c, "mask-output", NULL);
	if (!out)
		return dh_ctx_usage(c, "an image input needs -o OUT");
	if (mout && !mpath)
		return dh_ctx_usage(c, "--mask-output needs --mask");
	dh_image *img = NULL, *mask = NULL;
	if (dh_image_read(in, NULL, &img, &c->err))
		return dh_ctx_fail(c);
	if (mpath && dh_image_read(mpath, NULL, &mask, &c->err)) {
		dh_image_free(img);
		return dh_ctx_fail(c);
	}
	int rc = DH_EXIT_OK;
	long long npre = dh_ctx_int(c, "preview", 0);
	if (npre > 0) {
		dh_image **v = calloc((size_t)npre, sizeof *v);
		if (!v) {
			dh_err_set(&c->err, DH_ENOMEM, "out of memory");
			rc = dh_ctx_fail(c);
			goto done;
		}
		int64_t base = dh_ctx_int(c, "index", 0);
		for (long long i = 0; i < npre && rc == DH_EXIT_OK; i++) {
			dh_image *x = dh_image_clone(img, &c->err), *m = NULL;
			if (x && mask)
				m = dh_image_clone(mask, &c->err);
			if (!x || (mask && !m) || augment_one(j, base + i, &x, m ? &m : NULL, &c->err)) {
				dh_err_prefix(&c->err, "%s: variant %lld", in, i + 1);
				rc = dh_ctx_fail(c);
			} else if (!(v[i] = displayable(x, &c->err))) {
				rc = dh_ctx_fail(c);
			}
			dh_image_free(x);
			dh_image_free(m);
		}
		if (rc == DH_EXIT_OK) {
			dh_image *mt = dh_montage((const dh_image *const *)v, (int)npre,
						  npre < 8 ? (int)npre : 8, &c->err);
			if (!mt || dh_image_write(out, mt, NULL, &c->err))
				rc = dh_ctx_fail(c);
			dh_image_free(mt);
		}
		for (long long i = 0; i < npre; i++)
			dh_image_free(v[i]);
		free(v);
		goto done;
	}
	if (augment_one(j, dh_ctx_int(c, "index", 0), &img, mask ? &mask : NULL, &c->err)) {
		dh_err_prefix(&c->err, "%s", in);
		rc = dh_ctx_fail(c);
		goto done;
	}
	if (dh_image_write(out, img, NULL, &c->err) ||
	    (mout && dh_image_write(mout, mask, NULL, &c->err)))
		rc = dh_ctx_fail(c);
done:
	dh_image_free(img);
	dh_image_free(mask);
	return rc;
}

/* --- tensor streams --------------------------------------------------------- */

/* Sample i of a batch [N, C, H, W] (or [N, H, W]) as an HWC image: u8 stays
 * u8, float32 stays float32, other dtypes become float32. */
static dh_image *sample_image(const dh_tensor *t, int64_t i, dh_err *e)
{
	int C = t->ndim == 4 ? (int)t->shape[1] : 1;
	int H = (int)t->shape[t->ndim - 2], W = (int)t->shape[t->ndim - 1];
	dh_dtype dt = t->dtype == DH_U8 ? DH_U8 : DH_F32;
	dh_colortype col = C == 1 ? DH_COLOR_GRAY : C == 3 ? DH_COLOR_RGB : DH_COLOR_NONE;
	dh_image *img = dh_image_new(dt, W, H, 1, C, col, e);
	if (!img)
		return NULL;
	size_t plane = (size_t)W * H, base = (size_t)i * plane * C;
	for (int ch = 0; ch < C; ch++)
		for (size_t p = 0; p < plane; p++) {
			size_t s = base + (size_t)ch * plane + p, d = p * C + ch;
			if (dt == DH_U8)
				img->data[d] = ((const uint8_t *)t->data)[s];
			else if (t->dtype == DH_F32)
				((float *)(void *)img->data)[d] = ((const float *)t->data)[s];
			else
				((float *)(void *)img->data)[d] = (float)dh_dtype_get(t->dtype, t->data, s);
		}
	return img;
}

/* Write an HWC image into sample i of out [N, C, H, W] (same dtype). */
static void put_sample(dh_tensor *out, int64_t i, const dh_image *img)
{
	int C = img->channels;
	size_t plane = (size_t)img->width * img->height, base = (size_t)i * plane * C;
	size_t es = dh_image_elsize(img);
	if (es == 4) {
		const uint32_t *src = (const uint32_t *)(const void *)img->data;
		uint32_t *dst = (uint32_t *)out->data + base;
		for (int ch = 0; ch < C; ch++)
			for (size_t p = 0; p < plane; p++)
				dst[(size_t)ch * plane + p] = src[p * C + ch];
	} else if (es == 1) {
		unsigned char *dst = (unsigned char *)out->data + base;
		for (int ch = 0; ch < C; ch++)
			for (size_t p = 0; p < plane; p++)
				dst[(size_t)ch * plane + p] = img->data[p * C + ch];
	} else {
		for (int ch = 0; ch < C; ch++)
			for (size_t p = 0; p < plane; p++)
				memcpy((unsigned char *)out->data + (base + (size_t)ch * plane + p) * es,
				       img->data + (p * C + ch) * es, es);
	}
}

typedef struct group_state {
	dh_image **imgs, **masks;
	dh_err *errs;
	dh_status *st;
} group_state;

static int spatial_ok(const dh_tensor *t)
{
	return (t->ndim == 3 || t->ndim == 4) && t->shape[t->ndim - 1] > 0 &&
	       t->shape[t->ndim - 2] > 0 && t->shape[t->ndim - 1] <= DH_IMAGE_MAX_DIM &&
	       t->shape[t->ndim - 2] <= DH_IMAGE_MAX_DIM &&
	       (t->ndim == 3 || (t->shape[1] >= 1 && t->shape[1] <= DH_IMAGE_MAX_CHANNELS));
}

/* Augment one group in place: fields[in] (and fields[mk] when mk >= 0) are
 * replaced by new tensors. */
static dh_status augment_group(const job *j, dh_tensor **fields, int in, int mk,
			       int idf, int64_t first, const char *name, dh_err *e)
{
	dh_tensor *x = fields[in], *m = mk >= 0 ? fields[mk] : NULL;
	int64_t N = x->shape[0];
	if (!spatial_ok(x))
		return dh_err_set(e, DH_ESHAPE, "%s: field 'input' must be [N, C, H, W] or [N, H, W] images", name);
	if (m && (!spatial_ok(m) || m->shape[0] != N ||
		  m->shape[m->ndim - 1] != x->shape[x->ndim - 1] ||
		  m->shape[m->ndim - 2] != x->shape[x->ndim - 2]))
		return dh_err_set(e, DH_ESHAPE, "%s: the mask field must be [N, 1, H, W] or [N, H, W] with the images' H and W", name);
	group_state g = {0};
	g.imgs = calloc((size_t)N, sizeof *g.imgs);
	g.masks = calloc((size_t)N, sizeof *g.masks);
	g.errs = calloc((size_t)N, sizeof *g.errs);
	g.st = calloc((size_t)N, sizeof *g.st);
	dh_status st = DH_OK;
	if (!g.imgs || !g.masks || !g.errs || !g.st) {
		st = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	const int64_t *ids = idf >= 0 && fields[idf]->dtype == DH_I64 &&
			     dh_tensor_numel(fields[idf]) == N ? (const int64_t *)fields[idf]->data : NULL;
#pragma omp parallel for schedule(dynamic, 1)
	for (int64_t i = 0; i < N; i++) {
		dh_err *ei = &g.errs[i];
		g.imgs[i] = sample_image(x, i, ei);
		if (!g.imgs[i]) {
			g.st[i] = ei->status;
			continue;
		}
		if (m && !(g.masks[i] = sample_image(m, i, ei))) {
			g.st[i] = ei->status;
			continue;
		}
		int64_t index = ids ? ids[i] : first + i;
		g.st[i] = augment_one(j, index, &g.imgs[i], m ? &g.masks[i] : NULL, ei);
	}
	for (int64_t i = 0; i < N; i++)
		if (g.st[i]) {
			*e = g.errs[i];
			dh_err_prefix(e, "%s: sample %lld", name, (long long)(first + i));
			st = e->status;
			goto out;
		}
	/* every sample must come out alike */
	for (int pass = 0; pass < (m ? 2 : 1); pass++) {
		dh_image **v = pass ? g.masks : g.imgs;
		for (int64_t i = 1; i < N; i++)
			if (v[i]->width != v[0]->width || v[i]->height != v[0]->height ||
			    v[i]->channels != v[0]->channels || v[i]->dtype != v[0]->dtype) {
				st = dh_err_set(e, DH_ESHAPE,
						"%s: sample %lld came out %dx%dx%d %s but sample %lld %dx%dx%d %s; "
						"end the pipeline with a fixed size (resize, center_crop, random_crop)",
						name, (long long)(first + i), v[i]->width, v[i]->height,
						v[i]->channels, dh_dtype_name(v[i]->dtype), (long long)first,
						v[0]->width, v[0]->height, v[0]->channels, dh_dtype_name(v[0]->dtype));
				goto out;
			}
		if (N == 0)
			continue;
		const dh_tensor *src = pass ? m : x;
		int64_t shape[4] = {N, v[0]->channels, v[0]->height, v[0]->width};
		dh_tensor *o;
		if (src->ndim == 3 && v[0]->channels == 1) {
			int64_t s3[3] = {N, v[0]->height, v[0]->width};
			o = dh_tensor_new(v[0]->dtype, 3, s3, e);
		} else {
			o = dh_tensor_new(v[0]->dtype, 4, shape, e);
		}
		if (!o) {
			st = e->status;
			goto out;
		}
		for (int64_t i = 0; i < N; i++)
			put_sample(o, i, v[i]);
		/* keep an integer mask's dtype when geometry alone moved it */
		if (pass && src->dtype != DH_U8 && src->dtype != DH_F32 && v[0]->dtype == DH_F32 &&
		    !dh_dtype_is_float(src->dtype)) {
			dh_tensor *k = dh_tensor_new(src->dtype, o->ndim, o->shape, e);
			if (!k || dh_tensor_convert(k, o, e)) {
				dh_tensor_free(k);
				dh_tensor_free(o);
				st = e->status;
				goto out;
			}
			dh_tensor_free(o);
			o = k;
		}
		dh_tensor_free(fields[pass ? mk : in]);
		fields[pass ? mk : in] = o;
	}
out:
	for (int64_t i = 0; g.imgs && i < N; i++) {
		dh_image_free(g.imgs[i]);
		if (g.masks)
			dh_image_free(g.masks[i]);
	}
	free(g.imgs);
	free(g.masks);
	free(g.errs);
	free(g.st);
	return st;
}

static int run_stream(dh_ctx *c, const job *j)
{
	const char *outp = dh_ctx_str(c, "output", "-");
	dh_atomic_file af;
	/* a file output appears whole or not at all */
	if (dh_atomic_open(&af, outp, &c->err))
		return dh_ctx_fail(c);
	FILE *out = af.f;
	dh_stream_reader r;
	dh_stream_writer w;
	dh_status st = dh_stream_open(&r, stdin, "stdin", &c->err);
	int rc = DH_EXIT_OK;
	if (st) {
		rc = dh_ctx_fail(c);
		goto close_out;
	}
	int in = dh_stream_field(&r, "input"), mk = dh_stream_field(&r, "mask");
	int idf = dh_stream_field(&r, "id");
	const char *names[DH_STREAM_MAX_FIELDS];
	for (int i = 0; i < r.nfields; i++)
		names[i] = r.fields[i];
	if (in < 0) {
		dh_err_set(&c->err, DH_EFORMAT, "stdin: the stream has no 'input' field");
		rc = dh_ctx_fail(c);
		goto close_r;
	}
	if (dh_stream_writer_open(&w, out, r.grouped ? r.nfields : 0, names, &c->err)) {
		rc = dh_ctx_fail(c);
		goto close_r;
	}
	int64_t first = 0;
	for (;;) {
		dh_tensor *f[DH_STREAM_MAX_FIELDS] = {0};
		st = dh_stream_next(&r, 64, f, &c->err);
		if (st == DH_EEOF)
			break;
		if (st) {
			rc = dh_ctx_fail(c);
			break;
		}
		int nf = r.grouped ? r.nfields : 1;
		int mkf = mk;
		/* a segmentation target [N, 1, H, W] moves like a mask */
		int tg = dh_stream_field(&r, "target");
		if (mkf < 0 && tg >= 0 && f[tg]->ndim == 4 && f[tg]->shape[1] == 1 &&
		    f[in]->ndim == 4 && f[tg]->shape[2] == f[in]->shape[2] &&
		    f[tg]->shape[3] == f[in]->shape[3])
			mkf = tg;
		int64_t n = f[in]->shape[0];
		st = augment_group(j, f, in, mkf, idf, first, "stdin", &c->err);
		if (!st)
			st = dh_stream_write(&w, f, &c->err);
		for (int i = 0; i < nf; i++)
			dh_tensor_free(f[i]);
		if (st) {
			rc = dh_ctx_fail(c);
			break;
		}
		first += n;
	}
close_r:
	dh_stream_close(&r);
close_out:
	if (rc == DH_EXIT_OK) {
		if (dh_atomic_commit(&af, &c->err))
			rc = dh_ctx_fail(c);
	} else {
		dh_atomic_abort(&af);
	}
	return rc;
}

static int run(dh_ctx *c)
{
	const char *file = dh_ctx_str(c, "file", NULL), *expr = dh_ctx_str(c, "expr", NULL);
	if (dh_ctx_has(c, "list")) {
		char *ref = dh_aug_reference();
		if (!ref) {
			dh_err_set(&c->err, DH_ENOMEM, "out of memory");
			return dh_ctx_fail(c);
		}
		fputs(ref, stdout);
		free(ref);
		return DH_EXIT_OK;
	}
	if (!file == !expr)
		return dh_ctx_usage(c, "give the pipeline with -f FILE or -e PIPELINE (one of them)");
	if (dh_ctx_has(c, "preview") && c->nargs == 0)
		return dh_ctx_usage(c, "--preview needs an image file");
	if (dh_ctx_has(c, "mask") && c->nargs == 0)
		return dh_ctx_usage(c, "--mask goes with an image file; in a stream, masks are the 'mask' field");
	dh_aug *a = file ? dh_aug_parse_file(file, &c->err)
			 : dh_aug_parse_string(expr, "-e", &c->err);
	if (!a)
		return dh_ctx_fail(c);
	job j = {a, dh_ctx_str(c, "split", "training"),
		 (uint64_t)dh_ctx_int(c, "seed", 0), dh_ctx_int(c, "epoch", 0)};
	int rc;
	if (!dh_aug_has_split(a, j.split)) {
		char list[256] = "";
		size_t o = 0;
		for (int i = 0; i < dh_aug_split_count(a) && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
					      dh_aug_split_name(a, i));
		dh_err_set(&c->err, DH_EINVAL, "%s: no section '%s' (it has: %s)",
			   file ? file : "-e", j.split, list);
		rc = dh_ctx_fail(c);
	} else if (dh_ctx_has(c, "check")) {
		char *d = dh_aug_describe(a, j.split);
		fputs(d ? d : "", stdout);
		free(d);
		rc = DH_EXIT_OK;
	} else if (c->nargs == 1) {
		rc = run_image(c, &j);
	} else {
		rc = run_stream(c, &j);
	}
	dh_aug_free(a);
	return rc;
}

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
