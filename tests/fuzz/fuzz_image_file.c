/* fuzz_image_file.c - a libFuzzer target for the image readers whose
 * libraries read files, not memory: NIfTI (nifti_clib) and DICOM (GDCM, in
 * its child process), chosen at build time with -DDH_FUZZ_FILE=nifti|dicom
 * (see `make fuzz-image`).  Each input is written to a temporary file (named
 * .nii, or .nii.gz when it starts like gzip, since nifti_clib goes by the
 * name) and read through the header read and the full read, with a pixel
 * limit that keeps memory bounded.  The seeds in tests/fuzz/corpus/nifti
 * and tests/fuzz/corpus/dicom are files dh's own writers made. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/codec/codec.h"

#define DH_CAT_(a, b) a##b
#define DH_CAT(a, b) DH_CAT_(a, b)
#define READ_INFO DH_CAT(DH_CAT(dh_, DH_FUZZ_FILE), _read_file_info)
#define READ DH_CAT(DH_CAT(dh_, DH_FUZZ_FILE), _read_file)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	snprintf(path, sizeof path, "/tmp/dh-fuzz-%ld.%s", (long)getpid(),
		 gz ? "nii.gz" : "nii");
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	dh_err e;
	dh_image_info info;
	dh_codec_info_init(&info, DH_IMG_UNKNOWN);
	(void)READ_INFO(path, &info, &e);
	dh_image_read_opts o = {.max_pixels = (uint64_t)1 << 22};
	dh_image *img = NULL;
	if (READ(path, &o, &img, &e) == DH_OK) {
		/* touch every byte so that wrong sizes show */
		unsigned sum = 0;
		for (size_t i = 0; i < img->nbytes; i++)
			sum += img->data[i];
		(void)sum;
		dh_image_free(img);
	}
	unlink(path);
	return 0;
}
