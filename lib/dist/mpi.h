/* mpi.h - data-parallel training across processes (MPI).  Built only with
 * --with-mpi. */
#ifndef DH_DIST_MPI_H
#define DH_DIST_MPI_H

#include <stddef.h>

/* The MPI library's own version line, first line only. */
void dh_mpi_library_version(char *buf, size_t n);

#endif
