// See locality_order.h.
#include "core/pure.h"

#include "core/hnsw/locality_order.h"

namespace vdb {

std::vector<uint32_t> LocalityOrder(const ArenaGraph &graph) {
	uint32_t n = uint32_t(graph.Size());
	std::vector<uint32_t> order(n);
	std::vector<bool> seen(n, false);
	// Level-0 nodes in breadth-first order, then the unreached ones.
	std::vector<uint32_t> flat;
	flat.reserve(n);
	std::vector<uint32_t> queue, links;
	queue.reserve(n);
	uint32_t entry = graph.EntryPoint();
	if (entry != kInvalidNode) {
		seen[entry] = true;
		queue.push_back(entry);
	}
	for (size_t head = 0; head < queue.size(); head++) {
		uint32_t id = queue[head];
		if (graph.Level(id) == 0)
			flat.push_back(id);
		graph.Neighbours(id, 0, links);
		for (uint32_t link : links)
			if (link < n && !seen[link]) {
				seen[link] = true;
				queue.push_back(link);
			}
	}
	for (uint32_t id = 0; id < n; id++)
		if (!seen[id] && graph.Level(id) == 0)
			flat.push_back(id);
	size_t next = 0;
	for (uint32_t id = 0; id < n; id++)
		order[id] = graph.Level(id) > 0 ? id : flat[next++];
	return order;
}

std::vector<uint32_t> InverseOrder(const std::vector<uint32_t> &order) {
	std::vector<uint32_t> rank(order.size());
	for (uint32_t i = 0; i < order.size(); i++)
		rank[order[i]] = i;
	return rank;
}

}  // namespace vdb
