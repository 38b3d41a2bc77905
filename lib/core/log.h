/* log.h - leveled messages to stderr, owned by the caller (no globals).
 *
 * A tool keeps one dh_log in its run state, sets the level from -q/-v, and
 * passes it to library parts that report progress.  Messages are prefixed
 * with the program name, as in "dh-train: warning: ...". */
#ifndef DH_CORE_LOG_H
#define DH_CORE_LOG_H

#include <stdio.h>

typedef enum dh_log_level {
	DH_LOG_ERROR = 0,
	DH_LOG_WARN = 1,
	DH_LOG_INFO = 2,  /* the default */
	DH_LOG_DEBUG = 3,
} dh_log_level;

typedef struct dh_log {
	const char *prog; /* prefix; may be NULL */
	int level;        /* messages above this level are dropped */
	FILE *out;        /* NULL means stderr */
} dh_log;

void dh_log_init(dh_log *log, const char *prog);
void dh_log_msg(const dh_log *log, dh_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define dh_log_error(l, ...) dh_log_msg((l), DH_LOG_ERROR, __VA_ARGS__)
#define dh_log_warn(l, ...) dh_log_msg((l), DH_LOG_WARN, __VA_ARGS__)
#define dh_log_info(l, ...) dh_log_msg((l), DH_LOG_INFO, __VA_ARGS__)
#define dh_log_debug(l, ...) dh_log_msg((l), DH_LOG_DEBUG, __VA_ARGS__)

#endif
