/* augment.h - data augmentation pipelines: dh's augmentation language (and
 * ECVL's augmentation text format, read with the same meaning), parsed once
 * and applied to one sample at a time.
 *
 * A parsed file holds one pipeline per split ("training", "validation",
 * "test", or any other name given as a section header); a file without
 * section headers is the training pipeline.  See dh-augment(5).
 *
 * Applying a pipeline draws every random choice from the rng the caller
 * passes: the sample's own stream, derived from (seed, epoch, index) by
 * dh_aug_sample_rng(), so that results are bit-identical whatever the thread
 * count or the order in which samples are processed.  A parsed dh_aug is
 * read-only while applied: any number of threads may share one. */
#ifndef DH_AUGMENT_AUGMENT_H
#define DH_AUGMENT_AUGMENT_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "image/image.h"

typedef struct dh_aug dh_aug; /* a parsed file: one pipeline per split */

/* Parse a file (or a string; `name` is used in messages as the file name).
 * Errors read "NAME:LINE:COL: what was expected, what was found".  The
 * caller frees the result with dh_aug_free. */
dh_aug *dh_aug_parse_file(const char *path, dh_err *e);
dh_aug *dh_aug_parse_string(const char *text, const char *name, dh_err *e);

/* 1 when the file has a pipeline for this split. */
int dh_aug_has_split(const dh_aug *a, const char *split);

/* Apply split's pipeline to one sample, replacing *img (and *mask when not
 * NULL and *mask is not NULL: geometry applied with nearest-neighbour) in
 * place; the replaced images are freed.  u8 and f32 images are worked on in
 * place, so on failure *img and *mask are still the caller's images but an
 * intensity transform that ran before the failure may have changed their
 * pixels.  rng: the sample's own stream; use
 * dh_aug_sample_rng() to derive it from (seed, epoch, index) so results never
 * depend on threads or order.  A split without a pipeline leaves the sample
 * as it is.  Images may be u8, u16, i16, i32, f32 or f64 (intensity
 * transforms read u8 as 0..255, u16 as 0..65535, float as 0..1); some
 * transforms (normalize, to_float32, div255) turn the image into f32. */
dh_status dh_aug_apply(const dh_aug *a, const char *split, dh_rng *rng,
		       dh_image **img, dh_image **mask, dh_err *e);

/* The stream for sample `index` of `epoch` under `seed`. */
void dh_aug_sample_rng(dh_rng *out, uint64_t seed, int64_t epoch,
		       int64_t index);

void dh_aug_free(dh_aug *a);

/* --- extras ---------------------------------------------------------------
 * The splits the file defines, in order: their number, and the name of
 * split i (borrowed). */
int dh_aug_split_count(const dh_aug *a);
const char *dh_aug_split_name(const dh_aug *a, int i);
/* A one-line-per-node description of split's pipeline, as parsed (for
 * dh-augment --verbose and the tests); caller frees. */
char *dh_aug_describe(const dh_aug *a, const char *split);

/* Every transform with its parameters, units and defaults, as text (for
 * dh-augment --list and the documentation test); caller frees. */
char *dh_aug_reference(void);

#endif
