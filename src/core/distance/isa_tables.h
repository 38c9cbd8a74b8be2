// The kernel tables built in the ISA-specific translation units, for
// dispatch.cpp and the tests. Calling one, or any kernel in it, on a CPU
// without the features is undefined (SIGILL): go through KernelsFor().
#pragma once

#include "core/distance/distance.h"

namespace vdb {

// AVX2 + FMA + F16C + POPCNT (Haswell, Zen 1 and later).
const DistanceKernels &Avx2Kernels();

// AVX-512 F/BW/VL float kernels with the VPOPCNTDQ bit kernels below.
const DistanceKernels &Avx512Kernels();

// One ISA's own table, unmixed, or nullptr when this CPU cannot run all of
// it. KernelsFor() may mix tables to suit the CPU; tests and benchmarks use
// this to reach every kernel of every ISA the CPU has.
const DistanceKernels *IsaKernels(SimdLevel level);

// Bit kernels for AVX-512 F/BW + VPOPCNTDQ (Ice Lake, Zen 4 and later).
uint64_t HammingAvx512(const uint8_t *a, const uint8_t *b, size_t n);
void AndOrPopcountAvx512(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *and_count,
                         uint64_t *or_count);

} // namespace vdb
