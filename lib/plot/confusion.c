/* confusion.c - a confusion matrix as SVG (see confusion.h). */
#include "config.h"

#include "plot/confusion.h"

#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"

/* Text with &, <, >, " and ' escaped for XML; control bytes dropped. */
static void xml_text(FILE *f, const char *s, size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++, n++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
	if (*s)
		fputs("\xe2\x80\xa6", f); /* an ellipsis */
}

static void label(FILE *f, const char *const *names, int64_t k)
{
	if (names && names[k])
		xml_text(f, names[k], 24);
	else
		fprintf(f, "%lld", (long long)k);
}

dh_status dh_plot_confusion_write(FILE *f, const int64_t *cm, int64_t c,
				  const char *const *names, const char *title,
				  const char *unit, dh_err *e)
{
	if (c < 1 || c > 1000)
		return dh_err_set(e, DH_EINVAL,
				  "a confusion matrix of %lld classes cannot be "
				  "drawn (1 to 1000)",
				  (long long)c);
	/* cells shrink with many classes; counts are written while they fit */
	int cell = c <= 10 ? 48 : c <= 30 ? 24 : c <= 100 ? 8 : 3;
	int show = cell >= 24;
	int lab = 0; /* longest label in characters, for the margins */
	for (int64_t k = 0; k < c; k++) {
		int l = names && names[k] ? (int)strlen(names[k]) : 4;
		if (l > 24)
			l = 25;
		if (l > lab)
			lab = l;
	}
	int font = cell >= 24 ? 12 : 9;
	int left = 40 + (c <= 100 ? lab * 7 : 0), top = 60;
	int bottom = 40 + (c <= 100 ? lab * 7 : 0), right = 20;
	int64_t side = (int64_t)cell * c;
	int64_t width = left + side + right, height = top + side + bottom;
	/* room for the title (about 8 px a character at 14 px) */
	size_t tl = title ? strlen(title) : 16;
	if (tl > 200)
		tl = 200;
	if (width < (int64_t)tl * 8 + 20)
		width = (int64_t)tl * 8 + 20;
	int64_t total = 0, right_n = 0;
	for (int64_t i = 0; i < c; i++)
		for (int64_t j = 0; j < c; j++) {
			total += cm[i * c + j];
			if (i == j)
				right_n += cm[i * c + j];
		}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%lld\" "
		   "height=\"%lld\" viewBox=\"0 0 %lld %lld\" "
		   "font-family=\"sans-serif\" font-size=\"%d\">\n",
		(long long)width, (long long)height, (long long)width,
		(long long)height, font);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%lld\" y=\"22\" text-anchor=\"middle\" "
		   "font-size=\"14\" font-weight=\"bold\">",
		(long long)(width / 2));
	xml_text(f, title ? title : "confusion matrix", 200);
	fprintf(f, "</text>\n<text x=\"%lld\" y=\"40\" text-anchor=\"middle\">"
		   "%lld %s, accuracy %.4f</text>\n",
		(long long)(width / 2), (long long)total,
		unit ? unit : "samples",
		total ? (double)right_n / (double)total : 0.0);
	/* axis titles */
	fprintf(f, "<text x=\"%lld\" y=\"%lld\" text-anchor=\"middle\">"
		   "predicted</text>\n",
		(long long)(left + side / 2), (long long)(height - 8));
	fprintf(f, "<text transform=\"translate(14 %lld) rotate(-90)\" "
		   "text-anchor=\"middle\">true</text>\n",
		(long long)(top + side / 2));
	for (int64_t i = 0; i < c; i++) {
		int64_t row = 0;
		for (int64_t j = 0; j < c; j++)
			row += cm[i * c + j];
		for (int64_t j = 0; j < c; j++) {
			int64_t v = cm[i * c + j];
			double share = row ? (double)v / (double)row : 0.0;
			/* white to a deep blue (8, 48, 107) */
			int r = (int)(255 - share * (255 - 8) + 0.5);
			int g = (int)(255 - share * (255 - 48) + 0.5);
			int b = (int)(255 - share * (255 - 107) + 0.5);
			long long x = left + j * cell, y = top + i * cell;
			fprintf(f, "<rect x=\"%lld\" y=\"%lld\" width=\"%d\" "
				   "height=\"%d\" fill=\"#%02x%02x%02x\" "
				   "stroke=\"#cccccc\" stroke-width=\"0.5\">"
				   "<title>true ",
				x, y, cell, cell, r, g, b);
			label(f, names, i);
			fputs(", predicted ", f);
			label(f, names, j);
			fprintf(f, ": %lld</title></rect>\n", (long long)v);
			if (show)
				fprintf(f, "<text x=\"%lld\" y=\"%lld\" "
					   "text-anchor=\"middle\" "
					   "dominant-baseline=\"central\" "
					   "fill=\"%s\">%lld</text>\n",
					x + cell / 2, y + cell / 2,
					share > 0.5 ? "white" : "black",
					(long long)v);
		}
	}
	if (c <= 100)
		for (int64_t k = 0; k < c; k++) {
			long long mid = (long long)(k * cell + cell / 2);
			fprintf(f, "<text x=\"%d\" y=\"%lld\" text-anchor=\"end\" "
				   "dominant-baseline=\"central\">",
				left - 4, top + mid);
			label(f, names, k);
			fprintf(f, "</text>\n<text transform=\"translate(%lld %lld) "
				   "rotate(-45)\" text-anchor=\"end\">",
				left + mid, (long long)(top + side + 12));
			label(f, names, k);
			fputs("</text>\n", f);
		}
	fputs("</svg>\n", f);
	if (ferror(f))
		return dh_err_set(e, DH_EIO, "cannot write the SVG");
	return DH_OK;
}

dh_status dh_plot_confusion_svg(const char *path, const int64_t *cm, int64_t c,
				const char *const *names, const char *title,
				const char *unit, dh_err *e)
{
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	s = dh_plot_confusion_write(af.f, cm, c, names, title, unit, e);
	if (s) {
		dh_atomic_abort(&af);
		return dh_err_prefix(e, "%s", path);
	}
	return dh_atomic_commit(&af, e);
}
