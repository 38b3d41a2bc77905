// device.cu - CUDA device discovery for the computing service.
#include <cstdio>

#include <cuda_runtime.h>

#include "ops/cuda/cuda.h"

extern "C" int dh_cuda_device_count(char *why, size_t n)
{
	int count = 0;
	cudaError_t err = cudaGetDeviceCount(&count);
	if (err != cudaSuccess) {
		if (why && n)
			snprintf(why, n, "%s", cudaGetErrorString(err));
		return 0;
	}
	if (count == 0 && why && n)
		snprintf(why, n, "no CUDA device");
	return count;
}

extern "C" void dh_cuda_runtime_version(char *buf, size_t n)
{
	int v = 0;
	if (cudaRuntimeGetVersion(&v) != cudaSuccess)
		v = CUDART_VERSION;
	snprintf(buf, n, "%d.%d", v / 1000, v % 1000 / 10);
}
