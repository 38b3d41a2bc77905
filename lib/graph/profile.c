/* profile.c - per-node timing of forward and backward passes (profile.h). */
#include "graph/profile.h"

#include "core/jsonout.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double dh_profile_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

dh_status dh_graph_profile_on(dh_graph *g, dh_err *e)
{
	free(g->prof);
	g->prof = calloc((size_t)(g->nn > 0 ? g->nn : 1), 2 * sizeof(double));
	if (!g->prof)
		return dh_err_set(e, DH_ENOMEM, "no memory for the profile");
	return DH_OK;
}

typedef struct op_row {
	dh_op_type op;
	int nodes;
	double fwd, bwd;
} op_row;

static int by_total(const void *pa, const void *pb)
{
	const op_row *a = pa, *b = pb;
	double ta = a->fwd + a->bwd, tb = b->fwd + b->bwd;
	return ta < tb ? 1 : ta > tb ? -1 : (int)a->op - (int)b->op;
}

/* a node and its time, sorted slowest first (ties: graph order) */
typedef struct node_time {
	int k;
	double t;
} node_time;

static int by_node_time(const void *pa, const void *pb)
{
	const node_time *a = pa, *b = pb;
	return a->t < b->t ? 1 : a->t > b->t ? -1 : a->k - b->k;
}

void dh_graph_profile_print(const dh_graph *g, FILE *f, long steps, int top,
			    const char *const *extra, const double *extra_s,
			    int json)
{
	if (!g->prof || g->nn <= 0)
		return;
	double per = steps > 0 ? 1000.0 / (double)steps : 1000.0;
	op_row *rows = calloc((size_t)g->nn, sizeof *rows);
	node_time *nodes = malloc((size_t)g->nn * sizeof *nodes);
	if (!rows || !nodes) {
		free(rows);
		free(nodes);
		return;
	}
	int nr = 0, folded = 0, nk = 0;
	double total = 0.0;
	for (int k = 0; k < g->nn; k++) {
		int r = 0;
		if (g->n[k].fused) {
			/* run inside the node before it (plan.c): no time of
			 * its own, not among the op rows nor the nodes */
			folded++;
			continue;
		}
		while (r < nr && rows[r].op != g->n[k].op)
			r++;
		if (r == nr)
			rows[nr++].op = g->n[k].op;
		rows[r].nodes++;
		rows[r].fwd += g->prof[2 * k];
		rows[r].bwd += g->prof[2 * k + 1];
		total += g->prof[2 * k] + g->prof[2 * k + 1];
		nodes[nk++] = (node_time){k, g->prof[2 * k] + g->prof[2 * k + 1]};
	}
	qsort(rows, (size_t)nr, sizeof *rows, by_total);
	qsort(nodes, (size_t)nk, sizeof *nodes, by_node_time);
	double share = total > 0.0 ? 100.0 / total : 0.0;
	if (json) {
		for (int r = 0; r < nr; r++)
			fprintf(f,
				"{\"op\": \"%s\", \"nodes\": %d, \"forward_ms\": %.6f, "
				"\"backward_ms\": %.6f, \"share\": %.6f}\n",
				dh_op_name(rows[r].op), rows[r].nodes,
				rows[r].fwd * per, rows[r].bwd * per,
				(rows[r].fwd + rows[r].bwd) * share / 100.0);
		for (int i = 0; extra && extra[i] && i < 4; i++)
			fprintf(f, "{\"part\": \"%s\", \"ms\": %.6f}\n", extra[i],
				extra_s[i] * per);
		if (folded)
			fprintf(f, "{\"folded\": \"Relu\", \"nodes\": %d}\n",
				folded);
		for (int i = 0; i < top && i < nk; i++) {
			const dh_node *n = &g->n[nodes[i].k];
			fprintf(f, "{\"node\": ");
			dh_json_string(f, n->name ? n->name : "");
			fprintf(f, ", \"op\": \"%s\", \"forward_ms\": %.6f, "
				   "\"backward_ms\": %.6f}\n",
				dh_op_name(n->op), g->prof[2 * nodes[i].k] * per,
				g->prof[2 * nodes[i].k + 1] * per);
		}
	} else {
		fprintf(f, "profile: ms per step over %ld step%s\n", steps,
			steps == 1 ? "" : "s");
		fprintf(f, "%-22s %5s %10s %10s %10s %6s\n", "op", "nodes",
			"forward", "backward", "total", "share");
		for (int r = 0; r < nr; r++)
			fprintf(f, "%-22s %5d %10.2f %10.2f %10.2f %5.1f%%\n",
				dh_op_name(rows[r].op), rows[r].nodes,
				rows[r].fwd * per, rows[r].bwd * per,
				(rows[r].fwd + rows[r].bwd) * per,
				(rows[r].fwd + rows[r].bwd) * share);
		fprintf(f, "%-22s %5d %10s %10s %10.2f\n", "graph", g->nn, "", "",
			total * per);
		if (folded)
			fprintf(f, "%-22s %5d   (run inside the op before each)\n",
				"Relu, folded", folded);
		for (int i = 0; extra && extra[i] && i < 4; i++)
			fprintf(f, "%-22s %5s %10s %10s %10.2f\n", extra[i], "", "",
				"", extra_s[i] * per);
		if (top > 0)
			fprintf(f, "slowest nodes:\n");
		for (int i = 0; i < top && i < nk; i++) {
			const dh_node *n = &g->n[nodes[i].k];
			fprintf(f, "  %-32s %-18s %10.2f %10.2f\n",
				n->name ? n->name : "", dh_op_name(n->op),
				g->prof[2 * nodes[i].k] * per,
				g->prof[2 * nodes[i].k + 1] * per);
		}
	}
	free(rows);
	free(nodes);
}
