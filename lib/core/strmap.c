/* strmap.c - string hash map (see strmap.h). */
#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no adversary worth a keyed hash here */
static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

void dh_strmap_init(dh_strmap *m)
{
	memset(m, 0, sizeof *m);
}

void dh_strmap_release(dh_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static size_t slot(const dh_strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static dh_status grow(dh_strmap *m, dh_err *e)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	dh_strmap n = {calloc(cap, sizeof *n.keys), calloc(cap, sizeof *n.vals),
		       cap, 0};
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = slot(&n, m->keys[i]);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.len++;
		}
	dh_strmap_release(m);
	*m = n;
	return DH_OK;
}

dh_status dh_strmap_put(dh_strmap *m, const char *key, int64_t val, dh_err *e)
{
	/* keep the load under 3/4 so probes stay short */
	if ((m->len + 1) * 4 > m->cap * 3) {
		dh_status s = grow(m, e);
		if (s)
			return s;
	}
	size_t i = slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->len++;
	}
	m->vals[i] = val;
	return DH_OK;
}

int dh_strmap_get(const dh_strmap *m, const char *key, int64_t *val)
{
	if (!m->cap)
		return 0;
	size_t i = slot(m, key);
	if (!m->keys[i])
		return 0;
	if (val)
		*val = m->vals[i];
	return 1;
}
