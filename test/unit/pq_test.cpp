#include <atomic>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "core/quantizer/pq.h"
#include "test_data.h"

namespace vdb {
namespace {

using testing::ClusteredData;

TEST(Pq, DimensionsNotDivisibleByMIsAClearError) {
	std::vector<float> x = ClusteredData(300, 10, 3, 3, 1);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 4;
	PqQuantizer pq;
	Status s = PqQuantizer::Train(x.data(), 300, 10, p, &pq);
	EXPECT_EQ(s.code, Status::kInvalidArgument);
	EXPECT_NE(s.message.find("divide the 10 dimensions"), std::string::npos) << s.message;
	p.m = 0;
	EXPECT_EQ(PqQuantizer::Train(x.data(), 300, 10, p, &pq).code, Status::kInvalidArgument);
}

TEST(Pq, FewerThan256VectorsIsAClearError) {
	std::vector<float> x = ClusteredData(255, 8, 3, 3, 2);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 2;
	PqQuantizer pq;
	Status s = PqQuantizer::Train(x.data(), 255, 8, p, &pq);
	EXPECT_EQ(s.code, Status::kInvalidArgument);
	EXPECT_NE(s.message.find("at least 256 training vectors, got 255"), std::string::npos)
	    << s.message;
}

// Table distances equal exact distances to the decoded vector, and the
// encoder picks the nearest centroid in every slot.
TEST(Pq, TableDistancesAreToTheDecodedVector) {
	const size_t n = 2000, d = 32;
	std::vector<float> x = ClusteredData(n, d, 20, 3, 3);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 8;
	PqQuantizer pq;
	ASSERT_TRUE(PqQuantizer::Train(x.data(), n, d, p, &pq).ok());
	ASSERT_EQ(pq.code_size(), 8u);
	const float *q = &x[11 * d];
	std::vector<float> l2 = pq.PrepareQuery(q, MetricKind::kL2), ip = pq.PrepareQuery(q, MetricKind::kInnerProduct);
	std::vector<uint8_t> code(8), other(8);
	std::vector<float> back(d), other_back(d);
	for (size_t i = 0; i < n; i += 17) {
		const float *v = &x[i * d];
		pq.Encode(v, code.data());
		pq.Decode(code.data(), back.data());
		float exact_l2 = testing::L2Squared(q, back.data(), d), exact_ip = testing::Dot(q, back.data(), d);
		EXPECT_NEAR(pq.Distance(l2, code.data()), exact_l2, 1e-4f * (1 + exact_l2));
		EXPECT_NEAR(pq.Distance(ip, code.data()), -exact_ip, 1e-4f * (1 + std::fabs(exact_ip)));
		other = code;
		other[i % 8] = uint8_t(code[i % 8] + 1 + i % 200);
		pq.Decode(other.data(), other_back.data());
		EXPECT_LE(testing::L2Squared(v, back.data(), d), testing::L2Squared(v, other_back.data(), d));
	}
}

// The encoder's vectorised distances pick the nearest of all 256 centroids
// in every slot (ties aside), and a quantizer read back from its serialised
// state (which rebuilds the transposed copy) encodes the same way.
TEST(Pq, EncodeChoosesTheNearestCentroidAfterARoundTripToo) {
	const size_t n = 1500, d = 24, m = 6, dsub = d / m;
	std::vector<float> x = ClusteredData(n, d, 30, 3, 7);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = m;
	PqQuantizer pq, back;
	ASSERT_TRUE(PqQuantizer::Train(x.data(), n, d, p, &pq).ok());
	std::vector<uint8_t> bytes = pq.Serialize();
	ASSERT_TRUE(PqQuantizer::Deserialize(bytes.data(), bytes.size(), &back).ok());
	std::vector<uint8_t> code(m), code_back(m), probe(m);
	std::vector<float> decoded(d);
	for (size_t i = 0; i < n; i += 7) {
		const float *v = &x[i * d];
		pq.Encode(v, code.data());
		back.Encode(v, code_back.data());
		EXPECT_EQ(code, code_back);
		pq.Decode(code.data(), decoded.data());
		for (size_t j = 0; j < m; j++) {
			float chosen = testing::L2Squared(v + j * dsub, &decoded[j * dsub], dsub);
			probe = code;
			for (size_t id = 0; id < PqQuantizer::kCentroids; id++) {
				probe[j] = uint8_t(id);
				std::vector<float> other(d);
				pq.Decode(probe.data(), other.data());
				ASSERT_LE(chosen, testing::L2Squared(v + j * dsub, &other[j * dsub], dsub) * (1 + 1e-4f) + 1e-4f)
				    << "row " << i << " slot " << j << " centroid " << id;
			}
		}
	}
}

TEST(Pq, ReconstructionKeepsMostOfTheVariance) {
	const size_t n = 5000, d = 64;
	std::vector<float> x = ClusteredData(n, d, 50, 2, 4);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 16;
	PqQuantizer pq;
	ASSERT_TRUE(PqQuantizer::Train(x.data(), n, d, p, &pq).ok());
	std::vector<float> mean(d, 0);
	for (size_t i = 0; i < n * d; i++)
		mean[i % d] += x[i] / n;
	double error = 0, variance = 0;
	std::vector<uint8_t> code(16);
	std::vector<float> back(d);
	for (size_t i = 0; i < n; i++) {
		pq.Encode(&x[i * d], code.data());
		pq.Decode(code.data(), back.data());
		error += testing::L2Squared(&x[i * d], back.data(), d);
		variance += testing::L2Squared(&x[i * d], mean.data(), d);
	}
	EXPECT_LT(error / variance, 0.3) << error / variance;
}

TEST(Pq, FlatScanWithRerankingReachesRecall95) {
	const size_t k = 10;
	testing::Workload w = testing::MakeWorkload(20000, 100, 128, 100, k);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 32;
	PqQuantizer pq;
	ASSERT_TRUE(PqQuantizer::Train(w.base.data(), 2560, w.d, p, &pq).ok());
	size_t size = pq.code_size();
	std::vector<uint8_t> codes(w.n * size);
	for (size_t i = 0; i < w.n; i++)
		pq.Encode(&w.base[i * w.d], &codes[i * size]);
	std::vector<std::vector<float>> tables;
	for (size_t q = 0; q < w.truth.size(); q++)
		tables.push_back(pq.PrepareQuery(&w.queries[q * w.d], MetricKind::kL2));
	auto estimate = [&](size_t q, size_t i) { return pq.Distance(tables[q], &codes[i * size]); };
	double recall = testing::RerankedRecall(w, k, 10 * k, estimate);
	EXPECT_GE(recall, 0.95);
	RecordProperty("recall_at_10_rerank_100", std::to_string(recall));
}

TEST(Pq, SerialisedStateRoundTripsAndCorruptionIsCaught) {
	std::vector<float> x = ClusteredData(400, 12, 4, 3, 5);
	PqParams p;
	p.threads = testing::kTestThreads;
	p.m = 3;
	PqQuantizer pq, back;
	ASSERT_TRUE(PqQuantizer::Train(x.data(), 400, 12, p, &pq).ok());
	std::vector<uint8_t> bytes = pq.Serialize();
	ASSERT_TRUE(PqQuantizer::Deserialize(bytes.data(), bytes.size(), &back).ok());
	EXPECT_EQ(back.Serialize(), bytes);
	EXPECT_EQ(back.dims(), 12u);
	std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 4);
	EXPECT_EQ(PqQuantizer::Deserialize(truncated.data(), truncated.size(), &back).code, Status::kCorrupt);
	std::vector<uint8_t> other_version = bytes;
	other_version[1] = 2;
	EXPECT_EQ(PqQuantizer::Deserialize(other_version.data(), other_version.size(), &back).code,
	          Status::kCorrupt);
}

std::atomic<int> stop_polls{0};
bool StopNow() {
	++stop_polls;
	return true;
}

// On one thread and on several (slots train side by side, and a cancel
// thrown inside the OpenMP region must come out as a status). Training stops
// at the first poll: asked once, it never asks again (a count of work, not
// seconds, which a loaded machine would stretch).
TEST(Pq, TrainingCanBeCanceled) {
	std::vector<float> x = ClusteredData(5000, 64, 20, 3, 6);
	for (int threads : {1, 3}) {
		PqParams p;
		p.threads = threads;
		p.m = 8;
		p.should_stop = StopNow;
		PqQuantizer pq;
		stop_polls = 0;
		Status s = PqQuantizer::Train(x.data(), 5000, 64, p, &pq);
		EXPECT_EQ(s.code, Status::kCanceled) << threads << ": " << s.message;
		EXPECT_EQ(stop_polls.load(), 1) << threads;
	}
}

// Slots are independent and seeded alike, so the codebooks do not depend on
// how many threads trained them.
TEST(Pq, CodebooksDoNotDependOnThreads) {
	std::vector<float> x = ClusteredData(2000, 32, 10, 3, 7);
	std::vector<std::vector<uint8_t>> states;
	for (int threads : {1, 2, 4}) {
		PqParams p;
		p.threads = threads;
		p.m = 8;
		PqQuantizer pq;
		ASSERT_TRUE(PqQuantizer::Train(x.data(), 2000, 32, p, &pq).ok());
		states.push_back(pq.Serialize());
	}
	EXPECT_EQ(states[0], states[1]);
	EXPECT_EQ(states[0], states[2]);
}

}  // namespace
}  // namespace vdb
