/* predict.h - running a graph over samples, batch by batch, with constant
 * memory: what dh-infer does.
 *
 * Samples come from a source (dh_infer_source): a tensor stream, a list of
 * image files, or a dataset split (through the dataset loader).  Each batch
 * feeds the graph's one input; the outputs then go to one consumer: a tensor
 * stream, CSV or JSON-lines rows, PNG masks, or an evaluation (confusion
 * matrix, precision/recall/F1; Dice and IoU for masks).  dh_latency times
 * single-sample forward passes. */
#ifndef DH_NN_PREDICT_H
#define DH_NN_PREDICT_H

#include <stdio.h>

#include "core/log.h"
#include "graph/graph.h"
#include "image/image.h"
#include "stream/tstream.h"

/* ---- sources ------------------------------------------------------------ */

/* One batch as a source delivers it.  Everything is borrowed from the
 * source and valid until its next call. */
typedef struct dh_infer_batch {
	dh_tensor *x;          /* the model input [N, ...]; any numeric dtype */
	dh_tensor *target;     /* NULL, or labels [N] / masks [N, 1, H, W] or
				* [N, H, W] */
	dh_tensor *id;         /* NULL, or int64 [N] sample indices */
	const char *const *names; /* NULL, or N sample paths */
	/* the stream's fields, for a stream source (else NULL) */
	dh_tensor *const *fields;
} dh_infer_batch;

typedef struct dh_infer_source dh_infer_source;
struct dh_infer_source {
	const char *name;      /* for messages: the file or "stdin" */
	/* 1 when targets come with the samples (a grouped stream's "target"
	 * or "mask" field, or a labelled dataset) */
	int has_target;
	/* for a stream source: the reader, so that stream outputs keep its
	 * shape (plain or grouped) */
	dh_stream_reader *stream;
	/* class names when the data has them (a dataset); borrowed */
	const char *const *classes;
	int nclasses;
	/* next batch, or DH_EEOF at the end */
	dh_status (*next)(dh_infer_source *s, dh_infer_batch *b, dh_err *e);
	/* samples skipped as undecodable so far */
	int64_t (*skipped)(const dh_infer_source *s);
	void (*close)(dh_infer_source *s);
	void *impl;
};

/* A source over r: the "input" field (or a plain stream's records) in
 * batches of at most `batch` plain rows (groups keep their size), with the
 * "target" (else "mask") and "id" fields when the stream has them.  r stays
 * the caller's. */
dh_status dh_infer_source_stream(dh_infer_source *s, dh_stream_reader *r,
				 int64_t batch, dh_err *e);

/* How an image becomes a model input: converted to `channels` (1: gray by
 * BT.601 weights; 3: gray replicated, alpha dropped), resized to width x
 * height with `interp` when its size differs, then each value v becomes
 * (v * scale + shift - mean[c]) / std[c] (mean 0 and std 1 when nmean is 0)
 * in a float32 [C, H, W] tensor.  scale 1/255 and shift 0 are what dh-dataset
 * stream and dh-train use by default. */
typedef struct dh_image_prep {
	int channels, width, height;
	int interp;            /* dh_interp (image/proc/proc.h) */
	float scale, shift;
	int nmean;             /* 0, or `channels` */
	float mean[4], std[4];
} dh_image_prep;

/* Prepared pixels of img into dst (channels * height * width floats). */
dh_status dh_image_prepare(const dh_image *img, const dh_image_prep *p,
			   float *dst, dh_err *e);

/* The input shape [C, H, W] that a graph's input 0 declares, for image
 * inputs; DH_ESHAPE naming the model when it is not an image input with
 * known C, H and W. */
dh_status dh_graph_image_shape(const dh_graph *g, const char *model,
			       int *c, int *h, int *w, dh_err *e);

/* A source over image files, decoded and prepared by p, in batches of at
 * most `batch`.  names[i] is paths[i]; ids are argument positions.  A file
 * that cannot be read or decoded stops the run (its message names it)
 * unless skip_bad is set: then it is logged as a warning on log (which may
 * be NULL), counted, and left out.  paths are borrowed. */
dh_status dh_infer_source_images(dh_infer_source *s, char *const *paths,
				 int npaths, const dh_image_prep *p,
				 int64_t batch, int skip_bad, dh_log *log,
				 dh_err *e);

/* A source over a dataset (dh_ddf_load) through the loader: the split's
 * samples (all of them when split is NULL) decoded, converted and resized
 * as p says (bilinear; mean and std applied after the loader's scale and
 * shift), with their classes or masks as targets when every sample has one
 * kind of label, the dataset's class names, and the sample paths as names.
 * skip_bad: undecodable samples are left out, each reported on log.  ddf is
 * borrowed and must outlive the source. */
struct dh_ddf;
dh_status dh_infer_source_ddf(dh_infer_source *s, const struct dh_ddf *ddf,
			      const char *split, const dh_image_prep *p,
			      int64_t batch, int skip_bad, dh_log *log,
			      dh_err *e);

/* ---- outputs ------------------------------------------------------------ */

typedef enum dh_predict_format {
	DH_PREDICT_STREAM = 0, /* tensor stream */
	DH_PREDICT_CSV,
	DH_PREDICT_JSONL,
	DH_PREDICT_PNG,        /* masks in a folder */
	DH_PREDICT_FORMAT_COUNT
} dh_predict_format;

/* "stream", "csv", "jsonl", "png" ("npy" is read as "stream"). */
int dh_predict_format_parse(const char *s, dh_predict_format *out);

typedef struct dh_predict_opts {
	dh_predict_format format;
	FILE *out;             /* stream, CSV, JSON lines */
	const char *dir;       /* PNG masks: the folder (created if absent) */
	int64_t batch;
	int softmax;           /* CSV/JSON lines: softmax over the classes */
	float threshold;       /* one-channel masks: foreground at sigmoid >=
				* threshold (0.5 when 0) */
	int native_size;       /* PNG: each mask resized (nearest) to the size
				* of the image file its sample came from */
	const char *const *classes; /* class names (may be NULL) */
	int nclasses;
} dh_predict_opts;

/* Run g over src and write its outputs as o says:
 *  - stream: for a plain stream source, one record per graph output for
 *    each batch; otherwise a grouped stream whose fields are the outputs'
 *    names followed by "id" and "target" when the source has them;
 *  - CSV / JSON lines: one row per sample from output 0 (scores [N, C]):
 *    id, path, the predicted class (index and name), the true class when
 *    known, and the C scores;
 *  - PNG: output 0 [N, C, H, W] as one 8-bit mask per sample, named after
 *    the sample's file (or its id): class indices as in a dataset's masks,
 *    the argmax over C, or for C = 1 the sigmoid's threshold (0 and 1). */
dh_status dh_predict(dh_graph *g, dh_infer_source *src,
		     const dh_predict_opts *o, int64_t *samples, dh_err *e);

/* ---- evaluation --------------------------------------------------------- */

typedef struct dh_eval {
	int segmentation;      /* masks: scores [N, C, H, W] vs [N, (1,) H, W] */
	int binary;            /* one-channel masks: C = 1, two classes */
	float threshold;       /* binary: foreground at sigmoid >= threshold */
	int64_t classes;       /* rows of cm */
	int64_t *cm;           /* cm[true * classes + predicted]; owned */
	int64_t samples;
} dh_eval;

/* Run g over src (which must have targets) and count into ev (zeroed by
 * the caller, threshold set; release with dh_eval_release).  Class scores
 * [N, C] against labels [N] give a confusion matrix over samples; masks
 * give one over pixels, from which Dice and IoU come. */
dh_status dh_evaluate(dh_graph *g, dh_infer_source *src, int64_t batch,
		      dh_eval *ev, dh_err *e);
void dh_eval_release(dh_eval *ev);

/* Dice and IoU of class k from the confusion matrix:
 * 2 TP / (2 TP + FP + FN) and TP / (TP + FP + FN); 1 when the class is
 * absent from both prediction and truth. */
void dh_eval_class_overlap(const dh_eval *ev, int64_t k, double *dice,
			   double *iou);

/* Print ev: accuracy, macro and per-class precision/recall/F1 (and Dice
 * and IoU for masks), the confusion matrix; or one JSON object.  names:
 * class names (NULL: indices). */
void dh_eval_print(const dh_eval *ev, FILE *out, int json,
		   const char *const *names, int nnames);

/* ---- latency ------------------------------------------------------------ */

typedef struct dh_latency_result {
	int runs, warmup;
	double p50, p90, p99, mean, min, max; /* milliseconds */
} dh_latency_result;

/* Time `runs` forward passes of one sample x [1, ...] after `warmup`
 * untimed ones (batch 1, inference mode); percentiles by nearest rank. */
dh_status dh_latency(dh_graph *g, const dh_tensor *x, int warmup, int runs,
		     dh_latency_result *r, dh_err *e);

#endif
