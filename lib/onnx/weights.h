/* weights.h - a model's weights (or a trainer's gradients) apart from its
 * topology, as EDDL sends them between master and workers; and the
 * operations on weights that keep a topology: import, reset to the zoo's
 * initialisation, freeze layers.
 *
 * The format (see dh-onnx(1), WEIGHTS FILES) is a tensor stream of NumPy
 * .npy records: first a manifest record, a 1-D uint8 array holding the JSON
 * text {"dh-weights":1,"kind":"weights","names":["conv1.weight",...]}, then
 * one record per name, in that order, with its dtype and shape.  numpy reads
 * it with np.load on one open file, and it goes over a byte channel (MPI, a
 * pipe) unchanged. */
#ifndef DH_ONNX_WEIGHTS_H
#define DH_ONNX_WEIGHTS_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/tensor.h"
#include "onnx/model.h"

typedef enum dh_weights_kind {
	DH_WEIGHTS_PARAMS = 0, /* "weights": parameters and running statistics */
	DH_WEIGHTS_GRADS,      /* "gradients": one per trainable parameter */
	DH_WEIGHTS_KIND_COUNT
} dh_weights_kind;

/* "weights", "gradients". */
const char *dh_weights_kind_name(dh_weights_kind k);

/* Tensors by name.  Those read or taken from a model are owned (freed by
 * dh_weights_free); to serialise borrowed tensors (a trainer's), use
 * dh_weights_write_tensors, which copies nothing. */
typedef struct dh_weights {
	dh_weights_kind kind;
	int n;
	char **names;
	dh_tensor **t;
} dh_weights;

/* An empty set with room for n tensors (w->n is 0; fill and count up). */
dh_weights *dh_weights_new(dh_weights_kind kind, int n, dh_err *e);
void dh_weights_free(dh_weights *w);

/* Write n named tensors as one weights stream.  For gradients after a
 * backward pass: dh_weights_write_tensors(f, DH_WEIGHTS_GRADS, t->nparams,
 * t->names, t->grads, e) with a dh_trainer t (lib/nn/train.h). */
dh_status dh_weights_write_tensors(FILE *f, dh_weights_kind kind, int n,
				   char *const *names, dh_tensor *const *t,
				   dh_err *e);
dh_status dh_weights_write(FILE *f, const dh_weights *w, dh_err *e);
/* Into a new malloc'd buffer (*buf, *len; the caller frees *buf). */
dh_status dh_weights_to_buffer(const dh_weights *w, uint8_t **buf,
			       size_t *len, dh_err *e);
/* To path ("-": stdout) through a temporary file and a rename. */
dh_status dh_weights_save(const dh_weights *w, const char *path, dh_err *e);

/* Read one weights stream; `name` names the source in messages, which give
 * the record and the byte offset of a fault. */
dh_weights *dh_weights_read(FILE *f, const char *name, dh_err *e);
dh_weights *dh_weights_from_buffer(const uint8_t *buf, size_t len,
				   const char *name, dh_err *e);
dh_weights *dh_weights_load(const char *path, dh_err *e);

/* The floating-point initializers of a model, in file order (integer
 * initializers, such as Reshape's shapes, are topology, not weights). */
dh_weights *dh_weights_from_model(const dh_onnx_model *m, dh_err *e);

/* Copy w into same-named tensors dst[0..n) (a trainer's params or grads):
 * the names must be the same set, and each tensor's dtype and shape must
 * agree; the first mismatch is one message naming the tensor, "src" being
 * the stream's name.  Nothing is written unless everything matches. */
dh_status dh_weights_copy_to(const dh_weights *w, const char *src, int n,
			     char *const *names, dh_tensor *const *dst,
			     dh_err *e);

/* A graph's state (lib/graph/graph.h): copies of every floating-point
 * parameter and constant it holds (weights and running statistics, trained
 * or not), in graph order: what a master sends its workers.  (Defined in
 * export.c, with the other graph-facing code.) */
struct dh_graph;
dh_weights *dh_weights_from_graph(const struct dh_graph *g, dh_err *e);
/* Copy w into those same values of g, with the strict checks (src names w
 * in messages). */
dh_status dh_weights_apply_graph(struct dh_graph *g, const dh_weights *w,
				 const char *src, dh_err *e);

/* Replace the model's floating-point initializers by w, with the same
 * strict checks (src names w in messages).  External data are brought
 * inline. */
dh_status dh_weights_apply_model(dh_onnx_model *m, const dh_weights *w,
				 const char *src, dh_err *e);

/* Re-initialise a model's weights as `dh-onnx new` does: initializer k (in
 * file order) draws from the stream (seed, k); convolution weights
 * He-normal, fully connected weights He-normal before a ReLU and
 * Glorot-uniform otherwise, biases 0, normalisation scale 1 and shift 0,
 * running mean 0 and variance 1, recurrent weights U(+-1/sqrt(hidden)).
 * Initializers no weight slot reads are left as they are.  A zoo model
 * reset with its own seed is the same file again. */
dh_status dh_weights_reset(dh_onnx_model *m, uint64_t seed, dh_err *e);

/* The metadata key holding the frozen layers, comma-separated; the ONNX
 * importer freezes them (so dh-train leaves them untrained). */
#define DH_WEIGHTS_FROZEN_KEY "dh.frozen"

/* Record layers (or parameter names) as frozen, adding to those already
 * recorded; each must name at least one floating-point initializer (the
 * name itself or NAME.something), else DH_EINVAL naming it. */
dh_status dh_weights_freeze(dh_onnx_model *m, const char *layers, dh_err *e);

#endif
