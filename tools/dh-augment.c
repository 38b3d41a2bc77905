/* dh-augment - apply an augmentation pipeline to images or a tensor stream. */
#include "cli/tool.h"

static const dh_opt opts[] = {
	{"file", 'f', DH_ARG_FILE, "AUG.txt", "read the pipeline from this file", 0, 0, "txt|aug", 0},
	{"expr", 'e', DH_ARG_STRING, "PIPELINE", "give the pipeline inline", 0, 0, NULL, 0},
	{"split", 0, DH_ARG_STRING, "NAME", "use this split's section (default: training)", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed", 0, 9.2e18, NULL, 0},
	{"output", 'o', DH_ARG_FILE, "OUT", "write here (default: stdout)", 0, 0, NULL, 0},
	{"preview", 0, DH_ARG_INT, "N", "draw N augmented variants side by side", 1, 1000, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "[IN]", "Apply an augmentation pipeline to an image file, or to a tensor stream from stdin to stdout.",
	 opts, 0, 1, "image", NULL, "the augmentation issue (#6), after the image issue (#5)"},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-augment", "augment images and tensor streams", cmds, 0,
	"dh-augment -f aug.txt --seed 1 < train.npy > augmented.npy",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
