// Keeping every node of an HNSW graph reachable on level 0, where every
// search ends. Pruning can leave a node with no link to it (all its back
// links re-pruned away, most often among exact or near duplicates, or when
// parallel linkers raced); such a row would only be found by a sequential
// scan. The build runs LinkUnreachable once every node is linked. An
// insert looks only near the nodes it touches: AttachNearby for its new
// node and KeepDroppedReachable for the nodes its back links displace. On
// index pages, where inserts go on meanwhile, VACUUM after its repair (and
// an insert whose node found no place nearby) splits the same work in two:
// FindUnreached walks the graph without the graph write lock, and
// AttachRoots links back what it found, under the lock but only for a
// moment. The graph may live in memory or on index pages, through an
// accessor G:
//   size_t NodeCount()
//   bool Live(uint32_t id)      a node searches may return and pass through
//   void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out)
//   size_t MaxLinks()           of a level-0 list
//   void SetLinks(uint32_t id, const std::vector<uint32_t> &links)  level 0
//   int MaxLevel(); size_t Ef()   the graph's top level; ef for searches
//   View QueryOf(uint32_t id)   a search.h accessor for distances to id's
//                               vector (a view with no destructor to run)
// Like search.h, these keep no object with a destructor on their frames:
// the accessor may longjmp out of them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/hnsw/search.h"

namespace vdb {

// What LinkUnreachable reuses; the caller owns it.
struct ReachScratch {
	SearchScratch search;
	std::vector<uint8_t> reached;  // per node: 0, or how it was reached (reach_detail::kFromEntry, ...)
	std::vector<uint32_t> todo;
	std::vector<uint32_t> links;
	std::vector<uint32_t> hosts;
	std::vector<uint32_t> parent;  // per node: the reached node a walk first reached it from
};

namespace reach_detail {

// How a walk reached a node: from the entry point, or from a root (a node
// the walk from the entry missed, linked back since).
constexpr uint8_t kFromEntry = 1;
constexpr uint8_t kFromRoot = 2;

// Whether one of `hosts` links to `node` already (returns it), else the
// first host whose level-0 list has room, kInvalidNode when none has.
template <typename G>
uint32_t LinkedOrRoomy(G &graph, uint32_t node, const std::vector<uint32_t> &hosts, std::vector<uint32_t> &links,
                       bool *linked) {
	uint32_t roomy = kInvalidNode;
	*linked = false;
	for (uint32_t host : hosts) {
		graph.Neighbours(host, 0, links);
		if (std::find(links.begin(), links.end(), node) != links.end()) {
			*linked = true;
			return host;
		}
		if (roomy == kInvalidNode && host != node && links.size() < graph.MaxLinks())
			roomy = host;
	}
	return roomy;
}

// Writes `node` into host's level-0 list at `place` (SIZE_MAX: appended).
template <typename G>
void PlaceLink(G &graph, uint32_t host, uint32_t node, size_t place, std::vector<uint32_t> &links) {
	graph.Neighbours(host, 0, links);
	if (place == SIZE_MAX)
		links.push_back(node);
	else
		links[place] = node;
	graph.SetLinks(host, links);
}

}  // namespace reach_detail

// What AttachNearby reuses; the caller owns it.
struct AttachScratch {
	std::vector<uint32_t> links, node_links, member_links, covered;
};

// Makes `node` reachable from one of `hosts` (nodes reachable now, nearest
// first) without a walk over the graph, so an insert can afford it: unless
// one of them links to it already, it is added to the first whose level-0
// list has room. When all are full, it takes the place of a link H -> W
// of the nearest host H that can give one up, W staying reachable:
// - through another node X of H's list that links to W (H -> X -> W), or
// - through `node` itself, which links to W or to an X != H that does
//   (H -> node -> X -> W).
// Failing both, when node's own list has room, it takes the last place of
// the nearest list (the least preferred: lists are kept in the heuristic's
// order) and links to the W it displaced (unless W is no longer live).
// Returns the host, or kInvalidNode
// (nothing changed) when no host offers a place: the caller must then walk
// the graph (LinkUnreachable).
template <typename G>
uint32_t AttachNearby(G &graph, uint32_t node, const std::vector<uint32_t> &hosts, AttachScratch &s) {
	bool linked;
	uint32_t host = reach_detail::LinkedOrRoomy(graph, node, hosts, s.links, &linked);
	if (linked)
		return host;
	if (host != kInvalidNode) {
		reach_detail::PlaceLink(graph, host, node, SIZE_MAX, s.links);
		return host;
	}
	graph.Neighbours(node, 0, s.node_links);
	for (uint32_t h : hosts) {
		if (h == node)
			continue;
		auto cover_links_of = [&](uint32_t x) {
			graph.Neighbours(x, 0, s.member_links);
			s.covered.insert(s.covered.end(), s.member_links.begin(), s.member_links.end());
		};
		s.covered.assign(s.node_links.begin(), s.node_links.end());
		for (uint32_t x : s.node_links)
			if (x != h)
				cover_links_of(x);
		graph.Neighbours(h, 0, s.links);
		for (uint32_t x : s.links)
			cover_links_of(x);
		std::sort(s.covered.begin(), s.covered.end());
		for (size_t i = s.links.size(); i-- > 0;)
			if (std::binary_search(s.covered.begin(), s.covered.end(), s.links[i])) {
				reach_detail::PlaceLink(graph, h, node, i, s.links);
				return h;
			}
	}
	for (uint32_t h : hosts) {
		if (h == node || s.node_links.size() >= graph.MaxLinks())
			continue;
		graph.Neighbours(h, 0, s.links);
		uint32_t displaced = s.links.back();
		// A node flagged deleted needs no way in, and no new link may lead to
		// one: VACUUM frees it once its repair has removed every link to it.
		if (graph.Live(displaced) &&
		    std::find(s.node_links.begin(), s.node_links.end(), displaced) == s.node_links.end()) {
			s.node_links.push_back(displaced);
			graph.SetLinks(node, s.node_links);  // before H gives W up: W is never cut off
		}
		reach_detail::PlaceLink(graph, h, node, s.links.size() - 1, s.links);
		return h;
	}
	return kInvalidNode;
}

// What KeepDroppedReachable reuses; the caller owns it.
struct KeepScratch {
	std::vector<uint32_t> sources;  // the new list as given: the nodes X whose links count
	std::vector<std::vector<uint32_t>> lists;  // sources[i]'s level-0 list, once read[i]
	std::vector<uint8_t> read;
	std::vector<uint32_t> evicted;
	std::vector<uint32_t> stranded;  // out: dropped nodes that found no place
};

// Re-pruning a full level-0 list of some node Y for a back link drops old
// links, and a dropped link Y -> Z may have been Z's only way in: a graph
// that only ever grows by inserts then strands nodes (sparse vectors under
// L2, where the heuristic favours small norms everywhere, lost a third of
// their nodes). Removing Y -> Z keeps every node reachable if another node
// X that Y still links to also links to Z (any path through Y -> Z goes
// through Y -> X -> Z instead). So each dropped node that no node of the
// new list `after` links to is put back: at the end of the list while it
// has room (it was re-pruned to below max_links), else in the place of a
// node W of the list that such an X links to (W is then reached through
// X; a W that links to a node already put out this way stays, so no two
// evictions lean on each other). A dropped node that finds neither is
// returned in s.stranded. `before` is the old list. The lists of the X are
// read only as far as needed: most dropped nodes are linked from one of the
// first few, and reading and sorting every link of the new list's nodes
// took a third of an insert's time when a build had run out of memory.
template <typename G>
void KeepDroppedReachable(G &graph, const std::vector<uint32_t> &before, std::vector<uint32_t> &after,
                          KeepScratch &s) {
	s.stranded.clear();
	auto in = [](const std::vector<uint32_t> &list, uint32_t id) {
		return std::find(list.begin(), list.end(), id) != list.end();
	};
	if (std::all_of(before.begin(), before.end(), [&](uint32_t id) { return in(after, id); }))
		return;
	s.sources.assign(after.begin(), after.end());
	if (s.lists.size() < s.sources.size())
		s.lists.resize(s.sources.size());
	s.read.assign(s.sources.size(), 0);
	s.evicted.clear();
	auto list_of = [&](size_t i) -> const std::vector<uint32_t> & {
		if (!s.read[i]) {
			graph.Neighbours(s.sources[i], 0, s.lists[i]);
			s.read[i] = 1;
		}
		return s.lists[i];
	};
	// A source leaves the list only when it is put out (evicted).
	auto linked_from_list = [&](uint32_t to) {  // by a node of `after` that was not put out
		for (size_t i = 0; i < s.sources.size(); i++)
			if (!in(s.evicted, s.sources[i]) && in(list_of(i), to))
				return true;
		return false;
	};
	auto leaned_on = [&](uint32_t from) {  // links to a node put out
		size_t i = size_t(std::find(s.sources.begin(), s.sources.end(), from) - s.sources.begin());
		if (i == s.sources.size())
			return false;
		for (uint32_t gone : s.evicted)
			if (in(list_of(i), gone))
				return true;
		return false;
	};
	for (uint32_t dropped : before) {
		if (in(after, dropped) || linked_from_list(dropped))
			continue;
		if (after.size() < graph.MaxLinks()) {
			after.push_back(dropped);
			continue;
		}
		size_t place = after.size();
		while (place-- > 0 && !(linked_from_list(after[place]) && !leaned_on(after[place])))
			;
		if (place < after.size()) {
			s.evicted.push_back(after[place]);
			after[place] = dropped;
		} else
			s.stranded.push_back(dropped);
	}
}

namespace reach_detail {

// A search accessor that follows level-0 links to reached nodes only.
template <typename View>
struct ReachedOnly {
	View &view;
	const std::vector<uint8_t> &reached;
	float Distance(uint32_t id) { return view.Distance(id); }
	void Prefetch(uint32_t id) { view.Prefetch(id); }
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) {
		view.Neighbours(id, level, out);
		if (level == 0)
			out.erase(std::remove_if(out.begin(), out.end(),
			                         [this](uint32_t to) { return to >= reached.size() || !reached[to]; }),
			          out.end());
	}
};

// The reached nodes nearest to node id, nearest first, into s.search.results:
// down the upper levels as any search, then on level 0 from the entry point
// (and from the nodes the descent ended on that are reached) over reached
// nodes only. An unreached node's neighbours are often unreached too (a
// cut-off cluster of near duplicates), so an ordinary search could return
// none of the hosts wanted.
template <typename G>
void NearestReached(G &graph, uint32_t entry, uint32_t id, ReachScratch &s) {
	auto view = graph.QueryOf(id);
	Candidate start{view.Distance(entry), entry};
	Descend(view, start, graph.MaxLevel(), 0, s.reached.size(), s.search);
	auto &results = s.search.results;
	results.erase(std::remove_if(results.begin(), results.end(),
	                             [&](const Candidate &c) {
		                             return c.id == entry || c.id >= s.reached.size() || !s.reached[c.id];
	                             }),
	              results.end());
	results.push_back(start);
	ReachedOnly<decltype(view)> reached{view, s.reached};
	SearchLayer(reached, s.reached.size(), graph.Ef(), 0, s.search);
}

// Marks everything reachable from `from` over live nodes' level-0 links,
// noting in s.parent the node each was first reached from: those links
// form a tree that reaches every reached node (see AttachOffTree).
template <typename G>
void Walk(G &graph, uint32_t from, ReachScratch &s, uint8_t how) {
	s.reached[from] = how;
	s.todo.assign(1, from);
	while (!s.todo.empty()) {
		uint32_t id = s.todo.back();
		s.todo.pop_back();
		graph.Neighbours(id, 0, s.links);
		for (uint32_t to : s.links)
			if (to < s.reached.size() && !s.reached[to] && graph.Live(to)) {
				s.reached[to] = how;
				s.parent[to] = id;
				s.todo.push_back(to);
			}
	}
}

// Makes `node` reachable from one of `hosts` (reached nodes, nearest
// first) as AttachNearby does while a host links to it or has room; when
// all are full it takes the place of a link H -> W that is not W's walk
// tree link (parent[W] != H), so the tree still reaches every node it did.
// Counting links to W is not enough: the second one may come from a node
// reached only through W. parent[node] becomes the host. Returns it, or
// kInvalidNode (nothing changed) when no host has such a place.
template <typename G>
uint32_t AttachOffTree(G &graph, uint32_t node, const std::vector<uint32_t> &hosts, std::vector<uint32_t> &links,
                       std::vector<uint32_t> &parent) {
	bool linked;
	uint32_t host = LinkedOrRoomy(graph, node, hosts, links, &linked);
	size_t place = SIZE_MAX;
	// links to nodes out of range (never in a sound graph) are no tree links
	auto tree = [&parent](uint32_t from, uint32_t to) { return to < parent.size() && parent[to] == from; };
	for (size_t h = 0; host == kInvalidNode && h < hosts.size(); h++) {
		graph.Neighbours(hosts[h], 0, links);
		for (size_t i = links.size(); i-- > 0 && place == SIZE_MAX;)
			if (!tree(hosts[h], links[i]))
				place = i;
		if (place != SIZE_MAX)
			host = hosts[h];
	}
	if (host == kInvalidNode)
		return kInvalidNode;
	if (!linked)
		PlaceLink(graph, host, node, place, links);
	if (node < parent.size())
		parent[node] = host;
	return host;
}

// Up to this many hosts are tried for one node.
constexpr size_t kHosts = 64;

// The hosts for unreached node id, into s.hosts: of the reached nodes
// nearest to it (NearestReached, at most kHosts), first those reached
// from earlier roots, nearest first, then the others, farthest first.
//
// Why that order: where many nodes are unreached, the nodes nearest to
// every one of them are the same few hubs, and their links to each other
// are the ones searches need. Sparse rows under L2 are so: rows of small
// norm are near everything, the heuristic keeps them in every list and
// re-prunes every larger row out of theirs, so that two thirds of 3,000 or
// 10,000 seeded rows (bench/vdbbench/othertypes.py's) had no link to them
// once linked, while nearly every query's nearest rows are among those
// small ones. Hosted nearest first, the unreached rows took the places
// of the links between the hubs: recall@10 at ef_search 10 fell from 0.89
// (3,000 rows, before the pass) to 0.45, and 0.39 on 10,000. A node reached
// from a root is one of those rows itself, on nobody's path but its
// host's, so its list gives up a place at no cost; the farthest of the
// nearest reached nodes are the least central. So ordered, 0.89 and 0.83,
// and recall at ef_search 320 rose from 0.87 to 0.97 on 10,000 rows
// (test/unit/hnsw_relink_test.cpp).
template <typename G>
void NearestHosts(G &graph, uint32_t entry, uint32_t id, ReachScratch &s) {
	NearestReached(graph, entry, id, s);
	s.hosts.clear();
	for (const Candidate &c : s.search.results)
		if (c.id != id && s.reached[c.id] && s.hosts.size() < kHosts)
			s.hosts.push_back(c.id);
	auto others = std::stable_partition(s.hosts.begin(), s.hosts.end(),
	                                    [&s](uint32_t h) { return s.reached[h] == kFromRoot; });
	std::reverse(others, s.hosts.end());
}

// Walks level 0 from `entry`; for each live node the walk misses (a root),
// in id order: its hosts into s.hosts (NearestHosts, so they lead to it
// from entry or an earlier root), then root(id), then a walk from it, whose
// part of the graph comes along once it is linked. Returns how many roots.
template <typename G, typename Root>
size_t WalkRoots(G &graph, uint32_t entry, ReachScratch &s, Root root) {
	size_t n = graph.NodeCount(), roots = 0;
	if (entry == kInvalidNode || entry >= n)
		return 0;
	s.reached.assign(n, 0);
	s.parent.assign(n, kInvalidNode);
	Walk(graph, entry, s, kFromEntry);
	for (uint32_t id = 0; id < n; id++) {
		if (s.reached[id] || !graph.Live(id))
			continue;
		NearestHosts(graph, entry, id, s);
		root(id);
		roots++;
		Walk(graph, id, s, kFromRoot);
	}
	return roots;
}

}  // namespace reach_detail

// Links every live node that a walk over level 0 from `entry` does not
// reach from the nearest nodes that it does reach, and returns how many it
// linked. A full list gives up a link that is not in the walk's tree (see
// AttachOffTree), so no reached node is ever cut off and one pass suffices.
// When none of the nearest hosts has such a place, every reached node is
// tried: their lists hold R * max_links places and the tree only R - 1
// links, so one of them has room or a place to give up.
template <typename G>
size_t LinkUnreachable(G &graph, uint32_t entry, ReachScratch &s) {
	return reach_detail::WalkRoots(graph, entry, s, [&](uint32_t id) {
		if (reach_detail::AttachOffTree(graph, id, s.hosts, s.links, s.parent) == kInvalidNode) {
			s.hosts.clear();
			for (uint32_t host = 0; host < graph.NodeCount(); host++)
				if (s.reached[host])
					s.hosts.push_back(host);
			reach_detail::AttachOffTree(graph, id, s.hosts, s.links, s.parent);
		}
	});
}

// The unreached nodes FindUnreached found, each with its hosts.
struct UnreachedRoots {
	std::vector<uint32_t> roots;
	std::vector<size_t> first_host;  // per root, into hosts; one more at the end
	std::vector<uint32_t> hosts;
};

// LinkUnreachable's walk without its changes, for a graph that writers
// change meanwhile: notes each root of the walk (WalkRoots) in out.roots,
// with its hosts. Reads only. Beside writers that
// keep every node reachable (inserts do) what it finds is a hint: a list
// read after a writer moved a link away from where the walk had not yet
// been can show a reachable node as unreached (AttachRoots then links it
// once more, which harms nothing), and no node shown as reached is cut off
// by those writers later. Nodes past NodeCount() (added meanwhile) are
// left out: their writers made them reachable.
template <typename G>
void FindUnreached(G &graph, uint32_t entry, ReachScratch &s, UnreachedRoots &out) {
	out.roots.clear();
	out.hosts.clear();
	out.first_host.assign(1, 0);
	reach_detail::WalkRoots(graph, entry, s, [&](uint32_t id) {
		out.roots.push_back(id);
		out.hosts.insert(out.hosts.end(), s.hosts.begin(), s.hosts.end());
		out.first_host.push_back(out.hosts.size());
	});
}

// Links roots [from, to) of FindUnreached, in order, each to one of its
// hosts with AttachNearby: its choices are checked against the lists as
// they are now (the walk's tree, which LinkUnreachable gives links up
// from, may be out of date), so nobody is cut off. A root no longer live is
// skipped. Returns `to`, or the first root that found no place (the caller
// then falls back to LinkUnreachable). `hosts` is scratch.
template <typename G>
size_t AttachRoots(G &graph, const UnreachedRoots &u, size_t from, size_t to, AttachScratch &s,
                   std::vector<uint32_t> &hosts) {
	for (size_t r = from; r < to; r++) {
		if (!graph.Live(u.roots[r]))
			continue;
		hosts.assign(u.hosts.begin() + long(u.first_host[r]), u.hosts.begin() + long(u.first_host[r + 1]));
		if (AttachNearby(graph, u.roots[r], hosts, s) == kInvalidNode)
			return r;
	}
	return to;
}

}  // namespace vdb
