/* dh-image - read, convert and process images, volumes and slides. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/tool.h"
#include "core/jsonout.h"
#include "core/alloc.h"
#include "dataset/ddf.h"
#include "image/io.h"
#include "image/probe.h"
#include "image/proc/draw.h"
#include "image/proc/proc.h"
#include "image/slide.h"
#include "stream/summary.h"

/* --- small helpers -------------------------------------------------------- */

static dh_image_read_opts read_opts(const dh_ctx *c)
{
	dh_image_read_opts o = {0};
	if (dh_ctx_has(c, "max-pixels"))
		o.max_pixels = (uint64_t)dh_ctx_int(c, "max-pixels", 0);
	return o;
}

static dh_image *load(dh_ctx *c, const char *path)
{
	dh_image_read_opts o = read_opts(c);
	dh_image *img;
	if (dh_image_read(path, &o, &img, &c->err))
		return NULL;
	return img;
}

/* Write and free img; returns the exit status. */
static int save(dh_ctx *c, const char *path, dh_image *img)
{
	dh_image_write_opts o = {0};
	o.quality = (int)dh_ctx_int(c, "quality", 0);
	dh_status s = dh_image_write(path, img, &o, &c->err);
	dh_image_free(img);
	return s ? dh_ctx_fail(c) : DH_EXIT_OK;
}

/* "WxH" or "W,H"-style pairs and lists of n integers. */
static int parse_ints(const char *s, const char *seps, int n, long long *out)
{
	char buf[128];
	if (strlen(s) >= sizeof buf)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	char *p = buf;
	for (int i = 0; i < n; i++) {
		size_t k = strcspn(p, seps);
		if ((i < n - 1) != (p[k] != '\0'))
			return -1;
		p[k] = '\0';
		if (dh_parse_ll(p, &out[i]))
			return -1;
		p += k + (i < n - 1);
	}
	return 0;
}


/* --- info ----------------------------------------------------------------- */

static int run_info(dh_ctx *c)
{
	const char *path = c->args[0];
	int json = dh_ctx_has(c, "json");
	dh_image_format fmt = DH_IMG_NPY;
	if (strcmp(path, "-") && dh_image_probe_file(path, &fmt, &c->err))
		return dh_ctx_fail(c);
	if (fmt != DH_IMG_NPY) {
		dh_image_info in;
		if (dh_image_read_info(path, &in, &c->err))
			return dh_ctx_fail(c);
		if (json) {
			printf("{\"file\": ");
			dh_json_string(stdout, path);
			printf(", \"format\": \"%s\", \"width\": %d, \"height\": %d, "
			       "\"depth\": %d, \"channels\": %d, \"dtype\": \"%s\", "
			       "\"color\": \"%s\", \"bits\": %d, \"pages\": %d, "
			       "\"spacing\": [%g, %g, %g], \"detail\": ",
			       dh_image_format_name(in.format), in.width, in.height,
			       in.depth, in.channels, dh_dtype_name(in.dtype),
			       dh_colortype_name(in.color), in.bits, in.pages,
			       in.spacing[0], in.spacing[1], in.spacing[2]);
			dh_json_string(stdout, in.detail);
			if (in.dicom.present) {
				printf(", \"dicom\": {\"modality\": ");
				dh_json_string(stdout, in.dicom.modality);
				printf(", \"photometric\": ");
				dh_json_string(stdout, in.dicom.photometric);
				printf(", \"transfer_syntax\": ");
				dh_json_string(stdout, in.dicom.transfer_syntax);
				printf(", \"sop_class\": ");
				dh_json_string(stdout, in.dicom.sop_class);
				printf(", \"rescale_slope\": %g, \"rescale_intercept\": %g",
				       in.dicom.slope, in.dicom.intercept);
				if (in.dicom.window_width > 0)
					printf(", \"window_center\": %g, \"window_width\": %g",
					       in.dicom.window_centre, in.dicom.window_width);
				printf("}");
			}
			printf("}\n");
		} else {
			printf("%s: %s image, %dx%d", path,
			       dh_image_format_name(in.format), in.width, in.height);
			if (in.depth > 1)
				printf("x%d", in.depth);
			printf(", %s, %d channel%s (%s)", dh_dtype_name(in.dtype),
			       in.channels, in.channels == 1 ? "" : "s",
			       dh_colortype_name(in.color));
			if (in.pages > 1)
				printf(", %d pages", in.pages);
			if (in.detail[0])
				printf(", %s", in.detail);
			printf("\n");
			if (in.dicom.present) {
				printf("  transfer syntax %s, rescale %g x + %g",
				       in.dicom.transfer_syntax, in.dicom.slope,
				       in.dicom.intercept);
				if (in.dicom.window_width > 0)
					printf(", window %g/%g", in.dicom.window_centre,
					       in.dicom.window_width);
				printf(", spacing %g x %g x %g\n", in.spacing[0],
				       in.spacing[1], in.spacing[2]);
			}
		}
		return DH_EXIT_OK;
	}
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		dh_err_errno(&c->err, errno, "cannot open '%s'", path);
		return dh_ctx_fail(c);
	}
	dh_stream_summary s;
	const char *name = f == stdin ? "stdin" : path;
	dh_status st = dh_stream_summarize(f, name, &s, &c->err);
	if (f != stdin)
		fclose(f);
	if (st)
		return dh_ctx_fail(c);
	dh_stream_summary_print(stdout, name, &s, json);
	return DH_EXIT_OK;
}

/* --- convert -------------------------------------------------------------- */

static int run_convert(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	const char *sl = dh_ctx_str(c, "slice", NULL);
	if (sl) {
		long long n;
		if (!strchr("xyz", sl[0]) || !sl[0] || sl[1] != ':' ||
		    dh_parse_ll(sl + 2, &n) || n < 0 || n > DH_IMAGE_MAX_DIM) {
			dh_image_free(img);
			return dh_ctx_usage(c, "--slice wants AXIS:N (x, y or z), "
					    "not '%s'", sl);
		}
		dh_image *s = dh_slice(img, sl[0], (int)n, &c->err);
		dh_image_free(img);
		if (!s)
			return dh_ctx_fail(c);
		img = s;
	}
	const char *win = dh_ctx_str(c, "window", NULL);
	if (win) {
		char *end;
		double wc = strtod(win, &end), ww = 0;
		if (!strcmp(win, "file")) {
			/* the first window the DICOM file gives */
			dh_image_info in;
			if (dh_image_read_info(c->args[0], &in, &c->err)) {
				dh_image_free(img);
				return dh_ctx_fail(c);
			}
			if (!in.dicom.present || !(in.dicom.window_width > 0)) {
				dh_image_free(img);
				dh_err_set(&c->err, DH_EINVAL, "%s: --window file: "
					   "the file gives no window centre and "
					   "width", c->args[0]);
				return dh_ctx_fail(c);
			}
			wc = in.dicom.window_centre;
			ww = in.dicom.window_width;
		} else if (end == win || *end != ',' ||
			   (ww = strtod(end + 1, &end), *end != '\0')) {
			dh_image_free(img);
			return dh_ctx_usage(c, "--window wants C,W or 'file', not "
					    "'%s'", win);
		}
		dh_image *w = dh_window(img, wc, ww, &c->err);
		dh_image_free(img);
		if (!w)
			return dh_ctx_fail(c);
		img = w;
	}
	return save(c, c->args[1], img);
}

/* --- geometry ------------------------------------------------------------- */

static int get_interp(dh_ctx *c, dh_interp dflt, dh_interp *m)
{
	const char *s = dh_ctx_str(c, "interp", NULL);
	*m = dflt;
	if (s && dh_interp_parse(s, m))
		return dh_ctx_usage(c, "unknown interpolation '%s'", s);
	return 0;
}

static int get_border(dh_ctx *c, dh_border dflt, dh_border *b)
{
	const char *s = dh_ctx_str(c, "border", NULL);
	*b = dflt;
	if (s && dh_border_parse(s, b))
		return dh_ctx_usage(c, "unknown border mode '%s'", s);
	return 0;
}

static int run_resize(dh_ctx *c)
{
	long long wh[2];
	if (parse_ints(c->args[0], "x", 2, wh) || wh[0] < 1 || wh[1] < 1 ||
	    wh[0] > DH_IMAGE_MAX_DIM || wh[1] > DH_IMAGE_MAX_DIM)
		return dh_ctx_usage(c, "size must be WxH, not '%s'", c->args[0]);
	dh_interp m;
	int rc = get_interp(c, DH_INTERP_LINEAR, &m);
	if (rc)
		return rc;
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_resize(img, (int)wh[0], (int)wh[1], m, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_flip(dh_ctx *c)
{
	const char *axis = dh_ctx_str(c, "axis", "h");
	int h = !strcmp(axis, "h") || !strcmp(axis, "both");
	int v = !strcmp(axis, "v") || !strcmp(axis, "both");
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_flip(img, h, v, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_transpose(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_transpose(img, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_crop(dh_ctx *c)
{
	long long r[4];
	if (parse_ints(c->args[0], ",", 4, r))
		return dh_ctx_usage(c, "region must be X,Y,W,H, not '%s'",
				    c->args[0]);
	for (int i = 0; i < 4; i++)
		if (r[i] < 0 || r[i] > DH_IMAGE_MAX_DIM)
			return dh_ctx_usage(c, "region value %lld out of range",
					    r[i]);
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_crop(img, (int)r[0], (int)r[1], (int)r[2],
				(int)r[3], &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_pad(dh_ctx *c)
{
	long long r[4];
	if (parse_ints(c->args[0], ",", 4, r))
		return dh_ctx_usage(c, "borders must be TOP,BOTTOM,LEFT,RIGHT, "
				    "not '%s'", c->args[0]);
	for (int i = 0; i < 4; i++)
		if (r[i] < 0 || r[i] > DH_IMAGE_MAX_DIM)
			return dh_ctx_usage(c, "border %lld out of range", r[i]);
	dh_border b;
	int rc = get_border(c, DH_BORDER_CONSTANT, &b);
	if (rc)
		return rc;
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_pad(img, (int)r[0], (int)r[1], (int)r[2], (int)r[3],
			       b, dh_ctx_float(c, "value", 0), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_rotate(dh_ctx *c)
{
	double angle;
	if (dh_parse_double(c->args[0], &angle))
		return dh_ctx_usage(c, "angle must be a number of degrees, not "
				    "'%s'", c->args[0]);
	dh_interp m;
	dh_border b;
	int rc = get_interp(c, DH_INTERP_LINEAR, &m);
	if (!rc)
		rc = get_border(c, DH_BORDER_CONSTANT, &b);
	if (rc)
		return rc;
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	double m6[6];
	double cx = (img->width - 1) / 2.0, cy = (img->height - 1) / 2.0;
	const char *ctr = dh_ctx_str(c, "center", NULL);
	if (ctr) {
		char *end;
		cx = strtod(ctr, &end);
		if (end == ctr || *end != ',' ||
		    (cy = strtod(end + 1, &end), *end != '\0')) {
			dh_image_free(img);
			return dh_ctx_usage(c, "--center wants X,Y, not '%s'", ctr);
		}
	}
	dh_rotation_matrix(cx, cy, angle, dh_ctx_float(c, "scale", 1.0), m6);
	dh_image *out = dh_warp_affine(img, m6, img->width, img->height, m, b,
				       dh_ctx_float(c, "value", 0), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

/* --- colour --------------------------------------------------------------- */

static int color_to(dh_ctx *c, dh_colortype to, const char *in,
		    const char *outp)
{
	dh_image *img = load(c, in);
	if (!img)
		return dh_ctx_fail(c);
	const char *from = dh_ctx_str(c, "from", NULL);
	if (from) {
		dh_colortype f;
		if (dh_colortype_parse(from, &f) || f == DH_COLOR_NONE ||
		    dh_colortype_channels(f) != img->channels) {
			dh_image_free(img);
			return dh_ctx_usage(c, "--from %s does not fit a %d-channel "
					    "image", from, img->channels);
		}
		img->color = f;
	}
	dh_image *rgb = img;
	if (img->color == DH_COLOR_RGBA && to != DH_COLOR_RGBA &&
	    to != DH_COLOR_GRAY)
		rgb = dh_convert_color(img, DH_COLOR_RGB, &c->err);
	dh_image *out = rgb ? dh_convert_color(rgb, to, &c->err) : NULL;
	if (rgb != img)
		dh_image_free(rgb);
	dh_image_free(img);
	return out ? save(c, outp, out) : dh_ctx_fail(c);
}

static int run_gray(dh_ctx *c)
{
	return color_to(c, DH_COLOR_GRAY, c->args[0], c->args[1]);
}

static int run_color(dh_ctx *c)
{
	dh_colortype to;
	if (dh_colortype_parse(c->args[0], &to) || to == DH_COLOR_NONE)
		return dh_ctx_usage(c, "unknown colour type '%s' (gray, rgb, "
				    "bgr, rgba, hsv, ycbcr)", c->args[0]);
	return color_to(c, to, c->args[1], c->args[2]);
}

/* --- filters -------------------------------------------------------------- */

static int run_blur(dh_ctx *c)
{
	const char *kind = dh_ctx_str(c, "kind", "gaussian");
	int k = (int)dh_ctx_int(c, "ksize", 0);
	double sigma = dh_ctx_float(c, "sigma", 0);
	if (!strcmp(kind, "gaussian") && k == 0 && sigma <= 0)
		k = 3;
	if (strcmp(kind, "gaussian") && k == 0)
		k = 3;
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out;
	if (!strcmp(kind, "gaussian"))
		out = dh_gaussian_blur(img, k, sigma, &c->err);
	else if (!strcmp(kind, "box"))
		out = dh_box_blur(img, k, &c->err);
	else
		out = dh_median_blur(img, k, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_equalize(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_equalize_hist(img, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_thin(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_thin(img, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_adjust(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_scale_shift(img, dh_ctx_float(c, "contrast", 1),
				       dh_ctx_float(c, "brightness", 0), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_normalize(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_normalize(img, dh_ctx_float(c, "min", 0),
				     dh_ctx_float(c, "max", 255), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[1], out) : dh_ctx_fail(c);
}

static int run_gamma(dh_ctx *c)
{
	double g;
	if (dh_parse_double(c->args[0], &g) || !(g > 0) || g > 100)
		return dh_ctx_usage(c, "gamma must be a number in (0, 100], not "
				    "'%s'", c->args[0]);
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_gamma(img, g, &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_multiotsu(dh_ctx *c)
{
	int k = (int)dh_ctx_int(c, "classes", 3), t[3];
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	if (dh_multi_otsu(img, k, t, &c->err)) {
		dh_image_free(img);
		return dh_ctx_fail(c);
	}
	printf("thresholds");
	for (int i = 0; i < k - 1; i++)
		printf(" %d", t[i]);
	printf("\n");
	/* the class of each pixel: 0 .. k-1 */
	for (size_t i = 0; i < img->nbytes; i++) {
		int cl = 0;
		while (cl < k - 1 && img->data[i] >= t[cl])
			cl++;
		img->data[i] = (unsigned char)cl;
	}
	return save(c, c->args[1], img);
}

static int run_otsu(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	int t;
	dh_image *out;
	dh_status s = dh_otsu(img, &t, &out, &c->err);
	dh_image_free(img);
	if (s)
		return dh_ctx_fail(c);
	if (!dh_ctx_has(c, "quiet"))
		printf("threshold %d\n", t);
	return save(c, c->args[1], out);
}

static int run_components(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	int n;
	dh_component *st = NULL;
	int stats = dh_ctx_has(c, "stats");
	dh_image *lab = dh_components(img, (int)dh_ctx_int(c, "connectivity", 8),
				      &n, stats ? &st : NULL, &c->err);
	dh_image_free(img);
	if (!lab)
		return dh_ctx_fail(c);
	/* formats without 32-bit integers get 16-bit labels when they fit */
	const dh_image_codec *cd = dh_image_codec_for_path(c->args[1]);
	if (cd && cd->format != DH_IMG_TIFF && cd->format != DH_IMG_NPY) {
		if (n > 65535) {
			dh_image_free(lab);
			free(st);
			dh_err_set(&c->err, DH_ERANGE, "%s: %d labels do not fit "
				   "16 bits (write .tif or .npy)", c->args[1], n);
			return dh_ctx_fail(c);
		}
		dh_image *l16 = dh_image_convert(lab, n > 255 ? DH_U16 : DH_U8,
						 1, 0, &c->err);
		dh_image_free(lab);
		if (!l16) {
			free(st);
			return dh_ctx_fail(c);
		}
		l16->color = DH_COLOR_GRAY;
		lab = l16;
	}
	printf("%d\n", n);
	if (stats)
		for (int i = 1; i <= n; i++)
			printf("%d area %lld bbox %d,%d,%d,%d centroid %.6f,%.6f\n",
			       i, (long long)st[i].area, st[i].left, st[i].top,
			       st[i].width, st[i].height, st[i].cx, st[i].cy);
	free(st);
	return save(c, c->args[1], lab);
}

static int run_contours(dh_ctx *c)
{
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	int n;
	dh_contour *cs;
	dh_status st = dh_find_contours(img, dh_ctx_has(c, "simple"), &cs, &n,
					&c->err);
	dh_image *out = st ? NULL
			   : dh_image_new_like(img, DH_U8, 1, DH_COLOR_GRAY,
					       &c->err);
	dh_image_free(img);
	if (!out) {
		if (!st)
			dh_contours_free(cs, n);
		return dh_ctx_fail(c);
	}
	/* the contours drawn as closed lines: the picture of
	 * cv2.drawContours(..., -1, 255, 1) */
	const unsigned char white[3] = {255, 255, 255};
	for (int i = 0; i < n; i++)
		dh_draw_polyline(out, cs[i].pts, cs[i].n, 1, white);
	if (dh_ctx_has(c, "json")) {
		printf("{\"count\": %d, \"contours\": [", n);
		for (int i = 0; i < n; i++) {
			printf("%s[", i ? ", " : "");
			for (int k = 0; k < cs[i].n; k++)
				printf("%s[%d, %d]", k ? ", " : "", cs[i].pts[k].x,
				       cs[i].pts[k].y);
			printf("]");
		}
		printf("]}\n");
	} else {
		printf("%d\n", n);
	}
	dh_contours_free(cs, n);
	return save(c, c->args[1], out);
}

static int run_morph(dh_ctx *c)
{
	dh_morph_op op;
	dh_morph_shape shape;
	if (dh_morph_op_parse(c->args[0], &op))
		return dh_ctx_usage(c, "unknown operation '%s' (erode, dilate, "
				    "open, close)", c->args[0]);
	const char *sh = dh_ctx_str(c, "shape", "rect");
	if (dh_morph_shape_parse(sh, &shape))
		return dh_ctx_usage(c, "unknown element '%s'", sh);
	long long wh[2] = {3, 3};
	const char *sz = dh_ctx_str(c, "size", NULL);
	if (sz && (parse_ints(sz, "x", 2, wh) || wh[0] < 1 || wh[1] < 1 ||
		   wh[0] > 1024 || wh[1] > 1024))
		return dh_ctx_usage(c, "--size wants WxH (1..1024), not '%s'", sz);
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *out = dh_morph(img, op, shape, (int)wh[0], (int)wh[1],
				 (int)dh_ctx_int(c, "iterations", 1), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_noise(dh_ctx *c)
{
	dh_noise_kind k;
	if (dh_noise_parse(c->args[0], &k))
		return dh_ctx_usage(c, "unknown noise '%s' (gaussian, laplace, "
				    "poisson, salt-pepper)", c->args[0]);
	dh_image *img = load(c, c->args[1]);
	if (!img)
		return dh_ctx_fail(c);
	double dflt = k == DH_NOISE_SALT_PEPPER ? 0.05 : k == DH_NOISE_POISSON ? 1 : 10;
	dh_image *out = dh_noise(img, k, dh_ctx_float(c, "amount", dflt),
				 (uint64_t)dh_ctx_int(c, "seed", 0), &c->err);
	dh_image_free(img);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

/* --- pictures -------------------------------------------------------------- */

static int run_overlay(dh_ctx *c)
{
	long long rgb[3] = {255, 0, 0};
	const char *col = dh_ctx_str(c, "color", NULL);
	if (col && (parse_ints(col, ",", 3, rgb) || rgb[0] < 0 || rgb[0] > 255 ||
		    rgb[1] < 0 || rgb[1] > 255 || rgb[2] < 0 || rgb[2] > 255))
		return dh_ctx_usage(c, "--color wants R,G,B (0..255), not '%s'",
				    col);
	dh_overlay_opts o;
	memset(&o, 0, sizeof o);
	for (int k = 0; k < 3; k++)
		o.rgb[k] = (unsigned char)rgb[k];
	o.alpha = dh_ctx_float(c, "alpha", 0.4);
	o.by_label = dh_ctx_has(c, "labels");
	/* --draw: a comma-separated list of layers */
	const char *draw = dh_ctx_str(c, "draw", "fill,outline");
	for (const char *p = draw; *p;) {
		size_t k = strcspn(p, ",");
		if (k == 4 && !strncmp(p, "fill", 4))
			o.fill = 1;
		else if (k == 7 && !strncmp(p, "outline", 7))
			o.outline = 1;
		else if (k == 8 && !strncmp(p, "contours", 8))
			o.contours = 1;
		else if (k == 5 && !strncmp(p, "boxes", 5))
			o.boxes = 1;
		else
			return dh_ctx_usage(c, "--draw wants a list of fill, "
					    "outline, contours and boxes, not "
					    "'%s'", draw);
		p += k + (p[k] == ',');
	}
	dh_image *img = load(c, c->args[0]);
	if (!img)
		return dh_ctx_fail(c);
	dh_image *mask = load(c, c->args[1]);
	if (!mask) {
		dh_image_free(img);
		return dh_ctx_fail(c);
	}
	dh_image *out = dh_overlay_draw(img, mask, &o, &c->err);
	dh_image_free(img);
	dh_image_free(mask);
	return out ? save(c, c->args[2], out) : dh_ctx_fail(c);
}

static int run_montage(dh_ctx *c)
{
	int n = c->nargs - 1;
	dh_image **imgs = calloc((size_t)n, sizeof *imgs);
	if (!imgs) {
		dh_err_set(&c->err, DH_ENOMEM, "out of memory");
		return dh_ctx_fail(c);
	}
	int rc = DH_EXIT_OK;
	for (int i = 0; i < n && !rc; i++)
		if (!(imgs[i] = load(c, c->args[i])))
			rc = dh_ctx_fail(c);
	dh_image *out = NULL;
	if (!rc) {
		int cols = (int)dh_ctx_int(c, "cols", 0);
		if (!cols)
			while (cols * cols < n)
				cols++;
		out = dh_montage((const dh_image *const *)imgs, n, cols, &c->err);
		if (!out)
			rc = dh_ctx_fail(c);
	}
	for (int i = 0; i < n; i++)
		dh_image_free(imgs[i]);
	free(imgs);
	return rc ? rc : save(c, c->args[n], out);
}

/* --- slides --------------------------------------------------------------- */

static int slide_info(dh_ctx *c, dh_slide *s, const char *path)
{
	int json = dh_ctx_has(c, "json");
	int n = dh_slide_levels(s);
	if (json) {
		printf("{\"file\": ");
		dh_json_string(stdout, path);
		printf(", \"vendor\": ");
		const char *v = dh_slide_property(s, "openslide.vendor");
		dh_json_string(stdout, v ? v : "");
		printf(", \"levels\": [");
	} else {
		const char *v = dh_slide_property(s, "openslide.vendor");
		printf("%s: slide (%s), %d level%s\n", path, v ? v : "?", n,
		       n == 1 ? "" : "s");
	}
	for (int l = 0; l < n; l++) {
		int64_t w, h;
		dh_slide_level_size(s, l, &w, &h);
		double ds = dh_slide_level_downsample(s, l);
		if (json)
			printf("%s{\"level\": %d, \"width\": %lld, \"height\": "
			       "%lld, \"downsample\": %g}", l ? ", " : "", l,
			       (long long)w, (long long)h, ds);
		else
			printf("  level %d: %lldx%lld, downsample %g\n", l,
			       (long long)w, (long long)h, ds);
	}
	if (json)
		printf("], \"properties\": {");
	else
		printf("properties:\n");
	const char *const *names = dh_slide_property_names(s);
	for (int i = 0; names && names[i]; i++) {
		const char *v = dh_slide_property(s, names[i]);
		if (json) {
			printf("%s", i ? ", " : "");
			dh_json_string(stdout, names[i]);
			printf(": ");
			dh_json_string(stdout, v ? v : "");
		} else {
			printf("  %s = %s\n", names[i], v ? v : "");
		}
	}
	if (json)
		printf("}}\n");
	return DH_EXIT_OK;
}

static int slide_region(dh_ctx *c, dh_slide *s)
{
	const char *reg = dh_ctx_str(c, "region", NULL);
	const char *out = dh_ctx_str(c, "output", NULL);
	long long r[4];
	if (!reg || !out)
		return dh_ctx_usage(c, "slide region needs --region X,Y,W,H and "
				    "-o OUT");
	if (parse_ints(reg, ",", 4, r) || r[0] < 0 || r[1] < 0 || r[2] < 1 ||
	    r[3] < 1)
		return dh_ctx_usage(c, "--region wants X,Y,W,H (W, H >= 1), not "
				    "'%s'", reg);
	dh_image *img = dh_slide_read_region(s, r[0], r[1],
					     (int)dh_ctx_int(c, "level", 0),
					     r[2], r[3], &c->err);
	if (!img) {
		dh_err_prefix(&c->err, "%s", c->args[1]);
		return dh_ctx_fail(c);
	}
	return save(c, out, img);
}

/* The folder tiles go to: made when missing (one level), refused when it
 * is a file. */
static dh_status make_dir(const char *dir, dh_err *e)
{
	struct stat st;
	if (mkdir(dir, 0777) == 0)
		return DH_OK;
	if (errno != EEXIST)
		return dh_err_errno(e, errno, "cannot make the folder '%s'", dir);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return dh_err_set(e, DH_EIO, "'%s' exists and is not a folder", dir);
	return DH_OK;
}

static int slide_tiles(dh_ctx *c, dh_slide *s, const char *path)
{
	const char *dir = dh_ctx_str(c, "output", NULL);
	if (!dir)
		return dh_ctx_usage(c, "slide tiles needs -o DIR");
	int level = (int)dh_ctx_int(c, "level", 0);
	int64_t size = dh_ctx_int(c, "size", 256);
	if (dh_ctx_has(c, "overlap") && dh_ctx_has(c, "stride"))
		return dh_ctx_usage(c, "give --overlap or --stride, not both");
	int64_t overlap = dh_ctx_int(c, "overlap", 0);
	if (overlap >= size)
		return dh_ctx_usage(c, "--overlap %lld must be smaller than "
				    "--size %lld", (long long)overlap,
				    (long long)size);
	int64_t stride = dh_ctx_int(c, "stride", size - overlap);
	double tissue = dh_ctx_float(c, "tissue", 0.5);
	const char *fmt = dh_ctx_str(c, "format", "png");
	int levels = dh_slide_levels(s);
	if (level >= levels) {
		dh_err_set(&c->err, DH_ERANGE, "%s: level %d: the slide has "
			   "levels 0 to %d", path, level, levels - 1);
		return dh_ctx_fail(c);
	}
	int64_t lw, lh;
	dh_slide_level_size(s, level, &lw, &lh);
	double ds = dh_slide_level_downsample(s, level);
	if (lw < size || lh < size) {
		dh_err_set(&c->err, DH_ERANGE, "%s: level %d (%lldx%lld) is "
			   "smaller than one %lldx%lld tile", path, level,
			   (long long)lw, (long long)lh, (long long)size,
			   (long long)size);
		return dh_ctx_fail(c);
	}
	if (make_dir(dir, &c->err))
		return dh_ctx_fail(c);
	/* the DDF names the tiles relative to its own folder */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dh_ddf *ddf = dh_ddf_new(base);
	if (!ddf || dh_ddf_set_dir(ddf, dir, &c->err)) {
		dh_ddf_free(ddf);
		dh_err_set(&c->err, DH_ENOMEM, "out of memory");
		return dh_ctx_fail(c);
	}
	char desc[512];
	snprintf(desc, sizeof desc, "tiles of %s: level %d (downsample %g), "
		 "%lldx%lld pixels every %lld, tissue fraction >= %g; names "
		 "give level-0 x, y", base, level, ds, (long long)size,
		 (long long)size, (long long)stride, tissue);
	ddf->description = dh_strdup(desc, &c->err);
	unsigned char bg[3];
	dh_slide_background(s, bg);
	int64_t nx = (lw - size) / stride + 1, ny = (lh - size) / stride + 1;
	int64_t kept = 0, skipped = 0;
	int rc = DH_EXIT_OK;
	size_t plen = strlen(dir) + 64;
	char *rel = malloc(64), *full = malloc(plen);
	if (!rel || !full || !ddf->description) {
		dh_err_set(&c->err, DH_ENOMEM, "out of memory");
		rc = dh_ctx_fail(c);
	}
	for (int64_t j = 0; j < ny && !rc; j++)
		for (int64_t i = 0; i < nx && !rc; i++) {
			/* level-0 coordinates of the tile's corner */
			int64_t x0 = llround((double)(i * stride) * ds);
			int64_t y0 = llround((double)(j * stride) * ds);
			dh_image *reg = dh_slide_read_region(s, x0, y0, level, size,
							     size, &c->err);
			dh_image *rgb = reg ? dh_slide_flatten(reg, bg, &c->err)
					    : NULL;
			double frac = reg ? dh_slide_tissue_fraction(reg) : 0;
			dh_image_free(reg);
			if (!rgb) {
				dh_err_prefix(&c->err, "%s", path);
				rc = dh_ctx_fail(c);
				break;
			}
			if (frac < tissue) {
				skipped++;
				dh_image_free(rgb);
				continue;
			}
			snprintf(rel, 64, "tile_x%lld_y%lld.%s", (long long)x0,
				 (long long)y0, fmt);
			snprintf(full, plen, "%s/%s", dir, rel);
			dh_image_write_opts wo = {0};
			wo.quality = (int)dh_ctx_int(c, "quality", 0);
			dh_status st = dh_image_write(full, rgb, &wo, &c->err);
			dh_image_free(rgb);
			if (st || dh_ddf_add_sample(ddf, rel, -1, &c->err) < 0) {
				rc = dh_ctx_fail(c);
				break;
			}
			kept++;
		}
	if (!rc) {
		snprintf(full, plen, "%s/dataset.yml", dir);
		if (dh_ddf_write(ddf, full, &c->err))
			rc = dh_ctx_fail(c);
	}
	if (!rc && !dh_ctx_has(c, "quiet"))
		printf("%s: %lld tiles of %lldx%lld at level %d written to %s, "
		       "%lld skipped as background\n", path, (long long)kept,
		       (long long)size, (long long)size, level, dir,
		       (long long)skipped);
	free(rel);
	free(full);
	dh_ddf_free(ddf);
	return rc;
}

static int run_slide(dh_ctx *c)
{
	const char *what = c->args[0];
	int info = !strcmp(what, "info"), region = !strcmp(what, "region");
	int tiles = !strcmp(what, "tiles");
	if (!info && !region && !tiles)
		return dh_ctx_usage(c, "slide wants info, region or tiles, not "
				    "'%s'", what);
	if (c->nargs != 2)
		return dh_ctx_usage(c, "slide %s takes one SLIDE", what);
	dh_slide *s = dh_slide_open(c->args[1], &c->err);
	if (!s) {
		dh_err_prefix(&c->err, "%s", c->args[1]);
		return dh_ctx_fail(c);
	}
	int rc = info     ? slide_info(c, s, c->args[1])
		 : region ? slide_region(c, s)
			  : slide_tiles(c, s, c->args[1]);
	dh_slide_close(s);
	return rc;
}

/* --- the command table ---------------------------------------------------- */

#define END_OPTS {NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0}
#define MAXPIX_OPT                                                           \
	{"max-pixels", 0, DH_ARG_INT, "N",                                   \
	 "refuse images of more pixels (default 2^31)", 1, 9e18, NULL, 0}
#define QUALITY_OPT                                                          \
	{"quality", 0, DH_ARG_INT, "Q", "JPEG quality (default 95)", 1, 100, \
	 NULL, 0}

static const dh_opt info_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "print one JSON object", 0, 0, NULL, 0},
	END_OPTS,
};
static const dh_opt convert_opts[] = {
	{"window", 0, DH_ARG_STRING, "C,W", "intensity window centre and width, or 'file' for the DICOM file's own (to 8 bits)", 0, 0, NULL, 0},
	{"slice", 0, DH_ARG_STRING, "AXIS:N", "one slice of a volume", 0, 0, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt resize_opts[] = {
	{"interp", 0, DH_ARG_CHOICE, NULL, "interpolation (default linear)", 0, 0, "nearest|linear|cubic|area", 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt rotate_opts[] = {
	{"interp", 0, DH_ARG_CHOICE, NULL, "interpolation (default linear)", 0, 0, "nearest|linear|cubic", 0},
	{"border", 0, DH_ARG_CHOICE, NULL, "border mode (default constant)", 0, 0, "constant|replicate|reflect|reflect101|wrap", 0},
	{"value", 0, DH_ARG_FLOAT, "V", "constant border value (default 0)", 0, 0, NULL, 0},
	{"scale", 0, DH_ARG_FLOAT, "S", "scale factor (default 1)", 1e-6, 1e6, NULL, 0},
	{"center", 0, DH_ARG_STRING, "X,Y", "centre of rotation (default the image centre)", 0, 0, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt pad_opts[] = {
	{"border", 0, DH_ARG_CHOICE, NULL, "border mode (default constant)", 0, 0, "constant|replicate|reflect|reflect101|wrap", 0},
	{"value", 0, DH_ARG_FLOAT, "V", "constant border value (default 0)", 0, 0, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt flip_opts[] = {
	{"axis", 0, DH_ARG_CHOICE, NULL, "h: mirror left-right (default), v: upside down, both", 0, 0, "h|v|both", 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt plain_opts[] = {QUALITY_OPT, MAXPIX_OPT, END_OPTS};
static const dh_opt color_opts[] = {
	{"from", 0, DH_ARG_CHOICE, NULL, "read the input's channels as this colour type (files keep RGB)", 0, 0, "gray|rgb|bgr|rgba|hsv|ycbcr", 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt blur_opts[] = {
	{"kind", 0, DH_ARG_CHOICE, NULL, "filter (default gaussian)", 0, 0, "gaussian|box|median", 0},
	{"ksize", 'k', DH_ARG_INT, "K", "kernel size (default 3, or from sigma)", 1, 1023, NULL, 0},
	{"sigma", 0, DH_ARG_FLOAT, "S", "gaussian sigma (default from ksize)", 0, 1000, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt adjust_opts[] = {
	{"contrast", 0, DH_ARG_FLOAT, "A", "multiply by A (default 1)", -1e6, 1e6, NULL, 0},
	{"brightness", 0, DH_ARG_FLOAT, "B", "then add B (default 0)", -1e9, 1e9, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt normalize_opts[] = {
	{"min", 0, DH_ARG_FLOAT, "V", "the new minimum (default 0)", -1e9, 1e9, NULL, 0},
	{"max", 0, DH_ARG_FLOAT, "V", "the new maximum (default 255)", -1e9, 1e9, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt multiotsu_opts[] = {
	{"classes", 0, DH_ARG_INT, "K", "2 to 4 classes (default 3)", 2, 4, NULL, 0},
	MAXPIX_OPT, END_OPTS,
};
static const dh_opt noise_opts[] = {
	{"amount", 0, DH_ARG_FLOAT, "A", "sigma (gaussian, default 10), scale (laplace, 10), counts per unit (poisson, 1), fraction (salt-pepper, 0.05)", 0, 1e9, NULL, 0},
	{"seed", 0, DH_ARG_INT, "N", "random seed (default 0)", 0, 9e18, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt overlay_opts[] = {
	{"color", 0, DH_ARG_STRING, "R,G,B", "mask colour (default 255,0,0)", 0, 0, NULL, 0},
	{"alpha", 0, DH_ARG_FLOAT, "A", "opacity of the fill (default 0.4)", 0, 1, NULL, 0},
	{"draw", 0, DH_ARG_STRING, "LAYERS", "what to draw: fill, outline, contours, boxes, comma-separated (default fill,outline)", 0, 0, NULL, 0},
	{"labels", 0, DH_ARG_NONE, NULL, "the mask is a label map: each value its own colour, contours and boxes", 0, 0, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt montage_opts[] = {
	{"cols", 0, DH_ARG_INT, "N", "columns (default: a square grid)", 1, 10000, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt components_opts[] = {
	{"connectivity", 'c', DH_ARG_INT, "N", "4 or 8 (default 8)", 4, 8, NULL, 0},
	{"stats", 0, DH_ARG_NONE, NULL, "print area, bounding box and centroid per component", 0, 0, NULL, 0},
	MAXPIX_OPT, END_OPTS,
};
static const dh_opt contours_opts[] = {
	{"simple", 0, DH_ARG_NONE, NULL, "keep only the ends of straight runs (CHAIN_APPROX_SIMPLE)", 0, 0, NULL, 0},
	{"json", 0, DH_ARG_NONE, NULL, "print the contours' points as one JSON object", 0, 0, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};
static const dh_opt morph_opts[] = {
	{"shape", 0, DH_ARG_CHOICE, NULL, "structuring element (default rect)", 0, 0, "rect|cross|ellipse", 0},
	{"size", 0, DH_ARG_STRING, "WxH", "element size (default 3x3)", 0, 0, NULL, 0},
	{"iterations", 0, DH_ARG_INT, "N", "repeat (default 1)", 1, 10000, NULL, 0},
	QUALITY_OPT, MAXPIX_OPT, END_OPTS,
};

static const dh_opt slide_opts[] = {
	{"json", 0, DH_ARG_NONE, NULL, "info: print one JSON object", 0, 0, NULL, 0},
	{"level", 'l', DH_ARG_INT, "L", "region, tiles: the level to read (default 0)", 0, 1000, NULL, 0},
	{"region", 0, DH_ARG_STRING, "X,Y,W,H", "region: X,Y in level-0 pixels, W,H in pixels of the level", 0, 0, NULL, 0},
	{"output", 'o', DH_ARG_STRING, "OUT", "region: the image to write; tiles: the folder", 0, 0, NULL, 0},
	{"size", 0, DH_ARG_INT, "N", "tiles: tile width and height in pixels of the level (default 256)", 1, 8192, NULL, 0},
	{"overlap", 0, DH_ARG_INT, "P", "tiles: pixels that neighbouring tiles share (default 0)", 0, 8191, NULL, 0},
	{"stride", 0, DH_ARG_INT, "S", "tiles: step from one tile to the next (default SIZE - OVERLAP)", 1, 1 << 30, NULL, 0},
	{"tissue", 0, DH_ARG_FLOAT, "T", "tiles: keep tiles whose tissue fraction is at least T (default 0.5; 0 keeps all)", 0, 1, NULL, 0},
	{"format", 0, DH_ARG_CHOICE, NULL, "tiles: file format (default png)", 0, 0, "png|jpg|tif|npy", 0},
	QUALITY_OPT, END_OPTS,
};

static const dh_cmd cmds[] = {
	{"info", "FILE", "format, size, dtype, channels (images, .npy files and tensor streams)",
	 info_opts, 1, 1, "image", run_info, NULL},
	{"convert", "IN OUT", "convert between formats, chosen by extension", convert_opts, 2, 2, "image out", run_convert, NULL},
	{"resize", "WxH IN OUT", "resize an image", resize_opts, 3, 3, "word image out", run_resize, NULL},
	{"rotate", "DEGREES IN OUT", "rotate counter-clockwise about the centre", rotate_opts, 3, 3, "word image out", run_rotate, NULL},
	{"flip", "IN OUT", "mirror or turn upside down", flip_opts, 2, 2, "image out", run_flip, NULL},
	{"transpose", "IN OUT", "swap rows and columns", plain_opts, 2, 2, "image out", run_transpose, NULL},
	{"crop", "X,Y,W,H IN OUT", "cut out a rectangle", plain_opts, 3, 3, "word image out", run_crop, NULL},
	{"pad", "T,B,L,R IN OUT", "add borders", pad_opts, 3, 3, "word image out", run_pad, NULL},
	{"gray", "IN OUT", "convert to gray (BT.601 weights)", color_opts, 2, 2, "image out", run_gray, NULL},
	{"color", "SPACE IN OUT", "convert to gray, rgb, bgr, rgba, hsv or ycbcr", color_opts, 3, 3, "word image out", run_color, NULL},
	{"blur", "IN OUT", "gaussian, box or median blur", blur_opts, 2, 2, "image out", run_blur, NULL},
	{"equalize", "IN OUT", "histogram equalisation (gray uint8)", plain_opts, 2, 2, "image out", run_equalize, NULL},
	{"thin", "IN OUT", "skeletonise the nonzero pixels (Zhang-Suen)", plain_opts, 2, 2, "image out", run_thin, NULL},
	{"adjust", "IN OUT", "brightness and contrast: v * A + B", adjust_opts, 2, 2, "image out", run_adjust, NULL},
	{"normalize", "IN OUT", "stretch values to [min, max]", normalize_opts, 2, 2, "image out", run_normalize, NULL},
	{"gamma", "G IN OUT", "gamma correction 255 (v/255)^G (uint8)", plain_opts, 3, 3, "word image out", run_gamma, NULL},
	{"multiotsu", "IN OUT", "multi-level Otsu: writes the class of each pixel, prints the thresholds", multiotsu_opts, 2, 2, "image out", run_multiotsu, NULL},
	{"otsu", "IN OUT", "binarise with Otsu's threshold (printed)", plain_opts, 2, 2, "image out", run_otsu, NULL},
	{"components", "IN OUT", "label connected components; prints the count", components_opts, 2, 2, "image out", run_components, NULL},
	{"contours", "IN OUT", "outer contours of the nonzero regions, drawn as lines; prints their number (or the points)", contours_opts, 2, 2, "image out", run_contours, NULL},
	{"morph", "OP IN OUT", "erode, dilate, open or close", morph_opts, 3, 3, "word image out", run_morph, NULL},
	{"noise", "KIND IN OUT", "add gaussian, laplace, poisson or salt-pepper noise", noise_opts, 3, 3, "word image out", run_noise, NULL},
	{"overlay", "IMAGE MASK OUT", "draw a mask over an image: tint, outline, contours, bounding boxes", overlay_opts, 3, 3, "image image out", run_overlay, NULL},
	{"montage", "IN... OUT", "put images side by side in a grid", montage_opts, 2, -1, NULL, run_montage, NULL},
	{"slide", "info|region|tiles SLIDE", "whole-slide images through OpenSlide: levels and properties, regions, tiles with a dataset.yml", slide_opts, 2, 2, "word file", run_slide, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-image", "read, convert and process images", cmds, 1,
	"dh-image resize 224x224 photo.jpg small.png",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
