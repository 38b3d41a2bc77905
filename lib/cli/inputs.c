/* inputs.c - input file checks shared by all tools (see inputs.h). */
#include "cli/inputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset/yamlcheck.h"
#include "image/probe.h"
#include "onnx/probe.h"
#include "stream/npy.h"

static dh_status check_npy(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_npy_header h;
	dh_status s = dh_npy_read_header(f, &h, e);
	fclose(f);
	if (s)
		dh_err_prefix(e, "%s: byte 0", path);
	return s;
}

/* Augmentation files and other text: no NUL bytes, valid UTF-8. */
static dh_status check_text(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	unsigned char buf[4096];
	size_t n;
	long long at = 0;
	int need = 0; /* continuation bytes still expected */
	dh_status s = DH_OK;
	while (!s && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		for (size_t i = 0; i < n && !s; i++, at++) {
			unsigned char b = buf[i];
			if (need) {
				if ((b & 0xc0) != 0x80)
					s = DH_EFORMAT;
				need--;
			} else if (b == 0) {
				s = DH_EFORMAT;
			} else if (b >= 0x80) {
				need = b >= 0xf0 && b < 0xf8   ? 3
				       : b >= 0xe0 && b < 0xf0 ? 2
				       : b >= 0xc2 && b < 0xe0 ? 1
							       : -1;
				if (need < 0)
					s = DH_EFORMAT;
			}
		}
	}
	fclose(f);
	if (s || need)
		return dh_err_set(e, DH_EFORMAT,
				  "%s: byte %lld: binary data where text was "
				  "expected",
				  path, s ? at - 1 : at);
	return DH_OK;
}

dh_status dh_check_input(const char *path, const char *kind, dh_err *e)
{
	if (!strcmp(kind, "out") || !strcmp(kind, "word"))
		return DH_OK;
	if (!strcmp(path, "-")) /* stdin: checked as it is read */
		return DH_OK;
	struct stat st;
	if (stat(path, &st) != 0)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	if (!strcmp(kind, "dir")) {
		if (!S_ISDIR(st.st_mode))
			return dh_err_set(e, DH_EIO,
					  "'%s' is not a directory", path);
		return DH_OK;
	}
	/* packed dataset shards (dh-dataset pack): a folder with an index */
	if (S_ISDIR(st.st_mode) &&
	    (!strcmp(kind, "yml") || !strcmp(kind, "data")) &&
	    dh_yaml_is_shard_dir(path))
		return DH_OK;
	if (S_ISDIR(st.st_mode))
		return dh_err_set(e, DH_EIO, "'%s' is a directory", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	fclose(f);
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return dh_err_set(e, DH_EFORMAT, "'%s' is empty", path);
	if (!strcmp(kind, "onnx"))
		return dh_onnx_probe_file(path, e);
	if (!strcmp(kind, "yml"))
		return dh_yaml_check_file(path, e);
	if (!strcmp(kind, "npy"))
		return check_npy(path, e);
	if (!strcmp(kind, "image")) {
		dh_image_format fmt;
		return dh_image_probe_file(path, &fmt, e);
	}
	if (!strcmp(kind, "aug"))
		return check_text(path, e);
	if (!strcmp(kind, "data")) { /* a DDF dataset or a tensor stream */
		size_t n = strlen(path);
		if ((n > 4 && !strcmp(path + n - 4, ".yml")) ||
		    (n > 5 && !strcmp(path + n - 5, ".yaml")))
			return dh_yaml_check_file(path, e);
		return check_npy(path, e);
	}
	return DH_OK;
}

dh_status dh_check_inputs(const char *kinds, int nargs, char **args, dh_err *e)
{
	if (!kinds)
		return DH_OK;
	char kind[16] = "file";
	const char *p = kinds;
	for (int i = 0; i < nargs; i++) {
		/* take the next kind word if there is one; else repeat */
		while (*p == ' ')
			p++;
		if (*p) {
			size_t n = strcspn(p, " ");
			if (n >= sizeof kind)
				n = sizeof kind - 1;
			memcpy(kind, p, n);
			kind[n] = '\0';
			p += strcspn(p, " ");
		}
		dh_status s = dh_check_input(args[i], kind, e);
		if (s)
			return s;
	}
	return DH_OK;
}
