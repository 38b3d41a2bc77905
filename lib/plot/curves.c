/* curves.c - training curves as SVG (see curves.h). */
#include "config.h"

#include "plot/curves.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/atomicfile.h"

#define PW 420.0  /* panel width */
#define PH 300.0  /* panel height */
#define ML 62.0   /* margins of the plot area inside a panel */
#define MR 16.0
#define MT 34.0
#define MB 46.0

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c",
				      "#9467bd", "#ff7f0e", "#8c564b"};

int dh_plot_ticks(double lo, double hi, int max, double *ticks)
{
	if (!(hi > lo)) {
		ticks[0] = lo;
		return 1;
	}
	double raw = (hi - lo) / (max > 1 ? max - 1 : 1);
	double p = pow(10, floor(log10(raw)));
	double step = p;
	static const double mult[] = {1, 2, 5, 10};
	for (int i = 0; i < 4; i++)
		if (mult[i] * p >= raw) {
			step = mult[i] * p;
			break;
		}
	int n = 0;
	for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max + 2; v += step)
		ticks[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	return n;
}

/* XML text: escape the five special characters. */
static void text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f);
		}
}

static void panel(FILE *f, double ox, const dh_panel *p)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (int s = 0; s < p->nseries; s++)
		for (int i = 0; i < p->series[s].n; i++) {
			double x = p->series[s].x[i], y = p->series[s].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xlo = fmin(xlo, x);
			xhi = fmax(xhi, x);
			ylo = fmin(ylo, y);
			yhi = fmax(yhi, y);
		}
	if (!isfinite(xlo)) {
		xlo = 0;
		xhi = 1;
		ylo = 0;
		yhi = 1;
	}
	if (xhi == xlo)
		xhi = xlo + 1;
	if (yhi == ylo) {
		double d = fabs(ylo) > 0 ? fabs(ylo) * 0.1 : 1;
		ylo -= d;
		yhi += d;
	}
	double pad = (yhi - ylo) * 0.05;
	ylo -= pad;
	yhi += pad;
	double x0 = ox + ML, x1 = ox + PW - MR, y0 = PH - MB, y1 = MT;
#define SX(v) (x0 + ((v) - xlo) / (xhi - xlo) * (x1 - x0))
#define SY(v) (y0 - ((v) - ylo) / (yhi - ylo) * (y0 - y1))
	fprintf(f, "<g>\n<text x=\"%.1f\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">",
		(x0 + x1) / 2);
	text(f, p->title);
	fputs("</text>\n", f);
	/* ticks and grid */
	double t[16];
	int nt = dh_plot_ticks(ylo, yhi, 6, t);
	for (int i = 0; i < nt; i++) {
		if (t[i] < ylo || t[i] > yhi)
			continue;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x0, SY(t[i]), x1, SY(t[i]));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%g</text>\n",
			x0 - 5, SY(t[i]) + 4, t[i]);
	}
	nt = dh_plot_ticks(xlo, xhi, 8, t);
	for (int i = 0; i < nt; i++) {
		double v = t[i];
		if (v < xlo || v > xhi || (xhi - xlo >= 2 && v != floor(v)))
			continue;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n",
			SX(v), y0, SX(v), y0 + 5);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%g</text>\n",
			SX(v), y0 + 17, v);
	}
	/* axes */
	fprintf(f, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#000\"/>\n",
		x0, y1, y0, x1);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">",
		(x0 + x1) / 2, PH - 10);
	text(f, p->xlabel ? p->xlabel : "epoch");
	fputs("</text>\n", f);
	/* lines */
	for (int s = 0; s < p->nseries; s++) {
		const dh_series *sr = &p->series[s];
		const char *col = colours[s % (sizeof colours / sizeof colours[0])];
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", col,
			sr->dashed ? " stroke-dasharray=\"6 4\"" : "");
		int pen = 0;
		for (int i = 0; i < sr->n; i++) {
			if (!isfinite(sr->y[i]) || !isfinite(sr->x[i])) {
				pen = 0;
				continue;
			}
			fprintf(f, "%s%.1f %.1f", pen ? "L" : "M", SX(sr->x[i]), SY(sr->y[i]));
			pen = 1;
		}
		fputs("\"/>\n", f);
		for (int i = 0; i < sr->n; i++)
			if (isfinite(sr->y[i]) && isfinite(sr->x[i]))
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
					SX(sr->x[i]), SY(sr->y[i]), col);
		/* legend entry, top right */
		double ly = y1 + 14 + 16 * s;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			x1 - 110, ly - 4, x1 - 86, ly - 4, col,
			sr->dashed ? " stroke-dasharray=\"6 4\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x1 - 80, ly);
		text(f, sr->label);
		fputs("</text>\n", f);
	}
	fputs("</g>\n", f);
#undef SX
#undef SY
}

dh_status dh_plot_curves_svg(FILE *f, const char *title, const dh_panel *p,
			     int np, dh_err *e)
{
	double w = PW * (np > 0 ? np : 1), h = PH + (title ? 20 : 0);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		w, h, w, h);
	if (title) {
		fprintf(f, "<text x=\"%.1f\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">", w / 2);
		text(f, title);
		fputs("</text>\n<g transform=\"translate(0 20)\">\n", f);
	}
	for (int i = 0; i < np; i++)
		panel(f, PW * i, &p[i]);
	if (title)
		fputs("</g>\n", f);
	fputs("</svg>\n", f);
	if (ferror(f))
		return dh_err_errno(e, errno, "cannot write the plot");
	return DH_OK;
}

dh_status dh_plot_curves_write(const char *path, const char *title,
			       const dh_panel *p, int np, dh_err *e)
{
	size_t n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".svg"))
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "'%s': plots are drawn as SVG only (name it .svg); "
				  "PNG is not supported", path);
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	s = dh_plot_curves_svg(af.f, title, p, np, e);
	if (s) {
		dh_atomic_abort(&af);
		return dh_err_prefix(e, "%s", path);
	}
	return dh_atomic_commit(&af, e);
}
