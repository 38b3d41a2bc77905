/* dh-dataset - make, split, check and stream DeepHealth datasets (DDF). */
#include "cli/tool.h"

static const dh_opt out_opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT", "write here (default: stdout)", 0, 0, "yml|yaml", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt split_opts[] = {
	{"validation", 0, DH_ARG_FLOAT, "F", "fraction moved to the validation split", 0, 1, NULL, 0},
	{"test", 0, DH_ARG_FLOAT, "F", "fraction moved to the test split", 0, 1, NULL, 0},
	{"stratify", 0, DH_ARG_NONE, NULL, "keep class proportions in every split", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed", 0, 9.2e18, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "OUT.yml", "write here (default: stdout)", 0, 0, "yml|yaml", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt stats_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "print JSON", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt stream_opts[] = {
	{"split", 0, DH_ARG_STRING, "NAME", "which split to stream", 0, 0, NULL, 0},
	{"size", 0, DH_ARG_STRING, "WxH", "resize every image", 0, 0, NULL, 0},
	{"channels", 0, DH_ARG_INT, "C", "1 (gray) or 3 (RGB)", 1, 4, NULL, 0},
	{"shuffle", 0, DH_ARG_NONE, NULL, "shuffle the samples", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed", 0, 9.2e18, NULL, 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per group", 1, 1 << 20, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

#define PLANNED "the dataset issue (#4)"
static const dh_cmd cmds[] = {
	{"import", "FORMAT", "import idx files (MNIST, Fashion-MNIST) as PNGs and a DDF", out_opts, 1, 1, "word", NULL, PLANNED},
	{"create", "[DIR]", "write a DDF for a folder per class or a CSV", out_opts, 0, 1, "dir", NULL, PLANNED},
	{"split", "IN.yml", "split off validation and test sets, reproducibly", split_opts, 1, 1, "yml", NULL, PLANNED},
	{"check", "IN.yml", "check every file, label and index", NULL, 1, 1, "yml", NULL, PLANNED},
	{"stats", "IN.yml", "counts per class and split, sizes, mean and std", stats_opts, 1, 1, "yml", NULL, PLANNED},
	{"stream", "IN.yml", "decoded samples of a split as a tensor stream", stream_opts, 1, 1, "yml", NULL, PLANNED},
	{"pack", "IN.yml", "tar shards of pre-decoded samples", out_opts, 1, 1, "yml", NULL, PLANNED},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-dataset", "make, split, check and stream datasets", cmds, 1,
	"dh-dataset split --validation 0.1 --seed 1 dataset.yml -o split.yml",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
