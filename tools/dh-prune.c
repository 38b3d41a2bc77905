/* dh-prune - make a model smaller for deployment. */
#include "cli/tool.h"

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT.onnx", "write the pruned model here", 0, 0, "onnx", 0},
	{"sparsity", 0, DH_ARG_FLOAT, "F", "fraction of weights to remove", 0, 1, NULL, 0},
	{"method", 'm', DH_ARG_CHOICE, "HOW", "what to remove", 0, 0, "magnitude|channels|filters", 0},
	{"quantize", 0, DH_ARG_CHOICE, "TYPE", "store weights in a smaller type", 0, 0, "int8|float16", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx", "Prune (structured or unstructured) and quantize MODEL for deployment.",
	 opts, 1, 1, "onnx", NULL, "the pruning and quantization issue, after the engine (#3) and ONNX (#7)"},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-prune", "prune and quantize a model", cmds, 0,
	"dh-prune trained.onnx --sparsity 0.5 --quantize int8 -o small.onnx",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
