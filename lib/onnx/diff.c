/* diff.c - ONNX model comparison (see diff.h). */
#include "onnx/diff.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/info.h"

typedef struct differ {
	dh_onnx_diff_fn fn;
	void *ctx;
	int count;
} differ;

static void say(differ *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(differ *d, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	d->count++;
	d->fn(d->ctx, line);
}

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void diff_values(differ *d, const char *what,
			Onnx__ValueInfoProto **a, size_t na,
			Onnx__ValueInfoProto **b, size_t nb)
{
	char ta[256], tb[256];
	for (size_t i = 0; i < na || i < nb; i++) {
		if (i >= na) {
			say(d, "+ %s '%s': %s", what, b[i]->name,
			    dh_onnx_value_type(b[i], tb, sizeof tb));
		} else if (i >= nb) {
			say(d, "- %s '%s': %s", what, a[i]->name,
			    dh_onnx_value_type(a[i], ta, sizeof ta));
		} else {
			dh_onnx_value_type(a[i], ta, sizeof ta);
			dh_onnx_value_type(b[i], tb, sizeof tb);
			if (!streq(a[i]->name, b[i]->name) || strcmp(ta, tb))
				say(d, "~ %s #%zu: '%s' %s -> '%s' %s", what, i,
				    a[i]->name, ta, b[i]->name, tb);
		}
	}
}

static int packed_equal(const ProtobufCMessage *x, const ProtobufCMessage *y)
{
	if (!x || !y)
		return x == y;
	size_t nx = protobuf_c_message_get_packed_size(x);
	if (nx != protobuf_c_message_get_packed_size(y))
		return 0;
	uint8_t *bx = malloc(nx + 1), *by = malloc(nx + 1);
	int eq = 0;
	if (bx && by) {
		protobuf_c_message_pack(x, bx);
		protobuf_c_message_pack(y, by);
		eq = memcmp(bx, by, nx) == 0;
	}
	free(bx);
	free(by);
	return eq;
}

static int attr_equal(const Onnx__AttributeProto *x, const Onnx__AttributeProto *y)
{
	if (x->type != y->type || x->i != y->i || x->n_ints != y->n_ints ||
	    x->n_floats != y->n_floats || x->s.len != y->s.len ||
	    memcmp(&x->f, &y->f, sizeof x->f) != 0)
		return 0;
	if (x->s.len && memcmp(x->s.data, y->s.data, x->s.len))
		return 0;
	if (x->n_ints && memcmp(x->ints, y->ints, x->n_ints * sizeof *x->ints))
		return 0;
	if (x->n_floats && memcmp(x->floats, y->floats, x->n_floats * sizeof *x->floats))
		return 0;
	if (x->n_strings != y->n_strings)
		return 0;
	for (size_t i = 0; i < x->n_strings; i++)
		if (x->strings[i].len != y->strings[i].len ||
		    memcmp(x->strings[i].data, y->strings[i].data, x->strings[i].len))
			return 0;
	/* tensors and subgraphs: compared by their serialised bytes */
	return packed_equal((const ProtobufCMessage *)x->t,
			    (const ProtobufCMessage *)y->t) &&
	       packed_equal((const ProtobufCMessage *)x->g,
			    (const ProtobufCMessage *)y->g);
}

static void diff_node(differ *d, const Onnx__NodeProto *a,
		      const Onnx__NodeProto *b, size_t i)
{
	const char *name = a->name && *a->name ? a->name : "";
	char label[300];
	if (*name)
		snprintf(label, sizeof label, "node '%s'", name);
	else
		snprintf(label, sizeof label, "node #%zu", i);
	if (!streq(a->op_type, b->op_type) || !streq(a->domain, b->domain))
		say(d, "~ %s: op %s -> %s", label, a->op_type, b->op_type);
	if (!streq(a->name, b->name))
		say(d, "~ %s: renamed to '%s'", label, b->name ? b->name : "");
	int same = a->n_input == b->n_input && a->n_output == b->n_output;
	for (size_t k = 0; same && k < a->n_input; k++)
		same = streq(a->input[k], b->input[k]);
	for (size_t k = 0; same && k < a->n_output; k++)
		same = streq(a->output[k], b->output[k]);
	if (!same)
		say(d, "~ %s: inputs or outputs differ", label);
	for (size_t k = 0; k < a->n_attribute; k++) {
		const Onnx__AttributeProto *x = a->attribute[k], *y = NULL;
		for (size_t q = 0; q < b->n_attribute; q++)
			if (streq(x->name, b->attribute[q]->name))
				y = b->attribute[q];
		if (!y)
			say(d, "- %s: attribute '%s'", label, x->name);
		else if (!attr_equal(x, y))
			say(d, "~ %s: attribute '%s' differs", label, x->name);
	}
	for (size_t q = 0; q < b->n_attribute; q++) {
		int found = 0;
		for (size_t k = 0; k < a->n_attribute; k++)
			found |= streq(a->attribute[k]->name, b->attribute[q]->name);
		if (!found)
			say(d, "+ %s: attribute '%s'", label, b->attribute[q]->name);
	}
}

static const Onnx__TensorProto *find_init(const Onnx__GraphProto *g,
					  const char *name)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (streq(g->initializer[i]->name, name))
			return g->initializer[i];
	return NULL;
}

static int diff_weights(differ *d, const dh_onnx_model *ma,
			const dh_onnx_model *mb, double tol, dh_err *e)
{
	const Onnx__GraphProto *a = ma->proto->graph, *b = mb->proto->graph;
	for (size_t i = 0; i < a->n_initializer; i++) {
		const Onnx__TensorProto *ta = a->initializer[i];
		const Onnx__TensorProto *tb = find_init(b, ta->name);
		if (!tb) {
			say(d, "- weight '%s'", ta->name);
			continue;
		}
		dh_tensor *x = NULL, *y = NULL;
		if (dh_onnx_tensor_load(ma, ta, &x, e) ||
		    dh_onnx_tensor_load(mb, tb, &y, e)) {
			dh_tensor_free(x);
			return -1;
		}
		char sa[160], sb[160];
		if (x->dtype != y->dtype ||
		    !dh_shape_equal(x->ndim, x->shape, y->ndim, y->shape)) {
			say(d, "~ weight '%s': %s %s -> %s %s", ta->name,
			    dh_dtype_name(x->dtype),
			    dh_shape_format(sa, sizeof sa, x->ndim, x->shape),
			    dh_dtype_name(y->dtype),
			    dh_shape_format(sb, sizeof sb, y->ndim, y->shape));
		} else {
			int64_t n = dh_tensor_numel(x), worst = -1, over = 0;
			double maxd = 0;
			for (int64_t k = 0; k < n; k++) {
				double u = dh_dtype_get(x->dtype, x->data, (size_t)k);
				double v = dh_dtype_get(y->dtype, y->data, (size_t)k);
				double diff = fabs(u - v);
				/* NaN against NaN is equal; NaN against a number not */
				if (isnan(u) && isnan(v))
					diff = 0;
				else if (isnan(u) || isnan(v))
					diff = INFINITY;
				if (diff > tol)
					over++;
				if (diff > maxd || (worst < 0 && diff > tol)) {
					maxd = diff;
					worst = k;
				}
			}
			if (over)
				say(d, "~ weight '%s': %lld of %lld values differ "
				       "by more than %g (max %g at element %lld)",
				    ta->name, (long long)over, (long long)n, tol,
				    maxd, (long long)worst);
		}
		dh_tensor_free(x);
		dh_tensor_free(y);
	}
	for (size_t i = 0; i < b->n_initializer; i++)
		if (!find_init(a, b->initializer[i]->name))
			say(d, "+ weight '%s'", b->initializer[i]->name);
	return 0;
}

int dh_onnx_diff(const dh_onnx_model *ma, const dh_onnx_model *mb, double tol,
		 dh_onnx_diff_fn fn, void *ctx, dh_err *e)
{
	differ d = {fn, ctx, 0};
	const Onnx__ModelProto *a = ma->proto, *b = mb->proto;
	if (a->ir_version != b->ir_version)
		say(&d, "~ ir_version %lld -> %lld", (long long)a->ir_version,
		    (long long)b->ir_version);
	for (size_t i = 0; i < a->n_opset_import || i < b->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *x = i < a->n_opset_import ? a->opset_import[i] : NULL;
		const Onnx__OperatorSetIdProto *y = i < b->n_opset_import ? b->opset_import[i] : NULL;
		if (!x || !y || !streq(x->domain, y->domain) || x->version != y->version)
			say(&d, "~ opset #%zu: %s %lld -> %s %lld", i,
			    x ? (x->domain && *x->domain ? x->domain : "ai.onnx") : "(none)",
			    x ? (long long)x->version : 0LL,
			    y ? (y->domain && *y->domain ? y->domain : "ai.onnx") : "(none)",
			    y ? (long long)y->version : 0LL);
	}
	const Onnx__GraphProto *ga = a->graph, *gb = b->graph;
	diff_values(&d, "input", ga->input, ga->n_input, gb->input, gb->n_input);
	diff_values(&d, "output", ga->output, ga->n_output, gb->output, gb->n_output);
	size_t n = ga->n_node < gb->n_node ? ga->n_node : gb->n_node;
	for (size_t i = 0; i < n; i++)
		diff_node(&d, ga->node[i], gb->node[i], i);
	for (size_t i = n; i < ga->n_node; i++)
		say(&d, "- node #%zu '%s' (%s)", i,
		    ga->node[i]->name ? ga->node[i]->name : "", ga->node[i]->op_type);
	for (size_t i = n; i < gb->n_node; i++)
		say(&d, "+ node #%zu '%s' (%s)", i,
		    gb->node[i]->name ? gb->node[i]->name : "", gb->node[i]->op_type);
	if (diff_weights(&d, ma, mb, tol, e))
		return -1;
	return d.count;
}
