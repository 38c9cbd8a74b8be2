// A graph that owns its arena, for unit tests only (the extension links its
// arena in a DSM segment, src/hnsw/hnsw_build.cpp): sized for `capacity`
// nodes, levels drawn from the seed, linked on threads of this process. It
// lives here so that code only the tests use does not ship in the .so.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/hnsw/graph.h"
#include "core/hnsw/level.h"
#include "core/threads/async_signals.h"

namespace vdb {

class InMemoryGraph : public ArenaGraph {
public:
	// `pool_bytes` 0: room for `capacity` variable-size elements of the
	// largest size.
	InMemoryGraph(const ElementMetric &metric, const HnswParams &params, size_t capacity, size_t pool_bytes = 0)
		: InMemoryGraph(metric, params, capacity,
		                pool_bytes != 0 ? pool_bytes : capacity * ((metric.bytes + 7) & ~size_t(7)),
		                UpperListsFor(params.m, capacity)) {}

	// Adds an element at a random level; kInvalidNode when full.
	uint32_t Add(const void *element) {
		return ArenaGraph::Add(element, [this](uint32_t) { return level_generator_.Next(); });
	}

	// Links every node added since the last call on `threads` threads (the
	// caller's included). `poll(claimed)` runs on the calling thread only;
	// returning false stops every thread and LinkAll returns false; calling
	// it again resumes. With one thread the graph depends only on the seed.
	bool LinkAll(int threads, const std::function<bool(size_t claimed)> &poll) {
		std::atomic<bool> stop{false};
		std::exception_ptr failure;
		std::mutex failure_mutex;
		auto work = [&](bool polling) {
			try {
				LinkClaimed([&](size_t claimed) {
					if (polling && !poll(claimed))
						stop = true;
					return !stop.load(std::memory_order_relaxed);
				});
			} catch (...) {
				std::lock_guard<std::mutex> guard(failure_mutex);
				failure = std::current_exception();
				stop = true;
			}
		};
		std::vector<std::thread> workers;
		try {
			AsyncSignalsBlocked blocked;  // as in the extension: threads never take the host's signals
			for (int t = 1; t < threads; t++)
				workers.emplace_back(work, false);
		} catch (...) {  // a thread could not start: stop the ones that did
			stop = true;
			for (auto &worker : workers)
				worker.join();
			throw;
		}
		work(true);
		for (auto &worker : workers)
			worker.join();
		if (failure)
			std::rethrow_exception(failure);
		// Every claimed node was linked in full, so a later call resumes
		// exactly where this one stopped.
		if (Claimed() != Size())
			return false;
		LinkUnreachable();
		return true;
	}

private:
	InMemoryGraph(const ElementMetric &metric, const HnswParams &params, size_t capacity, size_t pool_bytes,
	              size_t upper_lists)
		: InMemoryGraph(std::unique_ptr<uint64_t[]>(
		                    new uint64_t[(BytesFor(metric, params.m, capacity, upper_lists, pool_bytes) + 7) / 8]),
		                metric, params, capacity, pool_bytes, upper_lists) {}
	InMemoryGraph(std::unique_ptr<uint64_t[]> arena, const ElementMetric &metric, const HnswParams &params,
	              size_t capacity, size_t pool_bytes, size_t upper_lists)
		: ArenaGraph(Create(arena.get(), metric, params, capacity, upper_lists, pool_bytes)),
		  arena_(std::move(arena)), level_generator_(params.m, params.seed) {}

	std::unique_ptr<uint64_t[]> arena_;
	LevelGenerator level_generator_;
};

}  // namespace vdb
