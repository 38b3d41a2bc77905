/* device.c - device descriptors and their backends (see device.h). */
#include "config.h"

#include "ops/device.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "ops/cpu/cpu.h"
#include "ops/op.h"

static const char *const kind_names[] = {
	[DH_DEVICE_CPU] = "cpu",
	[DH_DEVICE_CUDA] = "cuda",
	[DH_DEVICE_FPGA] = "fpga",
};
static_assert(sizeof kind_names / sizeof kind_names[0] == DH_DEVICE_KIND_COUNT,
	      "kind_names must name every dh_device_kind");

const char *dh_device_kind_name(dh_device_kind k)
{
	return (unsigned)k < DH_DEVICE_KIND_COUNT ? kind_names[k] : "?";
}

void dh_device_cpu(dh_device *d, int threads)
{
	d->kind = DH_DEVICE_CPU;
	d->index = 0;
	d->threads = threads < 1 ? 1 : threads;
	d->parallel_min = DH_DEVICE_PARALLEL_MIN;
}

dh_status dh_device_parse(const char *s, int default_threads, dh_device *d,
			  dh_err *e)
{
	const char *colon = strchr(s, ':');
	size_t klen = colon ? (size_t)(colon - s) : strlen(s);
	int kind = -1;
	for (int i = 0; i < DH_DEVICE_KIND_COUNT; i++)
		if (strlen(kind_names[i]) == klen &&
		    strncmp(s, kind_names[i], klen) == 0)
			kind = i;
	if (kind < 0)
		return dh_err_set(e, DH_EINVAL,
				  "unknown device '%s' (cpu, cpu:THREADS, "
				  "cuda:ID, fpga:ID)",
				  s);
	long v = kind == DH_DEVICE_CPU ? default_threads : 0;
	if (colon) {
		char *end;
		errno = 0;
		v = strtol(colon + 1, &end, 10);
		long lo = kind == DH_DEVICE_CPU ? 1 : 0;
		if (errno || end == colon + 1 || *end || v < lo ||
		    v > DH_MAX_THREADS)
			return dh_err_set(e, DH_EINVAL,
					  "bad number in device '%s'", s);
	}
	memset(d, 0, sizeof *d);
	d->kind = (dh_device_kind)kind;
	if (kind == DH_DEVICE_CPU)
		d->threads = v < 1 ? 1 : (int)v;
	else
		d->index = (int)v, d->threads = 1;
	return DH_OK;
}

const dh_backend *dh_device_backend(const dh_device *d, dh_err *e)
{
	if (d->kind == DH_DEVICE_CPU)
		return dh_cpu_backend();
	dh_err_set(e, DH_EUNSUPPORTED,
		   "this build of dh has no %s backend",
		   dh_device_kind_name(d->kind));
	return NULL;
}
