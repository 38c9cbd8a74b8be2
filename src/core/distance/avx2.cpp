// AVX2 + FMA + F16C kernels: 8 float lanes, float16 widened with F16C, bit
// counts with the nibble-lookup method (AVX2 has no vector popcount). Only
// this file is compiled for AVX2, by the pragma below, so the library still
// loads and runs on older CPUs; dispatch.cpp calls in only when the CPU has it.
#include "core/pure.h"

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,popcnt")

#include "core/distance/simd_loops.h"

namespace vdb {
namespace {

struct Avx2 {
	using Vec = __m256;
	static constexpr size_t kLanes = 8;

	static Vec Load(const float *p) { return _mm256_loadu_ps(p); }
	static Vec Load(const Half *p) {
		return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
	}
	static __m256i LaneNumbers() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
	// All ones in the first count 32-bit lanes (count <= 8).
	static __m256i FirstLanes(size_t count) {
		return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count)), LaneNumbers());
	}
	// The first `bytes` bytes at p (fewer than 32), zero-filled, reading
	// nothing past them: whole 32-bit words by masked load, then the last one
	// to three bytes one at a time, blended into their lane. (A copy into a
	// zeroed buffer would be simpler, but its narrow stores cannot be forwarded
	// to the wide load, which stalls.)
	static __m256i LoadFirstBytes(const uint8_t *p, size_t bytes) {
		size_t words = bytes / 4, rest = bytes % 4;
		__m256i v = _mm256_maskload_epi32(reinterpret_cast<const int *>(p), FirstLanes(words));
		if (rest == 0)
			return v;
		const uint8_t *tail = p + 4 * words;
		uint32_t last = tail[0];
		if (rest > 1)
			last |= uint32_t(tail[1]) << 8;
		if (rest > 2)
			last |= uint32_t(tail[2]) << 16;
		__m256i lane = _mm256_cmpeq_epi32(_mm256_set1_epi32(int(words)), LaneNumbers());
		return _mm256_blendv_epi8(v, _mm256_set1_epi32(int(last)), lane);
	}
	static Vec LoadFirst(const float *p, size_t count) {
		return _mm256_maskload_ps(p, FirstLanes(count));
	}
	static Vec LoadFirst(const Half *p, size_t count) {
		__m256i bytes = LoadFirstBytes(reinterpret_cast<const uint8_t *>(p), count * sizeof(Half));
		return _mm256_cvtph_ps(_mm256_castsi256_si128(bytes));
	}
	static void Store(float *p, Vec v) { _mm256_storeu_ps(p, v); }
	static __m128i ToHalves(Vec v) {
		return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	}
	static void Store(Half *p, Vec v) {
		_mm_storeu_si128(reinterpret_cast<__m128i *>(p), ToHalves(v));
	}
	static void StoreFirst(float *p, Vec v, size_t count) {
		_mm256_maskstore_ps(p, FirstLanes(count), v);
	}
	// Pairs of halves by masked 32-bit store, then an odd last one.
	static void StoreFirst(Half *p, Vec v, size_t count) {
		__m128i halves = ToHalves(v);
		_mm_maskstore_epi32(reinterpret_cast<int *>(p),
		                    _mm256_castsi256_si128(FirstLanes(count / 2)), halves);
		if (count % 2) {
			Half converted[kLanes];
			_mm_storeu_si128(reinterpret_cast<__m128i *>(converted), halves);
			p[count - 1] = converted[count - 1];
		}
	}
	static Vec Add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
	static Vec Sub(Vec a, Vec b) { return _mm256_sub_ps(a, b); }
	static Vec MulAdd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
	static Vec Abs(Vec v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
	static float Sum(Vec v) {
		__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
		s = _mm_add_ps(s, _mm_movehl_ps(s, s));
		s = _mm_add_ss(s, _mm_movehdup_ps(s));
		return _mm_cvtss_f32(s);
	}

	using Bits = __m256i;
	static constexpr size_t kBytes = 32;

	static Bits LoadBytes(const uint8_t *p) {
		return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
	}
	static Bits And(Bits a, Bits b) { return _mm256_and_si256(a, b); }
	static Bits Or(Bits a, Bits b) { return _mm256_or_si256(a, b); }
	static Bits Xor(Bits a, Bits b) { return _mm256_xor_si256(a, b); }
	// Popcount of each nibble by table lookup, bytes summed into 64-bit lanes.
	static Bits PopcountAdd(Bits acc, Bits v) {
		const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
		                                       1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
		const __m256i nibble = _mm256_set1_epi8(0x0f);
		__m256i low = _mm256_shuffle_epi8(table, _mm256_and_si256(v, nibble));
		__m256i high =
		    _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
		__m256i bytes = _mm256_add_epi8(low, high);
		return _mm256_add_epi64(acc, _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
	}
	static uint64_t SumBits(Bits v) {
		__m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
		return uint64_t(_mm_cvtsi128_si64(s)) + uint64_t(_mm_extract_epi64(s, 1));
	}
};

} // namespace

const DistanceKernels &Avx2Kernels() {
	static constexpr DistanceKernels kernels =
	    FloatKernels<Avx2>("avx2", Hamming<Avx2>, AndOrPopcount<Avx2>);
	return kernels;
}

} // namespace vdb

#pragma GCC pop_options

#endif // __x86_64__
