/* device.h - where a network computes.
 *
 * A device descriptor is given when a network is built ("cpu", "cpu:4",
 * later "cuda:0", "fpga:0").  It selects a backend, the table of kernels in
 * one folder under lib/ops/, and carries the settings that backend needs
 * (the thread count for the CPU).  Layers and graphs never look further
 * than this struct; its layout does not depend on what was configured. */
#ifndef DH_OPS_DEVICE_H
#define DH_OPS_DEVICE_H

#include "core/error.h"

typedef enum dh_device_kind {
	DH_DEVICE_CPU = 0,
	DH_DEVICE_CUDA,
	DH_DEVICE_FPGA,
	DH_DEVICE_KIND_COUNT
} dh_device_kind;

/* Loops over fewer elements than this run on one thread.  High on
 * purpose: OpenBLAS (pthreads build) and OpenMP keep separate thread pools,
 * and an OpenMP team that ran between two sgemm calls spins on the cores
 * OpenBLAS needs next; on 2 cores an MLP training step with every Relu and
 * update parallel took 50-80 ms against 16 ms with them serial.  Loops
 * this small are memory-bound anyway. */
#define DH_DEVICE_PARALLEL_MIN ((long long)1 << 20)

typedef struct dh_device {
	dh_device_kind kind;
	int index;   /* accelerator number; 0 for the CPU */
	int threads; /* CPU threads for OpenMP loops (>= 1) */
	long long parallel_min; /* elements below which a loop stays serial;
				 * <= 0: DH_DEVICE_PARALLEL_MIN */
} dh_device;

struct dh_backend;

/* A CPU device with n threads (n < 1 means 1). */
void dh_device_cpu(dh_device *d, int threads);
/* Parse "cpu", "cpu:N", "cuda:N", "fpga:N".  "cpu" takes default_threads. */
dh_status dh_device_parse(const char *s, int default_threads, dh_device *d,
			  dh_err *e);
/* "cpu", "cuda", "fpga". */
const char *dh_device_kind_name(dh_device_kind k);
/* The backend for d, or NULL with DH_EUNSUPPORTED when this build has none
 * (CUDA and FPGA backends are not written yet). */
const struct dh_backend *dh_device_backend(const dh_device *d, dh_err *e);

#endif
