/* fuzz_onnx_probe.c - libFuzzer target: the ONNX protobuf wire walk. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "onnx/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	dh_err e;
	dh_onnx_probe_stream(f, "fuzz.onnx", &e);
	fclose(f);
	return 0;
}
