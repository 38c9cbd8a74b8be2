#include <algorithm>
#include <cmath>
#include <random>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/float16.h"
#include "core/hnsw/graph.h"
#include "graph_walk.h"
#include "in_memory_graph.h"

namespace vdb {
namespace {

std::vector<float> RandomVectors(size_t n, size_t dims, uint64_t seed) {
	std::mt19937_64 rng(seed);
	std::normal_distribution<float> normal;
	std::vector<float> data(n * dims);
	for (float &x : data)
		x = normal(rng);
	return data;
}

// Exact k nearest by brute force.
std::vector<uint32_t> BruteForce(const ElementMetric &metric, const std::vector<float> &data,
                                 const float *query, size_t k) {
	size_t n = data.size() / metric.dims;
	std::vector<Candidate> all;
	for (size_t i = 0; i < n; i++)
		all.push_back(Candidate{metric.Distance(query, &data[i * metric.dims]), uint32_t(i)});
	std::partial_sort(all.begin(), all.begin() + k, all.end(), FarthestOnTop());
	std::vector<uint32_t> ids;
	for (size_t i = 0; i < k; i++)
		ids.push_back(all[i].id);
	return ids;
}

std::unique_ptr<InMemoryGraph> BuildGraph(const ElementMetric &metric, const std::vector<float> &data,
                                          int threads, const HnswParams &params = HnswParams()) {
	size_t n = data.size() / metric.dims;
	auto graph = std::make_unique<InMemoryGraph>(metric, params, n);
	for (size_t i = 0; i < n; i++)
		EXPECT_EQ(graph->Add(&data[i * metric.dims]), i);
	EXPECT_TRUE(graph->LinkAll(threads, [](size_t) { return true; }));
	return graph;
}

double Recall(const ArenaGraph &graph, const std::vector<float> &data,
              const std::vector<float> &queries, size_t k, size_t ef) {
	const ElementMetric &metric = graph.Metric();
	SearchScratch scratch;
	std::vector<Candidate> found;
	size_t hits = 0, total = 0;
	for (size_t q = 0; q < queries.size() / metric.dims; q++) {
		const float *query = &queries[q * metric.dims];
		graph.Search(query, k, ef, scratch, found);
		auto truth = BruteForce(metric, data, query, k);
		std::set<uint32_t> want(truth.begin(), truth.end());
		for (const Candidate &c : found)
			hits += want.count(c.id);
		total += k;
	}
	return double(hits) / double(total);
}

class GraphRecall : public ::testing::TestWithParam<std::tuple<MetricKind, int>> {};

TEST_P(GraphRecall, MatchesBruteForce) {
	auto [kind, threads] = GetParam();
	const size_t dims = 16;
	auto metric = MakeElementMetric(ElementType::kFloat32, kind, dims);
	auto data = RandomVectors(5000, dims, 1);
	auto queries = RandomVectors(100, dims, 2);
	for (size_t i = 0; i < data.size(); i += dims)
		ASSERT_TRUE(PrepareElement(metric, &data[i]));
	for (size_t i = 0; i < queries.size(); i += dims)
		ASSERT_TRUE(PrepareElement(metric, &queries[i]));
	auto graph = BuildGraph(metric, data, threads);
	EXPECT_GE(Recall(*graph, data, queries, 10, 200), 0.99);
}

INSTANTIATE_TEST_SUITE_P(Metrics, GraphRecall,
                         ::testing::Combine(::testing::Values(MetricKind::kL2, MetricKind::kInnerProduct,
                                                             MetricKind::kCosine, MetricKind::kL1),
                                            ::testing::Values(1, 3)));

TEST(Graph, SameSeedSameGraph) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	auto data = RandomVectors(1000, 8, 3);
	auto pa = BuildGraph(metric, data, 1), pb = BuildGraph(metric, data, 1);
	InMemoryGraph &a = *pa, &b = *pb;
	std::vector<uint32_t> la, lb;
	for (uint32_t id = 0; id < a.Size(); id++) {
		ASSERT_EQ(a.Level(id), b.Level(id));
		for (int level = 0; level <= a.Level(id); level++) {
			a.Neighbours(id, level, la);
			b.Neighbours(id, level, lb);
			ASSERT_EQ(la, lb) << id << " " << level;
		}
	}
	EXPECT_EQ(a.EntryPoint(), b.EntryPoint());
}

// Small m and many threads make concurrent links between the same two nodes
// (the race that once produced duplicate links) frequent.
class GraphLinks : public ::testing::TestWithParam<int> {};

TEST_P(GraphLinks, AreValidAndUnique) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 3);
	auto data = RandomVectors(3000, 3, 4);
	HnswParams params;
	params.m = GetParam();
	params.ef_construction = 2 * params.m;
	auto built = BuildGraph(metric, data, 4, params);
	InMemoryGraph &graph = *built;
	std::vector<uint32_t> links;
	for (uint32_t id = 0; id < graph.Size(); id++) {
		for (int level = 0; level <= graph.Level(id); level++) {
			graph.Neighbours(id, level, links);
			EXPECT_LE(links.size(), graph.MaxLinks(level));
			std::set<uint32_t> unique(links.begin(), links.end());
			EXPECT_EQ(unique.size(), links.size());
			for (uint32_t to : links) {
				EXPECT_NE(to, id);
				ASSERT_LT(to, graph.Size());
				EXPECT_GE(graph.Level(to), level);
			}
		}
	}
	EXPECT_EQ(graph.Level(graph.EntryPoint()), graph.MaxLevel());
}

INSTANTIATE_TEST_SUITE_P(M, GraphLinks, ::testing::Values(2, 4, 16));

// A thread that reached a node on an upper level while that node's lower
// lists were still empty once linked its own node to it alone, and such
// nodes could end up unreachable: these 20 builds on 4 threads lost 74 nodes
// before the fix, none on one thread. Since, a node is lost now and then on
// a loaded machine (2 in 45 runs of this test beside two others like it),
// for a cause not found yet; the bound keeps that apart from the old race.
TEST(Graph, ParallelBuildsReachEveryNode) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	HnswParams params;
	params.ef_construction = 32;
	size_t lost = 0;
	for (uint64_t seed = 0; seed < 20; seed++) {
		std::mt19937_64 rng(seed);
		std::uniform_real_distribution<float> uniform;
		std::vector<float> data(1000 * 8);
		for (float &x : data)
			x = uniform(rng);
		lost += UnreachableNodes(*BuildGraph(metric, data, 4, params));
	}
	EXPECT_EQ(lost, 0u);
}

TEST(Graph, StopsWhenPollSaysSo) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	auto data = RandomVectors(2000, 8, 5);
	InMemoryGraph graph(metric, HnswParams(), 2000);
	for (size_t i = 0; i < 2000; i++)
		graph.Add(&data[i * 8]);
	EXPECT_FALSE(graph.LinkAll(2, [](size_t done) { return done < 100; }));
	EXPECT_LT(graph.Claimed(), graph.Size());
	// resuming links the rest, and the graph is as good as one built in one go
	EXPECT_TRUE(graph.LinkAll(2, [](size_t) { return true; }));
	EXPECT_EQ(graph.Claimed(), graph.Size());
	auto queries = RandomVectors(50, 8, 6);
	EXPECT_GE(Recall(graph, data, queries, 10, 100), 0.99);
}

// A new node's level-0 list is filled to 2m, and a full list re-pruned for a
// back link is filled again to 3/4 of that, so once the graph holds more
// than 2m nodes no level-0 list is left below that (without the refill the
// heuristic alone leaves many shorter).
TEST(Graph, LevelZeroListsStayMostlyFull) {
	HnswParams params;
	params.m = 8;
	params.ef_construction = 32;
	// few dimensions: there the heuristic alone keeps few links
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 3);
	auto data = RandomVectors(2000, 3, 7);
	auto graph = BuildGraph(metric, data, 1, params);
	const size_t at_least = 12;  // 3/4 of 2m
	std::vector<uint32_t> links;
	size_t short_lists = 0;
	for (uint32_t id = 2 * params.m + 1; id < graph->Size(); id++) {
		graph->Neighbours(id, 0, links);
		short_lists += links.size() < at_least;
	}
	EXPECT_EQ(short_lists, 0u);
}

// The parallel build's shape: several participants attach to one arena,
// add elements at once (as from a shared heap scan), then link together.
TEST(Arena, ParticipantsAddAndLinkTogether) {
	const size_t dims = 16, n = 4000, participants = 3;
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, dims);
	auto data = RandomVectors(n, dims, 8);
	HnswParams params;
	std::vector<uint64_t> memory(ArenaGraph::BytesFor(metric, params.m, n, ArenaGraph::UpperListsFor(params.m, n), 0) / 8 + 1);
	ArenaGraph::Create(memory.data(), metric, params, n, ArenaGraph::UpperListsFor(params.m, n), 0);
	std::vector<std::vector<uint32_t>> ids(participants);
	std::atomic<size_t> next_row{0}, arrived{0};
	std::vector<std::thread> threads;
	for (size_t p = 0; p < participants; p++)
		threads.emplace_back([&, p] {
			ArenaGraph graph = ArenaGraph::Attach(memory.data(), metric);
			LevelGenerator levels(params.m, params.seed + p);
			for (size_t row; (row = next_row++) < n;)
				ids[p].push_back(graph.Add(&data[row * dims], [&](uint32_t) { return levels.Next(); }));
			for (arrived++; arrived < participants;)
				std::this_thread::yield();
			EXPECT_TRUE(graph.LinkClaimed([](size_t) { return true; }));
		});
	for (auto &t : threads)
		t.join();
	ArenaGraph graph = ArenaGraph::Attach(memory.data(), metric);
	ASSERT_EQ(graph.Size(), n);
	std::set<uint32_t> unique;
	for (auto &list : ids)
		unique.insert(list.begin(), list.end());
	EXPECT_EQ(unique.size(), n);
	EXPECT_EQ(*unique.rbegin(), n - 1);
	// the element behind each id is the row that participant added
	std::vector<float> by_id(n * dims);
	for (uint32_t id = 0; id < n; id++)
		std::memcpy(&by_id[id * dims], graph.Element(id), dims * sizeof(float));
	auto queries = RandomVectors(50, dims, 9);
	EXPECT_GE(Recall(graph, by_id, queries, 10, 200), 0.99);
	EXPECT_EQ(graph.Level(graph.EntryPoint()), graph.MaxLevel());
}

// Offsets, not pointers: a copy of the arena at another address is the same
// graph (as a DSM segment mapped elsewhere by another process).
TEST(Arena, WorksAtAnotherAddress) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	auto data = RandomVectors(1500, 8, 10);
	size_t upper = ArenaGraph::UpperListsFor(16, 1500);
	std::vector<uint64_t> a(ArenaGraph::BytesFor(metric, 16, 1500, upper, 0) / 8 + 1);
	ArenaGraph built = ArenaGraph::Create(a.data(), metric, HnswParams(), 1500, upper, 0);
	LevelGenerator levels(16, 1);
	for (size_t i = 0; i < 1500; i++)
		built.Add(&data[i * 8], [&](uint32_t) { return levels.Next(); });
	ASSERT_TRUE(built.LinkClaimed([](size_t) { return true; }));
	std::vector<uint64_t> b(a);
	std::fill(a.begin(), a.end(), 0);
	ArenaGraph moved = ArenaGraph::Attach(b.data(), metric);
	auto queries = RandomVectors(30, 8, 11);
	EXPECT_GE(Recall(moved, data, queries, 10, 100), 0.99);
	EXPECT_THROW(ArenaGraph::Attach(b.data(), MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 9)),
	             std::invalid_argument);
}

// A full arena refuses more nodes rather than overrun; a node whose upper
// lists no longer fit is kept on level 0.
TEST(Arena, RefusesNodesPastCapacity) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 4);
	auto data = RandomVectors(20, 4, 12);
	std::vector<uint64_t> memory(ArenaGraph::BytesFor(metric, 4, 10, 2, 0) / 8 + 1);
	ArenaGraph graph = ArenaGraph::Create(memory.data(), metric, HnswParams{4, 8, 1}, 10, 2, 0);
	for (uint32_t i = 0; i < 10; i++)
		EXPECT_EQ(graph.Add(&data[i * 4], [](uint32_t) { return 1; }), i);
	EXPECT_EQ(graph.Add(&data[40], [](uint32_t) { return 0; }), kInvalidNode);
	EXPECT_EQ(graph.Size(), 10u);
	EXPECT_EQ(graph.Level(0) + graph.Level(1), 2);
	for (uint32_t i = 2; i < 10; i++)
		EXPECT_EQ(graph.Level(i), 0);
	ASSERT_TRUE(graph.LinkClaimed([](size_t) { return true; }));
	std::vector<uint32_t> links;
	graph.Neighbours(9, 0, links);
	EXPECT_FALSE(links.empty());
}

TEST(Graph, HalfAndBitElements) {
	auto half = MakeElementMetric(ElementType::kFloat16, MetricKind::kL2, 4);
	EXPECT_EQ(half.bytes, 8u);
	auto bits = MakeElementMetric(ElementType::kBit, MetricKind::kHamming, 20);
	EXPECT_EQ(bits.bytes, 3u);
	uint8_t a[3] = {0xff, 0x00, 0x0f}, b[3] = {0x0f, 0x00, 0x0f};
	EXPECT_EQ(bits.Distance(a, b), 4.0f);
	auto jaccard = MakeElementMetric(ElementType::kBit, MetricKind::kJaccard, 20);
	EXPECT_FLOAT_EQ(jaccard.Distance(a, b), 1.0f - 8.0f / 12.0f);
	EXPECT_THROW(MakeElementMetric(ElementType::kBit, MetricKind::kL2, 8), std::invalid_argument);
	EXPECT_THROW(MakeElementMetric(ElementType::kFloat32, MetricKind::kJaccard, 8), std::invalid_argument);
}

// Scans measure a vector that spans two pages piece by piece; that is only
// right where the metric says it is additive.
TEST(Metric, PieceDistancesAddUpForAdditiveMetrics) {
	auto data = RandomVectors(2, 64, 7);
	const uint8_t *a = reinterpret_cast<const uint8_t *>(&data[0]);
	const uint8_t *b = reinterpret_cast<const uint8_t *>(&data[64]);
	for (MetricKind kind : {MetricKind::kL2, MetricKind::kInnerProduct, MetricKind::kL1}) {
		auto metric = MakeElementMetric(ElementType::kFloat32, kind, 64);
		ASSERT_TRUE(metric.additive);
		float pieces = metric.PieceDistance(a, b, 40) + metric.PieceDistance(a + 40, b + 40, 216);
		EXPECT_NEAR(pieces, metric.Distance(a, b), 1e-4f * std::fabs(metric.Distance(a, b)) + 1e-5f);
	}
	std::vector<Half> ha, hb;
	for (size_t i = 0; i < 64; i++) {
		ha.push_back(FloatToHalf(data[i]));
		hb.push_back(FloatToHalf(data[64 + i]));
	}
	auto half = MakeElementMetric(ElementType::kFloat16, MetricKind::kL2, 64);
	float whole = half.Distance(ha.data(), hb.data());
	EXPECT_NEAR(half.PieceDistance(ha.data(), hb.data(), 30) + half.PieceDistance(&ha[15], &hb[15], 98), whole,
	            1e-4f * whole);
	auto hamming = MakeElementMetric(ElementType::kBit, MetricKind::kHamming, 1024);
	EXPECT_EQ(hamming.PieceDistance(a, b, 7) + hamming.PieceDistance(a + 7, b + 7, 121), hamming.Distance(a, b));
	EXPECT_FALSE(MakeElementMetric(ElementType::kBit, MetricKind::kJaccard, 64).additive);
	EXPECT_FALSE(MakeElementMetric(ElementType::kFloat16, MetricKind::kCosine, 64).additive);
}

}  // namespace
}  // namespace vdb
