// Hamming and AND/OR popcounts of every SIMD level on this CPU: exact integer
// results against a bit-by-bit count, for every length from 0 to 2,000 bytes.
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "guarded_buffer.h"
#include "kernel_levels.h"

namespace vdb {
namespace {

struct Counts {
	uint64_t xor_bits = 0, and_bits = 0, or_bits = 0;
};

// One bit at a time: nothing shared with the kernels' methods.
Counts CountBits(const uint8_t *a, const uint8_t *b, size_t n) {
	Counts c;
	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++) {
			bool x = (a[i] >> bit) & 1, y = (b[i] >> bit) & 1;
			c.xor_bits += x != y;
			c.and_bits += x && y;
			c.or_bits += x || y;
		}
	return c;
}

class BitKernels : public PerLevel {
  protected:
	void ExpectCounts(const uint8_t *a, const uint8_t *b, size_t n, const Counts &want) {
		uint64_t both = ~uint64_t(0), either = ~uint64_t(0);
		k().and_or_popcount(a, b, n, &both, &either);
		EXPECT_EQ(k().hamming(a, b, n), want.xor_bits) << "n=" << n;
		EXPECT_EQ(both, want.and_bits) << "n=" << n;
		EXPECT_EQ(either, want.or_bits) << "n=" << n;
	}
};

TEST_P(BitKernels, RandomBitsExactForEveryLength) {
	std::mt19937 rng(99);
	std::uniform_int_distribution<int> byte(0, 255);
	for (size_t n = 0; n <= 2000; n++) {
		// Different offsets from the allocation so loads are unaligned.
		std::vector<uint8_t> a_store(n + 64), b_store(n + 64);
		uint8_t *a = a_store.data() + n % 64, *b = b_store.data() + (n * 7) % 64;
		for (size_t i = 0; i < n; i++) {
			a[i] = uint8_t(byte(rng));
			b[i] = uint8_t(byte(rng));
		}
		ExpectCounts(a, b, n, CountBits(a, b, n));
		if (HasFailure())
			return;
	}
}

TEST_P(BitKernels, AllOnesAgainstAllZeros) {
	for (size_t n = 1; n <= 300; n++) {
		std::vector<uint8_t> ones(n, 0xff), zeros(n, 0);
		ExpectCounts(ones.data(), zeros.data(), n, Counts{8 * n, 0, 8 * n});
		ExpectCounts(ones.data(), ones.data(), n, Counts{0, 8 * n, 8 * n});
		ExpectCounts(zeros.data(), zeros.data(), n, Counts{0, 0, 0});
		if (HasFailure())
			return;
	}
}

TEST_P(BitKernels, NeverReadPastTheEnd) {
	std::mt19937 rng(1);
	for (size_t n = 1; n <= 300; n++) {
		GuardedBuffer a(n), b(n);
		for (size_t i = 0; i < n; i++) {
			a.As<uint8_t>()[i] = uint8_t(rng());
			b.As<uint8_t>()[i] = uint8_t(rng());
		}
		ExpectCounts(a.As<uint8_t>(), b.As<uint8_t>(), n,
		             CountBits(a.As<uint8_t>(), b.As<uint8_t>(), n));
		if (HasFailure())
			return;
	}
}

VDB_INSTANTIATE_PER_LEVEL(BitKernels);

} // namespace
} // namespace vdb
