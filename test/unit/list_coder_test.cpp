// IvfCoder: what IVF lists store and how scans score it. Flat scores are the
// exact element distances; quantized scores must rank like them closely
// enough that re-ranking a few candidates recovers the true neighbours, for
// every quantizer and metric, and a serialised coder must score the same.
#include <gtest/gtest.h>

#include "core/distance/distance.h"
#include "core/float16.h"
#include "core/ivf/kmeans.h"
#include "core/ivf/list_coder.h"
#include "test_data.h"

namespace vdb {
namespace {

using testing::ClusteredData;

constexpr size_t kRows = 3000, kDims = 32, kLists = 8, kQueries = 20;

struct Fixture {
	ElementMetric metric;
	std::vector<float> rows;       // prepared (unit for cosine)
	std::vector<float> centroids;  // kLists x kDims
	std::vector<uint32_t> lists;   // per row
	IvfCoder coder;
};

Fixture Make(IvfQuantizer kind, MetricKind metric_kind) {
	Fixture f;
	f.metric = MakeElementMetric(ElementType::kFloat32, metric_kind, kDims);
	f.rows = ClusteredData(kRows + kQueries, kDims, kLists, 4, 7);
	for (size_t i = 0; i < kRows + kQueries; i++)
		PrepareElement(f.metric, &f.rows[i * kDims]);
	KMeansParams params;
	params.metric = metric_kind;
	params.threads = testing::kTestThreads;
	KMeansResult km = TrainKMeans(f.rows.data(), kRows, kDims, kLists, params);
	EXPECT_TRUE(km.status.ok());
	f.centroids = km.centroids;
	MetricKind qmetric = metric_kind == MetricKind::kL2 ? MetricKind::kL2 : MetricKind::kInnerProduct;
	for (size_t i = 0; i < kRows; i++)
		f.lists.push_back(NearestCentroid(qmetric, &f.rows[i * kDims], f.centroids.data(), kLists, kDims));
	IvfTrainParams tp;
	tp.pq_m = 8;
	tp.threads = testing::kTestThreads;
	Status s = IvfCoder::Train(kind, f.metric, f.rows.data(), kRows, f.centroids.data(), kLists, tp, &f.coder);
	EXPECT_TRUE(s.ok()) << s.message;
	return f;
}

// Recall@10 when the best `rerank` estimates are re-ranked exactly.
double Recall(const IvfCoder &coder, const Fixture &f, size_t rerank) {
	std::vector<uint8_t> codes(kRows * coder.code_size());
	for (size_t i = 0; i < kRows; i++)
		coder.Encode(&f.rows[i * kDims], &f.centroids[f.lists[i] * kDims], &codes[i * coder.code_size()]);
	double found = 0;
	for (size_t q = 0; q < kQueries; q++) {
		const float *query = &f.rows[(kRows + q) * kDims];
		IvfListQuery state;
		coder.PrepareQuery(query, &state);
		std::vector<float> estimate(kRows), exact(kRows);
		for (uint32_t list = 0; list < kLists; list++) {
			coder.PrepareList(&f.centroids[list * kDims], &state);
			for (size_t i = 0; i < kRows; i++)
				if (f.lists[i] == list)
					estimate[i] = coder.Score(state, &codes[i * coder.code_size()]);
		}
		for (size_t i = 0; i < kRows; i++)
			exact[i] = f.metric.Distance(query, &f.rows[i * kDims]);
		std::vector<size_t> truth = testing::SmallestK(exact, 10);
		std::vector<size_t> candidates = testing::SmallestK(estimate, rerank);
		std::vector<float> reranked;
		for (size_t id : candidates)
			reranked.push_back(exact[id]);
		for (size_t pos : testing::SmallestK(reranked, 10))
			found += std::count(truth.begin(), truth.end(), candidates[pos]);
	}
	return found / (10.0 * kQueries);
}

TEST(IvfCoder, FlatScoresAreExactDistances) {
	Fixture f = Make(IvfQuantizer::kFlat, MetricKind::kL2);
	EXPECT_EQ(f.coder.code_size(), kDims * sizeof(float));
	EXPECT_TRUE(f.coder.Serialize().empty());
	std::vector<uint8_t> code(f.coder.code_size());
	f.coder.Encode(&f.rows[0], nullptr, code.data());
	IvfListQuery q;
	f.coder.PrepareQuery(&f.rows[kDims], &q);
	EXPECT_FLOAT_EQ(f.coder.Score(q, code.data()), f.metric.Distance(&f.rows[kDims], &f.rows[0]));
	EXPECT_DOUBLE_EQ(Recall(f.coder, f, 10), 1.0);
}

TEST(IvfCoder, QuantizedScoresRerankToHighRecall) {
	const struct {
		IvfQuantizer kind;
		MetricKind metric;
		size_t rerank;
		double min_recall;
	} cases[] = {
		{IvfQuantizer::kSq8, MetricKind::kL2, 20, 0.97},  {IvfQuantizer::kSq8, MetricKind::kInnerProduct, 20, 0.97},
		{IvfQuantizer::kPq, MetricKind::kL2, 50, 0.95},   {IvfQuantizer::kPq, MetricKind::kInnerProduct, 50, 0.95},
		{IvfQuantizer::kPq, MetricKind::kCosine, 300, 0.95}, {IvfQuantizer::kRabitq, MetricKind::kL2, 100, 0.9},
		{IvfQuantizer::kRabitq, MetricKind::kCosine, 300, 0.9},
	};
	// Cosine re-ranks more: on these blobs, normalised, the neighbours of a
	// query differ by small angles, finer than PQ's 4-dimension slots and
	// 1-bit codes resolve (measured recall 0.61 and 0.50 re-ranking 50/100).
	for (const auto &c : cases) {
		Fixture f = Make(c.kind, c.metric);
		EXPECT_GE(Recall(f.coder, f, c.rerank), c.min_recall)
			<< "quantizer " << int(c.kind) << " metric " << int(c.metric);
	}
}

TEST(IvfCoder, LoadedCoderScoresLikeTheTrainedOne) {
	for (IvfQuantizer kind : {IvfQuantizer::kSq8, IvfQuantizer::kPq, IvfQuantizer::kRabitq}) {
		Fixture f = Make(kind, MetricKind::kL2);
		std::vector<uint8_t> bytes = f.coder.Serialize();
		IvfCoder loaded;
		ASSERT_TRUE(IvfCoder::Load(kind, f.metric, bytes.data(), bytes.size(), &loaded).ok());
		ASSERT_EQ(loaded.code_size(), f.coder.code_size());
		std::vector<uint8_t> a(f.coder.code_size()), b(a.size());
		const float *c = &f.centroids[f.lists[5] * kDims];
		f.coder.Encode(&f.rows[5 * kDims], c, a.data());
		loaded.Encode(&f.rows[5 * kDims], c, b.data());
		EXPECT_EQ(a, b);
		IvfListQuery qa, qb;
		f.coder.PrepareQuery(&f.rows[kRows * kDims], &qa);
		f.coder.PrepareList(c, &qa);
		loaded.PrepareQuery(&f.rows[kRows * kDims], &qb);
		loaded.PrepareList(c, &qb);
		EXPECT_FLOAT_EQ(f.coder.Score(qa, a.data()), loaded.Score(qb, b.data()));
		// Truncated state or another dimension count is refused.
		EXPECT_FALSE(IvfCoder::Load(kind, f.metric, bytes.data(), bytes.size() / 2, &loaded).ok());
		EXPECT_FALSE(IvfCoder::Load(kind, MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, kDims * 2),
		                            bytes.data(), bytes.size(), &loaded).ok());
	}
}

// Found by the ivf_quantizer_state fuzz target: a corrupt dimension count in
// stored rabitq state (here 2^31 - 1) built its rotation, 4 floats per
// dimension, before the count was compared with the index's: 32 GB.
TEST(IvfCoder, CorruptRabitqDimensionsAreRefusedBeforeAllocating) {
	ElementMetric metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	const uint8_t state[] = {3, 1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0};
	IvfCoder loaded;
	EXPECT_EQ(IvfCoder::Load(IvfQuantizer::kRabitq, metric, state, sizeof state, &loaded).code,
	          Status::kCorrupt);
}

TEST(IvfCoder, BitColumnsTakeOnlyFlatLists) {
	ElementMetric bits = MakeElementMetric(ElementType::kBit, MetricKind::kHamming, 64);
	std::vector<float> rows(64 * 300, 1.0f), centroids(64, 1.0f);
	IvfCoder coder;
	EXPECT_EQ(IvfCoder::Train(IvfQuantizer::kSq8, bits, rows.data(), 300, centroids.data(), 1, {}, &coder).code,
	          Status::kInvalidArgument);
}

TEST(IvfCoder, ElementsRoundTripThroughFloats) {
	ElementMetric bits = MakeElementMetric(ElementType::kBit, MetricKind::kHamming, 12);
	uint8_t in[2] = {0xA5, 0xF0}, out[2];
	float f[12];
	ElementToFloat(bits, in, f);
	EXPECT_EQ(f[0], 1.0f);
	EXPECT_EQ(f[1], 0.0f);
	FloatToElement(bits, f, out);
	EXPECT_EQ(out[0], in[0]);
	EXPECT_EQ(out[1], in[1] & 0xF0);
	ElementMetric half = MakeElementMetric(ElementType::kFloat16, MetricKind::kL2, 3);
	float values[3] = {1.5f, -2.0f, 0.25f}, back[3];
	Half h[3];
	FloatToElement(half, values, h);
	ElementToFloat(half, h, back);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(back[i], values[i]);
}

TEST(IvfCoder, DefaultPqMDividesTheDimensions) {
	EXPECT_EQ(DefaultPqM(784), 56u);
	EXPECT_EQ(DefaultPqM(128), 32u);
	EXPECT_EQ(DefaultPqM(16), 4u);
	EXPECT_EQ(DefaultPqM(1536), 96u);
	EXPECT_EQ(DefaultPqM(3), 1u);
	EXPECT_EQ(DefaultPqM(13), 1u);
	for (size_t d = 1; d < 300; d++)
		EXPECT_EQ(d % DefaultPqM(d), 0u);
}

}  // namespace
}  // namespace vdb
