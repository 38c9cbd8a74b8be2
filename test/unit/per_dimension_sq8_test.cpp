#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/quantizer/per_dimension_sq8.h"
#include "test_data.h"

namespace vdb {
namespace {

using testing::ClusteredData;

TEST(PerDimensionSq8, ReconstructionErrorIsAtMostHalfAStep) {
	const size_t n = 2000, d = 37;
	std::vector<float> x = ClusteredData(n, d, 10, 3, 1);
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), n, d, &sq).ok());
	ASSERT_EQ(sq.code_size(), d + sizeof(float));
	std::vector<float> lo(x.begin(), x.begin() + d), hi = lo;
	for (size_t i = 0; i < n * d; i++) {
		lo[i % d] = std::min(lo[i % d], x[i]);
		hi[i % d] = std::max(hi[i % d], x[i]);
	}
	std::vector<uint8_t> code(sq.code_size());
	std::vector<float> back(d);
	for (size_t i = 0; i < n; i++) {
		ASSERT_TRUE(sq.Encode(&x[i * d], code.data())) << "a training row fits the range";
		sq.Decode(code.data(), back.data());
		for (size_t j = 0; j < d; j++)
			ASSERT_LE(std::fabs(back[j] - x[i * d + j]), (hi[j] - lo[j]) / 255 / 2 * 1.001f + 1e-6f);
	}
}

TEST(PerDimensionSq8, ClampsValuesOutsideTheTrainedRange) {
	std::vector<float> x = {0, 10, 1, 20};  // two vectors of 2 dimensions
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), 2, 2, &sq).ok());
	float outside[2] = {-5, 100};
	uint8_t code[2 + sizeof(float)];
	EXPECT_FALSE(sq.Encode(outside, code));
	EXPECT_EQ(code[0], 0);
	EXPECT_EQ(code[1], 255);
	float back[2];
	sq.Decode(code, back);
	EXPECT_FLOAT_EQ(back[0], 0);
	EXPECT_FLOAT_EQ(back[1], 20);
}

// Dimension 0 spans [0, 1] and dimension 1 [10, 20]: a value past an end
// by up to a tenth of the width fits, one further does not.
TEST(PerDimensionSq8, RowsFitTheRangeWithinATenthOfItsWidth) {
	std::vector<float> x = {0, 10, 1, 20};
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), 2, 2, &sq).ok());
	uint8_t code[2 + sizeof(float)];
	float edges[][2] = {{-0.09f, 10}, {1.09f, 20}, {0.5f, 9.1f}, {0.5f, 20.9f}};
	for (const auto &row : edges)
		EXPECT_TRUE(sq.Encode(row, code)) << row[0] << ", " << row[1];
	float beyond[][2] = {{-0.11f, 15}, {1.11f, 15}, {0.5f, 8.9f}, {0.5f, 21.1f}};
	for (const auto &row : beyond)
		EXPECT_FALSE(sq.Encode(row, code)) << row[0] << ", " << row[1];
}

TEST(PerDimensionSq8, ConstantDimensionsEncodeExactly) {
	std::vector<float> x = {3, 1, 3, 2, 3, 5};
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), 3, 2, &sq).ok());
	uint8_t code[2 + sizeof(float)];
	float back[2];
	EXPECT_TRUE(sq.Encode(&x[2], code));
	sq.Decode(code, back);
	EXPECT_FLOAT_EQ(back[0], 3);
	// Any other value of a constant dimension is lost to the clamp.
	float other[2] = {3.5f, 2};
	EXPECT_FALSE(sq.Encode(other, code));
}

// The asymmetric distances are those to the decoded vector.
TEST(PerDimensionSq8, DistancesAreToTheDecodedVector) {
	const size_t n = 500, d = 100;
	std::vector<float> x = ClusteredData(n, d, 5, 3, 2);
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), n, d, &sq).ok());
	std::vector<uint8_t> code(sq.code_size());
	std::vector<float> back(d);
	const float *q = &x[7 * d];
	PerDimensionSq8Query l2 = sq.PrepareQuery(q, MetricKind::kL2), ip = sq.PrepareQuery(q, MetricKind::kInnerProduct);
	for (size_t i = 0; i < n; i += 13) {
		sq.Encode(&x[i * d], code.data());
		sq.Decode(code.data(), back.data());
		float exact_l2 = testing::L2Squared(q, back.data(), d);
		float exact_ip = testing::Dot(q, back.data(), d);
		EXPECT_NEAR(sq.Distance(l2, code.data()), exact_l2, 1e-3f * (1 + exact_l2));
		// The query's weights are 16-bit integers: the inner product is
		// right to a small fraction of the size of its terms, not of a sum
		// that may cancel to near zero.
		float terms = 0;
		for (size_t j = 0; j < d; j++)
			terms += std::fabs(q[j] * back[j]);
		EXPECT_NEAR(sq.Distance(ip, code.data()), -exact_ip, 1e-4f * (1 + terms));
	}
}

TEST(PerDimensionSq8, FlatScanWithRerankingReachesRecall95) {
	const size_t k = 10;
	testing::Workload w = testing::MakeWorkload(20000, 100, 128, 100, k);
	PerDimensionSq8Quantizer sq;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(w.base.data(), w.n, w.d, &sq).ok());
	std::vector<uint8_t> codes(w.n * sq.code_size());
	for (size_t i = 0; i < w.n; i++)
		sq.Encode(&w.base[i * w.d], &codes[i * sq.code_size()]);
	std::vector<PerDimensionSq8Query> queries;
	for (size_t q = 0; q < w.truth.size(); q++)
		queries.push_back(sq.PrepareQuery(&w.queries[q * w.d], MetricKind::kL2));
	auto estimate = [&](size_t q, size_t i) { return sq.Distance(queries[q], &codes[i * sq.code_size()]); };
	double recall = testing::RerankedRecall(w, k, 4 * k, estimate);
	EXPECT_GE(recall, 0.95);
	RecordProperty("recall_at_10_rerank_40", std::to_string(recall));
}

TEST(PerDimensionSq8, SerialisedStateRoundTripsAndCorruptionIsCaught) {
	std::vector<float> x = ClusteredData(300, 20, 3, 3, 3);
	PerDimensionSq8Quantizer sq, back;
	ASSERT_TRUE(PerDimensionSq8Quantizer::Train(x.data(), 300, 20, &sq).ok());
	std::vector<uint8_t> bytes = sq.Serialize();
	EXPECT_EQ(bytes[1], PerDimensionSq8Quantizer::kFormatVersion);
	ASSERT_TRUE(PerDimensionSq8Quantizer::Deserialize(bytes.data(), bytes.size(), &back).ok());
	EXPECT_EQ(back.Serialize(), bytes);

	std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 1);
	EXPECT_EQ(PerDimensionSq8Quantizer::Deserialize(truncated.data(), truncated.size(), &back).code,
	          Status::kCorrupt);
	std::vector<uint8_t> other_version = bytes;
	other_version[1] = 99;
	EXPECT_EQ(PerDimensionSq8Quantizer::Deserialize(other_version.data(), other_version.size(), &back).code,
	          Status::kCorrupt);
	std::vector<uint8_t> other_kind = bytes;
	other_kind[0] = 2;
	EXPECT_EQ(PerDimensionSq8Quantizer::Deserialize(other_kind.data(), other_kind.size(), &back).code,
	          Status::kCorrupt);
	std::vector<uint8_t> negative_step = bytes;
	float minus_one = -1;
	memcpy(&negative_step[negative_step.size() - 4], &minus_one, 4);
	EXPECT_EQ(PerDimensionSq8Quantizer::Deserialize(negative_step.data(), negative_step.size(), &back).code,
	          Status::kCorrupt);
}

TEST(PerDimensionSq8, RejectsBadTrainingSets) {
	std::vector<float> x = {1, 2, std::numeric_limits<float>::quiet_NaN(), 4};
	PerDimensionSq8Quantizer sq;
	EXPECT_EQ(PerDimensionSq8Quantizer::Train(x.data(), 2, 2, &sq).code, Status::kInvalidArgument);
	EXPECT_EQ(PerDimensionSq8Quantizer::Train(x.data(), 0, 2, &sq).code, Status::kInvalidArgument);
	EXPECT_EQ(PerDimensionSq8Quantizer::Train(x.data(), 1, 0, &sq).code, Status::kInvalidArgument);
}

}  // namespace
}  // namespace vdb
