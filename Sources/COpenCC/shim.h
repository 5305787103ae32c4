#ifndef CRM_COPENCC_SHIM_H
#define CRM_COPENCC_SHIM_H
// OpenCC's C API (the header is C when __cplusplus is not defined).
#include <opencc/opencc.h>
#endif
