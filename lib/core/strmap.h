/* strmap.h - a string -> int64 hash map (open addressing), for name lookups
 * in graphs and datasets.  Keys are borrowed: they must outlive the map. */
#ifndef DH_CORE_STRMAP_H
#define DH_CORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct dh_strmap {
	const char **keys;
	int64_t *vals;
	size_t cap, len; /* cap is a power of two */
} dh_strmap;

void dh_strmap_init(dh_strmap *m);
void dh_strmap_release(dh_strmap *m);
/* Insert or replace. */
dh_status dh_strmap_put(dh_strmap *m, const char *key, int64_t val, dh_err *e);
/* 1 and *val if present, else 0. */
int dh_strmap_get(const dh_strmap *m, const char *key, int64_t *val);

#endif
