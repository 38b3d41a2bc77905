/* dh-onnx - create, inspect, check and compare ONNX models. */
#include "cli/tool.h"

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
	{"info", "FILE.onnx", "inputs, outputs, op histogram, parameters and FLOPs", info_opts, 1, 1, "onnx", NULL, PLANNED},
	{"check", "FILE.onnx", "validate a model's structure", NULL, 1, 1, "onnx", NULL, PLANNED},
	{"diff", "A.onnx B.onnx", "topology and weight differences", diff_opts, 2, 2, "onnx onnx", NULL, PLANNED},
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
