/* fuzz_stream.c - libFuzzer target: the tensor stream reader (.npy headers,
 * manifests, groups, plain records read in chunks). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stream/tstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	dh_err e;
	dh_stream_reader r;
	if (dh_stream_open(&r, f, "fuzz", &e) == DH_OK) {
		dh_tensor *out[DH_STREAM_MAX_FIELDS];
		/* bounded: a stream of n bytes has fewer than n records */
		for (size_t k = 0; k <= size; k++) {
			if (dh_stream_next(&r, 3, out, &e) != DH_OK)
				break;
			for (int i = 0; i < r.nfields; i++)
				dh_tensor_free(out[i]);
		}
	}
	dh_stream_close(&r);
	fclose(f);
	return 0;
}
