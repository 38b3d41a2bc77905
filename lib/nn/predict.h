/* predict.h - running a graph over a tensor stream, batch by batch, with
 * constant memory: what `dh-infer MODEL < X.npy > Y.npy` does. */
#ifndef DH_NN_PREDICT_H
#define DH_NN_PREDICT_H

#include <stdio.h>

#include "graph/graph.h"
#include "stream/tstream.h"

/* Read r to its end and write the graph's outputs to out.
 *  - a plain input stream gives a plain output: for each batch, one record
 *    per graph output, in graph-output order;
 *  - a grouped input stream (its "input" field feeds the model) gives a
 *    grouped output whose fields are the graph outputs' names followed by
 *    the input's "id" and "target" fields when it has them.
 * Plain records are cut into batches of at most `batch` rows; groups keep
 * their size.  Inputs of another numeric dtype are converted to float32.
 * *samples receives the number of samples run. */
dh_status dh_predict_stream(dh_graph *g, dh_stream_reader *r, FILE *out,
			    int64_t batch, int64_t *samples, dh_err *e);

#endif
