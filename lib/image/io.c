/* io.c - format table, file mapping and atomic writing (see io.h). */
#include "image/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/atomicfile.h"
#include "config.h"
#include "image/codec/codec.h"

static const dh_image_codec codecs[] = {
	{"png", DH_IMG_PNG, ".png", dh_png_read_info, dh_png_read,
	 dh_png_write, NULL, NULL},
	{"jpeg", DH_IMG_JPEG, ".jpg .jpeg .jpe", dh_jpeg_read_info,
	 dh_jpeg_read, dh_jpeg_write, NULL, NULL},
	{"tiff", DH_IMG_TIFF, ".tif .tiff", dh_tiff_read_info, dh_tiff_read,
	 dh_tiff_write, NULL, NULL},
	{"bmp", DH_IMG_BMP, ".bmp .dib", dh_bmp_read_info, dh_bmp_read,
	 dh_bmp_write, NULL, NULL},
	{"pnm", DH_IMG_PNM, ".pnm .ppm .pgm .pbm", dh_pnm_read_info,
	 dh_pnm_read, dh_pnm_write, NULL, NULL},
	{"npy", DH_IMG_NPY, ".npy", dh_npyimg_read_info, dh_npyimg_read,
	 dh_npyimg_write, NULL, NULL},
/* the fuzz targets build the memory decoders alone */
#if DH_HAVE_GDCM && !defined(DH_IMAGE_MEMORY_CODECS_ONLY)
	{"dicom", DH_IMG_DICOM, ".dcm .dicom", NULL, NULL, dh_dicom_write,
	 dh_dicom_read_file_info, dh_dicom_read_file},
#endif
#if DH_HAVE_NIFTI && !defined(DH_IMAGE_MEMORY_CODECS_ONLY)
	{"nifti", DH_IMG_NIFTI, ".nii .nii.gz", NULL, NULL, dh_nifti_write,
	 dh_nifti_read_file_info, dh_nifti_read_file},
#else
	{"nifti", DH_IMG_NIFTI, ".nii .nii.gz", NULL, NULL, dh_nifti_write,
	 NULL, NULL},
#endif
};

const dh_image_codec *dh_image_codec_for(dh_image_format f)
{
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (codecs[i].format == f)
			return &codecs[i];
	return NULL;
}

/* The suffix of path (".png"; ".nii.gz", the one double suffix), or "" */
static const char *suffix_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	if (!dot || (slash && dot < slash))
		return "";
	size_t n = strlen(path);
	if (n >= 7 && !strcasecmp(path + n - 7, ".nii.gz") &&
	    (!slash || path + n - 7 > slash))
		return path + n - 7;
	return dot;
}

static int suffix_in(const char *suffix, const char *list)
{
	size_t n = strlen(suffix);
	const char *p = list;
	while (*p) {
		size_t m = strcspn(p, " ");
		if (m == n && n && !strncasecmp(p, suffix, n))
			return 1;
		p += m;
		while (*p == ' ')
			p++;
	}
	return 0;
}

const dh_image_codec *dh_image_codec_for_path(const char *path)
{
	const char *s = suffix_of(path);
	for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
		if (codecs[i].write && suffix_in(s, codecs[i].suffixes))
			return &codecs[i];
	return NULL;
}

void dh_codec_info_init(dh_image_info *info, dh_image_format f)
{
	memset(info, 0, sizeof *info);
	info->format = f;
	info->depth = 1;
	info->pages = 1;
	info->spacing[0] = info->spacing[1] = info->spacing[2] = 1.0;
}

dh_status dh_codec_fwrite(FILE *f, const void *p, size_t n, dh_err *e)
{
	if (n && fwrite(p, 1, n, f) != n)
		return dh_err_errno(e, errno, "write failed");
	return DH_OK;
}

uint64_t dh_codec_max_pixels(const dh_image_read_opts *o)
{
	return o && o->max_pixels ? o->max_pixels : DH_IMAGE_MAX_PIXELS;
}

dh_status dh_codec_prepare(const dh_image *img, int allow_u16,
			   const dh_image **use, dh_image **tmp,
			   const char *fmtname, dh_err *e)
{
	*tmp = NULL;
	*use = img;
	if (img->depth != 1)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s holds 2D images, not a volume of %d "
				  "slices (write .tif or .npy)",
				  fmtname, img->depth);
	if (img->dtype != DH_U8 && !(allow_u16 && img->dtype == DH_U16))
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s cannot hold %s samples (convert to "
				  "uint8%s first)", fmtname,
				  dh_dtype_name(img->dtype),
				  allow_u16 ? " or uint16" : "");
	if (img->channels > 4)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s cannot hold %d channels", fmtname,
				  img->channels);
	if (img->color == DH_COLOR_HSV || img->color == DH_COLOR_YCBCR)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "%s holds RGB pixels, not %s (convert to "
				  "rgb first)", fmtname,
				  dh_colortype_name(img->color));
	if (img->color == DH_COLOR_BGR) {
		dh_image *c = dh_image_clone(img, e);
		if (!c)
			return e ? e->status : DH_ENOMEM;
		size_t es = dh_image_elsize(c);
		size_t n = c->nbytes / (3 * es);
		for (size_t i = 0; i < n; i++) {
			unsigned char *p = c->data + i * 3 * es;
			unsigned char t[2];
			memcpy(t, p, es);
			memcpy(p, p + 2 * es, es);
			memcpy(p + 2 * es, t, es);
		}
		c->color = DH_COLOR_RGB;
		*tmp = c;
		*use = c;
	}
	return DH_OK;
}

dh_status dh_image_decode(const unsigned char *buf, size_t n,
			  const dh_image_read_opts *o, dh_image **out,
			  dh_err *e)
{
	*out = NULL;
	dh_image_format f = dh_image_sniff(buf, n);
	const dh_image_codec *c = dh_image_codec_for(f);
	if (f == DH_IMG_UNKNOWN)
		return dh_err_set(e, DH_EFORMAT,
				  "not a recognised image format");
	if (!c)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "reading %s files is not built in this "
				  "version", dh_image_format_name(f));
	if (!c->read)
		return dh_err_set(e, DH_EUNSUPPORTED, c->read_file
				  ? "%s files are read from files, not memory"
				  : "reading %s files is not built in this version",
				  c->name);
	return c->read(buf, n, o, out, e);
}

dh_status dh_image_decode_info(const unsigned char *buf, size_t n,
			       dh_image_info *info, dh_err *e)
{
	dh_image_format f = dh_image_sniff(buf, n);
	const dh_image_codec *c = dh_image_codec_for(f);
	dh_codec_info_init(info, f);
	if (f == DH_IMG_UNKNOWN)
		return dh_err_set(e, DH_EFORMAT,
				  "not a recognised image format");
	if (!c)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  "reading %s files is not built in this "
				  "version", dh_image_format_name(f));
	if (!c->read_info)
		return dh_err_set(e, DH_EUNSUPPORTED, c->read_file_info
				  ? "%s files are read from files, not memory"
				  : "reading %s files is not built in this version",
				  c->name);
	return c->read_info(buf, n, info, e);
}

/* A read-only view of a whole file: mapped when possible, else read. */
typedef struct mapped {
	unsigned char *p;
	size_t n;
	int is_map;
} mapped;

static dh_status map_file(const char *path, mapped *m, dh_err *e)
{
	m->p = NULL;
	m->n = 0;
	m->is_map = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return dh_err_errno(e, errno, "cannot open '%s'", path);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int er = errno;
		close(fd);
		return dh_err_errno(e, er, "cannot stat '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return dh_err_set(e, DH_EIO, "'%s' is a directory", path);
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			       fd, 0);
		if (p != MAP_FAILED) {
			close(fd);
			m->p = p;
			m->n = (size_t)st.st_size;
			m->is_map = 1;
			return DH_OK;
		}
	}
	/* pipes, empty files, file systems without mmap: read it */
	size_t cap = 0;
	for (;;) {
		if (m->n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			unsigned char *np = dh_realloc(m->p, nc, e);
			if (!np) {
				free(m->p);
				close(fd);
				return DH_ENOMEM;
			}
			m->p = np;
			cap = nc;
		}
		ssize_t r = read(fd, m->p + m->n, cap - m->n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int er = errno;
			free(m->p);
			close(fd);
			return dh_err_errno(e, er, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		m->n += (size_t)r;
	}
	close(fd);
	return DH_OK;
}

static void unmap_file(mapped *m)
{
	if (m->is_map)
		munmap(m->p, m->n);
	else
		free(m->p);
}

/* The codec of a file whose library reads files itself, or NULL. */
static const dh_image_codec *file_codec(const char *path)
{
	dh_image_format f;
	dh_err ignore;
	if (dh_image_probe_file(path, &f, &ignore))
		return NULL;
	const dh_image_codec *c = dh_image_codec_for(f);
	return c && c->read_file ? c : NULL;
}

dh_status dh_image_read(const char *path, const dh_image_read_opts *o,
			dh_image **out, dh_err *e)
{
	*out = NULL;
	const dh_image_codec *fc = file_codec(path);
	if (fc) {
		dh_status s = fc->read_file(path, o, out, e);
		if (s)
			dh_err_prefix(e, "%s", path);
		return s;
	}
	mapped m;
	dh_status s = map_file(path, &m, e);
	if (s)
		return s;
	if (m.n == 0)
		s = dh_err_set(e, DH_EFORMAT, "empty file");
	else
		s = dh_image_decode(m.p, m.n, o, out, e);
	unmap_file(&m);
	if (s)
		dh_err_prefix(e, "%s", path);
	return s;
}

dh_status dh_image_read_info(const char *path, dh_image_info *info,
			     dh_err *e)
{
	mapped m;
	dh_codec_info_init(info, DH_IMG_UNKNOWN);
	const dh_image_codec *fc = file_codec(path);
	if (fc) {
		dh_codec_info_init(info, fc->format);
		dh_status s = fc->read_file_info(path, info, e);
		if (s)
			dh_err_prefix(e, "%s", path);
		return s;
	}
	dh_status s = map_file(path, &m, e);
	if (s)
		return s;
	if (m.n == 0)
		s = dh_err_set(e, DH_EFORMAT, "empty file");
	else
		s = dh_image_decode_info(m.p, m.n, info, e);
	unmap_file(&m);
	if (s)
		dh_err_prefix(e, "%s", path);
	return s;
}

dh_status dh_image_write(const char *path, const dh_image *img,
			 const dh_image_write_opts *o, dh_err *e)
{
	const dh_image_codec *c = dh_image_codec_for_path(path);
	if (!c)
		return dh_err_set(e, DH_EINVAL,
				  "%s: cannot tell the output format from the "
				  "name (use .png, .jpg, .tif, .bmp, .pnm/.ppm/"
				  ".pgm/.pbm, .nii/.nii.gz, .dcm or .npy)", path);
	if (!strcmp(path, "-"))
		return dh_err_set(e, DH_EINVAL, "images are written to files, "
				  "not to stdout");
	dh_image_write_opts dflt = {0};
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	s = c->write(af.f, suffix_of(path), img, o ? o : &dflt, e);
	if (s) {
		dh_err_prefix(e, "%s", path);
		dh_atomic_abort(&af);
		return s;
	}
	return dh_atomic_commit(&af, e);
}
