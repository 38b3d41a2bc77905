/* fuzz_ddf.c - libFuzzer target: the DDF parser and writer.  Whatever
 * parses must write out as text that parses again and writes out the same
 * bytes (the round trip dh-ddf(5) promises). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/ddf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *render(const dh_ddf *d, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	if (!f)
		abort();
	dh_ddf_write_file(d, f);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	dh_err e;
	dh_ddf *d = dh_ddf_parse((const char *)data, size, "fuzz.yml", &e);
	if (!d) {
		/* one line, naming the file */
		if (strchr(e.msg, '\n') || strncmp(e.msg, "fuzz.yml", 8))
			abort();
		return 0;
	}
	size_t n1, n2;
	char *a = render(d, &n1);
	dh_ddf *d2 = dh_ddf_parse(a, n1, "fuzz.yml", &e);
	if (!d2) {
		fprintf(stderr, "written text does not parse: %s\n%s\n", e.msg, a);
		abort();
	}
	char *b = render(d2, &n2);
	if (n1 != n2 || memcmp(a, b, n1)) {
		fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", a, b);
		abort();
	}
	free(a);
	free(b);
	dh_ddf_free(d);
	dh_ddf_free(d2);
	return 0;
}
