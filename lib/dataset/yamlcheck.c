/* yamlcheck.c - YAML syntax check (see yamlcheck.h). */
#include "dataset/yamlcheck.h"

#include <errno.h>
#include <stdio.h>
#include <yaml.h>

dh_status dh_yaml_check_file(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_status s = dh_yaml_check_stream(f, path, e);
	fclose(f);
	return s;
}

dh_status dh_yaml_check_stream(FILE *f, const char *path, dh_err *e)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	yaml_parser_set_input_file(&p, f);
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
	return s;
}
