/* ddf.h - the DeepHealth Dataset Format (DDF): read, validate, build, write.
 *
 * A DDF is a YAML file (ECVL's dataset format; dh-ddf(5)) listing images,
 * their labels (a class, several classes, or a mask file), optional per-sample
 * feature values, and named splits of sample indices.  dh reads every file
 * ECVL reads, and is strict where ECVL is lenient: a label that is neither a
 * class name nor an existing file, an index out of range, a duplicate index
 * in a split and a URL location are errors, each reported as
 * "FILE:LINE:COL: cause".
 *
 * dh_ddf_load also accepts packed shards (the folder written by
 * "dh-dataset pack", or its index.yml): the result then has `packed` set and
 * the samples' paths name members of the shards ("DIR/shard-00000.tar/
 * 00000012.npy"); the loader reads those. */
#ifndef DH_DATASET_DDF_H
#define DH_DATASET_DDF_H

#include <stdint.h>

#include "core/error.h"

enum {
	DH_DDF_LABEL_NONE = 0,
	DH_DDF_LABEL_CLASS,  /* label: one class index */
	DH_DDF_LABEL_MULTI,  /* labels[0..nlabels-1]: several classes */
	DH_DDF_LABEL_MASK,   /* mask: a ground-truth image (segmentation) */
};

typedef struct dh_ddf_sample {
	char **paths; int npaths;   /* resolved to the YAML's folder; >1 = stacked channels */
	int kind;                   /* DH_DDF_LABEL_NONE / CLASS / MULTI / MASK */
	int label;                  /* class index (CLASS); -1 otherwise */
	int *labels; int nlabels;   /* MULTI */
	char *mask;                 /* resolved mask path (MASK) */
	double *values; int nvalues;/* in features order; NAN where absent */
	int line, col;              /* where the sample was declared, for messages (1-based; 0: built) */
	/* as written in the file (or given to dh_ddf_add_sample): what
	 * dh_ddf_write emits, so paths stay relative */
	char **rel_paths;
	char *rel_mask;
	char **value_text;          /* nvalues entries, NULL where absent */
} dh_ddf_sample;

typedef struct dh_ddf_split { char *name; int64_t *idx; int64_t n; } dh_ddf_split;

struct dh_shards;

typedef struct dh_ddf {
	char *path, *dir, *name, *description;
	char **classes; int nclasses;
	char **features; int nfeatures;
	dh_ddf_sample *samples; int64_t nsamples;
	dh_ddf_split *splits; int nsplits;
	/* packed shards (dh_ddf_load of a shard folder / .tar): NULL for a
	 * plain DDF.  Owned; read through the loader. */
	struct dh_shards *packed;
	int packed_version;  /* "dh-packed: 1" in a shard index; 0 otherwise */
	int64_t cap_samples; /* allocation bookkeeping */
} dh_ddf;

/* Parse and validate a DDF file (or packed shards).  NULL with
 * "FILE:LINE:COL: cause" in e on failure.  Caller frees with dh_ddf_free. */
dh_ddf *dh_ddf_load(const char *path, dh_err *e);
/* The same from text in memory; `path` names it in messages and gives the
 * folder paths resolve against (the fuzzer and tests use it). */
dh_ddf *dh_ddf_parse(const char *text, size_t n, const char *path, dh_err *e);

/* An empty dataset to build (name may be NULL: "DeepHealth dataset").  Paths
 * given to dh_ddf_add_sample resolve against dh_ddf_set_dir's folder
 * (default "."). */
dh_ddf *dh_ddf_new(const char *name);
dh_status dh_ddf_set_dir(dh_ddf *d, const char *dir, dh_err *e);
dh_status dh_ddf_add_class(dh_ddf *d, const char *name, dh_err *e);
dh_status dh_ddf_add_feature(dh_ddf *d, const char *name, dh_err *e);
/* Append a sample; returns its index or -1.  label -1: none; else a class
 * index (which must exist). */
int64_t dh_ddf_add_sample(dh_ddf *d, const char *path_rel, int label, dh_err *e);
dh_status dh_ddf_set_mask(dh_ddf *d, int64_t i, const char *mask_rel, dh_err *e);
/* Add (or replace) a split; indices are checked for range and duplicates. */
dh_status dh_ddf_add_split(dh_ddf *d, const char *name, const int64_t *idx,
			   int64_t n, dh_err *e);
const dh_ddf_split *dh_ddf_split_find(const dh_ddf *d, const char *name);
/* Class index by name, or -1. */
int dh_ddf_class_find(const dh_ddf *d, const char *name);

/* Write YAML ("-": stdout; otherwise atomically).  Relative paths are written
 * as read/added; the reader (and PyYAML) read the file back identically. */
dh_status dh_ddf_write(const dh_ddf *d, const char *out_path, dh_err *e);
void dh_ddf_free(dh_ddf *d);

/* 1 if path is a folder of packed shards (it holds index.yml). */
int dh_ddf_is_packed(const char *path);

#endif
