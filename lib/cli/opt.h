/* opt.h - command-line options as data.
 *
 * Each tool declares its options once, in tables of dh_opt.  Parsing,
 * --help, the man-page consistency test and shell completion
 * (--completion-helper) all read the same tables, so they cannot disagree.
 * Numbers are parsed strictly (the whole argument, range-checked). */
#ifndef DH_CLI_OPT_H
#define DH_CLI_OPT_H

#include "core/error.h"

typedef enum dh_arg_kind {
	DH_ARG_NONE,   /* a flag */
	DH_ARG_INT,
	DH_ARG_FLOAT,
	DH_ARG_STRING,
	DH_ARG_FILE,   /* a path; `ext` lists completion extensions */
	DH_ARG_CHOICE, /* one of `choices`, "a|b|c" */
} dh_arg_kind;

enum {
	DH_OPT_COUNT = 1 << 0,  /* a flag that may repeat (-vv) */
	DH_OPT_HIDDEN = 1 << 1, /* not in --help or completion */
	DH_OPT_OPTVAL = 1 << 2, /* the value may be left out: given only as
				 * --name=VALUE (no short name) */
};

typedef struct dh_opt {
	const char *name;    /* long name, without "--"; NULL ends a table */
	char short_name;     /* 0 if none */
	dh_arg_kind kind;
	const char *metavar; /* "N", "FILE", ... */
	const char *help;
	double min, max;     /* numeric range, checked when min < max */
	const char *choices; /* DH_ARG_CHOICE: "a|b|c"; DH_ARG_FILE: "onnx|yml" */
	unsigned flags;
} dh_opt;

typedef struct dh_optval {
	int set;       /* times given */
	long long i;
	double f;
	const char *s; /* points into argv */
} dh_optval;

/* Parse one option value for o from text; on failure records a usage message
 * naming the option. */
dh_status dh_opt_parse_value(const dh_opt *o, const char *text, dh_optval *v,
			     dh_err *e);

/* Strict number parsing: the whole string, no overflow. */
int dh_parse_ll(const char *s, long long *out);
int dh_parse_double(const char *s, double *out);

/* Edit distance, for "did you mean" hints. */
int dh_edit_distance(const char *a, const char *b);

#endif
