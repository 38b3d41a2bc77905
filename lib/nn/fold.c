/* fold.c - BatchNormalization folding (see fold.h). */
#include "config.h"

#include "nn/fold.h"

#include <math.h>

static int is_vec(const dh_tensor *t, int64_t m)
{
	return t && t->dtype == DH_F32 && t->ndim == 1 && t->shape[0] == m;
}

dh_status dh_fold_batchnorm(const dh_tensor *w, const dh_tensor *bias,
			    int channels_last, const dh_tensor *scale,
			    const dh_tensor *bn_bias, const dh_tensor *mean,
			    const dh_tensor *var, float epsilon,
			    dh_tensor *w_out, dh_tensor *b_out, dh_err *e)
{
	if (w->dtype != DH_F32 || w->ndim < 1 || w_out->dtype != DH_F32 ||
	    !dh_shape_equal(w->ndim, w->shape, w_out->ndim, w_out->shape))
		return dh_err_set(e, DH_ESHAPE,
				  "fold: the weights must be float32 of one "
				  "shape");
	int64_t m = channels_last ? w->shape[w->ndim - 1] : w->shape[0];
	int64_t n = dh_tensor_numel(w);
	if (!is_vec(scale, m) || !is_vec(bn_bias, m) || !is_vec(mean, m) ||
	    !is_vec(var, m) || !is_vec(b_out, m) || (bias && !is_vec(bias, m)))
		return dh_err_set(e, DH_ESHAPE,
				  "fold: scale, B, mean, variance and biases "
				  "must all be [%lld]",
				  (long long)m);
	const float *s = dh_tensor_f32(scale), *bb = dh_tensor_f32(bn_bias);
	const float *mu = dh_tensor_f32(mean), *v = dh_tensor_f32(var);
	const float *b = bias ? dh_tensor_f32(bias) : NULL;
	const float *pw = dh_tensor_f32(w);
	float *ow = dh_tensor_f32(w_out), *ob = dh_tensor_f32(b_out);
	for (int64_t j = 0; j < m; j++)
		if (!(v[j] + epsilon > 0.0f))
			return dh_err_set(e, DH_ENUMERIC,
					  "fold: variance %g + epsilon of "
					  "channel %lld is not positive",
					  (double)v[j], (long long)j);
	int64_t per = m ? n / m : 0;
	for (int64_t i = 0; i < n; i++) {
		int64_t j = channels_last ? i % m : i / per;
		double k = s[j] / sqrt((double)v[j] + epsilon);
		ow[i] = (float)(pw[i] * k);
	}
	for (int64_t j = 0; j < m; j++) {
		double k = s[j] / sqrt((double)v[j] + epsilon);
		ob[j] = (float)(k * ((b ? b[j] : 0.0) - mu[j]) + bb[j]);
	}
	return DH_OK;
}
