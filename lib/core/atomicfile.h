/* atomicfile.h - output files that appear whole or not at all.
 *
 * Output is written to a temporary file in the target's folder and renamed
 * over the target on commit, so a crash, a kill or an error never leaves a
 * half-written file (or destroys the previous one).  "-" means stdout, which
 * cannot be made atomic and is written directly. */
#ifndef DH_CORE_ATOMICFILE_H
#define DH_CORE_ATOMICFILE_H

#include <stdio.h>

#include "core/error.h"

typedef struct dh_atomic_file {
	FILE *f;
	char *path;     /* target; NULL for stdout */
	char *tmp_path; /* the temporary being written */
} dh_atomic_file;

dh_status dh_atomic_open(dh_atomic_file *af, const char *path, dh_err *e);
/* Flush, sync and rename into place; the struct is released either way. */
dh_status dh_atomic_commit(dh_atomic_file *af, dh_err *e);
/* Remove the temporary; the target is untouched. */
void dh_atomic_abort(dh_atomic_file *af);

#endif
