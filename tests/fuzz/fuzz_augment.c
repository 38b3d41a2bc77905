/* fuzz_augment.c - libFuzzer target: the augmentation language's parser,
 * its description, and (for short inputs without large numbers, so that one
 * run stays small) applying the result to a tiny image and mask. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int small_numbers(const char *s)
{
	int run = 0;
	for (; *s; s++) {
		run = isdigit((unsigned char)*s) ? run + 1 : 0;
		if (run > 3)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	dh_err e;
	dh_aug *a = dh_aug_parse_string(text, "fuzz.aug", &e);
	if (a) {
		for (int i = 0; i < dh_aug_split_count(a); i++) {
			const char *split = dh_aug_split_name(a, i);
			free(dh_aug_describe(a, split));
			if (size > 512 || !small_numbers(text))
				continue;
			dh_image *img = dh_image_new(DH_U8, 9, 7, 1, 3, DH_COLOR_RGB, &e);
			dh_image *mask = dh_image_new(DH_U8, 9, 7, 1, 1, DH_COLOR_GRAY, &e);
			if (img && mask) {
				for (size_t k = 0; k < img->nbytes; k++)
					img->data[k] = (uint8_t)(k * 37);
				dh_rng r;
				dh_aug_sample_rng(&r, 1, 0, (int64_t)size);
				dh_aug_apply(a, split, &r, &img, &mask, &e);
			}
			dh_image_free(img);
			dh_image_free(mask);
		}
		dh_aug_free(a);
	}
	free(text);
	return 0;
}
