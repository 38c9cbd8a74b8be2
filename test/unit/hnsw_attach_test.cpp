// What an insert does to keep nodes reachable without walking the graph
// (core/hnsw/reachability.h): AttachNearby's places, and
// KeepDroppedReachable plus AttachNearby never cutting a reached node off,
// on random graphs with full lists.
#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/reachability.h"
#include "toy_graph.h"
#include "toy_insert.h"

namespace vdb {
namespace {

bool Includes(const std::set<uint32_t> &all, const std::set<uint32_t> &some) {
	return std::includes(all.begin(), all.end(), some.begin(), some.end());
}

TEST(AttachNearby, AHostThatLinksToTheNodeAlreadyIsEnough) {
	ToyGraph g{{{1}, {2}, {}}, std::vector<bool>(3, true), 2};
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 2, {0, 1}, s), 1u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{1}));
}

TEST(AttachNearby, TheNearestHostWithRoomTakesTheNode) {
	ToyGraph g{{{1, 2}, {2}, {0}, {}}, std::vector<bool>(4, true), 2};
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 3, {0, 1}, s), 1u);
	EXPECT_EQ(g.links[1], (std::vector<uint32_t>{2, 3}));
}

// 0 -> {2, 1} and 2 -> 1: 0 gives up its link to 1, reached through 2.
TEST(AttachNearby, AFullHostGivesUpALinkAnotherOfItsNodesHolds) {
	ToyGraph g{{{2, 1}, {2, 0}, {0, 1}, {}}, std::vector<bool>(4, true), 2};
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 3, {0}, s), 0u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{2, 3}));
	EXPECT_EQ(Reached(g, 0).size(), 4u);
}

// No link of 0's is held twice in its list, but the node (3) links to 2:
// 0 -> 3 -> 2 replaces 0 -> 2.
TEST(AttachNearby, AFullHostGivesUpALinkTheNodeHolds) {
	ToyGraph g{{{1, 2}, {0, 4}, {0, 4}, {2}, {1, 0}}, std::vector<bool>(5, true), 2};
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 3, {0}, s), 0u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{1, 3}));
	EXPECT_EQ(Reached(g, 0).size(), 5u);
}

// Nothing holds 0's links twice and 3 links nowhere: 3 takes 0's last place
// and links on to the node it displaced.
TEST(AttachNearby, TheNodeCarriesTheLinkItDisplaces) {
	ToyGraph g{{{1, 2}, {0, 4}, {0, 4}, {}, {1, 0}}, std::vector<bool>(5, true), 2};
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 3, {0}, s), 0u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{1, 3}));
	EXPECT_EQ(g.links[3], (std::vector<uint32_t>{2}));
	EXPECT_EQ(Reached(g, 0).size(), 5u);
}

// Every list full and nothing held twice: no place nearby, nothing changed.
TEST(AttachNearby, NoPlaceNearbyChangesNothing) {
	ToyGraph g{{{1}, {2}, {0}, {4}, {3}}, std::vector<bool>(5, true), 1};
	ToyGraph before = g;
	AttachScratch s;
	EXPECT_EQ(AttachNearby(g, 3, {0, 1, 2}, s), kInvalidNode);
	EXPECT_EQ(g.links, before.links);
}

// An insert's steps on a reached node Y, as hnsw_insert.cpp takes them: its
// list re-pruned to random members, the dropped nodes kept reachable and
// the list written, then the stranded ones attached nearby. Whenever no
// place was found nearby LinkUnreachable runs, as the insert does. Nodes
// the entry reached before are always reached after. (Random links have
// few triangles, so nearby places are rarer than in a real graph: both
// ways are taken here.)
TEST(KeepReachable, RePruningNeverCutsAReachedNodeOff) {
	std::mt19937 rng(20261206);
	size_t walks = 0, attached_nearby = 0;
	for (int round = 0; round < 300; round++) {
		ToyGraph g = RandomToyGraph(rng, 40, 2 + round % 4);
		std::set<uint32_t> reached = Reached(g, 0);
		KeepScratch keep;
		AttachScratch attach;
		ReachScratch walk;
		for (int step = 0; step < 30; step++) {
			RepruneResult r = RepruneLikeAnInsert(g, rng, reached, keep, attach);
			attached_nearby += r.attached_nearby;
			if (r.walk_needed) {
				walks++;
				LinkUnreachable(g, 0, walk);
			}
			std::set<uint32_t> now = Reached(g, 0);
			ASSERT_TRUE(Includes(now, reached)) << "round " << round << " step " << step;
			reached = now;
		}
	}
	EXPECT_GT(walks, 0u);
	EXPECT_GT(attached_nearby, 0u);
}

// A new node (no link to it yet, its own list random) attached to random
// reached hosts: every node reached before is reached after, and the new
// one too unless no place was found (then nothing changed).
TEST(AttachNearby, NeverCutsAReachedNodeOff) {
	std::mt19937 rng(7);
	for (int round = 0; round < 2000; round++) {
		ToyGraph g = RandomToyGraph(rng, 30, 1 + round % 4);
		uint32_t node = uint32_t(g.links.size());
		g.links.emplace_back();
		g.live.push_back(true);
		for (size_t count = rng() % (g.max_links + 1); g.links[node].size() < count;) {
			uint32_t to = rng() % node;
			if (std::find(g.links[node].begin(), g.links[node].end(), to) == g.links[node].end())
				g.links[node].push_back(to);
		}
		std::set<uint32_t> reached = Reached(g, 0);
		reached.erase(node);
		std::vector<uint32_t> hosts(reached.begin(), reached.end());
		std::shuffle(hosts.begin(), hosts.end(), rng);
		hosts.resize(std::min<size_t>(hosts.size(), 1 + rng() % 4));
		ToyGraph before = g;
		AttachScratch s;
		uint32_t host = AttachNearby(g, node, hosts, s);
		std::set<uint32_t> now = Reached(g, 0);
		ASSERT_TRUE(Includes(now, reached)) << "round " << round;
		if (host == kInvalidNode)
			EXPECT_EQ(g.links, before.links);
		else
			EXPECT_TRUE(now.count(node)) << "round " << round;
	}
}

}  // namespace
}  // namespace vdb
