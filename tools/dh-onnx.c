/* dh-onnx - create, inspect, check and compare ONNX models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tool.h"
#include "onnx/check.h"
#include "onnx/diff.h"
#include "onnx/export.h"
#include "onnx/info.h"
#include "onnx/model.h"
#include "onnx/optimize.h"
#include "onnx/spec.h"
#include "onnx/weights.h"
#include "onnx/zoo.h"

/* "1x28x28" -> {1, 28, 28}; returns the count, or -1. */
static int parse_dims(const char *s, int64_t *out, int max)
{
	int n = 0;
	while (*s) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (end == s || v < 1 || n == max)
			return -1;
		out[n++] = v;
		s = end;
		if (*s == 'x' || *s == 'X')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

/* Save with external data when asked (or when the model is too large for
 * one file). */
static dh_status save_model(dh_ctx *c, dh_onnx_model *m, const char *out)
{
	if (dh_ctx_has(c, "external-data"))
		return dh_onnx_save_external(m, out, DH_ONNX_EXTERNAL_MIN, &c->err);
	return dh_onnx_save_auto(m, out, &c->err);
}

static int run_new(dh_ctx *c)
{
	const char *spec = dh_ctx_str(c, "spec", NULL);
	if (spec) {
		if (c->nargs)
			return dh_ctx_usage(c, "--spec and an architecture ('%s') "
					    "exclude each other", c->args[0]);
		const char *out = dh_ctx_str(c, "output", NULL);
		if (!out)
			return dh_ctx_usage(c, "where to? (-o FILE.onnx)");
		if (dh_ctx_has(c, "input") || dh_ctx_has(c, "classes") ||
		    dh_ctx_has(c, "depth") || dh_ctx_has(c, "width"))
			return dh_ctx_usage(c, "with --spec, the input shape and the "
					    "layers come from the spec file");
		dh_onnx_model *m = dh_spec_build_file(
			spec, (uint64_t)dh_ctx_int(c, "seed", 0), out, &c->err);
		if (!m)
			return dh_ctx_fail(c);
		dh_status s = save_model(c, m, out);
		dh_onnx_free(m);
		return s ? dh_ctx_fail(c) : DH_EXIT_OK;
	}
	if (c->nargs != 1)
		return dh_ctx_usage(c, "which architecture? (%s, ...)", dh_zoo_archs[0]);
	const char *out = dh_ctx_str(c, "output", NULL);
	if (!out)
		return dh_ctx_usage(c, "where to? (-o FILE.onnx)");
	dh_zoo_opts o = {0};
	o.arch = c->args[0];
	const char *input = dh_ctx_str(c, "input", NULL);
	if (!input)
		return dh_ctx_usage(c, "the input shape? (--input CxHxW, or TxF for lstm)");
	o.ndim = parse_dims(input, o.input, 3);
	if (o.ndim < 2)
		return dh_ctx_usage(c, "--input '%s' is not CxHxW or TxF", input);
	o.classes = dh_ctx_int(c, "classes", 0);
	if (!o.classes)
		return dh_ctx_usage(c, "how many classes? (--classes N)");
	o.seed = (uint64_t)dh_ctx_int(c, "seed", 0);
	o.depth = (int)dh_ctx_int(c, "depth", 0);
	o.width = (int)dh_ctx_int(c, "width", 0);
	dh_onnx_model *m = dh_zoo_build(&o, out, &c->err);
	if (!m) {
		if (c->err.status == DH_EINVAL)
			return dh_ctx_usage(c, "%s", c->err.msg);
		return dh_ctx_fail(c);
	}
	dh_status s = save_model(c, m, out);
	dh_onnx_free(m);
	return s ? dh_ctx_fail(c) : DH_EXIT_OK;
}

static int run_weights(dh_ctx *c)
{
	static const char *const actions[] = {"export", "import", "reset", "freeze", NULL};
	const char *act = c->args[0];
	int a = 0;
	while (actions[a] && strcmp(actions[a], act))
		a++;
	if (!actions[a])
		return dh_ctx_usage(c, "unknown weights action '%s' (export, "
				    "import, reset, freeze)", act);
	if (c->nargs < 2)
		return dh_ctx_usage(c, "weights %s: which model?", act);
	if (c->nargs != (a == 1 ? 3 : 2))
		return dh_ctx_usage(c, a == 1 ? "weights import: MODEL.onnx and "
						"the weights file, please"
					      : "weights %s takes one model", act);
	const char *out = dh_ctx_str(c, "output", NULL);
	if (!out)
		return dh_ctx_usage(c, "where to? (-o FILE)");
	if (a != 2 && dh_ctx_has(c, "seed"))
		return dh_ctx_usage(c, "--seed is for weights reset");
	if (a != 3 && dh_ctx_has(c, "layers"))
		return dh_ctx_usage(c, "--layers is for weights freeze");
	if (a == 0 && dh_ctx_has(c, "external-data"))
		return dh_ctx_usage(c, "--external-data is for the ONNX outputs "
				    "(import, reset, freeze)");
	const char *layers = dh_ctx_str(c, "layers", NULL);
	if (a == 3 && !layers)
		return dh_ctx_usage(c, "which layers? (--layers a,b)");
	dh_onnx_model *m = dh_onnx_load(c->args[1], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	dh_status s = DH_OK;
	dh_weights *w = NULL;
	switch (a) {
	case 0:
		w = dh_weights_from_model(m, &c->err);
		s = w ? dh_weights_save(w, out, &c->err) : DH_EFORMAT;
		break;
	case 1:
		w = dh_weights_load(c->args[2], &c->err);
		if (!w)
			s = DH_EFORMAT;
		else if (w->kind != DH_WEIGHTS_PARAMS)
			s = dh_err_set(&c->err, DH_EFORMAT, "%s: holds %s, not "
				       "weights", c->args[2],
				       dh_weights_kind_name(w->kind));
		else
			s = dh_weights_apply_model(m, w, c->args[2], &c->err);
		break;
	case 2:
		s = dh_weights_reset(m, (uint64_t)dh_ctx_int(c, "seed", 0), &c->err);
		break;
	default:
		s = dh_weights_freeze(m, layers, &c->err);
		break;
	}
	if (!s && a > 0)
		s = save_model(c, m, out);
	dh_weights_free(w);
	dh_onnx_free(m);
	if (s)
		return a == 3 && s == DH_EINVAL ? dh_ctx_usage(c, "%s", c->err.msg)
						: dh_ctx_fail(c);
	return DH_EXIT_OK;
}

static int run_optimize(dh_ctx *c)
{
	const char *out = dh_ctx_str(c, "output", NULL);
	if (!out)
		return dh_ctx_usage(c, "where to? (-o FILE.onnx)");
	dh_onnx_model *m = dh_onnx_load(c->args[0], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	int folded = 0;
	dh_status s = dh_onnx_fold_batchnorm(m, &folded, &c->err);
	if (!s)
		s = save_model(c, m, out);
	dh_onnx_free(m);
	if (s)
		return dh_ctx_fail(c);
	dh_log_info(&c->log, "%s: %d BatchNormalization layer%s folded", out,
		    folded, folded == 1 ? "" : "s");
	return DH_EXIT_OK;
}

static int run_info(dh_ctx *c)
{
	dh_onnx_model *m = dh_onnx_load(c->args[0], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	dh_status s = dh_onnx_info_print(m, stdout, dh_ctx_has(c, "json"), &c->err);
	dh_onnx_free(m);
	return s ? dh_ctx_fail(c) : DH_EXIT_OK;
}

typedef struct report {
	const char *tool, *path;
} report;

static void print_problem(void *ctx, const char *msg)
{
	const report *r = ctx;
	fprintf(stderr, "%s: %s: %s\n", r->tool, r->path, msg);
}

static int run_check(dh_ctx *c)
{
	dh_onnx_model *m = dh_onnx_load(c->args[0], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	report r = {c->tool->name, c->args[0]};
	int n = dh_onnx_check(m, print_problem, &r, &c->err);
	size_t nodes = m->proto->graph->n_node;
	size_t inits = m->proto->graph->n_initializer;
	dh_onnx_free(m);
	if (n < 0)
		return dh_ctx_fail(c);
	if (n > 0)
		return DH_EXIT_FAIL;
	printf("%s: ok (%zu nodes, %zu initializers)\n", c->args[0], nodes, inits);
	return DH_EXIT_OK;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static int run_diff(dh_ctx *c)
{
	dh_onnx_model *a = dh_onnx_load(c->args[0], &c->err);
	dh_onnx_model *b = a ? dh_onnx_load(c->args[1], &c->err) : NULL;
	int n = -1;
	if (a && b)
		n = dh_onnx_diff(a, b, dh_ctx_float(c, "tol", 0), print_line,
				 NULL, &c->err);
	dh_onnx_free(a);
	dh_onnx_free(b);
	if (n < 0)
		return dh_ctx_fail(c);
	if (n == 0)
		printf("no differences\n");
	/* like cmp(1) and diff(1): 1 when the models differ */
	return n ? DH_EXIT_FAIL : DH_EXIT_OK;
}

static const dh_opt new_opts[] = {
	{"input", 'i', DH_ARG_STRING, "CxHxW", "input shape", 0, 0, NULL, 0},
	{"classes", 'c', DH_ARG_INT, "N", "number of classes (output channels for unet)", 1, 1 << 20, NULL, 0},
	{"spec", 0, DH_ARG_FILE, "NET.yml", "build the network described in this file", 0, 0, "yml|yaml", 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed for the initial weights", 0, 9.2e18, NULL, 0},
	{"depth", 0, DH_ARG_INT, "D", "unet levels, mlp hidden layers", 1, 7, NULL, 0},
	{"width", 0, DH_ARG_INT, "W", "unet first width, mlp and lstm hidden size", 1, 65536, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "FILE.onnx", "write the model here", 0, 0, "onnx", 0},
	{"external-data", 0, DH_ARG_NONE, NULL, "keep the weights in FILE.onnx.data", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt info_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "print JSON", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt diff_opts[] = {
	{"tol", 0, DH_ARG_FLOAT, "X", "weights closer than X are equal", 0, 1e30, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt optimize_opts[] = {
	{"output", 'o', DH_ARG_FILE, "FILE.onnx", "write the model here", 0, 0, "onnx", 0},
	{"external-data", 0, DH_ARG_NONE, NULL, "keep the weights in FILE.onnx.data", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt weights_opts[] = {
	{"output", 'o', DH_ARG_FILE, "FILE", "write the weights or the model here", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "reset: random seed for the new weights", 0, 9.2e18, NULL, 0},
	{"layers", 0, DH_ARG_STRING, "A,B", "freeze: the layers (or parameters) not to train", 0, 0, NULL, 0},
	{"external-data", 0, DH_ARG_NONE, NULL, "keep the weights in FILE.onnx.data", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{"new", "ARCH", "create an untrained model: mlp, lenet, vgg11/16/19[_bn], resnet18/34/50, unet, lstm", new_opts, 0, 1, "word", run_new, NULL},
	{"info", "FILE.onnx", "inputs, outputs, op histogram, parameters, opsets and metadata", info_opts, 1, 1, "onnx", run_info, NULL},
	{"check", "FILE.onnx", "validate a model's structure", NULL, 1, 1, "onnx", run_check, NULL},
	{"diff", "A.onnx B.onnx", "topology and weight differences (exit 1 when they differ)", diff_opts, 2, 2, "onnx onnx", run_diff, NULL},
	{"weights", "export|import|reset|freeze MODEL.onnx [W]", "export, import or reset weights; freeze layers", weights_opts, 2, 3, "word onnx file", run_weights, NULL},
	{"optimize", "MODEL.onnx", "for inference: fold BatchNormalization into the Conv or Gemm before it", optimize_opts, 1, 1, "onnx", run_optimize, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-onnx", "create, inspect and compare ONNX models", cmds, 1,
	"dh-onnx new lenet --input 1x28x28 --classes 10 -o lenet.onnx",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
