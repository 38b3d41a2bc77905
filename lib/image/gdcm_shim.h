/* gdcm_shim.h - the C face of GDCM (a C++ library).  Everything dh needs
 * from GDCM goes through functions declared here and defined in
 * gdcm_shim.cc, so that no C++ reaches the rest of the library. */
#ifndef DH_IMAGE_GDCM_SHIM_H
#define DH_IMAGE_GDCM_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

/* GDCM's version, e.g. "3.0.21". */
const char *dh_gdcm_version(void);

#ifdef __cplusplus
}
#endif

#endif
