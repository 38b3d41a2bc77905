/* error.h - the one error convention of libdh.
 *
 * Every fallible library call returns a dh_status and, on failure, leaves a
 * human-readable message in the dh_err the caller passed.  The message is set
 * where the error is found, with its context (file, line:column, byte offset,
 * node name); callers may prefix more context as the error travels up.  Only
 * the tools decide to print and exit.  A NULL dh_err is allowed: the status is
 * still returned, the message dropped. */
#ifndef DH_CORE_ERROR_H
#define DH_CORE_ERROR_H

#include <stddef.h>

typedef enum dh_status {
	DH_OK = 0,
	DH_EIO,          /* open/read/write failed (errno text appended) */
	DH_EFORMAT,      /* a file's bytes are not what its format allows */
	DH_ENOMEM,       /* allocation failed or a size overflowed */
	DH_EINVAL,       /* a bad argument or value from the user */
	DH_EUNSUPPORTED, /* valid input that dh does not handle (yet) */
	DH_ESHAPE,       /* tensor shapes do not fit */
	DH_ERANGE,       /* a value outside its allowed range */
	DH_EEOF,         /* clean end of a stream: not a failure by itself */
	DH_ENUMERIC,     /* NaN/Inf or another numerical failure */
	DH_STATUS_COUNT
} dh_status;

#define DH_ERR_MSG_MAX 1024

typedef struct dh_err {
	dh_status status;
	char msg[DH_ERR_MSG_MAX];
} dh_err;

/* Reset to DH_OK with an empty message. */
void dh_err_clear(dh_err *e);

/* Record status s with a printf-style message; returns s so that a caller can
 * write `return dh_err_set(e, DH_EINVAL, "...")`. */
dh_status dh_err_set(dh_err *e, dh_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like dh_err_set with DH_EIO, appending ": strerror(errnum)". */
dh_status dh_err_errno(dh_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put "context: " in front of the message already recorded (e.g. a file
 * name added by the caller that opened the file).  Returns e->status. */
dh_status dh_err_prefix(dh_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Short stable name of a status ("io", "format", ...). */
const char *dh_status_name(dh_status s);

/* Checked size arithmetic: return 0 and store the result, or 1 on overflow. */
static inline int dh_size_mul(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}
static inline int dh_size_add(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}

#endif
