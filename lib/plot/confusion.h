/* confusion.h - a confusion matrix drawn as a self-contained SVG file: one
 * cell per (true, predicted) pair, shaded by the share of its row (the
 * recall for the diagonal), with the count written in it, class names on
 * both axes and a title.  No fonts or scripts are embedded. */
#ifndef DH_PLOT_CONFUSION_H
#define DH_PLOT_CONFUSION_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* Write the SVG of the c x c matrix cm (cm[true * c + predicted]) to f.
 * names: c class names, or NULL for the indices; title may be NULL; unit
 * names what was counted ("samples", "pixels"; NULL: "samples"). */
dh_status dh_plot_confusion_write(FILE *f, const int64_t *cm, int64_t c,
				  const char *const *names, const char *title,
				  const char *unit, dh_err *e);

/* The same into a file, through a temporary file and a rename. */
dh_status dh_plot_confusion_svg(const char *path, const int64_t *cm, int64_t c,
				const char *const *names, const char *title,
				const char *unit, dh_err *e);

#endif
