/* atomicfile.c - temporary file plus rename (see atomicfile.h). */
#include "core/atomicfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

dh_status dh_atomic_open(dh_atomic_file *af, const char *path, dh_err *e)
{
	memset(af, 0, sizeof *af);
	if (strcmp(path, "-") == 0) {
		af->f = stdout;
		return DH_OK;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return dh_err_set(e, DH_EIO, "cannot write '%s': Is a directory",
				  path);
	size_t n = strlen(path);
	af->path = dh_strdup(path, e);
	af->tmp_path = dh_malloc(n + 16, e);
	if (!af->path || !af->tmp_path)
		goto fail;
	/* a dot-file beside the target: same filesystem, so rename is atomic */
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	memcpy(af->tmp_path, path, dir);
	snprintf(af->tmp_path + dir, n + 16 - dir, ".%s.XXXXXX", path + dir);
	int fd = mkstemp(af->tmp_path);
	if (fd < 0) {
		dh_err_errno(e, errno, "cannot write '%s'", path);
		goto fail;
	}
	/* mkstemp makes 0600; give the file the usual umask-based mode */
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0) {
		/* not fatal: the file is still written, with mode 0600 */
	}
	af->f = fdopen(fd, "wb");
	if (!af->f) {
		dh_err_errno(e, errno, "cannot write '%s'", path);
		close(fd);
		unlink(af->tmp_path);
		goto fail;
	}
	return DH_OK;
fail:
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof *af);
	return e ? e->status : DH_EIO;
}

dh_status dh_atomic_commit(dh_atomic_file *af, dh_err *e)
{
	dh_status s = DH_OK;
	if (!af->path) {
		if (fflush(af->f) != 0)
			s = dh_err_errno(e, errno, "cannot write to stdout");
		return s;
	}
	int bad = fflush(af->f) != 0 || ferror(af->f);
	int err = errno;
	if (!bad && fsync(fileno(af->f)) != 0 && errno != EINVAL) {
		bad = 1;
		err = errno;
	}
	if (fclose(af->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad && rename(af->tmp_path, af->path) != 0) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		s = dh_err_errno(e, err, "cannot write '%s'", af->path);
		unlink(af->tmp_path);
	}
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof *af);
	return s;
}

void dh_atomic_abort(dh_atomic_file *af)
{
	if (af->path) {
		fclose(af->f);
		unlink(af->tmp_path);
	}
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof *af);
}
