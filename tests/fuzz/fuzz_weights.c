/* fuzz_weights.c - libFuzzer target: the weights and gradients stream
 * reader (manifest, names, .npy records, what may follow). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "onnx/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dh_err e;
	dh_weights *w = dh_weights_from_buffer(data, size, "fuzz", &e);
	if (w) {
		/* what was read serialises again */
		uint8_t *buf = NULL;
		size_t len = 0;
		if (!dh_weights_to_buffer(w, &buf, &len, &e)) {
			dh_weights *again = dh_weights_from_buffer(buf, len, "again", &e);
			if (!again || again->n != w->n)
				__builtin_trap();
			dh_weights_free(again);
		}
		free(buf);
	}
	dh_weights_free(w);
	return 0;
}
