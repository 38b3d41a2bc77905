/* test_stream.c - .npy headers and tensor stream reading/writing. */
#include <stdint.h>
#include <string.h>

#include "stream/npy.h"
#include "stream/tstream.h"
#include "tap.h"

static dh_status parse(const char *dict, dh_npy_header *h, dh_err *e)
{
	return dh_npy_parse_dict(dict, strlen(dict), h, e);
}

TEST(npy_dict_parsing)
{
	dh_npy_header h;
	dh_err e;
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", &h, &e), DH_OK);
	CHECK_INT(h.dtype, DH_F32);
	CHECK_INT(h.ndim, 2);
	CHECK_INT(h.shape[1], 4);
	CHECK_INT(h.data_bytes, 48);
	CHECK_INT(parse("{'shape': (5,), 'fortran_order': False, 'descr': '|u1'}", &h, &e), DH_OK);
	CHECK_INT(h.ndim, 1);
	CHECK_INT(h.shape[0], 5);
	CHECK_INT(parse("{'descr': '<i8', 'fortran_order': False, 'shape': ()}", &h, &e), DH_OK);
	CHECK_INT(h.ndim, 0);
	CHECK_INT(h.numel, 1);
	CHECK_INT(parse("{'descr': '>f8', 'fortran_order': False, 'shape': (2,)}", &h, &e), DH_OK);
	CHECK_INT(h.big_endian, 1);
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", &h, &e), DH_EUNSUPPORTED);
	CHECK_HAS(e.msg, "Fortran");
	CHECK_INT(parse("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", &h, &e), DH_EUNSUPPORTED);
	CHECK_HAS(e.msg, "'<c8' is not supported");
	CHECK_INT(parse("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", &h, &e), DH_EUNSUPPORTED);
	CHECK_INT(parse("{'descr': '<f4', 'shape': (3,), }", &h, &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "lacks 'fortran_order'");
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", &h, &e), DH_EFORMAT);
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", &h, &e), DH_EUNSUPPORTED);
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3 4), }", &h, &e), DH_EFORMAT);
	CHECK_INT(parse("['descr']", &h, &e), DH_EFORMAT);
	CHECK_INT(parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", &h, &e), DH_EFORMAT);
}

TEST(npy_header_layout)
{
	char buf[512];
	int64_t shape[] = {2, 3};
	size_t n = dh_npy_format_header(DH_F32, 2, shape, buf, sizeof buf);
	CHECK_INT(n % 64, 0);
	CHECK_INT(n, 128); /* NumPy >= 1.x pads v1 headers to 64 bytes */
	CHECK(memcmp(buf, "\x93NUMPY\x01\x00", 8) == 0);
	CHECK_INT(buf[n - 1], '\n');
	char dict[200];
	size_t len = (size_t)(unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8;
	memcpy(dict, buf + 10, 60);
	dict[60] = '\0';
	CHECK_HAS(dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
	CHECK_INT(len + 10, n);
	int64_t one[] = {7};
	n = dh_npy_format_header(DH_U8, 1, one, buf, sizeof buf);
	memcpy(dict, buf + 10, 60);
	CHECK_HAS(dict, "'shape': (7,), }");
	CHECK_INT(dh_npy_format_header(DH_U8, 1, one, buf, 10), 0);
}

/* A stream in memory, through fmemopen. */
static FILE *mem(char *buf, size_t n)
{
	return fmemopen(buf, n, "rb");
}

static size_t write_records(char *buf, size_t cap, int grouped, int groups,
			    int64_t rows)
{
	FILE *f = fmemopen(buf, cap, "wb");
	dh_err e;
	dh_stream_writer w;
	const char *names[] = {"input", "target", "id"};
	dh_stream_writer_open(&w, f, grouped ? 3 : 0, names, &e);
	for (int g = 0; g < groups; g++) {
		int64_t xs[] = {rows, 2, 3}, ys[] = {rows};
		dh_tensor *x = dh_tensor_new(DH_F32, 3, xs, &e);
		dh_tensor *y = dh_tensor_new(DH_I64, 1, ys, &e);
		dh_tensor *id = dh_tensor_new(DH_I64, 1, ys, &e);
		for (int64_t i = 0; i < rows * 6; i++)
			((float *)x->data)[i] = (float)(g * 1000 + i);
		for (int64_t i = 0; i < rows; i++) {
			((int64_t *)y->data)[i] = i % 3;
			((int64_t *)id->data)[i] = g * rows + i;
		}
		dh_tensor *fields[] = {x, y, id};
		CHECK_INT(dh_stream_write(&w, fields, &e), DH_OK);
		dh_tensor_free(x);
		dh_tensor_free(y);
		dh_tensor_free(id);
	}
	long n = ftell(f);
	fclose(f);
	return (size_t)n;
}

TEST(stream_grouped_roundtrip)
{
	static char buf[1 << 16];
	size_t n = write_records(buf, sizeof buf, 1, 3, 4);
	FILE *f = mem(buf, n);
	dh_stream_reader r;
	dh_err e;
	CHECK_INT(dh_stream_open(&r, f, "s.npy", &e), DH_OK);
	CHECK_INT(r.grouped, 1);
	CHECK_INT(r.nfields, 3);
	CHECK_INT(dh_stream_field(&r, "target"), 1);
	CHECK_INT(dh_stream_field(&r, "mask"), -1);
	int groups = 0;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	dh_status s;
	while ((s = dh_stream_next(&r, 0, out, &e)) == DH_OK) {
		CHECK_INT(out[0]->shape[0], 4);
		CHECK_INT(out[0]->shape[2], 3);
		CHECK_NEAR(((float *)out[0]->data)[5], groups * 1000 + 5, 0);
		CHECK_INT(((int64_t *)out[2]->data)[3], groups * 4 + 3);
		for (int i = 0; i < 3; i++)
			dh_tensor_free(out[i]);
		groups++;
	}
	CHECK_INT(s, DH_EEOF);
	CHECK_INT(groups, 3);
	CHECK_INT(r.samples, 12);
	dh_stream_close(&r);
	fclose(f);
}

TEST(stream_plain_in_chunks)
{
	static char buf[1 << 16];
	size_t n = write_records(buf, sizeof buf, 0, 2, 10);
	FILE *f = mem(buf, n);
	dh_stream_reader r;
	dh_err e;
	CHECK_INT(dh_stream_open(&r, f, "p.npy", &e), DH_OK);
	CHECK_INT(r.grouped, 0);
	int64_t sizes[8], k = 0;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	while (k < 8 && dh_stream_next(&r, 4, out, &e) == DH_OK) {
		sizes[k++] = out[0]->shape[0];
		dh_tensor_free(out[0]);
	}
	/* two records of 10 rows, read 4 at a time */
	CHECK_INT(k, 6);
	CHECK_INT(sizes[0], 4);
	CHECK_INT(sizes[2], 2);
	CHECK_INT(sizes[5], 2);
	CHECK_INT(r.samples, 20);
	dh_stream_close(&r);
	fclose(f);
}

TEST(stream_errors)
{
	static char buf[1 << 16];
	dh_err e;
	dh_stream_reader r;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	/* truncated inside the data of the last group */
	size_t n = write_records(buf, sizeof buf, 1, 2, 4);
	FILE *f = mem(buf, n - 5);
	CHECK_INT(dh_stream_open(&r, f, "t.npy", &e), DH_OK);
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_OK);
	for (int i = 0; i < 3; i++)
		dh_tensor_free(out[i]);
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "t.npy: byte ");
	CHECK_HAS(e.msg, "record 6: truncated: 27 of 32 data bytes");
	dh_stream_close(&r);
	fclose(f);
	/* truncated between the fields of a group */
	n = write_records(buf, sizeof buf, 1, 1, 4);
	size_t cut = n - 160; /* drops the id record (128 + 32 bytes) */
	f = mem(buf, cut);
	CHECK_INT(dh_stream_open(&r, f, "g.npy", &e), DH_OK);
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "ends inside a group (field 'id' missing)");
	dh_stream_close(&r);
	fclose(f);
	/* bad magic */
	memcpy(buf, "GIF89a__________", 16);
	f = mem(buf, 16);
	CHECK_INT(dh_stream_open(&r, f, "x.gif", &e), DH_EFORMAT);
	CHECK_HAS(e.msg, "x.gif: byte 0: record 0: not a .npy record (bad magic");
	fclose(f);
	/* empty */
	f = mem(buf, 0);
	if (f) {
		CHECK_INT(dh_stream_open(&r, f, "e.npy", &e), DH_EFORMAT);
		CHECK_HAS(e.msg, "empty stream");
		fclose(f);
	}
}

TEST(stream_shape_mismatch)
{
	static char buf[1 << 14];
	dh_err e;
	FILE *f = fmemopen(buf, sizeof buf, "wb");
	int64_t a[] = {2, 3}, b[] = {2, 4};
	dh_tensor *x = dh_tensor_new(DH_F32, 2, a, &e);
	dh_tensor *y = dh_tensor_new(DH_F32, 2, b, &e);
	dh_npy_write(f, x, &e);
	dh_npy_write(f, y, &e);
	long n = ftell(f);
	fclose(f);
	dh_tensor_free(x);
	dh_tensor_free(y);
	f = mem(buf, (size_t)n);
	dh_stream_reader r;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	CHECK_INT(dh_stream_open(&r, f, "m.npy", &e), DH_OK);
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_OK);
	dh_tensor_free(out[0]);
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_ESHAPE);
	CHECK_HAS(e.msg, "m.npy: byte 152: record 1: field 'input' has shape [2, 4] here but [N, 3] before");
	/* after an error the reader refuses to go on */
	CHECK_INT(dh_stream_next(&r, 0, out, &e), DH_EINVAL);
	dh_stream_close(&r);
	fclose(f);
}

TEST(stream_writer_checks)
{
	dh_err e;
	dh_stream_writer w;
	FILE *f = tmpfile();
	const char *bad[] = {"in\"put"};
	CHECK_INT(dh_stream_writer_open(&w, f, 1, bad, &e), DH_EINVAL);
	const char *names[] = {"input", "target"};
	CHECK_INT(dh_stream_writer_open(&w, f, 2, names, &e), DH_OK);
	int64_t a[] = {3, 2}, b[] = {4};
	dh_tensor *x = dh_tensor_new(DH_F32, 2, a, &e);
	dh_tensor *y = dh_tensor_new(DH_I64, 1, b, &e);
	dh_tensor *fields[] = {x, y};
	CHECK_INT(dh_stream_write(&w, fields, &e), DH_ESHAPE);
	CHECK_HAS(e.msg, "field 1 has 4 samples, field 0 has 3");
	dh_tensor_free(x);
	dh_tensor_free(y);
	fclose(f);
}

TEST(stream_uint8_vector_is_data)
{
	/* a 1-D uint8 first record that is not a manifest is an ordinary batch */
	static char buf[4096];
	dh_err e;
	FILE *f = fmemopen(buf, sizeof buf, "wb");
	int64_t n5[] = {5};
	dh_tensor *x = dh_tensor_new(DH_U8, 1, n5, &e);
	memcpy(x->data, "hello", 5);
	dh_npy_write(f, x, &e);
	dh_npy_write(f, x, &e);
	long n = ftell(f);
	fclose(f);
	dh_tensor_free(x);
	f = mem(buf, (size_t)n);
	dh_stream_reader r;
	dh_tensor *out[DH_STREAM_MAX_FIELDS];
	CHECK_INT(dh_stream_open(&r, f, "u.npy", &e), DH_OK);
	CHECK_INT(r.grouped, 0);
	int k = 0;
	while (dh_stream_next(&r, 0, out, &e) == DH_OK) {
		CHECK(memcmp(out[0]->data, "hello", 5) == 0);
		dh_tensor_free(out[0]);
		k++;
	}
	CHECK_INT(k, 2);
	CHECK_INT(r.samples, 10);
	dh_stream_close(&r);
	fclose(f);
}

TAP_MAIN(TAP_CASE(npy_dict_parsing), TAP_CASE(npy_header_layout),
	 TAP_CASE(stream_grouped_roundtrip), TAP_CASE(stream_plain_in_chunks),
	 TAP_CASE(stream_errors), TAP_CASE(stream_shape_mismatch),
	 TAP_CASE(stream_writer_checks), TAP_CASE(stream_uint8_vector_is_data))
