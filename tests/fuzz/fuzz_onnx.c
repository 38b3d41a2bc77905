/* fuzz_onnx.c - libFuzzer target: ONNX parsing (protobuf-c), initializer
 * decoding and the structural check, as `dh-onnx check` runs them. */
#include <stddef.h>
#include <stdint.h>

#include "onnx/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dh_err e;
	/* a folder that does not exist: external data resolve to nothing */
	dh_onnx_model *m = dh_onnx_parse(data, size, "/nonexistent-fuzz/m.onnx", &e);
	if (m) {
		dh_onnx_check(m, ignore, NULL, &e);
		dh_onnx_free(m);
	}
	return 0;
}
