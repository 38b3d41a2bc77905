/* fuzz_spec.c - libFuzzer target: the network spec parser and builder
 * (dh-onnx-spec(5)): YAML, layers, shape inference, initialisation. */
#include <stddef.h>
#include <stdint.h>

#include "onnx/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	/* at most a million parameters: a fuzzed spec may ask for huge
	 * layers, which would only measure memory */
	dh_err e;
	dh_onnx_model *m = dh_spec_build_string((const char *)data, size,
						"fuzz.yml", 1, 1 << 20,
						"fuzz.onnx", &e);
	dh_onnx_free(m);
	return 0;
}
