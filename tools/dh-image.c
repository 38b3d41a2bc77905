/* dh-image - read, convert and process images, volumes and slides. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/tool.h"
#include "image/probe.h"
#include "stream/summary.h"

static int run_info(dh_ctx *c)
{
	const char *path = c->args[0];
	int json = dh_ctx_has(c, "json");
	dh_image_format fmt = DH_IMG_NPY;
	if (strcmp(path, "-") && dh_image_probe_file(path, &fmt, &c->err))
		return dh_ctx_fail(c);
	if (fmt != DH_IMG_NPY) {
		fprintf(stderr,
			"%s: %s: reading %s images is not built yet in this "
			"version (planned: the image issue, #5)\n",
			c->tool->name, path, dh_image_format_name(fmt));
		return DH_EXIT_USAGE;
	}
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		dh_err_errno(&c->err, errno, "cannot open '%s'", path);
		return dh_ctx_fail(c);
	}
	dh_stream_summary s;
	const char *name = f == stdin ? "stdin" : path;
	dh_status st = dh_stream_summarize(f, name, &s, &c->err);
	if (f != stdin)
		fclose(f);
	if (st)
		return dh_ctx_fail(c);
	dh_stream_summary_print(stdout, name, &s, json);
	return DH_EXIT_OK;
}

static const dh_opt info_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "print one JSON object", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};
static const dh_opt convert_opts[] = {
	{"window", 0, DH_ARG_STRING, "C,W", "DICOM window centre and width", 0, 0, NULL, 0},
	{"slice", 0, DH_ARG_STRING, "AXIS:N", "one slice of a volume", 0, 0, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

#define PLANNED "the image issue (#5)"
static const dh_cmd cmds[] = {
	{"info", "FILE", "format, size, dtype, channels, spacing (built for .npy files and tensor streams)",
	 info_opts, 1, 1, "image", run_info, NULL},
	{"convert", "IN OUT", "convert between formats, chosen by extension", convert_opts, 2, 2, "image out", NULL, PLANNED},
	{"resize", "WxH IN OUT", "resize an image", NULL, 3, 3, "word image out", NULL, PLANNED},
	{"otsu", "IN OUT", "binarise with Otsu's threshold", NULL, 2, 2, "image out", NULL, PLANNED},
	{"components", "IN OUT", "label connected components", NULL, 2, 2, "image out", NULL, PLANNED},
	{"slide", "info|region|tiles SLIDE", "whole-slide images through OpenSlide", NULL, 2, -1, "word file", NULL, PLANNED},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-image", "read, convert and process images", cmds, 1,
	"dh-image info batch.npy --json",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
