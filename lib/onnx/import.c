/* import.c - ONNX model -> dh graph (see import.h). */
#include "onnx/import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

typedef struct importer {
	const dh_onnx_model *m;
	dh_graph *g;
	int64_t opset;
	dh_err *e;
	dh_strmap consts;      /* name -> index into cv[] */
	dh_tensor **cv;        /* constant tensors: initializers, Constant nodes */
	char **cname;
	int nconst, capconst;
	unsigned char *trainable; /* per initializer: read by a weight slot */
	int tmp;               /* counter for names of inserted values */
	/* shape computations folded at import (see fold_shape_node) */
	dh_strmap syms;        /* name -> index into sym[] */
	struct symvec {
		int n;
		int64_t v[DH_MAX_DIMS];
		int zeros;     /* ConstantOfShape(v) filled with 0 */
	} *sym;
	int nsym, capsym;
} importer;

/* The batch dimension inside a folded shape vector. */
#define SYM_BATCH INT64_MIN

int64_t dh_onnx_opset(const dh_onnx_model *m)
{
	for (size_t i = 0; i < m->proto->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->proto->opset_import[i];
		if (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx"))
			return o->version;
	}
	return 0;
}

static const char *node_name(const Onnx__NodeProto *n, size_t i, char *buf,
			     size_t len)
{
	if (n->name && *n->name)
		return n->name;
	snprintf(buf, len, "%s_%zu", n->op_type ? n->op_type : "node", i);
	return buf;
}

/* --- constants -------------------------------------------------------------- */

static dh_status add_const(importer *im, const char *name, dh_tensor *t)
{
	if (im->nconst == im->capconst) {
		int cap = im->capconst ? im->capconst * 2 : 64;
		dh_tensor **cv = realloc(im->cv, (size_t)cap * sizeof *cv);
		char **cn = cv ? realloc(im->cname, (size_t)cap * sizeof *cn) : NULL;
		if (cv)
			im->cv = cv;
		if (cn)
			im->cname = cn;
		if (!cv || !cn) {
			dh_tensor_free(t);
			return dh_err_set(im->e, DH_ENOMEM, "out of memory");
		}
		im->capconst = cap;
	}
	im->cv[im->nconst] = t;
	im->cname[im->nconst] = (char *)name;
	if (dh_strmap_put(&im->consts, name, im->nconst, im->e))
		return DH_ENOMEM;
	im->nconst++;
	return DH_OK;
}

static const dh_tensor *get_const(const importer *im, const char *name)
{
	int64_t i;
	return name && *name && dh_strmap_get(&im->consts, name, &i) ? im->cv[i] : NULL;
}

/* --- attributes ------------------------------------------------------------- */

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n,
					const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

static int64_t attr_i(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a ? a->i : dflt;
}

static float attr_f(const Onnx__NodeProto *n, const char *name, float dflt)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a ? a->f : dflt;
}

/* Copy an INTS attribute; returns its length, or -1 when absent. */
static int attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *dst,
		     int max)
{
	const Onnx__AttributeProto *a = attr(n, name);
	if (!a)
		return -1;
	int k = (int)(a->n_ints < (size_t)max ? a->n_ints : (size_t)max);
	memcpy(dst, a->ints, (size_t)k * sizeof *dst);
	return (int)a->n_ints;
}

static int attr_str(const Onnx__NodeProto *n, const char *name, const char *want)
{
	const Onnx__AttributeProto *a = attr(n, name);
	return a && a->s.len == strlen(want) && !memcmp(a->s.data, want, a->s.len);
}

static int has_str(const Onnx__NodeProto *n, const char *name)
{
	return attr(n, name) != NULL;
}

/* The values of constant input k, at most max (<= 64) of them; returns the
 * count, -1 when the input is absent or not a constant, -2 when too long. */
static int const_values(const importer *im, const Onnx__NodeProto *n, size_t k,
			double *dst, int max)
{
	if (k >= n->n_input)
		return -1;
	const dh_tensor *t = get_const(im, n->input[k]);
	if (!t)
		return -1;
	int64_t cnt = dh_tensor_numel(t);
	if (cnt > max)
		return -2;
	for (int64_t i = 0; i < cnt; i++)
		dst[i] = dh_dtype_get(t->dtype, t->data, (size_t)i);
	return (int)cnt;
}

static int const_ints(const importer *im, const Onnx__NodeProto *n, size_t k,
		      int64_t *dst, int max)
{
	double v[64];
	int cnt = const_values(im, n, k, v, max < 64 ? max : 64);
	for (int i = 0; i < cnt; i++)
		dst[i] = (int64_t)v[i];
	return cnt;
}

static int const_floats(const importer *im, const Onnx__NodeProto *n, size_t k,
			float *dst, int max)
{
	double v[64];
	int cnt = const_values(im, n, k, v, max < 64 ? max : 64);
	for (int i = 0; i < cnt; i++)
		dst[i] = (float)v[i];
	return cnt;
}

static int present(const Onnx__NodeProto *n, size_t k)
{
	return k < n->n_input && n->input[k] && *n->input[k];
}

/* --- attributes dh understands, per op ------------------------------------------
 * An attribute outside its op's list may change the op's meaning, so it is
 * refused rather than ignored. */
static const struct {
	const char *op;
	const char *attrs; /* space-separated */
} known_attrs[] = {
	{"Gemm", "alpha beta transA transB"},
	{"Conv", "kernel_shape strides dilations pads auto_pad group"},
	{"ConvTranspose", "kernel_shape strides dilations pads auto_pad group output_padding output_shape"},
	{"MaxPool", "kernel_shape strides dilations pads auto_pad ceil_mode storage_order"},
	{"AveragePool", "kernel_shape strides dilations pads auto_pad ceil_mode count_include_pad"},
	{"BatchNormalization", "epsilon momentum training_mode spatial"},
	{"InstanceNormalization", "epsilon"},
	{"LayerNormalization", "axis epsilon stash_type"},
	{"LeakyRelu", "alpha"}, {"Elu", "alpha"}, {"Selu", "alpha gamma"},
	{"HardSigmoid", "alpha beta"}, {"Gelu", "approximate"},
	{"Softmax", "axis"}, {"LogSoftmax", "axis"}, {"Flatten", "axis"},
	{"Concat", "axis"}, {"Gather", "axis"}, {"Transpose", "perm"},
	{"Reshape", "allowzero"}, {"Squeeze", "axes"}, {"Unsqueeze", "axes"},
	{"ReduceSum", "axes keepdims noop_with_empty_axes"},
	{"ReduceMean", "axes keepdims noop_with_empty_axes"},
	{"ReduceMax", "axes keepdims noop_with_empty_axes"},
	{"ReduceMin", "axes keepdims noop_with_empty_axes"},
	{"ReduceL2", "axes keepdims noop_with_empty_axes"},
	{"Split", "axis split"}, {"Slice", "starts ends axes"},
	{"Pad", "mode pads value"}, {"Clip", "min max"},
	{"Dropout", "ratio seed"},
	{"Resize", "mode coordinate_transformation_mode nearest_mode cubic_coeff_a exclude_outside extrapolation_value"},
	{"Upsample", "mode scales"},
	{"RNN", "hidden_size direction layout activations activation_alpha activation_beta clip"},
	{"GRU", "hidden_size direction layout linear_before_reset activations activation_alpha activation_beta clip"},
	{"LSTM", "hidden_size direction layout input_forget activations activation_alpha activation_beta clip"},
};

static const char *unknown_attr(const Onnx__NodeProto *n)
{
	const char *list = "";
	for (size_t i = 0; i < sizeof known_attrs / sizeof known_attrs[0]; i++)
		if (!strcmp(known_attrs[i].op, n->op_type))
			list = known_attrs[i].attrs;
	for (size_t k = 0; k < n->n_attribute; k++) {
		const char *name = n->attribute[k]->name ? n->attribute[k]->name : "";
		size_t len = strlen(name);
		const char *p = list;
		int found = 0;
		while (*p && !found) {
			size_t w = strcspn(p, " ");
			found = w == len && !strncmp(p, name, len);
			p += w;
			while (*p == ' ')
				p++;
		}
		if (!found)
			return name;
	}
	return NULL;
}

/* --- per-op translation -------------------------------------------------------
 * Returns the number of leading ONNX inputs that are graph values (the rest
 * were folded into attributes), or -1 after recording an error. */

#define FAIL(...) (dh_err_set(im->e, DH_EUNSUPPORTED, __VA_ARGS__), -1)
#define NEED_CONST(k, what)                                                      \
	do {                                                                     \
		if (present(n, k) && !get_const(im, n->input[k]))                \
			return FAIL("%s: node '%s' (%s): input '%s' (%s) must "   \
				    "be a constant (an initializer or a "        \
				    "Constant node)",                            \
				    im->m->path, name, n->op_type, n->input[k],  \
				    what);                                       \
	} while (0)

static int spatial_attrs(importer *im, const Onnx__NodeProto *n, dh_op_attrs *a,
			 const char *name)
{
	int k = attr_ints(n, "kernel_shape", a->kernel_shape, DH_MAX_SPATIAL);
	if (k > DH_MAX_SPATIAL)
		return FAIL("%s: node '%s' (%s): %d spatial dimensions (at most %d)",
			    im->m->path, name, n->op_type, k, DH_MAX_SPATIAL);
	a->kernel_ndim = k < 0 ? 0 : k;
	attr_ints(n, "strides", a->strides, DH_MAX_SPATIAL);
	attr_ints(n, "dilations", a->dilations, DH_MAX_SPATIAL);
	attr_ints(n, "pads", a->pads, 2 * DH_MAX_SPATIAL);
	if (attr_str(n, "auto_pad", "SAME_UPPER"))
		a->auto_pad = DH_PAD_SAME_UPPER;
	else if (attr_str(n, "auto_pad", "SAME_LOWER"))
		a->auto_pad = DH_PAD_SAME_LOWER;
	else if (attr_str(n, "auto_pad", "VALID"))
		a->auto_pad = DH_PAD_VALID;
	else if (has_str(n, "auto_pad") && !attr_str(n, "auto_pad", "NOTSET"))
		return FAIL("%s: node '%s' (%s): unknown auto_pad", im->m->path,
			    name, n->op_type);
	a->group = attr_i(n, "group", 1);
	a->ceil_mode = (int)attr_i(n, "ceil_mode", 0);
	a->count_include_pad = (int)attr_i(n, "count_include_pad", 0);
	attr_ints(n, "output_padding", a->output_padding, DH_MAX_SPATIAL);
	int os = attr_ints(n, "output_shape", a->output_shape, DH_MAX_SPATIAL);
	a->output_shape_ndim = os < 0 ? 0 : os;
	if (attr_i(n, "storage_order", 0))
		return FAIL("%s: node '%s' (%s): storage_order 1 is not supported",
			    im->m->path, name, n->op_type);
	return 0;
}

static int translate(importer *im, const Onnx__NodeProto *n, const char *name,
		     dh_op_type op, dh_op_attrs *a)
{
	int64_t o = im->opset;
	dh_op_attrs_init(a, op);
	int nin = (int)n->n_input;
	switch (op) {
	case DH_OP_GEMM:
		a->alpha = attr_f(n, "alpha", 1.0f);
		a->beta = attr_f(n, "beta", 1.0f);
		a->trans_a = (int)attr_i(n, "transA", 0);
		a->trans_b = (int)attr_i(n, "transB", 0);
		return nin;
	case DH_OP_CONV:
	case DH_OP_CONVTRANSPOSE:
	case DH_OP_MAXPOOL:
	case DH_OP_AVERAGEPOOL:
		return spatial_attrs(im, n, a, name) ? -1 : nin;
	case DH_OP_BATCHNORM:
		a->epsilon = attr_f(n, "epsilon", 1e-5f);
		a->momentum = attr_f(n, "momentum", 0.9f);
		a->training_mode = (int)attr_i(n, "training_mode", 0);
		if (o < 9 && attr_i(n, "spatial", 1) != 1)
			return FAIL("%s: node '%s' (BatchNormalization): spatial=0 "
				    "is not supported", im->m->path, name);
		return nin;
	case DH_OP_INSTANCENORM:
		a->epsilon = attr_f(n, "epsilon", 1e-5f);
		return nin;
	case DH_OP_LAYERNORM:
		a->epsilon = attr_f(n, "epsilon", 1e-5f);
		a->axis = attr_i(n, "axis", -1);
		return nin;
	case DH_OP_LEAKYRELU:
		a->alpha = attr_f(n, "alpha", 0.01f);
		return nin;
	case DH_OP_ELU:
		a->alpha = attr_f(n, "alpha", 1.0f);
		return nin;
	case DH_OP_SELU:
		a->alpha = attr_f(n, "alpha", a->alpha);
		a->gamma = attr_f(n, "gamma", a->gamma);
		return nin;
	case DH_OP_HARDSIGMOID:
		a->alpha = attr_f(n, "alpha", 0.2f);
		a->beta = attr_f(n, "beta", 0.5f);
		return nin;
	case DH_OP_GELU:
		a->approximate_tanh = attr_str(n, "approximate", "tanh");
		return nin;
	case DH_OP_SOFTMAX:
	case DH_OP_LOGSOFTMAX:
		/* before opset 13 the default axis was 1 and the input was
		 * coerced to 2-D there; for the usual [N, C] the same thing */
		a->axis = attr_i(n, "axis", o < 13 ? 1 : -1);
		return nin;
	case DH_OP_FLATTEN:
		a->axis = attr_i(n, "axis", 1);
		return nin;
	case DH_OP_CONCAT:
		a->axis = attr_i(n, "axis", 0);
		return nin;
	case DH_OP_GATHER:
		a->axis = attr_i(n, "axis", 0);
		return nin;
	case DH_OP_TRANSPOSE: {
		int k = attr_ints(n, "perm", a->perm, DH_MAX_DIMS);
		a->perm_ndim = k < 0 ? 0 : k;
		return nin;
	}
	case DH_OP_RESHAPE:
		NEED_CONST(1, "shape");
		a->shape_ndim = const_ints(im, n, 1, a->shape, DH_MAX_DIMS);
		if (a->shape_ndim < 0)
			return FAIL("%s: node '%s' (Reshape): no shape", im->m->path, name);
		a->allowzero = (int)attr_i(n, "allowzero", 0);
		return 1;
	case DH_OP_EXPAND:
		NEED_CONST(1, "shape");
		a->shape_ndim = const_ints(im, n, 1, a->shape, DH_MAX_DIMS);
		return a->shape_ndim < 0 ? FAIL("%s: node '%s' (Expand): no shape",
						im->m->path, name) : 1;
	case DH_OP_TILE: {
		NEED_CONST(1, "repeats");
		int k = const_ints(im, n, 1, a->repeats, DH_MAX_DIMS);
		return k < 0 ? FAIL("%s: node '%s' (Tile): no repeats", im->m->path, name) : 1;
	}
	case DH_OP_SQUEEZE:
	case DH_OP_UNSQUEEZE: {
		int k;
		if (o >= 13) {
			NEED_CONST(1, "axes");
			k = present(n, 1) ? const_ints(im, n, 1, a->axes, DH_MAX_DIMS) : 0;
		} else {
			k = attr_ints(n, "axes", a->axes, DH_MAX_DIMS);
		}
		a->naxes = k < 0 ? 0 : k;
		return 1;
	}
	case DH_OP_REDUCESUM:
	case DH_OP_REDUCEMEAN:
	case DH_OP_REDUCEMAX:
	case DH_OP_REDUCEMIN:
	case DH_OP_REDUCEL2: {
		int from_input = op == DH_OP_REDUCESUM ? o >= 13 : o >= 18;
		int k;
		if (from_input) {
			NEED_CONST(1, "axes");
			k = present(n, 1) ? const_ints(im, n, 1, a->axes, DH_MAX_DIMS) : 0;
		} else {
			k = attr_ints(n, "axes", a->axes, DH_MAX_DIMS);
		}
		a->naxes = k < 0 ? 0 : k;
		a->keepdims = (int)attr_i(n, "keepdims", 1);
		a->noop_with_empty_axes = (int)attr_i(n, "noop_with_empty_axes", 0);
		return 1;
	}
	case DH_OP_SPLIT: {
		a->axis = attr_i(n, "axis", 0);
		int k;
		if (o >= 13) {
			NEED_CONST(1, "split");
			k = present(n, 1) ? const_ints(im, n, 1, a->split, DH_OP_MAX_IO) : 0;
		} else {
			k = attr_ints(n, "split", a->split, DH_OP_MAX_IO);
		}
		a->nsplit = k < 0 ? 0 : k;
		return 1;
	}
	case DH_OP_SLICE: {
		int64_t axes[DH_MAX_DIMS];
		int ns, ne, na = -1, nst = -1;
		if (o >= 10) {
			for (int k = 1; k <= 4; k++)
				NEED_CONST((size_t)k, "slice bounds");
			ns = const_ints(im, n, 1, a->starts, DH_MAX_DIMS);
			ne = const_ints(im, n, 2, a->ends, DH_MAX_DIMS);
			if (present(n, 3))
				na = const_ints(im, n, 3, axes, DH_MAX_DIMS);
			if (present(n, 4))
				nst = const_ints(im, n, 4, a->steps, DH_MAX_DIMS);
		} else {
			ns = attr_ints(n, "starts", a->starts, DH_MAX_DIMS);
			ne = attr_ints(n, "ends", a->ends, DH_MAX_DIMS);
			na = attr_ints(n, "axes", axes, DH_MAX_DIMS);
		}
		if (ns < 0 || ns != ne || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
			return FAIL("%s: node '%s' (Slice): starts, ends, axes and "
				    "steps disagree", im->m->path, name);
		a->naxes = ns;
		for (int i = 0; i < ns; i++)
			a->axes[i] = na >= 0 ? axes[i] : i;
		if (nst < 0)
			for (int i = 0; i < ns; i++)
				a->steps[i] = 1;
		return 1;
	}
	case DH_OP_PAD: {
		if (attr_str(n, "mode", "reflect"))
			a->pad_mode = DH_PADMODE_REFLECT;
		else if (attr_str(n, "mode", "edge"))
			a->pad_mode = DH_PADMODE_EDGE;
		else if (has_str(n, "mode") && !attr_str(n, "mode", "constant"))
			return FAIL("%s: node '%s' (Pad): mode is not supported",
				    im->m->path, name);
		int k;
		if (o >= 11) {
			NEED_CONST(1, "pads");
			NEED_CONST(2, "constant_value");
			k = const_ints(im, n, 1, a->pad_amounts, 2 * DH_MAX_DIMS);
			float v = 0;
			if (present(n, 2) && const_floats(im, n, 2, &v, 1) == 1)
				a->pad_value = v;
			if (present(n, 3))
				return FAIL("%s: node '%s' (Pad): the axes input is not "
					    "supported", im->m->path, name);
		} else {
			k = attr_ints(n, "pads", a->pad_amounts, 2 * DH_MAX_DIMS);
			a->pad_value = attr_f(n, "value", 0.0f);
		}
		return k < 0 ? FAIL("%s: node '%s' (Pad): no pads", im->m->path, name) : 1;
	}
	case DH_OP_CLIP:
		if (o >= 11) {
			NEED_CONST(1, "min");
			NEED_CONST(2, "max");
			float v;
			if (present(n, 1) && const_floats(im, n, 1, &v, 1) == 1)
				a->clip_min = v;
			if (present(n, 2) && const_floats(im, n, 2, &v, 1) == 1)
				a->clip_max = v;
		} else {
			a->clip_min = attr_f(n, "min", -INFINITY);
			a->clip_max = attr_f(n, "max", INFINITY);
		}
		return 1;
	case DH_OP_DROPOUT:
		if (o >= 12) {
			NEED_CONST(1, "ratio");
			float v;
			if (present(n, 1) && const_floats(im, n, 1, &v, 1) == 1)
				a->ratio = v;
		} else {
			a->ratio = attr_f(n, "ratio", 0.5f);
		}
		return 1;
	case DH_OP_RESIZE: {
		if (attr_str(n, "mode", "linear"))
			a->resize_mode = DH_RESIZE_LINEAR;
		else if (has_str(n, "mode") && !attr_str(n, "mode", "nearest"))
			return FAIL("%s: node '%s' (%s): mode is not supported",
				    im->m->path, name, n->op_type);
		if (attr_str(n, "coordinate_transformation_mode", "pytorch_half_pixel"))
			a->coord_mode = DH_COORD_PYTORCH_HALF_PIXEL;
		else if (attr_str(n, "coordinate_transformation_mode", "align_corners"))
			a->coord_mode = DH_COORD_ALIGN_CORNERS;
		else if (attr_str(n, "coordinate_transformation_mode", "asymmetric") ||
			 !strcmp(n->op_type, "Upsample") || o < 11)
			a->coord_mode = DH_COORD_ASYMMETRIC;
		if (attr_str(n, "nearest_mode", "round_prefer_ceil"))
			a->nearest_mode = DH_NEAREST_ROUND_PREFER_CEIL;
		else if (attr_str(n, "nearest_mode", "floor") ||
			 !strcmp(n->op_type, "Upsample") || o < 11)
			a->nearest_mode = DH_NEAREST_FLOOR;
		else if (attr_str(n, "nearest_mode", "ceil"))
			a->nearest_mode = DH_NEAREST_CEIL;
		int si = !strcmp(n->op_type, "Upsample") || o < 11 ? 1 : 2;
		for (size_t k = 1; k < n->n_input; k++)
			NEED_CONST(k, "roi, scales or sizes");
		int ns = present(n, (size_t)si) ? const_floats(im, n, (size_t)si, a->scales, DH_MAX_DIMS) : -1;
		if (ns <= 0 && !strcmp(n->op_type, "Upsample")) {
			const Onnx__AttributeProto *sc = attr(n, "scales");
			if (sc) {
				ns = (int)(sc->n_floats < DH_MAX_DIMS ? sc->n_floats : DH_MAX_DIMS);
				memcpy(a->scales, sc->floats, (size_t)ns * sizeof(float));
			}
		}
		if (ns > 0) {
			a->nscales = ns;
		} else if (present(n, 3)) {
			a->shape_ndim = const_ints(im, n, 3, a->shape, DH_MAX_DIMS);
		} else {
			return FAIL("%s: node '%s' (%s): neither scales nor sizes",
				    im->m->path, name, n->op_type);
		}
		return 1;
	}
	case DH_OP_RNN:
	case DH_OP_GRU:
	case DH_OP_LSTM: {
		a->hidden_size = attr_i(n, "hidden_size", 0);
		if (attr_str(n, "direction", "reverse"))
			a->direction = DH_RNN_REVERSE;
		else if (attr_str(n, "direction", "bidirectional"))
			a->direction = DH_RNN_BIDIRECTIONAL;
		a->linear_before_reset = (int)attr_i(n, "linear_before_reset", 0);
		if (attr(n, "activations") || attr(n, "clip") ||
		    attr_i(n, "input_forget", 0))
			return FAIL("%s: node '%s' (%s): custom activations, clip and "
				    "input_forget are not supported",
				    im->m->path, name, n->op_type);
		return nin;
	}
	default:
		return nin;
	}
}

/* --- values ------------------------------------------------------------------ */

/* Which initializers are weights: those read by these slots. */
static int weight_slot(const char *op, size_t k)
{
	if (!strcmp(op, "Conv") || !strcmp(op, "ConvTranspose"))
		return k == 1 || k == 2;
	if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
		return k >= 1;
	if (!strcmp(op, "BatchNormalization") || !strcmp(op, "InstanceNormalization") ||
	    !strcmp(op, "LayerNormalization"))
		return k == 1 || k == 2;
	if (!strcmp(op, "PRelu"))
		return k == 1;
	if (!strcmp(op, "LSTM") || !strcmp(op, "GRU") || !strcmp(op, "RNN"))
		return k == 1 || k == 2 || k == 3 || k == 7;
	if (!strcmp(op, "Gather"))
		return k == 0; /* an embedding table */
	return 0;
}

static int value_of(importer *im, const char *name, dh_err *e)
{
	int x = dh_graph_find(im->g, name);
	if (x >= 0)
		return x;
	/* a constant used as an ordinary input becomes a graph constant */
	int64_t ci;
	if (dh_strmap_get(&im->consts, name, &ci)) {
		dh_tensor *c = dh_tensor_clone(im->cv[ci], e);
		if (!c)
			return -1;
		if (c->dtype != DH_F32 && dh_dtype_is_float(c->dtype)) {
			dh_tensor *f = dh_tensor_new(DH_F32, c->ndim, c->shape, e);
			if (!f || dh_tensor_convert(f, c, e)) {
				dh_tensor_free(f);
				dh_tensor_free(c);
				return -1;
			}
			dh_tensor_free(c);
			c = f;
		}
		dh_value_kind kind = im->trainable[ci] && c->dtype == DH_F32
					     ? DH_VAL_PARAM : DH_VAL_CONST;
		return dh_graph_add_value(im->g, name, kind, c->dtype, NULL, c, e);
	}
	dh_err_set(e, DH_EFORMAT, "%s: '%s' is read but nothing produces it",
		   im->m->path, name);
	return -1;
}

static int new_act(importer *im, const char *name)
{
	if (!name || !*name)
		return -1;
	return dh_graph_add_value(im->g, name, DH_VAL_ACT, DH_F32, NULL, NULL, im->e);
}

/* An activation with a made-up name, for nodes the importer inserts. */
static int temp_act(importer *im, const char *base, const char *what)
{
	char name[256];
	snprintf(name, sizeof name, "%s/%s.%d", base, what, im->tmp++);
	return new_act(im, name);
}

static int add_transpose(importer *im, const char *base, int in, int ndim,
			 const int64_t *perm, int out)
{
	dh_op_attrs a;
	dh_op_attrs_init(&a, DH_OP_TRANSPOSE);
	a.perm_ndim = ndim;
	memcpy(a.perm, perm, (size_t)ndim * sizeof *perm);
	char name[256];
	snprintf(name, sizeof name, "%s/transpose.%d", base, im->tmp++);
	return dh_graph_add_node(im->g, name, DH_OP_TRANSPOSE, &a, 1, &in, 1, &out, im->e);
}

/* A recurrent node with layout = 1 (batch first) runs as layout 0 between
 * transposes: X [B, T, F] -> [T, B, F]; Y [T, D, B, H] -> [B, T, D, H];
 * Y_h, Y_c [D, B, H] -> [B, D, H]. */
static int add_batch_first_rnn(importer *im, const char *name, dh_op_type op,
			       const dh_op_attrs *a, int nin, int *in, int nout,
			       const int *out)
{
	static const int64_t p3[] = {1, 0, 2}, p4[] = {2, 0, 1, 3};
	int xt = temp_act(im, name, "x_seq_first");
	if (xt < 0 || add_transpose(im, name, in[0], 3, p3, xt) < 0)
		return -1;
	in[0] = xt;
	int mid[DH_OP_MAX_IO];
	for (int j = 0; j < nout; j++)
		mid[j] = out[j] < 0 ? -1 : temp_act(im, name, j ? "state" : "y");
	if (dh_graph_add_node(im->g, name, op, a, nin, in, nout, mid, im->e) < 0)
		return -1;
	for (int j = 0; j < nout; j++)
		if (out[j] >= 0 &&
		    add_transpose(im, name, mid[j], j ? 3 : 4, j ? p3 : p4, out[j]) < 0)
			return -1;
	return 0;
}

static dh_status import_constant(importer *im, const Onnx__NodeProto *n,
				 const char *name)
{
	const Onnx__AttributeProto *v = attr(n, "value");
	dh_tensor *t = NULL;
	if (v && v->t) {
		if (dh_onnx_tensor_load(im->m, v->t, &t, im->e))
			return im->e->status;
	} else if ((v = attr(n, "value_float")) || (v = attr(n, "value_int"))) {
		int isf = !strcmp(v->name, "value_float");
		t = dh_tensor_new(isf ? DH_F32 : DH_I64, 0, NULL, im->e);
		if (!t)
			return DH_ENOMEM;
		dh_dtype_put(t->dtype, t->data, 0, isf ? v->f : (double)v->i);
	} else if ((v = attr(n, "value_floats")) || (v = attr(n, "value_ints"))) {
		int isf = !strcmp(v->name, "value_floats");
		int64_t cnt = isf ? (int64_t)v->n_floats : (int64_t)v->n_ints;
		t = dh_tensor_new(isf ? DH_F32 : DH_I64, 1, &cnt, im->e);
		if (!t)
			return DH_ENOMEM;
		for (int64_t i = 0; i < cnt; i++)
			dh_dtype_put(t->dtype, t->data, (size_t)i,
				     isf ? v->floats[i] : (double)v->ints[i]);
	} else {
		return dh_err_set(im->e, DH_EUNSUPPORTED,
				  "%s: node '%s' (Constant): only tensor, float and "
				  "int values are supported",
				  im->m->path, name);
	}
	if (n->n_output < 1)
		return dh_err_set(im->e, DH_EFORMAT, "%s: node '%s' has no output",
				  im->m->path, name);
	return add_const(im, n->output[0], t);
}

/* --- shape computations ----------------------------------------------------
 * Exporters compute shapes from the input at run time: PyTorch builds an
 * RNN's zero initial state as ConstantOfShape(Concat(1, Shape(x)[0], H)).
 * dh folds such chains at import with the batch as a symbol.  A zero
 * initial state is what ONNX assumes when the input is omitted, so it is
 * dropped; any other use of a folded shape is refused by name. */

static struct symvec *get_sym(const importer *im, const char *name)
{
	int64_t i;
	return name && *name && dh_strmap_get(&im->syms, name, &i) ? &im->sym[i] : NULL;
}

static int add_sym(importer *im, const char *name, const struct symvec *v)
{
	if (im->nsym == im->capsym) {
		int cap = im->capsym ? im->capsym * 2 : 16;
		struct symvec *p = realloc(im->sym, (size_t)cap * sizeof *p);
		if (!p)
			return dh_err_set(im->e, DH_ENOMEM, "out of memory") ? -1 : -1;
		im->sym = p;
		im->capsym = cap;
	}
	im->sym[im->nsym] = *v;
	if (dh_strmap_put(&im->syms, name, im->nsym, im->e))
		return -1;
	im->nsym++;
	return 0;
}

/* A vector of ints from a folded shape or a constant; 0 or -1. */
static int ints_of(const importer *im, const char *name, struct symvec *out)
{
	const struct symvec *sv = get_sym(im, name);
	if (sv && !sv->zeros) {
		*out = *sv;
		return 0;
	}
	const dh_tensor *t = get_const(im, name);
	if (!t || dh_dtype_is_float(t->dtype) || dh_tensor_numel(t) > DH_MAX_DIMS)
		return -1;
	memset(out, 0, sizeof *out);
	out->n = (int)dh_tensor_numel(t);
	for (int i = 0; i < out->n; i++)
		out->v[i] = (int64_t)dh_dtype_get(t->dtype, t->data, (size_t)i);
	return 0;
}

/* 1: folded; 0: not a shape computation; -1: error recorded. */
static int fold_shape_node(importer *im, const Onnx__NodeProto *n,
			   const char *name)
{
	const char *op = n->op_type;
	struct symvec r = {0}, a;
	if (n->n_output < 1)
		return 0;
	if (!strcmp(op, "Shape")) {
		int x = n->n_input ? dh_graph_find(im->g, n->input[0]) : -1;
		if (x < 0 || im->g->v[x].kind != DH_VAL_INPUT || im->g->v[x].decl.ndim < 0)
			return 0;
		const dh_shape *d = &im->g->v[x].decl;
		r.n = d->ndim;
		for (int i = 0; i < d->ndim; i++)
			r.v[i] = d->d[i] < 0 ? SYM_BATCH : d->d[i];
	} else if (!strcmp(op, "Gather")) {
		if (n->n_input < 2 || !get_sym(im, n->input[0]) || ints_of(im, n->input[0], &a))
			return 0;
		struct symvec idx;
		if (ints_of(im, n->input[1], &idx) || attr_i(n, "axis", 0) != 0)
			return 0;
		r.n = idx.n;
		for (int i = 0; i < idx.n; i++) {
			int64_t k = idx.v[i] < 0 ? idx.v[i] + a.n : idx.v[i];
			if (k < 0 || k >= a.n)
				return 0;
			r.v[i] = a.v[k];
		}
	} else if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze") ||
		   !strcmp(op, "Identity")) {
		if (!n->n_input || !get_sym(im, n->input[0]) || ints_of(im, n->input[0], &r))
			return 0;
	} else if (!strcmp(op, "Concat")) {
		int any = 0;
		for (size_t i = 0; i < n->n_input; i++)
			any |= get_sym(im, n->input[i]) != NULL;
		if (!any)
			return 0;
		for (size_t i = 0; i < n->n_input; i++) {
			if (ints_of(im, n->input[i], &a) || r.n + a.n > DH_MAX_DIMS)
				return 0;
			memcpy(r.v + r.n, a.v, (size_t)a.n * sizeof *a.v);
			r.n += a.n;
		}
	} else if (!strcmp(op, "ConstantOfShape")) {
		if (!n->n_input || ints_of(im, n->input[0], &r))
			return 0;
		const Onnx__AttributeProto *v = attr(n, "value");
		dh_tensor *t = NULL;
		if (v && v->t && dh_onnx_tensor_load(im->m, v->t, &t, im->e))
			return -1;
		int zero = !t || dh_dtype_get(t->dtype, t->data, 0) == 0;
		dh_tensor_free(t);
		if (!zero || !get_sym(im, n->input[0]))
			return 0;
		r.zeros = 1;
	} else {
		return 0;
	}
	(void)name;
	return add_sym(im, n->output[0], &r) ? -1 : 1;
}

static void release(importer *im)
{
	free(im->sym);
	dh_strmap_release(&im->syms);
	for (int i = 0; i < im->nconst; i++)
		dh_tensor_free(im->cv[i]);
	free(im->cv);
	free(im->cname);
	free(im->trainable);
	dh_strmap_release(&im->consts);
}

/* Layers that `dh-onnx weights freeze` recorded in the metadata (key
 * dh.frozen, comma-separated) stay untrained, as with dh-train --freeze. */
static int freeze_recorded(importer *im)
{
	const char *list = dh_onnx_meta(im->m, "dh.frozen");
	while (list && *list) {
		char item[256];
		size_t w = strcspn(list, ",");
		if (w && w < sizeof item) {
			memcpy(item, list, w);
			item[w] = 0;
			dh_graph_freeze(im->g, item, 1);
		}
		list += w + (list[w] == ',');
	}
	return 0;
}

dh_graph *dh_onnx_import(const dh_onnx_model *m, const dh_device *dev,
			 uint64_t seed, dh_err *e)
{
	importer im;
	memset(&im, 0, sizeof im);
	im.m = m;
	im.e = e;
	im.opset = dh_onnx_opset(m);
	dh_strmap_init(&im.consts);
	dh_strmap_init(&im.syms);
	if (im.opset < DH_ONNX_MIN_OPSET || im.opset > DH_ONNX_MAX_OPSET) {
		dh_err_set(e, DH_EUNSUPPORTED,
			   "%s: opset %lld of the default domain is not supported "
			   "(dh reads %d to %d)",
			   m->path, (long long)im.opset, DH_ONNX_MIN_OPSET,
			   DH_ONNX_MAX_OPSET);
		return NULL;
	}
	const Onnx__GraphProto *gp = m->proto->graph;
	im.g = dh_graph_new(dev, seed, e);
	im.trainable = calloc(gp->n_initializer + gp->n_node + 1, 1);
	if (!im.g || !im.trainable)
		goto fail;
	/* initializers, and which of them are weights */
	for (size_t i = 0; i < gp->n_initializer; i++) {
		dh_tensor *t;
		if (dh_onnx_tensor_load(m, gp->initializer[i], &t, e) ||
		    add_const(&im, gp->initializer[i]->name, t))
			goto fail;
	}
	for (size_t k = 0; k < gp->n_node; k++) {
		const Onnx__NodeProto *n = gp->node[k];
		for (size_t j = 0; j < n->n_input; j++) {
			int64_t ci;
			if (n->op_type && weight_slot(n->op_type, j) &&
			    dh_strmap_get(&im.consts, n->input[j], &ci))
				im.trainable[ci] = 1;
		}
	}
	/* graph inputs that are not initializers */
	int in_idx[256], nin_g = 0;
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		if (get_const(&im, vi->name))
			continue;
		dh_shape s = {0};
		dh_dtype dt = DH_F32;
		const Onnx__TypeProto *ty = vi->type;
		if (ty && ty->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
			if (dh_onnx_to_dtype(ty->tensor_type->elem_type, &dt)) {
				dh_err_set(e, DH_EUNSUPPORTED,
					   "%s: input '%s' has the unsupported type %s",
					   m->path, vi->name,
					   dh_onnx_type_name(ty->tensor_type->elem_type));
				goto fail;
			}
			const Onnx__TensorShapeProto *sh = ty->tensor_type->shape;
			s.ndim = sh ? (int)sh->n_dim : -1;
			if (s.ndim > DH_MAX_DIMS) {
				dh_err_set(e, DH_EUNSUPPORTED, "%s: input '%s' has %d dimensions",
					   m->path, vi->name, s.ndim);
				goto fail;
			}
			for (int d = 0; d < s.ndim; d++)
				s.d[d] = sh->dim[d]->value_case ==
							 ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
						 ? sh->dim[d]->dim_value
						 : -1;
		}
		if (nin_g == 256) {
			dh_err_set(e, DH_EUNSUPPORTED, "%s: more than 256 inputs", m->path);
			goto fail;
		}
		int x = dh_graph_add_value(im.g, vi->name, DH_VAL_INPUT, dt, &s, NULL, e);
		if (x < 0)
			goto fail;
		in_idx[nin_g++] = x;
	}
	if (dh_graph_set_inputs(im.g, nin_g, in_idx, e))
		goto fail;
	/* nodes */
	for (size_t k = 0; k < gp->n_node; k++) {
		const Onnx__NodeProto *n = gp->node[k];
		char buf[256];
		const char *name = node_name(n, k, buf, sizeof buf);
		const char *domain = n->domain && *n->domain ? n->domain : "ai.onnx";
		const char *opname = n->op_type ? n->op_type : "";
		if (strcmp(domain, "ai.onnx")) {
			dh_err_set(e, DH_EUNSUPPORTED,
				   "%s: node '%s' (op %s, domain %s) is not supported",
				   m->path, name, opname, domain);
			goto fail;
		}
		if (!strcmp(opname, "Constant")) {
			if (import_constant(&im, n, name))
				goto fail;
			continue;
		}
		int folded = fold_shape_node(&im, n, name);
		if (folded < 0)
			goto fail;
		if (folded)
			continue;
		dh_op_type op;
		/* Upsample is Resize's older spelling */
		if (dh_op_parse(!strcmp(opname, "Upsample") ? "Resize" : opname, &op)) {
			dh_err_set(e, DH_EUNSUPPORTED,
				   "%s: node '%s' (op %s, domain %s, opset %lld) is not "
				   "supported",
				   m->path, name, opname, domain, (long long)im.opset);
			goto fail;
		}
		const char *bad = unknown_attr(n);
		if (bad) {
			dh_err_set(e, DH_EUNSUPPORTED,
				   "%s: node '%s' (op %s, opset %lld): attribute '%s' "
				   "is not supported",
				   m->path, name, opname, (long long)im.opset, bad);
			goto fail;
		}
		dh_op_attrs a;
		int keep = translate(&im, n, name, op, &a);
		if (keep < 0)
			goto fail;
		int in[DH_OP_MAX_IO], out[DH_OP_MAX_IO];
		if (n->n_input > DH_OP_MAX_IO || n->n_output > DH_OP_MAX_IO) {
			dh_err_set(e, DH_EUNSUPPORTED, "%s: node '%s' has too many inputs or outputs",
				   m->path, name);
			goto fail;
		}
		int nin = keep;
		for (int j = 0; j < nin; j++) {
			const struct symvec *sv = present(n, (size_t)j) ? get_sym(&im, n->input[j]) : NULL;
			if (sv) {
				/* initial_h (5) and initial_c (6) of a recurrent node:
				 * zeros are ONNX's default for an omitted state */
				if (sv->zeros && (op == DH_OP_LSTM || op == DH_OP_GRU ||
						  op == DH_OP_RNN) && (j == 5 || j == 6)) {
					in[j] = -1;
					continue;
				}
				dh_err_set(e, DH_EUNSUPPORTED,
					   "%s: node '%s' (%s) reads '%s', a shape "
					   "computation dh cannot fold",
					   m->path, name, opname, n->input[j]);
				goto fail;
			}
			in[j] = present(n, (size_t)j) ? value_of(&im, n->input[j], e) : -1;
			if (present(n, (size_t)j) && in[j] < 0)
				goto fail;
		}
		/* trailing omitted inputs are simply absent */
		while (nin > 0 && in[nin - 1] < 0)
			nin--;
		int nout = (int)n->n_output;
		/* Dropout's mask, MaxPool's indices: only when the model reads them */
		for (int j = 0; j < nout; j++) {
			out[j] = new_act(&im, n->output[j]);
			if (n->output[j] && *n->output[j] && out[j] < 0)
				goto fail;
		}
		while (nout > 1 && out[nout - 1] < 0)
			nout--;
		/* an omitted output before one that is read (LSTM's Y when only
		 * Y_h is wanted) still has to exist for the kernel */
		for (int j = 0; j < nout; j++)
			if (out[j] < 0 && (out[j] = temp_act(&im, name, "unused")) < 0)
				goto fail;
		int r;
		if ((op == DH_OP_LSTM || op == DH_OP_GRU || op == DH_OP_RNN) &&
		    attr_i(n, "layout", 0) == 1)
			r = add_batch_first_rnn(&im, name, op, &a, nin, in, nout, out);
		else
			r = dh_graph_add_node(im.g, name, op, &a, nin, in, nout, out, e);
		if (r < 0)
			goto fail;
	}
	int outs[256], nout_g = 0;
	for (size_t i = 0; i < gp->n_output && nout_g < 256; i++) {
		int x = dh_graph_find(im.g, gp->output[i]->name);
		if (x < 0 && !(x >= 0 || (x = value_of(&im, gp->output[i]->name, e)) >= 0))
			goto fail;
		outs[nout_g++] = x;
	}
	if (dh_graph_set_outputs(im.g, nout_g, outs, e) ||
	    freeze_recorded(&im) || dh_graph_finalize(im.g, e))
		goto fail;
	release(&im);
	return im.g;
fail:
	dh_graph_free(im.g);
	release(&im);
	return NULL;
}
