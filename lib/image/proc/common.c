/* common.c - names and border rules shared by the processing operations. */
#include <assert.h>
#include <string.h>

#include "image/proc/proc.h"

static const char *const interp_names[] = {"nearest", "linear", "cubic",
					   "area"};
static_assert(sizeof interp_names / sizeof interp_names[0] == DH_INTERP_COUNT,
	      "interp_names must cover dh_interp");
static const char *const border_names[] = {"constant", "replicate", "reflect",
					   "reflect101", "wrap"};
static_assert(sizeof border_names / sizeof border_names[0] == DH_BORDER_COUNT,
	      "border_names must cover dh_border");

const char *dh_interp_name(dh_interp i)
{
	return (unsigned)i < DH_INTERP_COUNT ? interp_names[i] : "?";
}

int dh_interp_parse(const char *s, dh_interp *out)
{
	for (int i = 0; i < DH_INTERP_COUNT; i++)
		if (!strcmp(s, interp_names[i])) {
			*out = (dh_interp)i;
			return 0;
		}
	return -1;
}

const char *dh_border_name(dh_border b)
{
	return (unsigned)b < DH_BORDER_COUNT ? border_names[b] : "?";
}

int dh_border_parse(const char *s, dh_border *out)
{
	for (int i = 0; i < DH_BORDER_COUNT; i++)
		if (!strcmp(s, border_names[i])) {
			*out = (dh_border)i;
			return 0;
		}
	return -1;
}

int dh_border_index(int i, int n, dh_border b)
{
	if (i >= 0 && i < n)
		return i;
	if (b == DH_BORDER_CONSTANT)
		return -1;
	if (n == 1)
		return 0;
	switch (b) {
	case DH_BORDER_REPLICATE:
		return i < 0 ? 0 : n - 1;
	case DH_BORDER_WRAP:
		i %= n;
		return i < 0 ? i + n : i;
	case DH_BORDER_REFLECT:
	case DH_BORDER_REFLECT101: {
		int d = b == DH_BORDER_REFLECT101;
		/* period 2n (reflect) or 2n-2 (reflect-101) */
		int p = 2 * n - 2 * d;
		i %= p;
		if (i < 0)
			i += p;
		if (i >= n)
			i = p - i - (1 - d);
		return i;
	}
	default:
		return -1;
	}
}
