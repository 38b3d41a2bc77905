/* checkpoint.h - the whole state of a training run in one file, so that a
 * run stopped after epoch k and resumed gives the very bytes of a run that
 * never stopped.
 *
 * The file is a list of named records behind a header:
 *   magic "DHCKPT\r\n" (8 bytes), version (u32 = 1), the byte-order mark
 *   0x01020304 (u32, as written), the record count (u64); then per record
 *   the key's length (u32), the data's length (u64), the key, the data.
 * Integers are in the writer's byte order, which the mark reveals; a
 * reader refuses a file of the other order.  Writes go through a temporary
 * file and a rename.
 *
 * dh_ckpt_put_trainer stores what a dh_trainer carries: every parameter and
 * constant of the graph ("value:NAME", raw bytes of its dtype; frozen
 * parameters and BatchNorm statistics included), the graph's random state
 * ("graph.rng", for Dropout), the optimizer's step count and rate
 * ("optim.steps", "optim.lr") and its state slots ("optim.I.SLOT").
 * Callers add their own records (options, epoch counters, history). */
#ifndef DH_NN_CHECKPOINT_H
#define DH_NN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "nn/train.h"

typedef struct dh_ckpt dh_ckpt;

dh_ckpt *dh_ckpt_new(dh_err *e);
void dh_ckpt_free(dh_ckpt *c);
/* Add a record; the data are copied when copy is set, else borrowed
 * (they must outlive dh_ckpt_write). */
dh_status dh_ckpt_put(dh_ckpt *c, const char *key, const void *data,
		      size_t n, int copy, dh_err *e);
dh_status dh_ckpt_put_text(dh_ckpt *c, const char *key, const char *text,
			   dh_err *e);
dh_status dh_ckpt_write(const dh_ckpt *c, const char *path, dh_err *e);
/* Read a whole file; errors name the path and the byte offset. */
dh_ckpt *dh_ckpt_read(const char *path, dh_err *e);
/* A record's data (NULL if absent), owned by c; texts are NUL-terminated. */
const void *dh_ckpt_get(const dh_ckpt *c, const char *key, size_t *n);
const char *dh_ckpt_text(const dh_ckpt *c, const char *key);

/* The trainer's state, borrowed (write before it changes). */
dh_status dh_ckpt_put_trainer(dh_ckpt *c, const dh_trainer *t, dh_err *e);
/* Restore it into a trainer built over the same model with the same
 * optimizer; a missing or mis-sized record is DH_EFORMAT naming it. */
dh_status dh_ckpt_get_trainer(const dh_ckpt *c, dh_trainer *t, dh_err *e);

#endif
