/* tool.h - what every dh executable shares: the command table, the run
 * state, --help/--version/completion, and the exit status contract
 * (0 success, 1 failure, 2 usage error).
 *
 * A tool is a dh_toolspec: a name, a summary, the commands it offers (a tool
 * without subcommands has one command with a NULL name) and an example.  Its
 * main() is `return dh_tool_main(&spec, argc, argv);`.  A command whose `run`
 * is NULL is declared but not built: it checks its input files, then says so
 * and exits 2 - it never prints success for work it did not do. */
#ifndef DH_CLI_TOOL_H
#define DH_CLI_TOOL_H

#include "cli/opt.h"
#include "core/error.h"
#include "core/log.h"

#define DH_EXIT_OK 0
#define DH_EXIT_FAIL 1
#define DH_EXIT_USAGE 2

#define DH_MAX_OPTS 64
#define DH_MAX_ARGS 256

struct dh_ctx;

typedef struct dh_cmd {
	const char *name;     /* subcommand; NULL for a tool's only form */
	const char *args;     /* synopsis of positionals: "MODEL.onnx [FILE...]" */
	const char *summary;  /* one line */
	const dh_opt *opts;   /* ends with {NULL}; may be NULL */
	int min_args, max_args; /* max -1: unbounded */
	/* Kind of each positional, space-separated, checked before running and
	 * used by completion: onnx, yml, npy, image, aug, file, dir, out, word.
	 * The last kind repeats for further arguments. */
	const char *arg_kinds;
	int (*run)(struct dh_ctx *ctx);
	const char *planned;  /* for unbuilt commands: where it is planned */
} dh_cmd;

typedef struct dh_toolspec {
	const char *name;
	const char *summary;
	const dh_cmd *cmds;   /* ends with an entry whose summary is NULL */
	int subcommands;      /* 1 if cmds are named subcommands */
	const char *example;  /* shown at the end of --help */
} dh_toolspec;

typedef struct dh_ctx {
	const dh_toolspec *tool;
	const dh_cmd *cmd;
	dh_optval gvals[DH_MAX_OPTS]; /* global options, by table index */
	dh_optval vals[DH_MAX_OPTS];  /* the command's options */
	int nargs;
	char **args;                  /* positionals (borrowed from argv) */
	dh_log log;
	int threads;
	dh_err err;
	char *argv_storage[DH_MAX_ARGS];
} dh_ctx;

int dh_tool_main(const dh_toolspec *spec, int argc, char **argv);

/* The options every tool takes (help, version, quiet, verbose, threads...). */
extern const dh_opt dh_global_opts[];

/* Option lookup by long name, for the command's table then the globals. */
const dh_optval *dh_ctx_opt(const dh_ctx *c, const char *name);
int dh_ctx_has(const dh_ctx *c, const char *name);
long long dh_ctx_int(const dh_ctx *c, const char *name, long long dflt);
double dh_ctx_float(const dh_ctx *c, const char *name, double dflt);
const char *dh_ctx_str(const dh_ctx *c, const char *name, const char *dflt);

/* Report ctx->err (or a formatted message) as one line and give the exit
 * status for it: 1, or 2 for DH_EINVAL-style usage problems when usage is
 * set. */
int dh_ctx_fail(dh_ctx *c);
int dh_ctx_usage(dh_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The one-line version text with linked library versions. */
void dh_version_line(const char *prog, char *buf, size_t n);
/* What this build was configured with, one feature a line. */
void dh_build_info(FILE *f);

#endif
