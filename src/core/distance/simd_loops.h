// The loops behind the SIMD distance kernels, written once for every
// instruction set. An ISA file (avx2.cpp, avx512.cpp, avx512_bits.cpp)
// includes this header AFTER its `#pragma GCC target(...)`, so everything here
// is compiled for that ISA, and instantiates it with a struct of primitives:
//
//   float lanes:  using Vec; kLanes; Load(const float*), Load(const Half*),
//                 LoadFirst(p, count) (lanes >= count are 0 and are not read),
//                 Store(float*|Half*, v), StoreFirst(p, v, count) (writes only
//                 count elements), Add, Sub, MulAdd(a, b, c) = a*b + c, Abs, Sum
//   bit blocks:   using Bits; kBytes; LoadBytes, LoadFirstBytes(p, count),
//                 And, Or, Xor, PopcountAdd(acc, v) (per 64-bit lane), SumBits
//
// Everything here is a template or has internal linkage, and nothing new is
// included after the pragma (the ISA file includes distance.h before it): an
// inline function shared with scalar code and compiled for AVX2 here could be
// the copy the linker keeps (ODR), and then scalar callers would run AVX2
// instructions.
#pragma once

#include "core/distance/distance.h"

namespace vdb {
namespace {

// Feeds acc.Add(k, x, y) with lane vectors of a and b. Four accumulators in the
// main loop keep four FMA chains in flight; the zero-filled tail lanes add
// nothing to any of the sums below.
template <typename Isa, typename Acc, typename T>
inline void ForEachLanes(const T *a, const T *b, size_t n, Acc &acc) {
	constexpr size_t lanes = Isa::kLanes;
	size_t i = 0;
	for (; i + 4 * lanes <= n; i += 4 * lanes) {
		acc.Add(0, Isa::Load(a + i), Isa::Load(b + i));
		acc.Add(1, Isa::Load(a + i + lanes), Isa::Load(b + i + lanes));
		acc.Add(2, Isa::Load(a + i + 2 * lanes), Isa::Load(b + i + 2 * lanes));
		acc.Add(3, Isa::Load(a + i + 3 * lanes), Isa::Load(b + i + 3 * lanes));
	}
	for (; i + lanes <= n; i += lanes)
		acc.Add(0, Isa::Load(a + i), Isa::Load(b + i));
	if (i < n)
		acc.Add(1, Isa::LoadFirst(a + i, n - i), Isa::LoadFirst(b + i, n - i));
}

// The accumulators below are aggregates, created as `Acc acc{}`: that zeroes
// them in the calling kernel (all-zero bits are 0.0f and 0) without calling a
// constructor. An implicit constructor would not be compiled for the ISA (the
// pragma covers only functions written out after it), so it could neither
// inline the ISA's code nor be trusted not to be shared with scalar code.

// Four partial sums, added pairwise at the end.
template <typename Isa> struct Sums {
	typename Isa::Vec sum[4];

	float Total() const {
		return Isa::Sum(Isa::Add(Isa::Add(sum[0], sum[1]), Isa::Add(sum[2], sum[3])));
	}
};

template <typename Isa> struct L2Squared : Sums<Isa> {
	void Add(int k, typename Isa::Vec x, typename Isa::Vec y) {
		typename Isa::Vec d = Isa::Sub(x, y);
		this->sum[k] = Isa::MulAdd(d, d, this->sum[k]);
	}
	float Result() const { return this->Total(); }
};

template <typename Isa> struct Dot : Sums<Isa> {
	void Add(int k, typename Isa::Vec x, typename Isa::Vec y) {
		this->sum[k] = Isa::MulAdd(x, y, this->sum[k]);
	}
	float Result() const { return this->Total(); }
};

template <typename Isa> struct L1 : Sums<Isa> {
	void Add(int k, typename Isa::Vec x, typename Isa::Vec y) {
		this->sum[k] = Isa::Add(this->sum[k], Isa::Abs(Isa::Sub(x, y)));
	}
	float Result() const { return this->Total(); }
};

// a·b, |a|² and |b|² in one pass; dot(a, a) and |a|² take the same steps, so
// identical vectors give a distance of exactly 0.
template <typename Isa> struct Cosine {
	Sums<Isa> dot, norm_a, norm_b;

	void Add(int k, typename Isa::Vec x, typename Isa::Vec y) {
		dot.sum[k] = Isa::MulAdd(x, y, dot.sum[k]);
		norm_a.sum[k] = Isa::MulAdd(x, x, norm_a.sum[k]);
		norm_b.sum[k] = Isa::MulAdd(y, y, norm_b.sum[k]);
	}
	double Result() const { return CosineFromParts(dot.Total(), norm_a.Total(), norm_b.Total()); }
};

// The signature of the float entries of DistanceKernels (returning what
// Metric's Result returns: float, or double for cosine).
template <typename Isa, template <typename> class Metric, typename T>
auto Distance(const T *a, const T *b, size_t n) {
	Metric<Isa> acc{};
	ForEachLanes<Isa>(a, b, n, acc);
	return acc.Result();
}

// Bulk float32 <-> float16: Load and Store convert on the way.
template <typename Isa, typename From, typename To>
void Convert(const From *in, To *out, size_t n) {
	size_t i = 0;
	for (; i + Isa::kLanes <= n; i += Isa::kLanes)
		Isa::Store(out + i, Isa::Load(in + i));
	if (i < n)
		Isa::StoreFirst(out + i, Isa::LoadFirst(in + i, n - i), n - i);
}

// Feeds acc.Add(x, y) with blocks of a and b, the last one zero-filled.
template <typename Isa, typename Acc>
inline void ForEachBlock(const uint8_t *a, const uint8_t *b, size_t n, Acc &acc) {
	size_t i = 0;
	for (; i + Isa::kBytes <= n; i += Isa::kBytes)
		acc.Add(Isa::LoadBytes(a + i), Isa::LoadBytes(b + i));
	if (i < n)
		acc.Add(Isa::LoadFirstBytes(a + i, n - i), Isa::LoadFirstBytes(b + i, n - i));
}

template <typename Isa> struct XorCount {
	typename Isa::Bits count;

	void Add(typename Isa::Bits x, typename Isa::Bits y) {
		count = Isa::PopcountAdd(count, Isa::Xor(x, y));
	}
};

template <typename Isa> struct AndOrCount {
	typename Isa::Bits both, either;

	void Add(typename Isa::Bits x, typename Isa::Bits y) {
		both = Isa::PopcountAdd(both, Isa::And(x, y));
		either = Isa::PopcountAdd(either, Isa::Or(x, y));
	}
};

template <typename Isa> uint64_t Hamming(const uint8_t *a, const uint8_t *b, size_t n) {
	XorCount<Isa> acc{};
	ForEachBlock<Isa>(a, b, n, acc);
	return Isa::SumBits(acc.count);
}

template <typename Isa>
void AndOrPopcount(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *and_count,
                   uint64_t *or_count) {
	AndOrCount<Isa> acc{};
	ForEachBlock<Isa>(a, b, n, acc);
	*and_count = Isa::SumBits(acc.both);
	*or_count = Isa::SumBits(acc.either);
}

// The float kernels and conversions of one ISA, with bit kernels that may come
// from another translation unit.
template <typename Isa>
constexpr DistanceKernels FloatKernels(
    const char *name, uint64_t (*hamming)(const uint8_t *, const uint8_t *, size_t),
    void (*and_or_popcount)(const uint8_t *, const uint8_t *, size_t, uint64_t *, uint64_t *)) {
	return {
	    name,
	    Distance<Isa, L2Squared, float>,
	    Distance<Isa, Dot, float>,
	    Distance<Isa, L1, float>,
	    Distance<Isa, Cosine, float>,
	    Distance<Isa, L2Squared, Half>,
	    Distance<Isa, Dot, Half>,
	    Distance<Isa, L1, Half>,
	    Distance<Isa, Cosine, Half>,
	    hamming,
	    and_or_popcount,
	    Convert<Isa, float, Half>,
	    Convert<Isa, Half, float>,
	};
}

} // namespace
} // namespace vdb
