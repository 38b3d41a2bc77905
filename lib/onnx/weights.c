/* weights.c - weights and gradients apart from the topology (see
 * weights.h). */
#define _GNU_SOURCE /* open_memstream, fmemopen */
#include "onnx/weights.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "nn/init.h"
#include "onnx/export.h"
#include "stream/npy.h"

/* A stream names at most this many tensors (ResNet-152 has ~1000): a bound
 * for hostile manifests. */
#define MAX_TENSORS (1 << 20)
#define MAX_MANIFEST ((size_t)64 << 20)

static const char *const kind_names[] = {"weights", "gradients"};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == DH_WEIGHTS_KIND_COUNT,
	       "one name per kind");

const char *dh_weights_kind_name(dh_weights_kind k)
{
	return (unsigned)k < DH_WEIGHTS_KIND_COUNT ? kind_names[k] : "?";
}

void dh_weights_free(dh_weights *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->n; i++) {
		free(w->names ? w->names[i] : NULL);
		dh_tensor_free(w->t ? w->t[i] : NULL);
	}
	free(w->names);
	free(w->t);
	free(w);
}

dh_weights *dh_weights_new(dh_weights_kind kind, int n, dh_err *e)
{
	dh_weights *w = calloc(1, sizeof *w);
	if (w) {
		w->kind = kind;
		w->names = calloc((size_t)(n ? n : 1), sizeof *w->names);
		w->t = calloc((size_t)(n ? n : 1), sizeof *w->t);
	}
	if (!w || !w->names || !w->t) {
		dh_weights_free(w);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	return w;
}

/* --- writing ----------------------------------------------------------------- */

dh_status dh_weights_write_tensors(FILE *f, dh_weights_kind kind, int n,
				   char *const *names, dh_tensor *const *t,
				   dh_err *e)
{
	if ((unsigned)kind >= DH_WEIGHTS_KIND_COUNT || n < 0 || n > MAX_TENSORS)
		return dh_err_set(e, DH_EINVAL, "bad weights kind or count");
	cJSON *j = cJSON_CreateObject();
	int ok = j && cJSON_AddNumberToObject(j, "dh-weights", 1) &&
		 cJSON_AddStringToObject(j, "kind", kind_names[kind]);
	cJSON *arr = ok ? cJSON_AddArrayToObject(j, "names") : NULL;
	ok = arr != NULL;
	for (int i = 0; ok && i < n; i++) {
		cJSON *s = cJSON_CreateString(names[i]);
		ok = s && cJSON_AddItemToArray(arr, s);
	}
	char *text = ok ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!text)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	/* the manifest first, so that the stream's first key says what it is */
	int64_t len = (int64_t)strlen(text);
	dh_tensor *mt = dh_tensor_wrap(DH_U8, 1, &len, text, e);
	dh_status s = mt ? dh_npy_write(f, mt, e) : DH_ENOMEM;
	dh_tensor_free(mt);
	free(text);
	for (int i = 0; !s && i < n; i++)
		s = dh_npy_write(f, t[i], e);
	if (!s && fflush(f))
		s = dh_err_errno(e, errno, "write failed");
	return s;
}

dh_status dh_weights_write(FILE *f, const dh_weights *w, dh_err *e)
{
	return dh_weights_write_tensors(f, w->kind, w->n, w->names, w->t, e);
}

dh_status dh_weights_to_buffer(const dh_weights *w, uint8_t **buf,
			       size_t *len, dh_err *e)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);
	if (!f)
		return dh_err_errno(e, errno, "cannot open a memory stream");
	dh_status s = dh_weights_write(f, w, e);
	if (fclose(f) && !s)
		s = dh_err_errno(e, errno, "memory stream");
	if (s) {
		free(p);
		return s;
	}
	*buf = (uint8_t *)p;
	*len = n;
	return DH_OK;
}

dh_status dh_weights_save(const dh_weights *w, const char *path, dh_err *e)
{
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	s = dh_weights_write(af.f, w, e);
	if (s) {
		dh_err_prefix(e, "%s", path);
		dh_atomic_abort(&af);
		return s;
	}
	return dh_atomic_commit(&af, e);
}

/* --- reading ----------------------------------------------------------------- */

static dh_status bad_at(dh_err *e, const char *name, long long off,
			const char *what)
{
	return dh_err_set(e, DH_EFORMAT, "%s: byte %lld: %s", name, off, what);
}

static dh_weights *parse_manifest(const char *text, const char *name,
				  dh_err *e)
{
	cJSON *j = cJSON_Parse(text);
	cJSON *ver = j ? cJSON_GetObjectItemCaseSensitive(j, "dh-weights") : NULL;
	cJSON *kind = j ? cJSON_GetObjectItemCaseSensitive(j, "kind") : NULL;
	cJSON *names = j ? cJSON_GetObjectItemCaseSensitive(j, "names") : NULL;
	dh_weights *w = NULL;
	if (!cJSON_IsNumber(ver) || !cJSON_IsString(kind) || !cJSON_IsArray(names)) {
		bad_at(e, name, 0, "not a weights stream (its first record "
				   "should be the manifest {\"dh-weights\":1, "
				   "\"kind\":..., \"names\":[...]})");
		goto out;
	}
	if (ver->valuedouble != 1) {
		dh_err_set(e, DH_EUNSUPPORTED,
			   "%s: weights stream version %g (dh reads 1)", name,
			   ver->valuedouble);
		goto out;
	}
	int k = -1;
	for (int i = 0; i < DH_WEIGHTS_KIND_COUNT; i++)
		if (!strcmp(kind->valuestring, kind_names[i]))
			k = i;
	if (k < 0) {
		dh_err_set(e, DH_EFORMAT, "%s: unknown weights kind '%s'", name,
			   kind->valuestring);
		goto out;
	}
	int n = cJSON_GetArraySize(names);
	if (n > MAX_TENSORS) {
		dh_err_set(e, DH_EFORMAT, "%s: %d tensors (at most %d)", name, n,
			   MAX_TENSORS);
		goto out;
	}
	w = dh_weights_new((dh_weights_kind)k, n, e);
	if (!w)
		goto out;
	dh_strmap seen;
	dh_strmap_init(&seen);
	int i = 0;
	for (cJSON *it = names->child; it; it = it->next, i++) {
		int64_t dummy;
		if (!cJSON_IsString(it) || !*it->valuestring) {
			dh_err_set(e, DH_EFORMAT,
				   "%s: manifest name %d is not a non-empty string",
				   name, i);
			break;
		}
		if (dh_strmap_get(&seen, it->valuestring, &dummy)) {
			dh_err_set(e, DH_EFORMAT,
				   "%s: tensor '%s' is named twice", name,
				   it->valuestring);
			break;
		}
		w->names[i] = strdup(it->valuestring);
		w->n = i + 1;
		if (!w->names[i]) {
			dh_err_set(e, DH_ENOMEM, "out of memory");
			break;
		}
		if (dh_strmap_put(&seen, w->names[i], i, e))
			break;
	}
	dh_strmap_release(&seen);
	if (i < n) {
		dh_weights_free(w);
		w = NULL;
	}
out:
	cJSON_Delete(j);
	return w;
}

dh_weights *dh_weights_read(FILE *f, const char *name, dh_err *e)
{
	dh_npy_header h;
	dh_status s = dh_npy_read_header(f, &h, e);
	if (s == DH_EEOF) {
		dh_err_set(e, DH_EFORMAT, "%s: empty (no manifest)", name);
		return NULL;
	}
	if (s) {
		dh_err_prefix(e, "%s: byte 0", name);
		return NULL;
	}
	if (h.dtype != DH_U8 || h.ndim != 1 || h.data_bytes > MAX_MANIFEST) {
		bad_at(e, name, 0, "not a weights stream (its first record "
				   "should be the uint8 manifest)");
		return NULL;
	}
	long long off = (long long)h.header_bytes;
	char *text = malloc(h.data_bytes + 1);
	if (!text) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	if (dh_npy_read_data(f, &h, text, h.data_bytes, e)) {
		dh_err_prefix(e, "%s: manifest", name);
		free(text);
		return NULL;
	}
	text[h.data_bytes] = 0;
	off += (long long)h.data_bytes;
	dh_weights *w = parse_manifest(text, name, e);
	free(text);
	if (!w)
		return NULL;
	for (int i = 0; i < w->n; i++) {
		s = dh_npy_read_header(f, &h, e);
		if (s == DH_EEOF) {
			dh_err_set(e, DH_EFORMAT,
				   "%s: byte %lld: tensor '%s' (record %d) is "
				   "missing: the stream ends",
				   name, off, w->names[i], i + 1);
			goto fail;
		}
		if (!s)
			s = dh_npy_read_tensor(f, &h, h.ndim ? h.shape[0] : 1,
					       &w->t[i], e);
		if (s) {
			dh_err_prefix(e, "%s: byte %lld: tensor '%s' (record %d)",
				      name, off, w->names[i], i + 1);
			goto fail;
		}
		off += (long long)(h.header_bytes + h.data_bytes);
	}
	if (fgetc(f) != EOF) {
		bad_at(e, name, off, "data after the last tensor the manifest names");
		goto fail;
	}
	return w;
fail:
	dh_weights_free(w);
	return NULL;
}

dh_weights *dh_weights_from_buffer(const uint8_t *buf, size_t len,
				   const char *name, dh_err *e)
{
	if (!len) {
		dh_err_set(e, DH_EFORMAT, "%s: empty (no manifest)", name);
		return NULL;
	}
	FILE *f = fmemopen((void *)buf, len, "rb");
	if (!f) {
		dh_err_errno(e, errno, "%s: cannot open a memory stream", name);
		return NULL;
	}
	dh_weights *w = dh_weights_read(f, name, e);
	fclose(f);
	return w;
}

dh_weights *dh_weights_load(const char *path, dh_err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	dh_weights *w = dh_weights_read(f, path, e);
	if (f != stdin)
		fclose(f);
	return w;
}

/* --- models ------------------------------------------------------------------ */

static int is_weight_init(const Onnx__TensorProto *tp)
{
	dh_dtype dt;
	return tp->name && *tp->name && !dh_onnx_to_dtype(tp->data_type, &dt) &&
	       dh_dtype_is_float(dt);
}

dh_weights *dh_weights_from_model(const dh_onnx_model *m, dh_err *e)
{
	const Onnx__GraphProto *g = m->proto->graph;
	int n = 0;
	for (size_t i = 0; i < g->n_initializer; i++)
		n += is_weight_init(g->initializer[i]);
	dh_weights *w = dh_weights_new(DH_WEIGHTS_PARAMS, n, e);
	if (!w)
		return NULL;
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *tp = g->initializer[i];
		if (!is_weight_init(tp))
			continue;
		int k = w->n++;
		w->names[k] = strdup(tp->name);
		if (!w->names[k]) {
			dh_err_set(e, DH_ENOMEM, "out of memory");
			goto fail;
		}
		if (dh_onnx_tensor_load(m, tp, &w->t[k], e))
			goto fail;
	}
	return w;
fail:
	dh_weights_free(w);
	return NULL;
}

/* The strict checks shared by both destinations: same names, dtypes and
 * shapes.  idx[i] receives w's index for destination i. */
static dh_status match(const dh_weights *w, const char *src, const char *dst,
		       int n, char *const *names, const dh_dtype *dtypes,
		       const int *ndims, const int64_t *const *shapes, int *idx,
		       dh_err *e)
{
	dh_strmap map;
	dh_strmap_init(&map);
	dh_status s = DH_OK;
	for (int i = 0; !s && i < w->n; i++)
		s = dh_strmap_put(&map, w->names[i], i, e);
	for (int i = 0; !s && i < n; i++) {
		int64_t k;
		if (!dh_strmap_get(&map, names[i], &k)) {
			s = dh_err_set(e, DH_EINVAL,
				       "%s: no tensor '%s' (%s has it)", src,
				       names[i], dst);
			break;
		}
		const dh_tensor *t = w->t[k];
		char a[160], b[160];
		if (t->dtype != dtypes[i])
			s = dh_err_set(e, DH_EINVAL,
				       "%s: tensor '%s' is %s where %s has %s",
				       src, names[i], dh_dtype_name(t->dtype),
				       dst, dh_dtype_name(dtypes[i]));
		else if (!dh_shape_equal(t->ndim, t->shape, ndims[i], shapes[i]))
			s = dh_err_set(e, DH_EINVAL,
				       "%s: tensor '%s' has shape %s where %s "
				       "has %s",
				       src, names[i],
				       dh_shape_format(a, sizeof a, t->ndim, t->shape),
				       dst,
				       dh_shape_format(b, sizeof b, ndims[i], shapes[i]));
		idx[i] = (int)k;
	}
	if (!s && w->n != n) {
		/* same count would mean same set: names are unique both sides */
		dh_strmap want;
		dh_strmap_init(&want);
		for (int i = 0; !s && i < n; i++)
			s = dh_strmap_put(&want, names[i], i, e);
		for (int i = 0; !s && i < w->n; i++) {
			int64_t k;
			if (!dh_strmap_get(&want, w->names[i], &k))
				s = dh_err_set(e, DH_EINVAL,
					       "%s: tensor '%s' is not in %s",
					       src, w->names[i], dst);
		}
		if (!s)
			s = dh_err_set(e, DH_EINVAL, "%s: %d tensors where %s has %d",
				       src, w->n, dst, n);
		dh_strmap_release(&want);
	}
	dh_strmap_release(&map);
	return s;
}

dh_status dh_weights_copy_to(const dh_weights *w, const char *src, int n,
			     char *const *names, dh_tensor *const *dst,
			     dh_err *e)
{
	dh_dtype *dt = calloc((size_t)(n ? n : 1), sizeof *dt);
	int *nd = calloc((size_t)(n ? n : 1), sizeof *nd);
	const int64_t **sh = calloc((size_t)(n ? n : 1), sizeof *sh);
	int *idx = calloc((size_t)(n ? n : 1), sizeof *idx);
	dh_status s = DH_OK;
	if (!dt || !nd || !sh || !idx) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		dt[i] = dst[i]->dtype;
		nd[i] = dst[i]->ndim;
		sh[i] = dst[i]->shape;
	}
	s = match(w, src, "the model", n, names, dt, nd, sh, idx, e);
	for (int i = 0; !s && i < n; i++)
		memcpy(dst[i]->data, w->t[idx[i]]->data, dh_tensor_nbytes(dst[i]));
out:
	free(dt);
	free(nd);
	free(sh);
	free(idx);
	return s;
}

dh_status dh_weights_apply_model(dh_onnx_model *m, const dh_weights *w,
				 const char *src, dh_err *e)
{
	Onnx__GraphProto *g = m->proto->graph;
	size_t cap = g->n_initializer ? g->n_initializer : 1;
	char **names = calloc(cap, sizeof *names);
	dh_dtype *dt = calloc(cap, sizeof *dt);
	int *nd = calloc(cap, sizeof *nd);
	const int64_t **sh = calloc(cap, sizeof *sh);
	int *idx = calloc(cap, sizeof *idx);
	Onnx__TensorProto **tps = calloc(cap, sizeof *tps);
	dh_status s = DH_OK;
	int n = 0;
	if (!names || !dt || !nd || !sh || !idx || !tps) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < g->n_initializer; i++) {
		Onnx__TensorProto *tp = g->initializer[i];
		if (!is_weight_init(tp))
			continue;
		if (tp->n_dims > DH_MAX_DIMS) {
			s = dh_err_set(e, DH_EUNSUPPORTED,
				       "%s: initializer '%s' has %zu dimensions",
				       m->path, tp->name, tp->n_dims);
			goto out;
		}
		names[n] = tp->name;
		dh_onnx_to_dtype(tp->data_type, &dt[n]);
		nd[n] = (int)tp->n_dims;
		sh[n] = tp->dims;
		tps[n++] = tp;
	}
	s = match(w, src, m->path, n, names, dt, nd, sh, idx, e);
	for (int i = 0; !s && i < n; i++)
		s = dh_onnx_set_initializer(tps[i], w->t[idx[i]], e);
out:
	free(names);
	free(dt);
	free(nd);
	free(sh);
	free(idx);
	free(tps);
	return s;
}

/* --- reset ------------------------------------------------------------------- */

/* The node reading initializer `name`, and at which input. */
static const Onnx__NodeProto *reader(const Onnx__GraphProto *g,
				     const char *name, size_t *slot)
{
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *n = g->node[k];
		for (size_t i = 0; i < n->n_input; i++)
			if (n->input[i] && !strcmp(n->input[i], name)) {
				*slot = i;
				return n;
			}
	}
	return NULL;
}

/* Whether a node reads value `v` and is a ReLU: a layer before a ReLU gets
 * He's initialisation, as in the zoo. */
static int feeds_relu(const Onnx__GraphProto *g, const Onnx__NodeProto *n)
{
	if (!n->n_output || !n->output[0])
		return 0;
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *c = g->node[k];
		if (c->op_type && (!strcmp(c->op_type, "Relu") ||
				   !strcmp(c->op_type, "LeakyRelu")))
			for (size_t i = 0; i < c->n_input; i++)
				if (c->input[i] && !strcmp(c->input[i], n->output[0]))
					return 1;
	}
	return 0;
}

static int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t d)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i]->i;
	return d;
}

/* How the zoo initialises the initializer read at (op, slot); 0 when it is
 * not a weight slot. */
static int init_rule(const Onnx__GraphProto *g, const Onnx__NodeProto *n,
		     size_t slot, const Onnx__TensorProto *tp,
		     dh_init_opts *o)
{
	const char *op = n->op_type ? n->op_type : "";
	int64_t rf = 1;
	for (size_t d = 2; d < tp->n_dims; d++)
		rf *= tp->dims[d];
	if (!strcmp(op, "Conv") || !strcmp(op, "ConvTranspose")) {
		if (slot == 2) {
			dh_init_opts_init(o, DH_INIT_CONSTANT);
			return 1;
		}
		if (slot != 1 || tp->n_dims < 3)
			return 0;
		dh_init_opts_init(o, DH_INIT_HE_NORMAL);
		/* Conv [out, in/group, k...], ConvTranspose [in, out/group,
		 * k...]: the zoo takes dims 1 and 0 as the fans for both */
		o->fan_in_override = tp->dims[1] * rf;
		o->fan_out_override = tp->dims[0] * rf;
		return 1;
	}
	if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul")) {
		if (slot == 2 || tp->n_dims == 1) {
			dh_init_opts_init(o, DH_INIT_CONSTANT);
			return 1;
		}
		if (slot != 1 || tp->n_dims != 2)
			return 0;
		int tb = !strcmp(op, "Gemm") && attr_int(n, "transB", 0);
		int64_t in = tb ? tp->dims[1] : tp->dims[0];
		int64_t out = tb ? tp->dims[0] : tp->dims[1];
		dh_init_opts_init(o, feeds_relu(g, n) ? DH_INIT_HE_NORMAL
						      : DH_INIT_GLOROT_UNIFORM);
		o->fan_in_override = in;
		o->fan_out_override = out;
		return 1;
	}
	if (!strcmp(op, "BatchNormalization") || !strcmp(op, "InstanceNormalization") ||
	    !strcmp(op, "LayerNormalization")) {
		if (slot < 1 || slot > 4)
			return 0;
		dh_init_opts_init(o, DH_INIT_CONSTANT);
		o->a = slot == 1 || slot == 4 ? 1.0 : 0.0;
		return 1;
	}
	if (!strcmp(op, "LSTM") || !strcmp(op, "GRU") || !strcmp(op, "RNN")) {
		if (slot < 1 || slot > 3)
			return 0;
		int64_t hidden = attr_int(n, "hidden_size", 1);
		double bound = 1.0 / sqrt((double)(hidden > 0 ? hidden : 1));
		dh_init_opts_init(o, DH_INIT_UNIFORM);
		o->a = -bound;
		o->b = bound;
		return 1;
	}
	if (!strcmp(op, "PRelu") && slot == 1) {
		dh_init_opts_init(o, DH_INIT_CONSTANT);
		o->a = 0.25;
		return 1;
	}
	return 0;
}

dh_status dh_weights_reset(dh_onnx_model *m, uint64_t seed, dh_err *e)
{
	Onnx__GraphProto *g = m->proto->graph;
	for (size_t i = 0; i < g->n_initializer; i++) {
		Onnx__TensorProto *tp = g->initializer[i];
		if (!is_weight_init(tp))
			continue;
		size_t slot = 0;
		const Onnx__NodeProto *n = reader(g, tp->name, &slot);
		dh_init_opts o;
		if (!n || !init_rule(g, n, slot, tp, &o))
			continue;
		if (tp->n_dims > DH_MAX_DIMS || dh_onnx_tensor_numel(tp) < 0)
			return dh_err_set(e, DH_EFORMAT,
					  "%s: initializer '%s' has bad dims",
					  m->path, tp->name);
		dh_tensor *t = dh_tensor_new(DH_F32, (int)tp->n_dims, tp->dims, e);
		if (!t)
			return e ? e->status : DH_ENOMEM;
		dh_rng r;
		dh_rng_derive(&r, seed, (uint64_t)i, 0);
		dh_status s = dh_init_tensor(t, &o, &r, e);
		if (!s)
			s = dh_onnx_set_initializer(tp, t, e);
		dh_tensor_free(t);
		if (s)
			return dh_err_prefix(e, "%s: initializer '%s'", m->path,
					     tp->name);
	}
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
	return dh_onnx_set_meta(m, "dh.init_seed", buf, e);
}

/* --- freeze ------------------------------------------------------------------ */

static int names_layer(const char *param, const char *layer)
{
	size_t len = strlen(layer);
	return !strcmp(param, layer) ||
	       (!strncmp(param, layer, len) && param[len] == '.');
}

dh_status dh_weights_freeze(dh_onnx_model *m, const char *layers, dh_err *e)
{
	const Onnx__GraphProto *g = m->proto->graph;
	const char *old = dh_onnx_meta(m, DH_WEIGHTS_FROZEN_KEY);
	size_t cap = strlen(layers) + (old ? strlen(old) : 0) + 2;
	char *list = malloc(cap);
	char *item = malloc(strlen(layers) + 1);
	dh_status s = DH_OK;
	if (!list || !item) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(list, cap, "%s", old && *old ? old : "");
	const char *p = layers;
	while (*p) {
		size_t w = strcspn(p, ",");
		memcpy(item, p, w);
		item[w] = 0;
		p += w + (p[w] == ',');
		if (!w) {
			s = dh_err_set(e, DH_EINVAL, "an empty layer name in '%s'",
				       layers);
			goto out;
		}
		int found = 0;
		for (size_t i = 0; i < g->n_initializer && !found; i++)
			found = is_weight_init(g->initializer[i]) &&
				names_layer(g->initializer[i]->name, item);
		if (!found) {
			s = dh_err_set(e, DH_EINVAL, "%s: no parameters of '%s'",
				       m->path, item);
			goto out;
		}
		/* already recorded? */
		int dup = 0;
		for (const char *q = list; *q && !dup;) {
			size_t k = strcspn(q, ",");
			dup = k == w && !strncmp(q, item, w);
			q += k + (q[k] == ',');
		}
		if (!dup) {
			size_t used = strlen(list);
			snprintf(list + used, cap - used, "%s%s", used ? "," : "", item);
		}
	}
	s = dh_onnx_set_meta(m, DH_WEIGHTS_FROZEN_KEY, list, e);
out:
	free(list);
	free(item);
	return s;
}
