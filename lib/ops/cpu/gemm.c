/* gemm.c - Gemm and MatMul on dh_cpu_sgemm (sgemm.c), forward and
 * backward. */
#include "config.h"

#include <string.h>

#include "ops/cpu/cpu.h"
#include "ops/op_private.h"

/* Strides (in elements) that walk C broadcast over [m, n]. */
static void gemm_c_strides(const dh_tensor *c, int64_t *sr, int64_t *sc)
{
	*sr = *sc = 0;
	if (c->ndim >= 1 && c->shape[c->ndim - 1] != 1)
		*sc = 1;
	if (c->ndim == 2 && c->shape[0] != 1)
		*sr = c->shape[1];
}

dh_status dh_cpu_gemm_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			      int nin, const dh_tensor *const *in, int nout,
			      dh_tensor *const *out, dh_err *e)
{
	const dh_tensor *A = in[0], *B = in[1];
	dh_tensor *Y = out[0];
	int64_t m = Y->shape[0], n = Y->shape[1];
	int64_t k = a->trans_a ? A->shape[0] : A->shape[1];
	float *y = dh_tensor_f32(Y);
	float beta = 0.0f;
	if (nin > 2 && a->beta != 0.0f) {
		int64_t sr, sc;
		gemm_c_strides(in[2], &sr, &sc);
		const float *c = dh_tensor_f32(in[2]);
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++)
				y[i * n + j] = a->beta * c[i * sr + j * sc];
		beta = 1.0f;
	}
	dh_cpu_sgemm(a->trans_a, a->trans_b, m, n, k, a->alpha,
		     dh_tensor_f32(A), A->shape[1], dh_tensor_f32(B),
		     B->shape[1], beta, y, n);
	return DH_OK;
}

dh_status dh_cpu_gemm_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
			       int nin, const dh_tensor *const *in, int nout,
			       const dh_tensor *const *out,
			       const dh_tensor *const *dout,
			       dh_tensor *const *din, dh_err *e)
{
	const dh_tensor *A = in[0], *B = in[1];
	const float *dy = dh_tensor_f32(dout[0]);
	const float *pa = dh_tensor_f32(A), *pb = dh_tensor_f32(B);
	int64_t m = out[0]->shape[0], n = out[0]->shape[1];
	int64_t k = a->trans_a ? A->shape[0] : A->shape[1];
	int64_t lda = A->shape[1], ldb = B->shape[1];
	if (din[0]) {
		/* dA' = alpha dY B'^T, A' = A or A^T */
		float *da = dh_tensor_f32(din[0]);
		if (!a->trans_a)
			dh_cpu_sgemm(0, !a->trans_b, m, k, n, a->alpha, dy, n,
				     pb, ldb, 0.0f, da, lda);
		else /* dA = alpha B' dY^T */
			dh_cpu_sgemm(a->trans_b, 1, k, m, n, a->alpha, pb, ldb,
				     dy, n, 0.0f, da, lda);
	}
	if (din[1]) {
		/* dB' = alpha A'^T dY */
		float *db = dh_tensor_f32(din[1]);
		if (!a->trans_b)
			dh_cpu_sgemm(!a->trans_a, 0, k, n, m, a->alpha, pa, lda,
				     dy, n, 0.0f, db, ldb);
		else /* dB = alpha dY^T A' */
			dh_cpu_sgemm(1, a->trans_a, n, k, m, a->alpha, dy, n,
				     pa, lda, 0.0f, db, ldb);
	}
	if (nin > 2 && din[2]) {
		int64_t sr, sc;
		gemm_c_strides(in[2], &sr, &sc);
		float *dc = dh_tensor_f32(din[2]);
		memset(dc, 0, dh_tensor_nbytes(din[2]));
		/* summing over broadcast rows/columns: serial, fixed order */
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++)
				dc[i * sr + j * sc] += a->beta * dy[i * n + j];
	}
	return DH_OK;
}

/* MatMul on promoted shapes: A [..., M, K], B [..., K, N], Y [..., M, N]
 * (1-D operands promoted and Y's dropped dimension put back). */
typedef struct mm_shapes {
	dh_shape a, b, y;
} mm_shapes;

static void mm_shapes_of(const dh_tensor *A, const dh_tensor *B, mm_shapes *s)
{
	dh_shape a, b;
	dh_shape_of(&a, A);
	dh_shape_of(&b, B);
	dh_matmul_promote(&a, &b, &s->a, &s->b);
	int nb = (s->a.ndim > s->b.ndim ? s->a.ndim : s->b.ndim) - 2;
	s->y.ndim = nb + 2;
	for (int i = 0; i < nb; i++) {
		int ia = s->a.ndim - 2 - nb + i, ib = s->b.ndim - 2 - nb + i;
		int64_t da = ia >= 0 ? s->a.d[ia] : 1;
		int64_t db = ib >= 0 ? s->b.d[ib] : 1;
		s->y.d[i] = da == 1 ? db : da;
	}
	s->y.d[nb] = s->a.d[s->a.ndim - 2];
	s->y.d[nb + 1] = s->b.d[s->b.ndim - 1];
}

/* Offset of the matrix of t that batch b of the output o reads, NumPy
 * broadcasting t's leading (batch) dimensions against o's. */
static int64_t batch_offset(const dh_shape *t, const dh_shape *o, int64_t b)
{
	int nb = o->ndim - 2, tb = t->ndim - 2;
	int64_t off = 0, mat = t->d[t->ndim - 2] * t->d[t->ndim - 1];
	int64_t stride = mat;
	for (int i = nb - 1; i >= 0; i--) {
		int64_t idx = b % o->d[i];
		b /= o->d[i];
		int ti = tb - nb + i;
		if (ti < 0)
			continue;
		if (t->d[ti] != 1)
			off += idx * stride;
		stride *= t->d[ti];
	}
	return off;
}

static int64_t batch_count(const dh_shape *o)
{
	int64_t n = 1;
	for (int i = 0; i < o->ndim - 2; i++)
		n *= o->d[i];
	return n;
}

dh_status dh_cpu_matmul_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				int nin, const dh_tensor *const *in, int nout,
				dh_tensor *const *out, dh_err *e)
{
	mm_shapes s;
	mm_shapes_of(in[0], in[1], &s);
	int64_t m = s.y.d[s.y.ndim - 2], n = s.y.d[s.y.ndim - 1];
	int64_t k = s.a.d[s.a.ndim - 1];
	int64_t nb = batch_count(&s.y);
	const float *pa = dh_tensor_f32(in[0]), *pb = dh_tensor_f32(in[1]);
	float *y = dh_tensor_f32(out[0]);
	for (int64_t b = 0; b < nb; b++)
		dh_cpu_sgemm(0, 0, m, n, k, 1.0f,
			     pa + batch_offset(&s.a, &s.y, b), k,
			     pb + batch_offset(&s.b, &s.y, b), n, 0.0f,
			     y + b * m * n, n);
	return DH_OK;
}

dh_status dh_cpu_matmul_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				 int nin, const dh_tensor *const *in, int nout,
				 const dh_tensor *const *out,
				 const dh_tensor *const *dout,
				 dh_tensor *const *din, dh_err *e)
{
	mm_shapes s;
	mm_shapes_of(in[0], in[1], &s);
	int64_t m = s.y.d[s.y.ndim - 2], n = s.y.d[s.y.ndim - 1];
	int64_t k = s.a.d[s.a.ndim - 1];
	int64_t nb = batch_count(&s.y);
	const float *pa = dh_tensor_f32(in[0]), *pb = dh_tensor_f32(in[1]);
	const float *dy = dh_tensor_f32(dout[0]);
	/* a broadcast operand sums the gradients of every batch that read
	 * it: accumulate batch by batch, in order */
	if (din[0]) {
		float *da = dh_tensor_f32(din[0]);
		memset(da, 0, dh_tensor_nbytes(din[0]));
		for (int64_t b = 0; b < nb; b++)
			dh_cpu_sgemm(0, 1, m, k, n, 1.0f, dy + b * m * n, n,
				     pb + batch_offset(&s.b, &s.y, b), n, 1.0f,
				     da + batch_offset(&s.a, &s.y, b), k);
	}
	if (din[1]) {
		float *db = dh_tensor_f32(din[1]);
		memset(db, 0, dh_tensor_nbytes(din[1]));
		for (int64_t b = 0; b < nb; b++)
			dh_cpu_sgemm(1, 0, k, n, m, 1.0f,
				     pa + batch_offset(&s.a, &s.y, b), k,
				     dy + b * m * n, n, 1.0f,
				     db + batch_offset(&s.b, &s.y, b), n);
	}
	return DH_OK;
}
