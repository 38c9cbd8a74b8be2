// Linking a node into an HNSW graph (Malkov & Yashunin, algorithm 1): the one
// implementation that the in-memory build (graph.cpp), the insert and the
// merge of a pending node on index pages (hnsw_insert.cpp, over
// hnsw_link.h) and VACUUM's repair (hnsw_vacuum.cpp: ChooseLinks) run.
//
//   FindCandidates  descent to the node's level (search.h: Descend), then a
//                   best-first search of ef candidates on each level below
//   ChooseLinks     the heuristic over candidates (SelectNeighbours)
//   LinkNode        the node's own lists on every level, then a back link
//                   on each chosen neighbour (AddBackLink)
//   AddBackLink     appends to a list with room, re-prunes a full one
//   PlanLinks       LinkNode's choices made ahead, before the node has an
//   CommitLinks     id (kPlannedNode stands for it), then written: each
//                   back link as planned where its list is unchanged
//
// The steps are split so that a caller can put its locks between them: the
// page insert searches before it takes the graph write lock and links
// under it; the build searches and links at once. A build's page insert
// (the rows past its arena) also plans before the lock and commits under
// it, so that the distances of the re-prunes, 40% of the time under the
// lock, are computed while other participants write. The node's own lists on
// all its levels are written before any back link makes it reachable, so
// no concurrent search (another participant's, another insert's or a
// scan's) reaches it on an upper level and goes down to a level where its
// list is still empty (such nodes were left unreachable in parallel builds).
//
// Storage S, in memory (ArenaGraph::LinkStore) or on pages (HnswLinkStore):
//   size_t MaxLinks(int level)
//   void DropUnusable(std::vector<Candidate> &found, uint32_t id, int level)
//                       removes the candidates id may not link to on level
//                       (id itself; on pages also nodes VACUUM flagged)
//   void Prepare(const std::vector<Candidate> &c)   readies their elements
//   float Between(size_t i, size_t j)   distance of prepared c[i] to c[j]
//   View QueryOf(uint32_t id)   a search.h accessor for distances to id
//   void SetLinks(uint32_t id, int level, const std::vector<uint32_t> &links)
//                       writes a new node's own list
//   void EditLinks(uint32_t id, int level, std::vector<uint32_t> &links, F edit)
//                       reads id's list into links, calls edit(links) (a
//                       ListEdit) and writes what it made, with nobody
//                       else writing that list in between
// For PlanLinks, Prepare also takes kPlannedNode, the node being planned.
// Like search.h, these templates keep no object with a destructor on their
// frames: a storage on pages may longjmp out of them (ereport).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/hnsw/level.h"
#include "core/hnsw/search.h"

namespace vdb {

// What an EditLinks edit did to the list it was given.
enum class ListEdit {
	kKept,      // nothing: the link was there already
	kAppended,  // one link added at the end
	kRepruned,  // a full list chosen afresh: links may have been dropped
};

// The id that stands for a node PlanLinks links before it has one: it
// never names a node (ids stay below kInvalidNode - 1).
constexpr uint32_t kPlannedNode = kInvalidNode - 1;

// A back link PlanLinks worked out: the list of `to` on `level` as it was
// read, planned[before, after), and as adding kPlannedNode made it,
// planned[after, end).
struct BackLinkPlan {
	uint32_t to;
	int level;
	float distance;
	ListEdit how;
	size_t before, after, end;
};

// What linking reuses from node to node; the caller owns it.
struct LinkScratch {
	SearchScratch search;
	// Per level: the candidates found, then (LinkNode) the links chosen.
	std::vector<Candidate> per_level[LevelGenerator::kMaxLevel + 1];
	std::vector<Candidate> pool, chosen;
	std::vector<uint32_t> kept, links;
	std::vector<float> scattered;  // ArenaGraph's, for sparse elements (ScatterApplies); else unused
	std::vector<BackLinkPlan> plans;  // PlanLinks'
	std::vector<uint32_t> planned;   // the lists of plans
};

// Searches for the candidate neighbours of the element `view` measures
// from (a search.h accessor) on each level from min(level, max_level) down
// to 0, into s.per_level, starting from `entry` on max_level. Each level
// starts from everything found on the one above. Reads only.
template <typename G>
void FindCandidates(G &view, uint32_t entry, int max_level, int level, size_t node_count, size_t ef,
                    LinkScratch &s) {
	for (auto &found : s.per_level)
		found.clear();
	if (entry == kInvalidNode)
		return;
	Descend(view, Candidate{view.Distance(entry), entry}, max_level, level, node_count, s.search);
	for (int l = std::min(level, max_level); l >= 0; l--) {
		SearchLayer(view, node_count, ef, l, s.search);
		s.per_level[l].assign(s.search.results.begin(), s.search.results.end());
	}
}

// Chooses up to max_links of `found`, candidate neighbours of node `base`,
// by the heuristic (filled to fill_to, see SelectNeighbours) into `chosen`,
// in the heuristic's order. `found` is sorted for it (SortFor).
template <typename S>
void ChooseLinks(S &store, uint32_t base, std::vector<Candidate> &found, size_t max_links, size_t fill_to,
                 std::vector<uint32_t> &kept, std::vector<Candidate> &chosen) {
	SortFor(base, found);
	store.Prepare(found);
	SelectNeighbours(
		found.data(), found.size(), max_links, [&store](size_t a, size_t b) { return store.Between(a, b); }, kept,
		fill_to);
	chosen.clear();
	for (uint32_t k : kept)
		chosen.push_back(found[k]);
}

// AddBackLink's edit of `to`'s list `links`, as a ListEdit: also how
// PlanLinks works a back link out ahead, and CommitLinks redoes one.
template <typename S>
ListEdit EditForBackLink(S &store, uint32_t to, uint32_t from, float distance, int level,
                         std::vector<uint32_t> &links, LinkScratch &s) {
	if (std::find(links.begin(), links.end(), from) != links.end())
		return ListEdit::kKept;
	size_t max_links = store.MaxLinks(level);
	if (links.size() < max_links) {
		links.push_back(from);
		return ListEdit::kAppended;
	}
	auto query = store.QueryOf(to);
	s.pool.clear();
	s.pool.push_back(Candidate{distance, from});
	for (uint32_t link : links)
		s.pool.push_back(Candidate{query.Distance(link), link});
	ChooseLinks(store, to, s.pool, max_links, ReprunedFillTarget(level, max_links), s.kept, s.chosen);
	links.clear();
	for (const Candidate &c : s.chosen)
		links.push_back(c.id);
	return ListEdit::kRepruned;
}

// Adds a link to `from` (at `distance`) on `to`'s list on one level. A
// full list is re-pruned with the heuristic over its old links plus the
// new one, filled in part on level 0 (ReprunedFillTarget). `to` may link
// to `from` already: while both were linked at once (a parallel build), or
// when a merge is redone after a crash.
template <typename S>
void AddBackLink(S &store, uint32_t to, uint32_t from, float distance, int level, LinkScratch &s) {
	store.EditLinks(to, level, s.links, [&](std::vector<uint32_t> &links) {
		return EditForBackLink(store, to, from, distance, level, links, s);
	});
}

// On levels `top` down to 0, from the candidates FindCandidates left in
// s.per_level: drops the unusable ones and keeps max_links chosen by the
// heuristic, in s.per_level.
template <typename S>
void ChooseOwnLinks(S &store, uint32_t id, int top, LinkScratch &s) {
	for (int l = top; l >= 0; l--) {
		store.DropUnusable(s.per_level[l], id, l);
		ChooseLinks(store, id, s.per_level[l], store.MaxLinks(l), store.MaxLinks(l), s.kept, s.chosen);
		s.per_level[l].swap(s.chosen);
	}
}

// Writes the lists ChooseOwnLinks chose as id's own.
template <typename S>
void WriteOwnLinks(S &store, uint32_t id, int top, LinkScratch &s) {
	for (int l = top; l >= 0; l--) {
		s.links.clear();
		for (const Candidate &c : s.per_level[l])
			s.links.push_back(c.id);
		store.SetLinks(id, l, s.links);
	}
}

// Links node id on levels `top` down to 0 from the candidates FindCandidates
// left in s.per_level: its own lists (ChooseOwnLinks), then a back link to
// id on each. On return s.per_level holds the chosen.
template <typename S>
void LinkNode(S &store, uint32_t id, int top, LinkScratch &s) {
	ChooseOwnLinks(store, id, top, s);
	WriteOwnLinks(store, id, top, s);
	for (int l = top; l >= 0; l--)
		for (const Candidate &c : s.per_level[l])
			AddBackLink(store, c.id, id, c.distance, l, s);
}

// LinkNode's work for a node that has no id yet, writing nothing: its own
// lists into s.per_level, and into s.plans each back link's list as read
// now and as the link makes it. The caller must keep the candidates usable
// until CommitLinks (no VACUUM meanwhile: DropUnusable ran here).
template <typename S>
void PlanLinks(S &store, int top, LinkScratch &s) {
	ChooseOwnLinks(store, kPlannedNode, top, s);
	s.plans.clear();
	s.planned.clear();
	for (int l = top; l >= 0; l--)
		for (const Candidate &c : s.per_level[l])
			store.EditLinks(c.id, l, s.links, [&](std::vector<uint32_t> &links) {
				BackLinkPlan plan{c.id, l, c.distance, ListEdit::kKept, s.planned.size(), 0, 0};
				s.planned.insert(s.planned.end(), links.begin(), links.end());
				plan.how = EditForBackLink(store, c.id, kPlannedNode, c.distance, l, links, s);
				plan.after = s.planned.size();
				s.planned.insert(s.planned.end(), links.begin(), links.end());
				plan.end = s.planned.size();
				s.plans.push_back(plan);
				return ListEdit::kKept;  // nothing written
			});
}

// Writes what PlanLinks planned, as node id: its own lists, then each back
// link, as planned where the list is still as PlanLinks read it, else
// added afresh (another writer changed it in between).
template <typename S>
void CommitLinks(S &store, uint32_t id, int top, LinkScratch &s) {
	WriteOwnLinks(store, id, top, s);
	for (const BackLinkPlan &plan : s.plans)
		store.EditLinks(plan.to, plan.level, s.links, [&](std::vector<uint32_t> &links) {
			const uint32_t *read = s.planned.data() + plan.before;
			if (links.size() != plan.after - plan.before || !std::equal(links.begin(), links.end(), read))
				return EditForBackLink(store, plan.to, id, plan.distance, plan.level, links, s);
			links.assign(s.planned.begin() + plan.after, s.planned.begin() + plan.end);
			std::replace(links.begin(), links.end(), kPlannedNode, id);
			return plan.how;
		});
}

}  // namespace vdb
