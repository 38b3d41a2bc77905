/* dh-test-stream - a test helper (never installed) that exposes the stream
 * and RNG code to shell tests, so that numpy and Python can check them:
 *
 *   dh-test-stream cat [MAXROWS] < IN > OUT   re-write a stream as read
 *   dh-test-stream gen GROUPS ROWS > OUT      a grouped stream of known values
 *   dh-test-stream f16 < F32.npy > F16.npy    convert with dh_tensor_convert
 *   dh-test-stream rng SEED N                 first N outputs of dh_rng_seed
 *   dh-test-stream derive SEED A B            first output of dh_rng_derive
 *   dh-test-stream onnx-init MODEL NAME       an initializer as .npy */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "onnx/model.h"
#include "stream/tstream.h"

static int fail(const dh_err *e)
{
	fprintf(stderr, "dh-test-stream: %s\n", e->msg);
	return 1;
}

static int cmd_cat(int64_t max_rows)
{
	dh_err e;
	dh_stream_reader r;
	dh_stream_writer w;
	if (dh_stream_open(&r, stdin, "stdin", &e))
		return fail(&e);
	const char *names[DH_STREAM_MAX_FIELDS];
	for (int i = 0; i < r.nfields; i++)
		names[i] = r.fields[i];
	if (dh_stream_writer_open(&w, stdout, r.grouped ? r.nfields : 0, names,
				  &e))
		return fail(&e);
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	dh_status s;
	int rc = 0;
	while ((s = dh_stream_next(&r, max_rows, out, &e)) == DH_OK) {
		if (dh_stream_write(&w, out, &e))
			rc = fail(&e);
		for (int i = 0; i < r.nfields; i++)
			dh_tensor_free(out[i]);
		if (rc)
			break;
	}
	if (!rc && s != DH_EEOF)
		rc = fail(&e);
	dh_stream_close(&r);
	return rc;
}

static int cmd_gen(int groups, int64_t rows)
{
	dh_err e;
	dh_stream_writer w;
	const char *names[] = {"input", "target", "id"};
	if (dh_stream_writer_open(&w, stdout, 3, names, &e))
		return fail(&e);
	for (int g = 0; g < groups; g++) {
		int64_t xs[] = {rows, 1, 2, 3}, ys[] = {rows};
		dh_tensor *x = dh_tensor_new(DH_F32, 4, xs, &e);
		dh_tensor *y = dh_tensor_new(DH_I64, 1, ys, &e);
		dh_tensor *id = dh_tensor_new(DH_I64, 1, ys, &e);
		for (int64_t i = 0; i < rows * 6; i++)
			((float *)x->data)[i] = (float)(g * rows * 6 + i) * 0.5f;
		for (int64_t i = 0; i < rows; i++) {
			((int64_t *)y->data)[i] = (g * rows + i) % 10;
			((int64_t *)id->data)[i] = g * rows + i;
		}
		dh_tensor *f[] = {x, y, id};
		dh_status s = dh_stream_write(&w, f, &e);
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(id);
		if (s)
			return fail(&e);
	}
	return 0;
}

static int cmd_f16(void)
{
	dh_err e;
	dh_stream_reader r;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	if (dh_stream_open(&r, stdin, "stdin", &e) ||
	    dh_stream_next(&r, 0, out, &e))
		return fail(&e);
	dh_tensor *h = dh_tensor_new(DH_F16, out[0]->ndim, out[0]->shape, &e);
	int rc = !h || dh_tensor_convert(h, out[0], &e) ||
		 dh_npy_write(stdout, h, &e);
	if (rc)
		fail(&e);
	dh_tensor_free(h);
	dh_tensor_free(out[0]);
	dh_stream_close(&r);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "cat"))
		return cmd_cat(argc > 2 ? atoll(argv[2]) : 0);
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return cmd_gen(atoi(argv[2]), atoll(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "f16"))
		return cmd_f16();
	if (argc == 4 && !strcmp(argv[1], "rng")) {
		dh_rng r;
		dh_rng_seed(&r, strtoull(argv[2], NULL, 10));
		for (int i = 0; i < atoi(argv[3]); i++)
			printf("%" PRIu64 "\n", dh_rng_u64(&r));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "derive")) {
		dh_rng r;
		dh_rng_derive(&r, strtoull(argv[2], NULL, 10),
			      strtoull(argv[3], NULL, 10),
			      strtoull(argv[4], NULL, 10));
		printf("%" PRIu64 "\n", dh_rng_u64(&r));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "onnx-init")) {
		dh_err e;
		dh_onnx_model *m = dh_onnx_load(argv[2], &e);
		const Onnx__TensorProto *tp = m ? dh_onnx_initializer(m, argv[3]) : NULL;
		dh_tensor *t = NULL;
		int rc = !m || !tp || dh_onnx_tensor_load(m, tp, &t, &e) ||
			 dh_npy_write(stdout, t, &e);
		if (rc)
			fprintf(stderr, "dh-test-stream: %s\n",
				tp || !m ? e.msg : "no such initializer");
		dh_tensor_free(t);
		dh_onnx_free(m);
		return rc;
	}
	fprintf(stderr, "usage: dh-test-stream cat|gen|f16|rng|derive|onnx-init ...\n");
	return 2;
}
