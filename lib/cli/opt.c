/* opt.c - option value parsing (see opt.h). */
#include "cli/opt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int dh_parse_ll(const char *s, long long *out)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int dh_parse_double(const char *s, double *out)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int in_choices(const char *choices, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = choices; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, s, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

dh_status dh_opt_parse_value(const dh_opt *o, const char *text, dh_optval *v,
			     dh_err *e)
{
	switch (o->kind) {
	case DH_ARG_NONE:
		return dh_err_set(e, DH_EINVAL, "option '--%s' takes no value",
				  o->name);
	case DH_ARG_INT:
		if (dh_parse_ll(text, &v->i))
			return dh_err_set(e, DH_EINVAL,
					  "option '--%s' wants an integer, not "
					  "'%s'",
					  o->name, text);
		if (o->min < o->max &&
		    ((double)v->i < o->min || (double)v->i > o->max))
			return dh_err_set(e, DH_ERANGE,
					  "option '--%s' must be between %g and "
					  "%g, not %s",
					  o->name, o->min, o->max, text);
		v->f = (double)v->i;
		break;
	case DH_ARG_FLOAT:
		if (dh_parse_double(text, &v->f))
			return dh_err_set(e, DH_EINVAL,
					  "option '--%s' wants a number, not "
					  "'%s'",
					  o->name, text);
		if (o->min < o->max && (v->f < o->min || v->f > o->max))
			return dh_err_set(e, DH_ERANGE,
					  "option '--%s' must be between %g and "
					  "%g, not %s",
					  o->name, o->min, o->max, text);
		break;
	case DH_ARG_CHOICE:
		if (!in_choices(o->choices, text))
			return dh_err_set(e, DH_EINVAL,
					  "option '--%s' must be one of %s, not "
					  "'%s'",
					  o->name, o->choices, text);
		break;
	case DH_ARG_FILE:
	case DH_ARG_STRING:
		if (!*text)
			return dh_err_set(e, DH_EINVAL,
					  "option '--%s' wants a non-empty value",
					  o->name);
		break;
	}
	v->s = text;
	return DH_OK;
}

int dh_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 63 || m > 63)
		return 99;
	int d[64][64];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = c < del ? (c < ins ? c : ins)
					  : (del < ins ? del : ins);
		}
	return d[n][m];
}
