// A filter key tested over a column of words at once (core/filter.h's
// FilterKeyNarrow, which the hnsw filter directory uses) agrees with the
// one-word test for every kind, and the exact path's limit
// (core/hnsw/search.h's ExactFilterLimit) follows its cost model, as does
// the early judgement that a directory read is past it; small integer
// labels have a bit each.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/filter.h"
#include "core/hnsw/search.h"

namespace vdb {
namespace {

TEST(FilterKeyNarrow, AgreesWithTheOneWordTestForEveryKind) {
	std::mt19937_64 rng(7);
	std::vector<uint64_t> words(1000);
	for (uint64_t &w : words)
		w = rng() % 4 == 0 ? 3 : (rng() & rng());  // some equal to a key's value, some sparse signatures
	std::vector<FilterKey> keys = {
	    {0, FilterKey::kEqualsAny, {3}},
	    {0, FilterKey::kEqualsAny, {3, words[5], words[9]}},
	    {0, FilterKey::kEqualsAny, {}},
	    {0, FilterKey::kOverlaps, {LabelBits(11)}},
	    {0, FilterKey::kOverlaps, {LabelBits(11), LabelBits(12345)}},
	    {0, FilterKey::kContainsAll, {LabelBits(11) | LabelBits(99)}},
	};
	for (const FilterKey &key : keys) {
		std::vector<uint8_t> pass(words.size(), 1);
		pass[17] = 0;  // failed an earlier key: stays failed
		FilterKeyNarrow(key, words.data(), words.size(), pass.data());
		size_t passed = 0;
		for (size_t j = 0; j < words.size(); j++) {
			bool want = j != 17 && FilterKeyPasses(key, words[j]);
			EXPECT_EQ(pass[j] != 0, want) << "kind " << int(key.kind) << " word " << j;
			passed += want;
		}
		if (!key.values.empty() && key.kind == FilterKey::kEqualsAny)
			EXPECT_GT(passed, 0u);  // the test data exercises both outcomes
	}
}

TEST(SmallLabelBit, IsTheLabelsOwnBitFromZeroTo63AndNoneOutside) {
	uint64_t all = 0;
	for (int64_t label = 0; label < 64; label++) {
		uint64_t bit = SmallLabelBit(label);
		EXPECT_EQ(bit, uint64_t(1) << label);
		EXPECT_EQ(all & bit, 0u) << "label " << label << " shares a bit";
		all |= bit;
	}
	EXPECT_EQ(all, ~uint64_t(0));
	for (int64_t label : {int64_t(-1), int64_t(64), int64_t(1) << 40, INT64_MIN, INT64_MAX})
		EXPECT_EQ(SmallLabelBit(label), 0u) << "label " << label;
	// Out of the range a label keeps two hashed bits (one when both land on
	// the same bit).
	EXPECT_GE(__builtin_popcountll(LabelBits(0x123456789abcdefull)), 1);
	EXPECT_LE(__builtin_popcountll(LabelBits(0x123456789abcdefull)), 2);
}

TEST(ExactFilterLimit, SolvesItsCostModel) {
	for (size_t ef : {10, 40, 100})
		for (size_t n : {300, 20000, 60000, 1000000}) {
			double limit = double(ExactFilterLimit(ef, 16, n));
			// At the limit the exact path's cost (limit) meets the walk's
			// (2m * ef + 2 * ef * n / limit), within rounding.
			double walk = 2.0 * 16 * ef + 2.0 * ef * double(n) / limit;
			EXPECT_NEAR(limit, walk, 1.0 + 2.0 * ef * double(n) / (limit * limit)) << ef << " " << n;
			EXPECT_GE(limit, 2.0 * 16 * ef);  // never below one unfiltered walk
		}
	// Rarer filters pass the limit only on larger tables: it grows as sqrt(n).
	EXPECT_LT(ExactFilterLimit(40, 16, 60000), ExactFilterLimit(40, 16, 1000000));
	EXPECT_LT(double(ExactFilterLimit(40, 16, 1000000)) / 1e6, double(ExactFilterLimit(40, 16, 60000)) / 6e4);
}

TEST(ClearlyPastExactLimit, NeedsEnoughFoundAndTwiceTheLimit) {
	size_t limit = ExactFilterLimit(40, 16, 60000);                  // 2,922
	EXPECT_TRUE(ClearlyPastExactLimit(300, 3000, 60000, limit));      // 10% pass: 6,000
	EXPECT_FALSE(ClearlyPastExactLimit(255, 2550, 60000, limit));     // too few found to say
	EXPECT_FALSE(ClearlyPastExactLimit(256, 4000, 60000, limit));     // 3,840: past it, not twice
	EXPECT_FALSE(ClearlyPastExactLimit(600, 60000, 60000, limit));    // 1%: all read, 600
}

}  // namespace
}  // namespace vdb
