/* alloc.c - aligned, overflow-checked allocation (see alloc.h). */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

void *dh_alloc_aligned(size_t n, dh_err *e)
{
	size_t rounded;
	/* aligned_alloc wants a multiple of the alignment; never ask for 0 */
	if (dh_size_add(n ? n : 1, DH_ALIGN - 1, &rounded)) {
		dh_err_set(e, DH_ENOMEM, "allocation of %zu bytes overflows", n);
		return NULL;
	}
	rounded &= ~(size_t)(DH_ALIGN - 1);
	void *p = aligned_alloc(DH_ALIGN, rounded);
	if (!p)
		dh_err_set(e, DH_ENOMEM, "out of memory allocating %zu bytes", n);
	return p;
}

void *dh_calloc_aligned(size_t count, size_t size, dh_err *e)
{
	size_t n;
	if (dh_size_mul(count, size, &n)) {
		dh_err_set(e, DH_ENOMEM, "allocation of %zu x %zu bytes overflows",
			   count, size);
		return NULL;
	}
	void *p = dh_alloc_aligned(n, e);
	if (p)
		memset(p, 0, n);
	return p;
}

void dh_free_aligned(void *p)
{
	free(p);
}

void *dh_malloc(size_t n, dh_err *e)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		dh_err_set(e, DH_ENOMEM, "out of memory allocating %zu bytes", n);
	return p;
}

void *dh_realloc(void *p, size_t n, dh_err *e)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		dh_err_set(e, DH_ENOMEM, "out of memory allocating %zu bytes", n);
	return q;
}

char *dh_strdup(const char *s, dh_err *e)
{
	size_t n = strlen(s) + 1;
	char *d = dh_malloc(n, e);
	if (d)
		memcpy(d, s, n);
	return d;
}
