/* loader.h - decoded batches from a DDF: parallel decoding with a bounded
 * queue, deterministic order and bytes whatever the thread count.
 *
 * Decoder threads take sample positions from a counter, decode (lib/image),
 * resize, convert channels, run the optional transform hook, normalise into
 * CHW floats and park the result in a ring of slots no longer than the queue
 * bound; the consumer takes positions in order.  A sample's result depends
 * only on (seed, epoch, index), so one thread and many give the same bytes. */
#ifndef DH_DATASET_LOADER_H
#define DH_DATASET_LOADER_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "dataset/ddf.h"
#include "image/image.h"

typedef struct dh_loader_opts {
	const char *split;          /* NULL: all samples */
	int width, height;          /* 0: native size (all samples must agree) */
	int channels;               /* 0: native; 1 or 3 converts */
	float scale, shift;         /* pixel v -> v*scale+shift (default 1/255, 0) */
	int shuffle; uint64_t seed; int64_t epoch;
	int batch;                  /* samples per batch */
	int threads;                /* decoder threads (0: auto) */
	int skip_bad;               /* skip undecodable samples, counting them */
	/* per-sample hook run in the decoder threads after decode+resize,
	   before normalisation; used for augmentation.  img/mask are replaced
	   in place; rng is the sample's own stream (seed, epoch, index). */
	dh_status (*transform)(void *ctx, dh_image **img, dh_image **mask,
			       dh_rng *rng, dh_err *e);
	void *transform_ctx;
} dh_loader_opts;

/* Defaults: scale 1/255, shift 0, batch 32, threads 0 (auto). */
void dh_loader_opts_init(dh_loader_opts *o);

typedef struct dh_loader dh_loader;

/* ddf: a DDF or packed shards (both from dh_ddf_load); borrowed, must
 * outlive the loader.  The size and channels are fixed here from the options
 * or the first sample of the split. */
dh_loader *dh_loader_open(const dh_ddf *ddf, const dh_loader_opts *o,
			  dh_err *e);
/* next batch in sample order (deterministic whatever the thread count):
   x float32 [N,C,H,W]; y int64 [N] class (or float32 [N,K] multi-label,
   or int64 [N,1,H,W] mask; NULL when the split has no labels); ids int64
   [N] sample indices.  DH_EEOF at the end of the epoch. Caller frees the
   tensors. */
dh_status dh_loader_next(dh_loader *l, dh_tensor **x, dh_tensor **y,
			 dh_tensor **ids, dh_err *e);
/* Start another pass (epoch: reshuffles when shuffling). */
dh_status dh_loader_rewind(dh_loader *l, int64_t epoch, dh_err *e);
int64_t dh_loader_count(const dh_loader *l);   /* samples in this split */
int64_t dh_loader_skipped(const dh_loader *l);
/* The i-th skipped sample's index and its reason (NULL past the end). */
const char *dh_loader_skipped_reason(const dh_loader *l, int64_t i,
				     int64_t *index);
/* The batch geometry fixed at open. */
void dh_loader_shape(const dh_loader *l, int *channels, int *height,
		     int *width);
void dh_loader_close(dh_loader *l);

/* Decode one sample as the loader would (no transform): a float32 [C,H,W]
 * tensor, and for masks an int64 [1,H,W] one.  Used by check and stats. */
dh_status dh_loader_decode_sample(const dh_ddf *ddf, int64_t i,
				  dh_image **img, dh_image **mask, dh_err *e);

#endif
