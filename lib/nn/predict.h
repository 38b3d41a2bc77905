/* predict.h - running a graph over a tensor stream, batch by batch, with
 * constant memory: what `dh-infer MODEL < X.npy > Y.npy` and
 * `dh-infer --evaluate` do. */
#ifndef DH_NN_PREDICT_H
#define DH_NN_PREDICT_H

#include <stdio.h>

#include "graph/graph.h"
#include "stream/tstream.h"

/* Called once per batch with the graph's outputs and the stream's fields
 * for that batch (indexed as in the reader). */
typedef dh_status (*dh_batch_fn)(void *ctx, const dh_graph *g,
				 dh_tensor *const *fields, dh_err *e);

/* Run g over r: its "input" field (or a plain stream's records) feeds the
 * graph in batches of at most `batch` plain rows (groups keep their size);
 * other numeric dtypes are converted to float32. */
dh_status dh_run_stream(dh_graph *g, dh_stream_reader *r, int64_t batch,
			dh_batch_fn fn, void *ctx, int64_t *samples, dh_err *e);

/* Read r to its end and write the graph's outputs to out.
 *  - a plain input stream gives a plain output: for each batch, one record
 *    per graph output, in graph-output order;
 *  - a grouped input stream gives a grouped output whose fields are the
 *    graph outputs' names followed by the input's "id" and "target" fields
 *    when it has them. */
dh_status dh_predict_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			    int64_t batch, int64_t *samples, dh_err *e);

/* Compare output 0 (class scores [N, C, ...]) with the stream's "target"
 * labels and print accuracy, macro and per-class precision, recall and
 * F1, and the confusion matrix, as text or as one JSON object. */
dh_status dh_evaluate_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			     int64_t batch, int json, int64_t *samples,
			     dh_err *e);

#endif
