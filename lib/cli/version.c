/* version.c - the version line and the build summary every tool prints. */
#include "config.h"

#include <archive.h>
#include <cJSON.h>
#include <jpeglib.h>
#include <png.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>
#include <yaml.h>

#include "cli/tool.h"

/* from OpenBLAS; declared here so that cblas.h stays out of the CLI */
char *openblas_get_config(void);
char *openblas_get_corename(void);

#define STR_(x) #x
#define STR(x) STR_(x)

/* "LIBTIFF, Version 4.5.0\nCopyright..." -> "4.5.0" */
static void tiff_version(char *buf, size_t n)
{
	const char *v = TIFFGetVersion();
	const char *p = v ? strstr(v, "Version ") : NULL;
	snprintf(buf, n, "%s", p ? p + 8 : "?");
	buf[strcspn(buf, "\n")] = '\0';
}

/* "OpenBLAS 0.3.21 NO_LAPACKE ..." -> "0.3.21" */
static void openblas_version(char *buf, size_t n)
{
	const char *c = openblas_get_config();
	const char *p = c && !strncmp(c, "OpenBLAS ", 9) ? c + 9 : "?";
	snprintf(buf, n, "%s", p);
	buf[strcspn(buf, " ")] = '\0';
}

/* "libarchive 3.6.2" -> "3.6.2" */
static const char *archive_number(void)
{
	const char *v = archive_version_string();
	return strncmp(v, "libarchive ", 11) == 0 ? v + 11 : v;
}

void dh_version_line(const char *prog, char *buf, size_t n)
{
	char tiff[32], blas[32];
	tiff_version(tiff, sizeof tiff);
	openblas_version(blas, sizeof blas);
#ifdef LIBJPEG_TURBO_VERSION
	const char *jpeg = "libjpeg-turbo " STR(LIBJPEG_TURBO_VERSION);
#else
	const char *jpeg = "libjpeg " STR(JPEG_LIB_VERSION);
#endif
	snprintf(buf, n,
		 "%s (dh) %s (libarchive %s, libyaml %s, cJSON %s, "
		 "protobuf-c %s, libpng %s, %s, libtiff %s, OpenBLAS %s)",
		 prog, PACKAGE_VERSION, archive_number(),
		 yaml_get_version_string(), cJSON_Version(),
		 protobuf_c_version(), png_get_libpng_ver(NULL), jpeg, tiff,
		 blas);
}

void dh_build_info(FILE *f)
{
	fprintf(f, "dh %s\n", PACKAGE_VERSION);
	fprintf(f, "openmp: %s\n",
#ifdef _OPENMP
		"yes"
#else
		"no"
#endif
	);
	fprintf(f, "openblas: %s (kernel %s)\n", openblas_get_config(),
		openblas_get_corename());
	fprintf(f, "openslide: %s\n", DH_HAVE_OPENSLIDE ? "yes" : "no");
	fprintf(f, "nifti: %s\n", DH_HAVE_NIFTI ? "yes" : "no");
	fprintf(f, "gdcm: %s\n", DH_HAVE_GDCM ? "yes" : "no");
	fprintf(f, "cuda: %s\n", DH_HAVE_CUDA ? "yes" : "no");
	fprintf(f, "mpi: %s\n", DH_HAVE_MPI ? "yes" : "no");
	fprintf(f, "xrt: %s\n", DH_HAVE_XRT ? "yes" : "no");
	fprintf(f, "sanitizers: %s\n", DH_SANITIZE ? "address,undefined" : "no");
}
