/* rng.h - seedable, splittable pseudo-random numbers.
 *
 * xoshiro256** for the stream itself, seeded through SplitMix64.  Streams are
 * split by key rather than by position: dh_rng_derive(seed, a, b) gives the
 * same independent stream for the same (seed, a, b) whatever else ran before,
 * so a sample's augmentation can depend on (seed, epoch, index) alone and stay
 * bit-identical under any thread count or processing order. */
#ifndef DH_CORE_RNG_H
#define DH_CORE_RNG_H

#include <stdint.h>

typedef struct dh_rng {
	uint64_t s[4];
} dh_rng;

/* Domain tags XORed into the seed so that uses of one seed never share a
 * stream: augmentation (per sample: epoch, index) is one such use, keyed the
 * same in dh-augment and in dh-train's loader so both give a sample the same
 * variant. */
#define DH_RNG_DOMAIN_AUGMENT 0x6175676d656e74ull /* "augment" */

void dh_rng_seed(dh_rng *r, uint64_t seed);
/* The stream for (seed, a, b): e.g. a = epoch, b = sample index. */
void dh_rng_derive(dh_rng *r, uint64_t seed, uint64_t a, uint64_t b);
/* A child stream keyed by `key`, independent of the parent's position. */
void dh_rng_split(dh_rng *child, const dh_rng *parent, uint64_t key);

uint64_t dh_rng_u64(dh_rng *r);
/* Uniform in [0, 1) with 24 (float) or 53 (double) random bits. */
float dh_rng_float(dh_rng *r);
double dh_rng_double(dh_rng *r);
/* Uniform in [lo, hi). */
float dh_rng_uniform(dh_rng *r, float lo, float hi);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t dh_rng_below(dh_rng *r, uint64_t n);
/* Standard normal (Box-Muller; no cached second value, so the state alone
 * decides the next draw). */
float dh_rng_normal(dh_rng *r, float mean, float std);
/* Fisher-Yates shuffle of n indices in place. */
void dh_rng_shuffle(dh_rng *r, int64_t *idx, int64_t n);

#endif
