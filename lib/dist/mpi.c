/* mpi.c - MPI helpers (see mpi.h). */
#include "dist/mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

void dh_mpi_library_version(char *buf, size_t n)
{
	/* callable before MPI_Init, so --build-info never starts a runtime */
	char v[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0;
	if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) {
		snprintf(buf, n, "?");
		return;
	}
	v[len < MPI_MAX_LIBRARY_VERSION_STRING ? len : MPI_MAX_LIBRARY_VERSION_STRING - 1] = '\0';
	v[strcspn(v, ",\n")] = '\0';
	snprintf(buf, n, "%s", v);
}
