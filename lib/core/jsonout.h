/* jsonout.h - writing JSON strings by hand (JSON lines output). */
#ifndef DH_CORE_JSONOUT_H
#define DH_CORE_JSONOUT_H

#include <stdio.h>

/* s as a JSON string, quotes included: quotes, backslashes and control
 * characters escaped, other bytes as they are (UTF-8 passes through). */
void dh_json_string(FILE *f, const char *s);

#endif
