/* inputs.h - the checks every tool applies to the files it is given, before
 * it does any work: the file exists, is not a folder, is not empty, and its
 * first bytes (or, for YAML, its syntax) fit the kind of file expected. */
#ifndef DH_CLI_INPUTS_H
#define DH_CLI_INPUTS_H

#include "core/error.h"

/* kinds: space-separated list as in dh_cmd.arg_kinds; the last repeats. */
dh_status dh_check_inputs(const char *kinds, int nargs, char **args, dh_err *e);
/* One file of one kind: onnx, yml, npy, data (yml or npy by extension),
 * image, aug, file (any non-empty
 * regular file); dir, out and word are not checked. */
dh_status dh_check_input(const char *path, const char *kind, dh_err *e);

#endif
