/* table.c - the CPU backend's dispatch table. */
#include "config.h"

#include "ops/cpu/cpu.h"

#define K(op, name)                                                          \
	[op] = {dh_cpu_##name##_forward, dh_cpu_##name##_backward, 0}
/* a kernel that can run a Relu after itself (dh_op_attrs.relu_after) */
#define KR(op, name)                                                         \
	[op] = {dh_cpu_##name##_forward, dh_cpu_##name##_backward, 1}

static const dh_kernel cpu_kernels[DH_OP_COUNT] = {
	K(DH_OP_GEMM, gemm),
	K(DH_OP_MATMUL, matmul),
	K(DH_OP_CONV, conv),
	K(DH_OP_MAXPOOL, maxpool),
	K(DH_OP_AVERAGEPOOL, averagepool),
	K(DH_OP_GLOBALAVERAGEPOOL, globalaveragepool),
	K(DH_OP_GLOBALMAXPOOL, globalmaxpool),
	KR(DH_OP_BATCHNORM, batchnorm),
	K(DH_OP_RELU, relu),
	K(DH_OP_LEAKYRELU, leakyrelu),
	K(DH_OP_SIGMOID, sigmoid),
	K(DH_OP_TANH, tanh),
	K(DH_OP_ELU, elu),
	K(DH_OP_SELU, selu),
	K(DH_OP_SOFTPLUS, softplus),
	K(DH_OP_SOFTSIGN, softsign),
	K(DH_OP_HARDSIGMOID, hardsigmoid),
	K(DH_OP_GELU, gelu),
	K(DH_OP_ABS, abs),
	K(DH_OP_NEG, neg),
	K(DH_OP_EXP, exp),
	K(DH_OP_LOG, log),
	K(DH_OP_SQRT, sqrt),
	K(DH_OP_RECIPROCAL, reciprocal),
	K(DH_OP_SOFTMAX, softmax),
	K(DH_OP_LOGSOFTMAX, logsoftmax),
	KR(DH_OP_ADD, add),
	K(DH_OP_SUB, sub),
	K(DH_OP_MUL, mul),
	K(DH_OP_DIV, div),
	K(DH_OP_FLATTEN, flatten),
	K(DH_OP_RESHAPE, reshape),
	K(DH_OP_IDENTITY, identity),
	K(DH_OP_DROPOUT, dropout),
	K(DH_OP_LAYERNORM, layernorm),
	K(DH_OP_INSTANCENORM, instancenorm),
	K(DH_OP_TRANSPOSE, transpose),
	K(DH_OP_CONCAT, concat),
	K(DH_OP_SPLIT, split),
	K(DH_OP_SLICE, slice),
	K(DH_OP_PAD, pad),
	K(DH_OP_SQUEEZE, squeeze),
	K(DH_OP_UNSQUEEZE, unsqueeze),
	K(DH_OP_REDUCESUM, reducesum),
	K(DH_OP_REDUCEMEAN, reducemean),
	K(DH_OP_REDUCEMAX, reducemax),
	K(DH_OP_REDUCEMIN, reducemin),
	K(DH_OP_REDUCEL2, reducel2),
	K(DH_OP_CONVTRANSPOSE, convtranspose),
	K(DH_OP_POW, pow),
	K(DH_OP_PRELU, prelu),
	K(DH_OP_SUM, sum),
	K(DH_OP_MEAN, mean),
	K(DH_OP_MAX, max),
	K(DH_OP_MIN, min),
	K(DH_OP_CLIP, clip),
	K(DH_OP_GATHER, gather),
	K(DH_OP_EXPAND, expand),
	K(DH_OP_TILE, tile),
	K(DH_OP_RESIZE, resize),
	K(DH_OP_RNN, rnn),
	K(DH_OP_GRU, gru),
	K(DH_OP_LSTM, lstm),
	K(DH_OP_ERF, erf),
};

static const dh_backend cpu_backend = {"cpu", cpu_kernels};

const dh_backend *dh_cpu_backend(void)
{
	return &cpu_backend;
}
