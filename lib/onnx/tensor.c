/* tensor.c - ONNX TensorProto values as dh tensors (see model.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "onnx/model.h"

int64_t dh_onnx_tensor_numel(const Onnx__TensorProto *tp)
{
	if (tp->n_dims > DH_MAX_DIMS)
		return -1;
	return dh_shape_numel((int)tp->n_dims, tp->dims);
}

static const char *tname(const Onnx__TensorProto *tp)
{
	return tp->name && *tp->name ? tp->name : "(unnamed)";
}

/* "location", "offset", "length" of external data, with the location kept
 * inside the model's folder: no absolute path, no "..", no symlink out. */
static dh_status read_external(const dh_onnx_model *m,
			       const Onnx__TensorProto *tp, dh_dtype dt,
			       size_t bytes, dh_tensor **out, dh_err *e)
{
	const char *loc = NULL;
	long long offset = 0, length = -1;
	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *kv = tp->external_data[i];
		if (!kv->key || !kv->value)
			continue;
		char *end;
		if (!strcmp(kv->key, "location")) {
			loc = kv->value;
		} else if (!strcmp(kv->key, "offset") ||
			   !strcmp(kv->key, "length")) {
			errno = 0;
			long long v = strtoll(kv->value, &end, 10);
			if (errno || *end || v < 0)
				return dh_err_set(e, DH_EFORMAT,
						  "%s: initializer '%s': bad "
						  "external data %s '%s'",
						  m->path, tname(tp), kv->key,
						  kv->value);
			if (!strcmp(kv->key, "offset"))
				offset = v;
			else
				length = v;
		}
	}
	if (!loc || !*loc)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': external data without "
				  "a location",
				  m->path, tname(tp));
	if (loc[0] == '/' || !strcmp(loc, "..") || !strncmp(loc, "../", 3) ||
	    strstr(loc, "/../") ||
	    (strlen(loc) >= 3 && !strcmp(loc + strlen(loc) - 3, "/..")))
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': external data location "
				  "'%s' leaves the model's folder",
				  m->path, tname(tp), loc);
	char path[PATH_MAX], real[PATH_MAX], realdir[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", m->dir, loc);
	if (!realpath(path, real))
		return dh_err_errno(e, errno,
				    "%s: initializer '%s': cannot open external "
				    "data '%s'",
				    m->path, tname(tp), path);
	if (!realpath(m->dir, realdir) ||
	    strncmp(real, realdir, strlen(realdir)) != 0 ||
	    (real[strlen(realdir)] != '/' && strcmp(realdir, "/") != 0))
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': external data '%s' "
				  "leads out of the model's folder",
				  m->path, tname(tp), loc);
	if (length >= 0 && (unsigned long long)length != bytes)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': external data length "
				  "%lld, but its dims need %zu bytes",
				  m->path, tname(tp), length, bytes);
	FILE *f = fopen(real, "rb");
	if (!f)
		return dh_err_errno(e, errno,
				    "%s: initializer '%s': cannot open '%s'",
				    m->path, tname(tp), path);
	struct stat st;
	dh_status s = DH_OK;
	if (fstat(fileno(f), &st) != 0 ||
	    (unsigned long long)offset > (unsigned long long)st.st_size ||
	    (unsigned long long)(st.st_size - offset) < bytes)
		s = dh_err_set(e, DH_EFORMAT,
			       "%s: initializer '%s': external data '%s' has "
			       "no %zu bytes at offset %lld",
			       m->path, tname(tp), loc, bytes, offset);
	/* allocate only once the file is known to hold the bytes */
	dh_tensor *t = s ? NULL : dh_tensor_new(dt, (int)tp->n_dims, tp->dims, e);
	if (!s && !t)
		s = DH_ENOMEM;
	if (!s && (fseeko(f, offset, SEEK_SET) != 0 ||
		   fread(t->data, 1, bytes, f) != bytes))
		s = dh_err_errno(e, errno ? errno : EIO,
				 "%s: initializer '%s': cannot read '%s'",
				 m->path, tname(tp), path);
	fclose(f);
	if (s)
		dh_tensor_free(t);
	else
		*out = t;
	return s;
}

/* Values from the typed repeated fields. */
static dh_status read_typed(const dh_onnx_model *m, const Onnx__TensorProto *tp,
			    dh_tensor *t, dh_err *e)
{
	size_t n = (size_t)dh_tensor_numel(t), have;
	switch (tp->data_type) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
		have = tp->n_float_data;
		if (have == n && n) /* n = 0: the field may be NULL */
			memcpy(t->data, tp->float_data, n * sizeof(float));
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
		have = tp->n_double_data;
		if (have == n && n) /* n = 0: the field may be NULL */
			memcpy(t->data, tp->double_data, n * sizeof(double));
		break;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
		have = tp->n_int64_data;
		if (have == n && n) /* n = 0: the field may be NULL */
			memcpy(t->data, tp->int64_data, n * sizeof(int64_t));
		break;
	default: /* int32_data carries int32, the small ints, bool, float16 */
		have = tp->n_int32_data;
		if (have == n) {
			for (size_t i = 0; i < n; i++) {
				int32_t v = tp->int32_data[i];
				switch (t->dtype) {
				case DH_I32: ((int32_t *)t->data)[i] = v; break;
				case DH_F16:
				case DH_U16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
				case DH_I16: ((int16_t *)t->data)[i] = (int16_t)v; break;
				case DH_U8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
				case DH_I8: ((int8_t *)t->data)[i] = (int8_t)v; break;
				case DH_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
				default: break;
				}
			}
		}
		break;
	}
	if (have != n) {
		char s[160];
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': %zu values for dims %s "
				  "(%zu elements)",
				  m->path, tname(tp), have,
				  dh_shape_format(s, sizeof s, t->ndim, t->shape),
				  n);
	}
	return DH_OK;
}

dh_status dh_onnx_tensor_load(const dh_onnx_model *m, const Onnx__TensorProto *tp,
			      dh_tensor **out, dh_err *e)
{
	*out = NULL;
	dh_dtype dt;
	if (dh_onnx_to_dtype(tp->data_type, &dt))
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s: initializer '%s': data type %s is not "
				  "supported",
				  m->path, tname(tp),
				  dh_onnx_type_name(tp->data_type));
	int64_t numel = dh_onnx_tensor_numel(tp);
	if (numel < 0) {
		char sh[160];
		if (tp->n_dims > DH_MAX_DIMS)
			return dh_err_set(e, DH_EUNSUPPORTED,
					  "%s: initializer '%s': %zu dimensions "
					  "(at most %d are supported)",
					  m->path, tname(tp), tp->n_dims,
					  DH_MAX_DIMS);
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': dims %s are negative "
				  "or too large",
				  m->path, tname(tp),
				  dh_shape_format(sh, sizeof sh, (int)tp->n_dims,
						  tp->dims));
	}
	size_t bytes = (size_t)numel * dh_dtype_size(dt);
	if (tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		return read_external(m, tp, dt, bytes, out, e);
	}
	/* sizes are checked before allocating what the dims claim */
	size_t have = tp->n_float_data + tp->n_int32_data + tp->n_int64_data +
		      tp->n_double_data;
	if (!tp->has_raw_data && have != (size_t)numel) {
		char sh[160];
		return dh_err_set(e, DH_EFORMAT,
				  "%s: initializer '%s': %zu values for dims %s "
				  "(%lld elements)",
				  m->path, tname(tp), have,
				  dh_shape_format(sh, sizeof sh, (int)tp->n_dims,
						  tp->dims),
				  (long long)numel);
	}
	if (tp->has_raw_data) {
		if (tp->raw_data.len != bytes) {
			char s[160];
			return dh_err_set(e, DH_EFORMAT,
					  "%s: initializer '%s': raw_data has "
					  "%zu bytes, but %s %s needs %zu",
					  m->path, tname(tp), tp->raw_data.len,
					  dh_dtype_name(dt),
					  dh_shape_format(s, sizeof s,
							  (int)tp->n_dims,
							  tp->dims),
					  bytes);
		}
	}
	dh_tensor *t = dh_tensor_new(dt, (int)tp->n_dims, tp->dims, e);
	if (!t)
		return dh_err_prefix(e, "%s: initializer '%s'", m->path,
				     tname(tp));
	dh_status s = DH_OK;
	if (tp->has_raw_data && bytes)
		memcpy(t->data, tp->raw_data.data, bytes); /* little-endian */
	else
		s = read_typed(m, tp, t, e);
	if (s) {
		dh_tensor_free(t);
		return s;
	}
	*out = t;
	return DH_OK;
}
