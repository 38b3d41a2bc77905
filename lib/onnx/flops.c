/* flops.c - forward-pass operation counts (see flops.h). */
#include "onnx/flops.h"

static double numel(const dh_shape *s)
{
	double n = 1;
	for (int i = 0; i < s->ndim; i++)
		n *= (double)s->d[i];
	return n;
}

dh_status dh_graph_flops(dh_graph *g, double *per_node, double *total,
			 dh_err *e)
{
	dh_status s = dh_graph_plan(g, 1, 0, e);
	if (s)
		return s;
	*total = 0;
	for (int k = 0; k < g->nn; k++) {
		const dh_node *n = &g->n[k];
		const dh_shape *out = n->out[0] >= 0 ? &g->v[n->out[0]].shape : NULL;
		const dh_shape *x = n->in[0] >= 0 ? &g->v[n->in[0]].shape : NULL;
		const dh_shape *w = n->nin > 1 && n->in[1] >= 0 ? &g->v[n->in[1]].shape : NULL;
		double f = out ? numel(out) : 0;
		switch (n->op) {
		case DH_OP_CONV:
			/* each output element: Cin/group x kernel multiply-adds */
			if (w && out)
				f = 2 * numel(out) * numel(w) / (double)w->d[0];
			break;
		case DH_OP_CONVTRANSPOSE:
			/* each input element scatters Cout/group x kernel */
			if (w && x)
				f = 2 * numel(x) * numel(w) / (double)w->d[0];
			break;
		case DH_OP_GEMM:
		case DH_OP_MATMUL:
			if (x && out && x->ndim >= 1)
				f = 2 * numel(out) *
				    (double)(n->op == DH_OP_GEMM && n->a.trans_a ? x->d[0]
										 : x->d[x->ndim - 1]);
			break;
		case DH_OP_LSTM:
		case DH_OP_GRU:
		case DH_OP_RNN:
			/* per step and direction: W x and R h for every gate */
			if (x && w && n->nin > 2 && n->in[2] >= 0) {
				const dh_shape *r = &g->v[n->in[2]].shape;
				f = 2 * (double)x->d[0] * (double)x->d[1] *
				    (numel(w) + numel(r));
			}
			break;
		case DH_OP_MAXPOOL:
		case DH_OP_AVERAGEPOOL: {
			double taps = 1;
			for (int i = 0; i < n->a.kernel_ndim; i++)
				taps *= (double)n->a.kernel_shape[i];
			f = out ? numel(out) * taps : 0;
			break;
		}
		case DH_OP_GLOBALAVERAGEPOOL:
		case DH_OP_GLOBALMAXPOOL:
		case DH_OP_BATCHNORM:
		case DH_OP_LAYERNORM:
		case DH_OP_INSTANCENORM:
		case DH_OP_SOFTMAX:
		case DH_OP_LOGSOFTMAX:
			f = x ? numel(x) * (n->op == DH_OP_GLOBALAVERAGEPOOL ||
					    n->op == DH_OP_GLOBALMAXPOOL ? 1 : 4) : 0;
			break;
		case DH_OP_FLATTEN:
		case DH_OP_RESHAPE:
		case DH_OP_IDENTITY:
		case DH_OP_TRANSPOSE:
		case DH_OP_CONCAT:
		case DH_OP_SPLIT:
		case DH_OP_SLICE:
		case DH_OP_SQUEEZE:
		case DH_OP_UNSQUEEZE:
		case DH_OP_GATHER:
		case DH_OP_EXPAND:
		case DH_OP_TILE:
		case DH_OP_PAD:
		case DH_OP_DROPOUT:
			f = 0; /* data movement */
			break;
		default:
			break;
		}
		per_node[k] = f;
		*total += f;
	}
	return DH_OK;
}
