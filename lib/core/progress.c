/* progress.c - terminal progress bar (see progress.h). */
#include "core/progress.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double dh_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dh_progress_init(dh_progress *p, FILE *out, int enable, const char *label,
		      const char *unit, int64_t total)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->enabled = enable && out && isatty(fileno(out));
	p->label = label ? label : "";
	p->unit = unit ? unit : "it";
	p->total = total;
	p->t_start = dh_now();
	p->t_last = 0;
	p->width = 24;
}

void dh_progress_status(dh_progress *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->status, sizeof p->status, fmt, ap);
	va_end(ap);
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 0 || s > 359999)
		s = 359999;
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void dh_progress_format(const dh_progress *p, double now, char *buf, size_t n)
{
	double el = now - p->t_start;
	double rate = el > 0 ? (double)p->done / el : 0;
	char elapsed[16], eta[16] = "?";
	fmt_time(elapsed, sizeof elapsed, el);
	size_t at = 0;
	at += (size_t)snprintf(buf, n, "%s%s", p->label, *p->label ? " " : "");
	if (p->total > 0 && at < n) {
		double frac = (double)p->done / (double)p->total;
		if (frac > 1)
			frac = 1;
		int fill = (int)(frac * p->width);
		char bar[64];
		for (int i = 0; i < p->width && i < 63; i++)
			bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
		bar[p->width < 63 ? p->width : 63] = '\0';
		if (rate > 0)
			fmt_time(eta, sizeof eta,
				 (double)(p->total - p->done) / rate);
		at += (size_t)snprintf(buf + at, n - at,
				       "[%s] %3d%% %lld/%lld %.1f %s/s ETA %s",
				       bar, (int)(frac * 100), (long long)p->done,
				       (long long)p->total, rate, p->unit, eta);
	} else if (at < n) {
		at += (size_t)snprintf(buf + at, n - at, "%lld %.1f %s/s %s",
				       (long long)p->done, rate, p->unit, elapsed);
	}
	if (p->status[0] && at < n)
		snprintf(buf + at, n - at, "  %s", p->status);
}

static void draw(dh_progress *p, double now)
{
	char line[256];
	dh_progress_format(p, now, line, sizeof line);
	/* \033[K clears what a longer previous line left behind */
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->t_last = now;
}

void dh_progress_add(dh_progress *p, int64_t n)
{
	p->done += n;
	if (!p->enabled)
		return;
	double now = dh_now();
	if (now - p->t_last >= 0.1)
		draw(p, now);
}

void dh_progress_finish(dh_progress *p)
{
	if (!p->enabled)
		return;
	draw(p, dh_now());
	fputc('\n', p->out);
	fflush(p->out);
}
