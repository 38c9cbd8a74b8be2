// The shared linker (core/hnsw/link.h) over a small in-memory storage:
// points in the plane, one level, lists in vectors. It must link a node to
// the candidates the heuristic keeps, add a back link on each, re-prune a
// full list, leave a list that has the link already untouched, and never
// link to a candidate the storage calls unusable. Planned ahead and
// committed (PlanLinks, CommitLinks), it must link as LinkNode does, and
// add afresh a back link whose list changed in between. The same linker on
// the build's arena is covered by hnsw_graph_test.cpp (recall, determinism).
#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "core/hnsw/link.h"

namespace vdb {
namespace {

struct Point {
	float x, y;
};

float Apart(const Point &a, const Point &b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Distances to one point, as search.h's accessor.
struct PointQuery {
	const std::vector<Point> *points;
	const std::vector<std::vector<uint32_t>> *links;
	Point of;
	float Distance(uint32_t id) const { return Apart(of, (*points)[id]); }
	void Prefetch(uint32_t) const {}
	void Neighbours(uint32_t id, int, std::vector<uint32_t> &out) const { out = (*links)[id]; }
};

// The link.h storage: one level, max_links per list, edits counted.
struct PointStore {
	std::vector<Point> points;
	std::vector<std::vector<uint32_t>> links;
	size_t max_links;
	std::set<uint32_t> unusable;
	const Candidate *prepared = nullptr;
	size_t writes = 0;
	Point planned{0, 0};  // kPlannedNode's point (PlanLinks)

	const Point &At(uint32_t id) const { return id == kPlannedNode ? planned : points[id]; }

	size_t MaxLinks(int) const { return max_links; }
	void DropUnusable(std::vector<Candidate> &found, uint32_t id, int) const {
		found.erase(std::remove_if(found.begin(), found.end(),
		                           [&](const Candidate &c) { return c.id == id || unusable.count(c.id) > 0; }),
		            found.end());
	}
	void Prepare(const std::vector<Candidate> &c) { prepared = c.data(); }
	float Between(size_t a, size_t b) const { return Apart(At(prepared[a].id), At(prepared[b].id)); }
	PointQuery QueryOf(uint32_t id) const { return PointQuery{&points, &links, points[id]}; }
	void SetLinks(uint32_t id, int, const std::vector<uint32_t> &l) {
		links[id] = l;
		writes++;
	}
	template <typename Edit>
	void EditLinks(uint32_t id, int, std::vector<uint32_t> &l, Edit edit) {
		l = links[id];
		if (edit(l) != ListEdit::kKept) {
			links[id] = l;
			writes++;
		}
	}
	uint32_t Add(Point p) {
		points.push_back(p);
		links.emplace_back();
		return uint32_t(points.size() - 1);
	}
	bool Links(uint32_t from, uint32_t to) const {
		return std::find(links[from].begin(), links[from].end(), to) != links[from].end();
	}
};

// Candidates of node id: every other node, with its distance.
void AllCandidates(const PointStore &store, uint32_t id, LinkScratch &s) {
	for (auto &level : s.per_level)
		level.clear();
	for (uint32_t other = 0; other < store.points.size(); other++)
		if (other != id)
			s.per_level[0].push_back(Candidate{Apart(store.At(id), store.points[other]), other});
}

// A hub whose list (max 4) is full with four points on one ray, and two
// more points, as BackLinkRePrunesAFullList's.
PointStore FullHub() {
	PointStore store{{}, {}, 4, {}};
	uint32_t hub = store.Add({0, 0});
	for (int i = 1; i <= 4; i++) {
		uint32_t on_ray = store.Add({float(i), 0});
		store.links[hub].push_back(on_ray);
	}
	store.Add({0, 2});
	store.Add({0, -2});
	return store;
}

TEST(HnswLink, LinksTheDiverseCandidatesAndBackLinksEach) {
	// Node 0 at the origin, 1 and 2 on the same ray (2 behind 1), 3 on the
	// other side: the heuristic keeps 1 and 3 and drops 2, which is nearer
	// to 1 than to the origin (with no fill: max_links 2 is taken by them).
	PointStore store{{}, {}, 2, {}};
	uint32_t base = store.Add({0, 0});
	uint32_t near = store.Add({1, 0});
	uint32_t behind = store.Add({2, 0});
	uint32_t other = store.Add({-1.5f, 0});
	LinkScratch s;
	AllCandidates(store, base, s);
	LinkNode(store, base, 0, s);
	EXPECT_EQ(store.links[base], (std::vector<uint32_t>{near, other}));
	EXPECT_TRUE(store.Links(near, base));
	EXPECT_TRUE(store.Links(other, base));
	EXPECT_FALSE(store.Links(behind, base));
	// On return the chosen, nearest first, with their distances.
	ASSERT_EQ(s.per_level[0].size(), 2u);
	EXPECT_EQ(s.per_level[0][0].id, near);
	EXPECT_FLOAT_EQ(s.per_level[0][1].distance, 1.5f);
}

TEST(HnswLink, FillsAListWithRoomFromThePassedOver) {
	// With room for three, the candidate the heuristic passed over fills
	// the last place (a new node's list is filled to max_links).
	PointStore store{{}, {}, 3, {}};
	uint32_t base = store.Add({0, 0});
	store.Add({1, 0});
	uint32_t behind = store.Add({2, 0});
	store.Add({-1.5f, 0});
	LinkScratch s;
	AllCandidates(store, base, s);
	LinkNode(store, base, 0, s);
	ASSERT_EQ(store.links[base].size(), 3u);
	EXPECT_EQ(store.links[base].back(), behind);
	EXPECT_TRUE(store.Links(behind, base));
}

TEST(HnswLink, NeverLinksAnUnusableCandidate) {
	PointStore store{{}, {}, 4, {}};
	uint32_t base = store.Add({0, 0});
	uint32_t flagged = store.Add({0.1f, 0});
	uint32_t live = store.Add({0, 1});
	store.unusable.insert(flagged);
	LinkScratch s;
	AllCandidates(store, base, s);
	LinkNode(store, base, 0, s);
	EXPECT_EQ(store.links[base], std::vector<uint32_t>{live});
	EXPECT_TRUE(store.links[flagged].empty());
	EXPECT_TRUE(store.Links(live, base));
}

TEST(HnswLink, BackLinkRePrunesAFullList) {
	// Node 0's level-0 list is full (max 4) with four points on one ray; a
	// back link from a point on the opposite side is diverse, so the
	// re-prune keeps it, the nearest on the ray, and fills to 3 of 4
	// (ReprunedFillTarget) with the nearest passed over.
	PointStore store{{}, {}, 4, {}};
	uint32_t hub = store.Add({0, 0});
	std::vector<uint32_t> ray;
	for (int i = 1; i <= 4; i++)
		ray.push_back(store.Add({float(i), 0}));
	store.links[hub] = ray;
	uint32_t opposite = store.Add({-3, 0});
	LinkScratch s;
	AddBackLink(store, hub, opposite, 3.0f, 0, s);
	EXPECT_EQ(store.links[hub], (std::vector<uint32_t>{ray[0], opposite, ray[1]}));
	EXPECT_EQ(store.writes, 1u);
	// The same link again changes nothing and writes nothing.
	AddBackLink(store, hub, opposite, 3.0f, 0, s);
	EXPECT_EQ(store.writes, 1u);
	// An upper level's re-pruned list is not filled.
	store.links[hub] = ray;
	AddBackLink(store, hub, opposite, 3.0f, 1, s);
	EXPECT_EQ(store.links[hub], (std::vector<uint32_t>{ray[0], opposite}));
}

TEST(HnswLink, BackLinkAppendsWhileThereIsRoom) {
	PointStore store{{}, {}, 4, {}};
	uint32_t hub = store.Add({0, 0});
	uint32_t a = store.Add({1, 0});
	uint32_t b = store.Add({2, 0});  // not diverse, but appended all the same
	store.links[hub] = {a};
	LinkScratch s;
	AddBackLink(store, hub, b, 2.0f, 0, s);
	EXPECT_EQ(store.links[hub], (std::vector<uint32_t>{a, b}));
}

TEST(HnswLink, PlannedAheadLinksAsLinkNodeDoes) {
	// The same node linked at once, and planned before it has an id (as
	// kPlannedNode) then committed: the same lists everywhere, the hub's
	// full list re-pruned the same way.
	PointStore direct = FullHub(), ahead = FullHub();
	Point node{-1, 0.5f};
	LinkScratch s;
	uint32_t id = direct.Add(node);
	AllCandidates(direct, id, s);
	LinkNode(direct, id, 0, s);

	ahead.planned = node;
	AllCandidates(ahead, kPlannedNode, s);
	PlanLinks(ahead, 0, s);
	EXPECT_EQ(ahead.writes, 0u);
	ASSERT_EQ(ahead.Add(node), id);
	CommitLinks(ahead, id, 0, s);
	EXPECT_EQ(ahead.links, direct.links);
	EXPECT_TRUE(direct.Links(0, id));  // the hub's list was re-pruned to keep it
}

TEST(HnswLink, CommitAddsAfreshALinkWhoseListChanged) {
	// Between the plan and its commit another writer gives the hub a new
	// list: the commit adds the link to that list (room: appended) rather
	// than writing the list it planned from the old one.
	PointStore store = FullHub();
	Point node{-1, 0.5f};
	store.planned = node;
	LinkScratch s;
	AllCandidates(store, kPlannedNode, s);
	PlanLinks(store, 0, s);
	std::vector<uint32_t> changed{1, 5};
	store.links[0] = changed;
	uint32_t id = store.Add(node);
	CommitLinks(store, id, 0, s);
	EXPECT_EQ(store.links[0], (std::vector<uint32_t>{1, 5, id}));
	for (uint32_t to : store.links[id])
		EXPECT_TRUE(store.Links(to, id)) << to;
}

TEST(HnswLink, FindCandidatesSearchesFromTheEntryPoint) {
	// A chain 0 - 1 - ... - 9 on a line: from entry 0, the ef nearest to a
	// point beside node 7 are found by following the chain.
	PointStore store{{}, {}, 2, {}};
	for (int i = 0; i < 10; i++)
		store.Add({float(i), 0});
	for (uint32_t i = 0; i < 10; i++) {
		if (i > 0)
			store.links[i].push_back(i - 1);
		if (i < 9)
			store.links[i].push_back(i + 1);
	}
	PointQuery view{&store.points, &store.links, Point{7.2f, 0}};
	LinkScratch s;
	FindCandidates(view, 0, 0, 0, store.points.size(), 3, s);
	std::vector<uint32_t> found;
	for (const Candidate &c : s.per_level[0])
		found.push_back(c.id);
	EXPECT_EQ(found, (std::vector<uint32_t>{7, 8, 6}));
	EXPECT_TRUE(s.per_level[1].empty());
}

}  // namespace
}  // namespace vdb
