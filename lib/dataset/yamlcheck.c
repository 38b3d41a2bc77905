/* yamlcheck.c - YAML syntax check (see yamlcheck.h). */
#include "dataset/yamlcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/slurp.h"

dh_status dh_yaml_check_file(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_status s = dh_yaml_check_stream(f, path, e);
	fclose(f);
	return s;
}

int dh_yaml_is_shard_dir(const char *path)
{
	size_t n = strlen(path);
	char *ix = malloc(n + sizeof "/index.yml");
	if (!ix)
		return 0;
	memcpy(ix, path, n);
	memcpy(ix + n, "/index.yml", sizeof "/index.yml");
	struct stat st;
	int r = stat(ix, &st) == 0 && S_ISREG(st.st_mode);
	free(ix);
	return r;
}

/* ECVL's files start with "%YAML:1.2" (OpenCV's spelling), which YAML does
 * not allow: a first-line %YAML directive is blanked, keeping positions. */
static void blank_directive(unsigned char *t, size_t n)
{
	size_t i = 0;
	if (n >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF)
		i = 3;
	if (n - i >= 5 && !memcmp(t + i, "%YAML", 5))
		for (; i < n && t[i] != '\n'; i++)
			t[i] = ' ';
}

dh_status dh_yaml_check_stream(FILE *f, const char *path, dh_err *e)
{
	char *text;
	size_t n;
	dh_status st = dh_slurp(f, 0, &text, &n);
	if (st == DH_ENOMEM)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	if (st)
		return dh_err_set(e, DH_EIO, "cannot read '%s'", path);
	unsigned char *buf = (unsigned char *)text;
	blank_directive(buf, n);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		free(buf);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&p, buf, n);
	dh_status s = DH_OK;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_mark_t m = p.problem_mark;
			if (p.error == YAML_MEMORY_ERROR)
				s = dh_err_set(e, DH_ENOMEM, "%s: out of memory",
					       path);
			else if (p.error == YAML_READER_ERROR)
				s = dh_err_set(e, DH_EFORMAT,
					       "%s: byte %zu: not YAML text: %s",
					       path, p.problem_offset,
					       p.problem ? p.problem : "error");
			else if (p.context)
				s = dh_err_set(e, DH_EFORMAT,
					       "%s:%zu:%zu: YAML syntax error: "
					       "%s %s",
					       path, m.line + 1, m.column + 1,
					       p.problem ? p.problem : "error",
					       p.context);
			else
				s = dh_err_set(e, DH_EFORMAT,
					       "%s:%zu:%zu: YAML syntax error: "
					       "%s",
					       path, m.line + 1, m.column + 1,
					       p.problem ? p.problem : "error");
			break;
		}
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	yaml_parser_delete(&p);
	free(buf);
	return s;
}
