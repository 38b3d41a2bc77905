/* npy.c - .npy record headers and data (see npy.h). */
#include "stream/npy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/atomicfile.h"

static const char magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* --- the dict literal ---------------------------------------------------- */

typedef struct lexer {
	const char *p, *end;
} lexer;

static void skip_ws(lexer *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
				 *l->p == '\n' || *l->p == '\r'))
		l->p++;
}

static int accept(lexer *l, char c)
{
	skip_ws(l);
	if (l->p < l->end && *l->p == c) {
		l->p++;
		return 1;
	}
	return 0;
}

/* A quoted Python string without escapes (all that NumPy writes). */
static int read_str(lexer *l, char *out, size_t n)
{
	skip_ws(l);
	if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
		return -1;
	char q = *l->p++;
	size_t i = 0;
	while (l->p < l->end && *l->p != q) {
		if (*l->p == '\\' || i + 1 >= n)
			return -1;
		out[i++] = *l->p++;
	}
	if (l->p >= l->end)
		return -1;
	l->p++;
	out[i] = '\0';
	return 0;
}

static int read_word(lexer *l, const char *w)
{
	skip_ws(l);
	size_t n = strlen(w);
	if ((size_t)(l->end - l->p) >= n && memcmp(l->p, w, n) == 0) {
		l->p += n;
		return 1;
	}
	return 0;
}

static int read_int(lexer *l, int64_t *v)
{
	skip_ws(l);
	int64_t x = 0;
	const char *start = l->p;
	while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, *l->p - '0', &x))
			return -1;
		l->p++;
	}
	/* NumPy may write 3L on Python 2; accept and ignore the suffix */
	if (l->p > start && l->p < l->end && *l->p == 'L')
		l->p++;
	*v = x;
	return l->p > start ? 0 : -1;
}

static dh_status parse_descr(const char *d, dh_npy_header *h, dh_err *e)
{
	static const struct {
		char kind;
		int size;
		dh_dtype t;
	} map[] = {
		{'f', 4, DH_F32}, {'f', 2, DH_F16}, {'f', 8, DH_F64},
		{'u', 1, DH_U8},  {'i', 1, DH_I8},  {'u', 2, DH_U16},
		{'i', 2, DH_I16}, {'i', 4, DH_I32}, {'i', 8, DH_I64},
		{'b', 1, DH_BOOL},
	};
	size_t n = strlen(d);
	if (n < 3 || n > 4 || !strchr("<>|=", d[0]))
		goto bad;
	char kind = d[1];
	char *end;
	long size = strtol(d + 2, &end, 10);
	if (*end)
		goto bad;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].kind == kind && map[i].size == size) {
			h->dtype = map[i].t;
			h->big_endian = d[0] == '>' && size > 1;
			return DH_OK;
		}
bad:
	return dh_err_set(e, DH_EUNSUPPORTED,
			  "dtype '%s' is not supported (use float32, float16, "
			  "float64, uint8, int8, uint16, int16, int32, int64 "
			  "or bool)",
			  d);
}

dh_status dh_npy_parse_dict(const char *dict, size_t len, dh_npy_header *h,
			    dh_err *e)
{
	lexer l = {dict, dict + len};
	int have_descr = 0, have_order = 0, have_shape = 0;
	char key[32], descr[32];
	memset(h, 0, sizeof *h);
	if (!accept(&l, '{'))
		return dh_err_set(e, DH_EFORMAT, "header is not a dict literal");
	while (!accept(&l, '}')) {
		if (read_str(&l, key, sizeof key) || !accept(&l, ':'))
			return dh_err_set(e, DH_EFORMAT,
					  "malformed header dict at byte %d",
					  (int)(l.p - dict));
		if (strcmp(key, "descr") == 0) {
			if (read_str(&l, descr, sizeof descr))
				return dh_err_set(e, DH_EUNSUPPORTED,
						  "structured or unreadable "
						  "dtype in header");
			dh_status s = parse_descr(descr, h, e);
			if (s)
				return s;
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0) {
			if (read_word(&l, "True"))
				return dh_err_set(e, DH_EUNSUPPORTED,
						  "Fortran-ordered array: write "
						  "it in C order "
						  "(numpy.ascontiguousarray)");
			if (!read_word(&l, "False"))
				return dh_err_set(e, DH_EFORMAT,
						  "fortran_order is neither "
						  "True nor False");
			have_order = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (!accept(&l, '('))
				return dh_err_set(e, DH_EFORMAT,
						  "shape is not a tuple");
			for (;;) {
				int64_t v;
				if (accept(&l, ')'))
					break;
				if (h->ndim == DH_MAX_DIMS)
					return dh_err_set(e, DH_EUNSUPPORTED,
							  "more than %d "
							  "dimensions",
							  DH_MAX_DIMS);
				if (read_int(&l, &v))
					return dh_err_set(e, DH_EFORMAT,
							  "bad dimension in "
							  "shape");
				h->shape[h->ndim++] = v;
				if (accept(&l, ','))
					continue;
				if (accept(&l, ')'))
					break;
				return dh_err_set(e, DH_EFORMAT,
						  "bad shape tuple");
			}
			have_shape = 1;
		} else {
			return dh_err_set(e, DH_EFORMAT,
					  "unexpected key '%s' in header", key);
		}
		if (!accept(&l, ',')) {
			if (!accept(&l, '}'))
				return dh_err_set(e, DH_EFORMAT,
						  "malformed header dict at "
						  "byte %d",
						  (int)(l.p - dict));
			break;
		}
	}
	if (!have_descr || !have_order || !have_shape)
		return dh_err_set(e, DH_EFORMAT, "header lacks '%s'",
				  !have_descr ? "descr"
				  : !have_order ? "fortran_order"
						: "shape");
	h->numel = dh_shape_numel(h->ndim, h->shape);
	if (h->numel < 0)
		return dh_err_set(e, DH_EFORMAT, "shape is too large");
	h->data_bytes = (size_t)h->numel * dh_dtype_size(h->dtype);
	return DH_OK;
}

static dh_status read_exact(FILE *f, void *buf, size_t n, size_t *got)
{
	*got = fread(buf, 1, n, f);
	return *got == n ? DH_OK : DH_EEOF;
}

dh_status dh_npy_read_header(FILE *f, dh_npy_header *h, dh_err *e)
{
	unsigned char pre[12];
	size_t got;
	if (read_exact(f, pre, 8, &got)) {
		if (ferror(f))
			return dh_err_errno(e, errno, "read failed");
		if (got == 0) {
			dh_err_set(e, DH_EEOF, "end of stream");
			return DH_EEOF;
		}
		return dh_err_set(e, DH_EFORMAT,
				  "truncated: %zu bytes where a .npy record "
				  "starts",
				  got);
	}
	if (memcmp(pre, magic, 6) != 0)
		return dh_err_set(e, DH_EFORMAT,
				  "not a .npy record (bad magic %02x %02x %02x "
				  "%02x %02x %02x)",
				  pre[0], pre[1], pre[2], pre[3], pre[4], pre[5]);
	int major = pre[6];
	if (major < 1 || major > 3)
		return dh_err_set(e, DH_EUNSUPPORTED,
				  ".npy format version %d.%d is not supported",
				  major, pre[7]);
	size_t lenbytes = major == 1 ? 2 : 4;
	if (read_exact(f, pre + 8, lenbytes, &got))
		return dh_err_set(e, DH_EFORMAT, "truncated .npy header");
	size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	if (major > 1)
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	/* NumPy's own limit is far lower; this bounds the allocation */
	if (hlen > 1u << 20)
		return dh_err_set(e, DH_EFORMAT,
				  "header length %zu is implausible", hlen);
	char *dict = malloc(hlen + 1);
	if (!dict)
		return dh_err_set(e, DH_ENOMEM, "out of memory");
	if (read_exact(f, dict, hlen, &got)) {
		free(dict);
		return dh_err_set(e, DH_EFORMAT,
				  "truncated .npy header (%zu of %zu bytes)",
				  got, hlen);
	}
	dict[hlen] = '\0';
	dh_status s = dh_npy_parse_dict(dict, hlen, h, e);
	free(dict);
	h->header_bytes = 8 + lenbytes + hlen;
	return s;
}

size_t dh_npy_format_header(dh_dtype t, int ndim, const int64_t *shape,
			    char *buf, size_t n)
{
	char dict[256];
	int at = snprintf(dict, sizeof dict,
			  "{'descr': '%s', 'fortran_order': False, 'shape': (",
			  dh_dtype_npy_descr(t));
	for (int i = 0; i < ndim; i++)
		at += snprintf(dict + at, sizeof dict - (size_t)at, "%lld,%s",
			       (long long)shape[i],
			       i + 1 < ndim ? " " : "");
	/* a 1-tuple needs its comma; others look nicer without the last */
	if (ndim > 1)
		at--;
	at += snprintf(dict + at, sizeof dict - (size_t)at, "), }");
	size_t dlen = (size_t)at + 1; /* + the closing newline */
	size_t total = 10 + dlen;
	int v2 = 0;
	total = (total + 63) / 64 * 64;
	if (total - 10 > 65535) {
		v2 = 1;
		total = (12 + dlen + 63) / 64 * 64;
	}
	if (total > n)
		return 0;
	size_t pre = v2 ? 12 : 10;
	size_t hlen = total - pre;
	memcpy(buf, magic, 6);
	buf[6] = (char)(v2 ? 2 : 1);
	buf[7] = 0;
	buf[8] = (char)(hlen & 0xff);
	buf[9] = (char)(hlen >> 8 & 0xff);
	if (v2) {
		buf[10] = (char)(hlen >> 16 & 0xff);
		buf[11] = (char)(hlen >> 24 & 0xff);
	}
	memcpy(buf + pre, dict, (size_t)at);
	memset(buf + pre + at, ' ', hlen - (size_t)at - 1);
	buf[total - 1] = '\n';
	return total;
}

dh_status dh_npy_write(FILE *f, const dh_tensor *t, dh_err *e)
{
	char head[512];
	size_t n = dh_npy_format_header(t->dtype, t->ndim, t->shape, head,
					sizeof head);
	size_t bytes = dh_tensor_nbytes(t);
	/* data are little-endian on every machine dh supports (x86-64,
	 * aarch64); a big-endian port would swap here */
	if (fwrite(head, 1, n, f) != n ||
	    (bytes && fwrite(t->data, 1, bytes, f) != bytes))
		return dh_err_errno(e, errno, "write failed");
	return DH_OK;
}

static void swap_bytes(void *p, size_t count, size_t size)
{
	unsigned char *b = p;
	for (size_t i = 0; i < count; i++, b += size)
		for (size_t j = 0; j < size / 2; j++) {
			unsigned char t = b[j];
			b[j] = b[size - 1 - j];
			b[size - 1 - j] = t;
		}
}

dh_status dh_npy_read_data(FILE *f, const dh_npy_header *h, void *dst,
			   size_t bytes, dh_err *e)
{
	size_t got = bytes ? fread(dst, 1, bytes, f) : 0;
	if (got != bytes) {
		if (ferror(f))
			return dh_err_errno(e, errno, "read failed");
		return dh_err_set(e, DH_EFORMAT,
				  "truncated: %zu of %zu data bytes", got,
				  bytes);
	}
	if (h->big_endian)
		swap_bytes(dst, bytes / dh_dtype_size(h->dtype),
			   dh_dtype_size(h->dtype));
	return DH_OK;
}

/* Records up to this size are allocated at once; larger ones from a pipe
 * grow with the data. */
#define DIRECT_READ_MAX ((size_t)64 << 20)

/* Bytes left in f from here, or -1 when f cannot seek (a pipe). */
static long long bytes_left(FILE *f)
{
	off_t pos = ftello(f);
	if (pos < 0)
		return -1;
	if (fseeko(f, 0, SEEK_END) != 0)
		return -1;
	off_t end = ftello(f);
	if (fseeko(f, pos, SEEK_SET) != 0 || end < pos)
		return -1;
	return (long long)(end - pos);
}

dh_status dh_npy_read_tensor(FILE *f, const dh_npy_header *h, int64_t rows,
			     dh_tensor **out, dh_err *e)
{
	int64_t shape[DH_MAX_DIMS];
	memcpy(shape, h->shape, sizeof shape);
	if (h->ndim > 0)
		shape[0] = rows;
	int64_t numel = dh_shape_numel(h->ndim, shape);
	if (numel < 0)
		return dh_err_set(e, DH_EFORMAT, "shape is too large");
	size_t bytes = (size_t)numel * dh_dtype_size(h->dtype);
	long long left = bytes_left(f);
	if (left >= 0 && (unsigned long long)left < bytes)
		return dh_err_set(e, DH_EFORMAT,
				  "truncated: %lld of %zu data bytes", left,
				  bytes);
	if (left >= 0 || bytes <= DIRECT_READ_MAX) {
		dh_tensor *t = dh_tensor_new(h->dtype, h->ndim, shape, e);
		if (!t)
			return e ? e->status : DH_ENOMEM;
		dh_status s = dh_npy_read_data(f, h, t->data, bytes, e);
		if (s) {
			dh_tensor_free(t);
			return s;
		}
		*out = t;
		return DH_OK;
	}
	size_t cap = DIRECT_READ_MAX, got = 0;
	unsigned char *buf = dh_alloc_aligned(cap, e);
	while (buf && got < bytes) {
		if (got == cap) {
			size_t ncap = cap * 2 < bytes ? cap * 2 : bytes;
			unsigned char *nb = dh_alloc_aligned(ncap, e);
			if (nb)
				memcpy(nb, buf, got);
			dh_free_aligned(buf);
			buf = nb;
			cap = ncap;
			if (!buf)
				break;
		}
		size_t want = (cap < bytes ? cap : bytes) - got;
		size_t n = fread(buf + got, 1, want, f);
		got += n;
		if (n < want) {
			dh_status s = ferror(f) ? dh_err_errno(e, errno, "read failed")
						: dh_err_set(e, DH_EFORMAT,
							     "truncated: %zu of %zu data bytes",
							     got, bytes);
			dh_free_aligned(buf);
			return s;
		}
	}
	if (!buf)
		return e ? e->status : DH_ENOMEM;
	if (h->big_endian)
		swap_bytes(buf, bytes / dh_dtype_size(h->dtype),
			   dh_dtype_size(h->dtype));
	*out = dh_tensor_adopt(h->dtype, h->ndim, shape, buf, e);
	return *out ? DH_OK : DH_ENOMEM;
}

dh_tensor *dh_npy_load(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	dh_npy_header h;
	dh_tensor *t = NULL;
	dh_status s = dh_npy_read_header(f, &h, e);
	if (s == DH_EEOF)
		s = dh_err_set(e, DH_EFORMAT, "empty file");
	if (!s)
		s = dh_npy_read_tensor(f, &h, h.ndim ? h.shape[0] : 1, &t, e);
	if (s)
		dh_err_prefix(e, "%s", path);
	fclose(f);
	return t;
}

dh_status dh_npy_save(const char *path, const dh_tensor *t, dh_err *e)
{
	dh_atomic_file af;
	dh_status s = dh_atomic_open(&af, path, e);
	if (s)
		return s;
	s = dh_npy_write(af.f, t, e);
	if (s) {
		dh_err_prefix(e, "%s", path);
		dh_atomic_abort(&af);
		return s;
	}
	return dh_atomic_commit(&af, e);
}
