#ifndef GATEWAYD_CMALLOCINFO_SHIM_H
#define GATEWAYD_CMALLOCINFO_SHIM_H
// glibc's allocator statistics (mallinfo2, malloc_trim), which Swift's Glibc module leaves
// out; the leak tests and the soak count bytes in use with them.
#include <malloc.h>
#endif
