/* profile.h - where a training or inference step spends its time, per node
 * and per op type (dh-train --profile, dh-infer --profile).
 *
 * Profiling is off unless dh_graph_profile_on is called; then every
 * forward and backward call of a node adds its wall time to the node's
 * two counters.  The clock is read around the op only, so the figures
 * add up to the step less the loss, the optimizer and the data. */
#ifndef DH_GRAPH_PROFILE_H
#define DH_GRAPH_PROFILE_H

#include <stdio.h>

#include "graph/graph.h"

/* Start counting (from zero); DH_ENOMEM when the counters cannot be had. */
dh_status dh_graph_profile_on(dh_graph *g, dh_err *e);
/* Seconds since an arbitrary start, monotonic. */
double dh_profile_clock(void);
/* Print the counters as ms per step over `steps` steps: a table by op type
 * (forward, backward, share of the graph's time), then the `top` slowest
 * nodes.  `extra` names up to 4 other timed parts (e.g. "optimizer") with
 * their seconds in extra_s; NULL ends the list.  json: one JSON object per
 * line instead ({"op": ..., "nodes": ..., "forward_ms": ...}). */
void dh_graph_profile_print(const dh_graph *g, FILE *f, long steps, int top,
			    const char *const *extra, const double *extra_s,
			    int json);

#endif
