/* test_nn_metrics.c - confusion matrix, precision/recall/F1, top-k, Dice
 * and IoU against NumPy (tests/ref/gen_nn.py). */
#include "gradcheck.h"
#include "nn/metrics.h"
#include "ref_nn.h"

TEST(confusion_and_class_metrics_match_numpy)
{
	dh_tensor *z = T(met_scores);
	int64_t n = 30, cm[16] = {0};
	dh_tensor *y = dh_tensor_wrap(DH_I64, 1, &n, (void *)met_labels, NULL);
	/* two batches of 15 add up to the whole set */
	dh_tensor *z1 = dh_tensor_slice0(z, 0, 15, NULL),
		  *z2 = dh_tensor_slice0(z, 15, 15, NULL);
	dh_tensor *y1 = dh_tensor_slice0(y, 0, 15, NULL),
		  *y2 = dh_tensor_slice0(y, 15, 15, NULL);
	CHECK_INT(dh_confusion_update(cm, 4, z1, y1, NULL), DH_OK);
	CHECK_INT(dh_confusion_update(cm, 4, z2, y2, NULL), DH_OK);
	for (int i = 0; i < 16; i++)
		CHECK_INT(cm[i], met_cm[i]);
	dh_class_metrics pc[4], macro;
	double acc = dh_confusion_summary(cm, 4, pc, &macro);
	CHECK_NEAR(acc, met_acc, 1e-12);
	for (int k = 0; k < 4; k++) {
		CHECK_NEAR(pc[k].precision, met_prec[k], 1e-6);
		CHECK_NEAR(pc[k].recall, met_rec[k], 1e-6);
		CHECK_NEAR(pc[k].f1, met_f1[k], 1e-6);
	}
	CHECK_NEAR(macro.f1, met_macro_f1, 1e-6);
	CHECK_INT(macro.support, 30);
	int64_t top;
	CHECK_INT(dh_topk_correct(z, y, 2, &top, NULL), DH_OK);
	CHECK_INT(top, met_top2);
	CHECK_INT(dh_topk_correct(z, y, 4, &top, NULL), DH_OK);
	CHECK_INT(top, 30);
	dh_err e;
	CHECK_INT(dh_confusion_update(cm, 3, z, y, &e), DH_ESHAPE);
	int64_t bad[30];
	memcpy(bad, met_labels, sizeof bad);
	bad[7] = 4;
	dh_tensor *yb = dh_tensor_wrap(DH_I64, 1, &n, bad, NULL);
	CHECK_INT(dh_confusion_update(cm, 4, z, yb, &e), DH_ERANGE);
	CHECK_HAS(e.msg, "label 4 at position 7");
	dh_tensor *all[] = {z, y, z1, z2, y1, y2, yb};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		dh_tensor_free(all[i]);
}

TEST(dice_and_iou_match_numpy)
{
	dh_tensor *p = T(mask_p), *t = T(mask_t);
	double acc[3] = {0}, dice, iou;
	CHECK_INT(dh_mask_update(acc, p, t, 0.4f, NULL), DH_OK);
	dh_mask_summary(acc, &dice, &iou);
	CHECK_NEAR(dice, mask_dice, 1e-12);
	CHECK_NEAR(iou, mask_iou, 1e-12);
	double none[3] = {0};
	dh_mask_summary(none, &dice, &iou);
	CHECK_NEAR(dice, 1.0, 0);
	CHECK_NEAR(iou, 1.0, 0);
	/* segmentation scores [N, C, H, W] in a confusion matrix */
	int64_t cm[4] = {0}, sl[3] = {2, 5, 5};
	dh_tensor *lab = dh_tensor_new(DH_I32, 3, sl, NULL);
	int32_t *lv = lab->data;
	for (int i = 0; i < 50; i++)
		lv[i] = dh_tensor_f32(t)[(i / 25) * 50 + 25 + i % 25] >= 0.5f;
	CHECK_INT(dh_confusion_update(cm, 2, p, lab, NULL), DH_OK);
	CHECK_INT(cm[0] + cm[1] + cm[2] + cm[3], 50);
	dh_tensor_free(lab);
	dh_tensor_free(p);
	dh_tensor_free(t);
}

TAP_MAIN(TAP_CASE(confusion_and_class_metrics_match_numpy),
	 TAP_CASE(dice_and_iou_match_numpy))
