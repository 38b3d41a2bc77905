/* dh-infer - run a model on images, a dataset split or a tensor stream. */
#include "cli/tool.h"

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT", "write results here (default: stdout)", 0, 0, NULL, 0},
	{"split", 0, DH_ARG_STRING, "NAME", "read this split of a DDF dataset", 0, 0, NULL, 0},
	{"format", 'f', DH_ARG_CHOICE, "FMT", "output format", 0, 0, "csv|jsonl|npy|png", 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch", 1, 1 << 20, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"evaluate", 0, DH_ARG_NONE, NULL, "compare with the dataset's labels and print metrics", 0, 0, NULL, 0},
	{"latency", 0, DH_ARG_NONE, NULL, "measure single-sample latency (p50/p90/p99)", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [INPUT...]", "Run MODEL on images, a dataset split or a tensor stream (stdin) and write scores, labels, masks or a stream.",
	 opts, 1, -1, "onnx file", NULL, "the ONNX issue (#7) for streams, the train/infer issue (#4) for the rest"},
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
