#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "core/ivf/kmeans.h"
#include "core/quantizer/rabitq.h"
#include "test_data.h"

namespace vdb {
namespace {

using testing::ClusteredData;

std::vector<float> Gaussian(size_t n, uint32_t seed) {
	std::mt19937 rng(seed);
	std::normal_distribution<float> normal(0, 1);
	std::vector<float> v(n);
	for (float &x : v)
		x = normal(rng);
	return v;
}

TEST(Rotation, PreservesNormsAndInnerProducts) {
	for (size_t d : {1, 3, 64, 100, 128, 784}) {
		Rotation r(d, 7);
		std::vector<float> a = Gaussian(d, 1), b = Gaussian(d, 2), ra(d), rb(d);
		r.Apply(a.data(), ra.data());
		r.Apply(b.data(), rb.data());
		float scale = testing::Dot(a.data(), a.data(), d);
		EXPECT_NEAR(testing::Dot(ra.data(), ra.data(), d), scale, 1e-4f * scale) << d;
		EXPECT_NEAR(testing::Dot(ra.data(), rb.data(), d), testing::Dot(a.data(), b.data(), d),
		            1e-4f * scale) << d;
	}
}

// The seed fixes the rotation; another seed gives another one, and a basis
// vector is spread over many coordinates (the bits then carry information
// about all of them).
TEST(Rotation, IsFixedBySeedAndMixesCoordinates) {
	const size_t d = 100;
	std::vector<float> e(d, 0), a(d), b(d), c(d);
	e[d - 1] = 1;
	Rotation(d, 1).Apply(e.data(), a.data());
	Rotation(d, 1).Apply(e.data(), b.data());
	Rotation(d, 2).Apply(e.data(), c.data());
	EXPECT_EQ(a, b);
	EXPECT_NE(a, c);
	float largest = 0;
	for (float v : a)
		largest = std::max(largest, std::fabs(v));
	EXPECT_LT(largest, 0.5f);
}

// Estimated inner products <x - c, u> are unbiased and their error is of the
// order |x - c| |u| / sqrt(d), as the RaBitQ analysis bounds it.
TEST(Rabitq, InnerProductEstimatesAreUnbiasedWithErrorOrderOneOverSqrtD) {
	for (size_t d : {128, 784}) {
		RabitqQuantizer rq;
		ASSERT_TRUE(RabitqQuantizer::Create(d, 3, &rq).ok());
		std::vector<float> centroid(d, 0), code(rq.code_size());
		std::vector<uint8_t> bytes(rq.code_size());
		const int pairs = 2000;
		double signed_sum = 0, abs_sum = 0, within = 0;
		for (int p = 0; p < pairs; p++) {
			std::vector<float> x = Gaussian(d, 100 + p), q = Gaussian(d, 100000 + p);
			rq.Encode(x.data(), centroid.data(), bytes.data());
			RabitqQuery query = rq.PrepareQuery(q.data(), centroid.data(), MetricKind::kInnerProduct);
			float exact = testing::Dot(x.data(), q.data(), d);
			float estimate = -rq.EstimateDistance(query, bytes.data());
			float unit = std::sqrt(testing::Dot(x.data(), x.data(), d) * testing::Dot(q.data(), q.data(), d));
			float error = (estimate - exact) / unit;  // error on the unit-vector inner product
			signed_sum += error;
			abs_sum += std::fabs(error);
			within += std::fabs(error) <= 2.5f / std::sqrt(float(d));
		}
		EXPECT_LT(std::fabs(signed_sum / pairs), 0.1 / std::sqrt(double(d))) << d;
		EXPECT_LT(abs_sum / pairs, 1.0 / std::sqrt(double(d))) << d;
		EXPECT_GE(within / pairs, 0.98) << d;
	}
}

TEST(Rabitq, RowOnItsCentroidIsExact) {
	const size_t d = 20;
	RabitqQuantizer rq;
	ASSERT_TRUE(RabitqQuantizer::Create(d, 3, &rq).ok());
	std::vector<float> c = Gaussian(d, 1), q = Gaussian(d, 2);
	std::vector<uint8_t> code(rq.code_size());
	rq.Encode(c.data(), c.data(), code.data());
	RabitqQuery query = rq.PrepareQuery(q.data(), c.data(), MetricKind::kL2);
	EXPECT_NEAR(rq.EstimateDistance(query, code.data()), testing::L2Squared(q.data(), c.data(), d), 1e-4);
}

// IVF use: rows encoded against the centroid of their list, every list's
// codes scanned with the query prepared for that list, the best 100
// re-ranked exactly.
TEST(Rabitq, ListScanWithRerankingFindsMostNeighbours) {
	const size_t k = 10, lists = 20;
	testing::Workload w = testing::MakeWorkload(20000, 100, 128, 100, k);
	KMeansParams kp;
	kp.threads = testing::kTestThreads;
	KMeansResult km = TrainKMeans(w.base.data(), 5000, w.d, lists, kp);
	ASSERT_TRUE(km.status.ok()) << km.status.message;
	auto nearest_list = [&](const float *x) {
		std::vector<float> dist(lists);
		for (size_t l = 0; l < lists; l++)
			dist[l] = testing::L2Squared(x, &km.centroids[l * w.d], w.d);
		return testing::SmallestK(dist, 1)[0];
	};
	RabitqQuantizer rq;
	ASSERT_TRUE(RabitqQuantizer::Create(w.d, 11, &rq).ok());
	size_t size = rq.code_size();
	std::vector<uint8_t> codes(w.n * size);
	std::vector<size_t> list_of(w.n);
	for (size_t i = 0; i < w.n; i++) {
		list_of[i] = nearest_list(&w.base[i * w.d]);
		rq.Encode(&w.base[i * w.d], &km.centroids[list_of[i] * w.d], &codes[i * size]);
	}
	std::vector<std::vector<RabitqQuery>> prepared(w.truth.size());
	for (size_t q = 0; q < w.truth.size(); q++)
		for (size_t l = 0; l < lists; l++)
			prepared[q].push_back(rq.PrepareQuery(&w.queries[q * w.d], &km.centroids[l * w.d], MetricKind::kL2));
	auto estimate = [&](size_t q, size_t i) {
		return rq.EstimateDistance(prepared[q][list_of[i]], &codes[i * size]);
	};
	double recall = testing::RerankedRecall(w, k, 10 * k, estimate);
	EXPECT_GE(recall, 0.88);  // 0.905 measured: one bit per dimension at d = 128
	RecordProperty("recall_at_10_rerank_100", std::to_string(recall));
}

TEST(Rabitq, SerialisedStateRoundTripsAndCorruptionIsCaught) {
	RabitqQuantizer rq, back;
	ASSERT_TRUE(RabitqQuantizer::Create(300, 99, &rq).ok());
	std::vector<uint8_t> bytes = rq.Serialize();
	ASSERT_TRUE(RabitqQuantizer::Deserialize(bytes.data(), bytes.size(), 300, &back).ok());
	EXPECT_EQ(back.dims(), 300u);
	EXPECT_EQ(back.code_size(), 5 * 8 + 16u);
	// Same seed, same codes.
	std::vector<float> x = Gaussian(300, 5), c(300, 0);
	std::vector<uint8_t> a(rq.code_size()), b(rq.code_size());
	rq.Encode(x.data(), c.data(), a.data());
	back.Encode(x.data(), c.data(), b.data());
	EXPECT_EQ(a, b);
	std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 1);
	EXPECT_EQ(RabitqQuantizer::Deserialize(truncated.data(), truncated.size(), 300, &back).code,
	          Status::kCorrupt);
	std::vector<uint8_t> zero_dims = bytes;
	std::fill(zero_dims.begin() + 2, zero_dims.begin() + 6, 0);
	EXPECT_EQ(RabitqQuantizer::Deserialize(zero_dims.data(), zero_dims.size(), 300, &back).code,
	          Status::kCorrupt);
	EXPECT_EQ(RabitqQuantizer::Deserialize(bytes.data(), bytes.size(), 301, &back).code, Status::kCorrupt);
	EXPECT_EQ(RabitqQuantizer::Create(0, 1, &back).code, Status::kInvalidArgument);
}

}  // namespace
}  // namespace vdb
