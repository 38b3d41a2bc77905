/* dh-infer - run a model on images, a dataset split or a tensor stream. */
#include "config.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/inputs.h"
#include "cli/tool.h"
#include "core/atomicfile.h"
#include "dataset/ddf.h"
#include "image/proc/proc.h"
#include "nn/predict.h"
#include "onnx/import.h"
#include "onnx/model.h"
#include "onnx/optimize.h"
#include "plot/confusion.h"

typedef struct run_state {
	dh_ctx *c;
	dh_graph *g;
	char **classes;        /* from the model's dh.classes, owned */
	int nclasses;
	const char *const *names; /* the names in use (dataset's or model's) */
	int nnames;
	FILE *in;
	dh_stream_reader r;
	int reader_open;
	dh_ddf *ddf;
	dh_infer_source src;
	int src_open;
	dh_atomic_file af;
	int af_open;
} run_state;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* A DDF file, or a folder of packed shards (dh-dataset pack). */
static int is_ddf(const char *s)
{
	return ends_with(s, ".yml") || ends_with(s, ".yaml") || dh_ddf_is_packed(s);
}

static int is_stream(const char *s)
{
	return !strcmp(s, "-") || ends_with(s, ".npy");
}

/* Class names from the model's "dh.classes" metadata: a JSON array of
 * strings, or names separated by commas. */
static dh_status model_classes(run_state *rs, const dh_onnx_model *m, dh_err *e)
{
	const char *v = dh_onnx_meta(m, "dh.classes");
	if (!v || !*v)
		return DH_OK;
	cJSON *j = v[0] == '[' ? cJSON_Parse(v) : NULL;
	int n = 0;
	if (j) {
		n = cJSON_GetArraySize(j);
	} else {
		n = 1;
		for (const char *p = v; *p; p++)
			n += *p == ',';
	}
	rs->classes = calloc((size_t)n + 1, sizeof *rs->classes);
	if (!rs->classes) {
		cJSON_Delete(j);
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	}
	if (j) {
		int k = 0;
		cJSON *it;
		cJSON_ArrayForEach(it, j)
		{
			const char *s = cJSON_IsString(it) ? it->valuestring : "?";
			rs->classes[k++] = strdup(s);
		}
		cJSON_Delete(j);
	} else {
		const char *p = v;
		for (int k = 0; k < n; k++) {
			size_t len = strcspn(p, ",");
			rs->classes[k] = strndup(p, len);
			p += len + (p[len] == ',');
		}
	}
	rs->nclasses = n;
	for (int k = 0; k < n; k++)
		if (!rs->classes[k])
			return dh_err_set(e, DH_ENOMEM, "out of memory");
	return DH_OK;
}

/* Parse "a,b,c" into up to 4 floats. */
static int parse_list(const char *s, float *out, int max)
{
	int n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		double d;
		if (n >= max || dh_parse_double(p, &d))
			return -1;
		out[n++] = (float)d;
	}
	return n;
}

/* The image preparation the options ask for, fitted to the model. */
static int image_prep(run_state *rs, dh_image_prep *p)
{
	dh_ctx *c = rs->c;
	memset(p, 0, sizeof *p);
	if (dh_graph_image_shape(rs->g, c->args[0], &p->channels, &p->height,
				 &p->width, &c->err))
		return dh_ctx_fail(c);
	dh_interp in;
	dh_interp_parse(dh_ctx_str(c, "interpolation", "linear"), &in);
	p->interp = (int)in;
	p->scale = (float)dh_ctx_float(c, "scale", 1.0 / 255.0);
	p->shift = (float)dh_ctx_float(c, "shift", 0.0);
	const char *mean = dh_ctx_str(c, "mean", NULL), *std = dh_ctx_str(c, "std", NULL);
	if (mean || std) {
		float m[4] = {0, 0, 0, 0}, s[4] = {1, 1, 1, 1};
		int nm = mean ? parse_list(mean, m, 4) : p->channels;
		int ns = std ? parse_list(std, s, 4) : p->channels;
		if (nm == 1)
			for (int k = 1; k < 4; k++)
				m[k] = m[0];
		if (ns == 1)
			for (int k = 1; k < 4; k++)
				s[k] = s[0];
		if (nm < 0 || ns < 0 || (nm != 1 && nm != p->channels) ||
		    (ns != 1 && ns != p->channels))
			return dh_ctx_usage(c,
					    "--mean and --std take 1 or %d numbers "
					    "separated by commas (the model takes "
					    "%d channel%s)",
					    p->channels, p->channels,
					    p->channels == 1 ? "" : "s");
		for (int k = 0; k < p->channels; k++)
			if (!(s[k] != 0))
				return dh_ctx_usage(c, "--std: 0 is not a "
						       "standard deviation");
		p->nmean = p->channels;
		memcpy(p->mean, m, sizeof m);
		memcpy(p->std, s, sizeof s);
	}
	return 0;
}

/* Open the source the arguments name; returns 0 or an exit status. */
static int open_source(run_state *rs)
{
	dh_ctx *c = rs->c;
	int64_t batch = dh_ctx_int(c, "batch", 64);
	int ninputs = c->nargs - 1;
	char **inputs = c->args + 1;
	const char *split = dh_ctx_str(c, "split", NULL);
	int nddf = 0, nstream = 0;
	for (int i = 0; i < ninputs; i++) {
		nddf += is_ddf(inputs[i]);
		nstream += is_stream(inputs[i]);
	}
	if (split && !(ninputs == 1 && nddf == 1))
		return dh_ctx_usage(c, "--split NAME reads one dataset: "
				       "--split NAME DATASET.yml");
	if (nddf) {
		if (ninputs > 1)
			return dh_ctx_usage(c, "a dataset comes alone: give one "
					       "DATASET.yml");
		if (dh_ctx_has(c, "interpolation"))
			return dh_ctx_usage(c, "--interpolation is for image files; "
					       "the dataset loader resizes bilinearly");
		dh_image_prep p;
		int rc = image_prep(rs, &p);
		if (rc)
			return rc;
		if (!(rs->ddf = dh_ddf_load(inputs[0], &c->err)) ||
		    dh_infer_source_ddf(&rs->src, rs->ddf, split, &p, batch,
					dh_ctx_has(c, "skip-bad"), &c->log, &c->err))
			return dh_ctx_fail(c);
		rs->src_open = 1;
		return 0;
	}
	if (ninputs == 0 || nstream) {
		if (ninputs > 1)
			return dh_ctx_usage(c, "one tensor stream at a time (or "
					       "image files)");
		const char *input = ninputs ? inputs[0] : "-";
		if (strcmp(input, "-") && dh_check_input(input, "npy", &c->err))
			return dh_ctx_fail(c);
		rs->in = strcmp(input, "-") ? fopen(input, "rb") : stdin;
		if (!rs->in) {
			dh_err_errno(&c->err, errno, "cannot open '%s'", input);
			return dh_ctx_fail(c);
		}
		if (dh_stream_open(&rs->r, rs->in, rs->in == stdin ? "stdin" : input,
				   &c->err))
			return dh_ctx_fail(c);
		rs->reader_open = 1;
		if (dh_infer_source_stream(&rs->src, &rs->r, batch, &c->err))
			return dh_ctx_fail(c);
		rs->src_open = 1;
		return 0;
	}
	dh_image_prep p;
	int rc = image_prep(rs, &p);
	if (rc)
		return rc;
	if (dh_infer_source_images(&rs->src, inputs, ninputs, &p, batch,
				   dh_ctx_has(c, "skip-bad"), &c->log, &c->err))
		return dh_ctx_fail(c);
	rs->src_open = 1;
	return 0;
}

/* A zero sample [1, ...] of the model's declared input shape. */
static dh_tensor *zero_sample(run_state *rs)
{
	dh_ctx *c = rs->c;
	const dh_value *in = &rs->g->v[rs->g->inputs[0]];
	int64_t shape[DH_MAX_DIMS];
	shape[0] = 1;
	for (int i = 1; i < in->decl.ndim; i++) {
		if (in->decl.d[i] < 1) {
			dh_err_set(&c->err, DH_EINVAL,
				   "%s: the input '%s' has a free dimension %d; "
				   "give a sample to time (an image or a stream)",
				   c->args[0], in->name, i);
			return NULL;
		}
		shape[i] = in->decl.d[i];
	}
	return dh_tensor_new(in->dtype, in->decl.ndim ? in->decl.ndim : 1, shape,
			     &c->err);
}

static int latency(run_state *rs)
{
	dh_ctx *c = rs->c;
	/* --latency alone leaves the count 0 (its range starts at 1) */
	int runs = (int)dh_ctx_int(c, "latency", 0);
	if (runs < 1)
		runs = 100;
	int warmup = (int)dh_ctx_int(c, "warmup", 10);
	dh_tensor *x = NULL;
	/* "--latency 50" reads 50 as an input: say how to write it */
	if (c->nargs == 2 && strspn(c->args[1], "0123456789") == strlen(c->args[1]) &&
	    access(c->args[1], F_OK))
		return dh_ctx_usage(c, "the run count goes after an equals sign: "
				       "--latency=%s",
				    c->args[1]);
	if (c->nargs > 1) {
		int rc = open_source(rs);
		if (rc)
			return rc;
		dh_infer_batch b;
		dh_status s = rs->src.next(&rs->src, &b, &c->err);
		if (s == DH_EEOF) {
			dh_err_set(&c->err, DH_EFORMAT, "%s: no sample to time",
				   rs->src.name);
			return dh_ctx_fail(c);
		}
		if (s)
			return dh_ctx_fail(c);
		dh_tensor *one = dh_tensor_slice0(b.x, 0, 1, &c->err);
		x = one ? dh_tensor_clone(one, &c->err) : NULL;
		dh_tensor_free(one);
	} else {
		if (rs->g->ninputs != 1) {
			dh_err_set(&c->err, DH_EUNSUPPORTED,
				   "%s: the model has %d inputs; dh-infer feeds "
				   "models with one",
				   c->args[0], rs->g->ninputs);
			return dh_ctx_fail(c);
		}
		x = zero_sample(rs);
	}
	if (!x)
		return dh_ctx_fail(c);
	dh_latency_result r;
	dh_status s = dh_latency(rs->g, x, warmup, runs, &r, &c->err);
	dh_tensor_free(x);
	if (s)
		return dh_ctx_fail(c);
	FILE *f = rs->af.f;
	if (dh_ctx_has(c, "json"))
		fprintf(f, "{\"batch\": 1, \"runs\": %d, \"warmup\": %d, "
			   "\"threads\": %d, \"p50_ms\": %.4f, \"p90_ms\": %.4f, "
			   "\"p99_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, "
			   "\"max_ms\": %.4f}\n",
			r.runs, r.warmup, c->threads, r.p50, r.p90, r.p99, r.mean,
			r.min, r.max);
	else
		fprintf(f, "latency of %s, batch 1, %d runs after %d warm-up, "
			   "%d thread%s\np50 %.4f ms\np90 %.4f ms\np99 %.4f ms\n"
			   "mean %.4f ms, min %.4f ms, max %.4f ms\n",
			c->args[0], r.runs, r.warmup, c->threads,
			c->threads == 1 ? "" : "s", r.p50, r.p90, r.p99, r.mean,
			r.min, r.max);
	return 0;
}

static int evaluate(run_state *rs)
{
	dh_ctx *c = rs->c;
	int rc = open_source(rs);
	if (rc)
		return rc;
	dh_eval ev;
	memset(&ev, 0, sizeof ev);
	ev.threshold = (float)dh_ctx_float(c, "mask-threshold", 0.5);
	if (dh_evaluate(rs->g, &rs->src, dh_ctx_int(c, "batch", 64), &ev, &c->err)) {
		dh_eval_release(&ev);
		return dh_ctx_fail(c);
	}
	const char *const *names = rs->src.classes ? rs->src.classes : rs->names;
	int nnames = rs->src.classes ? rs->src.nclasses : rs->nnames;
	if (names && nnames < ev.classes)
		names = NULL; /* too few names: indices */
	if (ev.binary)
		names = NULL;
	dh_eval_print(&ev, rs->af.f, dh_ctx_has(c, "json"), names, nnames);
	const char *plot = dh_ctx_str(c, "plot", NULL);
	dh_status s = DH_OK;
	if (plot) {
		static const char *const bin[] = {"background", "foreground"};
		char title[256];
		snprintf(title, sizeof title, "%s on %s", c->args[0],
			 rs->src.name);
		s = dh_plot_confusion_svg(plot, ev.cm, ev.classes,
					  ev.binary ? bin : names, title,
					  ev.segmentation ? "pixels" : "samples",
					  &c->err);
	}
	dh_log_info(&c->log, "%lld samples", (long long)ev.samples);
	dh_eval_release(&ev);
	return s ? dh_ctx_fail(c) : 0;
}

static int predict(run_state *rs, dh_predict_format fmt)
{
	dh_ctx *c = rs->c;
	int rc = open_source(rs);
	if (rc)
		return rc;
	dh_predict_opts o;
	memset(&o, 0, sizeof o);
	o.format = fmt;
	o.out = rs->af_open ? rs->af.f : NULL;
	o.dir = dh_ctx_str(c, "output", NULL);
	o.batch = dh_ctx_int(c, "batch", 64);
	o.softmax = dh_ctx_has(c, "softmax");
	o.threshold = (float)dh_ctx_float(c, "mask-threshold", 0.5);
	o.native_size = dh_ctx_has(c, "native-size");
	o.classes = rs->src.classes ? rs->src.classes : rs->names;
	o.nclasses = rs->src.classes ? rs->src.nclasses : rs->nnames;
	int64_t n = 0;
	if (dh_predict(rs->g, &rs->src, &o, &n, &c->err))
		return dh_ctx_fail(c);
	dh_log_info(&c->log, "%lld samples", (long long)n);
	return 0;
}

static int run(dh_ctx *c)
{
	run_state rs;
	memset(&rs, 0, sizeof rs);
	rs.c = c;
	dh_predict_format fmt = DH_PREDICT_STREAM;
	if (dh_ctx_has(c, "format") &&
	    dh_predict_format_parse(dh_ctx_str(c, "format", "stream"), &fmt))
		return dh_ctx_usage(c, "--format: unknown format '%s'",
				    dh_ctx_str(c, "format", ""));
	int eval = dh_ctx_has(c, "evaluate"), lat = dh_ctx_has(c, "latency");
	if (eval && lat)
		return dh_ctx_usage(c, "--evaluate and --latency are separate runs");
	if ((eval || lat) && dh_ctx_has(c, "format"))
		return dh_ctx_usage(c, "--%s prints a report; it takes no --format",
				    eval ? "evaluate" : "latency");
	if (dh_ctx_has(c, "json") && !eval && !lat)
		return dh_ctx_usage(c, "--json goes with --evaluate or --latency");
	if (dh_ctx_has(c, "plot") && !eval)
		return dh_ctx_usage(c, "--plot goes with --evaluate");
	if (dh_ctx_has(c, "warmup") && !lat)
		return dh_ctx_usage(c, "--warmup goes with --latency");
	if (dh_ctx_has(c, "softmax") && fmt != DH_PREDICT_CSV && fmt != DH_PREDICT_JSONL)
		return dh_ctx_usage(c, "--softmax goes with --format csv or jsonl");
	if (dh_ctx_has(c, "native-size") && fmt != DH_PREDICT_PNG)
		return dh_ctx_usage(c, "--native-size goes with --format png");
	if (fmt == DH_PREDICT_PNG && !dh_ctx_has(c, "output"))
		return dh_ctx_usage(c, "--format png writes masks into a folder: "
				       "-o DIR");
	dh_device dev;
	if (dh_device_parse(dh_ctx_str(c, "device", "cpu"), c->threads, &dev, &c->err))
		return dh_ctx_usage(c, "%s", c->err.msg);
	dh_onnx_model *m = dh_onnx_load(c->args[0], &c->err);
	if (!m)
		return dh_ctx_fail(c);
	int rc = 0;
	if (model_classes(&rs, m, &c->err)) {
		dh_onnx_free(m);
		rc = dh_ctx_fail(c);
		goto out;
	}
	rs.names = (const char *const *)rs.classes;
	rs.nnames = rs.nclasses;
	/* Inference only: BatchNormalization folds into the Conv or Gemm
	 * before it (one pass fewer over every activation). */
	if (dh_onnx_fold_batchnorm(m, NULL, &c->err)) {
		dh_onnx_free(m);
		rc = dh_ctx_fail(c);
		goto out;
	}
	rs.g = dh_onnx_import(m, &dev, 0, &c->err);
	dh_onnx_free(m);
	if (!rs.g) {
		rc = dh_ctx_fail(c);
		goto out;
	}
	if (fmt != DH_PREDICT_PNG) {
		if (dh_atomic_open(&rs.af, dh_ctx_str(c, "output", "-"), &c->err)) {
			rc = dh_ctx_fail(c);
			goto out;
		}
		rs.af_open = 1;
	}
	rc = lat ? latency(&rs) : eval ? evaluate(&rs) : predict(&rs, fmt);
	if (!rc && rs.src_open && rs.src.skipped(&rs.src) > 0)
		dh_log_warn(&c->log, "skipped %lld input%s that could not be read",
			    (long long)rs.src.skipped(&rs.src),
			    rs.src.skipped(&rs.src) == 1 ? "" : "s");
out:
	if (rs.af_open) {
		if (rc)
			dh_atomic_abort(&rs.af);
		else if (dh_atomic_commit(&rs.af, &c->err))
			rc = dh_ctx_fail(c);
	}
	if (rs.src_open)
		rs.src.close(&rs.src);
	if (rs.reader_open)
		dh_stream_close(&rs.r);
	if (rs.in && rs.in != stdin)
		fclose(rs.in);
	dh_ddf_free(rs.ddf);
	dh_graph_free(rs.g);
	for (int k = 0; k < rs.nclasses; k++)
		free(rs.classes[k]);
	free(rs.classes);
	return rc;
}

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT", "write results here (default: stdout); a folder for --format png", 0, 0, NULL, 0},
	{"split", 0, DH_ARG_STRING, "NAME", "read this split of a DDF dataset", 0, 0, NULL, 0},
	{"format", 'f', DH_ARG_CHOICE, "FMT", "output format (default stream)", 0, 0, "stream|csv|jsonl|png|npy", 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch (default 64)", 1, 1 << 20, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"evaluate", 0, DH_ARG_NONE, NULL, "compare with the targets: accuracy, per-class precision/recall/F1, confusion matrix; Dice and IoU for masks", 0, 0, NULL, 0},
	{"json", 0, DH_ARG_NONE, NULL, "with --evaluate or --latency: print one JSON object", 0, 0, NULL, 0},
	{"plot", 0, DH_ARG_FILE, "FILE.svg", "with --evaluate: draw the confusion matrix as SVG", 0, 0, "svg", 0},
	{"latency", 0, DH_ARG_INT, "N", "time N single-sample runs (default 100): p50/p90/p99 in ms", 1, 1e7, NULL, DH_OPT_OPTVAL},
	{"warmup", 0, DH_ARG_INT, "N", "with --latency: untimed runs first (default 10)", 0, 1e7, NULL, 0},
	{"skip-bad", 0, DH_ARG_NONE, NULL, "skip images that cannot be read, naming them", 0, 0, NULL, 0},
	{"scale", 0, DH_ARG_FLOAT, "S", "images: pixel v becomes v*S+B (default 1/255)", -1e30, 1e30, NULL, 0},
	{"shift", 0, DH_ARG_FLOAT, "B", "images: the B of v*S+B (default 0)", -1e30, 1e30, NULL, 0},
	{"mean", 0, DH_ARG_STRING, "M[,M...]", "images: then subtract a mean per channel", 0, 0, NULL, 0},
	{"std", 0, DH_ARG_STRING, "S[,S...]", "images: then divide by a standard deviation per channel", 0, 0, NULL, 0},
	{"interpolation", 0, DH_ARG_CHOICE, "HOW", "images: resizing to the model's size (default linear)", 0, 0, "nearest|linear|cubic|area", 0},
	{"native-size", 0, DH_ARG_NONE, NULL, "PNG masks: at each image's own size (nearest), not the model's", 0, 0, NULL, 0},
	{"softmax", 0, DH_ARG_NONE, NULL, "CSV/JSON lines: softmax probabilities instead of raw scores", 0, 0, NULL, 0},
	{"mask-threshold", 0, DH_ARG_FLOAT, "T", "one-channel masks: foreground where sigmoid >= T (default 0.5)", 0, 1, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [INPUT...]", "Run MODEL on images, a dataset split or a tensor stream (stdin) and write scores, labels, masks or a stream.",
	 opts, 1, -1, "onnx out", run, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-infer", "run a trained model", cmds, 0,
	"dh-infer model.onnx --format csv photo1.png photo2.png",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
