/* yamlcheck.h - a YAML syntax check with file:line:column errors.
 *
 * libyaml reports marks 0-based; dh prints them 1-based, as editors do. */
#ifndef DH_DATASET_YAMLCHECK_H
#define DH_DATASET_YAMLCHECK_H

#include "core/error.h"

/* Parse the whole file as YAML (all documents); DH_EFORMAT with
 * "PATH:LINE:COL: ..." on a syntax error. */
#include <stdio.h>

dh_status dh_yaml_check_file(const char *path, dh_err *e);
/* The same on an open stream; `name` is used in messages.  A first-line
 * "%YAML:1.2" (ECVL's spelling) is accepted. */
dh_status dh_yaml_check_stream(FILE *f, const char *name, dh_err *e);
/* 1 if path is a folder holding index.yml (packed dataset shards). */
int dh_yaml_is_shard_dir(const char *path);

#endif
