/* cuda.h - the CUDA computing service, reached from C.  Built only with
 * --with-cuda; a machine without a GPU (or without a driver) reports zero
 * devices and a reason, never a crash. */
#ifndef DH_OPS_CUDA_H
#define DH_OPS_CUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices (0 when none), with the runtime's reason in
 * `why` when there are none. */
int dh_cuda_device_count(char *why, size_t n);
/* CUDA runtime version as "13.0". */
void dh_cuda_runtime_version(char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
