/* tool.c - argument parsing, help, version and dispatch for every dh tool
 * (see tool.h). */
#include "config.h"

#include "cli/tool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/inputs.h"
#include "core/threads.h"

const dh_opt dh_global_opts[] = {
	{"help", 'h', DH_ARG_NONE, NULL, "show this help and exit", 0, 0, NULL, 0},
	{"version", 'V', DH_ARG_NONE, NULL, "show the version and exit", 0, 0,
	 NULL, 0},
	{"quiet", 'q', DH_ARG_NONE, NULL,
	 "print less: warnings and errors only, no progress bar", 0, 0, NULL,
	 DH_OPT_COUNT},
	{"verbose", 'v', DH_ARG_NONE, NULL, "print more (repeat for debug output)",
	 0, 0, NULL, DH_OPT_COUNT},
	{"threads", 'j', DH_ARG_INT, "N",
	 "compute with N threads (default: DH_NUM_THREADS, else all cores)", 1,
	 DH_MAX_THREADS, NULL, 0},
	{"build-info", 0, DH_ARG_NONE, NULL,
	 "list what this build was configured with and exit", 0, 0, NULL, 0},
	{"completion-helper", 0, DH_ARG_NONE, NULL,
	 "machine-readable option list for shell completion", 0, 0, NULL,
	 DH_OPT_HIDDEN},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static int nopts(const dh_opt *t)
{
	int n = 0;
	while (t && t[n].name)
		n++;
	return n;
}

static const dh_cmd *find_cmd(const dh_toolspec *spec, const char *name)
{
	for (const dh_cmd *c = spec->cmds; c->summary; c++)
		if (c->name && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* --- help ---------------------------------------------------------------- */

static void print_opts(FILE *f, const dh_opt *t)
{
	for (int i = 0; t && t[i].name; i++) {
		const dh_opt *o = &t[i];
		if (o->flags & DH_OPT_HIDDEN)
			continue;
		char left[64];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof left, "-%c, ", o->short_name);
		else
			n = snprintf(left, sizeof left, "    ");
		n += snprintf(left + n, sizeof left - (size_t)n, "--%s", o->name);
		if (o->kind != DH_ARG_NONE && (o->flags & DH_OPT_OPTVAL))
			snprintf(left + n, sizeof left - (size_t)n, "[=%s]",
				 o->metavar ? o->metavar : "VALUE");
		else if (o->kind != DH_ARG_NONE)
			snprintf(left + n, sizeof left - (size_t)n, " %s",
				 o->kind == DH_ARG_CHOICE && !o->metavar
					 ? "WHICH"
					 : o->metavar ? o->metavar : "VALUE");
		fprintf(f, "  %-26s %s", left, o->help);
		if (o->kind == DH_ARG_CHOICE)
			fprintf(f, " (%s)", o->choices);
		fputc('\n', f);
	}
}

static void help_tool(const dh_toolspec *s)
{
	printf("%s - %s\n\n", s->name, s->summary);
	if (s->subcommands) {
		printf("Usage: %s [OPTION]... COMMAND [ARG]...\n\nCommands:\n",
		       s->name);
		for (const dh_cmd *c = s->cmds; c->summary; c++)
			printf("  %-10s %s%s\n", c->name, c->summary,
			       c->run ? "" : " [not built yet]");
		printf("\nRun '%s COMMAND --help' for a command's options.\n",
		       s->name);
	} else {
		const dh_cmd *c = s->cmds;
		printf("Usage: %s [OPTION]... %s\n\n%s%s\n", s->name,
		       c->args ? c->args : "", c->summary,
		       c->run ? "" : " [not built yet]");
		if (nopts(c->opts)) {
			printf("\nOptions:\n");
			print_opts(stdout, c->opts);
		}
	}
	printf("\nCommon options:\n");
	print_opts(stdout, dh_global_opts);
	printf("\nExit status: 0 success, 1 failure, 2 usage error.\n");
	if (s->example)
		printf("\nExample:\n  %s\n", s->example);
	printf("\nSee %s(1).\n", s->name);
}

static void help_cmd(const dh_toolspec *s, const dh_cmd *c)
{
	printf("Usage: %s %s [OPTION]... %s\n\n%s%s\n", s->name, c->name,
	       c->args ? c->args : "", c->summary,
	       c->run ? "" : " [not built yet]");
	if (!c->run && c->planned)
		printf("Planned: %s.\n", c->planned);
	if (nopts(c->opts)) {
		printf("\nOptions:\n");
		print_opts(stdout, c->opts);
	}
	printf("\nCommon options:\n");
	print_opts(stdout, dh_global_opts);
	printf("\nSee %s(1).\n", s->name);
}

/* --- completion helper ----------------------------------------------------
 * Lines the completion scripts read:
 *   cmd NAME            a subcommand
 *   opt --NAME KIND X   an option; KIND none|value|file|choice; X extensions
 *                       or choices ("a|b"), "-" when none
 *   arg KINDS           positional kinds of the command */
static void completion_opts(const dh_opt *t)
{
	for (int i = 0; t && t[i].name; i++) {
		const dh_opt *o = &t[i];
		if (o->flags & DH_OPT_HIDDEN)
			continue;
		const char *kind = o->kind == DH_ARG_NONE ||
						   (o->flags & DH_OPT_OPTVAL)
					   ? "none"
				   : o->kind == DH_ARG_FILE   ? "file"
				   : o->kind == DH_ARG_CHOICE ? "choice"
							      : "value";
		printf("opt --%s %s %s\n", o->name, kind,
		       o->choices ? o->choices : "-");
		if (o->short_name)
			printf("opt -%c %s %s\n", o->short_name, kind,
			       o->choices ? o->choices : "-");
	}
}

static void completion_helper(const dh_toolspec *s, const dh_cmd *c)
{
	if (s->subcommands && !c) {
		for (const dh_cmd *k = s->cmds; k->summary; k++)
			printf("cmd %s\n", k->name);
	} else {
		if (!c)
			c = s->cmds;
		completion_opts(c->opts);
		printf("arg %s\n", c->arg_kinds ? c->arg_kinds : "file");
	}
	completion_opts(dh_global_opts);
}

/* --- parsing --------------------------------------------------------------- */

static const dh_opt *lookup(const dh_opt *t, const char *name, size_t len,
			    char short_name, int *index)
{
	for (int i = 0; t && t[i].name; i++) {
		if (short_name ? t[i].short_name == short_name
			       : strlen(t[i].name) == len &&
					 strncmp(t[i].name, name, len) == 0) {
			*index = i;
			return &t[i];
		}
	}
	return NULL;
}

static const char *suggest(const dh_opt *a, const dh_opt *b, const char *name,
			   size_t len)
{
	char want[64];
	if (len >= sizeof want)
		return NULL;
	memcpy(want, name, len);
	want[len] = '\0';
	const char *best = NULL;
	int bestd = 3;
	for (int k = 0; k < 2; k++) {
		const dh_opt *t = k ? b : a;
		for (int i = 0; t && t[i].name; i++) {
			if (t[i].flags & DH_OPT_HIDDEN)
				continue;
			int d = dh_edit_distance(want, t[i].name);
			if (d < bestd) {
				bestd = d;
				best = t[i].name;
			}
		}
	}
	return best;
}

int dh_ctx_usage(dh_ctx *c, const char *fmt, ...)
{
	char msg[DH_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->cmd && c->cmd->name)
		fprintf(stderr, "%s: %s (try '%s %s --help')\n", c->tool->name,
			msg, c->tool->name, c->cmd->name);
	else
		fprintf(stderr, "%s: %s (try '%s --help')\n", c->tool->name, msg,
			c->tool->name);
	return DH_EXIT_USAGE;
}

int dh_ctx_fail(dh_ctx *c)
{
	fprintf(stderr, "%s: %s\n", c->tool->name,
		c->err.msg[0] ? c->err.msg : dh_status_name(c->err.status));
	return DH_EXIT_FAIL;
}

/* Parse one option at argv[*i]; returns 0, or an exit status. */
static int parse_option(dh_ctx *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const dh_opt *copts = c->cmd ? c->cmd->opts : NULL;
	if (a[1] == '-') {
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int idx;
		dh_optval *v;
		const dh_opt *o = lookup(copts, name, len, 0, &idx);
		if (o) {
			v = &c->vals[idx];
		} else if ((o = lookup(dh_global_opts, name, len, 0, &idx))) {
			v = &c->gvals[idx];
		} else {
			const char *s = suggest(copts, dh_global_opts, name, len);
			if (s)
				return dh_ctx_usage(c,
						    "unknown option '--%.*s'; "
						    "did you mean '--%s'?",
						    (int)len, name, s);
			return dh_ctx_usage(c, "unknown option '--%.*s'",
					    (int)len, name);
		}
		if (o->kind == DH_ARG_NONE) {
			if (eq)
				return dh_ctx_usage(c,
						    "option '--%s' takes no "
						    "value",
						    o->name);
			if (v->set && !(o->flags & DH_OPT_COUNT))
				return dh_ctx_usage(c,
						    "option '--%s' given twice",
						    o->name);
			v->set++;
			return 0;
		}
		const char *val = eq ? eq + 1 : NULL;
		if (!val && (o->flags & DH_OPT_OPTVAL)) {
			if (v->set)
				return dh_ctx_usage(c,
						    "option '--%s' given twice",
						    o->name);
			v->set = 1;
			return 0;
		}
		if (!val) {
			if (*i + 1 >= argc)
				return dh_ctx_usage(c,
						    "option '--%s' needs a "
						    "value (%s)",
						    o->name,
						    o->metavar ? o->metavar
							       : "VALUE");
			val = argv[++*i];
		}
		if (v->set)
			return dh_ctx_usage(c, "option '--%s' given twice",
					    o->name);
		if (dh_opt_parse_value(o, val, v, &c->err))
			return dh_ctx_usage(c, "%s", c->err.msg);
		v->set = 1;
		return 0;
	}
	/* bundled short options: -qv, -j2, -j 2 */
	for (const char *p = a + 1; *p; p++) {
		int idx;
		dh_optval *v;
		const dh_opt *o = lookup(copts, NULL, 0, *p, &idx);
		if (o)
			v = &c->vals[idx];
		else if ((o = lookup(dh_global_opts, NULL, 0, *p, &idx)))
			v = &c->gvals[idx];
		else
			return dh_ctx_usage(c, "unknown option '-%c'", *p);
		if (o->kind == DH_ARG_NONE) {
			if (v->set && !(o->flags & DH_OPT_COUNT))
				return dh_ctx_usage(c,
						    "option '-%c' given twice",
						    *p);
			v->set++;
			continue;
		}
		const char *val = p[1] ? p + 1 : NULL;
		if (!val) {
			if (*i + 1 >= argc)
				return dh_ctx_usage(c,
						    "option '-%c' needs a value "
						    "(%s)",
						    *p,
						    o->metavar ? o->metavar
							       : "VALUE");
			val = argv[++*i];
		}
		if (v->set)
			return dh_ctx_usage(c, "option '-%c' given twice", *p);
		if (dh_opt_parse_value(o, val, v, &c->err))
			return dh_ctx_usage(c, "%s", c->err.msg);
		v->set = 1;
		break;
	}
	return 0;
}

static int gset(const dh_ctx *c, const char *name)
{
	int idx;
	return lookup(dh_global_opts, name, strlen(name), 0, &idx)
		       ? c->gvals[idx].set
		       : 0;
}

static const char *planned_text(const dh_cmd *c)
{
	return c->planned ? c->planned : "a later version";
}

/* libgomp's idle threads spin after every parallel region (OpenBLAS's
 * included) for a long while unless told otherwise, and it reads its
 * variables once, before main: measured, a 2-thread LeNet training run took
 * 5.1 s spinning against 2.0 s with OMP_WAIT_POLICY=passive.  But passive
 * threads sleep at every barrier and between regions, and waking them cost
 * up to 10% of a 2-thread ResNet-18 step (a virtual machine wakes an idle
 * CPU slowly).  So a tool started without a policy sets a short spin,
 * GOMP_SPINCOUNT=10000 (about 0.1 ms; KMP_BLOCKTIME=1 ms for LLVM's
 * runtime), and runs itself again, once (DH_OMP_REEXEC guards the loop); a
 * user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone. */
static void short_spin_openmp(char **argv)
{
#ifdef _OPENMP
	if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") ||
	    getenv("DH_OMP_REEXEC"))
		return;
	if (setenv("GOMP_SPINCOUNT", "10000", 1) ||
	    (!getenv("KMP_BLOCKTIME") && setenv("KMP_BLOCKTIME", "1", 1)) ||
	    setenv("DH_OMP_REEXEC", "1", 1))
		return;
	execv("/proc/self/exe", argv);
	/* no /proc: carry on with the runtime's default */
	unsetenv("GOMP_SPINCOUNT");
#else
	(void)argv;
#endif
}

int dh_tool_main(const dh_toolspec *spec, int argc, char **argv)
{
	short_spin_openmp(argv);
	dh_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		fprintf(stderr, "%s: out of memory\n", spec->name);
		return DH_EXIT_FAIL;
	}
	c->tool = spec;
	c->args = c->argv_storage;
	dh_log_init(&c->log, spec->name);
	if (!spec->subcommands)
		c->cmd = spec->cmds;
	int rc = 0, dashdash = 0;
	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && a[0] == '-' && a[1]) {
			rc = parse_option(c, argc, argv, &i);
		} else if (spec->subcommands && !c->cmd) {
			c->cmd = find_cmd(spec, a);
			if (!c->cmd) {
				/* nearest command name, for a typo */
				const char *best = NULL;
				int bestd = 3;
				for (const dh_cmd *k = spec->cmds; k->summary; k++) {
					int d = dh_edit_distance(a, k->name);
					if (d < bestd) {
						bestd = d;
						best = k->name;
					}
				}
				rc = best ? dh_ctx_usage(c,
							 "unknown command '%s'; "
							 "did you mean '%s'?",
							 a, best)
					  : dh_ctx_usage(c,
							 "unknown command '%s'",
							 a);
			}
		} else if (c->nargs >= DH_MAX_ARGS) {
			rc = dh_ctx_usage(c, "too many arguments (at most %d)",
					  DH_MAX_ARGS);
		} else {
			c->args[c->nargs++] = argv[i];
		}
	}
	if (rc)
		goto out;
	if (gset(c, "completion-helper")) {
		completion_helper(spec, spec->subcommands ? c->cmd : spec->cmds);
		goto out;
	}
	if (gset(c, "help")) {
		if (c->cmd && c->cmd->name)
			help_cmd(spec, c->cmd);
		else
			help_tool(spec);
		goto out;
	}
	if (gset(c, "version")) {
		char line[512];
		dh_version_line(spec->name, line, sizeof line);
		puts(line);
		goto out;
	}
	if (gset(c, "build-info")) {
		dh_build_info(stdout);
		goto out;
	}
	if (!c->cmd) {
		rc = dh_ctx_usage(c, "no command given");
		goto out;
	}
	if (c->nargs < c->cmd->min_args) {
		rc = dh_ctx_usage(c, "missing argument: %s",
				  c->cmd->args ? c->cmd->args : "");
		goto out;
	}
	if (c->cmd->max_args >= 0 && c->nargs > c->cmd->max_args) {
		rc = dh_ctx_usage(c, "unexpected argument '%s'",
				  c->args[c->cmd->max_args]);
		goto out;
	}
	c->log.level = DH_LOG_INFO - gset(c, "quiet") + gset(c, "verbose");
	if (c->log.level < DH_LOG_ERROR)
		c->log.level = DH_LOG_ERROR;
	int idx;
	lookup(dh_global_opts, "threads", 7, 0, &idx);
	if (dh_threads_resolve(c->gvals[idx].set ? (int)c->gvals[idx].i : 0,
			       &c->threads, &c->err)) {
		rc = dh_ctx_usage(c, "%s", c->err.msg);
		goto out;
	}
	dh_threads_apply(c->threads);
	/* input files are checked even for unbuilt commands, so that bad
	 * input gets the same answer it will always get */
	if (dh_check_inputs(c->cmd->arg_kinds, c->nargs, c->args, &c->err)) {
		rc = dh_ctx_fail(c);
		goto out;
	}
	if (!c->cmd->run) {
		if (c->cmd->name)
			fprintf(stderr,
				"%s: '%s %s' is not built yet in dh %s "
				"(planned: %s)\n",
				spec->name, spec->name, c->cmd->name,
				PACKAGE_VERSION, planned_text(c->cmd));
		else
			fprintf(stderr,
				"%s: not built yet in dh %s (planned: %s)\n",
				spec->name, PACKAGE_VERSION,
				planned_text(c->cmd));
		rc = DH_EXIT_USAGE;
		goto out;
	}
	rc = c->cmd->run(c);
out:
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "%s: cannot write to stdout\n", spec->name);
		rc = DH_EXIT_FAIL;
	}
	free(c);
	return rc;
}

const dh_optval *dh_ctx_opt(const dh_ctx *c, const char *name)
{
	int idx;
	size_t len = strlen(name);
	if (c->cmd && lookup(c->cmd->opts, name, len, 0, &idx))
		return &c->vals[idx];
	if (lookup(dh_global_opts, name, len, 0, &idx))
		return &c->gvals[idx];
	return NULL;
}

int dh_ctx_has(const dh_ctx *c, const char *name)
{
	const dh_optval *v = dh_ctx_opt(c, name);
	return v && v->set;
}

long long dh_ctx_int(const dh_ctx *c, const char *name, long long dflt)
{
	const dh_optval *v = dh_ctx_opt(c, name);
	return v && v->set ? v->i : dflt;
}

double dh_ctx_float(const dh_ctx *c, const char *name, double dflt)
{
	const dh_optval *v = dh_ctx_opt(c, name);
	return v && v->set ? v->f : dflt;
}

const char *dh_ctx_str(const dh_ctx *c, const char *name, const char *dflt)
{
	const dh_optval *v = dh_ctx_opt(c, name);
	return v && v->set ? v->s : dflt;
}
