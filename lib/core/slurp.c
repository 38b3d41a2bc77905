/* slurp.c - read a whole open file into memory (see slurp.h). */
#include "core/slurp.h"

#include <stdlib.h>

dh_status dh_slurp(FILE *f, size_t max, char **out, size_t *n)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	*out = NULL;
	*n = 0;
	for (;;) {
		if (len + 1 >= cap) {
			if (max && cap > max) {
				free(buf);
				return DH_ERANGE;
			}
			size_t ncap = cap ? 2 * cap : 65536;
			char *b = realloc(buf, ncap);
			if (!b) {
				free(buf);
				return DH_ENOMEM;
			}
			buf = b;
			cap = ncap;
		}
		size_t k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return DH_EIO;
	}
	if (max && len > max) {
		free(buf);
		return DH_ERANGE;
	}
	buf[len] = 0;
	*out = buf;
	*n = len;
	return DH_OK;
}
