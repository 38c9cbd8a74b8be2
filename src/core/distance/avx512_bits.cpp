// AVX-512 bit kernels: 64-byte blocks, masked loads for the tail, and
// VPOPCNTDQ to count each 64-bit lane in one instruction. Kept apart from
// avx512.cpp so that CPUs with AVX-512 but without VPOPCNTDQ (Skylake-SP,
// Cascade Lake) can still use the AVX-512 float kernels; dispatch.cpp gives
// them the AVX2 bit kernels instead.
#include "core/pure.h"

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vpopcntdq")
// GCC 12's AVX-512 intrinsics read deliberately undefined registers
// (_mm512_undefined_*) and warn about it at every call site (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/distance/simd_loops.h"

namespace vdb {
namespace {

struct Avx512Bits {
	using Bits = __m512i;
	static constexpr size_t kBytes = 64;

	static Bits LoadBytes(const uint8_t *p) { return _mm512_loadu_si512(p); }
	// count < 64
	static Bits LoadFirstBytes(const uint8_t *p, size_t count) {
		return _mm512_maskz_loadu_epi8(__mmask64((uint64_t(1) << count) - 1), p);
	}
	static Bits And(Bits a, Bits b) { return _mm512_and_si512(a, b); }
	static Bits Or(Bits a, Bits b) { return _mm512_or_si512(a, b); }
	static Bits Xor(Bits a, Bits b) { return _mm512_xor_si512(a, b); }
	static Bits PopcountAdd(Bits acc, Bits v) {
		return _mm512_add_epi64(acc, _mm512_popcnt_epi64(v));
	}
	static uint64_t SumBits(Bits v) { return uint64_t(_mm512_reduce_add_epi64(v)); }
};

} // namespace

uint64_t HammingAvx512(const uint8_t *a, const uint8_t *b, size_t n) {
	return Hamming<Avx512Bits>(a, b, n);
}

void AndOrPopcountAvx512(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *and_count,
                         uint64_t *or_count) {
	AndOrPopcount<Avx512Bits>(a, b, n, and_count, or_count);
}

} // namespace vdb

#pragma GCC diagnostic pop
#pragma GCC pop_options

#endif // __x86_64__
