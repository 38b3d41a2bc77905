/* aug_private.h - what the parser, the transforms and the geometry share
 * inside lib/augment (not for other modules). */
#ifndef DH_AUGMENT_AUG_PRIVATE_H
#define DH_AUGMENT_AUG_PRIVATE_H

#include <stdint.h>

#include "augment/augment.h"
#include "core/error.h"
#include "core/rng.h"
#include "image/image.h"

#define AUG_MAX_VEC 8     /* numbers in a vector value */
#define AUG_MAX_CHOICE 16 /* items in a choice */

/* How a parameter was written. */
typedef enum aug_vkind {
	AV_NONE = 0, /* not given: the default */
	AV_NUM,      /* 0.5 */
	AV_RANGE,    /* [a, b]: uniform */
	AV_CHOICE,   /* {a, b, c}: one of them, uniformly */
	AV_VEC,      /* (a, b, c) */
	AV_STR,      /* "text" or a bare word */
} aug_vkind;

typedef struct aug_value {
	aug_vkind kind;
	int n;                       /* numbers in v (range 2, vector/choice n) */
	double v[AUG_MAX_CHOICE];
	int code;                    /* AV_STR: index in the parameter's word list */
	int codes[AUG_MAX_CHOICE];   /* AV_CHOICE of words */
	int words;                   /* AV_CHOICE: 1 when the items are words */
} aug_value;

/* Parameter types of the transform table. */
typedef enum aug_ptype {
	PT_NUM,   /* a real number: constant, range or choice */
	PT_INT,   /* an integer: constant, range (inclusive) or choice */
	PT_VEC,   /* a vector of numbers (a single number is repeated) */
	PT_WORD,  /* one of a list of words (or a choice of them) */
	PT_PROB,  /* a probability: a constant in [0, 1] */
} aug_ptype;

#define AUG_MAX_PARAMS 10

typedef struct aug_pspec {
	const char *name;   /* dh's name */
	const char *ecvl;   /* ECVL's name (NULL: the same or none) */
	aug_ptype type;
	double def;         /* default (PT_NUM/INT/PROB); NAN: required */
	double def2;        /* NAN, or the default is the range [def, def2] */
	double lo, hi;      /* allowed values (checked at parse time) */
	int optional;       /* NAN default means "not given" rather than required */
	const char *words;  /* PT_WORD: "a|b|c" (aliases after '=': "reflect101=reflect_101") */
	const char *unit;   /* for the documentation and messages */
} aug_pspec;

struct aug_state;
struct aug_node;
typedef dh_status (*aug_fn)(const struct aug_node *n, struct aug_state *s,
			    dh_rng *r, dh_err *e);

typedef struct aug_tspec {
	const char *name;   /* dh's name */
	const char *ecvl;   /* ECVL's class name, or NULL */
	const char *alias;  /* another accepted dh name, or NULL */
	aug_fn fn;
	double pdef;        /* default apply probability for dh's spelling */
	int ecvl_p_is_amount; /* ECVL's `p` is the transform's amount, not the
			       * apply probability (AugSalt, AugCoarseDropout) */
	aug_pspec params[AUG_MAX_PARAMS];
} aug_tspec;

extern const aug_tspec aug_transforms[];
extern const int aug_ntransforms;

typedef enum aug_ntype { AN_LEAF, AN_SEQ, AN_ONEOF } aug_ntype;

typedef struct aug_node {
	aug_ntype type;
	const aug_tspec *t;             /* AN_LEAF */
	int ecvl;                       /* spelt with ECVL's name */
	double p;                       /* apply probability */
	aug_value vals[AUG_MAX_PARAMS]; /* by t->params index */
	struct aug_node **kids;
	int nkids, capkids;
	int line, col;
} aug_node;

typedef struct aug_split {
	char *name;
	aug_node *root;
} aug_split;

struct dh_aug {
	char *name;
	aug_split *splits;
	int nsplits;
};

/* The sample being worked on. */
typedef struct aug_state {
	dh_image *img;
	dh_image *mask; /* may be NULL */
	double hi;      /* the value of "full intensity": 255 for u8... */
	const dh_image *keep_img, *keep_mask; /* the caller's: never freed here */
} aug_state;

/* Drawing parameter values. */
double aug_draw(const aug_value *v, const aug_pspec *p, dh_rng *r);
int aug_word(const aug_value *v, dh_rng *r);
/* Parameter i of n as a vector of `want` numbers (a number repeated); the
 * count actually given in *got. */
void aug_vec(const aug_node *n, int i, double *out, int want, int *got,
	     dh_rng *r);
int aug_given(const aug_node *n, int i);

/* Replace s->img (and the mask) with new images, freeing the old. */
void aug_replace(aug_state *s, dh_image *img, dh_image *mask);

/* Geometry (geom.c).  The source position of each output pixel comes from
 * an inverse affine map (2x3, output -> source) or from per-pixel maps. */
typedef enum aug_interp { AI_NEAREST, AI_LINEAR, AI_CUBIC } aug_interp;
typedef enum aug_border {
	AB_CONSTANT, AB_REPLICATE, AB_REFLECT, AB_REFLECT101, AB_WRAP,
	AB_TRANSPARENT
} aug_border;

dh_image *aug_warp_affine(const dh_image *src, const double inv[6], int w,
			  int h, aug_interp m, aug_border b, double value,
			  dh_err *e);
dh_image *aug_remap(const dh_image *src, const float *mx, const float *my,
		    int w, int h, aug_interp m, aug_border b, double value,
		    dh_err *e);
/* Apply the same geometry to image and mask (nearest for the mask,
 * border value 0 unless the border repeats pixels). */
dh_status aug_geom_affine(aug_state *s, const double inv[6], int w, int h,
			  aug_interp m, aug_interp mm, aug_border b,
			  double value, dh_err *e);
dh_status aug_geom_remap(aug_state *s, const float *mx, const float *my,
			 aug_interp m, aug_interp mm, aug_border b,
			 double value, dh_err *e);
/* Standard normal deviates, fast (Marsaglia and Tsang's ziggurat). */
double aug_normal(dh_rng *r);

/* The generator of core/rng.c (xoshiro256**), inline for per-pixel loops:
 * the same stream as dh_rng_u64 on the same state. */
static inline uint64_t aug_next(dh_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* Normal deviates from a private stream. */
typedef struct aug_ngen {
	dh_rng r;
	uint64_t spare;
	int have;
} aug_ngen;
extern const uint32_t *aug_zig_k;
extern const float *aug_zig_w;
float aug_normal_slow(aug_ngen *g, int32_t hz, int iz);
static inline float aug_ngen_next(aug_ngen *g)
{
	uint32_t u32;
	if (g->have) {
		u32 = (uint32_t)g->spare;
		g->have = 0;
	} else {
		uint64_t u = aug_next(&g->r);
		u32 = (uint32_t)(u >> 32);
		g->spare = u;
		g->have = 1;
	}
	int32_t hz = (int32_t)u32;
	int iz = (int)(u32 & 127);
	int64_t ahz = hz < 0 ? -(int64_t)hz : hz;
	if (ahz < (int64_t)aug_zig_k[iz])
		return hz * aug_zig_w[iz];
	return aug_normal_slow(g, hz, iz);
}
void aug_normal_init(void); /* before the first aug_normal */

#endif
