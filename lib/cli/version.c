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
#include "ops/cpu/cpu.h"
#if DH_HAVE_GDCM
#include "image/gdcm_shim.h"
#endif
#if DH_HAVE_OPENSLIDE
#include <openslide.h>
#endif
#if DH_HAVE_CUDA
#include "ops/cuda/cuda.h"
#endif
#if DH_HAVE_MPI
#include "dist/mpi.h"
#endif

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
	fprintf(f, "sgemm: %s\n",
		dh_cpu_sgemm_kernel_own()
			? "dh AVX-512 8x48 kernel (DH_SGEMM=openblas: OpenBLAS)"
			: "OpenBLAS");
#if DH_HAVE_OPENSLIDE
	fprintf(f, "openslide: yes (%s)\n", openslide_get_version());
#else
	fprintf(f, "openslide: no\n");
#endif
	fprintf(f, "nifti: %s\n",
		DH_HAVE_NIFTI ? "found (NIfTI reading comes with the image issue)"
			      : "no");
#if DH_HAVE_GDCM
	fprintf(f, "gdcm: yes (%s)\n", dh_gdcm_version());
#else
	fprintf(f, "gdcm: no\n");
#endif
#if DH_HAVE_CUDA
	{
		char why[160] = "", ver[32];
		dh_cuda_runtime_version(ver, sizeof ver);
		int n = dh_cuda_device_count(why, sizeof why);
		fprintf(f, "cuda: yes (runtime %s, %d device%s%s%s)\n", ver, n,
			n == 1 ? "" : "s", n ? "" : ": ", n ? "" : why);
	}
#else
	fprintf(f, "cuda: no\n");
#endif
#if DH_HAVE_MPI
	{
		char v[256];
		dh_mpi_library_version(v, sizeof v);
		fprintf(f, "mpi: yes (%s)\n", v);
	}
#else
	fprintf(f, "mpi: no\n");
#endif
	fprintf(f, "xrt: %s\n",
		DH_HAVE_XRT ? "found (no FPGA kernels in this version)" : "no");
	fprintf(f, "sanitizers: %s\n", DH_SANITIZE ? "address,undefined" : "no");
}
