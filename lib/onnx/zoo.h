/* zoo.h - untrained models by name, built as ONNX: mlp, lenet, vgg11/16/19
 * (with _bn for BatchNorm), resnet18/34/50, unet and lstm.  The weights come
 * from the seed: layer k draws from the stream (seed, k), so the same seed
 * gives the same model, bit for bit. */
#ifndef DH_ONNX_ZOO_H
#define DH_ONNX_ZOO_H

#include <stdint.h>

#include "onnx/model.h"

typedef struct dh_zoo_opts {
	const char *arch;
	int ndim;            /* 3: C, H, W; 2 (lstm): T, F */
	int64_t input[3];
	int64_t classes;
	uint64_t seed;
	int depth;           /* unet levels, mlp hidden layers; 0: default */
	int width;           /* unet first width, mlp/lstm hidden size; 0: default */
} dh_zoo_opts;

/* The architectures, NULL-terminated, for help and completion. */
extern const char *const dh_zoo_archs[];

dh_onnx_model *dh_zoo_build(const dh_zoo_opts *o, const char *path, dh_err *e);

#endif
