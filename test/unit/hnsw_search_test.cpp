#include <cmath>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/level.h"
#include "core/hnsw/search.h"
#include "core/hnsw/visited.h"

namespace vdb {
namespace {

// Points on a line; node i links to i-1 and i+1 on level 0. `tied`: all
// at distance 1 from the query instead.
struct LineGraph {
	float query;
	size_t n;
	bool tied = false;
	int distance_calls = 0;
	float Distance(uint32_t id) {
		distance_calls++;
		return tied ? 1.0f : std::fabs(float(id) - query);
	}
	void Prefetch(uint32_t) {}
	void Neighbours(uint32_t id, int, std::vector<uint32_t> &out) {
		out.clear();
		if (id > 0)
			out.push_back(id - 1);
		if (id + 1 < n)
			out.push_back(id + 1);
	}
};

TEST(Search, DescentWalksToTheNearest) {
	LineGraph line{70.2f, 100};
	SearchScratch scratch;
	Descend(line, Candidate{line.Distance(3), 3}, 1, 0, line.n, scratch);
	ASSERT_FALSE(scratch.results.empty());
	EXPECT_EQ(scratch.results[0].id, 70u);
}

// Two clusters that only the upper level joins, the trap a greedy descent
// fell into on clustered data (docs/hnsw.md, "Recall from build to
// build"). Each node's distance to the query is given. On level 1 the
// entry point (node 0, at 20) links to T (node 1, at 10) in the far
// cluster and to X (node 2, at 11), which leads on to the query's cluster
// (hub node 3, at 2); T links back to the entry point only, so a greedy
// descent stops at T. On level 0 the far cluster (T and nodes 4-9, at 10
// to 12) links within itself and to the entry point, which alone links to
// X and so to the near cluster (hub and nodes 10-15, at 0.5 to 3): a
// level-0 search from T and the entry point fills its ef with far nodes
// and never expands the entry point again.
struct TwoClusters {
	std::vector<float> distance;
	std::vector<std::vector<uint32_t>> links[2];
	TwoClusters() : distance{20, 10, 11, 2} {
		for (float d : {10.5f, 10.8f, 11.2f, 11.5f, 11.8f, 12.0f})
			distance.push_back(d);  // 4-9: far cluster
		for (float d : {0.5f, 1.0f, 1.5f, 2.2f, 2.5f, 3.0f})
			distance.push_back(d);  // 10-15: near cluster
		links[1] = {{1, 2}, {0}, {0, 3}, {2}};
		links[0].resize(distance.size());
		std::vector<uint32_t> far{1, 4, 5, 6, 7, 8, 9}, near{3, 10, 11, 12, 13, 14, 15};
		for (uint32_t a : far) {
			for (uint32_t b : far)
				if (a != b)
					links[0][a].push_back(b);
			links[0][a].push_back(0);
			links[0][0].push_back(a);
		}
		for (uint32_t a : near)
			for (uint32_t b : near)
				if (a != b)
					links[0][a].push_back(b);
		links[0][0].push_back(2);
		links[0][2] = {0, 3};
		links[0][3].push_back(2);
	}
	float Distance(uint32_t id) { return distance[id]; }
	void Prefetch(uint32_t) {}
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) {
		out = level < 2 && id < links[level].size() ? links[level][id] : std::vector<uint32_t>{};
	}
};

TEST(Search, DescentDoesNotHangOnOneWrongCluster) {
	TwoClusters graph;
	SearchScratch scratch;
	SearchGraph(graph, 0, 1, graph.distance.size(), 4, scratch);
	std::vector<uint32_t> ids;
	for (auto &c : scratch.results)
		ids.push_back(c.id);
	EXPECT_EQ(ids, (std::vector<uint32_t>{10, 11, 12, 3}));
}

TEST(Search, SearchLayerReturnsEfNearestAscending) {
	LineGraph line{40.4f, 100};
	SearchScratch scratch;
	SearchGraph(line, 0, 0, line.n, 5, scratch);
	std::vector<uint32_t> ids;
	for (auto &c : scratch.results)
		ids.push_back(c.id);
	EXPECT_EQ(ids, (std::vector<uint32_t>{40, 41, 39, 42, 38}));
}

TEST(Search, VisitsEachNodeOnce) {
	LineGraph line{99, 100};
	SearchScratch scratch;
	SearchGraph(line, 0, 0, line.n, 100, scratch);
	EXPECT_EQ(line.distance_calls, 100);
	EXPECT_EQ(scratch.results.size(), 100u);
}

// Points on a line as LineGraph, with every fourth node also on level 1,
// linked there to the multiples of 4 beside it; counts each node's
// distance calls.
struct TwoLevelLine {
	float query;
	size_t n;
	std::map<uint32_t, int> measured;
	float Distance(uint32_t id) {
		measured[id]++;
		return std::fabs(float(id) - query);
	}
	void Prefetch(uint32_t) {}
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) {
		uint32_t step = level == 0 ? 1 : 4;
		out.clear();
		if (id >= step)
			out.push_back(id - step);
		if (id + step < n)
			out.push_back(id + step);
	}
};

// The descent on level 1 measures multiples of 4 (60, 80) that its beam
// drops and level 0 then meets again: the memo gives their distances.
TEST(Search, MeasuresEachNodeOnceAcrossLevels) {
	TwoLevelLine line{70.2f, 100};
	SearchScratch scratch;
	SearchGraph(line, 0, 1, line.n, 20, scratch);
	ASSERT_EQ(scratch.results.size(), 20u);
	EXPECT_EQ(scratch.results[0].id, 70u);
	EXPECT_EQ(line.measured.count(80), 1u);
	for (auto &[id, calls] : line.measured)
		EXPECT_EQ(calls, 1) << id;
}

TEST(DistanceMemo, FindsWhatItRecordedUntilCleared) {
	DistanceMemo memo;
	memo.Clear();
	for (uint32_t id = 0; id < 100; id++)
		memo.Record(id * 1024, float(id));  // ids that share their low bits
	float distance = -1;
	EXPECT_TRUE(memo.Find(37 * 1024, &distance));
	EXPECT_EQ(distance, 37.0f);
	EXPECT_FALSE(memo.Find(5, &distance));
	memo.Clear();
	EXPECT_FALSE(memo.Find(37 * 1024, &distance));
	// Past half its slots it records no more, and every lookup still ends.
	for (uint32_t id = 0; id < 2000; id++)
		memo.Record(id, 1.0f);
	EXPECT_TRUE(memo.Find(0, &distance));
	EXPECT_FALSE(memo.Find(1999, &distance));
}

// Before, a full list dropped every tie, so which of the tied nodes came
// back depended on where the search started (0, 1, 2 from node 0); now a
// tie nearer in the total order replaces the farthest kept, and the result
// is the same from every start.
TEST(Search, SearchResultDoesNotDependOnTheStart) {
	LineGraph path{0, 50, true};
	SearchScratch scratch;
	for (uint32_t start : {0u, 17u, 49u}) {
		SearchGraph(path, start, 0, path.n, 3, scratch);
		std::vector<uint32_t> ids;
		for (auto &c : scratch.results)
			ids.push_back(c.id);
		EXPECT_EQ(ids, (std::vector<uint32_t>{49, 48, 47})) << start;
	}
}

// A range walk (keep_within) keeps every node within the bound, however
// many more than ef, nearest first and ahead of the ef nodes past it, in
// one pass: on a line from node 0 toward 500.2 it measures the nodes on
// its way, those within 30 of the query, and about ef beyond them.
TEST(Search, KeepWithinKeepsTheWholeSphereInOneWalk) {
	LineGraph line{500.2f, 1000};
	SearchScratch scratch;
	SearchGraph(line, 0, 0, line.n, 5, scratch, 30.0f);
	std::vector<uint32_t> inside;
	for (auto &c : scratch.results)
		if (c.distance <= 30.0f)
			inside.push_back(c.id);
	EXPECT_EQ(inside.size(), 60u);  // 471 .. 530
	EXPECT_EQ(scratch.results.size(), 65u);
	for (size_t i = 1; i < scratch.results.size(); i++)
		EXPECT_FALSE(Nearer(scratch.results[i], scratch.results[i - 1])) << i;
	EXPECT_EQ(scratch.results[0].id, 500u);
	EXPECT_LE(line.distance_calls, 531 + 1 + 5 + 2);
	// No bound: the usual ef nearest.
	SearchGraph(line, 0, 0, line.n, 5, scratch);
	EXPECT_EQ(scratch.results.size(), 5u);
}

TEST(Visited, NewGenerationForgetsOldVisits) {
	VisitedSet visited;
	visited.Reset(10);
	EXPECT_TRUE(visited.Insert(3));
	EXPECT_FALSE(visited.Insert(3));
	EXPECT_TRUE(visited.Insert(50));  // grows past the reset size
	visited.Reset(10);
	EXPECT_FALSE(visited.Contains(3));
	EXPECT_TRUE(visited.Insert(3));
}

// Points in the plane; the heuristic's distances come from coordinates.
TEST(Heuristic, KeepsNearestAndOnlyDiverseCandidates) {
	std::mt19937 rng(7);
	std::uniform_real_distribution<float> coord(-1, 1);
	for (int trial = 0; trial < 50; trial++) {
		std::vector<std::pair<float, float>> points(40);
		for (auto &p : points)
			p = {coord(rng), coord(rng)};
		auto dist = [&](size_t a, size_t b) {
			return std::hypot(points[a].first - points[b].first, points[a].second - points[b].second);
		};
		std::vector<Candidate> candidates;
		for (size_t i = 0; i < points.size(); i++)
			candidates.push_back(Candidate{std::hypot(points[i].first, points[i].second), uint32_t(i)});
		std::sort(candidates.begin(), candidates.end(), FarthestOnTop());
		auto between = [&](size_t i, size_t j) { return dist(candidates[i].id, candidates[j].id); };
		std::vector<uint32_t> kept;
		SelectNeighbours(candidates.data(), candidates.size(), 6, between, kept);
		ASSERT_FALSE(kept.empty());
		EXPECT_LE(kept.size(), 6u);
		EXPECT_EQ(kept[0], 0u);  // the nearest is always kept
		for (size_t a = 0; a < kept.size(); a++)
			for (size_t b = 0; b < a; b++)
				EXPECT_GE(between(kept[a], kept[b]), candidates[kept[a]].distance);
		// every dropped candidate (before the last kept) was dominated by a kept one
		for (size_t i = 0; i < kept.back(); i++) {
			if (std::find(kept.begin(), kept.end(), i) != kept.end())
				continue;
			bool dominated = false;
			for (uint32_t k : kept)
				dominated |= k < i && between(i, k) < candidates[i].distance;
			EXPECT_TRUE(dominated) << i;
		}
	}
}

// fill keeps the heuristic's choice first, then the nearest passed-over
// candidates in order, up to fill_to (never beyond max_kept).
TEST(Heuristic, FillTopsUpWithNearestPrunedCandidates) {
	// points on a line at 1..10 from the base: each dominates all farther ones
	std::vector<Candidate> candidates;
	for (uint32_t i = 0; i < 10; i++)
		candidates.push_back(Candidate{float(i + 1), i});
	auto between = [&](size_t a, size_t b) { return std::fabs(candidates[a].distance - candidates[b].distance); };
	std::vector<uint32_t> kept;
	SelectNeighbours(candidates.data(), candidates.size(), 4, between, kept);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0}));
	SelectNeighbours(candidates.data(), candidates.size(), 4, between, kept, 4);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 1, 2, 3}));
	SelectNeighbours(candidates.data(), candidates.size(), 4, between, kept, 3);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 1, 2}));
	SelectNeighbours(candidates.data(), candidates.size(), 4, between, kept, 9);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 1, 2, 3}));
	SelectNeighbours(candidates.data(), 2, 4, between, kept, 4);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 1}));
}

TEST(Levels, FollowTheGeometricDistribution) {
	LevelGenerator levels(16, 1);
	std::map<int, int> counts;
	const int n = 200000;
	for (int i = 0; i < n; i++)
		counts[levels.Next()]++;
	EXPECT_NEAR(double(counts[0]) / n, 15.0 / 16, 0.005);
	EXPECT_NEAR(double(counts[1]) / n, 15.0 / 256, 0.003);
	LevelGenerator again(16, 1), other(16, 2);
	std::vector<int> a, c;
	for (int i = 0; i < 1000; i++) {
		a.push_back(again.Next());
		c.push_back(other.Next());
	}
	LevelGenerator first(16, 1);
	std::vector<int> replay;
	for (int i = 0; i < 1000; i++)
		replay.push_back(first.Next());
	EXPECT_EQ(a, replay);
	EXPECT_NE(a, c);
}

}  // namespace
}  // namespace vdb
