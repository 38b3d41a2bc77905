/* probe.c - protobuf wire-level check of an ONNX file (see probe.h). */
#include "onnx/probe.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

static int read_varint(FILE *f, uint64_t *v, long long *at)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		int c = fgetc(f);
		if (c == EOF)
			return -1;
		(*at)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -2;
}

dh_status dh_onnx_probe_file(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_status s = dh_onnx_probe_stream(f, path, e);
	fclose(f);
	return s;
}

dh_status dh_onnx_probe_stream(FILE *f, const char *path, dh_err *e)
{
	if (fseeko(f, 0, SEEK_END) != 0)
		return dh_err_errno(e, errno, "cannot read '%s'", path);
	long long size = (long long)ftello(f), at = 0;
	if (size < 0 || fseeko(f, 0, SEEK_SET) != 0)
		return dh_err_errno(e, errno, "cannot read '%s'", path);
	int have_graph = 0;
	dh_status s = DH_OK;
	while (at < size) {
		long long start = at;
		uint64_t key, len;
		if (read_varint(f, &key, &at)) {
			s = dh_err_set(e, DH_EFORMAT,
				       "%s: byte %lld: not an ONNX model "
				       "(truncated or bad protobuf tag)",
				       path, start);
			break;
		}
		unsigned wire = (unsigned)(key & 7);
		uint64_t field = key >> 3;
		if (field == 0 || wire == 3 || wire == 4 || wire > 5) {
			s = dh_err_set(e, DH_EFORMAT,
				       "%s: byte %lld: not an ONNX model "
				       "(invalid protobuf field %llu, wire type "
				       "%u)",
				       path, start, (unsigned long long)field,
				       wire);
			break;
		}
		if (field == 7)
			have_graph = 1;
		long long skip = wire == 1 ? 8 : wire == 5 ? 4 : 0;
		if (wire == 0) {
			if (read_varint(f, &len, &at)) {
				s = dh_err_set(e, DH_EFORMAT,
					       "%s: byte %lld: truncated varint",
					       path, at);
				break;
			}
		} else if (wire == 2) {
			if (read_varint(f, &len, &at) ||
			    len > (uint64_t)(size - at)) {
				s = dh_err_set(e, DH_EFORMAT,
					       "%s: byte %lld: not an ONNX model "
					       "(field %llu runs past the end of "
					       "the file)",
					       path, start,
					       (unsigned long long)field);
				break;
			}
			skip = (long long)len;
		}
		if (skip) {
			if (skip > size - at || fseeko(f, skip, SEEK_CUR) != 0) {
				s = dh_err_set(e, DH_EFORMAT,
					       "%s: byte %lld: truncated field "
					       "%llu",
					       path, start,
					       (unsigned long long)field);
				break;
			}
			at += skip;
		}
	}
	if (!s && !have_graph)
		s = dh_err_set(e, DH_EFORMAT,
			       "%s: not an ONNX model (no graph in it)", path);
	return s;
}
