// A level-0 HNSW graph in memory, as reachability.h's accessor, for tests:
// nodes are points on a line, so a node's distance to another is how far
// apart their ids are.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
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

// A random graph with every list full or nearly so; with `cut`, no link
// leads to the nodes it flags.
inline ToyGraph RandomToyGraph(std::mt19937 &rng, uint32_t n, size_t max_links,
                               const std::vector<bool> *cut = nullptr) {
	ToyGraph g{std::vector<std::vector<uint32_t>>(n), std::vector<bool>(n, true), max_links};
	for (uint32_t id = 0; id < n; id++) {
		size_t count = max_links - rng() % 2;
		for (int tries = 0; g.links[id].size() < count && tries < 100; tries++) {
			uint32_t to = rng() % n;
			if (to != id && (cut == nullptr || !(*cut)[to]) &&
			    std::find(g.links[id].begin(), g.links[id].end(), to) == g.links[id].end())
				g.links[id].push_back(to);
		}
	}
	return g;
}

}  // namespace vdb
