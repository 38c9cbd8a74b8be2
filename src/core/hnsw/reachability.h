// Keeping every node of an HNSW graph reachable on level 0, where every
// search ends. Pruning can leave a node with no link to it (all its back
// links re-pruned away, most often among exact or near duplicates, or when
// parallel linkers raced); such a row would only be found by a sequential
// scan. The build runs LinkUnreachable once every node is linked, VACUUM
// runs it after its repair, and an insert calls AttachNode for its new node;
// the graph may live in memory or on index pages, through an accessor G:
//   size_t NodeCount()
//   bool Live(uint32_t id)      a node searches may return and pass through
//   void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out)
//   size_t MaxLinks()           of a level-0 list
//   void SetLinks(uint32_t id, const std::vector<uint32_t> &links)  level 0
//   void Nearest(uint32_t id, SearchScratch &scratch)
//       scratch.results := nodes near id's vector, nearest first, found by
//       an ordinary search from the entry point
// Like search.h, these keep no object with a destructor on their frames:
// the accessor may longjmp out of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/hnsw/search.h"

namespace vdb {

// What LinkUnreachable reuses; the caller owns it.
struct ReachScratch {
	SearchScratch search;
	std::vector<uint8_t> reached;  // per node
	std::vector<uint32_t> todo;
	std::vector<uint32_t> links;
	std::vector<uint32_t> hosts;
};

// Makes `node` reachable from one of `hosts` (nearest first): unless one
// of them links to it already, it is added to the first whose level-0 list
// has room, or, when all are full, it takes the last place of the nearest's
// list (the least preferred: lists are kept in the heuristic's order).
// Returns the host, or kInvalidNode when there is none.
template <typename G>
uint32_t AttachNode(G &graph, uint32_t node, const std::vector<uint32_t> &hosts, std::vector<uint32_t> &links) {
	if (hosts.empty())
		return kInvalidNode;
	uint32_t roomy = kInvalidNode;
	for (uint32_t host : hosts) {
		graph.Neighbours(host, 0, links);
		if (std::find(links.begin(), links.end(), node) != links.end())
			return host;
		if (roomy == kInvalidNode && links.size() < graph.MaxLinks())
			roomy = host;
	}
	uint32_t host = roomy != kInvalidNode ? roomy : hosts.front();
	graph.Neighbours(host, 0, links);
	if (links.size() < graph.MaxLinks())
		links.push_back(node);
	else
		links.back() = node;
	graph.SetLinks(host, links);
	return host;
}

namespace reach_detail {

// Marks everything reachable from `from` over live nodes' level-0 links.
template <typename G>
void Walk(G &graph, uint32_t from, ReachScratch &s) {
	s.reached[from] = 1;
	s.todo.assign(1, from);
	while (!s.todo.empty()) {
		uint32_t id = s.todo.back();
		s.todo.pop_back();
		graph.Neighbours(id, 0, s.links);
		for (uint32_t to : s.links)
			if (to < s.reached.size() && !s.reached[to] && graph.Live(to)) {
				s.reached[to] = 1;
				s.todo.push_back(to);
			}
	}
}

// Up to this many hosts are tried for one node, nearest first.
constexpr size_t kHosts = 8;

}  // namespace reach_detail

// Links every live node that a walk over level 0 from `entry` does not
// reach from the nearest nodes that it does reach (see AttachNode), and
// returns how many it linked. A node that had to take a full list's last
// place can strand that place's old node, so the walk is redone until it
// finds nothing (a few rounds at most).
template <typename G>
size_t LinkUnreachable(G &graph, uint32_t entry, ReachScratch &s) {
	size_t n = graph.NodeCount(), linked = 0;
	if (entry == kInvalidNode || entry >= n)
		return 0;
	for (int round = 0; round < 4; round++) {
		s.reached.assign(n, 0);
		reach_detail::Walk(graph, entry, s);
		size_t before = linked;
		for (uint32_t id = 0; id < n; id++) {
			if (s.reached[id] || !graph.Live(id))
				continue;
			graph.Nearest(id, s.search);
			s.hosts.clear();
			for (const Candidate &c : s.search.results)
				if (c.id != id && c.id < n && s.reached[c.id] && s.hosts.size() < reach_detail::kHosts)
					s.hosts.push_back(c.id);
			if (s.hosts.empty())
				s.hosts.push_back(entry);
			AttachNode(graph, id, s.hosts, s.links);
			linked++;
			reach_detail::Walk(graph, id, s);
		}
		if (linked == before)
			break;
	}
	return linked;
}

}  // namespace vdb
