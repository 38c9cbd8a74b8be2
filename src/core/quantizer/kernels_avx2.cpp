// AVX2 quantizer kernels: 8 codes widened to floats per step for SQ8, 8
// table entries gathered per step for PQ, and hardware POPCNT for bit codes.
// Only this file is compiled for AVX2 (the pragma below); kernels_dispatch.cpp
// calls in only when the CPU has it.
#include "core/pure.h"

#include "core/quantizer/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,popcnt")

#include "core/quantizer/popcount_loops.h"

namespace vdb {
namespace {

float HorizontalSum(__m256 v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

__m256 LoadCodes(const uint8_t *code) {
	__m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(code));
	return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

float Sq8L2(const float *shifted, const float *step, const uint8_t *code, size_t d) {
	__m256 acc = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= d; i += 8) {
		__m256 diff = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i), LoadCodes(code + i),
		                               _mm256_loadu_ps(shifted + i));
		acc = _mm256_fmadd_ps(diff, diff, acc);
	}
	float sum = HorizontalSum(acc);
	for (; i < d; i++) {
		float diff = shifted[i] - step[i] * float(code[i]);
		sum += diff * diff;
	}
	return sum;
}

float Sq8Dot(const float *weight, const uint8_t *code, size_t d) {
	__m256 acc = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= d; i += 8)
		acc = _mm256_fmadd_ps(_mm256_loadu_ps(weight + i), LoadCodes(code + i), acc);
	float sum = HorizontalSum(acc);
	for (; i < d; i++)
		sum += weight[i] * float(code[i]);
	return sum;
}

// 16 codes widened to 16 bits, multiplied and summed in pairs per step.
uint32_t U8Dot(const uint8_t *a, const uint8_t *b, size_t d) {
	__m256i acc = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 16 <= d; i += 16) {
		__m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(a + i)));
		__m256i y = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b + i)));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
	}
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
	uint32_t sum = uint32_t(_mm_cvtsi128_si32(s));
	for (; i < d; i++)
		sum += uint32_t(a[i]) * b[i];
	return sum;
}

// Gathers table[j * 256 + code[j]] for 8 sub-quantizers at a time.
float PqSum(const float *table, const uint8_t *code, size_t m) {
	const __m256i row_offsets = _mm256_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792);
	__m256 acc = _mm256_setzero_ps();
	size_t j = 0;
	for (; j + 8 <= m; j += 8) {
		__m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(code + j));
		__m256i index = _mm256_add_epi32(_mm256_cvtepu8_epi32(bytes), row_offsets);
		acc = _mm256_add_ps(acc, _mm256_i32gather_ps(table + j * 256, index, 4));
	}
	float sum = HorizontalSum(acc);
	for (; j < m; j++)
		sum += table[j * 256 + code[j]];
	return sum;
}

}  // namespace

QuantizerKernels Avx2QuantKernels() {
	return {"avx2", Sq8L2, Sq8Dot, U8Dot, PqSum, BitPlaneDotLoop, PopcountLoop};
}

}  // namespace vdb

#pragma GCC pop_options

#else

namespace vdb {
QuantizerKernels Avx2QuantKernels() { return {"avx2", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}; }
}  // namespace vdb

#endif
