// AVX-512 F/BW/VL float kernels: 16 float lanes, with masked loads and stores
// for the tails instead of a scalar loop (BW/VL give the 16-bit masked moves
// used for float16). The bit kernels live in avx512_bits.cpp because they need
// VPOPCNTDQ, which some AVX-512 CPUs lack. Only this file is compiled for
// AVX-512, by the pragma below; dispatch.cpp calls in only when the CPU has it.
#include "core/pure.h"

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
// GCC 12's AVX-512 intrinsics read deliberately undefined registers
// (_mm512_undefined_*) and warn about it at every call site (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/distance/simd_loops.h"

namespace vdb {
namespace {

struct Avx512 {
	using Vec = __m512;
	static constexpr size_t kLanes = 16;

	// The first count lanes (count < 16).
	static __mmask16 FirstLanes(size_t count) { return __mmask16((1u << count) - 1); }

	static Vec Load(const float *p) { return _mm512_loadu_ps(p); }
	static Vec Load(const Half *p) {
		return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
	}
	static Vec LoadFirst(const float *p, size_t count) {
		return _mm512_maskz_loadu_ps(FirstLanes(count), p);
	}
	static Vec LoadFirst(const Half *p, size_t count) {
		return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(FirstLanes(count), p));
	}
	static __m256i ToHalves(Vec v) {
		return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	}
	static void Store(float *p, Vec v) { _mm512_storeu_ps(p, v); }
	static void Store(Half *p, Vec v) {
		_mm256_storeu_si256(reinterpret_cast<__m256i *>(p), ToHalves(v));
	}
	static void StoreFirst(float *p, Vec v, size_t count) {
		_mm512_mask_storeu_ps(p, FirstLanes(count), v);
	}
	static void StoreFirst(Half *p, Vec v, size_t count) {
		_mm256_mask_storeu_epi16(p, FirstLanes(count), ToHalves(v));
	}
	static Vec Add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
	static Vec Sub(Vec a, Vec b) { return _mm512_sub_ps(a, b); }
	static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
	static Vec Abs(Vec v) { return _mm512_abs_ps(v); }
	static float Sum(Vec v) { return _mm512_reduce_add_ps(v); }
};

} // namespace

const DistanceKernels &Avx512Kernels() {
	static constexpr DistanceKernels kernels =
	    FloatKernels<Avx512>("avx512", HammingAvx512, AndOrPopcountAvx512);
	return kernels;
}

} // namespace vdb

#pragma GCC diagnostic pop
#pragma GCC pop_options

#endif // __x86_64__
