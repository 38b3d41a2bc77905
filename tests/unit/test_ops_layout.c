/* test_ops_layout.c - Transpose, Slice, Concat, Split, Pad, Squeeze,
 * Unsqueeze and the Reduce* ops: forward against NumPy (tests/ref),
 * backward against finite differences. */
#include "gradcheck.h"
#include "ref_ops.h"

/* Forward of a one-input op against want, then its gradient. */
static void check1(test_env *t, const char *what, dh_op_type op,
		   const dh_op_attrs *a, dh_tensor *x, const float *want,
		   int64_t nwant)
{
	dh_tensor *out[1];
	if (run_forward(&t->ctx, op, a, 1, &x, 1, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), nwant);
		if (dh_tensor_numel(out[0]) == nwant)
			CHECK_CLOSE(what, dh_tensor_f32(out[0]), want, nwant,
				    1e-6, 1e-6);
		dh_tensor_free(out[0]);
	}
	GC_OP(what, &t->ctx, op, a, 1, &x, 1, .eps = 5e-3);
}

TEST(transpose_and_slice_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(lay_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_TRANSPOSE);
	a.perm_ndim = 3;
	a.perm[0] = 1, a.perm[1] = 2, a.perm[2] = 0;
	check1(&t, "transpose (1 2 0)", DH_OP_TRANSPOSE, &a, x, transpose_y,
	       NUMEL(transpose_y));
	dh_op_attrs_init(&a, DH_OP_TRANSPOSE);
	check1(&t, "transpose reversed", DH_OP_TRANSPOSE, &a, x,
	       transpose_rev_y, NUMEL(transpose_rev_y));
	a.perm_ndim = 3;
	a.perm[0] = 0, a.perm[1] = 0, a.perm[2] = 1;
	dh_shape s, o;
	dh_shape_of(&s, x);
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_TRANSPOSE, &a, "tr", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	dh_tensor_free(x);

	x = T(slice_x);
	dh_op_attrs_init(&a, DH_OP_SLICE);
	a.naxes = 3;
	static const int64_t ax[3] = {0, 2, 1}, st[3] = {1, -1, 0},
			     en[3] = {100, -7, 5}, sp[3] = {2, -2, 3};
	for (int i = 0; i < 3; i++)
		a.axes[i] = ax[i], a.starts[i] = st[i], a.ends[i] = en[i],
		a.steps[i] = sp[i];
	check1(&t, "slice", DH_OP_SLICE, &a, x, slice_y, NUMEL(slice_y));
	/* an empty slice is a valid, empty output */
	a.naxes = 1;
	a.axes[0] = 1, a.starts[0] = 4, a.ends[0] = 2, a.steps[0] = 1;
	dh_shape_of(&s, x);
	CHECK_INT(dh_op_infer(DH_OP_SLICE, &a, "sl", 1, &s, 1, &o, &e), DH_OK);
	CHECK_INT(o.d[1], 0);
	a.steps[0] = 0;
	CHECK_INT(dh_op_infer(DH_OP_SLICE, &a, "sl", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	/* extreme values clamp instead of overflowing */
	a.starts[0] = INT64_MIN, a.ends[0] = INT64_MAX, a.steps[0] = INT64_MAX;
	CHECK_INT(dh_op_infer(DH_OP_SLICE, &a, "sl", 1, &s, 1, &o, &e), DH_OK);
	CHECK_INT(o.d[1], 1);
	a.starts[0] = INT64_MAX, a.ends[0] = INT64_MIN, a.steps[0] = -INT64_MAX;
	CHECK_INT(dh_op_infer(DH_OP_SLICE, &a, "sl", 1, &s, 1, &o, &e), DH_OK);
	CHECK_INT(o.d[1], 1);
	a.steps[0] = INT64_MIN;
	CHECK_INT(dh_op_infer(DH_OP_SLICE, &a, "sl", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	dh_tensor_free(x);
	env_release(&t);
}

TEST(concat_and_split_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *in[3] = {T(lay_x), T(cat_b), T(cat_c)}, *out[3];
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_CONCAT);
	a.axis = -2;
	if (run_forward(&t.ctx, DH_OP_CONCAT, &a, 3, in, 1, out)) {
		CHECK_CLOSE("concat", dh_tensor_f32(out[0]), concat_y,
			    NUMEL(concat_y), 0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("concat", &t.ctx, DH_OP_CONCAT, &a, 3, in, 1);
	dh_shape s[2] = {{3, {2, 3, 4}}, {3, {2, 3, 5}}}, o[3];
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_CONCAT, &a, "cat", 2, s, 1, o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "Concat node 'cat': input 1 [2, 3, 5]");
	for (int i = 0; i < 3; i++)
		dh_tensor_free(in[i]);

	dh_tensor *x = T(split_x);
	dh_op_attrs_init(&a, DH_OP_SPLIT);
	a.axis = 1;
	a.nsplit = 3;
	a.split[0] = 1, a.split[1] = 3, a.split[2] = 2;
	const float *want[3] = {split_y0, split_y1, split_y2};
	const int64_t nw[3] = {NUMEL(split_y0), NUMEL(split_y1),
			       NUMEL(split_y2)};
	if (run_forward(&t.ctx, DH_OP_SPLIT, &a, 1, &x, 3, out)) {
		for (int k = 0; k < 3; k++) {
			CHECK_CLOSE("split", dh_tensor_f32(out[k]), want[k],
				    nw[k], 0, 0);
			dh_tensor_free(out[k]);
		}
	}
	GC_OP("split", &t.ctx, DH_OP_SPLIT, &a, 1, &x, 3, .outs = 7);
	/* only the middle output used: the others get no gradient */
	GC_OP("split, one output used", &t.ctx, DH_OP_SPLIT, &a, 1, &x, 3,
	      .outs = 2);
	/* equal parts, the last one shorter (6 into 4: 2 2 2 0) */
	dh_op_attrs_init(&a, DH_OP_SPLIT);
	a.axis = 1;
	dh_shape_of(&s[0], x);
	CHECK_INT(dh_op_infer(DH_OP_SPLIT, &a, "sp", 1, s, 3, o, &e), DH_OK);
	CHECK_INT(o[2].d[1], 2);
	a.nsplit = 2;
	a.split[0] = 2, a.split[1] = 2;
	CHECK_INT(dh_op_infer(DH_OP_SPLIT, &a, "sp", 1, s, 2, o, &e),
		  DH_ESHAPE);
	dh_tensor_free(x);
	env_release(&t);
}

TEST(pad_modes_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(lay_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_PAD);
	static const int64_t pc[6] = {0, 1, 2, 1, 0, -1};
	memcpy(a.pad_amounts, pc, sizeof pc);
	a.pad_value = 1.5f;
	check1(&t, "pad constant with a crop", DH_OP_PAD, &a, x, padc_y,
	       NUMEL(padc_y));
	static const int64_t pr[6] = {1, 2, 0, 0, 1, 3};
	memcpy(a.pad_amounts, pr, sizeof pr);
	a.pad_mode = DH_PADMODE_REFLECT;
	check1(&t, "pad reflect", DH_OP_PAD, &a, x, padr_y, NUMEL(padr_y));
	a.pad_mode = DH_PADMODE_EDGE;
	check1(&t, "pad edge", DH_OP_PAD, &a, x, pade_y, NUMEL(pade_y));
	/* reflecting 4 into an axis of 4 needs a second reflection */
	a.pad_mode = DH_PADMODE_REFLECT;
	a.pad_amounts[5] = 4;
	dh_shape s, o;
	dh_shape_of(&s, x);
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_PAD, &a, "pad", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	a.pad_mode = DH_PADMODE_CONSTANT;
	a.pad_amounts[5] = -9;
	CHECK_INT(dh_op_infer(DH_OP_PAD, &a, "pad", 1, &s, 1, &o, &e),
		  DH_ESHAPE);
	dh_tensor_free(x);
	env_release(&t);
}

TEST(squeeze_and_unsqueeze)
{
	test_env t;
	env_init(&t, 1);
	int64_t sx[4] = {2, 1, 3, 1};
	dh_tensor *x = t_new(4, sx), *out[1];
	t_rand(x, &t.rng, -1, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_SQUEEZE);
	if (run_forward(&t.ctx, DH_OP_SQUEEZE, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->ndim, 2);
		CHECK_INT(out[0]->shape[1], 3);
		CHECK_CLOSE("squeeze", dh_tensor_f32(out[0]), dh_tensor_f32(x),
			    6, 0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("squeeze", &t.ctx, DH_OP_SQUEEZE, &a, 1, &x, 1);
	a.naxes = 1;
	a.axes[0] = -1;
	if (run_forward(&t.ctx, DH_OP_SQUEEZE, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->ndim, 3);
		dh_tensor_free(out[0]);
	}
	dh_shape s, o;
	dh_shape_of(&s, x);
	dh_err e;
	a.axes[0] = 0;
	CHECK_INT(dh_op_infer(DH_OP_SQUEEZE, &a, "sq", 1, &s, 1, &o, &e),
		  DH_ESHAPE);
	dh_op_attrs_init(&a, DH_OP_UNSQUEEZE);
	a.naxes = 2;
	a.axes[0] = 0, a.axes[1] = -1;
	if (run_forward(&t.ctx, DH_OP_UNSQUEEZE, &a, 1, &x, 1, out)) {
		CHECK_INT(out[0]->ndim, 6);
		CHECK_INT(out[0]->shape[0], 1);
		CHECK_INT(out[0]->shape[1], 2);
		CHECK_INT(out[0]->shape[5], 1);
		dh_tensor_free(out[0]);
	}
	GC_OP("unsqueeze", &t.ctx, DH_OP_UNSQUEEZE, &a, 1, &x, 1);
	a.axes[1] = 0;
	CHECK_INT(dh_op_infer(DH_OP_UNSQUEEZE, &a, "un", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	CHECK_HAS(e.msg, "given twice");
	dh_tensor_free(x);
	env_release(&t);
}

TEST(reductions_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(red_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_REDUCESUM);
	a.naxes = 2;
	a.axes[0] = 0, a.axes[1] = 2;
	check1(&t, "reducesum (0, 2)", DH_OP_REDUCESUM, &a, x, rsum_y,
	       NUMEL(rsum_y));
	dh_op_attrs_init(&a, DH_OP_REDUCEMEAN);
	a.naxes = 1;
	a.axes[0] = -1;
	a.keepdims = 0;
	check1(&t, "reducemean (-1)", DH_OP_REDUCEMEAN, &a, x, rmean_y,
	       NUMEL(rmean_y));
	dh_op_attrs_init(&a, DH_OP_REDUCEMAX);
	check1(&t, "reducemax all", DH_OP_REDUCEMAX, &a, x, rmax_y, 1);
	dh_op_attrs_init(&a, DH_OP_REDUCEMIN);
	a.naxes = 1;
	a.axes[0] = 1;
	check1(&t, "reducemin (1)", DH_OP_REDUCEMIN, &a, x, rmin_y,
	       NUMEL(rmin_y));
	dh_op_attrs_init(&a, DH_OP_REDUCEL2);
	a.naxes = 2;
	a.axes[0] = 0, a.axes[1] = 1;
	a.keepdims = 0;
	check1(&t, "reducel2 (0, 1)", DH_OP_REDUCEL2, &a, x, rl2_y,
	       NUMEL(rl2_y));
	/* no axes with noop_with_empty_axes: the identity */
	dh_op_attrs_init(&a, DH_OP_REDUCESUM);
	a.noop_with_empty_axes = 1;
	check1(&t, "reducesum noop", DH_OP_REDUCESUM, &a, x, red_x,
	       NUMEL(red_x));
	dh_tensor_free(x);
	env_release(&t);
}

TEST(gather_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	static const int64_t i1[4] = {2, 0, 3, -1}, i2[6] = {1, 4, 1, 0, 5, 1};
	int64_t s22[2] = {2, 2}, s23[2] = {2, 3};
	dh_tensor *idx = dh_tensor_wrap(DH_I64, 2, s22, (void *)i1, NULL);
	dh_tensor *in[2] = {T(gather_x), idx}, *out[1];
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_GATHER);
	a.axis = 1;
	if (run_forward(&t.ctx, DH_OP_GATHER, &a, 2, in, 1, out)) {
		CHECK_INT(out[0]->ndim, 4);
		CHECK_CLOSE("gather axis 1", dh_tensor_f32(out[0]), gather1_y,
			    NUMEL(gather1_y), 0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("gather axis 1", &t.ctx, DH_OP_GATHER, &a, 2, in, 1, .wrt = 1);
	dh_tensor_free(in[0]);
	dh_tensor_free(idx);
	/* an embedding: int32 indices into a table, repeated rows add up */
	int32_t i32[6];
	for (int i = 0; i < 6; i++)
		i32[i] = (int32_t)i2[i];
	idx = dh_tensor_wrap(DH_I32, 2, s23, i32, NULL);
	in[0] = T(emb_w), in[1] = idx;
	dh_op_attrs_init(&a, DH_OP_GATHER);
	if (run_forward(&t.ctx, DH_OP_GATHER, &a, 2, in, 1, out)) {
		CHECK_CLOSE("embedding", dh_tensor_f32(out[0]), emb_y,
			    NUMEL(emb_y), 0, 0);
		dh_tensor_free(out[0]);
	}
	GC_OP("embedding", &t.ctx, DH_OP_GATHER, &a, 2, in, 1, .wrt = 1);
	/* bad indices: a clear error naming the node */
	i32[4] = 6;
	t.ctx.node = "embed";
	if (gc_alloc_outputs(DH_OP_GATHER, &a, 2, in, 1, out)) {
		dh_err e;
		CHECK_INT(dh_op_forward(&t.ctx, DH_OP_GATHER, &a, 2,
					(const dh_tensor *const *)in, 1, out,
					&e),
			  DH_ERANGE);
		CHECK_HAS(e.msg, "Gather node 'embed': index 6 at position 4");
		dh_tensor *fidx = t_new(2, s23);
		const dh_tensor *bad[2] = {in[0], fidx};
		CHECK_INT(dh_op_forward(&t.ctx, DH_OP_GATHER, &a, 2, bad, 1,
					out, &e),
			  DH_EINVAL);
		dh_tensor_free(fidx);
		dh_tensor_free(out[0]);
	}
	dh_tensor_free(in[0]);
	dh_tensor_free(idx);
	env_release(&t);
}

TEST(expand_and_tile_match_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(expand_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_EXPAND);
	a.shape_ndim = 3;
	a.shape[0] = 2, a.shape[1] = 1, a.shape[2] = 4;
	check1(&t, "expand", DH_OP_EXPAND, &a, x, expand_y, NUMEL(expand_y));
	dh_tensor_free(x);
	x = T(tile_x);
	dh_op_attrs_init(&a, DH_OP_TILE);
	a.repeats[0] = 2, a.repeats[1] = 1, a.repeats[2] = 3;
	check1(&t, "tile", DH_OP_TILE, &a, x, tile_y, NUMEL(tile_y));
	dh_tensor_free(x);
	env_release(&t);
}

TEST(resize_matches_numpy)
{
	test_env t;
	env_init(&t, 2);
	dh_tensor *x = T(resize_x);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_RESIZE);
	a.nscales = 4;
	a.scales[0] = a.scales[1] = 1, a.scales[2] = 2, a.scales[3] = 1.5f;
	check1(&t, "resize nearest half_pixel", DH_OP_RESIZE, &a, x,
	       resize_nearest_y, NUMEL(resize_nearest_y));
	a.resize_mode = DH_RESIZE_LINEAR;
	a.coord_mode = DH_COORD_ALIGN_CORNERS;
	a.scales[3] = 2;
	check1(&t, "resize linear align_corners", DH_OP_RESIZE, &a, x,
	       resize_align_y, NUMEL(resize_align_y));
	a.resize_mode = DH_RESIZE_NEAREST;
	a.coord_mode = DH_COORD_ASYMMETRIC;
	a.nearest_mode = DH_NEAREST_FLOOR;
	a.scales[3] = 3;
	check1(&t, "resize nearest asymmetric floor (Upsample)", DH_OP_RESIZE,
	       &a, x, resize_asym_y, NUMEL(resize_asym_y));
	dh_tensor_free(x);
	x = T(resize2_x);
	dh_op_attrs_init(&a, DH_OP_RESIZE);
	a.resize_mode = DH_RESIZE_LINEAR;
	a.shape_ndim = 4;
	static const int64_t sz[4] = {2, 3, 5, 7}, sz2[4] = {2, 3, 1, 2};
	memcpy(a.shape, sz, sizeof sz);
	check1(&t, "resize linear sizes", DH_OP_RESIZE, &a, x,
	       resize_linear_y, NUMEL(resize_linear_y));
	a.coord_mode = DH_COORD_PYTORCH_HALF_PIXEL;
	memcpy(a.shape, sz2, sizeof sz2);
	check1(&t, "resize linear pytorch_half_pixel down", DH_OP_RESIZE, &a,
	       x, resize_pt_y, NUMEL(resize_pt_y));
	dh_op_attrs k;
	dh_op_attrs_init(&k, DH_OP_RESIZE);
	k.resize_mode = DH_RESIZE_LINEAR;
	k.nscales = 4;
	k.scales[0] = k.scales[1] = k.scales[2] = 1, k.scales[3] = 1.2f;
	check1(&t, "resize linear scale 1.2 keeping the size", DH_OP_RESIZE, &k,
	       x, resize_keep_y, NUMEL(resize_keep_y));
	dh_shape s, o;
	dh_shape_of(&s, x);
	dh_err e;
	a.nscales = 4;
	CHECK_INT(dh_op_infer(DH_OP_RESIZE, &a, "up", 1, &s, 1, &o, &e),
		  DH_EINVAL);
	CHECK_HAS(e.msg, "Resize node 'up': give either 4 scales or 4 sizes");
	dh_tensor_free(x);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(transpose_and_slice_match_numpy),
	 TAP_CASE(concat_and_split_match_numpy),
	 TAP_CASE(pad_modes_match_numpy), TAP_CASE(squeeze_and_unsqueeze),
	 TAP_CASE(reductions_match_numpy), TAP_CASE(gather_matches_numpy),
	 TAP_CASE(expand_and_tile_match_numpy),
	 TAP_CASE(resize_matches_numpy))
