// AVX-512 quantizer kernels: 64 SQ8 codes per step against 16-bit weights
// (32 against float weights) and 16 PQ codes (tails under a lane mask, so no scalar loops), and
// VPOPCNTDQ for bit codes when the CPU has it (kernels_dispatch.cpp
// decides). Only this file is compiled for AVX-512, by the pragma below.
#include "core/pure.h"

#include "core/quantizer/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,avx2,fma,popcnt")
// GCC 12's _mm512_reduce_* read an undefined register on purpose: silence
// its false "used uninitialized" warnings in this file only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace vdb {
namespace {

__mmask16 FirstLanes(size_t count) { return count >= 16 ? 0xFFFF : __mmask16((1u << count) - 1); }

__m512 LoadCodes(const uint8_t *code, __mmask16 lanes) {
	return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, code)));
}

__mmask32 FirstLanes32(size_t count) { return count >= 32 ? 0xFFFFFFFFu : __mmask32((1u << count) - 1); }

// 32 codes (fewer under the mask) widened to 16-bit lanes times 32 weights,
// summed in pairs into 16 32-bit lanes.
__m512i MulAdd32(const int16_t *weight, const uint8_t *code, __mmask32 lanes) {
	__m512i codes = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(lanes, code));
	return _mm512_madd_epi16(codes, _mm512_maskz_loadu_epi16(lanes, weight));
}

// The 16 lanes widened to 64 bits and added.
int64_t SumLanes(__m512i acc) {
	__m512i wide = _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc)),
	                                _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1)));
	return _mm512_reduce_add_epi64(wide);
}

// Two accumulators, so each 32-bit lane sums at most d / 32 products; the
// tail goes under a lane mask.
int64_t I16U8Dot(const int16_t *weight, const uint8_t *code, size_t d) {
	__m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
	size_t i = 0;
	for (; i + 64 <= d; i += 64) {
		acc0 = _mm512_add_epi32(acc0, MulAdd32(weight + i, code + i, 0xFFFFFFFFu));
		acc1 = _mm512_add_epi32(acc1, MulAdd32(weight + i + 32, code + i + 32, 0xFFFFFFFFu));
	}
	for (; i < d; i += 32)
		acc0 = _mm512_add_epi32(acc0, MulAdd32(weight + i, code + i, FirstLanes32(d - i)));
	return SumLanes(acc0) + SumLanes(acc1);
}

// All 256 sums of a PQ slot in 16 registers, one broadcast and 16 FMAs per
// dimension.
inline void SlotSums(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
                     float scale, __m512 acc[16]) {
	for (int k = 0; k < 16; k++)
		acc[k] = _mm512_add_ps(_mm512_set1_ps(offset), norms ? _mm512_loadu_ps(norms + 16 * k) : _mm512_setzero_ps());
	for (size_t t = 0; t < dsub; t++) {
		__m512 v = _mm512_set1_ps(scale * sub[t]);
		const float *column = columns + t * 256;
		for (int k = 0; k < 16; k++)
			acc[k] = _mm512_fmadd_ps(v, _mm512_loadu_ps(column + 16 * k), acc[k]);
	}
}

void PqSlotDistances(const float *columns, const float *norms, float offset, const float *sub, size_t dsub,
                     float scale, float *out) {
	__m512 acc[16];
	SlotSums(columns, norms, offset, sub, dsub, scale, acc);
	for (int k = 0; k < 16; k++)
		_mm512_storeu_ps(out + 16 * k, acc[k]);
}

// The minimum of the 256 sums found in registers, then its first lane.
uint32_t PqSlotNearest(const float *columns, const float *norms, const float *sub, size_t dsub) {
	__m512 acc[16];
	SlotSums(columns, norms, 0.0f, sub, dsub, -2.0f, acc);
	__m512 low = acc[0];
	for (int k = 1; k < 16; k++)
		low = _mm512_min_ps(low, acc[k]);
	__m512 best = _mm512_set1_ps(_mm512_reduce_min_ps(low));
	for (int k = 0; k < 16; k++) {
		__mmask16 hit = _mm512_cmp_ps_mask(acc[k], best, _CMP_EQ_OQ);
		if (hit)
			return uint32_t(16 * k + __builtin_ctz(hit));
	}
	return 0;  // NaN sums: no lane equals the minimum
}

// Two accumulators halve the chain of dependent multiply-adds.
float F32U8Dot(const float *weight, const uint8_t *code, size_t d) {
	__m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 32 <= d; i += 32) {
		acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + i), LoadCodes(code + i, 0xFFFF), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(weight + i + 16), LoadCodes(code + i + 16, 0xFFFF), acc1);
	}
	for (; i < d; i += 16) {
		__mmask16 lanes = FirstLanes(d - i);
		acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, weight + i), LoadCodes(code + i, lanes), acc0);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

float F16U8Dot(const Half *weight, const uint8_t *code, size_t d) {
	__m512 acc = _mm512_setzero_ps();
	for (size_t i = 0; i < d; i += 16) {
		__mmask16 lanes = FirstLanes(d - i);
		__m512 w = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(lanes, weight + i));
		acc = _mm512_fmadd_ps(w, LoadCodes(code + i, lanes), acc);
	}
	return _mm512_reduce_add_ps(acc);
}

// 32 codes widened to 16 bits, multiplied and summed in pairs per step.
uint32_t U8Dot(const uint8_t *a, const uint8_t *b, size_t d) {
	__m512i acc = _mm512_setzero_si512();
	for (size_t i = 0; i < d; i += 32) {
		__mmask32 lanes = d - i >= 32 ? 0xFFFFFFFFu : __mmask32((1u << (d - i)) - 1);
		__m512i x = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(lanes, a + i));
		__m512i y = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(lanes, b + i));
		acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, y));
	}
	return uint32_t(_mm512_reduce_add_epi32(acc));
}

// Gathers table[j * 256 + code[j]] for 16 sub-quantizers at a time.
float PqSum(const float *table, const uint8_t *code, size_t m) {
	const __m512i row_offsets = _mm512_mullo_epi32(
	    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(256));
	__m512 acc = _mm512_setzero_ps();
	for (size_t j = 0; j < m; j += 16) {
		__mmask16 lanes = FirstLanes(m - j);
		__m512i index = _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, code + j)),
		                                 row_offsets);
		acc = _mm512_add_ps(acc, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes, index,
		                                                  table + j * 256, 4));
	}
	return _mm512_reduce_add_ps(acc);
}

uint32_t BitPlaneDot(const uint64_t *bits, const uint64_t *planes, size_t words, int plane_count) {
	uint64_t sum = 0;
	for (int b = 0; b < plane_count; b++) {
		__m512i counts = _mm512_setzero_si512();
		const uint64_t *plane = planes + b * words;
		for (size_t w = 0; w < words; w += 8) {
			__mmask8 lanes = words - w >= 8 ? 0xFF : __mmask8((1u << (words - w)) - 1);
			__m512i x = _mm512_maskz_loadu_epi64(lanes, bits + w);
			__m512i y = _mm512_maskz_loadu_epi64(lanes, plane + w);
			counts = _mm512_add_epi64(counts, _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
		}
		sum += uint64_t(_mm512_reduce_add_epi64(counts)) << b;
	}
	return uint32_t(sum);
}

uint32_t Popcount(const uint64_t *bits, size_t words) {
	__m512i counts = _mm512_setzero_si512();
	for (size_t w = 0; w < words; w += 8) {
		__mmask8 lanes = words - w >= 8 ? 0xFF : __mmask8((1u << (words - w)) - 1);
		counts = _mm512_add_epi64(counts, _mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(lanes, bits + w)));
	}
	return uint32_t(_mm512_reduce_add_epi64(counts));
}

}  // namespace

QuantizerKernels Avx512QuantKernels() {
	return {"avx512", F32U8Dot, F16U8Dot, I16U8Dot, U8Dot, PqSlotDistances, PqSlotNearest, PqSum, BitPlaneDot, Popcount};
}

}  // namespace vdb

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace vdb {
QuantizerKernels Avx512QuantKernels() {
	return {"avx512", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}
}  // namespace vdb

#endif
