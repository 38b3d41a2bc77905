/* winograd_small.h - Winograd F(2x2, 3x3) transforms of planes that fit
 * one AVX-512 register (at most 16 floats in and out, at most 2 x 2
 * tiles): ResNet-18's and VGG-16's last stages on 32 x 32 images, where
 * every plane is 4 x 4 or 2 x 2.
 *
 * winograd.c's tile-by-tile loops for such planes spent more time on
 * their padding tests and scattered scalar stores than the products took
 * (the input's transform alone was 18% of a 512-channel 4 x 4 layer's
 * forward pass).  Here a plane is one load; the window values come from
 * permutations of it (tables built once per layer: which lane reads
 * which pixel, and which lanes fall in the padding and read zero), and
 * each stage of the transform is a few whole-register adds.  The
 * operations and their order are those of winograd.c's scalar code, so
 * the results are bit-identical to it (zeros and their signs included).
 *
 * Lanes inside a register: position row i's register holds lane
 * j * 4 + t for column j of the 4 x 4 transform and tile t (row-major
 * over the tiles); V, M and Z are [16 positions][tiles], so lane group j
 * of row i's register is the 4 (or fewer) tiles of position 4 i + j. */
#ifndef DH_OPS_CPU_WINOGRAD_SMALL_H
#define DH_OPS_CPU_WINOGRAD_SMALL_H

#include <stdint.h>

typedef struct dh_wg_small {
	int ok; /* the tables are built and the CPU runs AVX-512 */
	uint16_t in_mask, out_mask; /* the plane's lanes, input and output */
	uint8_t tile_mask;          /* the tiles' lanes in a group of 4 */
	/* input (rows r of the window) and dY (rows i of a tile): the
	 * pixels read as the first and second operand of each lane's
	 * difference or sum, and the lanes that read inside the plane */
	int32_t in_a[4][16], in_b[4][16];
	uint16_t in_ma[4], in_mb[4];
	int32_t dy_a[2][16], dy_b[2][16];
	uint16_t dy_ma[2], dy_mb[2];
	/* output: lanes (i, jj, t) = 8 i + 4 jj + t of the three operands
	 * from the two rows' registers, then each output pixel's lane */
	int32_t out_u[3][16], out_px[16];
	/* input gradient: each input pixel is the sum of up to four
	 * windows' values, in winograd.c's order (the tile row above's
	 * left and right window, then the row below's); term k's lane in
	 * the windows' registers (32 r / 2 + lane of window row r, rows
	 * 2 and 3 in the second pair), which lanes take row 2 or 3, and
	 * which lanes have term k at all */
	int32_t dx_idx[4][16];
	uint16_t dx_hi[4], dx_has[4];
} dh_wg_small;

/* Build the tables for input planes h x w, output oh x ow, padding pt
 * (rows) and pl (columns) before, th x tw tiles; s->ok stays 0 when the
 * planes do not fit a register or the CPU lacks AVX-512. */
void dh_wg_small_init(dh_wg_small *s, int64_t h, int64_t w, int64_t oh,
		      int64_t ow, int64_t pt, int64_t pl, int64_t th,
		      int64_t tw);

/* V[p][t] (at vt + p vs + t) of one input plane: B^T d B per window. */
void dh_wg_small_input(const dh_wg_small *s, const float *plane, float *vt,
		       int64_t vs);
/* One output plane from M[p][t] (A^T M A), plus the bias. */
void dh_wg_small_output(const dh_wg_small *s, const float *mt, int64_t ms,
			float bias, float *y);
/* Z[p][t] of one plane of dY: A dY A^T per tile. */
void dh_wg_small_grad(const dh_wg_small *s, const float *dy, float *zt,
		      int64_t zs);
/* One plane of dX from U^T Z [p][t] (at pt_ + p ps + t): B (.) B^T per
 * window, added over the overlapping windows. */
void dh_wg_small_input_grad(const dh_wg_small *s, const float *pt_,
			    int64_t ps, float *dx);

#endif
