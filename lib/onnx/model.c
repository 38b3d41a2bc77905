/* model.c - ONNX model files (see model.h). */
#include "onnx/model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/atomicfile.h"
#include "onnx/probe.h"

static const struct {
	int onnx;
	const char *name;
	int dtype; /* -1: none */
} types[] = {
	{ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED, "UNDEFINED", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, "FLOAT", DH_F32},
	{ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, "UINT8", DH_U8},
	{ONNX__TENSOR_PROTO__DATA_TYPE__INT8, "INT8", DH_I8},
	{ONNX__TENSOR_PROTO__DATA_TYPE__UINT16, "UINT16", DH_U16},
	{ONNX__TENSOR_PROTO__DATA_TYPE__INT16, "INT16", DH_I16},
	{ONNX__TENSOR_PROTO__DATA_TYPE__INT32, "INT32", DH_I32},
	{ONNX__TENSOR_PROTO__DATA_TYPE__INT64, "INT64", DH_I64},
	{ONNX__TENSOR_PROTO__DATA_TYPE__STRING, "STRING", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, "BOOL", DH_BOOL},
	{ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, "FLOAT16", DH_F16},
	{ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, "DOUBLE", DH_F64},
	{ONNX__TENSOR_PROTO__DATA_TYPE__UINT32, "UINT32", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__UINT64, "UINT64", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64, "COMPLEX64", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX128, "COMPLEX128", -1},
	{ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16, "BFLOAT16", -1},
};

int dh_onnx_to_dtype(int onnx_type, dh_dtype *out)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].onnx == onnx_type && types[i].dtype >= 0) {
			*out = (dh_dtype)types[i].dtype;
			return 0;
		}
	return -1;
}

int dh_onnx_from_dtype(dh_dtype t)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].dtype == (int)t)
			return types[i].onnx;
	return 0;
}

const char *dh_onnx_type_name(int onnx_type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].onnx == onnx_type)
			return types[i].name;
	return "unknown type";
}

/* --- files ---------------------------------------------------------------- */

static char *dir_of(const char *path, dh_err *e)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return dh_strdup(".", e);
	size_t n = (size_t)(slash - path);
	char *d = dh_malloc(n + 2, e);
	if (!d)
		return NULL;
	if (n == 0) { /* "/model.onnx" */
		strcpy(d, "/");
		return d;
	}
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

dh_onnx_model *dh_onnx_load(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		dh_err_set(e, DH_EIO, "'%s' is not a regular file", path);
		return NULL;
	}
	if ((unsigned long long)st.st_size > DH_ONNX_MAX_FILE) {
		fclose(f);
		dh_err_set(e, DH_EUNSUPPORTED,
			   "%s: %lld bytes is beyond protobuf's 2 GiB limit "
			   "(keep the weights in external data files)",
			   path, (long long)st.st_size);
		return NULL;
	}
	/* the wire walk finds a fault's byte offset, which protobuf-c's parser
	 * does not report */
	if (dh_onnx_probe_stream(f, path, e)) {
		fclose(f);
		return NULL;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = dh_malloc(n, e);
	if (!buf || fseeko(f, 0, SEEK_SET) != 0 || fread(buf, 1, n, f) != n) {
		if (buf)
			dh_err_errno(e, errno ? errno : EIO, "cannot read '%s'",
				     path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	dh_onnx_model *m = dh_onnx_parse(buf, n, path, e);
	free(buf);
	return m;
}

dh_onnx_model *dh_onnx_parse(const uint8_t *buf, size_t n, const char *path,
			     dh_err *e)
{
	Onnx__ModelProto *p = onnx__model_proto__unpack(NULL, n, buf);
	if (!p) {
		dh_err_set(e, DH_EFORMAT,
			   "%s: not a valid ONNX model (a field has the wrong "
			   "type or a nested message is malformed)",
			   path);
		return NULL;
	}
	dh_onnx_model *m = calloc(1, sizeof *m);
	if (!m) {
		onnx__model_proto__free_unpacked(p, NULL);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	m->proto = p;
	m->from_protobuf_c = 1;
	m->path = dh_strdup(path, e);
	m->dir = dir_of(path, e);
	if (!m->path || !m->dir) {
		dh_onnx_free(m);
		return NULL;
	}
	if (!p->graph) {
		dh_err_set(e, DH_EFORMAT, "%s: the model has no graph", path);
		dh_onnx_free(m);
		return NULL;
	}
	return m;
}

void dh_onnx_free(dh_onnx_model *m)
{
	if (!m)
		return;
	if (m->proto && m->from_protobuf_c)
		onnx__model_proto__free_unpacked(m->proto, NULL);
	free(m->path);
	free(m->dir);
	free(m);
}

/* protobuf-c packs through a buffer's append(): here straight into the
 * file, so that saving needs no copy of the whole model in memory (a VGG's
 * 60 MB added to a training run's peak at every epoch's end). */
typedef struct file_sink {
	ProtobufCBuffer base;
	FILE *f;
	int err; /* errno of the first failed write */
} file_sink;

static void sink_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	file_sink *s = (file_sink *)b;
	if (!s->err && len && fwrite(data, 1, len, s->f) != len)
		s->err = errno ? errno : EIO;
}

dh_status dh_onnx_save(const dh_onnx_model *m, const char *path, dh_err *e)
{
	size_t n = onnx__model_proto__get_packed_size(m->proto);
	if (n > DH_ONNX_MAX_FILE)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s: the model needs %zu bytes, beyond "
				  "protobuf's 2 GiB limit",
				  path, n);
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	file_sink sink = {{sink_append}, af.f, 0};
	onnx__model_proto__pack_to_buffer(m->proto, &sink.base);
	if (sink.err) {
		s = dh_err_errno(e, sink.err, "cannot write '%s'", path);
		dh_atomic_abort(&af);
		return s;
	}
	return dh_atomic_commit(&af, e);
}

const char *dh_onnx_meta(const dh_onnx_model *m, const char *key)
{
	for (size_t i = 0; i < m->proto->n_metadata_props; i++) {
		const Onnx__StringStringEntryProto *kv = m->proto->metadata_props[i];
		if (kv->key && kv->value && strcmp(kv->key, key) == 0)
			return kv->value;
	}
	return NULL;
}

const Onnx__TensorProto *dh_onnx_initializer(const dh_onnx_model *m,
					     const char *name)
{
	const Onnx__GraphProto *g = m->proto->graph;
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name &&
		    strcmp(g->initializer[i]->name, name) == 0)
			return g->initializer[i];
	return NULL;
}
