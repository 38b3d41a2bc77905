/* fuzz_image.c - a libFuzzer target for one image decoder, chosen at build
 * time with -DDH_FUZZ_CODEC=png|jpeg|tiff|bmp|pnm|npyimg (see `make
 * fuzz-image`).  Each input goes through the cheap header read and the full
 * pixel read, with a pixel limit that keeps memory bounded. */
#include <stddef.h>
#include <stdint.h>

#include "image/codec/codec.h"

#define DH_CAT_(a, b) a##b
#define DH_CAT(a, b) DH_CAT_(a, b)
#define READ_INFO DH_CAT(DH_CAT(dh_, DH_FUZZ_CODEC), _read_info)
#define READ DH_CAT(DH_CAT(dh_, DH_FUZZ_CODEC), _read)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dh_err e;
	dh_image_info info;
	dh_codec_info_init(&info, DH_IMG_UNKNOWN);
	(void)READ_INFO(data, size, &info, &e);
	dh_image_read_opts o = {.max_pixels = (uint64_t)1 << 22};
	dh_image *img = NULL;
	if (READ(data, size, &o, &img, &e) == DH_OK) {
		/* touch every byte so that wrong sizes show */
		unsigned sum = 0;
		for (size_t i = 0; i < img->nbytes; i++)
			sum += img->data[i];
		(void)sum;
		dh_image_free(img);
	}
	return 0;
}
