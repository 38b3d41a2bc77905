/* write.c - changing a model's initializers and metadata, and saving it
 * with external data (see export.h); no graph here, so that the weights
 * and spec code (and their fuzz targets) need only the ONNX files.
 *
 * The model's protobuf-c structures were allocated with malloc (by the
 * parser or by lib/onnx/build.c), so fields are replaced with free() and
 * malloc() and the whole stays freeable by dh_onnx_free. */
#include "onnx/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"

static void clear_data(Onnx__TensorProto *tp)
{
	free(tp->float_data);
	free(tp->int32_data);
	free(tp->int64_data);
	free(tp->double_data);
	free(tp->uint64_data);
	tp->float_data = NULL;
	tp->int32_data = NULL;
	tp->int64_data = NULL;
	tp->double_data = NULL;
	tp->uint64_data = NULL;
	tp->n_float_data = tp->n_int32_data = tp->n_int64_data = 0;
	tp->n_double_data = tp->n_uint64_data = 0;
	for (size_t i = 0; i < tp->n_external_data; i++)
		onnx__string_string_entry_proto__free_unpacked(tp->external_data[i], NULL);
	free(tp->external_data);
	tp->external_data = NULL;
	tp->n_external_data = 0;
	tp->has_data_location = 0;
	tp->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT;
}

dh_status dh_onnx_set_initializer(Onnx__TensorProto *tp, const dh_tensor *t,
				  dh_err *e)
{
	dh_dtype dt;
	if (dh_onnx_to_dtype(tp->data_type, &dt))
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "initializer '%s' has an element type dh does "
				  "not write", tp->name ? tp->name : "");
	if (dh_tensor_numel(t) != dh_onnx_tensor_numel(tp))
		return dh_err_set(e, DH_ESHAPE,
				  "initializer '%s' changed size", tp->name);
	/* the same type and size as the raw data already there (weights
	 * written again after an epoch): overwrite it, with no copies */
	if (dt == t->dtype && tp->has_raw_data && tp->raw_data.data &&
	    tp->raw_data.len == dh_tensor_nbytes(t) && !tp->n_external_data &&
	    !tp->n_float_data && !tp->n_int32_data && !tp->n_int64_data &&
	    !tp->n_double_data && !tp->n_uint64_data) {
		if (tp->raw_data.len)
			memcpy(tp->raw_data.data, t->data, tp->raw_data.len);
		return DH_OK;
	}
	dh_tensor *c = dh_tensor_new(dt, t->ndim, t->shape, e);
	if (!c || dh_tensor_convert(c, t, e)) {
		dh_tensor_free(c);
		return e ? e->status : DH_ENOMEM;
	}
	size_t n = dh_tensor_nbytes(c);
	uint8_t *raw = malloc(n ? n : 1);
	if (!raw) {
		dh_tensor_free(c);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	memcpy(raw, c->data, n);
	dh_tensor_free(c);
	clear_data(tp);
	free(tp->raw_data.data);
	tp->has_raw_data = 1;
	tp->raw_data.data = raw;
	tp->raw_data.len = n;
	return DH_OK;
}

dh_status dh_onnx_set_meta(dh_onnx_model *m, const char *key,
			   const char *value, dh_err *e)
{
	Onnx__ModelProto *p = m->proto;
	char *v = strdup(value);
	if (!v)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_metadata_props; i++)
		if (p->metadata_props[i]->key && !strcmp(p->metadata_props[i]->key, key)) {
			free(p->metadata_props[i]->value);
			p->metadata_props[i]->value = v;
			return DH_OK;
		}
	Onnx__StringStringEntryProto *kv = malloc(sizeof *kv);
	char *k = strdup(key);
	Onnx__StringStringEntryProto **arr =
		realloc(p->metadata_props, (p->n_metadata_props + 1) * sizeof *arr);
	if (arr)
		p->metadata_props = arr;
	if (!kv || !k || !arr) {
		free(kv);
		free(k);
		free(v);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	onnx__string_string_entry_proto__init(kv);
	kv->key = k;
	kv->value = v;
	p->metadata_props[p->n_metadata_props++] = kv;
	return DH_OK;
}

dh_status dh_onnx_inline_external(dh_onnx_model *m, dh_err *e)
{
	Onnx__GraphProto *gp = m->proto->graph;
	for (size_t i = 0; i < gp->n_initializer; i++) {
		Onnx__TensorProto *tp = gp->initializer[i];
		if (tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
			continue;
		dh_tensor *t = NULL;
		dh_status s = dh_onnx_tensor_load(m, tp, &t, e);
		if (!s)
			s = dh_onnx_set_initializer(tp, t, e);
		dh_tensor_free(t);
		if (s)
			return s;
	}
	return DH_OK;
}

static Onnx__StringStringEntryProto *kv_new(const char *k, const char *v)
{
	Onnx__StringStringEntryProto *kv = malloc(sizeof *kv);
	if (!kv)
		return NULL;
	onnx__string_string_entry_proto__init(kv);
	kv->key = strdup(k);
	kv->value = strdup(v);
	if (!kv->key || !kv->value) {
		onnx__string_string_entry_proto__free_unpacked(kv, NULL);
		return NULL;
	}
	return kv;
}

/* Point tp at (loc, off, len) and drop its inline data. */
static dh_status make_external(Onnx__TensorProto *tp, const char *loc,
			       long long off, size_t len, dh_err *e)
{
	char so[32], sl[32];
	snprintf(so, sizeof so, "%lld", off);
	snprintf(sl, sizeof sl, "%zu", len);
	Onnx__StringStringEntryProto **kv = calloc(3, sizeof *kv);
	if (kv) {
		kv[0] = kv_new("location", loc);
		kv[1] = kv_new("offset", so);
		kv[2] = kv_new("length", sl);
	}
	if (!kv || !kv[0] || !kv[1] || !kv[2]) {
		for (int i = 0; kv && i < 3; i++)
			if (kv[i])
				onnx__string_string_entry_proto__free_unpacked(kv[i], NULL);
		free(kv);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	clear_data(tp);
	free(tp->raw_data.data);
	tp->raw_data.data = NULL;
	tp->raw_data.len = 0;
	tp->has_raw_data = 0;
	tp->external_data = kv;
	tp->n_external_data = 3;
	tp->has_data_location = 1;
	tp->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	return DH_OK;
}

/* "dir/model.onnx" -> "dir/" and "model.onnx.data". */
static char *side_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base) + 6;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s.data", base);
	return s;
}

static char *side_path(const char *path, const char *loc)
{
	const char *base = strrchr(path, '/');
	size_t dn = base ? (size_t)(base - path) + 1 : 0;
	size_t n = dn + strlen(loc) + 1;
	char *s = malloc(n);
	if (s) {
		memcpy(s, path, dn);
		snprintf(s + dn, n - dn, "%s", loc);
	}
	return s;
}

dh_status dh_onnx_save_external(dh_onnx_model *m, const char *path,
				size_t threshold, dh_err *e)
{
	if (!strcmp(path, "-"))
		return dh_err_set(e, DH_EINVAL,
				  "external data need a file name, not standard "
				  "output");
	dh_status s = dh_onnx_inline_external(m, e);
	if (s)
		return s;
	Onnx__GraphProto *gp = m->proto->graph;
	int any = 0;
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		any |= tp->has_raw_data && tp->raw_data.len >= threshold &&
		       tp->raw_data.len > 0;
	}
	if (!any)
		return dh_onnx_save(m, path, e);
	char *loc = side_name(path), *dpath = loc ? side_path(path, loc) : NULL;
	char *npath = strdup(path), *ndir = NULL;
	if (npath) {
		const char *slash = strrchr(path, '/');
		size_t dn = slash ? (size_t)(slash - path) : 1;
		ndir = malloc(dn + 2);
		if (ndir) {
			memcpy(ndir, slash ? path : ".", dn);
			ndir[dn] = 0;
			if (slash && dn == 0) {
				ndir[0] = '/';
				ndir[1] = 0;
			}
		}
	}
	if (!loc || !dpath || !npath || !ndir) {
		s = dh_err_set(e, DH_ENOMEM, "out of memory");
		goto out;
	}
	dh_atomic_file af;
	s = dh_atomic_open(&af, dpath, e);
	if (s)
		goto out;
	long long off = 0;
	static const char zeros[64];
	for (size_t i = 0; !s && i < gp->n_initializer; i++) {
		Onnx__TensorProto *tp = gp->initializer[i];
		if (!tp->has_raw_data || tp->raw_data.len < threshold ||
		    !tp->raw_data.len)
			continue;
		size_t pad = (size_t)((64 - off % 64) % 64);
		size_t len = tp->raw_data.len;
		if (fwrite(zeros, 1, pad, af.f) != pad ||
		    fwrite(tp->raw_data.data, 1, len, af.f) != len) {
			s = dh_err_errno(e, errno, "cannot write '%s'", dpath);
			break;
		}
		off += (long long)pad;
		s = make_external(tp, loc, off, len, e);
		off += (long long)len;
	}
	if (s) {
		dh_atomic_abort(&af);
		goto out;
	}
	s = dh_atomic_commit(&af, e);
	if (s)
		goto out;
	free(m->path);
	free(m->dir);
	m->path = npath;
	m->dir = ndir;
	npath = ndir = NULL;
	s = dh_onnx_save(m, path, e);
out:
	free(loc);
	free(dpath);
	free(npath);
	free(ndir);
	return s;
}

dh_status dh_onnx_save_auto(dh_onnx_model *m, const char *path, dh_err *e)
{
	dh_status s = dh_onnx_inline_external(m, e);
	if (s)
		return s;
	if (onnx__model_proto__get_packed_size(m->proto) > DH_ONNX_MAX_FILE)
		return dh_onnx_save_external(m, path, DH_ONNX_EXTERNAL_MIN, e);
	return dh_onnx_save(m, path, e);
}
