/* dh-train - train a model on a dataset or a tensor stream. */
#include "cli/tool.h"

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT.onnx", "write the trained model here", 0, 0, "onnx", 0},
	{"epochs", 'e', DH_ARG_INT, "N", "train for N epochs", 1, 1e9, NULL, 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch", 1, 1 << 20, NULL, 0},
	{"optimizer", 0, DH_ARG_CHOICE, "NAME", "optimizer", 0, 0, "sgd|adam|adamw|rmsprop|adagrad|adadelta", 0},
	{"lr", 0, DH_ARG_FLOAT, "RATE", "learning rate", 0, 1e6, NULL, 0},
	{"momentum", 0, DH_ARG_FLOAT, "M", "SGD momentum", 0, 1, NULL, 0},
	{"weight-decay", 0, DH_ARG_FLOAT, "W", "weight decay", 0, 1e6, NULL, 0},
	{"loss", 0, DH_ARG_CHOICE, "NAME", "loss function", 0, 0, "cross-entropy|bce|mse|mae|huber|nll|dice", 0},
	{"metrics", 0, DH_ARG_STRING, "LIST", "comma-separated metrics (accuracy, f1, dice, ...)", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed (same seed and threads: same weights)", 0, 9.2e18, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"augment", 'a', DH_ARG_FILE, "AUG.txt", "augment each split with this file", 0, 0, "txt|aug", 0},
	{"log", 0, DH_ARG_FILE, "FILE.jsonl", "write one JSON object per epoch", 0, 0, "jsonl", 0},
	{"resume", 0, DH_ARG_FILE, "CKPT.onnx", "continue from a checkpoint", 0, 0, "onnx", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [DATASET.yml]", "Train MODEL on DATASET (or on a tensor stream read from stdin) and write the trained model.",
	 opts, 1, 2, "onnx yml", NULL, "the train/infer issue (#4), after the engine (#3) and ONNX (#7)"},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-train", "train a neural network", cmds, 0,
	"dh-train lenet.onnx fashion/dataset.yml --epochs 5 --optimizer adam -o trained.onnx",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
