/* test_ops_core.c - op names, attribute defaults, devices, shape inference
 * errors, the checked dispatch, the workspace, and the gradient checker
 * itself. */
#include "gradcheck.h"

TEST(op_names_round_trip)
{
	for (int i = 0; i < DH_OP_COUNT; i++) {
		dh_op_type t;
		CHECK_INT(dh_op_parse(dh_op_name((dh_op_type)i), &t), 0);
		CHECK_INT(t, i);
	}
	dh_op_type t;
	CHECK_INT(dh_op_parse("NoSuchOp", &t), -1);
	CHECK_STR(dh_op_name(DH_OP_BATCHNORM), "BatchNormalization");
	CHECK_STR(dh_op_name((dh_op_type)999), "?");
}

TEST(attribute_defaults_follow_onnx)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_LEAKYRELU);
	CHECK_NEAR(a.alpha, 0.01, 1e-9);
	dh_op_attrs_init(&a, DH_OP_ELU);
	CHECK_NEAR(a.alpha, 1.0, 0);
	dh_op_attrs_init(&a, DH_OP_HARDSIGMOID);
	CHECK_NEAR(a.alpha, 0.2, 1e-7);
	CHECK_NEAR(a.beta, 0.5, 0);
	dh_op_attrs_init(&a, DH_OP_SOFTMAX);
	CHECK_INT(a.axis, -1);
	dh_op_attrs_init(&a, DH_OP_FLATTEN);
	CHECK_INT(a.axis, 1);
	dh_op_attrs_init(&a, DH_OP_BATCHNORM);
	CHECK_NEAR(a.epsilon, 1e-5, 1e-12);
	CHECK_NEAR(a.momentum, 0.9, 1e-7);
	dh_op_attrs_init(&a, DH_OP_CONV);
	CHECK_INT(a.group, 1);
	CHECK_INT(a.strides[0], 1);
	CHECK_INT(a.dilations[2], 1);
}

TEST(devices_parse_and_dispatch)
{
	dh_device d;
	dh_err e;
	CHECK_INT(dh_device_parse("cpu", 3, &d, &e), DH_OK);
	CHECK_INT(d.kind, DH_DEVICE_CPU);
	CHECK_INT(d.threads, 3);
	CHECK_INT(dh_device_parse("cpu:4", 1, &d, &e), DH_OK);
	CHECK_INT(d.threads, 4);
	CHECK_INT(dh_device_parse("cpu:0", 1, &d, &e), DH_EINVAL);
	CHECK_INT(dh_device_parse("cpu:x", 1, &d, &e), DH_EINVAL);
	CHECK_INT(dh_device_parse("tpu:0", 1, &d, &e), DH_EINVAL);
	CHECK_HAS(e.msg, "unknown device 'tpu:0'");
	CHECK_INT(dh_device_parse("cuda:1", 1, &d, &e), DH_OK);
	CHECK_INT(d.kind, DH_DEVICE_CUDA);
	CHECK_INT(d.index, 1);
	/* no CUDA backend yet: a clear error, not a crash */
	CHECK(dh_device_backend(&d, &e) == NULL);
	CHECK_INT(e.status, DH_EUNSUPPORTED);
	CHECK(!dh_op_supported(&d, DH_OP_CONV, 0));
	int64_t s[1] = {3};
	dh_tensor *x = t_new(1, s), *y = t_new(1, s);
	dh_op_ctx ctx = {&d, "r1", NULL, NULL};
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_RELU);
	CHECK_INT(dh_op_forward(&ctx, DH_OP_RELU, &a, 1,
				(const dh_tensor *const *)&x, 1, &y, &e),
		  DH_EUNSUPPORTED);
	CHECK_HAS(e.msg, "Relu node 'r1'");
	dh_device_cpu(&d, 1);
	for (int i = 0; i < DH_OP_COUNT; i++)
		CHECK(dh_op_supported(&d, (dh_op_type)i, 1));
	dh_tensor_free(x);
	dh_tensor_free(y);
}

TEST(dispatch_checks_outputs_and_dtypes)
{
	test_env t;
	env_init(&t, 1);
	t.ctx.node = "act";
	int64_t s[2] = {2, 3}, s2[2] = {3, 2};
	dh_tensor *x = t_new(2, s), *y = t_new(2, s2);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_SIGMOID);
	dh_err e;
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_SIGMOID, &a, 1,
				(const dh_tensor *const *)&x, 1, &y, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "Sigmoid node 'act': output 0 is [3, 2], the inputs "
			 "give [2, 3]");
	dh_tensor *xi = dh_tensor_new(DH_I32, 2, s, NULL);
	dh_tensor *y2 = t_new(2, s);
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_SIGMOID, &a, 1,
				(const dh_tensor *const *)&xi, 1, &y2, &e),
		  DH_EUNSUPPORTED);
	CHECK_HAS(e.msg, "int32");
	/* wrong arity */
	dh_tensor *two[2] = {x, x};
	CHECK_INT(dh_op_forward(&t.ctx, DH_OP_SIGMOID, &a, 2,
				(const dh_tensor *const *)two, 1, &y2, &e),
		  DH_EINVAL);
	/* a backward whose gradient has the wrong shape */
	const dh_tensor *cx = x, *cy = y2, *cdy = y;
	dh_tensor *dx = t_new(2, s);
	CHECK_INT(dh_op_backward(&t.ctx, DH_OP_SIGMOID, &a, 1, &cx, 1, &cy,
				 &cdy, &dx, &e),
		  DH_ESHAPE);
	dh_tensor_free(x);
	dh_tensor_free(y);
	dh_tensor_free(xi);
	dh_tensor_free(y2);
	dh_tensor_free(dx);
	env_release(&t);
}

TEST(shape_inference_names_the_node)
{
	dh_op_attrs a;
	dh_shape in[2] = {{3, {2, 3, 4}}, {2, {5, 4}}}, out[1];
	dh_err e;
	dh_op_attrs_init(&a, DH_OP_ADD);
	CHECK_INT(dh_op_infer(DH_OP_ADD, &a, "add3", 2, in, 1, out, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "Add node 'add3': shapes [2, 3, 4] and [5, 4] do not "
			 "broadcast");
	in[1] = (dh_shape){2, {3, 1}};
	CHECK_INT(dh_op_infer(DH_OP_ADD, &a, "add3", 2, in, 1, out, &e), DH_OK);
	CHECK_INT(out[0].ndim, 3);
	dh_op_attrs_init(&a, DH_OP_SOFTMAX);
	a.axis = 3;
	CHECK_INT(dh_op_infer(DH_OP_SOFTMAX, &a, "sm", 1, in, 1, out, &e),
		  DH_EINVAL);
	CHECK_HAS(e.msg, "axis 3 is out of range");
	dh_op_attrs_init(&a, DH_OP_RESHAPE);
	a.shape_ndim = 2;
	a.shape[0] = -1, a.shape[1] = 5;
	CHECK_INT(dh_op_infer(DH_OP_RESHAPE, &a, "rs", 1, in, 1, out, &e),
		  DH_ESHAPE);
	a.shape[0] = 0, a.shape[1] = -1;
	CHECK_INT(dh_op_infer(DH_OP_RESHAPE, &a, "rs", 1, in, 1, out, &e),
		  DH_OK);
	CHECK_INT(out[0].d[0], 2);
	CHECK_INT(out[0].d[1], 12);
	/* with allowzero, 0 is a real zero: 24 elements do not fit */
	a.allowzero = 1;
	CHECK_INT(dh_op_infer(DH_OP_RESHAPE, &a, "rs", 1, in, 1, out, &e),
		  DH_ESHAPE);
	dh_op_attrs_init(&a, DH_OP_FLATTEN);
	a.axis = -1;
	CHECK_INT(dh_op_infer(DH_OP_FLATTEN, &a, "fl", 1, in, 1, out, &e),
		  DH_OK);
	CHECK_INT(out[0].d[0], 6);
	CHECK_INT(out[0].d[1], 4);
	a.axis = 3; /* axis == rank is allowed: [24, 1] */
	CHECK_INT(dh_op_infer(DH_OP_FLATTEN, &a, "fl", 1, in, 1, out, &e),
		  DH_OK);
	CHECK_INT(out[0].d[1], 1);
	dh_op_attrs_init(&a, DH_OP_PAD);
	a.pad_mode = (dh_pad_mode)7;
	CHECK_INT(dh_op_infer(DH_OP_PAD, &a, "pad", 1, in, 1, out, &e),
		  DH_EINVAL);
	CHECK_HAS(e.msg, "Pad node 'pad': an enumerated attribute");
	/* hostile sizes: errors, not overflows */
	dh_op_attrs_init(&a, DH_OP_TILE);
	a.repeats[0] = INT64_MAX / 2 + 1, a.repeats[1] = a.repeats[2] = 1;
	CHECK_INT(dh_op_infer(DH_OP_TILE, &a, "tile", 1, in, 1, out, &e),
		  DH_ERANGE);
	a.repeats[0] = 1LL << 40, a.repeats[1] = 1LL << 40;
	CHECK_INT(dh_op_infer(DH_OP_TILE, &a, "tile", 1, in, 1, out, &e),
		  DH_ERANGE);
	CHECK_HAS(e.msg, "too many elements");
	dh_op_attrs_init(&a, DH_OP_CONVTRANSPOSE);
	a.strides[0] = INT64_MAX / 4;
	dh_shape cv[2] = {{4, {1, 2, 9, 9}}, {4, {2, 2, 3, 3}}};
	CHECK_INT(dh_op_infer(DH_OP_CONVTRANSPOSE, &a, "up", 2, cv, 1, out,
			      &e),
		  DH_ERANGE);
	dh_op_attrs_init(&a, DH_OP_CONV);
	a.dilations[0] = INT64_MAX / 2 + 1;
	dh_shape cw[2] = {{4, {1, 2, 9, 9}}, {4, {2, 2, 3, 3}}};
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "c", 2, cw, 1, out, &e),
		  DH_ERANGE);
	a.dilations[0] = 1, a.strides[0] = INT64_MAX;
	a.auto_pad = DH_PAD_SAME_UPPER;
	CHECK_INT(dh_op_infer(DH_OP_CONV, &a, "c", 2, cw, 1, out, &e), DH_OK);
	CHECK_INT(out[0].d[2], 1);
	dh_op_attrs_init(&a, DH_OP_PAD);
	a.pad_amounts[0] = INT64_MAX;
	CHECK_INT(dh_op_infer(DH_OP_PAD, &a, "pad", 1, in, 1, out, &e),
		  DH_ERANGE);
}

TEST(workspace_grows_then_stays)
{
	dh_workspace ws;
	dh_workspace_init(&ws);
	void *p = dh_workspace_get(&ws, 100, NULL);
	CHECK(p != NULL);
	CHECK(((uintptr_t)p & 63) == 0);
	CHECK(dh_workspace_get(&ws, 50, NULL) == p);
	CHECK_INT(ws.grows, 1);
	CHECK(dh_workspace_get(&ws, 1000, NULL) != NULL);
	CHECK_INT(ws.grows, 2);
	dh_workspace_release(&ws);
	CHECK(ws.data == NULL);
}

TEST(nan_and_inf_are_found_with_the_node)
{
	test_env t;
	env_init(&t, 1);
	t.ctx.node = "conv3";
	int64_t s[1] = {4};
	dh_tensor *x = t_new(1, s);
	dh_err e;
	CHECK_INT(dh_op_check_finite(&t.ctx, DH_OP_CONV, x, "output 0", &e),
		  DH_OK);
	dh_tensor_f32(x)[2] = NAN;
	CHECK_INT(dh_op_check_finite(&t.ctx, DH_OP_CONV, x, "output 0", &e),
		  DH_ENUMERIC);
	CHECK_STR(e.msg, "Conv node 'conv3': output 0 holds NaN at element 2");
	dh_tensor_f32(x)[2] = -INFINITY;
	CHECK_INT(dh_op_check_finite(&t.ctx, DH_OP_CONV, x, "output 0", &e),
		  DH_ENUMERIC);
	CHECK_HAS(e.msg, "an infinity");
	dh_tensor_free(x);
	env_release(&t);
}

/* The checker must notice a wrong gradient: y = x^2 with dx = x. */
static dh_status sq_fwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]);
	float *y = dh_tensor_f32(out[0]);
	for (int64_t i = 0; i < dh_tensor_numel(in[0]); i++)
		y[i] = x[i] * x[i];
	return DH_OK;
}

static dh_status sq_bwd(void *u, dh_tensor *const *in, dh_tensor *const *out,
			dh_tensor *const *dout, dh_tensor *const *din,
			dh_err *e)
{
	const float *x = dh_tensor_f32(in[0]), *dy = dh_tensor_f32(dout[0]);
	float *dx = dh_tensor_f32(din[0]);
	float k = *(const float *)u;
	for (int64_t i = 0; i < dh_tensor_numel(in[0]); i++)
		dx[i] = k * x[i] * dy[i];
	return DH_OK;
}

TEST(gradcheck_catches_a_wrong_gradient)
{
	dh_rng r;
	dh_rng_seed(&r, 1);
	int64_t s[1] = {6};
	dh_tensor *x = t_new(1, s), *y = t_new(1, s);
	t_rand(x, &r, -1, 1);
	float right = 2.0f, wrong = 1.0f;
	CHECK(GC_CHECK("x^2", sq_fwd, sq_bwd, &right, 1, &x, 1, &y));
	int before = tap_failed_checks;
	int ok = GC_CHECK("x^2 with half the gradient (expected to fail)",
			  sq_fwd, sq_bwd, &wrong, 1, &x, 1, &y);
	CHECK(!ok);
	CHECK_INT(tap_failed_checks, before + 1);
	tap_failed_checks = before; /* that failure was the point */
	dh_tensor_free(x);
	dh_tensor_free(y);
}

TAP_MAIN(TAP_CASE(op_names_round_trip),
	 TAP_CASE(attribute_defaults_follow_onnx),
	 TAP_CASE(devices_parse_and_dispatch),
	 TAP_CASE(dispatch_checks_outputs_and_dtypes),
	 TAP_CASE(shape_inference_names_the_node),
	 TAP_CASE(workspace_grows_then_stays),
	 TAP_CASE(nan_and_inf_are_found_with_the_node),
	 TAP_CASE(gradcheck_catches_a_wrong_gradient))
