/* dh-test-onnx-case - runs one ONNX operator conformance case (a folder
 * with model.onnx and test_data_set_K/{input,output}_I.pb) through dh's
 * importer and graph, and compares with the expected outputs within the
 * case's tolerance (|got - want| <= atol + rtol |want|).
 * Exit status: 0 passed, 1 failed (a message says how), 3 unsupported
 * (dh refuses the model or its inputs: the message says why). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/import.h"
#include "onnx/model.h"

static dh_tensor *read_pb(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
	fclose(f);
	Onnx__TensorProto *tp = got == (size_t)n ? onnx__tensor_proto__unpack(NULL, (size_t)n, buf) : NULL;
	free(buf);
	if (!tp) {
		dh_err_set(e, DH_EFORMAT, "%s: not a TensorProto", path);
		return NULL;
	}
	dh_onnx_model m = {0};
	m.path = (char *)path;
	m.dir = (char *)".";
	dh_tensor *t = NULL;
	dh_onnx_tensor_load(&m, tp, &t, e);
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return t;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dh-test-onnx-case DIR\n");
		return 2;
	}
	char path[4096];
	double rtol = 1e-3, atol = 1e-7;
	snprintf(path, sizeof path, "%s/tolerance", argv[1]);
	FILE *tf = fopen(path, "r");
	if (tf) {
		if (fscanf(tf, "%lf %lf", &rtol, &atol) != 2) {
			rtol = 1e-3;
			atol = 1e-7;
		}
		fclose(tf);
	}
	/* float32 kernels against float64-computed references */
	if (rtol < 1e-4)
		rtol = 1e-4;
	if (atol < 1e-6)
		atol = 1e-6;
	dh_err e;
	snprintf(path, sizeof path, "%s/model.onnx", argv[1]);
	dh_onnx_model *m = dh_onnx_load(path, &e);
	if (!m) {
		printf("unsupported: %s\n", e.msg);
		return 3;
	}
	dh_device dev;
	dh_device_cpu(&dev, 1);
	dh_graph *g = dh_onnx_import(m, &dev, 0, &e);
	dh_onnx_free(m);
	if (!g) {
		printf("unsupported: %s\n", e.msg);
		return 3;
	}
	int rc = 0;
	for (int k = 0; rc == 0; k++) {
		dh_tensor *in[256] = {0};
		dh_shape shapes[256];
		snprintf(path, sizeof path, "%s/test_data_set_%d/input_0.pb", argv[1], k);
		FILE *probe = fopen(path, "rb");
		if (!probe) {
			snprintf(path, sizeof path, "%s/test_data_set_%d", argv[1], k);
			FILE *d = fopen(path, "r");
			if (!d)
				break; /* no more data sets */
			fclose(d);
		} else {
			fclose(probe);
		}
		for (int i = 0; i < g->ninputs && !rc; i++) {
			snprintf(path, sizeof path, "%s/test_data_set_%d/input_%d.pb", argv[1], k, i);
			in[i] = read_pb(path, &e);
			if (!in[i]) {
				printf("unsupported: input %d: %s\n", i, e.msg);
				rc = 3;
				break;
			}
			if (in[i]->dtype != g->v[g->inputs[i]].dtype) {
				printf("unsupported: input %d is %s\n", i, dh_dtype_name(in[i]->dtype));
				rc = 3;
				break;
			}
			shapes[i].ndim = in[i]->ndim;
			memcpy(shapes[i].d, in[i]->shape, sizeof shapes[i].d);
		}
		if (!rc && dh_graph_plan_inputs(g, shapes, 0, &e)) {
			printf("%s: %s\n", e.status == DH_EUNSUPPORTED ? "unsupported" : "failed", e.msg);
			rc = e.status == DH_EUNSUPPORTED ? 3 : 1;
		}
		if (!rc && dh_graph_forward(g, (const dh_tensor *const *)in, &e)) {
			printf("%s: %s\n", e.status == DH_EUNSUPPORTED ? "unsupported" : "failed", e.msg);
			rc = e.status == DH_EUNSUPPORTED ? 3 : 1;
		}
		for (int o = 0; !rc && o < g->noutputs; o++) {
			snprintf(path, sizeof path, "%s/test_data_set_%d/output_%d.pb", argv[1], k, o);
			dh_tensor *want = read_pb(path, &e);
			const dh_tensor *got = dh_graph_output(g, o);
			if (!want) {
				printf("unsupported: output %d: %s\n", o, e.msg);
				rc = 3;
				break;
			}
			if (!dh_shape_equal(got->ndim, got->shape, want->ndim, want->shape)) {
				char a[160], b[160];
				printf("failed: output %d has shape %s, want %s\n", o,
				       dh_shape_format(a, sizeof a, got->ndim, got->shape),
				       dh_shape_format(b, sizeof b, want->ndim, want->shape));
				rc = 1;
			}
			for (int64_t i = 0; !rc && i < dh_tensor_numel(want); i++) {
				double x = dh_dtype_get(got->dtype, got->data, (size_t)i);
				double y = dh_dtype_get(want->dtype, want->data, (size_t)i);
				if ((isnan(x) && isnan(y)) || x == y)
					continue;
				if (!(fabs(x - y) <= atol + rtol * fabs(y))) {
					printf("failed: output %d element %lld is %.9g, want %.9g\n",
					       o, (long long)i, x, y);
					rc = 1;
				}
			}
			dh_tensor_free(want);
		}
		for (int i = 0; i < 256; i++)
			dh_tensor_free(in[i]);
	}
	dh_graph_free(g);
	if (!rc)
		printf("passed\n");
	return rc;
}
