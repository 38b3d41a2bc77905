/* rng.c - xoshiro256** with SplitMix64 seeding (see rng.h). */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A strong 64-bit mix used to fold keys into a seed. */
static uint64_t mix64(uint64_t z)
{
	uint64_t x = z;
	return splitmix64(&x);
}

void dh_rng_seed(dh_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	/* the all-zero state is the one xoshiro cannot leave */
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

void dh_rng_derive(dh_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t h = mix64(seed ^ 0x6a09e667f3bcc908ull);
	h = mix64(h ^ mix64(a + 0xbb67ae8584caa73bull));
	h = mix64(h ^ mix64(b + 0x3c6ef372fe94f82bull));
	dh_rng_seed(r, h);
}

void dh_rng_split(dh_rng *child, const dh_rng *parent, uint64_t key)
{
	uint64_t h = parent->s[0] ^ mix64(parent->s[1] ^ mix64(parent->s[2])) ^
		     mix64(parent->s[3] + key * 0x9e3779b97f4a7c15ull);
	dh_rng_seed(child, mix64(h ^ key));
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t dh_rng_u64(dh_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

float dh_rng_float(dh_rng *r)
{
	return (float)(dh_rng_u64(r) >> 40) * 0x1.0p-24f;
}

double dh_rng_double(dh_rng *r)
{
	return (double)(dh_rng_u64(r) >> 11) * 0x1.0p-53;
}

float dh_rng_uniform(dh_rng *r, float lo, float hi)
{
	return lo + (hi - lo) * dh_rng_float(r);
}

uint64_t dh_rng_below(dh_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift with rejection of the biased low zone */
	unsigned __int128 m = (unsigned __int128)dh_rng_u64(r) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)dh_rng_u64(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

float dh_rng_normal(dh_rng *r, float mean, float std)
{
	/* u1 in (0, 1] so that log never sees 0 */
	double u1 = 1.0 - dh_rng_double(r);
	double u2 = dh_rng_double(r);
	double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
	return mean + std * (float)z;
}

void dh_rng_shuffle(dh_rng *r, int64_t *idx, int64_t n)
{
	for (int64_t i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)dh_rng_below(r, (uint64_t)i + 1);
		int64_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}
