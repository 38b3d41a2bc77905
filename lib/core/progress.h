/* progress.h - a one-line progress bar with rate and ETA.
 *
 * It draws only when its stream is a terminal (and is not silenced), at most
 * ten times a second, so that logs and pipes never fill with carriage
 * returns.  The caller may attach a short status text (loss, accuracy). */
#ifndef DH_CORE_PROGRESS_H
#define DH_CORE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct dh_progress {
	FILE *out;
	int enabled;
	const char *label;
	const char *unit;       /* "img", "batch", ... */
	int64_t total;          /* <= 0: unknown, no bar or ETA */
	int64_t done;
	double t_start, t_last; /* seconds, monotonic clock */
	char status[96];
	int width;              /* columns of the bar itself */
} dh_progress;

/* enable: the caller's wish (e.g. not --quiet); the bar still stays off when
 * `out` is not a terminal. */
void dh_progress_init(dh_progress *p, FILE *out, int enable, const char *label,
		      const char *unit, int64_t total);
void dh_progress_status(dh_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Advance by n and redraw if enough time has passed. */
void dh_progress_add(dh_progress *p, int64_t n);
/* Final draw and newline (only if anything was drawn). */
void dh_progress_finish(dh_progress *p);
/* Render the bar text into buf without printing (for tests). */
void dh_progress_format(const dh_progress *p, double now, char *buf, size_t n);

/* Monotonic seconds. */
double dh_now(void);

#endif
