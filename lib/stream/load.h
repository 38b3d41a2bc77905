/* load.h - a whole tensor stream in memory: the samples of one or two
 * fields concatenated along the first axis (what training does with a
 * stream, since every epoch visits the samples in a new order). */
#ifndef DH_STREAM_LOAD_H
#define DH_STREAM_LOAD_H

#include "stream/tstream.h"

/* Read r to its end.  xfield (NULL: "input", or a plain stream's records)
 * goes to *x; yfield (NULL: none) to *y, which the stream must have. */
dh_status dh_stream_load(dh_stream_reader *r, const char *xfield,
			 const char *yfield, dh_tensor **x, dh_tensor **y,
			 dh_err *e);

#endif
