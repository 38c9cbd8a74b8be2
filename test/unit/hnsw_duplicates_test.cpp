// Exact duplicates in an HNSW graph (issue #10, defects 1 and 2): every
// copy of a repeated vector must be found, and a search that starts among
// the copies must reach the rest of the graph.
#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/graph.h"
#include "graph_walk.h"
#include "in_memory_graph.h"

namespace vdb {
namespace {

// `others` uniform random rows of `dims` dimensions with `copies` copies of
// one more random vector spread among them; ids of the copies in *copy_ids.
std::vector<float> WithCopies(size_t others, size_t copies, size_t dims, uint64_t seed,
                              std::vector<uint32_t> *copy_ids) {
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<float> uniform;
	std::vector<float> copy(dims);
	for (float &x : copy)
		x = uniform(rng);
	std::vector<bool> is_copy(others + copies, false);
	std::fill(is_copy.begin(), is_copy.begin() + copies, true);
	std::shuffle(is_copy.begin(), is_copy.end(), rng);
	std::vector<float> data;
	for (size_t i = 0; i < is_copy.size(); i++) {
		if (is_copy[i]) {
			copy_ids->push_back(uint32_t(i));
			data.insert(data.end(), copy.begin(), copy.end());
		} else
			for (size_t d = 0; d < dims; d++)
				data.push_back(uniform(rng));
	}
	return data;
}

std::unique_ptr<InMemoryGraph> Build(const ElementMetric &metric, const std::vector<float> &data, int threads) {
	size_t n = data.size() / metric.dims;
	auto graph = std::make_unique<InMemoryGraph>(metric, HnswParams(), n);
	for (size_t i = 0; i < n; i++)
		graph->Add(&data[i * metric.dims]);
	EXPECT_TRUE(graph->LinkAll(threads, [](size_t) { return true; }));
	return graph;
}

std::set<uint32_t> Found(const ArenaGraph &graph, const float *query, size_t k, size_t ef) {
	SearchScratch scratch;
	std::vector<Candidate> found;
	graph.Search(query, k, ef, scratch, found);
	std::set<uint32_t> ids;
	for (const Candidate &c : found)
		ids.insert(c.id);
	return ids;
}

class Duplicates : public ::testing::TestWithParam<int> {};

// 160 copies among 10,000 rows: every node can be reached, and a search
// for k = 160 at the copy returns every copy.
TEST_P(Duplicates, EveryCopyIsFound) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	std::vector<uint32_t> copies;
	auto data = WithCopies(10000, 160, 8, 11, &copies);
	auto graph = Build(metric, data, GetParam());
	EXPECT_EQ(UnreachableNodes(*graph), 0u);
	std::set<uint32_t> found = Found(*graph, &data[copies[0] * 8], 160, 160);
	size_t missing = 0;
	for (uint32_t id : copies)
		missing += found.count(id) == 0;
	EXPECT_EQ(missing, 0u);
}

// 200 rows plus 160 copies: a search at the copy with ef above the row count
// returns every row; before, the copies linked only to each other and the
// 200 other rows were never reached.
TEST_P(Duplicates, SearchFromTheCopiesReachesEveryRow) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 8);
	std::vector<uint32_t> copies;
	auto data = WithCopies(200, 160, 8, 12, &copies);
	auto graph = Build(metric, data, GetParam());
	EXPECT_EQ(Found(*graph, &data[copies[0] * 8], 360, 1000).size(), 360u);
}

INSTANTIATE_TEST_SUITE_P(Threads, Duplicates, ::testing::Values(1, 3));

// 2,000 points in 2 dimensions, crowded into 16 near-duplicate clusters
// (noise 0.001 around the corners of a 4 x 4 grid), m = 4: pruning alone
// left 8,724 of these 10,000 nodes (5 builds) with no path to them; the
// build's repair links every one back.
TEST(NearDuplicates, CrowdedClustersStayReachable) {
	auto metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, 2);
	HnswParams params;
	params.m = 4;
	params.ef_construction = 8;
	size_t lost = 0;
	for (uint64_t seed = 0; seed < 5; seed++) {
		std::mt19937_64 rng(seed);
		std::uniform_int_distribution<int> corner(0, 3);
		std::normal_distribution<float> noise(0, 1e-3f);
		InMemoryGraph graph(metric, params, 2000);
		for (int i = 0; i < 2000; i++) {
			float point[2] = {corner(rng) + noise(rng), corner(rng) + noise(rng)};
			graph.Add(point);
		}
		ASSERT_TRUE(graph.LinkAll(1, [](size_t) { return true; }));
		lost += UnreachableNodes(graph);
	}
	EXPECT_EQ(lost, 0u);
}

}  // namespace
}  // namespace vdb
