/* fuzz_yaml.c - libFuzzer target: the YAML syntax check and its messages. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset/yamlcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	dh_err e;
	dh_yaml_check_stream(f, "fuzz.yml", &e);
	fclose(f);
	return 0;
}
