/* probe.h - a cheap structural check that a file is an ONNX model.
 *
 * It walks the top level of the protobuf wire format (ModelProto) without
 * decoding it: every tag must have a valid wire type, every length must stay
 * inside the file, and a graph (field 7) must be present.  Random bytes and
 * truncated files fail here with the byte offset of the fault. */
#ifndef DH_ONNX_PROBE_H
#define DH_ONNX_PROBE_H

#include "core/error.h"

#include <stdio.h>

dh_status dh_onnx_probe_file(const char *path, dh_err *e);
/* The same on an open, seekable stream; `name` is used in messages. */
dh_status dh_onnx_probe_stream(FILE *f, const char *name, dh_err *e);

#endif
