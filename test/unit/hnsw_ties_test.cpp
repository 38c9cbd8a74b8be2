// Ties and reachability in the core HNSW search and pruning (issue #10):
// equal distances, exact duplicates, nodes no link leads to.
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/reachability.h"
#include "core/hnsw/search.h"
#include "toy_graph.h"

namespace vdb {
namespace {

std::vector<uint32_t> Ids(const std::vector<Candidate> &candidates) {
	std::vector<uint32_t> ids;
	for (const Candidate &c : candidates)
		ids.push_back(c.id);
	return ids;
}

// Copies of the base at distance 0 (from it and from each other) used to
// be kept as "diverse" one after another and fill the whole list; now the
// first copy takes one slot and the other points keep theirs.
TEST(Ties, CopiesOfTheBaseTakeOneDiverseSlot) {
	std::vector<Candidate> candidates;
	for (uint32_t i = 0; i < 5; i++)
		candidates.push_back(Candidate{0.0f, i});  // copies
	for (uint32_t i = 5; i < 8; i++)
		candidates.push_back(Candidate{1.0f, i});  // three points, 2 apart, 1 from the copies
	auto between = [&](size_t a, size_t b) {
		bool copy_a = candidates[a].distance == 0, copy_b = candidates[b].distance == 0;
		if (copy_a && copy_b)
			return 0.0f;
		return copy_a || copy_b ? 1.0f : 2.0f;
	};
	std::vector<uint32_t> kept;
	SelectNeighbours(candidates.data(), candidates.size(), 4, between, kept);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 5, 6, 7}));
	// the copies still top up a list with room left
	SelectNeighbours(candidates.data(), candidates.size(), 6, between, kept, 6);
	EXPECT_EQ(kept, (std::vector<uint32_t>{0, 5, 6, 7, 1, 2}));
}

// std::sort on distance alone left tied candidates in any order; SortFor
// orders them by closeness of id to the base, then by id.
TEST(Ties, SortForOrdersTiesByIdCloseness) {
	std::vector<Candidate> candidates{{0.5f, 3}, {0.0f, 90}, {0.0f, 7}, {0.0f, 13}, {0.0f, 11}, {0.0f, 9}};
	SortFor(10, candidates);
	EXPECT_EQ(Ids(candidates), (std::vector<uint32_t>{9, 11, 7, 13, 90, 3}));
}

// 0 -> 1 -> 2 reach each other; 3 and 4 (linking to each other) and 5 have
// no link to them, 6 is dead. Node 2's list is full, so 3 goes to 0 (of
// the nearest reached nodes, the farthest with room: NearestHosts), and 5
// is reached through 4.
TEST(Reachability, LinksBackEveryLiveNodeFromNearbyWithRoom) {
	ToyGraph g{{{1}, {2}, {0, 1}, {4}, {3, 5}, {}, {5}}, {true, true, true, true, true, true, false}, 2};
	ReachScratch scratch;
	EXPECT_EQ(LinkUnreachable(g, 0, scratch), 1u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{1, 3}));
	EXPECT_EQ(g.links[1], (std::vector<uint32_t>{2}));
	EXPECT_EQ(g.links[2], (std::vector<uint32_t>{0, 1}));
	EXPECT_EQ(Reached(g, 0), (std::set<uint32_t>{0, 1, 2, 3, 4, 5}));
}

// When every nearby list is full, the node takes the place of a link that
// the walk from the entry point did not need: 2 -> 1 (1 is reached from 0).
TEST(Reachability, FullListsGiveUpALinkTheWalkDidNotNeed) {
	// 0 -> 1 <-> 2 with lists of one: 3 is unreachable and every list full
	ToyGraph g{{{1}, {2}, {1}, {}}, {true, true, true, true}, 1};
	ReachScratch scratch;
	EXPECT_EQ(LinkUnreachable(g, 0, scratch), 1u);
	EXPECT_EQ(g.links[2], (std::vector<uint32_t>{3}));
	EXPECT_EQ(Reached(g, 0).size(), 4u);
}

// Entry 1 -> {2, 4}; 2 <-> 3 and 4 <-> 5 hang off it, each pair linking back
// to 1; 0 is unreachable and every list is full. Both links of 1 are
// linked to twice (4 also from 5), but giving up 1 -> 4 would cut off 4 and
// 5, reached only through it: 0 takes 5's link back to the entry instead
// (the farthest host comes first: NearestHosts), and nothing needs to be
// linked again.
TEST(Reachability, GivingUpAPlaceStrandsNobody) {
	ToyGraph g{{{}, {2, 4}, {3, 1}, {2, 1}, {5, 1}, {4, 1}}, std::vector<bool>(6, true), 2};
	ReachScratch scratch;
	EXPECT_EQ(LinkUnreachable(g, 1, scratch), 1u);
	EXPECT_EQ(g.links[1], (std::vector<uint32_t>{2, 4}));
	EXPECT_EQ(g.links[5], (std::vector<uint32_t>{4, 0}));
	EXPECT_EQ(Reached(g, 1).size(), 6u);
}

// A chain 1 -> 2 -> ... -> 19 -> 1 with lists of one: the nearest hosts of
// the unreachable 0 link only on down the chain, so the one place to give
// up is far away (19 -> 1), and LinkUnreachable looks that far.
TEST(Reachability, LooksBeyondTheNearestHostsForAPlace) {
	ToyGraph g{{{}}, std::vector<bool>(20, true), 1};
	for (uint32_t id = 1; id < 20; id++)
		g.links.push_back({id < 19 ? id + 1 : 1u});
	ReachScratch scratch;
	EXPECT_EQ(LinkUnreachable(g, 1, scratch), 1u);
	EXPECT_EQ(g.links[19], (std::vector<uint32_t>{0}));
	EXPECT_EQ(Reached(g, 1).size(), 20u);
}

}  // namespace
}  // namespace vdb
