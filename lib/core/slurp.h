/* slurp.h - read a whole open file into memory.
 *
 * The readers of small text and record files (DDF, YAML checks, network
 * specs, checkpoints, augmentation files) take their input whole; this is
 * their one read loop.  It sets no message: each caller says what the file
 * was meant to be. */
#ifndef DH_CORE_SLURP_H
#define DH_CORE_SLURP_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* Read f to its end into a new buffer (*out, freed by the caller) of *n
 * bytes, followed by a NUL that *n does not count.  max > 0 bounds the size.
 * Returns DH_OK, DH_ENOMEM, DH_EIO (errno as the read left it) or DH_ERANGE
 * (more than max bytes); on failure *out is NULL. */
dh_status dh_slurp(FILE *f, size_t max, char **out, size_t *n);

#endif
