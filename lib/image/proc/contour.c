/* contour.c - outer contours of the nonzero regions of a one-channel
 * image, as a mask.  The background reachable from outside the image
 * (4-connected, the image being surrounded by background) is found first;
 * each 8-connected object touching it has one outer contour, made of the
 * object pixels with a 4-neighbour in that outside background: the pixels
 * that border following (Suzuki and Abe, as in cv2.findContours with
 * RETR_EXTERNAL and CHAIN_APPROX_NONE) visits.  Objects inside holes have
 * no outer contour of their own. */
#include <stdlib.h>
#include <string.h>

#include "image/proc/proc.h"

dh_image *dh_outer_contours(const dh_image *src, int *count, dh_err *e)
{
	if (src->channels != 1 || src->depth != 1) {
		dh_err_set(e, DH_EINVAL, "contours need a one-channel 2D image");
		return NULL;
	}
	const int W = src->width, H = src->height;
	const size_t n = (size_t)W * (size_t)H;
	dh_image *out = dh_image_new_like(src, DH_U8, 1, DH_COLOR_GRAY, e);
	if (!out)
		return NULL;
	uint8_t *on = malloc(n), *outside = calloc(n, 1);
	int32_t *queue = malloc(n * sizeof *queue);
	if (!on || !outside || !queue) {
		free(on);
		free(outside);
		free(queue);
		dh_image_free(out);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		on[i] = dh_dtype_get(src->dtype, src->data, i) != 0;
	/* flood the outside background from the frame */
	size_t qh = 0, qt = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * (size_t)W + (size_t)x;
			if ((x == 0 || y == 0 || x == W - 1 || y == H - 1) &&
			    !on[i] && !outside[i]) {
				outside[i] = 1;
				queue[qt++] = (int32_t)i;
			}
		}
	while (qh < qt) {
		int32_t i = queue[qh++];
		int x = (int)(i % W), y = (int)(i / W);
		const int nx[4] = {x - 1, x + 1, x, x}, ny[4] = {y, y, y - 1, y + 1};
		for (int k = 0; k < 4; k++) {
			if (nx[k] < 0 || ny[k] < 0 || nx[k] >= W || ny[k] >= H)
				continue;
			size_t j = (size_t)ny[k] * (size_t)W + (size_t)nx[k];
			if (!on[j] && !outside[j]) {
				outside[j] = 1;
				queue[qt++] = (int32_t)j;
			}
		}
	}
	free(queue);
	/* contour pixels: object pixels next to the outside (or the frame) */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			size_t i = (size_t)y * (size_t)W + (size_t)x;
			if (!on[i])
				continue;
			int edge = x == 0 || y == 0 || x == W - 1 || y == H - 1 ||
				   outside[i - 1] || outside[i + 1] ||
				   outside[i - (size_t)W] || outside[i + (size_t)W];
			out->data[i] = edge ? 255 : 0;
		}
	free(on);
	free(outside);
	/* one contour per 8-connected object that has contour pixels */
	int nc = 0;
	dh_image *lab = dh_components(out, 8, &nc, NULL, e);
	if (!lab) {
		dh_image_free(out);
		return NULL;
	}
	dh_image_free(lab);
	*count = nc;
	return out;
}
