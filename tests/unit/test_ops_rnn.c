/* test_ops_rnn.c - RNN, GRU (both linear_before_reset settings) and LSTM
 * (peepholes), forward, reverse and bidirectional with sequence lengths:
 * outputs against NumPy's step-by-step transcription of ONNX's equations
 * (tests/ref), gradients of every float input against finite differences
 * through time. */
#include "gradcheck.h"
#include "ref_ops.h"

typedef struct rnn_case {
	const char *name;
	dh_op_type op;
	dh_rnn_direction dir;
	int lbr;
	int layout;
	dh_tensor *in[8];
	int nin;
	const float *y, *yh, *yc;
	int64_t ny, nh;
} rnn_case;

static void run_case(rnn_case *c)
{
	test_env t;
	env_init(&t, 2);
	dh_op_attrs a;
	dh_op_attrs_init(&a, c->op);
	a.direction = c->dir;
	a.linear_before_reset = c->lbr;
	a.rnn_layout = c->layout;
	int nout = c->op == DH_OP_LSTM ? 3 : 2;
	dh_tensor *out[3];
	if (run_forward(&t.ctx, c->op, &a, c->nin, c->in, nout, out)) {
		CHECK_INT(dh_tensor_numel(out[0]), c->ny);
		CHECK_CLOSE(c->name, dh_tensor_f32(out[0]), c->y, c->ny, 1e-6,
			    1e-5);
		CHECK_CLOSE(c->name, dh_tensor_f32(out[1]), c->yh, c->nh, 1e-6,
			    1e-5);
		if (c->yc)
			CHECK_CLOSE(c->name, dh_tensor_f32(out[2]), c->yc,
				    c->nh, 1e-6, 1e-5);
		for (int k = 0; k < nout; k++)
			dh_tensor_free(out[k]);
	}
	/* every float input, with Y, Y_h (and Y_c) all in the loss; then
	 * Y_h alone (gradients enter at the last step only) */
	unsigned wrt = 0;
	for (int i = 0; i < c->nin; i++)
		if (i != 4 && c->in[i])
			wrt |= 1u << i;
	GC_OP(c->name, &t.ctx, c->op, &a, c->nin, c->in, nout, .eps = 5e-3,
	      .wrt = wrt, .outs = (1u << nout) - 1);
	GC_OP(c->name, &t.ctx, c->op, &a, c->nin, c->in, nout, .eps = 5e-3,
	      .wrt = wrt, .outs = 2);
	/* without the optional inputs */
	dh_tensor *bare[3] = {c->in[0], c->in[1], c->in[2]};
	GC_OP(c->name, &t.ctx, c->op, &a, 3, bare, nout, .eps = 5e-3,
	      .outs = (1u << nout) - 1);
	for (int i = 0; i < c->nin; i++)
		dh_tensor_free(c->in[i]);
	env_release(&t);
}

#define LENS(name)                                                           \
	dh_tensor_wrap(DH_I64, 1, (int64_t[]){3}, (void *)name##_lens, NULL)

TEST(rnn_bidirectional)
{
	rnn_case c = {"RNN bidirectional", DH_OP_RNN, DH_RNN_BIDIRECTIONAL, 0, 0,
		      {T(rnn_bid0_x), T(rnn_bid0_w), T(rnn_bid0_r),
		       T(rnn_bid0_b), LENS(rnn_bid0), T(rnn_bid0_h0)},
		      6, rnn_bid0_y, rnn_bid0_yh, NULL, NUMEL(rnn_bid0_y),
		      NUMEL(rnn_bid0_yh)};
	run_case(&c);
}

TEST(rnn_relu_reverse)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_RNN);
	a.direction = DH_RNN_REVERSE;
	a.rnn_acts[0] = DH_RACT_RELU;
	dh_tensor *in[6] = {T(rnnrelu_x), T(rnnrelu_w), T(rnnrelu_r),
			    T(rnnrelu_b), NULL, T(rnnrelu_h0)};
	dh_tensor *out[2];
	if (run_forward(&t.ctx, DH_OP_RNN, &a, 6, in, 2, out)) {
		CHECK_CLOSE("RNN relu", dh_tensor_f32(out[0]), rnnrelu_y,
			    NUMEL(rnnrelu_y), 1e-6, 1e-5);
		CHECK_CLOSE("RNN relu Y_h", dh_tensor_f32(out[1]), rnnrelu_yh,
			    NUMEL(rnnrelu_yh), 1e-6, 1e-5);
		dh_tensor_free(out[0]);
		dh_tensor_free(out[1]);
	}
	GC_OP("RNN relu", &t.ctx, DH_OP_RNN, &a, 6, in, 2, .eps = 1e-3,
	      .wrt = 0x2f, .outs = 3);
	a.rnn_acts[0] = DH_RACT_SIGMOID;
	GC_OP("RNN sigmoid", &t.ctx, DH_OP_RNN, &a, 6, in, 2, .eps = 5e-3,
	      .wrt = 0x2f, .outs = 3);
	dh_op_attrs_init(&a, DH_OP_GRU);
	a.rnn_acts[1] = (dh_rnn_act)99;
	dh_shape s[3] = {{3, {4, 3, 3}}, {3, {1, 6, 3}}, {3, {1, 6, 2}}}, o[2];
	CHECK_INT(dh_op_infer(DH_OP_GRU, &a, "g", 3, s, 2, o, NULL),
		  DH_EINVAL);
	for (int i = 0; i < 6; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

TEST(gru_forward_and_reverse)
{
	rnn_case c = {"GRU forward", DH_OP_GRU, DH_RNN_FORWARD, 0, 0,
		      {T(gru_for0_x), T(gru_for0_w), T(gru_for0_r),
		       T(gru_for0_b), LENS(gru_for0), T(gru_for0_h0)},
		      6, gru_for0_y, gru_for0_yh, NULL, NUMEL(gru_for0_y),
		      NUMEL(gru_for0_yh)};
	run_case(&c);
	rnn_case r = {"GRU reverse, linear_before_reset", DH_OP_GRU,
		      DH_RNN_REVERSE, 1, 0,
		      {T(gru_rev1_x), T(gru_rev1_w), T(gru_rev1_r),
		       T(gru_rev1_b), LENS(gru_rev1), T(gru_rev1_h0)},
		      6, gru_rev1_y, gru_rev1_yh, NULL, NUMEL(gru_rev1_y),
		      NUMEL(gru_rev1_yh)};
	run_case(&r);
}

TEST(lstm_bidirectional_with_peepholes)
{
	rnn_case c = {"LSTM bidirectional", DH_OP_LSTM, DH_RNN_BIDIRECTIONAL,
		      0, 0,
		      {T(lstm_bid0_x), T(lstm_bid0_w), T(lstm_bid0_r),
		       T(lstm_bid0_b), LENS(lstm_bid0), T(lstm_bid0_h0),
		       T(lstm_bid0_c0), T(lstm_bid0_p)},
		      8, lstm_bid0_y, lstm_bid0_yh, lstm_bid0_yc,
		      NUMEL(lstm_bid0_y), NUMEL(lstm_bid0_yh)};
	run_case(&c);
}

TEST(lstm_batch_first_layout)
{
	rnn_case c = {"LSTM layout 1", DH_OP_LSTM, DH_RNN_BIDIRECTIONAL, 0, 1,
		      {T(lstml1_x), T(lstml1_w), T(lstml1_r), T(lstml1_b),
		       LENS(lstml1), T(lstml1_h0), T(lstml1_c0), T(lstml1_p)},
		      8, lstml1_y, lstml1_yh, lstml1_yc, NUMEL(lstml1_y),
		      NUMEL(lstml1_yh)};
	run_case(&c);
}

/* Gate inputs clipped to [-0.5, 0.5]: forward against NumPy; gradients
 * (zero through clipped gates) by finite differences with a small step, so
 * that no input crosses the clip during the check. */
static void check_clip(dh_op_type op, dh_tensor **in, int nin,
		       const float *y, int64_t ny)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, op);
	a.rnn_clip = 0.5f;
	a.linear_before_reset = 1;
	int nout = op == DH_OP_LSTM ? 3 : 2;
	dh_tensor *out[3];
	if (run_forward(&t.ctx, op, &a, nin, in, nout, out)) {
		CHECK_CLOSE(dh_op_name(op), dh_tensor_f32(out[0]), y, ny, 1e-6,
			    1e-5);
		for (int k = 0; k < nout; k++)
			dh_tensor_free(out[k]);
	}
	GC_OP("clip", &t.ctx, op, &a, nin, in, nout, .eps = 1e-3,
	      .wrt = op == DH_OP_LSTM ? 0xef : 0x2f, .outs = 1);
	a.rnn_clip = -1.0f;
	dh_shape s[3];
	for (int i = 0; i < 3; i++)
		dh_shape_of(&s[i], in[i]);
	dh_shape o[3];
	CHECK_INT(dh_op_infer(op, &a, "r", 3, s, 1, o, NULL), DH_EINVAL);
	for (int i = 0; i < nin; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

TEST(recurrent_clip)
{
	dh_tensor *g[6] = {T(gruclip_x), T(gruclip_w), T(gruclip_r),
			   T(gruclip_b), NULL, T(gruclip_h0)};
	check_clip(DH_OP_GRU, g, 6, gruclip_y, NUMEL(gruclip_y));
	dh_tensor *l[8] = {T(lstmclip_x), T(lstmclip_w), T(lstmclip_r),
			   T(lstmclip_b), NULL, T(lstmclip_h0),
			   T(lstmclip_c0), T(lstmclip_p)};
	check_clip(DH_OP_LSTM, l, 8, lstmclip_y, NUMEL(lstmclip_y));
}

TEST(lstm_input_forget)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_LSTM);
	a.input_forget = 1;
	dh_tensor *in[8] = {T(lstmif_x), T(lstmif_w),  T(lstmif_r),
			    T(lstmif_b), NULL,         T(lstmif_h0),
			    T(lstmif_c0), T(lstmif_p)};
	dh_tensor *out[3];
	if (run_forward(&t.ctx, DH_OP_LSTM, &a, 8, in, 3, out)) {
		CHECK_CLOSE("LSTM input_forget", dh_tensor_f32(out[0]),
			    lstmif_y, NUMEL(lstmif_y), 1e-6, 1e-5);
		CHECK_CLOSE("LSTM input_forget Y_c", dh_tensor_f32(out[2]),
			    lstmif_yc, NUMEL(lstmif_yc), 1e-6, 1e-5);
		for (int k = 0; k < 3; k++)
			dh_tensor_free(out[k]);
	}
	GC_OP("LSTM input_forget", &t.ctx, DH_OP_LSTM, &a, 8, in, 3,
	      .eps = 5e-3, .wrt = 0xef, .outs = 7);
	for (int i = 0; i < 8; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

static void check_acts(const char *what, dh_op_type op, dh_rnn_direction dir,
		       int nacts, const dh_rnn_act *k, const float *al,
		       const float *be, dh_tensor **in, int nin,
		       const float *y, int64_t ny)
{
	test_env t;
	env_init(&t, 1);
	dh_op_attrs a;
	dh_op_attrs_init(&a, op);
	a.direction = dir;
	for (int i = 0; i < nacts; i++)
		a.rnn_acts[i] = k[i], a.rnn_alpha[i] = al[i],
		a.rnn_beta[i] = be[i];
	dh_tensor *out[1];
	if (run_forward(&t.ctx, op, &a, nin, in, 1, out)) {
		CHECK_CLOSE(what, dh_tensor_f32(out[0]), y, ny, 1e-6, 1e-5);
		dh_tensor_free(out[0]);
	}
	/* a small step: HardSigmoid, LeakyRelu and ThresholdedRelu have
	 * kinks */
	GC_OP(what, &t.ctx, op, &a, nin, in, 1, .eps = 1e-3,
	      .wrt = 0x2f | (nin > 6 ? 0x40 : 0));
	for (int i = 0; i < nin; i++)
		dh_tensor_free(in[i]);
	env_release(&t);
}

TEST(recurrent_activations)
{
	static const dh_rnn_act kl[6] = {
		DH_RACT_HARDSIGMOID, DH_RACT_SOFTSIGN, DH_RACT_ELU,
		DH_RACT_SIGMOID, DH_RACT_SCALEDTANH, DH_RACT_SOFTPLUS};
	static const float al[6] = {0.2f, 0, 1.0f, 0, 1.5f, 0};
	static const float bl[6] = {0.5f, 0, 0, 0, 0.7f, 0};
	dh_tensor *l[7] = {T(ractl_x), T(ractl_w), T(ractl_r), T(ractl_b),
			   NULL, T(ractl_h0), T(ractl_c0)};
	check_acts("LSTM activations", DH_OP_LSTM, DH_RNN_BIDIRECTIONAL, 6,
		   kl, al, bl, l, 7, ractl_y, NUMEL(ractl_y));
	static const dh_rnn_act kg[2] = {DH_RACT_LEAKYRELU, DH_RACT_AFFINE};
	static const float ag[2] = {0.1f, 0.5f}, bg[2] = {0, 0.1f};
	dh_tensor *g[6] = {T(ractg_x), T(ractg_w), T(ractg_r), T(ractg_b),
			   NULL, T(ractg_h0)};
	check_acts("GRU activations", DH_OP_GRU, DH_RNN_FORWARD, 2, kg, ag, bg,
		   g, 6, ractg_y, NUMEL(ractg_y));
	static const dh_rnn_act kr[1] = {DH_RACT_THRESHOLDEDRELU};
	static const float ar[1] = {0.1f}, br[1] = {0};
	dh_tensor *r[6] = {T(ractr_x), T(ractr_w), T(ractr_r), T(ractr_b),
			   NULL, T(ractr_h0)};
	check_acts("RNN ThresholdedRelu", DH_OP_RNN, DH_RNN_FORWARD, 1, kr, ar,
		   br, r, 6, ractr_y, NUMEL(ractr_y));
}

TEST(recurrent_shape_errors)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_LSTM);
	dh_shape s[8] = {{3, {4, 3, 5}}, {3, {1, 8, 5}}, {3, {1, 8, 2}}};
	dh_shape o[3];
	dh_err e;
	CHECK_INT(dh_op_infer(DH_OP_LSTM, &a, "enc", 3, s, 3, o, &e), DH_OK);
	CHECK_INT(o[0].ndim, 4);
	CHECK_INT(o[0].d[3], 2);
	a.hidden_size = 3;
	CHECK_INT(dh_op_infer(DH_OP_LSTM, &a, "enc", 3, s, 3, o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "LSTM node 'enc': hidden_size 3");
	a.hidden_size = 0;
	a.direction = DH_RNN_BIDIRECTIONAL; /* W has one direction */
	CHECK_INT(dh_op_infer(DH_OP_LSTM, &a, "enc", 3, s, 3, o, &e),
		  DH_ESHAPE);
	a.direction = DH_RNN_FORWARD;
	s[3] = (dh_shape){-1, {0}};
	s[4] = (dh_shape){1, {4}};
	CHECK_INT(dh_op_infer(DH_OP_LSTM, &a, "enc", 5, s, 3, o, &e),
		  DH_ESHAPE);
	CHECK_HAS(e.msg, "sequence_lens [4] must be [3]");
	/* a length beyond the sequence: found when running */
	test_env t;
	env_init(&t, 1);
	int64_t sx[3] = {2, 1, 1}, sw[3] = {1, 1, 1}, sl = 5;
	dh_tensor *in[5] = {t_new(3, sx), t_new(3, sw), t_new(3, sw), NULL,
			    dh_tensor_wrap(DH_I64, 1, (int64_t[]){1}, &sl,
					   NULL)};
	dh_tensor *out[1];
	dh_op_attrs_init(&a, DH_OP_RNN);
	if (gc_alloc_outputs(DH_OP_RNN, &a, 5, in, 1, out)) {
		CHECK_INT(dh_op_forward(&t.ctx, DH_OP_RNN, &a, 5,
					(const dh_tensor *const *)in, 1, out,
					&e),
			  DH_ERANGE);
		CHECK_HAS(e.msg, "sequence_lens[0] = 5");
		dh_tensor_free(out[0]);
	}
	dh_tensor_free(in[0]);
	dh_tensor_free(in[1]);
	dh_tensor_free(in[2]);
	dh_tensor_free(in[4]);
	env_release(&t);
}

TAP_MAIN(TAP_CASE(rnn_bidirectional), TAP_CASE(rnn_relu_reverse),
	 TAP_CASE(gru_forward_and_reverse),
	 TAP_CASE(lstm_bidirectional_with_peepholes),
	 TAP_CASE(lstm_batch_first_layout), TAP_CASE(recurrent_clip),
	 TAP_CASE(lstm_input_forget), TAP_CASE(recurrent_activations),
	 TAP_CASE(recurrent_shape_errors))
