/* zoo.c - the model zoo behind `dh-onnx new` (see zoo.h).
 *
 * Each architecture is written as a sequence of layer calls on a small
 * builder that tracks the current value and its per-sample shape, so a
 * network reads like its textbook description.  Names follow PyTorch's
 * habits (conv1, layer1.0.conv1, fc; weights NAME.weight and NAME.bias) so
 * that users recognise them in `dh-onnx info` and `--freeze`. */
#include "onnx/zoo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/init.h"
#include "onnx/build.h"

const char *const dh_zoo_archs[] = {
	"mlp", "lenet", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "vgg19",
	"vgg19_bn", "resnet18", "resnet34", "resnet50", "unet", "lstm", NULL,
};

typedef struct zoo {
	dh_onnx_builder b;
	uint64_t seed;
	int layer;           /* initializer streams: (seed, layer) */
	char cur[96];        /* the value the next layer reads */
	int64_t c, h, w;     /* its per-sample shape (C, H, W) */
} zoo;

static void set_cur(zoo *z, const char *name)
{
	snprintf(z->cur, sizeof z->cur, "%s", name);
}

/* A parameter tensor, filled by an initializer from this layer's stream. */
static void param(zoo *z, const char *layer, const char *suffix, int ndim,
		  const int64_t *shape, dh_init_kind kind, double a, double b,
		  int64_t fan_in, int64_t fan_out)
{
	if (z->b.failed)
		return;
	dh_tensor *t = dh_tensor_new(DH_F32, ndim, shape, z->b.e);
	if (!t) {
		z->b.failed = 1;
		return;
	}
	dh_init_opts o;
	dh_init_opts_init(&o, kind);
	if (kind == DH_INIT_CONSTANT || kind == DH_INIT_UNIFORM) {
		o.a = a;
		o.b = b;
	}
	o.fan_in_override = fan_in;
	o.fan_out_override = fan_out;
	dh_rng r;
	dh_rng_derive(&r, z->seed, (uint64_t)z->layer++, 0);
	char name[128];
	snprintf(name, sizeof name, "%s.%s", layer, suffix);
	if (dh_init_tensor(t, &o, &r, z->b.e))
		z->b.failed = 1;
	else
		dh_ob_initializer(&z->b, name, t);
	dh_tensor_free(t);
}

static Onnx__NodeProto *node(zoo *z, const char *op, const char *name, int nin,
			     const char *const *in)
{
	const char *out[] = {name};
	Onnx__NodeProto *n = dh_ob_node(&z->b, op, name, nin, in, 1, out);
	set_cur(z, name);
	return n;
}

static void conv(zoo *z, const char *name, int64_t cout, int k, int stride,
		 int pad, int bias)
{
	char w[128], bname[128];
	int64_t shape[] = {cout, z->c, k, k};
	param(z, name, "weight", 4, shape, DH_INIT_HE_NORMAL, 0, 0,
	      z->c * k * k, cout * k * k);
	snprintf(w, sizeof w, "%s.weight", name);
	snprintf(bname, sizeof bname, "%s.bias", name);
	if (bias)
		param(z, name, "bias", 1, &cout, DH_INIT_CONSTANT, 0, 0, 0, 0);
	const char *in[] = {z->cur, w, bname};
	Onnx__NodeProto *n = node(z, "Conv", name, bias ? 3 : 2, in);
	int64_t ks[] = {k, k}, st[] = {stride, stride}, pads[] = {pad, pad, pad, pad};
	dh_ob_attr_ints(&z->b, n, "kernel_shape", 2, ks);
	dh_ob_attr_ints(&z->b, n, "strides", 2, st);
	dh_ob_attr_ints(&z->b, n, "pads", 4, pads);
	z->c = cout;
	z->h = (z->h + 2 * pad - k) / stride + 1;
	z->w = (z->w + 2 * pad - k) / stride + 1;
}

static void bn(zoo *z, const char *name)
{
	int64_t c = z->c;
	param(z, name, "weight", 1, &c, DH_INIT_CONSTANT, 1, 0, 0, 0);
	param(z, name, "bias", 1, &c, DH_INIT_CONSTANT, 0, 0, 0, 0);
	param(z, name, "running_mean", 1, &c, DH_INIT_CONSTANT, 0, 0, 0, 0);
	param(z, name, "running_var", 1, &c, DH_INIT_CONSTANT, 1, 0, 0, 0);
	char s[4][128];
	const char *suffix[] = {"weight", "bias", "running_mean", "running_var"};
	for (int i = 0; i < 4; i++)
		snprintf(s[i], sizeof s[i], "%s.%s", name, suffix[i]);
	const char *in[] = {z->cur, s[0], s[1], s[2], s[3]};
	Onnx__NodeProto *n = node(z, "BatchNormalization", name, 5, in);
	/* ONNX momentum weighs the running value: 0.9 is PyTorch's 0.1 */
	dh_ob_attr_float(&z->b, n, "epsilon", 1e-5f);
	dh_ob_attr_float(&z->b, n, "momentum", 0.9f);
}

static void unary(zoo *z, const char *op, const char *name)
{
	const char *in[] = {z->cur};
	node(z, op, name, 1, in);
}

static void maxpool(zoo *z, const char *name, int k, int stride, int pad)
{
	const char *in[] = {z->cur};
	Onnx__NodeProto *n = node(z, "MaxPool", name, 1, in);
	int64_t ks[] = {k, k}, st[] = {stride, stride}, pads[] = {pad, pad, pad, pad};
	dh_ob_attr_ints(&z->b, n, "kernel_shape", 2, ks);
	dh_ob_attr_ints(&z->b, n, "strides", 2, st);
	if (pad)
		dh_ob_attr_ints(&z->b, n, "pads", 4, pads);
	z->h = (z->h + 2 * pad - k) / stride + 1;
	z->w = (z->w + 2 * pad - k) / stride + 1;
}

static void flatten(zoo *z, const char *name)
{
	const char *in[] = {z->cur};
	Onnx__NodeProto *n = node(z, "Flatten", name, 1, in);
	dh_ob_attr_int(&z->b, n, "axis", 1);
	z->c *= z->h * z->w;
	z->h = z->w = 1;
}

static void gap(zoo *z, const char *name)
{
	unary(z, "GlobalAveragePool", name);
	z->h = z->w = 1;
}

/* Fully connected: Gemm with weights [out, in] (transB), as PyTorch. */
static void fc(zoo *z, const char *name, int64_t out, int last)
{
	int64_t in = z->c * z->h * z->w;
	int64_t shape[] = {out, in};
	param(z, name, "weight", 2, shape,
	      last ? DH_INIT_GLOROT_UNIFORM : DH_INIT_HE_NORMAL, 0, 0, in, out);
	param(z, name, "bias", 1, &out, DH_INIT_CONSTANT, 0, 0, 0, 0);
	char w[128], b[128];
	snprintf(w, sizeof w, "%s.weight", name);
	snprintf(b, sizeof b, "%s.bias", name);
	const char *ins[] = {z->cur, w, b};
	Onnx__NodeProto *n = node(z, "Gemm", name, 3, ins);
	dh_ob_attr_int(&z->b, n, "transB", 1);
	z->c = out;
	z->h = z->w = 1;
}

static void add(zoo *z, const char *name, const char *other)
{
	char a[96];
	snprintf(a, sizeof a, "%s", z->cur);
	const char *in[] = {a, other};
	node(z, "Add", name, 2, in);
}

/* conv (+ bn) + relu, named PREFIX{conv,bn,relu}SUFFIX */
static void conv_bn_relu(zoo *z, const char *prefix, const char *suffix,
			 int64_t cout, int k, int stride, int pad, int use_bn)
{
	char n[128];
	snprintf(n, sizeof n, "%sconv%s", prefix, suffix);
	conv(z, n, cout, k, stride, pad, !use_bn);
	if (use_bn) {
		snprintf(n, sizeof n, "%sbn%s", prefix, suffix);
		bn(z, n);
	}
	snprintf(n, sizeof n, "%srelu%s", prefix, suffix);
	unary(z, "Relu", n);
}

/* --- architectures ---------------------------------------------------------- */

static void build_mlp(zoo *z, const dh_zoo_opts *o)
{
	int depth = o->depth ? o->depth : 2, width = o->width ? o->width : 1024;
	flatten(z, "flatten");
	char n[32];
	for (int i = 1; i <= depth; i++) {
		snprintf(n, sizeof n, "fc%d", i);
		fc(z, n, width, 0);
		snprintf(n, sizeof n, "relu%d", i);
		unary(z, "Relu", n);
	}
	snprintf(n, sizeof n, "fc%d", depth + 1);
	fc(z, n, o->classes, 1);
}

static void build_lenet(zoo *z, const dh_zoo_opts *o)
{
	/* LeNet-5's shape, widened (32 and 64 filters) as current practice */
	conv(z, "conv1", 32, 5, 1, 2, 1);
	unary(z, "Relu", "relu1");
	maxpool(z, "pool1", 2, 2, 0);
	conv(z, "conv2", 64, 5, 1, 2, 1);
	unary(z, "Relu", "relu2");
	maxpool(z, "pool2", 2, 2, 0);
	flatten(z, "flatten");
	fc(z, "fc1", 512, 0);
	unary(z, "Relu", "relu3");
	fc(z, "fc2", o->classes, 1);
}

static void build_vgg(zoo *z, const dh_zoo_opts *o, int layers, int use_bn)
{
	/* filters per conv; 0 is a 2x2 max pool */
	static const int cfg11[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0, -1};
	static const int cfg16[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0, -1};
	static const int cfg19[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0, -1};
	const int *cfg = layers == 11 ? cfg11 : layers == 16 ? cfg16 : cfg19;
	int conv_i = 0, pool_i = 0;
	char suffix[16], n[32];
	for (int i = 0; cfg[i] >= 0; i++) {
		if (cfg[i] == 0) {
			snprintf(n, sizeof n, "pool%d", ++pool_i);
			/* inputs smaller than 32 px stop pooling at 1x1 */
			if (z->h >= 2 && z->w >= 2)
				maxpool(z, n, 2, 2, 0);
			continue;
		}
		snprintf(suffix, sizeof suffix, "%d", ++conv_i);
		conv_bn_relu(z, "", suffix, cfg[i], 3, 1, 1, use_bn);
	}
	/* global average pooling makes the classifier independent of the
	 * input size; at 32x32 the features are 1x1 already */
	gap(z, "gap");
	flatten(z, "flatten");
	fc(z, "fc", o->classes, 1);
}

/* The shortcut of a residual block: the block's input, or a 1x1
 * projection (conv + bn) of it when the shape changes.  `skip` holds the
 * input's name on entry and the shortcut's on return; the main branch's
 * value and shape are kept. */
static void shortcut(zoo *z, const char *p, char *skip, size_t skip_len,
		     int64_t cin, int64_t h, int64_t w, int64_t out, int stride)
{
	if (stride == 1 && cin == out)
		return;
	char main_out[96], n[128];
	snprintf(main_out, sizeof main_out, "%s", z->cur);
	int64_t c = z->c, hh = z->h, ww = z->w;
	set_cur(z, skip);
	z->c = cin;
	z->h = h;
	z->w = w;
	snprintf(n, sizeof n, "%sdownsample.0", p);
	conv(z, n, out, 1, stride, 0, 0);
	snprintf(n, sizeof n, "%sdownsample.1", p);
	bn(z, n);
	snprintf(skip, skip_len, "%s", z->cur);
	set_cur(z, main_out);
	z->c = c;
	z->h = hh;
	z->w = ww;
}

/* Adds the shortcut to the main branch and applies the final ReLU. */
static void join(zoo *z, const char *p, const char *skip)
{
	char n[128];
	snprintf(n, sizeof n, "%sadd", p);
	add(z, n, skip);
	snprintf(n, sizeof n, "%srelu", p);
	unary(z, "Relu", n);
}

static void basic_block(zoo *z, const char *p, int64_t planes, int stride)
{
	char skip[96], n[128];
	snprintf(skip, sizeof skip, "%s", z->cur);
	int64_t cin = z->c, h = z->h, w = z->w;
	conv_bn_relu(z, p, "1", planes, 3, stride, 1, 1);
	snprintf(n, sizeof n, "%sconv2", p);
	conv(z, n, planes, 3, 1, 1, 0);
	snprintf(n, sizeof n, "%sbn2", p);
	bn(z, n);
	shortcut(z, p, skip, sizeof skip, cin, h, w, planes, stride);
	join(z, p, skip);
}

static void bottleneck(zoo *z, const char *p, int64_t planes, int stride)
{
	char skip[96], n[128];
	snprintf(skip, sizeof skip, "%s", z->cur);
	int64_t cin = z->c, h = z->h, w = z->w, out = planes * 4;
	conv_bn_relu(z, p, "1", planes, 1, 1, 0, 1);
	conv_bn_relu(z, p, "2", planes, 3, stride, 1, 1);
	snprintf(n, sizeof n, "%sconv3", p);
	conv(z, n, out, 1, 1, 0, 0);
	snprintf(n, sizeof n, "%sbn3", p);
	bn(z, n);
	shortcut(z, p, skip, sizeof skip, cin, h, w, out, stride);
	join(z, p, skip);
}

static void build_resnet(zoo *z, const dh_zoo_opts *o, int layers)
{
	static const int blocks18[] = {2, 2, 2, 2}, blocks34[] = {3, 4, 6, 3};
	const int *blocks = layers == 18 ? blocks18 : blocks34;
	/* small images (CIFAR) keep their resolution: a 3x3 stem without
	 * pooling; larger ones get ImageNet's 7x7/2 stem and 3x3/2 pool */
	if (z->h <= 64 && z->w <= 64) {
		conv(z, "conv1", 64, 3, 1, 1, 0);
		bn(z, "bn1");
		unary(z, "Relu", "relu");
	} else {
		conv(z, "conv1", 64, 7, 2, 3, 0);
		bn(z, "bn1");
		unary(z, "Relu", "relu");
		maxpool(z, "maxpool", 3, 2, 1);
	}
	char p[64];
	for (int s = 0; s < 4; s++)
		for (int i = 0; i < blocks[s]; i++) {
			snprintf(p, sizeof p, "layer%d.%d.", s + 1, i);
			int stride = s > 0 && i == 0 ? 2 : 1;
			if (layers == 50)
				bottleneck(z, p, 64 << s, stride);
			else
				basic_block(z, p, 64 << s, stride);
		}
	gap(z, "avgpool");
	flatten(z, "flatten");
	fc(z, "fc", o->classes, 1);
}

static void build_unet(zoo *z, const dh_zoo_opts *o)
{
	int depth = o->depth ? o->depth : 4, width = o->width ? o->width : 64;
	char skips[8][96];
	int64_t skipc[8];
	char p[64], n[96];
	for (int l = 0; l < depth; l++) {
		snprintf(p, sizeof p, "down%d.", l + 1);
		conv_bn_relu(z, p, "1", (int64_t)width << l, 3, 1, 1, 1);
		conv_bn_relu(z, p, "2", (int64_t)width << l, 3, 1, 1, 1);
		snprintf(skips[l], sizeof skips[l], "%s", z->cur);
		skipc[l] = z->c;
		snprintf(n, sizeof n, "down%d.pool", l + 1);
		maxpool(z, n, 2, 2, 0);
	}
	conv_bn_relu(z, "bottom.", "1", (int64_t)width << depth, 3, 1, 1, 1);
	conv_bn_relu(z, "bottom.", "2", (int64_t)width << depth, 3, 1, 1, 1);
	for (int l = depth - 1; l >= 0; l--) {
		/* 2x2 transposed convolution, stride 2: doubles H and W */
		int64_t cout = (int64_t)width << l;
		snprintf(n, sizeof n, "up%d.upconv", l + 1);
		int64_t shape[] = {z->c, cout, 2, 2};
		param(z, n, "weight", 4, shape, DH_INIT_HE_NORMAL, 0, 0,
		      cout * 4, z->c * 4);
		param(z, n, "bias", 1, &cout, DH_INIT_CONSTANT, 0, 0, 0, 0);
		char w[128], b[128];
		snprintf(w, sizeof w, "%s.weight", n);
		snprintf(b, sizeof b, "%s.bias", n);
		const char *in[] = {z->cur, w, b};
		Onnx__NodeProto *t = node(z, "ConvTranspose", n, 3, in);
		int64_t ks[] = {2, 2}, st[] = {2, 2};
		dh_ob_attr_ints(&z->b, t, "kernel_shape", 2, ks);
		dh_ob_attr_ints(&z->b, t, "strides", 2, st);
		z->c = cout;
		z->h *= 2;
		z->w *= 2;
		char up[96];
		snprintf(up, sizeof up, "%s", z->cur);
		snprintf(n, sizeof n, "up%d.concat", l + 1);
		const char *cat[] = {skips[l], up};
		Onnx__NodeProto *c = node(z, "Concat", n, 2, cat);
		dh_ob_attr_int(&z->b, c, "axis", 1);
		z->c += skipc[l];
		snprintf(p, sizeof p, "up%d.", l + 1);
		conv_bn_relu(z, p, "1", cout, 3, 1, 1, 1);
		conv_bn_relu(z, p, "2", cout, 3, 1, 1, 1);
	}
	conv(z, "head", o->classes, 1, 1, 0, 1);
}

static void build_lstm(zoo *z, const dh_zoo_opts *o)
{
	/* input [N, T, F]; the LSTM runs sequence-first (layout 0, which
	 * every ONNX runtime supports) between transposes, and its last
	 * hidden state feeds a linear classifier */
	int64_t hidden = o->width ? o->width : 128, f = o->input[1];
	double bound = 1.0 / sqrt((double)hidden);
	static const int64_t perm[] = {1, 0, 2};
	const char *xin[] = {z->cur};
	Onnx__NodeProto *t = node(z, "Transpose", "to_seq_first", 1, xin);
	dh_ob_attr_ints(&z->b, t, "perm", 3, perm);
	int64_t ws[] = {1, 4 * hidden, f}, rs[] = {1, 4 * hidden, hidden}, bs[] = {1, 8 * hidden};
	param(z, "lstm", "W", 3, ws, DH_INIT_UNIFORM, -bound, bound, 0, 0);
	param(z, "lstm", "R", 3, rs, DH_INIT_UNIFORM, -bound, bound, 0, 0);
	param(z, "lstm", "B", 2, bs, DH_INIT_UNIFORM, -bound, bound, 0, 0);
	const char *in[] = {z->cur, "lstm.W", "lstm.R", "lstm.B"};
	const char *out[] = {"", "lstm.Y_h"};
	Onnx__NodeProto *n = dh_ob_node(&z->b, "LSTM", "lstm", 4, in, 2, out);
	dh_ob_attr_int(&z->b, n, "hidden_size", hidden);
	set_cur(z, "lstm.Y_h");
	/* Y_h [1, N, hidden] -> [N, 1, hidden] -> [N, hidden] */
	const char *hin[] = {z->cur};
	t = node(z, "Transpose", "to_batch_first", 1, hin);
	dh_ob_attr_ints(&z->b, t, "perm", 3, perm);
	z->c = hidden;
	z->h = z->w = 1;
	const char *fin[] = {z->cur};
	Onnx__NodeProto *fl = node(z, "Flatten", "flatten", 1, fin);
	dh_ob_attr_int(&z->b, fl, "axis", 1);
	fc(z, "fc", o->classes, 1);
}

static int arch_is(const char *a, const char *name)
{
	return strcmp(a, name) == 0;
}

dh_onnx_model *dh_zoo_build(const dh_zoo_opts *o, const char *path, dh_err *e)
{
	const char *a = o->arch;
	int known = 0;
	for (int i = 0; dh_zoo_archs[i]; i++)
		known |= arch_is(a, dh_zoo_archs[i]);
	if (!known) {
		dh_err_set(e, DH_EINVAL, "unknown architecture '%s'", a);
		return NULL;
	}
	int seq = arch_is(a, "lstm");
	if (o->ndim != (seq ? 2 : 3)) {
		dh_err_set(e, DH_EINVAL, "%s wants --input %s", a,
			   seq ? "TxF (time steps x features)" : "CxHxW");
		return NULL;
	}
	for (int i = 0; i < o->ndim; i++)
		if (o->input[i] < 1 || o->input[i] > 1 << 20) {
			dh_err_set(e, DH_EINVAL, "input dimension %lld is out of range",
				   (long long)o->input[i]);
			return NULL;
		}
	if (o->classes < 1) {
		dh_err_set(e, DH_EINVAL, "--classes must be at least 1");
		return NULL;
	}
	int depth = o->depth ? o->depth : 4;
	if (arch_is(a, "unet") &&
	    (depth > 7 || o->input[1] % (1 << depth) || o->input[2] % (1 << depth))) {
		dh_err_set(e, DH_EINVAL,
			   "unet of depth %d wants H and W divisible by %d (and "
			   "depth at most 7), not %lldx%lld",
			   depth, 1 << depth, (long long)o->input[1],
			   (long long)o->input[2]);
		return NULL;
	}
	if ((arch_is(a, "lenet") && (o->input[1] < 4 || o->input[2] < 4)) ||
	    (!strncmp(a, "resnet", 6) && (o->input[1] < 8 || o->input[2] < 8))) {
		dh_err_set(e, DH_EINVAL, "%s wants a larger input than %lldx%lld", a,
			   (long long)o->input[1], (long long)o->input[2]);
		return NULL;
	}
	zoo z;
	memset(&z, 0, sizeof z);
	if (dh_onnx_builder_init(&z.b, a, e))
		return NULL;
	z.seed = o->seed;
	int64_t dims[4] = {-1, o->input[0], o->input[1], o->input[2]};
	dh_ob_input(&z.b, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
		    o->ndim + 1, dims, "N");
	set_cur(&z, "input");
	z.c = o->input[0];
	z.h = seq ? 1 : o->input[1];
	z.w = seq ? 1 : o->input[2];
	if (arch_is(a, "mlp"))
		build_mlp(&z, o);
	else if (arch_is(a, "lenet"))
		build_lenet(&z, o);
	else if (!strncmp(a, "vgg", 3))
		build_vgg(&z, o, atoi(a + 3), strstr(a, "_bn") != NULL);
	else if (!strncmp(a, "resnet", 6))
		build_resnet(&z, o, atoi(a + 6));
	else if (arch_is(a, "unet"))
		build_unet(&z, o);
	else
		build_lstm(&z, o);
	/* the last node's value becomes the graph output "output" */
	if (!z.b.failed) {
		Onnx__NodeProto *last = z.b.graph->node[z.b.graph->n_node - 1];
		char *name = strdup("output");
		if (!name) {
			dh_onnx_builder_abort(&z.b);
			dh_err_set(e, DH_ENOMEM, "out of memory");
			return NULL;
		}
		free(last->output[0]);
		last->output[0] = name;
	}
	int64_t od[] = {-1, o->classes, z.h, z.w};
	dh_ob_output(&z.b, "output", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
		     arch_is(a, "unet") ? 4 : 2, od, "N");
	char buf[64];
	dh_ob_meta(&z.b, "dh.arch", a);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
	dh_ob_meta(&z.b, "dh.init_seed", buf);
	if (seq)
		snprintf(buf, sizeof buf, "%lldx%lld", (long long)o->input[0],
			 (long long)o->input[1]);
	else
		snprintf(buf, sizeof buf, "%lldx%lldx%lld", (long long)o->input[0],
			 (long long)o->input[1], (long long)o->input[2]);
	dh_ob_meta(&z.b, "dh.input", buf);
	return dh_onnx_builder_finish(&z.b, path);
}
