// Reachability of an in-memory HNSW graph, for tests.
#pragma once

#include <vector>

#include "core/hnsw/graph.h"

namespace vdb {

// How many nodes no search can reach: those a walk over level 0 from the
// entry point never visits.
inline size_t UnreachableNodes(const ArenaGraph &graph) {
	if (graph.Size() == 0)
		return 0;
	std::vector<bool> seen(graph.Size(), false);
	std::vector<uint32_t> todo{graph.EntryPoint()}, links;
	seen[graph.EntryPoint()] = true;
	size_t reached = 1;
	while (!todo.empty()) {
		uint32_t id = todo.back();
		todo.pop_back();
		graph.Neighbours(id, 0, links);
		for (uint32_t to : links)
			if (!seen[to]) {
				seen[to] = true;
				reached++;
				todo.push_back(to);
			}
	}
	return graph.Size() - reached;
}

}  // namespace vdb
