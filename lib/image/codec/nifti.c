/* nifti.c - NIfTI-1 and NIfTI-2 (.nii, .nii.gz) through nifti_clib's
 * nifti2_io API, which reads both versions and either byte order.  x, y, z
 * become width, height and depth; a fourth (time) and further dimensions
 * become channels (at most DH_IMAGE_MAX_CHANNELS).  A scaling slope or
 * intercept is applied (giving float32, or float64 from 64-bit data);
 * spacing comes from pixdim, origin and direction cosines from the sform,
 * else the qform (NIfTI's RAS+ world coordinates, as stored).  nifti_clib
 * replaces non-finite float voxels by 0 as it loads them.  The library
 * reads files, not memory, so this codec has file entry points only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nifti2_io.h>
#include <zlib.h>

#include "image/codec/codec.h"
#include "image/sat.h"

typedef struct nii_geom {
	int w, h, d, c;
	dh_dtype from, to;
	int rgb; /* 3 or 4 for RGB24 / RGBA32 voxels, else 0 */
	int scaled;
} nii_geom;

static dh_status geometry(const nifti_image *n, nii_geom *g, dh_err *e)
{
	memset(g, 0, sizeof *g);
	int64_t dims[7] = {n->nx, n->ny, n->nz, n->nt, n->nu, n->nv, n->nw};
	for (int i = 0; i < 7; i++) {
		if (dims[i] == 0)
			dims[i] = 1;
		if (dims[i] < 0 || dims[i] > DH_IMAGE_MAX_DIM)
			return dh_err_set(e, DH_EFORMAT, "bad NIfTI dimension "
					  "%d: %lld", i + 1, (long long)dims[i]);
	}
	int64_t c = 1;
	for (int i = 3; i < 7; i++) {
		c *= dims[i];
		if (c > DH_IMAGE_MAX_CHANNELS)
			return dh_err_set(e, DH_EUNSUPPORTED, "NIfTI with more "
					  "than %d volumes in dimensions 4-7",
					  DH_IMAGE_MAX_CHANNELS);
	}
	g->w = (int)dims[0];
	g->h = (int)dims[1];
	g->d = (int)dims[2];
	g->c = (int)c;
	switch (n->datatype) {
	case NIFTI_TYPE_UINT8: g->from = DH_U8; break;
	case NIFTI_TYPE_INT8: g->from = DH_I8; break;
	case NIFTI_TYPE_INT16: g->from = DH_I16; break;
	case NIFTI_TYPE_UINT16: g->from = DH_U16; break;
	case NIFTI_TYPE_INT32: g->from = DH_I32; break;
	case NIFTI_TYPE_INT64: g->from = DH_I64; break;
	case NIFTI_TYPE_FLOAT32: g->from = DH_F32; break;
	case NIFTI_TYPE_FLOAT64: g->from = DH_F64; break;
	case NIFTI_TYPE_RGB24: g->from = DH_U8; g->rgb = 3; break;
	case NIFTI_TYPE_RGBA32: g->from = DH_U8; g->rgb = 4; break;
	default:
		return dh_err_set(e, DH_EUNSUPPORTED, "NIfTI datatype %d (%s) "
				  "is not supported", n->datatype,
				  nifti_datatype_string(n->datatype));
	}
	if (g->rgb) {
		if (g->c != 1)
			return dh_err_set(e, DH_EUNSUPPORTED, "NIfTI RGB data "
					  "with more than 3 dimensions");
		g->c = g->rgb;
	}
	g->to = g->from == DH_I8 ? DH_I16 : g->from == DH_I64 ? DH_F64 : g->from;
	g->scaled = n->scl_slope != 0 &&
		    (n->scl_slope != 1 || n->scl_inter != 0) && !g->rgb;
	if (g->scaled)
		g->to = (g->from == DH_F64 || g->from == DH_I64) ? DH_F64 : DH_F32;
	return DH_OK;
}

static void metadata(const nifti_image *n, double spacing[3],
		     double origin[3], double dir[9])
{
	double px[3] = {n->dx, n->dy, n->dz};
	for (int i = 0; i < 3; i++)
		spacing[i] = px[i] > 0 ? px[i] : px[i] < 0 ? -px[i] : 1.0;
	const nifti_dmat44 *m = n->sform_code > 0   ? &n->sto_xyz
				: n->qform_code > 0 ? &n->qto_xyz
						    : NULL;
	if (!m)
		return;
	for (int r = 0; r < 3; r++) {
		origin[r] = m->m[r][3];
		for (int c = 0; c < 3; c++)
			dir[r * 3 + c] = m->m[r][c] / spacing[c];
	}
}

/* nifti_clib prints some errors to stderr whatever its debug level ("**
 * ERROR: nifti_convert_n1hdr2nim: bad dim[0]"), which would make a second
 * line after dh's own.  So the header fields it complains about are checked
 * here first, through zlib (which reads plain files as they are). */
static int16_t rd16(const unsigned char *p, int swap)
{
	return (int16_t)(swap ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]));
}
static int32_t rd32(const unsigned char *p, int swap)
{
	uint32_t v = swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				    (uint32_t)p[2] << 8 | p[3]
			  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
				    (uint32_t)p[1] << 8 | p[0];
	return (int32_t)v;
}
static int64_t rd64(const unsigned char *p, int swap)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[swap ? i : 7 - i];
	return (int64_t)v;
}

static dh_status precheck(const char *path, dh_err *e)
{
	unsigned char h[540];
	gzFile z = gzopen(path, "rb");
	if (!z)
		return dh_err_set(e, DH_EIO, "cannot open it");
	int n = gzread(z, h, sizeof h);
	gzclose_r(z);
	if (n < 348)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: header cut "
				  "short (%d bytes)", n < 0 ? 0 : n);
	int swap = -1, v2 = 0;
	for (int sw = 0; sw < 2 && swap < 0; sw++) {
		int32_t sz = rd32(h, sw);
		if (sz == 348)
			swap = sw;
		else if (sz == 540 && n >= 540)
			swap = sw, v2 = 1;
	}
	if (swap < 0)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: header size is "
				  "neither 348 (NIfTI-1) nor 540 (NIfTI-2)");
	int64_t dim[8];
	int dtype;
	for (int i = 0; i < 8; i++)
		dim[i] = v2 ? rd64(h + 16 + 8 * i, swap) : rd16(h + 40 + 2 * i, swap);
	dtype = v2 ? rd16(h + 12, swap) : rd16(h + 70, swap);
	const unsigned char *magic = v2 ? h + 4 : h + 344;
	if (memcmp(magic, v2 ? "n+2" : "n+1", 4))
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: not a single-"
				  "file NIfTI-%d (magic)", v2 ? 2 : 1);
	if (dim[0] < 1 || dim[0] > 7)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: dim[0] is "
				  "%lld, not 1 to 7", (long long)dim[0]);
	for (int i = 1; i <= dim[0]; i++)
		if (dim[i] < 1)
			return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: dim[%d] "
					  "is %lld", i, (long long)dim[i]);
	static const int known[] = {2, 4, 8, 16, 32, 64, 128, 256, 512, 768,
				    1024, 1280, 1536, 1792, 2048, 2304};
	int ok = 0;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		ok |= dtype == known[i];
	if (!ok)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: datatype %d",
				  dtype);
	return DH_OK;
}

static dh_status open_header(const char *path, nifti_image **out, dh_err *e)
{
	*out = NULL;
	if (precheck(path, e))
		return e ? e->status : DH_EFORMAT;
	/* nifti_clib reports through stderr unless its (process-wide) debug
	 * level is 0; dh reports through dh_err instead */
	nifti_set_debug_level(0);
	*out = nifti_image_read(path, 0);
	if (!*out)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file (nifti_clib "
				  "cannot read its header)");
	return DH_OK;
}

dh_status dh_nifti_read_file_info(const char *path, dh_image_info *info,
				  dh_err *e)
{
	nifti_image *n;
	dh_status s = open_header(path, &n, e);
	if (s)
		return s;
	nii_geom g;
	s = geometry(n, &g, e);
	if (!s) {
		info->width = g.w;
		info->height = g.h;
		info->depth = g.d;
		info->channels = g.c;
		info->dtype = g.to;
		info->bits = n->nbyper * 8;
		info->color = g.rgb == 3   ? DH_COLOR_RGB
			      : g.rgb == 4 ? DH_COLOR_RGBA
			      : g.c == 1   ? DH_COLOR_GRAY
					   : DH_COLOR_NONE;
		double o[3], d[9];
		metadata(n, info->spacing, o, d);
		/* the image struct does not keep the version: ask the header */
		int nver = 0;
		void *hdr = nifti_read_header(path, &nver, 0);
		free(hdr);
		snprintf(info->detail, sizeof info->detail, "NIfTI-%d %s%s",
			 nver == 2 ? 2 : 1,
			 nifti_datatype_string(n->datatype),
			 g.scaled ? " scaled" : "");
	}
	nifti_image_free(n);
	return s;
}

/* nifti_clib stops reading a .nii.gz after the last voxel, so a stream
 * cut inside its last block or its checksum reads as if whole: read the
 * gzip stream to its end once and let zlib check it. */
static dh_status check_gzip(const char *path, dh_err *e)
{
	unsigned char magic[2] = {0, 0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return DH_OK;
	size_t got = fread(magic, 1, 2, f);
	fclose(f);
	if (got != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return DH_OK;
	gzFile z = gzopen(path, "rb");
	unsigned char *scratch = malloc(1 << 16);
	if (!z || !scratch) {
		free(scratch);
		if (z)
			gzclose_r(z);
		return dh_err_set(e, DH_EIO, "cannot read the gzip stream");
	}
	int r;
	while ((r = gzread(z, scratch, 1 << 16)) > 0)
		;
	free(scratch);
	int zerr = Z_OK;
	const char *msg = r < 0 ? gzerror(z, &zerr) : NULL;
	char why[128];
	snprintf(why, sizeof why, "%s", msg ? msg : "");
	int rc = gzclose_r(z);
	if (r < 0 || rc != Z_OK)
		return dh_err_set(e, DH_EFORMAT, "bad NIfTI file: damaged gzip "
				  "stream (%s)", why[0] ? why : "truncated?");
	return DH_OK;
}

dh_status dh_nifti_read_file(const char *path, const dh_image_read_opts *o,
			     dh_image **out, dh_err *e)
{
	*out = NULL;
	nifti_image *n;
	dh_status s = open_header(path, &n, e);
	if (s)
		return s;
	nii_geom g;
	dh_image *img = NULL;
	s = geometry(n, &g, e);
	if (!s) {
		img = dh_image_new_limit(g.to, g.w, g.h, g.d, g.c,
					 g.rgb == 3   ? DH_COLOR_RGB
					 : g.rgb == 4 ? DH_COLOR_RGBA
					 : g.c == 1   ? DH_COLOR_GRAY
						      : DH_COLOR_NONE,
					 dh_codec_max_pixels(o), e);
		if (!img)
			s = e ? e->status : DH_ENOMEM;
	}
	if (!s && (nifti_image_load(n) < 0 || !n->data ||
		   (uint64_t)n->nvox != (uint64_t)g.w * (uint64_t)g.h *
						 (uint64_t)g.d *
						 (uint64_t)(g.rgb ? 1 : g.c) ||
		   (size_t)n->nbyper != (g.rgb ? (size_t)g.rgb : dh_dtype_size(g.from))))
		s = dh_err_set(e, DH_EFORMAT, "bad NIfTI file: cannot read the "
			       "voxels (truncated?)");
	if (!s)
		s = check_gzip(path, e);
	if (!s) {
		size_t vox = (size_t)g.w * (size_t)g.h * (size_t)g.d;
		size_t C = (size_t)g.c;
		double slope = g.scaled ? n->scl_slope : 1, inter = g.scaled ? n->scl_inter : 0;
		if (g.rgb) {
			memcpy(img->data, n->data, img->nbytes);
		} else if (C == 1 && g.from == g.to) {
			memcpy(img->data, n->data, img->nbytes);
		} else {
			/* NIfTI keeps each volume whole ([t][z][y][x]); dh
			 * interleaves them as channels */
			for (size_t c = 0; c < C; c++)
				for (size_t i = 0; i < vox; i++)
					dh_sat_store(g.to, img->data, i * C + c,
						     dh_dtype_get(g.from, n->data, c * vox + i) * slope + inter);
		}
		metadata(n, img->spacing, img->origin, img->direction);
		*out = img;
		img = NULL;
	}
	dh_image_free(img);
	nifti_image_free(n);
	return s;
}
