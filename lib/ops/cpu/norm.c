/* norm.c - BatchNormalization (ONNX opset 15), forward and backward.
 *
 * Inputs X [N, C, ...], scale, B, input_mean, input_var [C].  Inference
 * (training_mode = 0) normalises with input_mean and input_var.  Training
 * normalises with the batch's mean and biased variance and, when the
 * running_mean and running_var outputs are present, writes
 *   running = input * momentum + batch * (1 - momentum)
 * as ONNX specifies.  Backward recomputes the batch statistics from X
 * instead of keeping them, so the op holds no state between passes.  One
 * thread per channel; sums in double (AVX-512 where the CPU has it, with
 * a fixed order of partial sums).
 *
 * The activations are larger than the caches, so the passes over them are
 * what costs: the statistics come from one pass (the sums of x - s and
 * (x - s)^2, s a value of the channel, so that the difference of the two
 * does not cancel: in double, with float data, the variance keeps all of
 * the float digits), and backward's four sums (those two, dy and
 * dy (x - s)) from one pass over x and dy, before the pass that writes
 * dx: two passes forward and two backward. */
#include "config.h"

#include <math.h>

#include "ops/cpu/cpu.h"

typedef struct bn_dims {
	int64_t n, c, hw; /* samples, channels, spatial size */
} bn_dims;

static bn_dims bn_dims_of(const dh_tensor *x)
{
	bn_dims d = {x->shape[0], x->shape[1], 1};
	for (int i = 2; i < x->ndim; i++)
		d.hw *= x->shape[i];
	return d;
}

/* Row kernels over one sample's plane of one channel, summing in double.
 * The AVX-512 versions keep four vector accumulators and reduce them in a
 * fixed order, so sums do not depend on scheduling (each channel belongs
 * to one thread); the scalar versions are the fallback. */
/* lanes of a running sum (bn_rows' stats and sums4) */
#define BN_LANES 8

typedef struct bn_rows {
	/* into the lanes of s[0] and s[1] (s[q * BN_LANES + lane]):
	 * sum (p - sh), sum (p - sh)^2 */
	void (*stats)(const float *p, int64_t n, double sh, double *s);
	/* q = p k + b, then max(q, 0) when a Relu is folded in (relu) */
	void (*affine)(const float *p, float *q, int64_t n, double k,
		       double b, int relu);
	/* stats, and into s[2] and s[3]: sum g, sum g (p - sh); with a
	 * folded Relu's output y (else NULL), g is masked where y is not
	 * positive (dy * 0 there, as Relu's backward) */
	void (*sums4)(const float *g, const float *y, const float *p,
		      int64_t n, double sh, double *s);
	/* q = k (g - a - (p - mu) c), g masked by y as in sums4 */
	void (*grad)(const float *g, const float *y, const float *p, float *q,
		     int64_t n, double k, double a, double mu, double c);
} bn_rows;

static double sum_c(const float *p, int64_t n)
{
	double s = 0.0;
	for (int64_t j = 0; j < n; j++)
		s += p[j];
	return s;
}

static void stats_c(const float *p, int64_t n, double sh, double *s)
{
	double a = 0.0, b = 0.0;
	for (int64_t j = 0; j < n; j++) {
		double d = p[j] - sh;
		a += d;
		b += d * d;
	}
	s[0] += a;
	s[BN_LANES] += b;
}

/* dY, masked by a folded Relu's output y (activation.c's Relu gradient:
 * dy where y > 0, else dy * 0, which keeps NaN and the sign) */
static float masked_c(const float *g, const float *y, int64_t j)
{
	return y ? dh_cpu_relu_grad(y[j], g[j]) : g[j];
}

static void affine_c(const float *p, float *q, int64_t n, double k, double b,
		     int relu)
{
	for (int64_t j = 0; j < n; j++) {
		float v = (float)(p[j] * k + b);
		q[j] = relu ? (v > 0.0f ? v : 0.0f) : v;
	}
}

static void sums4_c(const float *g, const float *y, const float *p,
		    int64_t n, double sh, double *s)
{
	double a = 0.0, b = 0.0, c = 0.0, d = 0.0;
	for (int64_t j = 0; j < n; j++) {
		double x = p[j] - sh, v = masked_c(g, y, j);
		a += x;
		b += x * x;
		c += v;
		d += v * x;
	}
	s[0] += a;
	s[BN_LANES] += b;
	s[2 * BN_LANES] += c;
	s[3 * BN_LANES] += d;
}

static void grad_c(const float *g, const float *y, const float *p, float *q,
		   int64_t n, double k, double a, double mu, double c)
{
	for (int64_t j = 0; j < n; j++)
		q[j] = (float)(k * (masked_c(g, y, j) - a - (p[j] - mu) * c));
}

#ifdef DH_CPU_X86_AVX512
#include <immintrin.h>

/* 16 floats (masked past n) as two vectors of doubles. */
#define BN_LOAD(lo, hi, p, j, n)                                             \
	__m512 v_##lo = _mm512_maskz_loadu_ps(                               \
		(n) - (j) >= 16 ? 0xffff                                     \
				: (__mmask16)((1u << ((n) - (j))) - 1),      \
		(p) + (j));                                                  \
	__m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v_##lo));        \
	__m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(                       \
		_mm512_extractf64x4_pd(_mm512_castps_pd(v_##lo), 1)))

DH_TARGET_AVX512 static double hsum4(__m512d a, __m512d b, __m512d c,
				     __m512d d)
{
	return _mm512_reduce_add_pd(
		_mm512_add_pd(_mm512_add_pd(a, b), _mm512_add_pd(c, d)));
}

DH_TARGET_AVX512 static double sum_v(const float *p, int64_t n)
{
	__m512d a = _mm512_setzero_pd(), b = a, c = a, d = a;
	int64_t j = 0;
	for (; j + 32 <= n; j += 32) {
		BN_LOAD(x0, x1, p, j, n);
		BN_LOAD(x2, x3, p, j + 16, n);
		a = _mm512_add_pd(a, x0);
		b = _mm512_add_pd(b, x1);
		c = _mm512_add_pd(c, x2);
		d = _mm512_add_pd(d, x3);
	}
	for (; j < n; j += 16) {
		BN_LOAD(x0, x1, p, j, n);
		a = _mm512_add_pd(a, x0);
		b = _mm512_add_pd(b, x1);
	}
	return hsum4(a, b, c, d);
}

/* 8 floats (masked past n) as doubles minus sh; lanes past n are 0 */
#define BN_LOAD8(v, p, j, n, sh)                                             \
	__mmask8 k_##v = (n) - (j) >= 8 ? 0xff                               \
					: (__mmask8)((1u << ((n) - (j))) - 1); \
	__m512d v = _mm512_maskz_sub_pd(                                     \
		k_##v, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(k_##v, (p) + (j))), \
		(sh))

/* The sums stay in eight lanes (acc[q * 8 + lane]) across the rows of a
 * channel and are added across lanes once, at the end (bn_lanes): a
 * reduction per row costs more than the row when rows are short. */
DH_TARGET_AVX512 static void stats_v(const float *p, int64_t n, double sh,
				     double *acc)
{
	__m512d a0 = _mm512_loadu_pd(acc), b0 = _mm512_loadu_pd(acc + 8);
	__m512d a1 = _mm512_setzero_pd(), b1 = a1;
	__m512d shv = _mm512_set1_pd(sh);
	int64_t j = 0;
	for (; j + 16 <= n; j += 16) {
		BN_LOAD8(x0, p, j, n, shv);
		BN_LOAD8(x1, p, j + 8, n, shv);
		a0 = _mm512_add_pd(a0, x0);
		a1 = _mm512_add_pd(a1, x1);
		b0 = _mm512_fmadd_pd(x0, x0, b0);
		b1 = _mm512_fmadd_pd(x1, x1, b1);
	}
	for (; j < n; j += 8) {
		BN_LOAD8(x0, p, j, n, shv);
		a0 = _mm512_add_pd(a0, x0);
		b0 = _mm512_fmadd_pd(x0, x0, b0);
	}
	_mm512_storeu_pd(acc, _mm512_add_pd(a0, a1));
	_mm512_storeu_pd(acc + 8, _mm512_add_pd(b0, b1));
}

DH_TARGET_AVX512 __attribute__((optimize("fp-contract=off"))) static void
affine_v(const float *p, float *q, int64_t n, double k, double b, int relu)
{
	__m512d kv = _mm512_set1_pd(k), bv = _mm512_set1_pd(b);
	/* max(v, lo) with lo = 0 is v > 0 ? v : 0 (NaN and -0 give +0); with
	 * lo = -inf it is v */
	__m256 lo = _mm256_set1_ps(relu ? 0.0f : -INFINITY);
	for (int64_t j = 0; j < n; j += 8) {
		__mmask8 m = n - j >= 8 ? 0xff : (__mmask8)((1u << (n - j)) - 1);
		__m512d x = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p + j));
		/* multiply, then add (no FMA, hence fp-contract=off):
		 * rounded as the scalar code, so x == mean gives exactly B */
		__m256 v = _mm512_cvtpd_ps(
			_mm512_add_pd(_mm512_mul_pd(x, kv), bv));
		_mm256_mask_storeu_ps(q + j, m, relu ? _mm256_max_ps(v, lo) : v);
	}
}

/* 8 values of dY (masked by y as masked_c does, when y is not NULL) as
 * doubles, 0 past n */
DH_TARGET_AVX512 static __m512d masked_dy(const float *g, const float *y,
					  int64_t j, __mmask8 k)
{
	__m256 gv = _mm256_maskz_loadu_ps(k, g + j);
	if (!y)
		return _mm512_cvtps_pd(gv);
	__m256 yv = _mm256_maskz_loadu_ps(k, y + j);
	__mmask8 pos = _mm256_cmp_ps_mask(yv, _mm256_setzero_ps(), _CMP_GT_OQ);
	__m256 z = _mm256_mul_ps(gv, _mm256_setzero_ps());
	return _mm512_cvtps_pd(_mm256_mask_blend_ps(pos, z, gv));
}

DH_TARGET_AVX512 static void sums4_v(const float *g, const float *y,
				     const float *p, int64_t n, double sh,
				     double *acc)
{
	__m512d a = _mm512_loadu_pd(acc), b = _mm512_loadu_pd(acc + 8);
	__m512d c = _mm512_loadu_pd(acc + 16), d = _mm512_loadu_pd(acc + 24);
	__m512d shv = _mm512_set1_pd(sh);
	for (int64_t j = 0; j < n; j += 8) {
		BN_LOAD8(x, p, j, n, shv);
		__m512d v = masked_dy(g, y, j, k_x);
		a = _mm512_add_pd(a, x);
		b = _mm512_fmadd_pd(x, x, b);
		c = _mm512_add_pd(c, v);
		d = _mm512_fmadd_pd(v, x, d);
	}
	_mm512_storeu_pd(acc, a);
	_mm512_storeu_pd(acc + 8, b);
	_mm512_storeu_pd(acc + 16, c);
	_mm512_storeu_pd(acc + 24, d);
}

DH_TARGET_AVX512 static void grad_v(const float *g, const float *y,
				    const float *p, float *q, int64_t n,
				    double k, double a, double mu, double c)
{
	__m512d kv = _mm512_set1_pd(k), av = _mm512_set1_pd(a),
		mv = _mm512_set1_pd(mu), cv = _mm512_set1_pd(c);
	for (int64_t j = 0; j < n; j += 8) {
		__mmask8 m = n - j >= 8 ? 0xff : (__mmask8)((1u << (n - j)) - 1);
		__m512d gv = masked_dy(g, y, j, m);
		__m512d xv = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p + j));
		__m512d t = _mm512_sub_pd(_mm512_sub_pd(gv, av),
					  _mm512_mul_pd(_mm512_sub_pd(xv, mv), cv));
		_mm256_mask_storeu_ps(q + j, m, _mm512_cvtpd_ps(_mm512_mul_pd(kv, t)));
	}
}
#endif

static bn_rows bn_rows_get(void)
{
#ifdef DH_CPU_X86_AVX512
	if (dh_cpu_avx512())
		return (bn_rows){stats_v, affine_v, sums4_v, grad_v};
#endif
	return (bn_rows){stats_c, affine_c, sums4_c, grad_c};
}

double dh_cpu_dsum(const float *p, int64_t n)
{
#ifdef DH_CPU_X86_AVX512
	if (dh_cpu_avx512())
		return sum_v(p, n);
#endif
	return sum_c(p, n);
}

/* The shift of channel ch's sums: its first value (finite or not: a NaN
 * or infinity in x still reaches the statistics). */
static double channel_shift(const float *x, bn_dims d, int64_t ch)
{
	return d.n * d.hw > 0 ? x[ch * d.hw] : 0.0;
}

/* Sum q of s (q * BN_LANES + lane), its lanes added in order. */
static double bn_lanes(const double *s, int q)
{
	double t = 0.0;
	for (int l = 0; l < BN_LANES; l++)
		t += s[q * BN_LANES + l];
	return t;
}

/* Mean and biased variance from the shifted sums s[0], s[1] of m values. */
static void shifted_moments(const double *s, double sh, double m,
			    double *mean, double *var)
{
	double d = m > 0 ? s[0] / m : 0.0;
	double v = m > 0 ? s[1] / m - d * d : 0.0;
	*mean = sh + d;
	*var = v > 0 ? v : 0.0;
}

/* Channels go in groups, a group to a thread at a time, small enough
 * that the group's values (BN_GROUP_BYTES of x, and as much of dy in
 * backward) stay in the core's L2 between the pass that sums them and the
 * pass that writes the result, and are swept sample by sample: the
 * group's rows of one sample lie side by side in memory, one run of
 * group x hw floats, instead of short rows far apart (16 floats in
 * ResNet-18's last stage), which the hardware prefetchers follow badly.
 * Each channel's sums still add its rows in sample order, so the results
 * do not depend on the grouping. */
#define BN_GROUP 64
#define BN_GROUP_BYTES ((int64_t)256 << 10)

static int64_t bn_group(bn_dims d, int nt)
{
	int64_t per = d.n * d.hw * (int64_t)sizeof(float);
	int64_t g = per > 0 ? BN_GROUP_BYTES / per : BN_GROUP;
	int64_t even = (d.c + nt - 1) / (nt > 0 ? nt : 1);
	g = g > even ? even : g;
	return g < 1 ? 1 : g > BN_GROUP ? BN_GROUP : g;
}

dh_status dh_cpu_batchnorm_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				   int nin, const dh_tensor *const *in,
				   int nout, dh_tensor *const *out, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]), *scale = dh_tensor_f32(in[1]);
	const float *bias = dh_tensor_f32(in[2]), *imean = dh_tensor_f32(in[3]);
	const float *ivar = dh_tensor_f32(in[4]);
	float *y = dh_tensor_f32(out[0]);
	float *rmean = nout > 1 ? dh_tensor_f32(out[1]) : NULL;
	float *rvar = nout > 2 ? dh_tensor_f32(out[2]) : NULL;
	bn_dims d = bn_dims_of(in[0]);
	if (a->training_mode && d.n * d.hw == 0)
		return dh_op_fail(e, DH_ESHAPE, DH_OP_BATCHNORM, ctx->node,
				  "an empty batch has no statistics");
	double mom = a->momentum;
	bn_rows r = bn_rows_get();
	int64_t gs = bn_group(d, dh_cpu_threads(ctx, d.n * d.c * d.hw));
	int64_t ng = (d.c + gs - 1) / gs;
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t gi = 0; gi < ng; gi++) {
		int64_t c0 = gi * gs, c1 = c0 + gs < d.c ? c0 + gs : d.c;
		double s[BN_GROUP][2 * BN_LANES], sh[BN_GROUP];
		double k[BN_GROUP], b[BN_GROUP];
		if (a->training_mode) {
			for (int64_t ch = c0; ch < c1; ch++) {
				for (int q = 0; q < 2 * BN_LANES; q++)
					s[ch - c0][q] = 0.0;
				sh[ch - c0] = channel_shift(x, d, ch);
			}
			for (int64_t i = 0; i < d.n; i++)
				for (int64_t ch = c0; ch < c1; ch++)
					r.stats(x + (i * d.c + ch) * d.hw, d.hw,
						sh[ch - c0], s[ch - c0]);
		}
		for (int64_t ch = c0; ch < c1; ch++) {
			double mu, var;
			if (a->training_mode) {
				double t[2] = {bn_lanes(s[ch - c0], 0),
					       bn_lanes(s[ch - c0], 1)};
				shifted_moments(t, sh[ch - c0],
						(double)(d.n * d.hw), &mu, &var);
				if (rmean)
					rmean[ch] = (float)(imean[ch] * mom +
							    mu * (1.0 - mom));
				if (rvar)
					rvar[ch] = (float)(ivar[ch] * mom +
							   var * (1.0 - mom));
			} else {
				mu = imean[ch];
				var = ivar[ch];
			}
			k[ch - c0] = scale[ch] / sqrt(var + a->epsilon);
			b[ch - c0] = bias[ch] - mu * k[ch - c0];
		}
		for (int64_t i = 0; i < d.n; i++)
			for (int64_t ch = c0; ch < c1; ch++)
				r.affine(x + (i * d.c + ch) * d.hw,
					 y + (i * d.c + ch) * d.hw, d.hw,
					 k[ch - c0], b[ch - c0], a->relu_after);
	}
	return DH_OK;
}

dh_status dh_cpu_batchnorm_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				    int nin, const dh_tensor *const *in,
				    int nout, const dh_tensor *const *out,
				    const dh_tensor *const *dout,
				    dh_tensor *const *din, dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]), *scale = dh_tensor_f32(in[1]);
	const float *imean = dh_tensor_f32(in[3]), *ivar = dh_tensor_f32(in[4]);
	const float *dy = dh_tensor_f32(dout[0]);
	/* a folded Relu: its output, whose zeros mask dY */
	const float *y = a->relu_after ? dh_tensor_f32(out[0]) : NULL;
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	float *dscale = din[1] ? dh_tensor_f32(din[1]) : NULL;
	float *dbias = din[2] ? dh_tensor_f32(din[2]) : NULL;
	/* input_mean and input_var are statistics, not parameters */
	if (din[3])
		dh_tensor_fill(din[3], 0.0);
	if (din[4])
		dh_tensor_fill(din[4], 0.0);
	bn_dims d = bn_dims_of(in[0]);
	double m = (double)(d.n * d.hw);
	bn_rows r = bn_rows_get();
	int64_t gs = bn_group(d, dh_cpu_threads(ctx, d.n * d.c * d.hw));
	int64_t ng = (d.c + gs - 1) / gs;
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t gi = 0; gi < ng; gi++) {
		int64_t c0 = gi * gs, c1 = c0 + gs < d.c ? c0 + gs : d.c;
		/* one pass: the shifted moments of x, sum dy, sum dy (x - sh) */
		double s[BN_GROUP][4 * BN_LANES], sh[BN_GROUP];
		double k[BN_GROUP], ga[BN_GROUP], mu[BN_GROUP], gc[BN_GROUP];
		for (int64_t ch = c0; ch < c1; ch++) {
			for (int q = 0; q < 4 * BN_LANES; q++)
				s[ch - c0][q] = 0.0;
			sh[ch - c0] = channel_shift(x, d, ch);
		}
		for (int64_t i = 0; i < d.n; i++)
			for (int64_t ch = c0; ch < c1; ch++) {
				int64_t o = (i * d.c + ch) * d.hw;
				r.sums4(dy + o, y ? y + o : NULL, x + o, d.hw,
					sh[ch - c0], s[ch - c0]);
			}
		for (int64_t ch = c0; ch < c1; ch++) {
			double sc[4], var, u;
			for (int q = 0; q < 4; q++)
				sc[q] = bn_lanes(s[ch - c0], q);
			if (a->training_mode)
				shifted_moments(sc, sh[ch - c0], m, &u, &var);
			else
				u = imean[ch], var = ivar[ch];
			double inv = 1.0 / sqrt(var + a->epsilon);
			/* sum dy (x - mu) = sum dy (x - sh) - (mu - sh) sum dy */
			double sdy = sc[2];
			double sdyx = (sc[3] - (u - sh[ch - c0]) * sc[2]) * inv;
			if (dscale)
				dscale[ch] = (float)sdyx;
			if (dbias)
				dbias[ch] = (float)sdy;
			k[ch - c0] = scale[ch] * inv;
			mu[ch - c0] = u;
			/* in training the batch statistics depend on x too */
			ga[ch - c0] = a->training_mode ? sdy / m : 0.0;
			gc[ch - c0] = a->training_mode ? inv * sdyx / m : 0.0;
		}
		if (!dx)
			continue;
		for (int64_t i = 0; i < d.n; i++)
			for (int64_t ch = c0; ch < c1; ch++) {
				int64_t o = (i * d.c + ch) * d.hw;
				r.grad(dy + o, y ? y + o : NULL, x + o, dx + o,
				       d.hw, k[ch - c0], ga[ch - c0], mu[ch - c0],
				       gc[ch - c0]);
			}
	}
	return DH_OK;
}

/* ---- LayerNormalization (opset 17) and InstanceNormalization ------------
 *
 * Both normalise rows: LayerNormalization the trailing block of X from axis
 * on (rows = the leading elements), InstanceNormalization each (sample,
 * channel) plane.  They share the row statistics and the row backward:
 * with xh = (x - mu) inv and g = dy * scale,
 *   dx = inv (g - mean(g) - xh mean(g xh)). */

static void row_stats(const float *x, int64_t d, double *mu, double *inv,
		      double eps)
{
	double s = 0.0, q = 0.0;
	for (int64_t j = 0; j < d; j++)
		s += x[j];
	double m = d ? s / (double)d : 0.0;
	for (int64_t j = 0; j < d; j++)
		q += (x[j] - m) * (x[j] - m);
	*mu = m;
	*inv = 1.0 / sqrt((d ? q / (double)d : 0.0) + eps);
}

/* dx for one row; scale is per element (LayerNorm, stride 1) or one value
 * (InstanceNorm, stride 0). */
static void row_backward(const float *x, const float *dy, const float *scale,
			 int64_t sstride, int64_t d, double mu, double inv,
			 float *dx)
{
	double sg = 0.0, sgx = 0.0;
	for (int64_t j = 0; j < d; j++) {
		double g = (double)dy[j] * scale[j * sstride];
		sg += g;
		sgx += g * (x[j] - mu) * inv;
	}
	double mg = sg / (double)d, mgx = sgx / (double)d;
	for (int64_t j = 0; j < d; j++) {
		double g = (double)dy[j] * scale[j * sstride];
		double xh = (x[j] - mu) * inv;
		dx[j] = (float)(inv * (g - mg - xh * mgx));
	}
}

static void layernorm_split(const dh_op_attrs *a, const dh_tensor *x,
			    int64_t *rows, int64_t *d)
{
	int64_t ax = a->axis < 0 ? a->axis + x->ndim : a->axis;
	*rows = *d = 1;
	for (int i = 0; i < x->ndim; i++)
		*(i < ax ? rows : d) *= x->shape[i];
}

dh_status dh_cpu_layernorm_forward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				   int nin, const dh_tensor *const *in,
				   int nout, dh_tensor *const *out, dh_err *e)
{
	int64_t rows, d;
	layernorm_split(a, in[0], &rows, &d);
	const float *x = dh_tensor_f32(in[0]), *sc = dh_tensor_f32(in[1]);
	const float *b = nin > 2 ? dh_tensor_f32(in[2]) : NULL;
	float *y = dh_tensor_f32(out[0]);
	float *om = nout > 1 ? dh_tensor_f32(out[1]) : NULL;
	float *oi = nout > 2 ? dh_tensor_f32(out[2]) : NULL;
	DH_OMP_FOR(ctx, rows * d)
	for (int64_t r = 0; r < rows; r++) {
		double mu, inv;
		row_stats(x + r * d, d, &mu, &inv, a->epsilon);
		const float *xr = x + r * d;
		float *yr = y + r * d;
		for (int64_t j = 0; j < d; j++)
			yr[j] = (float)((xr[j] - mu) * inv * sc[j] +
					(b ? b[j] : 0.0f));
		if (om)
			om[r] = (float)mu;
		if (oi)
			oi[r] = (float)inv;
	}
	return DH_OK;
}

dh_status dh_cpu_layernorm_backward(const dh_op_ctx *ctx, const dh_op_attrs *a,
				    int nin, const dh_tensor *const *in,
				    int nout, const dh_tensor *const *out,
				    const dh_tensor *const *dout,
				    dh_tensor *const *din, dh_err *e)
{
	int64_t rows, d;
	layernorm_split(a, in[0], &rows, &d);
	const float *x = dh_tensor_f32(in[0]), *sc = dh_tensor_f32(in[1]);
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	float *dsc = din[1] ? dh_tensor_f32(din[1]) : NULL;
	float *db = nin > 2 && din[2] ? dh_tensor_f32(din[2]) : NULL;
	/* the row statistics, kept for the column sums below */
	size_t bytes;
	if (dh_size_mul((size_t)rows, 2 * sizeof(double), &bytes))
		return dh_op_fail(e, DH_ENOMEM, DH_OP_LAYERNORM, ctx->node,
				  "too many rows");
	if (!ctx->ws)
		return dh_op_fail(e, DH_EINVAL, DH_OP_LAYERNORM, ctx->node,
				  "backward needs a workspace");
	double *st = dh_workspace_get(ctx->ws, bytes, e);
	if (!st)
		return e ? e->status : DH_ENOMEM;
	DH_OMP_FOR(ctx, rows * d)
	for (int64_t r = 0; r < rows; r++) {
		row_stats(x + r * d, d, &st[2 * r], &st[2 * r + 1], a->epsilon);
		if (dx)
			row_backward(x + r * d, dy + r * d, sc, 1, d,
				     st[2 * r], st[2 * r + 1], dx + r * d);
	}
	if (dsc || db) {
		/* column sums over rows, each column by one thread */
		DH_OMP_FOR(ctx, rows * d)
		for (int64_t j = 0; j < d; j++) {
			double s1 = 0.0, s2 = 0.0;
			for (int64_t r = 0; r < rows; r++) {
				double g = dy[r * d + j];
				s1 += g;
				s2 += g * (x[r * d + j] - st[2 * r]) *
				      st[2 * r + 1];
			}
			if (dsc)
				dsc[j] = (float)s2;
			if (db)
				db[j] = (float)s1;
		}
	}
	return DH_OK;
}

dh_status dh_cpu_instancenorm_forward(const dh_op_ctx *ctx,
				      const dh_op_attrs *a, int nin,
				      const dh_tensor *const *in, int nout,
				      dh_tensor *const *out, dh_err *e)
{
	bn_dims d = bn_dims_of(in[0]);
	const float *x = dh_tensor_f32(in[0]), *sc = dh_tensor_f32(in[1]);
	const float *b = dh_tensor_f32(in[2]);
	float *y = dh_tensor_f32(out[0]);
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t p = 0; p < d.n * d.c; p++) {
		int64_t ch = p % d.c;
		double mu, inv;
		row_stats(x + p * d.hw, d.hw, &mu, &inv, a->epsilon);
		for (int64_t j = 0; j < d.hw; j++)
			y[p * d.hw + j] = (float)((x[p * d.hw + j] - mu) * inv *
							  sc[ch] +
						  b[ch]);
	}
	return DH_OK;
}

dh_status dh_cpu_instancenorm_backward(const dh_op_ctx *ctx,
				       const dh_op_attrs *a, int nin,
				       const dh_tensor *const *in, int nout,
				       const dh_tensor *const *out,
				       const dh_tensor *const *dout,
				       dh_tensor *const *din, dh_err *e)
{
	bn_dims d = bn_dims_of(in[0]);
	const float *x = dh_tensor_f32(in[0]), *sc = dh_tensor_f32(in[1]);
	const float *dy = dh_tensor_f32(dout[0]);
	float *dx = din[0] ? dh_tensor_f32(din[0]) : NULL;
	float *dsc = din[1] ? dh_tensor_f32(din[1]) : NULL;
	float *db = din[2] ? dh_tensor_f32(din[2]) : NULL;
	/* one thread per channel: it owns dscale[c], dB[c] and its planes */
	DH_OMP_FOR(ctx, d.n * d.c * d.hw)
	for (int64_t ch = 0; ch < d.c; ch++) {
		double s1 = 0.0, s2 = 0.0;
		for (int64_t i = 0; i < d.n; i++) {
			int64_t p = i * d.c + ch;
			double mu, inv;
			row_stats(x + p * d.hw, d.hw, &mu, &inv, a->epsilon);
			for (int64_t j = 0; j < d.hw; j++) {
				double g = dy[p * d.hw + j];
				s1 += g;
				s2 += g * (x[p * d.hw + j] - mu) * inv;
			}
			if (dx)
				row_backward(x + p * d.hw, dy + p * d.hw,
					     sc + ch, 0, d.hw, mu, inv,
					     dx + p * d.hw);
		}
		if (dsc)
			dsc[ch] = (float)s2;
		if (db)
			db[ch] = (float)s1;
	}
	return DH_OK;
}
