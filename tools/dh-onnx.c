/* dh-onnx - create, inspect, check and compare ONNX models. */
#include <stdio.h>

#include "cli/tool.h"
#include "onnx/check.h"
#include "onnx/diff.h"
#include "onnx/info.h"
#include "onnx/model.h"

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
	{"output", 'o', DH_ARG_FILE, "FILE.onnx", "write the model here", 0, 0, "onnx", 0},
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
static const dh_opt weights_opts[] = {
	{"output", 'o', DH_ARG_FILE, "FILE", "write here", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

#define PLANNED "the ONNX issue (#7)"
static const dh_cmd cmds[] = {
	{"new", "[ARCH]", "create an untrained model from the zoo or a YAML spec", new_opts, 0, 1, "word", NULL, PLANNED},
	{"info", "FILE.onnx", "inputs, outputs, op histogram, parameters, opsets and metadata", info_opts, 1, 1, "onnx", run_info, NULL},
	{"check", "FILE.onnx", "validate a model's structure", NULL, 1, 1, "onnx", run_check, NULL},
	{"diff", "A.onnx B.onnx", "topology and weight differences (exit 1 when they differ)", diff_opts, 2, 2, "onnx onnx", run_diff, NULL},
	{"weights", "FILE.onnx", "export, import or reset weights; freeze layers", weights_opts, 1, 2, "onnx file", NULL, PLANNED},
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
