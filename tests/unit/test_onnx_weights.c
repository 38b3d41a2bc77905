/* test_onnx_weights.c - weights and gradients streams (lib/onnx/weights.h):
 * memory round trips, the strict checks with their one-line messages, a
 * trainer's gradients after a step, and the spec parser's errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/train.h"
#include "onnx/import.h"
#include "onnx/optimize.h"
#include "onnx/spec.h"
#include "onnx/weights.h"
#include "onnx/zoo.h"
#include "tap.h"

static dh_onnx_model *lenet(uint64_t seed)
{
	dh_zoo_opts o = {0};
	o.arch = "lenet";
	o.ndim = 3;
	o.input[0] = 1;
	o.input[1] = 8;
	o.input[2] = 8;
	o.classes = 3;
	o.seed = seed;
	return dh_zoo_build(&o, "lenet.onnx", NULL);
}

static int same_tensor(const dh_tensor *a, const dh_tensor *b)
{
	return a->dtype == b->dtype &&
	       dh_shape_equal(a->ndim, a->shape, b->ndim, b->shape) &&
	       !memcmp(a->data, b->data, dh_tensor_nbytes(a));
}

TEST(buffer_round_trip_and_import)
{
	dh_onnx_model *m = lenet(1), *r = lenet(2);
	dh_err e;
	dh_weights *w = dh_weights_from_model(m, &e);
	CHECK(w != NULL);
	CHECK_INT(w->n, 8);
	uint8_t *buf = NULL;
	size_t len = 0;
	CHECK_INT(dh_weights_to_buffer(w, &buf, &len, &e), DH_OK);
	dh_weights *back = dh_weights_from_buffer(buf, len, "buf", &e);
	CHECK(back != NULL);
	CHECK_INT(back->kind, DH_WEIGHTS_PARAMS);
	CHECK_INT(back->n, w->n);
	for (int i = 0; back && i < w->n; i++) {
		CHECK_STR(back->names[i], w->names[i]);
		CHECK(same_tensor(back->t[i], w->t[i]));
	}
	/* into a model of another seed: its weights become m's */
	CHECK_INT(dh_weights_apply_model(r, back, "buf", &e), DH_OK);
	dh_weights *rw = dh_weights_from_model(r, &e);
	for (int i = 0; rw && i < w->n; i++)
		CHECK(same_tensor(rw->t[i], w->t[i]));
	/* a stream cut anywhere is an error naming where */
	dh_weights *cut = dh_weights_from_buffer(buf, len - 5, "buf", &e);
	CHECK(cut == NULL);
	CHECK_HAS(e.msg, "tensor 'fc2.bias' (record 8)");
	cut = dh_weights_from_buffer(buf, 40, "buf", &e);
	CHECK(cut == NULL);
	CHECK_HAS(e.msg, "buf");
	free(buf);
	dh_weights_free(rw);
	dh_weights_free(back);
	dh_weights_free(w);
	dh_onnx_free(m);
	dh_onnx_free(r);
}

TEST(strict_checks_name_the_tensor)
{
	dh_onnx_model *m = lenet(1);
	dh_err e;
	dh_weights *w = dh_weights_from_model(m, &e);
	/* a renamed tensor: missing on one side */
	free(w->names[7]);
	w->names[7] = strdup("head.bias");
	CHECK_INT(dh_weights_apply_model(m, w, "w.npy", &e), DH_EINVAL);
	CHECK_STR(e.msg, "w.npy: no tensor 'fc2.bias' (lenet.onnx has it)");
	free(w->names[7]);
	w->names[7] = strdup("fc2.bias");
	/* a shape that differs */
	int64_t s5 = 5;
	dh_tensor *b5 = dh_tensor_new(DH_F32, 1, &s5, NULL);
	dh_tensor *keep = w->t[7];
	w->t[7] = b5;
	CHECK_INT(dh_weights_apply_model(m, w, "w.npy", &e), DH_EINVAL);
	CHECK_STR(e.msg, "w.npy: tensor 'fc2.bias' has shape [5] where "
			 "lenet.onnx has [3]");
	/* a dtype that differs */
	int64_t s3 = 3;
	w->t[7] = dh_tensor_new(DH_F64, 1, &s3, NULL);
	CHECK_INT(dh_weights_apply_model(m, w, "w.npy", &e), DH_EINVAL);
	CHECK_HAS(e.msg, "w.npy: tensor 'fc2.bias' is float64 where lenet.onnx "
			 "has float32");
	dh_tensor_free(w->t[7]);
	dh_tensor_free(b5);
	w->t[7] = keep;
	CHECK_INT(dh_weights_apply_model(m, w, "w.npy", &e), DH_OK);
	dh_weights_free(w);
	dh_onnx_free(m);
}

TEST(gradients_after_a_step)
{
	dh_onnx_model *m = lenet(3);
	dh_device dev;
	dh_device_cpu(&dev, 1);
	dh_err e;
	dh_graph *g = dh_onnx_import(m, &dev, 0, &e);
	CHECK(g != NULL);
	dh_optim_opts oo;
	dh_optim_opts_init(&oo, DH_OPTIM_SGD);
	dh_trainer *t = dh_trainer_new(g, &oo, DH_LOSS_CE, &e);
	CHECK(t != NULL);
	int64_t xs[] = {4, 1, 8, 8}, ys[] = {4};
	dh_tensor *x = dh_tensor_new(DH_F32, 4, xs, NULL);
	dh_tensor *y = dh_tensor_new(DH_I64, 1, ys, NULL);
	float *xp = dh_tensor_f32(x);
	for (int64_t i = 0; i < dh_tensor_numel(x); i++)
		xp[i] = (float)((i * 37) % 11) / 11.0f;
	for (int i = 0; i < 4; i++)
		((int64_t *)y->data)[i] = i % 3;
	dh_batch_result r;
	CHECK_INT(dh_trainer_step(t, x, y, &r, &e), DH_OK);
	uint8_t *buf = NULL;
	size_t len = 0;
	char *p = NULL;
	FILE *f = open_memstream(&p, &len);
	CHECK_INT(dh_weights_write_tensors(f, DH_WEIGHTS_GRADS, t->nparams,
					   t->names, t->grads, &e), DH_OK);
	fclose(f);
	buf = (uint8_t *)p;
	dh_weights *gw = dh_weights_from_buffer(buf, len, "grads", &e);
	CHECK(gw != NULL);
	CHECK_INT(gw->kind, DH_WEIGHTS_GRADS);
	CHECK_INT(gw->n, t->nparams);
	double norm = 0;
	for (int i = 0; gw && i < gw->n; i++) {
		CHECK(same_tensor(gw->t[i], t->grads[i]));
		const float *v = dh_tensor_f32(gw->t[i]);
		for (int64_t k = 0; k < dh_tensor_numel(gw->t[i]); k++)
			norm += (double)v[k] * v[k];
	}
	CHECK(norm > 0);
	/* back into the trainer's gradient buffers (as a worker would) */
	for (int i = 0; i < t->nparams; i++)
		dh_tensor_fill(t->grads[i], 0);
	CHECK_INT(dh_weights_copy_to(gw, "grads", t->nparams, t->names,
				     t->grads, &e), DH_OK);
	for (int i = 0; gw && i < gw->n; i++)
		CHECK(same_tensor(gw->t[i], t->grads[i]));
	/* the trained state moves to another graph of the model, whose
	 * forward pass then gives the same outputs */
	dh_weights *state = dh_weights_from_graph(g, &e);
	CHECK(state != NULL);
	dh_graph *g2 = dh_onnx_import(m, &dev, 0, &e);
	CHECK_INT(dh_weights_apply_graph(g2, state, "state", &e), DH_OK);
	const dh_tensor *feed[] = {x};
	CHECK_INT(dh_graph_plan(g, 4, 0, &e), DH_OK);
	CHECK_INT(dh_graph_plan(g2, 4, 0, &e), DH_OK);
	CHECK_INT(dh_graph_forward(g, feed, &e), DH_OK);
	CHECK_INT(dh_graph_forward(g2, feed, &e), DH_OK);
	CHECK(same_tensor(dh_graph_output(g, 0), dh_graph_output(g2, 0)));
	dh_weights_free(state);
	dh_graph_free(g2);
	/* a weights stream does not fit a shorter list */
	CHECK_INT(dh_weights_copy_to(gw, "grads", t->nparams - 1, t->names,
				     t->grads, &e), DH_EINVAL);
	CHECK_HAS(e.msg, "is not in the model");
	free(buf);
	dh_weights_free(gw);
	dh_tensor_free(x);
	dh_tensor_free(y);
	dh_trainer_free(t);
	dh_graph_free(g);
	dh_onnx_free(m);
}

TEST(reset_reproduces_the_zoo)
{
	dh_onnx_model *a = lenet(7), *b = lenet(9);
	dh_err e;
	CHECK_INT(dh_weights_reset(b, 7, &e), DH_OK);
	dh_weights *wa = dh_weights_from_model(a, &e), *wb = dh_weights_from_model(b, &e);
	for (int i = 0; wa && wb && i < wa->n; i++)
		CHECK(same_tensor(wa->t[i], wb->t[i]));
	dh_weights_free(wa);
	dh_weights_free(wb);
	dh_onnx_free(a);
	dh_onnx_free(b);
}

static void spec_error(const char *text, const char *want)
{
	dh_err e;
	memset(&e, 0, sizeof e);
	dh_onnx_model *m = dh_spec_build_string(text, strlen(text), "net.yml",
						0, 0, "out.onnx", &e);
	CHECK(m == NULL);
	CHECK_STR(e.msg, want);
	dh_onnx_free(m);
}

TEST(spec_errors_point_at_the_place)
{
	spec_error("input: [1, 8, 8]\nlayers:\n  - {name: c, type: conv, filter: 4, kernel: 3}\n",
		   "net.yml:3:27: layer 'c' (conv): unknown attribute 'filter' "
		   "(it takes filters kernel stride padding dilation groups bias)");
	spec_error("input: [1, 8, 8]\nlayers:\n  - {name: c, type: conv, kernel: 3}\n",
		   "net.yml:3:5: layer 'c' (conv): 'filters' is required");
	spec_error("input: [4]\nlayers:\n  - {name: a, type: dense, units: 2}\n"
		   "  - {name: s, type: add, inputs: [a, input]}\n",
		   "net.yml:4:34: layer 's' (add): inputs 'a' [2] and 'input' [4] "
		   "differ in shape");
	spec_error("input: [4]\nlayers:\n  - {name: a, type: relu, input: b}\n",
		   "net.yml:3:34: layer 'a': input 'b' is not an earlier layer");
	spec_error("input: [4\nlayers: []\n",
		   "net.yml:2:7: did not find expected ',' or ']' while parsing a "
		   "flow sequence");
}

/* Output 0 of m for x (a new tensor). */
static dh_tensor *infer(dh_onnx_model *m, const dh_tensor *x)
{
	dh_device dev;
	dh_device_cpu(&dev, 1);
	dh_graph *g = dh_onnx_import(m, &dev, 0, NULL);
	const dh_tensor *feed[] = {x};
	dh_tensor *y = NULL;
	if (g && !dh_graph_plan(g, x->shape[0], 0, NULL) &&
	    !dh_graph_forward(g, feed, NULL))
		y = dh_tensor_clone(dh_graph_output(g, 0), NULL);
	dh_graph_free(g);
	return y;
}

static void fold_case(dh_onnx_model *m, int want, int channels);

TEST(batchnorm_folds_for_inference)
{
	dh_zoo_opts o = {0};
	o.arch = "resnet18";
	o.ndim = 3;
	o.input[0] = 3;
	o.input[1] = 8;
	o.input[2] = 8;
	o.classes = 4;
	dh_onnx_model *m = dh_zoo_build(&o, "r.onnx", NULL);
	dh_err e;
	fold_case(m, 20, 3);
	/* a Gemm (transB) before BatchNormalization, through a spec */
	static const char gemm[] = "input: [6]\nlayers:\n"
				   "  - {name: fc, type: dense, units: 5}\n"
				   "  - {name: bn, type: batchnorm}\n";
	dh_onnx_model *mg = dh_spec_build_string(gemm, strlen(gemm), "g.yml", 2,
						 0, "g.onnx", &e);
	CHECK(mg != NULL);
	if (mg)
		fold_case(mg, 1, 1);
	dh_onnx_free(mg);
	dh_onnx_free(m);
}

/* Randomise m's normalisation terms, fold, and compare outputs on an input
 * [2, channels, (8, 8)]. */
static void fold_case(dh_onnx_model *m, int nfold, int channels)
{
	dh_err e;
	/* statistics and affine terms away from the identity */
	dh_weights *w = dh_weights_from_model(m, &e);
	dh_rng r;
	dh_rng_seed(&r, 5);
	for (int i = 0; i < w->n; i++) {
		const char *n = w->names[i];
		float *v = dh_tensor_f32(w->t[i]);
		int var = strstr(n, "running_var") != NULL;
		if (!strncmp(n, "bn", 2) || strstr(n, ".bn") ||
		    strstr(n, "downsample.1"))
			for (int64_t k = 0; k < dh_tensor_numel(w->t[i]); k++)
				v[k] = var ? dh_rng_uniform(&r, 0.5f, 1.5f)
					   : dh_rng_normal(&r, 0.0f, 0.5f);
	}
	CHECK_INT(dh_weights_apply_model(m, w, "w", &e), DH_OK);
	int64_t xs[] = {2, channels, 8, 8};
	if (channels == 1)
		xs[1] = 6;
	dh_tensor *x = dh_tensor_new(DH_F32, channels == 1 ? 2 : 4, xs, NULL);
	float *xp = dh_tensor_f32(x);
	for (int64_t i = 0; i < dh_tensor_numel(x); i++)
		xp[i] = dh_rng_normal(&r, 0.0f, 1.0f);
	dh_tensor *want = infer(m, x);
	size_t nodes = m->proto->graph->n_node;
	int folded = 0;
	CHECK_INT(dh_onnx_fold_batchnorm(m, &folded, &e), DH_OK);
	CHECK_INT(folded, nfold); /* ResNet-18: 17 after convs, 3 shortcuts */
	CHECK_INT((int)m->proto->graph->n_node, (int)nodes - nfold);
	dh_tensor *got = infer(m, x);
	CHECK(want && got);
	double worst = 0, scale = 1e-30;
	for (int64_t i = 0; want && got && i < dh_tensor_numel(want); i++) {
		double d = fabs(dh_tensor_f32(want)[i] - dh_tensor_f32(got)[i]);
		worst = d > worst ? d : worst;
		double a = fabs(dh_tensor_f32(want)[i]);
		scale = a > scale ? a : scale;
	}
	CHECK(worst / scale < 1e-4);
	dh_tensor_free(want);
	dh_tensor_free(got);
	dh_tensor_free(x);
	dh_weights_free(w);
}

TAP_MAIN(TAP_CASE(buffer_round_trip_and_import),
	 TAP_CASE(strict_checks_name_the_tensor),
	 TAP_CASE(gradients_after_a_step), TAP_CASE(reset_reproduces_the_zoo),
	 TAP_CASE(spec_errors_point_at_the_place),
	 TAP_CASE(batchnorm_folds_for_inference))
