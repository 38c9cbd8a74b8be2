// A level-0 HNSW graph in memory, as reachability.h's accessor, for tests:
// nodes are points on a line, so a node's distance to another is how far
// apart their ids are.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace vdb {

// Distances to node `of` of a ToyGraph.
struct ToyQuery {
	const std::vector<std::vector<uint32_t>> *links;
	uint32_t of;
	float Distance(uint32_t id) const { return float(id > of ? id - of : of - id); }
	void Prefetch(uint32_t) const {}
	void Neighbours(uint32_t id, int, std::vector<uint32_t> &out) const { out = (*links)[id]; }
};

struct ToyGraph {
	std::vector<std::vector<uint32_t>> links;
	std::vector<bool> live;
	size_t max_links;
	size_t NodeCount() const { return links.size(); }
	bool Live(uint32_t id) const { return live[id]; }
	void Neighbours(uint32_t id, int, std::vector<uint32_t> &out) const { out = links[id]; }
	size_t MaxLinks() const { return max_links; }
	void SetLinks(uint32_t id, const std::vector<uint32_t> &l) { links[id] = l; }
	int MaxLevel() const { return 0; }
	size_t Ef() const { return 8; }
	ToyQuery QueryOf(uint32_t id) const { return ToyQuery{&links, id}; }
};

// The live nodes a walk over level 0 from `entry` reaches.
inline std::set<uint32_t> Reached(const ToyGraph &g, uint32_t entry) {
	std::set<uint32_t> seen{entry};
	std::vector<uint32_t> todo{entry};
	while (!todo.empty()) {
		uint32_t id = todo.back();
		todo.pop_back();
		for (uint32_t to : g.links[id])
			if (g.live[to] && seen.insert(to).second)
				todo.push_back(to);
	}
	return seen;
}

}  // namespace vdb
