/* test_nn_fit.c - what dh-train builds on: the meter over batches, the
 * checkpoint file (round trip, and refusal of damaged files), monitors, and
 * the plot's tick choice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/checkpoint.h"
#include "nn/fit.h"
#include "nn/meter.h"
#include "plot/curves.h"
#include "tap.h"

TEST(meter_parses_and_refuses)
{
	dh_meter m;
	dh_err e;
	CHECK_INT(dh_meter_parse(&m, "accuracy,top3,f1,accuracy", &e), DH_OK);
	CHECK_INT(m.n, 3);
	CHECK_STR(m.name[1], "top3");
	CHECK_INT(m.k[1], 3);
	CHECK_INT(dh_meter_find(&m, "f1"), 2);
	CHECK_INT(dh_meter_parse(&m, "accuracy,nope", &e), DH_EINVAL);
	CHECK_HAS(e.msg, "unknown metric 'nope'");
	CHECK_INT(dh_meter_parse(&m, "top0", &e), DH_EINVAL);
	CHECK_INT(dh_meter_parse(&m, "acc,,f1", &e), DH_EINVAL);
}

/* Two batches of class scores: the meter's figures over both equal the
 * counts worked out by hand. */
TEST(meter_accumulates_over_batches)
{
	dh_meter m;
	CHECK_INT(dh_meter_parse(&m, "accuracy,top2,precision,recall,f1,dice", NULL), DH_OK);
	dh_meter_reset(&m);
	/* 4 samples, 3 classes; predictions 0, 1, 2, 1; labels 0, 2, 2, 1 */
	float z[12] = {5, 1, 0, 0, 3, 2, 0, 1, 4, 1, 6, 0};
	int64_t y[4] = {0, 2, 2, 1};
	int64_t zs[2] = {2, 3}, ys[1] = {2};
	for (int b = 0; b < 2; b++) {
		dh_tensor *zt = dh_tensor_wrap(DH_F32, 2, zs, z + 6 * b, NULL);
		dh_tensor *yt = dh_tensor_wrap(DH_I64, 1, ys, y + 2 * b, NULL);
		CHECK_INT(dh_meter_update(&m, zt, yt, NULL), DH_OK);
		dh_tensor_free(zt);
		dh_tensor_free(yt);
	}
	CHECK_NEAR(dh_meter_value(&m, 0), 0.75, 1e-12);
	CHECK_NEAR(dh_meter_value(&m, 1), 1.0, 1e-12);
	/* precision: 1, 1/2, 1 -> 5/6; recall: 1, 1, 1/2 -> 5/6 */
	CHECK_NEAR(dh_meter_value(&m, 2), 5.0 / 6, 1e-12);
	CHECK_NEAR(dh_meter_value(&m, 3), 5.0 / 6, 1e-12);
	/* F1: 1, 2/3, 2/3 -> 7/9 */
	CHECK_NEAR(dh_meter_value(&m, 4), 7.0 / 9, 1e-12);
	/* Dice over classes 1 and 2: I = 1 + 1, |P| + |T| = (2 + 1) + (1 + 2) */
	CHECK_NEAR(dh_meter_value(&m, 5), 4.0 / 6, 1e-12);
	dh_meter_reset(&m);
	CHECK_NEAR(dh_meter_value(&m, 0), 0, 1e-12);
	dh_meter_release(&m);
}

TEST(meter_on_float_targets)
{
	dh_meter m;
	CHECK_INT(dh_meter_parse(&m, "accuracy,mse,mae,iou", NULL), DH_OK);
	dh_meter_reset(&m);
	float z[4] = {2, -1, 0.5f, -3};
	float t[4] = {1, 0, 0, 1};
	int64_t s[2] = {4, 1};
	dh_tensor *zt = dh_tensor_wrap(DH_F32, 2, s, z, NULL);
	dh_tensor *tt = dh_tensor_wrap(DH_F32, 2, s, t, NULL);
	CHECK_INT(dh_meter_update(&m, zt, tt, NULL), DH_OK);
	CHECK_NEAR(dh_meter_value(&m, 0), 0.5, 1e-12);
	CHECK_NEAR(dh_meter_value(&m, 1), (1 + 1 + 0.25 + 16) / 4.0, 1e-12);
	CHECK_NEAR(dh_meter_value(&m, 2), (1 + 1 + 0.5 + 4) / 4.0, 1e-12);
	/* predicted 1 at 0 and 2, true at 0 and 3: I 1, union 3 */
	CHECK_NEAR(dh_meter_value(&m, 3), 1.0 / 3, 1e-12);
	dh_tensor_free(zt);
	dh_tensor_free(tt);
	dh_meter_release(&m);
}

TEST(checkpoint_round_trip_and_damage)
{
	dh_err e;
	char path[] = "/tmp/dh-test-ckpt-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	dh_ckpt *c = dh_ckpt_new(&e);
	float w[5] = {1, 2, 3, 4.5f, -0.0f};
	CHECK_INT(dh_ckpt_put_text(c, "train.options", "lr=0.1 batch=8", &e), DH_OK);
	CHECK_INT(dh_ckpt_put(c, "value:w", w, sizeof w, 0, &e), DH_OK);
	CHECK_INT(dh_ckpt_put(c, "empty", NULL, 0, 1, &e), DH_OK);
	CHECK_INT(dh_ckpt_write(c, path, &e), DH_OK);
	dh_ckpt_free(c);
	dh_ckpt *r = dh_ckpt_read(path, &e);
	CHECK(r != NULL);
	if (r) {
		size_t n;
		const float *p = dh_ckpt_get(r, "value:w", &n);
		CHECK_INT(n, sizeof w);
		CHECK(p && !memcmp(p, w, sizeof w));
		CHECK_STR(dh_ckpt_text(r, "train.options"), "lr=0.1 batch=8");
		CHECK(dh_ckpt_get(r, "empty", &n) != NULL);
		CHECK_INT(n, 0);
		CHECK(dh_ckpt_get(r, "missing", NULL) == NULL);
		dh_ckpt_free(r);
	}
	/* damaged: truncated, bad magic, trailing bytes */
	FILE *f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fputc(0, f);
	fclose(f);
	CHECK(dh_ckpt_read(path, &e) == NULL);
	CHECK_HAS(e.msg, "bytes after the last record");
	CHECK_INT(truncate(path, len - 3), 0);
	CHECK(dh_ckpt_read(path, &e) == NULL);
	CHECK_HAS(e.msg, "runs past the end");
	f = fopen(path, "r+b");
	fputc('X', f);
	fclose(f);
	CHECK(dh_ckpt_read(path, &e) == NULL);
	CHECK_HAS(e.msg, "not a dh training checkpoint");
	close(fd);
	unlink(path);
}

TEST(monitors)
{
	dh_meter m;
	dh_monitor mon;
	dh_err e;
	CHECK_INT(dh_meter_parse(&m, "accuracy,mae", NULL), DH_OK);
	CHECK_INT(dh_monitor_parse(&mon, "val_loss", &m, &e), DH_OK);
	CHECK(mon.val && mon.index == -1 && !mon.maximize);
	CHECK_INT(dh_monitor_parse(&mon, "accuracy", &m, &e), DH_OK);
	CHECK(!mon.val && mon.index == 0 && mon.maximize);
	CHECK_INT(dh_monitor_parse(&mon, "val_mae", &m, &e), DH_OK);
	CHECK(mon.val && mon.index == 1 && !mon.maximize);
	dh_epoch_stats s;
	memset(&s, 0, sizeof s);
	s.val_metric[1] = 0.25;
	CHECK_NEAR(dh_monitor_value(&mon, &s), 0.25, 0);
	CHECK_INT(dh_monitor_parse(&mon, "val_f1", &m, &e), DH_EINVAL);
}

TEST(plot_ticks_are_round)
{
	double t[16];
	int n = dh_plot_ticks(0.23, 0.91, 6, t);
	CHECK(n >= 3 && n <= 8);
	CHECK_NEAR(t[0], 0.4, 1e-12);
	CHECK_NEAR(t[1] - t[0], 0.2, 1e-12);
	n = dh_plot_ticks(1, 5, 8, t);
	CHECK_INT(n, 5);
	CHECK_NEAR(t[4], 5, 1e-12);
	n = dh_plot_ticks(2, 2, 6, t);
	CHECK_INT(n, 1);
}

TAP_MAIN(TAP_CASE(meter_parses_and_refuses), TAP_CASE(meter_accumulates_over_batches),
	 TAP_CASE(meter_on_float_targets), TAP_CASE(checkpoint_round_trip_and_damage),
	 TAP_CASE(monitors), TAP_CASE(plot_ticks_are_round))
