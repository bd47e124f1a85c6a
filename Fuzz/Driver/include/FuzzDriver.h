#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry point for programs that have their own main (compiler-rt's
// FuzzerInterface.h). It exists only in a binary linked with -sanitize=fuzzer, so only code
// compiled with -D FUZZING may call it. The input pointer is never null, so it is marked so.
int LLVMFuzzerRunDriver(int *_Nonnull argc, char *_Nullable *_Nullable *_Nonnull argv,
                        int (*_Nonnull testOneInput)(const uint8_t *_Nonnull data, size_t size));

// The target's input handler: each fuzz target defines it (`@_cdecl("LLVMFuzzerTestOneInput")`),
// and the shared main (FuzzSupport's `FuzzMain`) hands it to libFuzzer or to the replay.
int LLVMFuzzerTestOneInput(const uint8_t *_Nonnull data, size_t size);

#endif
