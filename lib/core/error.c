/* error.c - status codes and messages (see error.h). */
#include "core/error.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
	[DH_OK] = "ok",
	[DH_EIO] = "io",
	[DH_EFORMAT] = "format",
	[DH_ENOMEM] = "memory",
	[DH_EINVAL] = "invalid",
	[DH_EUNSUPPORTED] = "unsupported",
	[DH_ESHAPE] = "shape",
	[DH_ERANGE] = "range",
	[DH_EEOF] = "eof",
	[DH_ENUMERIC] = "numeric",
};
static_assert(sizeof status_names / sizeof status_names[0] == DH_STATUS_COUNT,
	      "status_names must name every dh_status");

void dh_err_clear(dh_err *e)
{
	if (!e)
		return;
	e->status = DH_OK;
	e->msg[0] = '\0';
}

dh_status dh_err_set(dh_err *e, dh_status s, const char *fmt, ...)
{
	if (!e)
		return s;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->status = s;
	return s;
}

dh_status dh_err_errno(dh_err *e, int errnum, const char *fmt, ...)
{
	dh_status s = errnum == ENOMEM ? DH_ENOMEM : DH_EIO;
	if (!e)
		return s;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s",
			 strerror(errnum));
	e->status = s;
	return s;
}

dh_status dh_err_prefix(dh_err *e, const char *fmt, ...)
{
	if (!e)
		return DH_OK;
	char head[DH_ERR_MSG_MAX], old[DH_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", head, old);
	return e->status;
}

const char *dh_status_name(dh_status s)
{
	if ((unsigned)s >= DH_STATUS_COUNT)
		return "unknown";
	return status_names[s];
}
