/* dh-train - train a model on a dataset or a tensor stream. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tool.h"
#include "core/atomicfile.h"
#include "nn/fit.h"
#include "nn/train.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "onnx/model.h"
#include "stream/load.h"

typedef struct run_state {
	dh_ctx *c;
	dh_onnx_model *m;
	dh_graph *g;
	const char *out;
	FILE *log;
	int epochs;
	const char *optimizer, *loss;
	uint64_t seed;
	int64_t batch;
} run_state;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* A stream file (or "-") loaded whole, inputs as float32. */
static dh_status load(const char *path, dh_tensor **x, dh_tensor **y, dh_err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	dh_stream_reader r;
	dh_status s = dh_stream_open(&r, f, f == stdin ? "stdin" : path, e);
	if (!s)
		s = dh_stream_load(&r, "input", "target", x, y, e);
	dh_stream_close(&r);
	if (f != stdin)
		fclose(f);
	if (!s && (*x)->dtype != DH_F32) {
		dh_tensor *fx = dh_tensor_new(DH_F32, (*x)->ndim, (*x)->shape, e);
		if (!fx || dh_tensor_convert(fx, *x, e))
			s = e->status ? e->status : DH_ENOMEM;
		dh_tensor_free(*x);
		*x = fx;
	}
	return s;
}

static dh_status on_epoch(void *ctx, const dh_epoch_stats *st, dh_err *e)
{
	run_state *rs = ctx;
	dh_ctx *c = rs->c;
	char val[96] = "";
	if (st->has_val)
		snprintf(val, sizeof val, " val_loss %.4f val_accuracy %.4f",
			 st->val_loss, st->val_accuracy);
	dh_log_info(&c->log, "epoch %d/%d: loss %.4f accuracy %.4f%s, %.1f s (%.0f samples/s)",
		    st->epoch, rs->epochs, st->loss, st->accuracy, val,
		    st->seconds, st->samples_per_s);
	if (rs->log) {
		fprintf(rs->log,
			"{\"epoch\": %d, \"loss\": %.6g, \"accuracy\": %.6g", st->epoch,
			st->loss, st->accuracy);
		if (st->has_val)
			fprintf(rs->log, ", \"val_loss\": %.6g, \"val_accuracy\": %.6g",
				st->val_loss, st->val_accuracy);
		fprintf(rs->log, ", \"lr\": %.6g, \"seconds\": %.3f, \"samples_per_s\": %.1f}\n",
			st->lr, st->seconds, st->samples_per_s);
		fflush(rs->log);
	}
	/* a checkpoint after every epoch, through a temporary file and a
	 * rename: a kill loses at most the running epoch */
	char buf[64];
	dh_status s = dh_onnx_update_weights(rs->m, rs->g, e);
	snprintf(buf, sizeof buf, "%d", st->epoch);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.epochs", buf, e);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)rs->seed);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.seed", buf, e);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.optimizer", rs->optimizer, e);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.loss", rs->loss, e);
	snprintf(buf, sizeof buf, "%lld", (long long)rs->batch);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.batch", buf, e);
	snprintf(buf, sizeof buf, "%.6g", st->loss);
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.train_loss", buf, e);
	if (!s && st->has_val) {
		snprintf(buf, sizeof buf, "%.6g", st->val_accuracy);
		s = dh_onnx_set_meta(rs->m, "dh.val_accuracy", buf, e);
	}
	if (!s)
		s = dh_onnx_set_meta(rs->m, "dh.version", PACKAGE_VERSION, e);
	if (!s)
		s = dh_onnx_save(rs->m, rs->out, e);
	return s;
}

static int not_built(dh_ctx *c, const char *what)
{
	fprintf(stderr, "%s: %s is not built yet in this version (planned: the "
			"train/infer issue, #4)\n",
		c->tool->name, what);
	return DH_EXIT_USAGE;
}

static int run(dh_ctx *c)
{
	const char *data = c->nargs > 1 ? c->args[1] : "-";
	if (ends_with(data, ".yml") || ends_with(data, ".yaml"))
		return not_built(c, "training from a DDF dataset");
	if (dh_ctx_has(c, "augment"))
		return not_built(c, "--augment");
	if (dh_ctx_has(c, "resume"))
		return not_built(c, "--resume");
	const char *metrics = dh_ctx_str(c, "metrics", "accuracy");
	if (strcmp(metrics, "accuracy"))
		return not_built(c, "--metrics other than accuracy");
	run_state rs = {0};
	rs.c = c;
	rs.out = dh_ctx_str(c, "output", NULL);
	if (!rs.out)
		return dh_ctx_usage(c, "where to write the trained model? (-o OUT.onnx)");
	rs.epochs = (int)dh_ctx_int(c, "epochs", 1);
	rs.batch = dh_ctx_int(c, "batch", 64);
	rs.seed = (uint64_t)dh_ctx_int(c, "seed", 0);
	rs.optimizer = dh_ctx_str(c, "optimizer", "adam");
	rs.loss = dh_ctx_str(c, "loss", "cross-entropy");
	dh_optim_opts oo;
	dh_optim_kind ok;
	dh_loss_kind lk;
	dh_optim_kind_parse(rs.optimizer, &ok);
	dh_loss_kind_parse(rs.loss, &lk);
	dh_optim_opts_init(&oo, ok);
	oo.lr = (float)dh_ctx_float(c, "lr", oo.lr);
	oo.momentum = (float)dh_ctx_float(c, "momentum", oo.momentum);
	oo.weight_decay = (float)dh_ctx_float(c, "weight-decay", oo.weight_decay);
	oo.threads = c->threads;
	dh_device dev;
	if (dh_device_parse(dh_ctx_str(c, "device", "cpu"), c->threads, &dev, &c->err))
		return dh_ctx_usage(c, "%s", c->err.msg);
	const char *val = dh_ctx_str(c, "validation", NULL);
	const char *log = dh_ctx_str(c, "log", NULL);
	int rc = DH_EXIT_FAIL;
	dh_tensor *x = NULL, *y = NULL, *vx = NULL, *vy = NULL;
	dh_trainer *t = NULL;
	dh_atomic_file logf = {0};
	rs.m = dh_onnx_load(c->args[0], &c->err);
	if (!rs.m)
		goto out;
	rs.g = dh_onnx_import(rs.m, &dev, rs.seed, &c->err);
	if (!rs.g)
		goto out;
	const char *freeze = dh_ctx_str(c, "freeze", NULL);
	if (freeze) {
		char list[1024];
		snprintf(list, sizeof list, "%s", freeze);
		for (char *save = NULL, *p = strtok_r(list, ",", &save); p;
		     p = strtok_r(NULL, ",", &save))
			if (!dh_graph_freeze(rs.g, p, 1)) {
				rc = dh_ctx_usage(c, "--freeze: no parameters of '%s' in %s",
						  p, c->args[0]);
				goto out;
			}
		if (dh_graph_finalize(rs.g, &c->err))
			goto out;
	}
	if (load(data, &x, &y, &c->err))
		goto out;
	if (val && load(val, &vx, &vy, &c->err))
		goto out;
	t = dh_trainer_new(rs.g, &oo, lk, &c->err);
	if (!t || dh_graph_check_input(rs.g, 0, x, data, &c->err) ||
	    (vx && dh_graph_check_input(rs.g, 0, vx, val, &c->err)))
		goto out;
	if (log) {
		if (dh_atomic_open(&logf, log, &c->err))
			goto out;
		rs.log = logf.f;
	}
	dh_log_info(&c->log, "training %s on %lld samples%s: %s, %s, batch %lld, "
			     "%d thread%s, seed %llu",
		    c->args[0], (long long)x->shape[0], val ? " (with validation)" : "",
		    rs.optimizer, rs.loss, (long long)rs.batch, c->threads,
		    c->threads == 1 ? "" : "s", (unsigned long long)rs.seed);
	dh_fit_opts fo = {0};
	fo.epochs = rs.epochs;
	fo.batch = rs.batch;
	fo.seed = rs.seed;
	fo.shuffle = 1;
	fo.progress = c->log.level >= DH_LOG_INFO;
	fo.log = &c->log;
	fo.on_epoch = on_epoch;
	fo.ctx = &rs;
	if (dh_fit(t, x, y, vx, vy, &fo, &c->err))
		goto out;
	if (rs.log) {
		rs.log = NULL;
		if (dh_atomic_commit(&logf, &c->err))
			goto out;
	}
	rc = DH_EXIT_OK;
out:
	if (rs.log)
		dh_atomic_abort(&logf);
	if (rc == DH_EXIT_FAIL)
		dh_ctx_fail(c);
	dh_trainer_free(t);
	dh_tensor_free(x);
	dh_tensor_free(y);
	dh_tensor_free(vx);
	dh_tensor_free(vy);
	dh_graph_free(rs.g);
	dh_onnx_free(rs.m);
	return rc;
}

static const dh_opt opts[] = {
	{"output", 'o', DH_ARG_FILE, "OUT.onnx", "write the trained model here (after every epoch)", 0, 0, "onnx", 0},
	{"epochs", 'e', DH_ARG_INT, "N", "train for N epochs (default 1)", 1, 1e9, NULL, 0},
	{"batch", 'b', DH_ARG_INT, "N", "samples per batch (default 64)", 1, 1 << 20, NULL, 0},
	{"optimizer", 0, DH_ARG_CHOICE, "NAME", "optimizer (default adam)", 0, 0, "sgd|adam|adamw|rmsprop|adagrad|adadelta", 0},
	{"lr", 0, DH_ARG_FLOAT, "RATE", "learning rate (default: the optimizer's, as PyTorch)", 1e-12, 1e6, NULL, 0},
	{"momentum", 0, DH_ARG_FLOAT, "M", "SGD momentum", 0, 1, NULL, 0},
	{"weight-decay", 0, DH_ARG_FLOAT, "W", "weight decay", 0, 1e6, NULL, 0},
	{"loss", 0, DH_ARG_CHOICE, "NAME", "loss function (default cross-entropy)", 0, 0, "cross-entropy|bce|mse|mae|huber|nll|dice", 0},
	{"metrics", 0, DH_ARG_STRING, "LIST", "comma-separated metrics (accuracy)", 0, 0, NULL, 0},
	{"validation", 0, DH_ARG_FILE, "VAL.npy", "evaluate on this tensor stream after each epoch", 0, 0, "npy", 0},
	{"freeze", 0, DH_ARG_STRING, "LAYERS", "comma-separated layers (or parameters) not to train", 0, 0, NULL, 0},
	{"seed", 's', DH_ARG_INT, "S", "random seed (same seed and threads: same weights)", 0, 9.2e18, NULL, 0},
	{"device", 'd', DH_ARG_STRING, "DEV", "computing service: cpu, cpu:N, cuda:0, fpga:0", 0, 0, NULL, 0},
	{"augment", 'a', DH_ARG_FILE, "AUG.txt", "augment each split with this file", 0, 0, "txt|aug", 0},
	{"log", 0, DH_ARG_FILE, "FILE.jsonl", "write one JSON object per epoch", 0, 0, "jsonl", 0},
	{"resume", 0, DH_ARG_FILE, "CKPT.onnx", "continue from a checkpoint", 0, 0, "onnx", 0},
	{NULL, 0, 0, NULL, NULL, 0, 0, NULL, 0},
};

static const dh_cmd cmds[] = {
	{NULL, "MODEL.onnx [TRAIN.npy|DATASET.yml]", "Train MODEL on a tensor stream (a file, or stdin) or a DDF dataset, and write the trained model.",
	 opts, 1, 2, "onnx data", run, NULL},
	{NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL},
};

static const dh_toolspec spec = {
	"dh-train", "train a neural network", cmds, 0,
	"dh-train lenet.onnx train.npy --validation val.npy --epochs 5 -o trained.onnx",
};

int main(int argc, char **argv)
{
	return dh_tool_main(&spec, argc, argv);
}
