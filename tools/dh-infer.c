/* dh-infer - run a model on images, a dataset split or a tensor stream. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/tool.h"
#include "core/atomicfile.h"
#include "nn/predict.h"
#include "onnx/import.h"
#include "onnx/model.h"

static int run(dh_ctx *c)
{
	if (dh_ctx_has(c, "split") || dh_ctx_has(c, "latency")) {
		fprintf(stderr, "%s: --split and --latency are not built "
				"yet in this version (planned: the train/infer issue, "
				"#4)\n",
			c->tool->name);
		return DH_EXIT_USAGE;
	}
	const char *fmt = dh_ctx_str(c, "format", "npy");
	if (strcmp(fmt, "npy")) {
		fprintf(stderr, "%s: --format %s is not built yet in this version "
				"(planned: the train/infer issue, #4)\n",
			c->tool->name, fmt);
		return DH_EXIT_USAGE;
	}
	const char *input = c->nargs > 1 ? c->args[1] : "-";
	if (c->nargs > 2)
		return dh_ctx_usage(c, "one input stream at a time in this version");
	size_t len = strlen(input);
	if (strcmp(input, "-") && (len < 4 || strcmp(input + len - 4, ".npy"))) {
		fprintf(stderr, "%s: %s: image inputs are not built yet in this "
				"version (planned: the train/infer issue, #4); give a "
				"tensor stream (.npy)\n",
			c->tool->name, input);
		return DH_EXIT_USAGE;
	}
	dh_device dev;
	if (dh_device_parse(dh_ctx_str(c, "device", "cpu"), c->threads, &dev, &c->err))
		return dh_ctx_usage(c, "%s", c->err.msg);
	dh_onnx_model *m = dh_onnx_load(c->args[0], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	dh_graph *g = dh_onnx_import(m, &dev, 0, &c->err);
	dh_onnx_free(m);
	if (!g)
		return dh_ctx_fail(c);
	FILE *in = strcmp(input, "-") ? fopen(input, "rb") : stdin;
	if (!in) {
		dh_err_errno(&c->err, errno, "cannot open '%s'", input);
		dh_graph_free(g);
		return dh_ctx_fail(c);
	}
	dh_atomic_file af;
	dh_stream_reader r;
	int64_t n = 0;
	dh_status s = dh_atomic_open(&af, dh_ctx_str(c, "output", "-"), &c->err);
	if (!s) {
		s = dh_stream_open(&r, in, in == stdin ? "stdin" : input, &c->err);
		if (!s && dh_ctx_has(c, "evaluate"))
			s = dh_evaluate_stream(g, &r, af.f, dh_ctx_int(c, "batch", 64),
					       dh_ctx_has(c, "json"), &n, &c->err);
		else if (!s)
			s = dh_predict_stream(g, &r, af.f, dh_ctx_int(c, "batch", 64),
					      &n, &c->err);
		dh_stream_close(&r);
		if (s)
			dh_atomic_abort(&af);
		else
			s = dh_atomic_commit(&af, &c->err);
	}
	if (in != stdin)
		fclose(in);
	dh_graph_free(g);
	if (s)
		return dh_ctx_fail(c);
	dh_log_info(&c->log, "%lld samples", (long long)n);
	return DH_EXIT_OK;
}

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT", "write results here (default: stdout)", 0, 0, NULL, 0},
	{"split", 0, DH_ARG_STRING, "NAME", "read this split of a DDF dataset", 0, 0, NULL, 0},
	{"format", 'f', DH_ARG_CHOICE, "FMT", "output format", 0, 0, "csv|jsonl|npy|png", 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch", 1, 1 << 20, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"evaluate", 0, DH_ARG_NONE, NULL, "compare with the stream's targets: accuracy, per-class precision/recall/F1, confusion matrix", 0, 0, NULL, 0},
	{"json", 0, DH_ARG_NONE, NULL, "with --evaluate: print one JSON object", 0, 0, NULL, 0},
	{"latency", 0, DH_ARG_NONE, NULL, "measure single-sample latency (p50/p90/p99)", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [INPUT...]", "Run MODEL on images, a dataset split or a tensor stream (stdin) and write scores, labels, masks or a stream.",
	 opts, 1, -1, "onnx npy", run, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-infer", "run a trained model", cmds, 0,
	"dh-infer model.onnx < batch.npy > scores.npy",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
