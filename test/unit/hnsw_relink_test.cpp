// The reachability pass that runs beside writers (core/hnsw/reachability.h):
// FindUnreached walks without changing anything, AttachRoots links back what
// it found. Checked on a small graph, and on random graphs changed between
// the two steps as inserts change them while the walk holds no lock.
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

// 0 -> 1 -> 2 reach each other; 3 and 4 (linking to each other) and 5 have
// no link to them, 6 is dead. The walk finds one root, 3 (5 comes with 4),
// hosts farthest first (none was reached from a root; NearestHosts), and
// changes nothing; 3 then goes to 0, the first host with room.
TEST(Relink, FindsRootsWithoutChangesThenAttachesThem) {
	ToyGraph g{{{1}, {2}, {0, 1}, {4}, {3, 5}, {}, {5}}, {true, true, true, true, true, true, false}, 2};
	ToyGraph before = g;
	ReachScratch walk;
	UnreachedRoots roots;
	FindUnreached(g, 0, walk, roots);
	EXPECT_EQ(g.links, before.links);
	EXPECT_EQ(roots.roots, (std::vector<uint32_t>{3}));
	EXPECT_EQ(roots.hosts, (std::vector<uint32_t>{0, 1, 2}));
	AttachScratch attach;
	std::vector<uint32_t> hosts;
	EXPECT_EQ(AttachRoots(g, roots, 0, 1, attach, hosts), 1u);
	EXPECT_EQ(g.links[0], (std::vector<uint32_t>{1, 3}));
	EXPECT_EQ(Reached(g, 0), (std::set<uint32_t>{0, 1, 2, 3, 4, 5}));
}

// A root that a writer made reachable after the walk, or that is no longer
// live, is left as it is.
TEST(Relink, ARootLinkedMeanwhileOrDeadIsLeftAlone) {
	ToyGraph g{{{1}, {2}, {0}, {}, {}}, std::vector<bool>(5, true), 2};
	ReachScratch walk;
	UnreachedRoots roots;
	FindUnreached(g, 0, walk, roots);
	ASSERT_EQ(roots.roots, (std::vector<uint32_t>{3, 4}));
	g.links[2].push_back(3);  // an insert linked 3 meanwhile
	g.live[4] = false;        // and 4 was flagged
	ToyGraph before = g;
	AttachScratch attach;
	std::vector<uint32_t> hosts;
	EXPECT_EQ(AttachRoots(g, roots, 0, 2, attach, hosts), 2u);
	EXPECT_EQ(g.links, before.links);
}

// A random graph with every list full or nearly so, and a few nodes cut
// off (no link to them).
ToyGraph CutGraph(std::mt19937 &rng, uint32_t n, size_t max_links) {
	std::vector<bool> cut(n, false);
	for (uint32_t id = 1; id < n; id++)
		cut[id] = rng() % 8 == 0;
	return RandomToyGraph(rng, n, max_links, &cut);
}

// The walk runs, then inserts re-prune reached nodes' lists (keeping what
// they drop reachable, as hnsw_insert.cpp does), then the roots are
// attached (LinkUnreachable when one finds no place, as
// HnswRelinkUnreached does): every node reached before the writers is
// reached after, and in the end every live node is.
TEST(Relink, WritersBetweenWalkAndAttachCutNobodyOff) {
	std::mt19937 rng(20261207);
	size_t attached = 0, fallbacks = 0;
	for (int round = 0; round < 300; round++) {
		ToyGraph g = CutGraph(rng, 40, 2 + round % 4);
		ReachScratch walk;
		UnreachedRoots roots;
		FindUnreached(g, 0, walk, roots);
		std::set<uint32_t> reached = Reached(g, 0);
		KeepScratch keep;
		AttachScratch attach;
		for (int step = 0; step < 10; step++) {
			bool lost = RepruneLikeAnInsert(g, rng, reached, keep, attach).walk_needed;
			if (lost)
				LinkUnreachable(g, 0, walk);
			std::set<uint32_t> now = Reached(g, 0);
			ASSERT_TRUE(std::includes(now.begin(), now.end(), reached.begin(), reached.end()));
			reached = now;
		}
		std::vector<uint32_t> hosts;
		size_t next = AttachRoots(g, roots, 0, roots.roots.size(), attach, hosts);
		if (next < roots.roots.size()) {
			fallbacks++;
			LinkUnreachable(g, 0, walk);
		} else
			attached += roots.roots.size();
		EXPECT_EQ(Reached(g, 0).size(), g.links.size()) << "round " << round;
	}
	EXPECT_GT(attached, 0u);
	RecordProperty("fallbacks", int(fallbacks));
}

}  // namespace
}  // namespace vdb
