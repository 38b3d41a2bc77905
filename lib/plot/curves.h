/* curves.h - training curves as an SVG drawing: one panel per figure
 * (loss, a metric), each with its axes, ticks at round values, a grid, a
 * legend, and one line per series (training solid, validation dashed).
 * Self-contained: plain text out, no library. */
#ifndef DH_PLOT_CURVES_H
#define DH_PLOT_CURVES_H

#include <stdio.h>

#include "core/error.h"

typedef struct dh_series {
	const char *label;
	const double *x, *y; /* n points; a NaN y breaks the line */
	int n;
	int dashed;
} dh_series;

typedef struct dh_panel {
	const char *title;   /* "loss", "accuracy" */
	const char *xlabel;  /* "epoch" */
	const dh_series *series;
	int nseries;
} dh_panel;

/* Write an SVG document of np panels side by side. */
dh_status dh_plot_curves_svg(FILE *f, const char *title, const dh_panel *p,
			     int np, dh_err *e);
/* The same into path, through a temporary file; a path ending in .svg
 * only (anything else is DH_EUNSUPPORTED: PNG is not drawn). */
dh_status dh_plot_curves_write(const char *path, const char *title,
			       const dh_panel *p, int np, dh_err *e);
/* Round tick positions covering [lo, hi]: at most max ticks, steps of 1,
 * 2 or 5 times a power of ten; returns the count written to ticks. */
int dh_plot_ticks(double lo, double hi, int max, double *ticks);

#endif
