/* shards.h - packed datasets: tar shards of pre-decoded samples.
 *
 * "dh-dataset pack" decodes every sample once (stacked channels joined) and
 * stores it as a .npy member ([H, W, C] or [D, H, W, C], the image's own
 * dtype) of plain ustar archives shard-00000.tar, shard-00001.tar, ...; masks
 * go beside it as NNNNNNNN.mask.npy.  index.yml in the same folder is a DDF
 * (classes, features, labels, splits unchanged) whose locations name the
 * members, "shard-00000.tar/00000012.npy", with "dh-packed: 1" at the top.
 * Readers scan each archive's member table once with libarchive and then
 * read members by offset (pread), so decoder threads never share a stream. */
#ifndef DH_DATASET_SHARDS_H
#define DH_DATASET_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "dataset/ddf.h"
#include "image/image.h"

#define DH_SHARDS_INDEX "index.yml"

typedef struct dh_shards dh_shards;

/* Open the archives a packed index names and find every member.  The ddf
 * must come from the index (d->packed_version set). */
dh_shards *dh_shards_open(const dh_ddf *d, dh_err *e);
void dh_shards_free(dh_shards *s);

/* Sample i's image (mask: 0) or mask (mask: 1), decoded.  Thread-safe. */
dh_status dh_shards_read(const dh_shards *s, int64_t i, int mask,
			 dh_image **out, dh_err *e);

typedef struct dh_pack_opts {
	int64_t per_shard;  /* samples per tar (0: 10000) */
	int threads;        /* decoder threads (0: auto) */
	int skip_bad;
} dh_pack_opts;

/* Decode every sample of d and write outdir/shard-*.tar and outdir/index.yml
 * (each file atomically).  *skipped (may be NULL) counts samples left out
 * under skip_bad. */
dh_status dh_ddf_pack(const dh_ddf *d, const char *outdir,
		      const dh_pack_opts *o, int64_t *skipped, dh_err *e);

/* The .npy bytes of an image ([H, W, C] / [D, H, W, C]) and back. */
dh_status dh_image_to_npy(const dh_image *img, unsigned char **buf,
			  size_t *n, dh_err *e);
dh_status dh_image_from_npy(const unsigned char *buf, size_t n,
			    dh_image **out, dh_err *e);

#endif
