// gdcm_shim.cc - the C++ side of the GDCM shim (see gdcm_shim.h).  C++
// exceptions never cross into C: each entry point catches everything.
#include "image/gdcm_shim.h"

#include <gdcmVersion.h>

extern "C" const char *dh_gdcm_version(void)
{
	try {
		return gdcm::Version::GetVersion();
	} catch (...) {
		return "?";
	}
}
