/* alloc.h - aligned, overflow-checked allocation.
 *
 * All tensor and image storage is 64-byte aligned so that AVX-512 loads of
 * a row start never straddle a cache line. */
#ifndef DH_CORE_ALLOC_H
#define DH_CORE_ALLOC_H

#include <stddef.h>

#include "core/error.h"

#define DH_ALIGN 64

/* 64-byte aligned block of n bytes (n may be 0); NULL and DH_ENOMEM in e on
 * failure.  Free with dh_free_aligned. */
void *dh_alloc_aligned(size_t n, dh_err *e);
/* The same, zero-filled; n = count * size, checked for overflow. */
void *dh_calloc_aligned(size_t count, size_t size, dh_err *e);
void dh_free_aligned(void *p);

/* Plain malloc/realloc that record DH_ENOMEM in e on failure. */
void *dh_malloc(size_t n, dh_err *e);
void *dh_realloc(void *p, size_t n, dh_err *e);
/* strdup that records DH_ENOMEM. */
char *dh_strdup(const char *s, dh_err *e);

#endif
