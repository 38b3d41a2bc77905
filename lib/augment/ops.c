/* ops.c - the transforms: the table the parser reads (names, ECVL's names,
 * parameters with their defaults and bounds) and what each one does to a
 * sample.  Geometric transforms move the mask with the image (nearest
 * neighbour); intensity transforms leave the mask alone. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/aug_private.h"
#include "core/alloc.h"
#include "image/proc/proc.h"
#include "image/sat.h"

#define REQ NAN, NAN
#define DEF(x) (x), NAN
#define BIG 1e9

#define INTERP_WORDS "nearest|linear|cubic|area|lanczos4=2|bilinear=1|bicubic=2|inter_linear=1|inter_nearest=0|inter_cubic=2|inter_area=3"
#define BORDER_WORDS "constant|replicate|reflect|reflect_101|wrap|transparent|reflect101=3|border_constant=0|border_replicate=1|border_reflect=2|border_reflect_101=3|border_reflect101=3|border_wrap=4|border_transparent=5"
#define P_INTERP(d) {"interp", NULL, PT_WORD, d, NAN, 0, 0, 0, INTERP_WORDS, "interpolation"}
#define P_MINTERP {"mask_interp", "gt_interp", PT_WORD, 0, NAN, 0, 0, 0, INTERP_WORDS, "interpolation of the mask"}
#define P_BORDER(d) {"border", "border_type", PT_WORD, d, NAN, 0, 0, 0, BORDER_WORDS, "border mode"}
#define P_VALUE {"value", "border_value", PT_NUM, 0, NAN, -BIG, BIG, 0, NULL, "value units"}

/* --- drawing values --------------------------------------------------- */

double aug_draw(const aug_value *v, const aug_pspec *p, dh_rng *r)
{
	switch (v->kind) {
	case AV_NUM:
	case AV_VEC:
		return v->v[0];
	case AV_RANGE:
		if (p->type == PT_INT)
			return v->v[0] + (double)dh_rng_below(r, (uint64_t)(v->v[1] - v->v[0]) + 1);
		return v->v[0] + (v->v[1] - v->v[0]) * dh_rng_double(r);
	case AV_CHOICE:
		return v->v[dh_rng_below(r, (uint64_t)v->n)];
	default:
		if (!isnan(p->def2)) {
			if (p->type == PT_INT)
				return p->def + (double)dh_rng_below(r, (uint64_t)(p->def2 - p->def) + 1);
			return p->def + (p->def2 - p->def) * dh_rng_double(r);
		}
		return p->def;
	}
}

int aug_word(const aug_value *v, dh_rng *r)
{
	if (v->kind == AV_STR)
		return v->code;
	if (v->kind == AV_CHOICE)
		return v->codes[dh_rng_below(r, (uint64_t)v->n)];
	return -1;
}

static int pidx(const aug_node *n, const char *name)
{
	for (int i = 0; i < AUG_MAX_PARAMS && n->t->params[i].name; i++)
		if (!strcmp(n->t->params[i].name, name))
			return i;
	return -1;
}

int aug_given(const aug_node *n, int i)
{
	return i >= 0 && n->vals[i].kind != AV_NONE;
}

static double num(const aug_node *n, const char *name, dh_rng *r)
{
	int i = pidx(n, name);
	return i < 0 ? NAN : aug_draw(&n->vals[i], &n->t->params[i], r);
}

static int word(const aug_node *n, const char *name, dh_rng *r)
{
	int i = pidx(n, name);
	if (i < 0)
		return 0;
	int w = aug_word(&n->vals[i], r);
	return w >= 0 ? w : (int)n->t->params[i].def;
}

void aug_vec(const aug_node *n, int i, double *out, int want, int *got,
	     dh_rng *r)
{
	const aug_value *v = &n->vals[i];
	(void)r;
	if (v->kind == AV_VEC && v->n > 0) {
		for (int k = 0; k < want; k++)
			out[k] = v->v[k < v->n ? k : v->n - 1];
		*got = v->n;
	} else {
		double x = v->kind == AV_NUM ? v->v[0] : n->t->params[i].def;
		for (int k = 0; k < want; k++)
			out[k] = x;
		*got = 1;
	}
}

void aug_replace(aug_state *s, dh_image *img, dh_image *mask)
{
	if (img && img != s->img) {
		if (s->img != s->keep_img)
			dh_image_free(s->img);
		s->img = img;
	}
	if (mask && mask != s->mask) {
		if (s->mask != s->keep_mask)
			dh_image_free(s->mask);
		s->mask = mask;
	}
}

static aug_interp to_ai(int w)
{
	return w == 0 ? AI_NEAREST : w == 2 ? AI_CUBIC : AI_LINEAR;
}

static dh_interp to_di(int w)
{
	return w == 0 ? DH_INTERP_NEAREST : w == 2 ? DH_INTERP_CUBIC
		: w == 3 ? DH_INTERP_AREA : DH_INTERP_LINEAR;
}

static dh_border to_db(int b)
{
	static const dh_border m[] = {DH_BORDER_CONSTANT, DH_BORDER_REPLICATE,
				      DH_BORDER_REFLECT, DH_BORDER_REFLECT101,
				      DH_BORDER_WRAP, DH_BORDER_CONSTANT};
	return m[b];
}

static dh_status fail(dh_err *e)
{
	return e && e->status != DH_OK ? e->status : DH_ENOMEM;
}

/* The same pixel move for image and mask. */
typedef dh_image *(*move_fn)(const dh_image *src, const void *arg, dh_err *e);
static dh_status both(aug_state *s, move_fn f, const void *arg,
		      const void *marg, dh_err *e)
{
	dh_image *img = f(s->img, arg, e), *mask = NULL;
	if (!img)
		return fail(e);
	if (s->mask && !(mask = f(s->mask, marg ? marg : arg, e))) {
		dh_image_free(img);
		return fail(e);
	}
	aug_replace(s, img, mask);
	return DH_OK;
}

/* --- geometry ------------------------------------------------------------ */

static void invert2x3(const double m[6], double inv[6])
{
	double det = m[0] * m[4] - m[1] * m[3];
	double id = det != 0 ? 1 / det : 0;
	inv[0] = m[4] * id;
	inv[1] = -m[1] * id;
	inv[3] = -m[3] * id;
	inv[4] = m[0] * id;
	inv[2] = -(inv[0] * m[2] + inv[1] * m[5]);
	inv[5] = -(inv[3] * m[2] + inv[4] * m[5]);
}

static dh_status warp_fwd(const aug_node *n, aug_state *s, dh_rng *r,
			  const double m[6], dh_err *e)
{
	double inv[6];
	invert2x3(m, inv);
	int interp = word(n, "interp", r), minterp = word(n, "mask_interp", r);
	int border = word(n, "border", r);
	double value = num(n, "value", r);
	return aug_geom_affine(s, inv, s->img->width, s->img->height,
			       to_ai(interp), to_ai(minterp), (aug_border)border,
			       isnan(value) ? 0 : value, e);
}

static dh_status op_rotate(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double angle = num(n, "angle", r), scale = num(n, "scale", r);
	double cx = (s->img->width - 1) / 2.0, cy = (s->img->height - 1) / 2.0;
	int ic = pidx(n, "center");
	if (aug_given(n, ic)) {
		double c[2];
		int got;
		aug_vec(n, ic, c, 2, &got, r);
		cx = c[0], cy = c[1];
	}
	double m[6];
	dh_rotation_matrix(cx, cy, angle, scale, m);
	return warp_fwd(n, s, r, m, e);
}

/* zoom, translate, shear: about the centre */
static dh_status op_affine(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	const char *t = n->t->name;
	double W = s->img->width, H = s->img->height;
	double cx = (W - 1) / 2, cy = (H - 1) / 2;
	double a = 1, b = 0, c = 0, d = 1, tx = 0, ty = 0;
	if (!strcmp(t, "zoom")) {
		double f = num(n, "factor", r);
		a = d = f;
	} else if (!strcmp(t, "translate")) {
		tx = num(n, "x", r) * W;
		ty = num(n, "y", r) * H;
	} else { /* shear: x and y in degrees */
		b = tan(num(n, "x", r) * M_PI / 180);
		c = tan(num(n, "y", r) * M_PI / 180);
	}
	/* about the centre: p' = A (p - c) + c + t */
	double m[6] = {a, b, cx + tx - a * cx - b * cy, c, d, cy + ty - c * cx - d * cy};
	return warp_fwd(n, s, r, m, e);
}

typedef struct resize_arg { int w, h; dh_interp m; } resize_arg;
static dh_image *do_resize(const dh_image *src, const void *arg, dh_err *e)
{
	const resize_arg *a = arg;
	if (a->w == src->width && a->h == src->height)
		return dh_image_clone(src, e);
	return dh_resize(src, a->w, a->h, a->m, e);
}

static dh_status resize_to(const aug_node *n, aug_state *s, dh_rng *r, int w,
			   int h, dh_err *e)
{
	if (w < 1 || h < 1 || w > DH_IMAGE_MAX_DIM || h > DH_IMAGE_MAX_DIM)
		return dh_err_set(e, DH_ERANGE, "%s: size %dx%d out of range", n->t->name, w, h);
	resize_arg a = {w, h, to_di(word(n, "interp", r))};
	resize_arg ma = {w, h, to_di(word(n, "mask_interp", r))};
	return both(s, do_resize, &a, &ma, e);
}

static dh_status op_resize(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	int is = pidx(n, "size"), ic = pidx(n, "scale");
	double v[2];
	int got;
	if (aug_given(n, is)) {
		aug_vec(n, is, v, 2, &got, r);
		return resize_to(n, s, r, (int)v[0], (int)v[1], e);
	}
	if (!aug_given(n, ic))
		return dh_err_set(e, DH_EINVAL, "%s needs size=(w, h) or scale=(sx, sy)", n->t->name);
	aug_vec(n, ic, v, 2, &got, r);
	return resize_to(n, s, r, (int)lround(s->img->width * v[0]),
			 (int)lround(s->img->height * v[1]), e);
}

typedef struct flip_arg { int h, v; } flip_arg;
static dh_image *do_flip(const dh_image *src, const void *arg, dh_err *e)
{
	const flip_arg *a = arg;
	return dh_flip(src, a->h, a->v, e);
}
static dh_image *do_transpose(const dh_image *src, const void *arg, dh_err *e)
{
	(void)arg;
	return dh_transpose(src, e);
}

static dh_status op_flip(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)r;
	flip_arg a = {!strcmp(n->t->name, "mirror"), !strcmp(n->t->name, "flip")};
	return both(s, do_flip, &a, NULL, e);
}

static dh_status op_transpose(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)n, (void)r;
	return both(s, do_transpose, NULL, NULL, e);
}

typedef struct crop_arg { int x, y, w, h; } crop_arg;
static dh_image *do_crop(const dh_image *src, const void *arg, dh_err *e)
{
	const crop_arg *a = arg;
	return dh_crop(src, a->x, a->y, a->w, a->h, e);
}
typedef struct pad_arg { int t, b, l, r; dh_border m; double v; } pad_arg;
static dh_image *do_pad(const dh_image *src, const void *arg, dh_err *e)
{
	const pad_arg *a = arg;
	return dh_pad(src, a->t, a->b, a->l, a->r, a->m, a->v, e);
}

/* Pad to at least w x h (centred), then crop at (x, y) given as fractions
 * of the free room (0..1), or the centre. */
static dh_status crop_at(aug_state *s, int w, int h, double fx, double fy,
			 dh_border bm, double value, dh_err *e)
{
	int W = s->img->width, H = s->img->height;
	if (w < 1 || h < 1)
		return dh_err_set(e, DH_ERANGE, "crop size %dx%d out of range", w, h);
	if (w > W || h > H) {
		int pw = w > W ? w - W : 0, ph = h > H ? h - H : 0;
		pad_arg a = {ph / 2, ph - ph / 2, pw / 2, pw - pw / 2, bm, value};
		pad_arg ma = a;
		ma.v = 0;
		dh_status st = both(s, do_pad, &a, &ma, e);
		if (st)
			return st;
		W = s->img->width, H = s->img->height;
	}
	crop_arg c = {(int)floor(fx * (W - w + 1)), (int)floor(fy * (H - h + 1)), w, h};
	if (fx < 0)
		c.x = (W - w) / 2, c.y = (H - h) / 2;
	if (c.x > W - w)
		c.x = W - w;
	if (c.y > H - h)
		c.y = H - h;
	if (c.x == 0 && c.y == 0 && w == W && h == H)
		return DH_OK;
	return both(s, do_crop, &c, NULL, e);
}

static dh_status op_random_crop(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double v[2];
	int got;
	aug_vec(n, pidx(n, "size"), v, 2, &got, r);
	double fx = dh_rng_double(r), fy = dh_rng_double(r);
	return crop_at(s, (int)v[0], (int)v[1], fx, fy, to_db(word(n, "border", r)),
		       num(n, "value", r), e);
}

static dh_status op_center_crop(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	int i = pidx(n, "size");
	int w, h;
	if (aug_given(n, i)) {
		double v[2];
		int got;
		aug_vec(n, i, v, 2, &got, r);
		w = (int)v[0], h = (int)v[1];
	} else {
		w = h = s->img->width < s->img->height ? s->img->width : s->img->height;
	}
	return crop_at(s, w, h, -1, -1, DH_BORDER_CONSTANT, 0, e);
}

/* Draw log-uniform from a range parameter (or its default). */
static double log_uniform(const aug_node *n, const char *name, dh_rng *r, double *lo, double *hi)
{
	int i = pidx(n, name);
	const aug_value *v = &n->vals[i];
	const aug_pspec *p = &n->t->params[i];
	double a = p->def, b = isnan(p->def2) ? p->def : p->def2;
	if (v->kind == AV_RANGE)
		a = v->v[0], b = v->v[1];
	else if (v->kind == AV_NUM)
		a = b = v->v[0];
	else if (v->kind == AV_CHOICE)
		a = b = v->v[dh_rng_below(r, (uint64_t)v->n)];
	*lo = a, *hi = b;
	return exp(log(a) + (log(b) - log(a)) * dh_rng_double(r));
}

static dh_status op_random_resized_crop(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double size[2];
	int got;
	aug_vec(n, pidx(n, "size"), size, 2, &got, r);
	int W = s->img->width, H = s->img->height;
	double area = (double)W * H, rlo, rhi;
	crop_arg c = {0, 0, W, H};
	int found = 0;
	for (int k = 0; k < 10 && !found; k++) {
		double a = area * num(n, "area", r);
		double ratio = log_uniform(n, "ratio", r, &rlo, &rhi);
		int w = (int)lround(sqrt(a * ratio)), h = (int)lround(sqrt(a / ratio));
		if (w > 0 && h > 0 && w <= W && h <= H) {
			c.x = (int)dh_rng_below(r, (uint64_t)(W - w + 1));
			c.y = (int)dh_rng_below(r, (uint64_t)(H - h + 1));
			c.w = w, c.h = h;
			found = 1;
		}
	}
	if (!found) { /* the whole image, cut to the ratio's range */
		double in = (double)W / H;
		if (in < rlo)
			c.w = W, c.h = (int)lround(W / rlo);
		else if (in > rhi)
			c.h = H, c.w = (int)lround(H * rhi);
		if (c.w < 1) c.w = 1;
		if (c.h < 1) c.h = 1;
		c.x = (W - c.w) / 2, c.y = (H - c.h) / 2;
	}
	dh_status st = both(s, do_crop, &c, NULL, e);
	if (st)
		return st;
	return resize_to(n, s, r, (int)size[0], (int)size[1], e);
}

/* --- displacement fields ------------------------------------------------ */

static dh_status maps_new(int w, int h, float **mx, float **my, dh_err *e)
{
	size_t n = (size_t)w * (size_t)h;
	*mx = malloc(n * sizeof(float));
	*my = malloc(n * sizeof(float));
	if (!*mx || !*my) {
		free(*mx);
		free(*my);
		return dh_err_set(e, DH_ENOMEM, "out of memory for a %dx%d displacement field", w, h);
	}
	return DH_OK;
}

static dh_status remap_both(const aug_node *n, aug_state *s, dh_rng *r,
			    float *mx, float *my, dh_err *e)
{
	int interp = word(n, "interp", r), minterp = word(n, "mask_interp", r);
	int border = word(n, "border", r);
	double value = num(n, "value", r);
	dh_status st = aug_geom_remap(s, mx, my, to_ai(interp), to_ai(minterp),
				      (aug_border)border, value, e);
	free(mx);
	free(my);
	return st;
}

/* A field of uniform(-1, 1) values smoothed by a gaussian of sigma. */
static float *smooth_field(int w, int h, double sigma, dh_rng *r, dh_err *e)
{
	dh_image *f = dh_image_new(DH_F32, w, h, 1, 1, DH_COLOR_NONE, e);
	if (!f)
		return NULL;
	float *p = (float *)(void *)f->data;
	for (size_t i = 0; i < (size_t)w * h; i++)
		p[i] = (float)(2 * dh_rng_double(r) - 1);
	if (sigma > 0) {
		dh_image *g = dh_gaussian_blur(f, 0, sigma, e);
		dh_image_free(f);
		if (!g)
			return NULL;
		f = g;
	}
	float *out = malloc(sizeof(float) * (size_t)w * h);
	if (out)
		memcpy(out, f->data, sizeof(float) * (size_t)w * h);
	else
		dh_err_set(e, DH_ENOMEM, "out of memory");
	dh_image_free(f);
	return out;
}

static dh_status op_elastic(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double alpha = num(n, "alpha", r), sigma = num(n, "sigma", r);
	int W = s->img->width, H = s->img->height;
	float *dx = smooth_field(W, H, sigma, r, e);
	float *dy = dx ? smooth_field(W, H, sigma, r, e) : NULL;
	if (!dx || !dy) {
		free(dx);
		return fail(e);
	}
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * W + x;
			dx[i] = (float)(x + alpha * dx[i]);
			dy[i] = (float)(y + alpha * dy[i]);
		}
	return remap_both(n, s, r, dx, dy, e);
}

/* One axis of a grid distortion: n cells, each stretched by 1 + d. */
static void grid_axis(float *out, int len, int steps, const aug_node *n, dh_rng *r)
{
	double cell = (double)len / steps, start = 0;
	double f[1025];
	for (int i = 0; i < steps; i++)
		f[i] = 1 + num(n, "distort_limit", r);
	for (int i = 0; i < steps; i++) {
		int a = (int)lround(i * cell), b = i == steps - 1 ? len : (int)lround((i + 1) * cell);
		for (int x = a; x < b; x++) {
			double v = start + (x - a) * f[i];
			out[x] = (float)(v < 0 ? 0 : v > len - 1 ? len - 1 : v);
		}
		start += (b - a) * f[i];
	}
}

static dh_status op_grid(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	int steps = (int)num(n, "num_steps", r);
	int W = s->img->width, H = s->img->height;
	if (steps < 1)
		steps = 1;
	if (steps > W) steps = W;
	if (steps > H) steps = H;
	float *ax = malloc(sizeof(float) * (size_t)(W + H)), *mx, *my;
	if (!ax)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	grid_axis(ax, W, steps, n, r);
	grid_axis(ax + W, H, steps, n, r);
	if (maps_new(W, H, &mx, &my, e)) {
		free(ax);
		return fail(e);
	}
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			mx[(size_t)y * W + x] = ax[x];
			my[(size_t)y * W + x] = ax[W + y];
		}
	free(ax);
	return remap_both(n, s, r, mx, my, e);
}

static dh_status op_optical(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double k = num(n, "distort_limit", r);
	double dx = num(n, "shift_limit", r), dy = num(n, "shift_limit", r);
	int W = s->img->width, H = s->img->height;
	double fx = W, fy = H, cx = W * 0.5 + dx * W, cy = H * 0.5 + dy * H;
	float *mx, *my;
	if (maps_new(W, H, &mx, &my, e))
		return fail(e);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double u = (x - cx) / fx, v = (y - cy) / fy, r2 = u * u + v * v;
			double f = 1 + k * r2 + k * r2 * r2;
			mx[(size_t)y * W + x] = (float)(u * f * fx + cx);
			my[(size_t)y * W + x] = (float)(v * f * fy + cy);
		}
	return remap_both(n, s, r, mx, my, e);
}

/* --- intensity ------------------------------------------------------------ */

static size_t nvals(const dh_image *img)
{
	return (size_t)img->width * img->height * img->depth * img->channels;
}

static inline float getv(const dh_image *img, size_t i)
{
	return img->dtype == DH_U8 ? img->data[i] : ((const float *)(const void *)img->data)[i];
}
static inline void setv(dh_image *img, size_t i, float v)
{
	if (img->dtype == DH_U8)
		img->data[i] = dh_sat_u8f(v);
	else
		((float *)(void *)img->data)[i] = v;
}

static dh_status op_blur(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double sigma = num(n, "sigma", r);
	if (!(sigma > 0))
		return DH_OK;
	dh_image *out = dh_gaussian_blur(s->img, 0, sigma, e);
	if (!out)
		return fail(e);
	aug_replace(s, out, NULL);
	return DH_OK;
}

static double poisson(dh_rng *r, double lambda)
{
	if (!(lambda > 0))
		return 0;
	if (lambda > 30)
		return floor(lambda + sqrt(lambda) * aug_normal(r) + 0.5);
	double limit = exp(-lambda), p = 1;
	int k = 0;
	do {
		k++;
		p *= dh_rng_double(r);
	} while (p > limit);
	return k - 1;
}

static dh_status op_noise(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	const char *t = n->t->name;
	dh_image *img = s->img;
	size_t N = nvals(img);
	dh_rng nr;
	if (!strcmp(t, "gaussian_noise")) {
		float sd = (float)num(n, "std", r), mean = (float)num(n, "mean", r);
		aug_ngen g = {{{0}}, 0, 0};
		dh_rng_split(&g.r, r, 1);
		if (img->dtype == DH_U8) {
			uint8_t *p = img->data;
			const float m5 = mean + 0.5f;
			size_t i = 0;
			for (; i + 1 < N; i += 2) {
				/* two deviates from each 64-bit draw */
				uint64_t u = aug_next(&g.r);
				int32_t h0 = (int32_t)(uint32_t)(u >> 32), h1 = (int32_t)(uint32_t)u;
				int z0 = h0 & 127, z1 = h1 & 127;
				int64_t a0 = h0 < 0 ? -(int64_t)h0 : h0, a1 = h1 < 0 ? -(int64_t)h1 : h1;
				float n0 = a0 < (int64_t)aug_zig_k[z0] ? h0 * aug_zig_w[z0] : aug_normal_slow(&g, h0, z0);
				float n1 = a1 < (int64_t)aug_zig_k[z1] ? h1 * aug_zig_w[z1] : aug_normal_slow(&g, h1, z1);
				float v0 = p[i] + m5 + sd * n0, v1 = p[i + 1] + m5 + sd * n1;
				p[i] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : (uint8_t)v0;
				p[i + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : (uint8_t)v1;
			}
			for (; i < N; i++) {
				float v = p[i] + m5 + sd * aug_ngen_next(&g);
				p[i] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
			}
		} else {
			float *p = (float *)(void *)img->data;
			for (size_t i = 0; i < N; i++)
				p[i] += mean + sd * aug_ngen_next(&g);
		}
	} else if (!strcmp(t, "laplace_noise")) {
		double b = num(n, "std", r) / M_SQRT2;
		dh_rng_split(&nr, r, 2);
		for (size_t i = 0; i < N; i++) {
			double u = dh_rng_double(&nr) - 0.5;
			setv(img, i, (float)(getv(img, i) - b * (u < 0 ? -1 : 1) * log(1 - 2 * fabs(u))));
		}
	} else {
		double lambda = num(n, "lambda", r);
		dh_rng_split(&nr, r, 3);
		for (size_t i = 0; i < N; i++)
			setv(img, i, (float)(getv(img, i) + poisson(&nr, lambda)));
	}
	return DH_OK;
}

/* salt, pepper, salt_and_pepper */
static dh_status op_salt(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	const char *t = n->t->name;
	double amount = num(n, "amount", r), pc = num(n, "per_channel", r);
	int per_channel = pc > 0 && dh_rng_double(r) < pc;
	int kind = !strcmp(t, "salt") ? 1 : !strcmp(t, "pepper") ? 0 : 2;
	dh_image *img = s->img;
	const int C = img->channels;
	size_t px = (size_t)img->width * img->height * img->depth;
	float hi = (float)s->hi;
	dh_rng nr;
	dh_rng_split(&nr, r, 4);
	for (size_t i = 0; i < px; i++) {
		int reps = per_channel ? C : 1;
		for (int k = 0; k < reps; k++) {
			if (!(dh_rng_double(&nr) < amount))
				continue;
			float v = kind == 2 ? (dh_rng_u64(&nr) >> 63 ? hi : 0) : kind ? hi : 0;
			if (per_channel)
				setv(img, i * C + k, v);
			else
				for (int c = 0; c < C; c++)
					setv(img, i * C + c, v);
		}
	}
	return DH_OK;
}

static void fill_rect(dh_image *img, int x0, int y0, int x1, int y1, int ch,
		      float v)
{
	const int C = img->channels;
	if (x0 < 0) x0 = 0;
	if (y0 < 0) y0 = 0;
	if (x1 > img->width) x1 = img->width;
	if (y1 > img->height) y1 = img->height;
	for (int z = 0; z < img->depth; z++)
		for (int y = y0; y < y1; y++)
			for (int x = x0; x < x1; x++)
				for (int c = 0; c < C; c++)
					if (ch < 0 || c == ch)
						setv(img, (((size_t)z * img->height + y) * img->width + x) * C + c, v);
}

static dh_status op_coarse_dropout(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	double amount = num(n, "amount", r), size = num(n, "size", r);
	double pc = num(n, "per_channel", r);
	int per_channel = pc > 0 && dh_rng_double(r) < pc;
	dh_image *img = s->img;
	int W = img->width, H = img->height;
	int rw = (int)lround(size * W), rh = (int)lround(size * H);
	if (rw < 1) rw = 1;
	if (rh < 1) rh = 1;
	for (int y = 0; y < H; y += rh)
		for (int x = 0; x < W; x += rw) {
			if (per_channel) {
				for (int c = 0; c < img->channels; c++)
					if (dh_rng_double(r) < amount)
						fill_rect(img, x, y, x + rw, y + rh, c, 0);
			} else if (dh_rng_double(r) < amount) {
				fill_rect(img, x, y, x + rw, y + rh, -1, 0);
			}
		}
	return DH_OK;
}

static dh_status op_random_erasing(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	dh_image *img = s->img;
	int W = img->width, H = img->height;
	double value = num(n, "value", r), rlo, rhi;
	for (int k = 0; k < 10; k++) {
		double a = (double)W * H * num(n, "area", r);
		double ratio = log_uniform(n, "ratio", r, &rlo, &rhi);
		int h = (int)lround(sqrt(a * ratio)), w = (int)lround(sqrt(a / ratio));
		if (w < 1 || h < 1 || w > W || h > H)
			continue;
		int x = (int)dh_rng_below(r, (uint64_t)(W - w + 1));
		int y = (int)dh_rng_below(r, (uint64_t)(H - h + 1));
		fill_rect(img, x, y, x + w, y + h, -1, (float)value);
		break;
	}
	return DH_OK;
}

static dh_status op_cutout(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	int holes = (int)num(n, "holes", r);
	double value = num(n, "value", r);
	for (int k = 0; k < holes; k++) {
		int size = (int)num(n, "size", r);
		int cx = (int)dh_rng_below(r, (uint64_t)s->img->width);
		int cy = (int)dh_rng_below(r, (uint64_t)s->img->height);
		fill_rect(s->img, cx - size / 2, cy - size / 2, cx - size / 2 + size,
			  cy - size / 2 + size, -1, (float)value);
	}
	return DH_OK;
}

static dh_status op_gamma(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	double g = num(n, "gamma", r), hi = s->hi;
	dh_image *img = s->img;
	size_t N = nvals(img);
	if (img->dtype == DH_U8) {
		uint8_t lut[256];
		for (int v = 0; v < 256; v++)
			lut[v] = dh_sat_u8(hi * pow(v / hi, g));
		for (size_t i = 0; i < N; i++)
			img->data[i] = lut[img->data[i]];
	} else {
		float *p = (float *)(void *)img->data;
		for (size_t i = 0; i < N; i++)
			if (p[i] > 0)
				p[i] = (float)(hi * pow(p[i] / hi, g));
	}
	return DH_OK;
}

/* v * a + b on every value (a LUT for u8). */
static void linear(dh_image *img, double a, double b)
{
	size_t N = nvals(img);
	if (img->dtype == DH_U8) {
		uint8_t lut[256];
		for (int v = 0; v < 256; v++)
			lut[v] = dh_sat_u8(v * a + b);
		for (size_t i = 0; i < N; i++)
			img->data[i] = lut[img->data[i]];
	} else {
		float *p = (float *)(void *)img->data;
		for (size_t i = 0; i < N; i++)
			p[i] = (float)(p[i] * a + b);
	}
}

static dh_status op_brightness(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	linear(s->img, 1, num(n, "beta", r));
	return DH_OK;
}

static dh_status op_brightness_contrast(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	double b = num(n, "brightness", r), c = num(n, "contrast", r);
	linear(s->img, 1 + c, b * s->hi);
	return DH_OK;
}

static void rgb2hsv(float r, float g, float b, float *h, float *s, float *v)
{
	float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b)), d = mx - mn;
	*v = mx;
	*s = mx > 0 ? d / mx : 0;
	if (d <= 0) {
		*h = 0;
		return;
	}
	float hh = mx == r ? (g - b) / d : mx == g ? 2 + (b - r) / d : 4 + (r - g) / d;
	hh *= 60;
	*h = hh < 0 ? hh + 360 : hh;
}

static void hsv2rgb(float h, float s, float v, float *r, float *g, float *b)
{
	h = fmodf(h, 360);
	if (h < 0)
		h += 360;
	float c = v * s, hp = h / 60, x = c * (1 - fabsf(fmodf(hp, 2) - 1)), m = v - c;
	float rr = 0, gg = 0, bb = 0;
	int k = (int)hp;
	switch (k) {
	case 0: rr = c, gg = x; break;
	case 1: rr = x, gg = c; break;
	case 2: gg = c, bb = x; break;
	case 3: gg = x, bb = c; break;
	case 4: rr = x, bb = c; break;
	default: rr = c, bb = x; break;
	}
	*r = rr + m, *g = gg + m, *b = bb + m;
}

static dh_status op_color_jitter(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double br = num(n, "brightness", r), co = num(n, "contrast", r);
	double sa = num(n, "saturation", r), hu = num(n, "hue", r);
	dh_image *img = s->img;
	const int C = img->channels;
	size_t px = (size_t)img->width * img->height * img->depth, N = px * C;
	if ((sa != 0 || hu != 0) && C != 3)
		return dh_err_set(e, DH_EINVAL, "color_jitter: saturation and hue need 3 channels, not %d", C);
	if (br != 0)
		linear(img, 1 + br, 0);
	if (co != 0) {
		double m = 0;
		for (size_t i = 0; i < N; i++)
			m += getv(img, i);
		m /= (double)N;
		linear(img, 1 + co, -m * co);
	}
	if (sa == 0 && hu == 0)
		return DH_OK;
	int bgr = img->color == DH_COLOR_BGR;
	float hi = (float)s->hi;
	for (size_t i = 0; i < px; i++) {
		float R = getv(img, i * 3 + (bgr ? 2 : 0)), G = getv(img, i * 3 + 1),
		      B = getv(img, i * 3 + (bgr ? 0 : 2));
		if (sa != 0) {
			float g = 0.299f * R + 0.587f * G + 0.114f * B, f = (float)(1 + sa);
			R = g + (R - g) * f, G = g + (G - g) * f, B = g + (B - g) * f;
		}
		if (hu != 0) {
			float h, S, V;
			R = fminf(fmaxf(R, 0), hi), G = fminf(fmaxf(G, 0), hi), B = fminf(fmaxf(B, 0), hi);
			rgb2hsv(R, G, B, &h, &S, &V);
			hsv2rgb(h + (float)hu, S, V, &R, &G, &B);
		}
		setv(img, i * 3 + (bgr ? 2 : 0), R);
		setv(img, i * 3 + 1, G);
		setv(img, i * 3 + (bgr ? 0 : 2), B);
	}
	return DH_OK;
}

/* A float32 copy of img with v -> (v * a[c] + b[c]). */
static dh_image *to_f32(const dh_image *img, const double *a, const double *b, dh_err *e)
{
	dh_image *out = dh_image_new_like(img, DH_F32, 0, img->color, e);
	if (!out)
		return NULL;
	const int C = img->channels;
	size_t px = (size_t)img->width * img->height * img->depth;
	float *o = (float *)(void *)out->data;
	float fa[AUG_MAX_VEC > DH_IMAGE_MAX_CHANNELS ? AUG_MAX_VEC : DH_IMAGE_MAX_CHANNELS];
	float fb[sizeof fa / sizeof fa[0]];
	for (int c = 0; c < C; c++)
		fa[c] = (float)a[c], fb[c] = (float)b[c];
	if (img->dtype == DH_U8 && C == 3) {
		const uint8_t *p = img->data;
		for (size_t i = 0; i < px; i++) {
			o[3 * i] = p[3 * i] * fa[0] + fb[0];
			o[3 * i + 1] = p[3 * i + 1] * fa[1] + fb[1];
			o[3 * i + 2] = p[3 * i + 2] * fa[2] + fb[2];
		}
	} else {
		for (size_t i = 0; i < px; i++)
			for (int c = 0; c < C; c++)
				o[i * C + c] = getv(img, i * C + c) * fa[c] + fb[c];
	}
	return out;
}

static dh_status scale_img(aug_state *s, double a, double b, dh_err *e)
{
	double av[DH_IMAGE_MAX_CHANNELS], bv[DH_IMAGE_MAX_CHANNELS];
	for (int c = 0; c < s->img->channels; c++)
		av[c] = a, bv[c] = b;
	dh_image *o = to_f32(s->img, av, bv, e);
	if (!o)
		return fail(e);
	aug_replace(s, o, NULL);
	return DH_OK;
}

static dh_status scale_mask(aug_state *s, double a, dh_err *e)
{
	if (!s->mask)
		return DH_OK;
	dh_image *m = dh_image_convert(s->mask, DH_F32, a, 0, e);
	if (!m)
		return fail(e);
	aug_replace(s, NULL, m);
	return DH_OK;
}

static dh_status op_normalize(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	const int C = s->img->channels;
	double mean[AUG_MAX_VEC], sd[AUG_MAX_VEC], a[DH_IMAGE_MAX_CHANNELS], b[DH_IMAGE_MAX_CHANNELS];
	int gm, gs;
	aug_vec(n, pidx(n, "mean"), mean, AUG_MAX_VEC, &gm, r);
	aug_vec(n, pidx(n, "std"), sd, AUG_MAX_VEC, &gs, r);
	if ((gm != 1 && gm != C) || (gs != 1 && gs != C))
		return dh_err_set(e, DH_ESHAPE, "normalize: mean has %d value%s and std %d, but the image has %d channel%s",
				  gm, gm == 1 ? "" : "s", gs, C, C == 1 ? "" : "s");
	double div = num(n, "divisor", r);
	for (int c = 0; c < C; c++) {
		double m = mean[gm == 1 ? 0 : c], d = sd[gs == 1 ? 0 : c];
		a[c] = 1 / (div * d);
		b[c] = -m / d;
	}
	dh_image *o = to_f32(s->img, a, b, e);
	if (!o)
		return fail(e);
	aug_replace(s, o, NULL);
	s->hi = 1;
	return DH_OK;
}

static dh_status op_div255(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)r;
	dh_status st = scale_img(s, 1 / 255.0, 0, e);
	if (!st && n->ecvl)
		st = scale_mask(s, 1 / 255.0, e);
	s->hi /= 255;
	return st;
}

static dh_status op_to_float32(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double d = num(n, "divisor", r);
	dh_status st = scale_img(s, 1 / d, 0, e);
	int im = pidx(n, "mask_divisor");
	if (!st && (n->ecvl || aug_given(n, im)))
		st = scale_mask(s, 1 / num(n, "mask_divisor", r), e);
	s->hi /= d;
	return st;
}

static void minmax(const dh_image *img, double *lo, double *hi)
{
	size_t N = nvals(img);
	double a = INFINITY, b = -INFINITY;
	for (size_t i = 0; i < N; i++) {
		double v = getv(img, i);
		if (v < a) a = v;
		if (v > b) b = v;
	}
	*lo = a, *hi = b;
}

static dh_status op_scale_to(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	double nlo = num(n, "new_min", r), nhi = num(n, "new_max", r), lo, hi;
	if (!strcmp(n->t->name, "scale_from_to"))
		lo = num(n, "old_min", r), hi = num(n, "old_max", r);
	else
		minmax(s->img, &lo, &hi);
	double a = hi > lo ? (nhi - nlo) / (hi - lo) : 0;
	s->hi = nhi;
	return scale_img(s, a, nlo - lo * a, e);
}

static dh_status op_clip(const aug_node *n, aug_state *s, dh_rng *r, dh_err *e)
{
	(void)e;
	double lo = num(n, "min", r), hi = num(n, "max", r);
	if (isnan(lo)) lo = 0;
	if (isnan(hi)) hi = s->hi;
	dh_image *img = s->img;
	size_t N = nvals(img);
	for (size_t i = 0; i < N; i++) {
		float v = getv(img, i);
		setv(img, i, v < lo ? (float)lo : v > hi ? (float)hi : v);
	}
	return DH_OK;
}

/* --- the table ---------------------------------------------------------- */

const aug_tspec aug_transforms[] = {
	{"rotate", "AugRotate", NULL, op_rotate, 1, 0, {
		{"angle", NULL, PT_NUM, REQ, -3600, 3600, 0, NULL, "degrees, counter-clockwise"},
		{"center", NULL, PT_VEC, REQ, -BIG, BIG, 1, NULL, "pixels (x, y); default the image centre"},
		{"scale", NULL, PT_NUM, DEF(1), 1e-3, 1e3, 0, NULL, "factor"},
		P_INTERP(1), P_MINTERP, P_BORDER(0), P_VALUE}},
	{"zoom", NULL, NULL, op_affine, 1, 0, {
		{"factor", NULL, PT_NUM, REQ, 1e-3, 1e3, 0, NULL, "factor (above 1 enlarges)"},
		P_INTERP(1), P_MINTERP, P_BORDER(0), P_VALUE}},
	{"translate", NULL, "shift", op_affine, 1, 0, {
		{"x", NULL, PT_NUM, DEF(0), -10, 10, 0, NULL, "fraction of the width"},
		{"y", NULL, PT_NUM, DEF(0), -10, 10, 0, NULL, "fraction of the height"},
		P_INTERP(1), P_MINTERP, P_BORDER(0), P_VALUE}},
	{"shear", NULL, NULL, op_affine, 1, 0, {
		{"x", NULL, PT_NUM, DEF(0), -89, 89, 0, NULL, "degrees"},
		{"y", NULL, PT_NUM, DEF(0), -89, 89, 0, NULL, "degrees"},
		P_INTERP(1), P_MINTERP, P_BORDER(0), P_VALUE}},
	{"resize", "AugResizeDim", NULL, op_resize, 1, 0, {
		{"size", "dims", PT_VEC, REQ, 1, 1 << 20, 1, NULL, "pixels (w, h)"},
		{"scale", NULL, PT_VEC, REQ, 1e-4, 1e4, 1, NULL, "factors (x, y)"},
		P_INTERP(1), P_MINTERP}},
	{"resize_scale", "AugResizeScale", NULL, op_resize, 1, 0, {
		{"scale", NULL, PT_VEC, REQ, 1e-4, 1e4, 0, NULL, "factors (x, y)"},
		P_INTERP(1), P_MINTERP}},
	{"flip", "AugFlip", "vflip", op_flip, 0.5, 0, {{0}}},
	{"mirror", "AugMirror", "hflip", op_flip, 0.5, 0, {{0}}},
	{"transpose", "AugTranspose", NULL, op_transpose, 0.5, 0, {{0}}},
	{"random_crop", "AugRandomCrop", "crop", op_random_crop, 1, 0, {
		{"size", NULL, PT_VEC, REQ, 1, 1 << 20, 0, NULL, "pixels (w, h)"},
		P_BORDER(0), P_VALUE}},
	{"center_crop", "AugCenterCrop", "centre_crop", op_center_crop, 1, 0, {
		{"size", NULL, PT_VEC, REQ, 1, 1 << 20, 1, NULL, "pixels (w, h); default the largest centred square"}}},
	{"random_resized_crop", NULL, NULL, op_random_resized_crop, 1, 0, {
		{"size", NULL, PT_VEC, REQ, 1, 1 << 20, 0, NULL, "pixels (w, h) of the output"},
		{"area", NULL, PT_NUM, 0.08, 1, 1e-6, 1, 0, NULL, "fraction of the image's area"},
		{"ratio", NULL, PT_NUM, 0.75, 4.0 / 3, 1e-3, 1e3, 0, NULL, "width/height, drawn log-uniformly"},
		P_INTERP(1), P_MINTERP}},
	{"elastic", "AugElasticTransform", "elastic_transform", op_elastic, 1, 0, {
		{"alpha", NULL, PT_NUM, DEF(34), 0, 1e4, 0, NULL, "pixels of displacement"},
		{"sigma", NULL, PT_NUM, DEF(4), 0, 1e3, 0, NULL, "pixels (smoothness)"},
		P_INTERP(1), P_MINTERP, P_BORDER(3), P_VALUE}},
	{"grid_distortion", "AugGridDistortion", "grid", op_grid, 1, 0, {
		{"num_steps", NULL, PT_INT, DEF(5), 1, 1024, 0, NULL, "cells per side"},
		{"distort_limit", NULL, PT_NUM, -0.3, 0.3, -0.99, 10, 0, NULL, "relative stretch of each cell"},
		P_INTERP(1), P_MINTERP, P_BORDER(3), P_VALUE}},
	{"optical_distortion", "AugOpticalDistortion", "optical", op_optical, 1, 0, {
		{"distort_limit", NULL, PT_NUM, -0.3, 0.3, -10, 10, 0, NULL, "radial coefficient k"},
		{"shift_limit", NULL, PT_NUM, -0.1, 0.1, -1, 1, 0, NULL, "centre shift, fraction of the size"},
		P_INTERP(1), P_MINTERP, P_BORDER(3), P_VALUE}},
	{"gaussian_blur", "AugGaussianBlur", "blur", op_blur, 1, 0, {
		{"sigma", NULL, PT_NUM, REQ, 0, 1000, 0, NULL, "pixels"}}},
	{"gaussian_noise", NULL, "noise", op_noise, 1, 0, {
		{"std", "std_dev", PT_NUM, REQ, 0, BIG, 0, NULL, "value units"},
		{"mean", NULL, PT_NUM, DEF(0), -BIG, BIG, 0, NULL, "value units"}}},
	{"laplace_noise", "AugAdditiveLaplaceNoise", NULL, op_noise, 1, 0, {
		{"std", "std_dev", PT_NUM, REQ, 0, BIG, 0, NULL, "value units"}}},
	{"poisson_noise", "AugAdditivePoissonNoise", NULL, op_noise, 1, 0, {
		{"lambda", NULL, PT_NUM, REQ, 0, 1e6, 0, NULL, "value units (mean of the added counts)"}}},
	{"salt", "AugSalt", NULL, op_salt, 1, 1, {
		{"amount", "p", PT_NUM, REQ, 0, 1, 0, NULL, "fraction of pixels"},
		{"per_channel", NULL, PT_NUM, DEF(0), 0, 1, 0, NULL, "probability of choosing channels apart"}}},
	{"pepper", "AugPepper", NULL, op_salt, 1, 1, {
		{"amount", "p", PT_NUM, REQ, 0, 1, 0, NULL, "fraction of pixels"},
		{"per_channel", NULL, PT_NUM, DEF(0), 0, 1, 0, NULL, "probability of choosing channels apart"}}},
	{"salt_and_pepper", "AugSaltAndPepper", "salt_pepper", op_salt, 1, 1, {
		{"amount", "p", PT_NUM, REQ, 0, 1, 0, NULL, "fraction of pixels"},
		{"per_channel", NULL, PT_NUM, DEF(0), 0, 1, 0, NULL, "probability of choosing channels apart"}}},
	{"coarse_dropout", "AugCoarseDropout", "dropout", op_coarse_dropout, 1, 1, {
		{"amount", "p", PT_NUM, REQ, 0, 1, 0, NULL, "probability of dropping each rectangle"},
		{"size", "drop_size", PT_NUM, REQ, 0, 1, 0, NULL, "rectangle side, fraction of the image side"},
		{"per_channel", NULL, PT_NUM, DEF(0), 0, 1, 0, NULL, "probability of choosing channels apart"}}},
	{"random_erasing", NULL, "erase", op_random_erasing, 0.5, 0, {
		{"area", NULL, PT_NUM, 0.02, 0.33, 1e-6, 1, 0, NULL, "fraction of the image's area"},
		{"ratio", NULL, PT_NUM, 0.3, 3.3, 1e-3, 1e3, 0, NULL, "height/width, drawn log-uniformly"},
		{"value", NULL, PT_NUM, DEF(0), -BIG, BIG, 0, NULL, "value units"}}},
	{"cutout", NULL, NULL, op_cutout, 1, 0, {
		{"holes", NULL, PT_INT, DEF(1), 0, 1000, 0, NULL, "squares"},
		{"size", NULL, PT_INT, REQ, 1, 1 << 20, 0, NULL, "pixels (side of each square)"},
		{"value", NULL, PT_NUM, DEF(0), -BIG, BIG, 0, NULL, "value units"}}},
	{"gamma", "AugGammaContrast", "gamma_contrast", op_gamma, 1, 0, {
		{"gamma", NULL, PT_NUM, REQ, 1e-3, 1e3, 0, NULL, "exponent"}}},
	{"brightness", "AugBrightness", NULL, op_brightness, 1, 0, {
		{"beta", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units, added"}}},
	{"brightness_contrast", NULL, NULL, op_brightness_contrast, 1, 0, {
		{"brightness", NULL, PT_NUM, DEF(0), -10, 10, 0, NULL, "fraction of full intensity, added"},
		{"contrast", NULL, PT_NUM, DEF(0), -1, 10, 0, NULL, "relative change of the gain"}}},
	{"color_jitter", NULL, "colour_jitter", op_color_jitter, 1, 0, {
		{"brightness", NULL, PT_NUM, DEF(0), -1, 10, 0, NULL, "relative change"},
		{"contrast", NULL, PT_NUM, DEF(0), -1, 10, 0, NULL, "relative change about the mean"},
		{"saturation", NULL, PT_NUM, DEF(0), -1, 10, 0, NULL, "relative change about the gray value"},
		{"hue", NULL, PT_NUM, DEF(0), -180, 180, 0, NULL, "degrees"}}},
	{"normalize", "AugNormalize", "normalise", op_normalize, 1, 0, {
		{"mean", NULL, PT_VEC, REQ, -BIG, BIG, 0, NULL, "value units, one or one per channel"},
		{"std", NULL, PT_VEC, REQ, 1e-12, BIG, 0, NULL, "value units, one or one per channel"},
		{"divisor", NULL, PT_NUM, DEF(1), 1e-12, BIG, 0, NULL, "values are divided by it first"}}},
	{"div255", "AugDivBy255", "divby255", op_div255, 1, 0, {{0}}},
	{"to_float32", "AugToFloat32", "to_float", op_to_float32, 1, 0, {
		{"divisor", NULL, PT_NUM, DEF(1), 1e-12, BIG, 0, NULL, "the image is divided by it"},
		{"mask_divisor", "divisor_gt", PT_NUM, DEF(1), 1e-12, BIG, 0, NULL, "the mask is divided by it"}}},
	{"scale_to", "AugScaleTo", NULL, op_scale_to, 1, 0, {
		{"new_min", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"},
		{"new_max", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"}}},
	{"scale_from_to", "AugScaleFromTo", NULL, op_scale_to, 1, 0, {
		{"old_min", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"},
		{"old_max", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"},
		{"new_min", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"},
		{"new_max", NULL, PT_NUM, REQ, -BIG, BIG, 0, NULL, "value units"}}},
	{"clip", NULL, "clamp", op_clip, 1, 0, {
		{"min", NULL, PT_NUM, REQ, -BIG, BIG, 1, NULL, "value units; default 0"},
		{"max", NULL, PT_NUM, REQ, -BIG, BIG, 1, NULL, "value units; default full intensity"}}},
};
const int aug_ntransforms = (int)(sizeof aug_transforms / sizeof aug_transforms[0]);
