/* spec.c - networks from YAML (see spec.h and dh-onnx-spec(5)).
 *
 * The file is loaded as a libyaml document; every node keeps its mark, so
 * each message points at the key or value at fault.  Layers are built in
 * order on the ONNX builder while a table of values (name -> per-sample
 * shape) grows, which is both the scope for `input:` references and the
 * shape inference.  Parameters are written as zeros and then initialised
 * by dh_weights_reset, the zoo's rules, so there is one initialisation. */
#define _GNU_SOURCE
#include "onnx/spec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/slurp.h"
#include "core/strmap.h"
#include "onnx/build.h"
#include "onnx/weights.h"

#define MAX_IN 16
#define NAME_MAX_LEN 200

const char *const dh_spec_types[] = {
	"conv", "convtranspose", "maxpool", "avgpool", "globalavgpool",
	"globalmaxpool", "dense", "batchnorm", "relu", "leakyrelu", "elu",
	"selu", "sigmoid", "hardsigmoid", "tanh", "softplus", "softsign",
	"softmax", "logsoftmax", "identity", "add", "sub", "mul", "concat",
	"upsample", "flatten", "reshape", "dropout", "lstm", NULL,
};

/* Other names for some types (ONNX's and PyTorch's). */
static const struct {
	const char *alias, *type;
} aliases[] = {
	{"gemm", "dense"}, {"linear", "dense"}, {"resize", "upsample"},
	{"batchnormalization", "batchnorm"}, {"averagepool", "avgpool"},
};

/* Attributes per type (besides name, type, input, inputs). */
static const struct {
	const char *type, *attrs;
} type_attrs[] = {
	{"conv", "filters kernel stride padding dilation groups bias"},
	{"convtranspose", "filters kernel stride padding output_padding groups bias"},
	{"maxpool", "kernel stride padding"},
	{"avgpool", "kernel stride padding"},
	{"dense", "units bias"},
	{"batchnorm", "epsilon momentum"},
	{"leakyrelu", "alpha"},
	{"elu", "alpha"},
	{"hardsigmoid", "alpha beta"},
	{"softmax", "axis"},
	{"logsoftmax", "axis"},
	{"concat", "axis"},
	{"upsample", "scale mode"},
	{"reshape", "shape"},
	{"dropout", "rate"},
	{"lstm", "hidden sequences"},
};

typedef struct value {
	const char *name; /* in the document or the builder */
	int ndim;         /* per sample */
	int64_t d[DH_MAX_DIMS - 1];
} value;

typedef struct spec {
	const char *file;
	yaml_document_t doc;
	dh_onnx_builder b;
	dh_err *e;
	int failed;
	dh_strmap names; /* every value and initializer name used */
	char **owned;    /* the map's keys */
	int64_t params, max_params;
	int nowned, capowned;
	value *v;
	int nv, cap;
	int tmp;
} spec;

typedef struct layer {
	yaml_node_t *map, *type_node, *in_node;
	const char *name, *type;
	int nin;
	int in[MAX_IN]; /* indices into spec.v */
} layer;

static int fail_at(spec *s, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(spec *s, const yaml_node_t *n, const char *fmt, ...)
{
	if (s->failed)
		return -1;
	char msg[DH_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		dh_err_set(s->e, DH_EFORMAT, "%s:%zu:%zu: %s", s->file,
			   n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		dh_err_set(s->e, DH_EFORMAT, "%s: %s", s->file, msg);
	s->failed = 1;
	return -1;
}

static int oom(spec *s)
{
	if (!s->failed)
		dh_err_set(s->e, DH_ENOMEM, "out of memory");
	s->failed = 1;
	return -1;
}

/* --- YAML access --------------------------------------------------------------- */

static yaml_node_t *ynode(spec *s, int i)
{
	return yaml_document_get_node(&s->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
						: NULL;
}

static yaml_node_t *map_get(spec *s, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(ynode(s, p->key));
		if (k && !strcmp(k, key))
			return ynode(s, p->value);
	}
	return NULL;
}

static int word_in(const char *w, const char *list)
{
	size_t len = strlen(w);
	while (*list) {
		size_t k = strcspn(list, " ");
		if (k == len && !strncmp(list, w, len))
			return 1;
		list += k;
		while (*list == ' ')
			list++;
	}
	return 0;
}

static const char *attrs_of(const char *type)
{
	for (size_t i = 0; i < sizeof type_attrs / sizeof type_attrs[0]; i++)
		if (!strcmp(type_attrs[i].type, type))
			return type_attrs[i].attrs;
	return "";
}

static int parse_int(spec *s, const yaml_node_t *n, const layer *l,
		     const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const char *t = scalar(n);
	char *end;
	errno = 0;
	long long v = t && *t ? strtoll(t, &end, 10) : 0;
	if (!t || !*t || *end || errno || v < lo || v > hi)
		return fail_at(s, n, "layer '%s' (%s): %s must be a whole number "
				     "from %lld to %lld",
			       l->name, l->type, key, (long long)lo, (long long)hi);
	*out = v;
	return 0;
}

/* An integer attribute; `need` >= 0: absent is an error if need, else dflt. */
static int get_int(spec *s, layer *l, const char *key, int need, int64_t dflt,
		   int64_t lo, int64_t hi, int64_t *out)
{
	yaml_node_t *n = map_get(s, l->map, key);
	if (!n) {
		if (need)
			return fail_at(s, l->map, "layer '%s' (%s): '%s' is required",
				       l->name, l->type, key);
		*out = dflt;
		return 0;
	}
	return parse_int(s, n, l, key, lo, hi, out);
}

/* count integers: a scalar (repeated) or a list of exactly count (or,
 * when alt > 0, alt) values; returns the number read. */
static int get_ints(spec *s, layer *l, const char *key, int need, int count,
		    int alt, int64_t dflt, int64_t lo, int64_t hi, int64_t *out)
{
	yaml_node_t *n = map_get(s, l->map, key);
	if (!n) {
		if (need)
			return fail_at(s, l->map, "layer '%s' (%s): '%s' is required",
				       l->name, l->type, key);
		for (int i = 0; i < count; i++)
			out[i] = dflt;
		return count;
	}
	if (n->type == YAML_SCALAR_NODE) {
		if (parse_int(s, n, l, key, lo, hi, out))
			return -1;
		for (int i = 1; i < count; i++)
			out[i] = out[0];
		return count;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(s, n, "layer '%s' (%s): %s must be a number or a "
				     "list of numbers", l->name, l->type, key);
	int k = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (k != count && (alt <= 0 || k != alt)) {
		if (alt > 0)
			return fail_at(s, n, "layer '%s' (%s): %s has %d values "
					     "(%d or %d for %d spatial dimensions)",
				       l->name, l->type, key, k, count, alt, count);
		return fail_at(s, n, "layer '%s' (%s): %s has %d values (%d "
				     "wanted)", l->name, l->type, key, k, count);
	}
	for (int i = 0; i < k; i++)
		if (parse_int(s, ynode(s, n->data.sequence.items.start[i]), l, key,
			      lo, hi, &out[i]))
			return -1;
	return k;
}

static int get_float(spec *s, layer *l, const char *key, double dflt,
		     double lo, double hi, float *out)
{
	yaml_node_t *n = map_get(s, l->map, key);
	if (!n) {
		*out = (float)dflt;
		return 0;
	}
	const char *t = scalar(n);
	char *end;
	errno = 0;
	double v = t && *t ? strtod(t, &end) : NAN;
	if (!t || !*t || *end || errno || !(v >= lo && v <= hi))
		return fail_at(s, n, "layer '%s' (%s): %s must be a number from "
				     "%g to %g", l->name, l->type, key, lo, hi);
	*out = (float)v;
	return 0;
}

static int get_bool(spec *s, layer *l, const char *key, int dflt, int *out)
{
	yaml_node_t *n = map_get(s, l->map, key);
	const char *t = scalar(n);
	if (!n) {
		*out = dflt;
		return 0;
	}
	if (t && (!strcmp(t, "true") || !strcmp(t, "yes"))) {
		*out = 1;
		return 0;
	}
	if (t && (!strcmp(t, "false") || !strcmp(t, "no"))) {
		*out = 0;
		return 0;
	}
	return fail_at(s, n, "layer '%s' (%s): %s must be true or false",
		       l->name, l->type, key);
}

/* --- values and names -------------------------------------------------------- */

static int claim(spec *s, const yaml_node_t *at, const char *name)
{
	int64_t x;
	if (dh_strmap_get(&s->names, name, &x))
		return fail_at(s, at, "the name '%s' is used twice", name);
	if (s->nowned == s->capowned) {
		int cap = s->capowned ? 2 * s->capowned : 64;
		char **o = realloc(s->owned, (size_t)cap * sizeof *o);
		if (!o)
			return oom(s);
		s->owned = o;
		s->capowned = cap;
	}
	char *key = strdup(name);
	if (!key)
		return oom(s);
	s->owned[s->nowned++] = key;
	if (dh_strmap_put(&s->names, key, 1, NULL))
		return oom(s);
	return 0;
}

static int add_value(spec *s, const char *name, int ndim, const int64_t *d)
{
	if (s->nv == s->cap) {
		int cap = s->cap ? 2 * s->cap : 32;
		value *v = realloc(s->v, (size_t)cap * sizeof *v);
		if (!v)
			return oom(s);
		s->v = v;
		s->cap = cap;
	}
	value *v = &s->v[s->nv];
	v->name = name;
	v->ndim = ndim;
	memcpy(v->d, d, (size_t)ndim * sizeof *d);
	return s->nv++;
}

static int find_value(spec *s, const char *name)
{
	for (int i = s->nv - 1; i >= 0; i--)
		if (!strcmp(s->v[i].name, name))
			return i;
	return -1;
}

static char *shape_text(char *buf, size_t n, int ndim, const int64_t *d)
{
	return dh_shape_format(buf, n, ndim, d);
}

/* A builder-owned copy of "PREFIX.SUFFIX" (kept in the names map). */
static const char *sub_name(spec *s, const layer *l, const char *suffix,
			    char *buf, size_t n)
{
	snprintf(buf, n, "%s.%s", l->name, suffix);
	if (claim(s, l->map, buf))
		return NULL;
	return buf;
}

/* A zero parameter NAME.SUFFIX of the given shape (dh_weights_reset fills
 * it once the model is whole). */
static const char *param(spec *s, const layer *l, const char *suffix,
			 int ndim, const int64_t *shape, char *buf, size_t n)
{
	if (s->failed || !sub_name(s, l, suffix, buf, n))
		return NULL;
	for (int i = 0; i < ndim; i++)
		if (shape[i] < 1 || shape[i] > ((int64_t)1 << 31))
			return fail_at(s, l->map, "layer '%s' (%s): parameter "
					"'%s' would have a dimension of %lld",
				       l->name, l->type, buf,
				       (long long)shape[i]), NULL;
	int64_t numel = dh_shape_numel(ndim, shape);
	if (numel < 0 || numel > s->max_params - s->params)
		return fail_at(s, l->map, "layer '%s' (%s): parameter '%s' takes "
				"the model beyond %lld parameters",
			       l->name, l->type, buf, (long long)s->max_params), NULL;
	s->params += numel;
	dh_tensor *t = dh_tensor_new(DH_F32, ndim, shape, s->e);
	if (!t) {
		s->failed = 1;
		return NULL;
	}
	dh_tensor_fill(t, 0);
	dh_ob_initializer(&s->b, buf, t);
	dh_tensor_free(t);
	return s->b.failed ? (oom(s), NULL) : buf;
}

static Onnx__NodeProto *node(spec *s, const char *op, const char *name,
			     int nin, const char *const *in, const char *out)
{
	if (s->failed)
		return NULL;
	const char *outs[] = {out};
	Onnx__NodeProto *n = dh_ob_node(&s->b, op, name, nin, in, 1, outs);
	if (!n)
		oom(s);
	return n;
}

/* A Constant node holding int64s or floats, named NAME.SUFFIX. */
static const char *constant(spec *s, const layer *l, const char *suffix,
			    int count, const int64_t *ints, const float *floats,
			    int scalar_float, char *buf, size_t n)
{
	if (!sub_name(s, l, suffix, buf, n))
		return NULL;
	Onnx__NodeProto *c = node(s, "Constant", buf, 0, NULL, buf);
	if (!c)
		return NULL;
	if (scalar_float)
		dh_ob_attr_float(&s->b, c, "value_float", floats[0]);
	else if (floats)
		dh_ob_attr_floats(&s->b, c, "value_floats", count, floats);
	else
		dh_ob_attr_ints(&s->b, c, "value_ints", count, ints);
	return buf;
}

/* --- layers ------------------------------------------------------------------ */

static int need_inputs(spec *s, layer *l, int lo, int hi)
{
	if (l->nin < lo || l->nin > hi) {
		if (lo == hi)
			return fail_at(s, l->in_node ? l->in_node : l->map,
				       "layer '%s' (%s) takes %d input%s, not %d",
				       l->name, l->type, lo, lo == 1 ? "" : "s",
				       l->nin);
		return fail_at(s, l->in_node ? l->in_node : l->map,
			       "layer '%s' (%s) takes %d to %d inputs, not %d",
			       l->name, l->type, lo, hi, l->nin);
	}
	return 0;
}

static int need_rank(spec *s, layer *l, const value *x, int lo, int hi,
		     const char *what)
{
	if (x->ndim < lo || x->ndim > hi) {
		char sh[160];
		return fail_at(s, l->map, "layer '%s' (%s) wants %s, not %s "
					  "from '%s'",
			       l->name, l->type, what,
			       shape_text(sh, sizeof sh, x->ndim, x->d), x->name);
	}
	return 0;
}

/* The layer's one input; for the spatial layers, one of [C, W], [C, H, W]
 * or [C, D, H, W]. */
static const value *one_input(spec *s, layer *l)
{
	return need_inputs(s, l, 1, 1) ? NULL : &s->v[l->in[0]];
}

static const value *spatial_input(spec *s, layer *l)
{
	const value *x = one_input(s, l);
	if (x && need_rank(s, l, x, 2, 4, "[C, W], [C, H, W] or [C, D, H, W]"))
		return NULL;
	return x;
}

/* conv and convtranspose: "padding" is a number, a list of ns or 2*ns
 * numbers (begins then ends, as ONNX), "same" or "valid". */
static int get_padding(spec *s, layer *l, int ns, const int64_t *in,
		       const int64_t *k, const int64_t *st, const int64_t *dil,
		       int allow_same, int64_t *pads)
{
	yaml_node_t *n = map_get(s, l->map, "padding");
	const char *t = scalar(n);
	if (t && (!strcmp(t, "same") || !strcmp(t, "valid"))) {
		if (!allow_same)
			return fail_at(s, n, "layer '%s' (%s): padding '%s' is for "
					     "conv; give numbers", l->name, l->type, t);
		for (int i = 0; i < ns; i++) {
			int64_t total = 0;
			if (t[0] == 's') {
				int64_t out = (in[i] + st[i] - 1) / st[i];
				total = (out - 1) * st[i] + (k[i] - 1) * dil[i] + 1 - in[i];
				if (total < 0)
					total = 0;
			}
			pads[i] = total / 2;
			pads[ns + i] = total - total / 2;
		}
		return 0;
	}
	int64_t p[2 * 3];
	int got = get_ints(s, l, "padding", 0, ns, 2 * ns, 0, 0, 1 << 20, p);
	if (got < 0)
		return -1;
	for (int i = 0; i < ns; i++) {
		pads[i] = p[i];
		pads[ns + i] = got == 2 * ns ? p[ns + i] : p[i];
	}
	return 0;
}

static int build_conv(spec *s, layer *l, int transpose, value *out)
{
	const value *x = spatial_input(s, l);
	if (!x)
		return -1;
	int ns = x->ndim - 1;
	int64_t f, g, k[3], st[3], dil[3], pads[6], opad[3] = {0, 0, 0};
	int bias;
	if (get_int(s, l, "filters", 1, 0, 1, 1 << 20, &f) ||
	    get_ints(s, l, "kernel", 1, ns, 0, 0, 1, 1 << 16, k) < 0 ||
	    get_ints(s, l, "stride", 0, ns, 0, 1, 1, 1 << 16, st) < 0 ||
	    (!transpose && get_ints(s, l, "dilation", 0, ns, 0, 1, 1, 1 << 16, dil) < 0) ||
	    (transpose && get_ints(s, l, "output_padding", 0, ns, 0, 0, 0, 1 << 16, opad) < 0) ||
	    get_int(s, l, "groups", 0, 1, 1, 1 << 20, &g) ||
	    get_bool(s, l, "bias", 1, &bias))
		return -1;
	if (transpose)
		for (int i = 0; i < ns; i++)
			dil[i] = 1;
	if (get_padding(s, l, ns, x->d + 1, k, st, dil, !transpose, pads))
		return -1;
	int64_t c = x->d[0];
	if (c % g || f % g)
		return fail_at(s, l->map, "layer '%s' (%s): groups %lld must "
					  "divide the input channels (%lld) and "
					  "the filters (%lld)",
			       l->name, l->type, (long long)g, (long long)c,
			       (long long)f);
	out->ndim = x->ndim;
	out->d[0] = f;
	for (int i = 0; i < ns; i++) {
		int64_t in = x->d[1 + i], o;
		if (transpose) {
			if (opad[i] >= st[i])
				return fail_at(s, l->map, "layer '%s' (%s): "
						"output_padding must be less than "
						"the stride", l->name, l->type);
			o = st[i] * (in - 1) + opad[i] + (k[i] - 1) + 1 -
			    pads[i] - pads[ns + i];
		} else {
			int64_t span = dil[i] * (k[i] - 1) + 1;
			o = in + pads[i] + pads[ns + i] < span ? 0 :
				(in + pads[i] + pads[ns + i] - span) / st[i] + 1;
		}
		if (o < 1) {
			char sh[160];
			return fail_at(s, l->map, "layer '%s' (%s): the kernel does "
						  "not fit the input %s",
				       l->name, l->type,
				       shape_text(sh, sizeof sh, x->ndim, x->d));
		}
		out->d[1 + i] = o;
	}
	char wn[NAME_MAX_LEN + 16], bn[NAME_MAX_LEN + 16];
	int64_t ws[5];
	ws[0] = transpose ? c : f;
	ws[1] = transpose ? f / g : c / g;
	memcpy(ws + 2, k, (size_t)ns * sizeof *k);
	const char *w = param(s, l, "weight", ns + 2, ws, wn, sizeof wn);
	const char *b = bias ? param(s, l, "bias", 1, &f, bn, sizeof bn) : NULL;
	const char *in[] = {x->name, w, b};
	Onnx__NodeProto *n = node(s, transpose ? "ConvTranspose" : "Conv",
				  l->name, bias ? 3 : 2, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_ints(&s->b, n, "kernel_shape", ns, k);
	dh_ob_attr_ints(&s->b, n, "strides", ns, st);
	dh_ob_attr_ints(&s->b, n, "pads", 2 * ns, pads);
	if (!transpose)
		dh_ob_attr_ints(&s->b, n, "dilations", ns, dil);
	else if (opad[0] || (ns > 1 && opad[1]) || (ns > 2 && opad[2]))
		dh_ob_attr_ints(&s->b, n, "output_padding", ns, opad);
	if (g != 1)
		dh_ob_attr_int(&s->b, n, "group", g);
	return 0;
}

static int build_pool(spec *s, layer *l, const char *op, value *out)
{
	const value *x = spatial_input(s, l);
	if (!x)
		return -1;
	int ns = x->ndim - 1;
	int64_t k[3], st[3], p[6], pads[6];
	if (get_ints(s, l, "kernel", 1, ns, 0, 0, 1, 1 << 16, k) < 0)
		return -1;
	yaml_node_t *sn = map_get(s, l->map, "stride");
	if (!sn)
		memcpy(st, k, sizeof k);
	else if (get_ints(s, l, "stride", 0, ns, 0, 1, 1, 1 << 16, st) < 0)
		return -1;
	int got = get_ints(s, l, "padding", 0, ns, 2 * ns, 0, 0, 1 << 16, p);
	if (got < 0)
		return -1;
	for (int i = 0; i < ns; i++) {
		pads[i] = p[i];
		pads[ns + i] = got == 2 * ns ? p[ns + i] : p[i];
		if (pads[i] >= k[i] || pads[ns + i] >= k[i])
			return fail_at(s, l->map, "layer '%s' (%s): padding must be "
						  "smaller than the kernel",
				       l->name, l->type);
	}
	out->ndim = x->ndim;
	out->d[0] = x->d[0];
	for (int i = 0; i < ns; i++) {
		int64_t span = x->d[1 + i] + pads[i] + pads[ns + i];
		if (span < k[i]) {
			char sh[160];
			return fail_at(s, l->map, "layer '%s' (%s): the kernel does "
						  "not fit the input %s",
				       l->name, l->type,
				       shape_text(sh, sizeof sh, x->ndim, x->d));
		}
		out->d[1 + i] = (span - k[i]) / st[i] + 1;
	}
	const char *in[] = {x->name};
	Onnx__NodeProto *n = node(s, op, l->name, 1, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_ints(&s->b, n, "kernel_shape", ns, k);
	dh_ob_attr_ints(&s->b, n, "strides", ns, st);
	dh_ob_attr_ints(&s->b, n, "pads", 2 * ns, pads);
	return 0;
}

static int build_dense(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	if (need_rank(s, l, x, 1, 1, "a flat input [F] (add a flatten layer "
				     "before it)"))
		return -1;
	int64_t u;
	int bias;
	if (get_int(s, l, "units", 1, 0, 1, 1 << 24, &u) ||
	    get_bool(s, l, "bias", 1, &bias))
		return -1;
	char wn[NAME_MAX_LEN + 16], bn[NAME_MAX_LEN + 16];
	int64_t ws[] = {u, x->d[0]};
	const char *w = param(s, l, "weight", 2, ws, wn, sizeof wn);
	const char *b = bias ? param(s, l, "bias", 1, &u, bn, sizeof bn) : NULL;
	const char *in[] = {x->name, w, b};
	Onnx__NodeProto *n = node(s, "Gemm", l->name, bias ? 3 : 2, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_int(&s->b, n, "transB", 1);
	out->ndim = 1;
	out->d[0] = u;
	return 0;
}

static int build_batchnorm(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	if (need_rank(s, l, x, 1, 4, "[C] or [C, ...]"))
		return -1;
	float eps, mom;
	if (get_float(s, l, "epsilon", 1e-5, 0, 1, &eps) ||
	    get_float(s, l, "momentum", 0.9, 0, 1, &mom))
		return -1;
	static const char *const suffix[] = {"weight", "bias", "running_mean",
					     "running_var"};
	char pn[4][NAME_MAX_LEN + 16];
	const char *in[5] = {x->name};
	int64_t c = x->d[0];
	for (int i = 0; i < 4; i++)
		in[i + 1] = param(s, l, suffix[i], 1, &c, pn[i], sizeof pn[i]);
	Onnx__NodeProto *n = node(s, "BatchNormalization", l->name, 5, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_float(&s->b, n, "epsilon", eps);
	dh_ob_attr_float(&s->b, n, "momentum", mom);
	*out = *x;
	return 0;
}

static const struct {
	const char *type, *op;
} unary_ops[] = {
	{"relu", "Relu"}, {"leakyrelu", "LeakyRelu"}, {"elu", "Elu"},
	{"selu", "Selu"}, {"sigmoid", "Sigmoid"}, {"hardsigmoid", "HardSigmoid"},
	{"tanh", "Tanh"}, {"softplus", "Softplus"}, {"softsign", "Softsign"},
	{"softmax", "Softmax"}, {"logsoftmax", "LogSoftmax"},
	{"identity", "Identity"},
};

static int build_unary(spec *s, layer *l, const char *op, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	const char *in[] = {x->name};
	float alpha, beta;
	int64_t axis = -1;
	int leaky = !strcmp(op, "LeakyRelu"), elu = !strcmp(op, "Elu");
	int hs = !strcmp(op, "HardSigmoid");
	int sm = !strcmp(op, "Softmax") || !strcmp(op, "LogSoftmax");
	if (get_float(s, l, "alpha", leaky ? 0.01 : hs ? 0.2 : 1.0, -1e6, 1e6, &alpha) ||
	    get_float(s, l, "beta", 0.5, -1e6, 1e6, &beta))
		return -1;
	if (sm) {
		if (get_int(s, l, "axis", 0, -1, -(x->ndim + 1), x->ndim, &axis))
			return -1;
		if (axis == 0 || axis == -(x->ndim + 1))
			return fail_at(s, map_get(s, l->map, "axis"),
				       "layer '%s' (%s): axis 0 is the batch",
				       l->name, l->type);
	}
	Onnx__NodeProto *n = node(s, op, l->name, 1, in, l->name);
	if (!n)
		return -1;
	if (leaky || elu || hs)
		dh_ob_attr_float(&s->b, n, "alpha", alpha);
	if (hs)
		dh_ob_attr_float(&s->b, n, "beta", beta);
	if (sm)
		dh_ob_attr_int(&s->b, n, "axis", axis);
	*out = *x;
	return 0;
}

static int build_binary(spec *s, layer *l, const char *op, value *out)
{
	if (need_inputs(s, l, 2, 2))
		return -1;
	const value *a = &s->v[l->in[0]], *b = &s->v[l->in[1]];
	if (!dh_shape_equal(a->ndim, a->d, b->ndim, b->d)) {
		char sa[160], sb[160];
		return fail_at(s, l->in_node ? l->in_node : l->map,
			       "layer '%s' (%s): inputs '%s' %s and '%s' %s "
			       "differ in shape",
			       l->name, l->type, a->name,
			       shape_text(sa, sizeof sa, a->ndim, a->d), b->name,
			       shape_text(sb, sizeof sb, b->ndim, b->d));
	}
	const char *in[] = {a->name, b->name};
	if (!node(s, op, l->name, 2, in, l->name))
		return -1;
	*out = *a;
	return 0;
}

static int build_concat(spec *s, layer *l, value *out)
{
	if (need_inputs(s, l, 2, MAX_IN))
		return -1;
	const value *a = &s->v[l->in[0]];
	int64_t axis;
	if (get_int(s, l, "axis", 0, 1, -(a->ndim + 1), a->ndim, &axis))
		return -1;
	if (axis < 0)
		axis += a->ndim + 1;
	if (axis == 0)
		return fail_at(s, map_get(s, l->map, "axis"),
			       "layer '%s' (concat): axis 0 is the batch", l->name);
	*out = *a;
	const char *in[MAX_IN];
	for (int i = 0; i < l->nin; i++) {
		const value *b = &s->v[l->in[i]];
		in[i] = b->name;
		int same = b->ndim == a->ndim;
		for (int d = 0; same && d < a->ndim; d++)
			same = d == axis - 1 || b->d[d] == a->d[d];
		if (!same) {
			char sa[160], sb[160];
			return fail_at(s, l->in_node ? l->in_node : l->map,
				       "layer '%s' (concat): '%s' %s and '%s' %s "
				       "differ outside axis %lld",
				       l->name, a->name,
				       shape_text(sa, sizeof sa, a->ndim, a->d),
				       b->name,
				       shape_text(sb, sizeof sb, b->ndim, b->d),
				       (long long)axis);
		}
		if (i)
			out->d[axis - 1] += b->d[axis - 1];
	}
	Onnx__NodeProto *n = node(s, "Concat", l->name, l->nin, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_int(&s->b, n, "axis", axis);
	return 0;
}

static int build_upsample(spec *s, layer *l, value *out)
{
	const value *x = spatial_input(s, l);
	if (!x)
		return -1;
	int ns = x->ndim - 1;
	int64_t sc[3];
	if (get_ints(s, l, "scale", 0, ns, 0, 2, 1, 64, sc) < 0)
		return -1;
	yaml_node_t *mn = map_get(s, l->map, "mode");
	const char *mode = mn ? scalar(mn) : "nearest";
	if (!mode || (strcmp(mode, "nearest") && strcmp(mode, "linear")))
		return fail_at(s, mn, "layer '%s' (upsample): mode must be "
				      "nearest or linear", l->name);
	float f[4] = {1, 1, 1, 1};
	for (int i = 0; i < ns; i++)
		f[2 + i] = (float)sc[i];
	char cn[NAME_MAX_LEN + 16];
	const char *scales = constant(s, l, "scales", ns + 2, NULL, f, 0, cn, sizeof cn);
	const char *in[] = {x->name, "", scales};
	Onnx__NodeProto *n = node(s, "Resize", l->name, 3, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_string(&s->b, n, "mode", mode);
	if (!strcmp(mode, "nearest")) {
		dh_ob_attr_string(&s->b, n, "coordinate_transformation_mode", "asymmetric");
		dh_ob_attr_string(&s->b, n, "nearest_mode", "floor");
	} else {
		dh_ob_attr_string(&s->b, n, "coordinate_transformation_mode", "half_pixel");
	}
	*out = *x;
	for (int i = 0; i < ns; i++)
		out->d[1 + i] = x->d[1 + i] * sc[i];
	return 0;
}

static int build_flatten(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	const char *in[] = {x->name};
	Onnx__NodeProto *n = node(s, "Flatten", l->name, 1, in, l->name);
	if (!n)
		return -1;
	dh_ob_attr_int(&s->b, n, "axis", 1);
	out->ndim = 1;
	out->d[0] = dh_shape_numel(x->ndim, x->d);
	return 0;
}

static int build_reshape(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	yaml_node_t *n = map_get(s, l->map, "shape");
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return fail_at(s, n ? n : l->map, "layer '%s' (reshape): shape "
				"must be a list of the per-sample dimensions",
			       l->name);
	int k = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (k < 1 || k > DH_MAX_DIMS - 1)
		return fail_at(s, n, "layer '%s' (reshape): 1 to %d dimensions",
			       l->name, DH_MAX_DIMS - 1);
	int64_t d[DH_MAX_DIMS], known = 1;
	int free_at = -1;
	d[0] = 0; /* ONNX: copy the batch dimension */
	for (int i = 0; i < k; i++) {
		if (parse_int(s, ynode(s, n->data.sequence.items.start[i]), l,
			      "shape", -1, 1 << 30, &d[1 + i]))
			return -1;
		if (d[1 + i] == 0 || (d[1 + i] == -1 && free_at >= 0))
			return fail_at(s, n, "layer '%s' (reshape): dimensions "
					     "are positive, with at most one -1",
				       l->name);
		if (d[1 + i] == -1)
			free_at = i;
		else
			known *= d[1 + i];
	}
	int64_t total = dh_shape_numel(x->ndim, x->d);
	if ((free_at < 0 && known != total) || (free_at >= 0 && total % known)) {
		char sh[160];
		return fail_at(s, n, "layer '%s' (reshape): %s (%lld values) "
				     "cannot take this shape",
			       l->name, shape_text(sh, sizeof sh, x->ndim, x->d),
			       (long long)total);
	}
	char cn[NAME_MAX_LEN + 16];
	const char *shape = constant(s, l, "shape", k + 1, d, NULL, 0, cn, sizeof cn);
	const char *in[] = {x->name, shape};
	if (!node(s, "Reshape", l->name, 2, in, l->name))
		return -1;
	out->ndim = k;
	for (int i = 0; i < k; i++)
		out->d[i] = i == free_at ? total / known : d[1 + i];
	return 0;
}

static int build_dropout(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	float rate;
	if (get_float(s, l, "rate", 0.5, 0, 0.999, &rate))
		return -1;
	char cn[NAME_MAX_LEN + 16];
	const char *r = constant(s, l, "ratio", 1, NULL, &rate, 1, cn, sizeof cn);
	const char *in[] = {x->name, r};
	if (!node(s, "Dropout", l->name, 2, in, l->name))
		return -1;
	*out = *x;
	return 0;
}

static int build_lstm(spec *s, layer *l, value *out)
{
	const value *x = one_input(s, l);
	if (!x)
		return -1;
	if (need_rank(s, l, x, 2, 2, "a sequence [T, F]"))
		return -1;
	int64_t h;
	int seq;
	if (get_int(s, l, "hidden", 1, 0, 1, 1 << 16, &h) ||
	    get_bool(s, l, "sequences", 0, &seq))
		return -1;
	static const int64_t perm[] = {1, 0, 2};
	char tn[NAME_MAX_LEN + 16], wn[NAME_MAX_LEN + 16], rn[NAME_MAX_LEN + 16],
		bn[NAME_MAX_LEN + 16], yn[NAME_MAX_LEN + 16], sn[NAME_MAX_LEN + 16],
		an[NAME_MAX_LEN + 16];
	/* [N, T, F] -> [T, N, F]: layout 0, which every runtime has */
	if (!sub_name(s, l, "to_seq_first", tn, sizeof tn))
		return -1;
	const char *xin[] = {x->name};
	Onnx__NodeProto *t = node(s, "Transpose", tn, 1, xin, tn);
	if (!t)
		return -1;
	dh_ob_attr_ints(&s->b, t, "perm", 3, perm);
	int64_t ws[] = {1, 4 * h, x->d[1]}, rs[] = {1, 4 * h, h}, bs[] = {1, 8 * h};
	const char *in[] = {tn, param(s, l, "W", 3, ws, wn, sizeof wn),
			    param(s, l, "R", 3, rs, rn, sizeof rn),
			    param(s, l, "B", 2, bs, bn, sizeof bn)};
	if (!sub_name(s, l, seq ? "Y" : "Y_h", yn, sizeof yn))
		return -1;
	const char *outs[] = {seq ? yn : "", seq ? "" : yn};
	if (s->failed)
		return -1;
	Onnx__NodeProto *n = dh_ob_node(&s->b, "LSTM", l->name, 4, in, seq ? 1 : 2, outs);
	if (!n)
		return oom(s);
	dh_ob_attr_int(&s->b, n, "hidden_size", h);
	if (seq) {
		/* Y [T, 1, N, H] -> [T, N, H] -> [N, T, H] */
		int64_t one = 1;
		const char *axes = constant(s, l, "squeeze_axes", 1, &one, NULL, 0,
					    an, sizeof an);
		if (!sub_name(s, l, "squeeze", sn, sizeof sn))
			return -1;
		const char *sin[] = {yn, axes};
		if (!node(s, "Squeeze", sn, 2, sin, sn))
			return -1;
		char on[NAME_MAX_LEN + 16];
		if (!sub_name(s, l, "to_batch_first", on, sizeof on))
			return -1;
		const char *tin[] = {sn};
		t = node(s, "Transpose", on, 1, tin, l->name);
		if (!t)
			return -1;
		dh_ob_attr_ints(&s->b, t, "perm", 3, perm);
		out->ndim = 2;
		out->d[0] = x->d[0];
		out->d[1] = h;
		return 0;
	}
	/* Y_h [1, N, H] -> [N, 1, H] -> [N, H] */
	if (!sub_name(s, l, "to_batch_first", sn, sizeof sn))
		return -1;
	const char *hin[] = {yn};
	t = node(s, "Transpose", sn, 1, hin, sn);
	if (!t)
		return -1;
	dh_ob_attr_ints(&s->b, t, "perm", 3, perm);
	const char *fin[] = {sn};
	char fn[NAME_MAX_LEN + 16];
	if (!sub_name(s, l, "flatten", fn, sizeof fn))
		return -1;
	Onnx__NodeProto *f = node(s, "Flatten", fn, 1, fin, l->name);
	if (!f)
		return -1;
	dh_ob_attr_int(&s->b, f, "axis", 1);
	out->ndim = 1;
	out->d[0] = h;
	return 0;
}

static int build_global(spec *s, layer *l, const char *op, value *out)
{
	const value *x = spatial_input(s, l);
	if (!x)
		return -1;
	const char *in[] = {x->name};
	if (!node(s, op, l->name, 1, in, l->name))
		return -1;
	*out = *x;
	for (int i = 1; i < x->ndim; i++)
		out->d[i] = 1;
	return 0;
}

static int build_layer(spec *s, layer *l, value *out)
{
	const char *t = l->type;
	if (!strcmp(t, "conv") || !strcmp(t, "convtranspose"))
		return build_conv(s, l, t[4] == 't', out);
	if (!strcmp(t, "maxpool"))
		return build_pool(s, l, "MaxPool", out);
	if (!strcmp(t, "avgpool"))
		return build_pool(s, l, "AveragePool", out);
	if (!strcmp(t, "globalavgpool"))
		return build_global(s, l, "GlobalAveragePool", out);
	if (!strcmp(t, "globalmaxpool"))
		return build_global(s, l, "GlobalMaxPool", out);
	if (!strcmp(t, "dense"))
		return build_dense(s, l, out);
	if (!strcmp(t, "batchnorm"))
		return build_batchnorm(s, l, out);
	if (!strcmp(t, "add") || !strcmp(t, "sub") || !strcmp(t, "mul"))
		return build_binary(s, l, t[0] == 'a' ? "Add" : t[0] == 's' ? "Sub" : "Mul", out);
	if (!strcmp(t, "concat"))
		return build_concat(s, l, out);
	if (!strcmp(t, "upsample"))
		return build_upsample(s, l, out);
	if (!strcmp(t, "flatten"))
		return build_flatten(s, l, out);
	if (!strcmp(t, "reshape"))
		return build_reshape(s, l, out);
	if (!strcmp(t, "dropout"))
		return build_dropout(s, l, out);
	if (!strcmp(t, "lstm"))
		return build_lstm(s, l, out);
	for (size_t i = 0; i < sizeof unary_ops / sizeof unary_ops[0]; i++)
		if (!strcmp(t, unary_ops[i].type))
			return build_unary(s, l, unary_ops[i].op, out);
	return fail_at(s, l->type_node, "layer '%s': unknown type '%s'", l->name, t);
}

/* --- the document ------------------------------------------------------------ */

static int valid_name(const char *n)
{
	if (!*n || strlen(n) > NAME_MAX_LEN)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.-/:", *p)))
			return 0;
	return 1;
}

static const char *types_list(char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; dh_spec_types[i] && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
					 i ? ", " : "", dh_spec_types[i]);
	return buf;
}

static int read_layer(spec *s, yaml_node_t *map, int index)
{
	layer l;
	memset(&l, 0, sizeof l);
	l.map = map;
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(s, map, "layer %d is not a mapping (name: ..., "
				       "type: ...)", index + 1);
	yaml_node_t *nn = map_get(s, map, "name");
	l.type_node = map_get(s, map, "type");
	l.name = scalar(nn);
	l.type = scalar(l.type_node);
	for (size_t i = 0; l.type && i < sizeof aliases / sizeof aliases[0]; i++)
		if (!strcmp(l.type, aliases[i].alias))
			l.type = aliases[i].type;
	if (!nn)
		return fail_at(s, map, "layer %d has no name", index + 1);
	if (!l.name || !valid_name(l.name))
		return fail_at(s, nn, "layer %d: a name is letters, digits and _ . "
				      "- / : (at most %d)", index + 1, NAME_MAX_LEN);
	if (!l.type_node)
		return fail_at(s, map, "layer '%s' has no type", l.name);
	int known = 0;
	for (int i = 0; l.type && dh_spec_types[i]; i++)
		known |= !strcmp(l.type, dh_spec_types[i]);
	if (!known) {
		char buf[600];
		return fail_at(s, l.type_node, "layer '%s': unknown type '%s' (one "
					       "of %s)", l.name,
			       l.type ? l.type : "?", types_list(buf, sizeof buf));
	}
	/* every key must mean something */
	const char *attrs = attrs_of(l.type);
	yaml_node_t *in1 = NULL, *inN = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = ynode(s, p->key);
		const char *k = scalar(kn);
		if (!k)
			return fail_at(s, kn, "layer '%s': keys are words", l.name);
		if (!strcmp(k, "input"))
			in1 = ynode(s, p->value);
		else if (!strcmp(k, "inputs"))
			inN = ynode(s, p->value);
		else if (strcmp(k, "name") && strcmp(k, "type") && !word_in(k, attrs))
			return fail_at(s, kn, "layer '%s' (%s): unknown attribute "
					      "'%s'%s%s%s",
				       l.name, l.type, k, *attrs ? " (it takes " : "",
				       attrs, *attrs ? ")" : " (it takes none)");
	}
	if (in1 && inN)
		return fail_at(s, inN, "layer '%s': input and inputs exclude each "
				       "other", l.name);
	l.in_node = in1 ? in1 : inN;
	if (!l.in_node) {
		l.nin = 1;
		l.in[0] = s->nv - 1; /* the previous layer (or the input) */
	} else if (l.in_node->type == YAML_SCALAR_NODE) {
		int x = find_value(s, scalar(l.in_node));
		if (x < 0)
			return fail_at(s, l.in_node, "layer '%s': input '%s' is not "
						     "an earlier layer",
				       l.name, scalar(l.in_node));
		l.nin = 1;
		l.in[0] = x;
	} else if (l.in_node->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = l.in_node->data.sequence.items.start;
		     it < l.in_node->data.sequence.items.top; it++) {
			yaml_node_t *v = ynode(s, *it);
			const char *name = scalar(v);
			int x = name ? find_value(s, name) : -1;
			if (x < 0)
				return fail_at(s, v, "layer '%s': input '%s' is not "
						     "an earlier layer",
					       l.name, name ? name : "?");
			if (l.nin == MAX_IN)
				return fail_at(s, v, "layer '%s': more than %d "
						     "inputs", l.name, MAX_IN);
			l.in[l.nin++] = x;
		}
	} else {
		return fail_at(s, l.in_node, "layer '%s': inputs are layer names",
			       l.name);
	}
	if (claim(s, nn, l.name))
		return -1;
	value out;
	memset(&out, 0, sizeof out);
	if (build_layer(s, &l, &out))
		return -1;
	for (int i = 0; i < out.ndim; i++)
		if (out.d[i] < 1 || out.d[i] > ((int64_t)1 << 40))
			return fail_at(s, map, "layer '%s' (%s): output dimension "
					       "%lld is out of range",
				       l.name, l.type, (long long)out.d[i]);
	return add_value(s, l.name, out.ndim, out.d) < 0 ? -1 : 0;
}

static int read_doc(spec *s, uint64_t seed)
{
	yaml_node_t *root = yaml_document_get_root_node(&s->doc);
	if (!root)
		return fail_at(s, NULL, "empty: a spec has input: and layers:");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(s, root, "the top level is a mapping with input: "
					"and layers:");
	yaml_node_t *input = NULL, *layers = NULL, *output = NULL, *name = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = ynode(s, p->key);
		const char *k = scalar(kn);
		yaml_node_t *v = ynode(s, p->value);
		if (k && !strcmp(k, "input"))
			input = v;
		else if (k && !strcmp(k, "layers"))
			layers = v;
		else if (k && !strcmp(k, "output"))
			output = v;
		else if (k && !strcmp(k, "name"))
			name = v;
		else
			return fail_at(s, kn, "unknown key '%s' (a spec has name, "
					      "input, layers and output)",
				       k ? k : "?");
	}
	if (!input)
		return fail_at(s, root, "no input: (the per-sample shape, as "
					"[3, 32, 32])");
	if (input->type != YAML_SEQUENCE_NODE)
		return fail_at(s, input, "input is the per-sample shape, a list "
					 "as [3, 32, 32]");
	int64_t d[DH_MAX_DIMS];
	int nd = (int)(input->data.sequence.items.top - input->data.sequence.items.start);
	if (nd < 1 || nd > 4)
		return fail_at(s, input, "input has %d dimensions (1 to 4)", nd);
	layer top;
	memset(&top, 0, sizeof top);
	top.name = "input";
	top.type = "input";
	for (int i = 0; i < nd; i++)
		if (parse_int(s, ynode(s, input->data.sequence.items.start[i]), &top,
			      "each dimension", 1, 1 << 20, &d[i]))
			return -1;
	if (!layers || layers->type != YAML_SEQUENCE_NODE ||
	    layers->data.sequence.items.top == layers->data.sequence.items.start)
		return fail_at(s, layers ? layers : root,
			       "layers: is a list of at least one layer");
	if (name && (!scalar(name) || !valid_name(scalar(name))))
		return fail_at(s, name, "name is a word");
	if (dh_onnx_builder_init(&s->b, name ? scalar(name) : "spec", s->e)) {
		s->failed = 1;
		return -1;
	}
	int64_t gd[DH_MAX_DIMS];
	gd[0] = -1;
	memcpy(gd + 1, d, (size_t)nd * sizeof *d);
	dh_ob_input(&s->b, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, nd + 1, gd, "N");
	if (claim(s, input, "input") || add_value(s, "input", nd, d) < 0)
		return -1;
	int i = 0;
	for (yaml_node_item_t *it = layers->data.sequence.items.start;
	     it < layers->data.sequence.items.top; it++, i++)
		if (read_layer(s, ynode(s, *it), i))
			return -1;
	int o = s->nv - 1;
	if (output) {
		const char *on = scalar(output);
		o = on ? find_value(s, on) : -1;
		if (o <= 0)
			return fail_at(s, output, "output '%s' is not a layer",
				       on ? on : "?");
	}
	const value *ov = &s->v[o];
	memcpy(gd + 1, ov->d, (size_t)ov->ndim * sizeof *gd);
	dh_ob_output(&s->b, ov->name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
		     ov->ndim + 1, gd, "N");
	dh_ob_meta(&s->b, "dh.arch", "spec");
	char buf[64];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
	dh_ob_meta(&s->b, "dh.init_seed", buf);
	if (s->b.failed)
		return oom(s);
	return 0;
}

dh_onnx_model *dh_spec_build_string(const char *text, size_t len,
				    const char *name, uint64_t seed,
				    int64_t max_params, const char *out_path,
				    dh_err *e)
{
	spec s;
	memset(&s, 0, sizeof s);
	s.max_params = max_params > 0 ? max_params : DH_SPEC_MAX_PARAMS;
	s.file = name;
	s.e = e;
	dh_strmap_init(&s.names);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	dh_onnx_model *m = NULL;
	if (!yaml_parser_load(&p, &s.doc)) {
		yaml_mark_t mk = p.problem_mark;
		dh_err_set(e, DH_EFORMAT, "%s:%zu:%zu: %s%s%s", name, mk.line + 1,
			   mk.column + 1, p.problem ? p.problem : "YAML error",
			   p.context ? " " : "", p.context ? p.context : "");
		yaml_parser_delete(&p);
		dh_strmap_release(&s.names);
		return NULL;
	}
	yaml_parser_delete(&p);
	/* names handed to the builder are copied by it; values in s.v point
	 * into the document, which lives until the end */
	int rc = read_doc(&s, seed);
	if (rc || s.failed) {
		if (s.b.model)
			dh_onnx_builder_abort(&s.b);
	} else {
		m = dh_onnx_builder_finish(&s.b, out_path);
		if (m && dh_weights_reset(m, seed, e)) {
			dh_onnx_free(m);
			m = NULL;
		}
	}
	yaml_document_delete(&s.doc);
	dh_strmap_release(&s.names);
	for (int i = 0; i < s.nowned; i++)
		free(s.owned[i]);
	free(s.owned);
	free(s.v);
	return m;
}

dh_onnx_model *dh_spec_build_file(const char *path, uint64_t seed,
				  const char *out_path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	char *buf;
	size_t len;
	dh_status st = dh_slurp(f, (size_t)64 << 20, &buf, &len);
	fclose(f);
	if (st == DH_ERANGE) {
		dh_err_set(e, DH_EFORMAT, "%s: larger than 64 MiB; not a spec",
			   path);
		return NULL;
	}
	if (st == DH_ENOMEM) {
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	if (st) {
		dh_err_errno(e, EIO, "cannot read '%s'", path);
		return NULL;
	}
	dh_onnx_model *m = dh_spec_build_string(buf, len, path, seed, 0,
						out_path, e);
	free(buf);
	return m;
}
