#ifndef GATEWAYD_CMALLOCINFO_SHIM_H
#define GATEWAYD_CMALLOCINFO_SHIM_H
// glibc's allocator statistics, which Swift's Glibc module leaves out; the leak tests and the
// soak count bytes in use with them.
#include <malloc.h>

/// Bytes malloc has handed out and not had back, in all its arenas and mmapped chunks. Unlike
/// resident memory, it does not move when malloc keeps freed memory for later or gives a new
/// thread an arena of its own, so what it gains over many operations is what they left allocated.
static inline size_t gatewayd_heap_in_use_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#endif
