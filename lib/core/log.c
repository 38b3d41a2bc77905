/* log.c - leveled messages (see log.h). */
#include "core/log.h"

#include <stdarg.h>

void dh_log_init(dh_log *log, const char *prog)
{
	log->prog = prog;
	log->level = DH_LOG_INFO;
	log->out = NULL;
}

void dh_log_msg(const dh_log *log, dh_log_level level, const char *fmt, ...)
{
	if (log && (int)level > log->level)
		return;
	FILE *f = log && log->out ? log->out : stderr;
	static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* one fprintf per message keeps lines whole when threads log */
	if (log && log->prog)
		fprintf(f, "%s: %s%s\n", log->prog, tag[level], line);
	else
		fprintf(f, "%s%s\n", tag[level], line);
}
