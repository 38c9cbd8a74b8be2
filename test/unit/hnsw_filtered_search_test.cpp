// SearchLayerFiltered (core/hnsw/search.h), the level-0 walk of a filtered
// hnsw scan: only passing nodes become results, failing ones still guide,
// and the walk stops at its distance budget.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/search.h"

namespace vdb {
namespace {

// Points on a line, node i at position i, linked to i±1 and i±2 (so a walk
// along the line always has a way on) and to `extra` random others. A node
// passes the filter when its id is a multiple of `every`.
struct FilteredLine {
	std::vector<std::vector<uint32_t>> links;
	float query = 0;
	uint32_t every = 1;
	size_t distance_calls = 0;
	size_t failing_measured = 0;
	std::vector<int> tests;     // filter tests per node
	std::vector<bool> measured;  // whether a node's distance was computed

	FilteredLine(uint32_t n, size_t extra, std::mt19937 &rng) : links(n), tests(n), measured(n) {
		for (uint32_t id = 0; id < n; id++) {
			for (int step : {-2, -1, 1, 2})
				if (int(id) + step >= 0 && int(id) + step < int(n))
					links[id].push_back(uint32_t(int(id) + step));
			for (size_t i = 0; i < extra; i++)
				links[id].push_back(rng() % n);
		}
	}
	bool Passes(uint32_t id) {
		tests[id]++;
		return Matches(id);
	}
	bool Matches(uint32_t id) const { return id % every == 0; }
	float Distance(uint32_t id) {
		distance_calls++;
		failing_measured += !Matches(id);
		measured[id] = true;
		return std::fabs(float(id) - query);
	}
	void Prefetch(uint32_t) {}
	void Neighbours(uint32_t id, int, std::vector<uint32_t> &out) { out = links[id]; }

	// The ef passing nodes nearest the query, nearest first.
	std::vector<uint32_t> Exact(size_t ef) const {
		std::vector<uint32_t> ids;
		for (uint32_t id = 0; id < links.size(); id++)
			if (Matches(id))
				ids.push_back(id);
		std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
			return std::fabs(float(a) - query) < std::fabs(float(b) - query);
		});
		ids.resize(std::min(ef, ids.size()));
		return ids;
	}
};

std::vector<uint32_t> Ids(const std::vector<Candidate> &results) {
	std::vector<uint32_t> ids;
	for (const Candidate &c : results)
		ids.push_back(c.id);
	return ids;
}

// Searches level 0 of `line` from node `entry`.
void Search(FilteredLine &line, uint32_t entry, size_t ef, size_t budget, SearchScratch &scratch) {
	scratch.results = {Candidate{line.Distance(entry), entry}};
	SearchLayerFiltered(line, line.links.size(), ef, line.links[0].size(), budget, 1.0, scratch);
}

TEST(FilteredSearch, FindsTheNearestPassingNodesAtEverySelectivity) {
	std::mt19937 rng(7);
	FilteredLine line(4000, 4, rng);
	SearchScratch scratch;
	for (uint32_t every : {1u, 10u, 100u})
		for (float query : {17.3f, 1234.6f, 3998.2f}) {
			line.every = every;
			line.query = query;
			Search(line, 2000, 10, SIZE_MAX, scratch);
			EXPECT_EQ(Ids(scratch.results), line.Exact(10)) << "1 in " << every << " passes, query " << query;
			for (size_t i = 1; i < scratch.results.size(); i++)
				EXPECT_LE(scratch.results[i - 1].distance, scratch.results[i].distance);
		}
}

// Two-hop neighbourhoods overlap (here through the shared i±1, i±2 links),
// and a test reads a node's words from its page: each node is tested once.
TEST(FilteredSearch, EachNodesFilterIsTestedOnce) {
	std::mt19937 rng(19);
	FilteredLine line(3000, 4, rng);
	line.every = 100;
	line.query = 1500.4f;
	SearchScratch scratch;
	Search(line, 10, 10, SIZE_MAX, scratch);
	EXPECT_EQ(Ids(scratch.results), line.Exact(10));
	EXPECT_LE(*std::max_element(line.tests.begin(), line.tests.end()), 1);
}

TEST(FilteredSearch, EveryNodePassingIsAnUnfilteredSearch) {
	std::mt19937 rng(11);
	FilteredLine line(2000, 4, rng);
	line.query = 777.7f;
	SearchScratch filtered, plain;
	Search(line, 5, 20, SIZE_MAX, filtered);
	plain.results = {Candidate{line.Distance(5), 5}};
	SearchLayer(line, line.links.size(), 20, 0, plain);
	EXPECT_EQ(Ids(filtered.results), Ids(plain.results));
}

// A third of the nodes pass, more than kTwoHopBelowPassRate: an
// expansion with fewer than max_links / 2 passing neighbours (most of them
// here) does not go on to its failing neighbours' neighbours, so every node
// tested was measured first; with two hops allowed at any pass rate, the
// same walk tests nodes it never measures. Both find the exact nearest.
TEST(FilteredSearch, NoTwoHopsWhereTheFilterPassesOften) {
	for (double two_hop_below : {kTwoHopBelowPassRate, 1.0}) {
		std::mt19937 rng(23);
		FilteredLine line(4000, 4, rng);
		line.every = 3;
		line.query = 2345.6f;
		SearchScratch scratch;
		scratch.results = {Candidate{line.Distance(10), 10}};
		SearchLayerFiltered(line, line.links.size(), 10, line.links[0].size(), SIZE_MAX, two_hop_below, scratch);
		EXPECT_EQ(Ids(scratch.results), line.Exact(10)) << "two_hop_below " << two_hop_below;
		size_t tested_unmeasured = 0;
		for (uint32_t id = 0; id < line.links.size(); id++)
			tested_unmeasured += line.tests[id] > 0 && !line.measured[id];
		if (two_hop_below < 1.0)
			EXPECT_EQ(tested_unmeasured, 0u);
		else
			EXPECT_GT(tested_unmeasured, 0u);
	}
}

TEST(FilteredSearch, NoPassingNodeStopsAtTheBudget) {
	std::mt19937 rng(13);
	FilteredLine line(5000, 4, rng);
	line.every = 1000000;  // only node 0 passes
	line.query = 4000.5f;
	SearchScratch scratch;
	const size_t budget = 300;
	Search(line, 2500, 10, budget, scratch);
	// Node 0 is far from the query and from where the walk starts: the walk
	// gives up at its budget rather than measuring the whole graph. An
	// expansion that starts under the budget finishes: at most its list plus
	// the two-hop nodes that pass (half a list) beyond it.
	EXPECT_TRUE(scratch.results.empty());
	size_t max_links = line.links[0].size();
	EXPECT_LE(line.distance_calls, 1 + budget + max_links + max_links / 2);
	EXPECT_GE(line.distance_calls, budget);
}

TEST(FilteredSearch, TwoHopsMeasureOnlyPassingNodes) {
	// Even ids pass. Entry 0 links only to the failing nodes 1, 3, 5 and 7,
	// and each of those to four nodes of which two pass. The expansion of 0
	// meets no passing neighbour, so it goes on through 1, then 3 (nearest
	// first) to their neighbours, measuring only those that pass, until it
	// has max_links / 2 = 4 passing ones. A budget of 4 distances ends the
	// walk after that one expansion, so what it measured shows.
	std::mt19937 rng(17);
	FilteredLine line(26, 0, rng);
	for (auto &l : line.links)
		l.clear();
	line.links[0] = {1, 3, 5, 7};
	for (uint32_t i = 0; i < 4; i++)
		for (uint32_t k = 0; k < 4; k++)
			line.links[1 + 2 * i].push_back(10 + 4 * i + k);
	line.every = 2;
	line.query = 0;
	SearchScratch scratch;
	scratch.results = {Candidate{line.Distance(0), 0}};
	SearchLayerFiltered(line, line.links.size(), 4, 8, 4, 1.0, scratch);
	EXPECT_EQ(Ids(scratch.results), (std::vector<uint32_t>{0, 10, 12, 14}));
	// The entry, its four failing neighbours, and the four passing nodes
	// behind 1 and 3 (10, 12, 14, 16); never the failing 11, 13, 15, 17.
	EXPECT_EQ(line.distance_calls, 9u);
	EXPECT_EQ(line.failing_measured, 4u);
}

}  // namespace
}  // namespace vdb
