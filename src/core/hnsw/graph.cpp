// The in-memory HNSW builder. Linking follows hnswlib's concurrency scheme:
// a node's link list is read and written under that node's spinlock, and a
// new node whose level exceeds the current top holds the entry-point mutex
// for its whole insertion so that only one node raises the graph at a time.
#include "core/pure.h"

#include "core/hnsw/graph.h"

#include <csignal>
#include <cstring>
#include <exception>
#include <thread>

#include <pthread.h>

namespace vdb {
namespace {

// Holds a node's spinlock for one scope.
class NodeLock {
public:
	explicit NodeLock(std::atomic<bool> &flag) : flag_(flag) {
		while (flag_.exchange(true, std::memory_order_acquire))
			std::this_thread::yield();
	}
	~NodeLock() { flag_.store(false, std::memory_order_release); }

private:
	std::atomic<bool> &flag_;
};

// Blocks every signal in the calling thread for one scope. Threads started
// meanwhile inherit the mask, so a host process's signal handlers (a
// Postgres backend's cancel and latch handlers) only ever run on the thread
// that owns them.
class SignalsBlocked {
public:
	SignalsBlocked() {
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &previous_);
	}
	~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

private:
	sigset_t previous_;
};

}  // namespace

// The graph as SearchLayer sees it while a given query is being placed.
class InMemoryGraph::QueryView {
public:
	QueryView(const InMemoryGraph &graph, const void *query) : graph_(graph), query_(query) {}
	float Distance(uint32_t id) const { return graph_.metric_.Distance(query_, graph_.Element(id)); }
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const {
		graph_.Neighbours(id, level, out);
	}
	// A variable-size element's length is in the element itself: fetch its start.
	void Prefetch(uint32_t id) const {
		PrefetchBytes(graph_.Element(id), graph_.metric_.variable ? 128 : graph_.metric_.bytes);
	}

private:
	const InMemoryGraph &graph_;
	const void *query_;
};

InMemoryGraph::InMemoryGraph(const ElementMetric &metric, const HnswParams &params)
	: metric_(metric), params_(params), level_generator_(params.m, params.seed) {}

// Variable-size elements count at their mean so far (the largest size
// before the first one).
size_t InMemoryGraph::BytesPerNode() const {
	size_t upper = (size_t(params_.m) + 1) * sizeof(uint32_t) / size_t(params_.m - 1);
	size_t element = metric_.bytes;
	if (metric_.variable && Size() > 0)
		element = elements_.size() / Size() + sizeof(offsets_[0]);
	return element + (1 + MaxLinks(0)) * sizeof(uint32_t) + sizeof(upper_[0]) + 2 + upper;
}

size_t InMemoryGraph::MemoryUsage() const { return Size() * BytesPerNode(); }

void InMemoryGraph::Reserve(size_t nodes) {
	if (metric_.variable)
		offsets_.reserve(nodes);
	else
		elements_.reserve(nodes * metric_.bytes);
	levels_.reserve(nodes);
	level0_.reserve(nodes * (1 + MaxLinks(0)));
	upper_.reserve(nodes);
}

uint32_t InMemoryGraph::Add(const void *element) { return AddAtLevel(element, level_generator_.Next()); }

uint32_t InMemoryGraph::AddAtLevel(const void *element, int level) {
	uint32_t id = uint32_t(levels_.size());
	const uint8_t *bytes = static_cast<const uint8_t *>(element);
	if (metric_.variable)
		offsets_.push_back(elements_.size());
	elements_.insert(elements_.end(), bytes, bytes + metric_.ElementSize(element));
	levels_.push_back(uint8_t(level));
	level0_.resize(level0_.size() + 1 + MaxLinks(0), 0);
	upper_.emplace_back(level > 0 ? new uint32_t[size_t(level) * (1 + MaxLinks(1))]() : nullptr);
	return id;
}

uint32_t *InMemoryGraph::LinkSlot(uint32_t id, int level) {
	if (level == 0)
		return &level0_[size_t(id) * (1 + MaxLinks(0))];
	return &upper_[id][size_t(level - 1) * (1 + MaxLinks(1))];
}

const uint32_t *InMemoryGraph::LinkSlot(uint32_t id, int level) const {
	return const_cast<InMemoryGraph *>(this)->LinkSlot(id, level);
}

void InMemoryGraph::Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const {
	NodeLock lock(locks_[id]);
	const uint32_t *slot = LinkSlot(id, level);
	out.assign(slot + 1, slot + 1 + slot[0]);
}

void InMemoryGraph::SetLinks(uint32_t id, int level, const Candidate *chosen,
                             const std::vector<uint32_t> &kept) {
	uint32_t *slot = LinkSlot(id, level);
	slot[0] = uint32_t(kept.size());
	for (size_t i = 0; i < kept.size(); i++)
		slot[1 + i] = chosen[kept[i]].id;
}

// Adds a back link to `from` on `to`'s list; a full list is re-pruned with
// the heuristic over its old links plus the new one (filled in part on level 0). `to` may already link
// to `from`: while both were being linked at once, `to` may have found
// `from` by itself.
void InMemoryGraph::AddLink(uint32_t to, uint32_t from, float distance, int level,
                            std::vector<Candidate> &pool, std::vector<uint32_t> &kept) {
	NodeLock lock(locks_[to]);
	uint32_t *slot = LinkSlot(to, level);
	for (uint32_t i = 0; i < slot[0]; i++)
		if (slot[1 + i] == from)
			return;
	size_t max_links = MaxLinks(level);
	if (slot[0] < max_links) {
		slot[1 + slot[0]++] = from;
		return;
	}
	pool.clear();
	pool.push_back(Candidate{distance, from});
	for (uint32_t i = 0; i < slot[0]; i++)
		pool.push_back(Candidate{metric_.Distance(Element(to), Element(slot[1 + i])), slot[1 + i]});
	std::sort(pool.begin(), pool.end(), FarthestOnTop());
	SelectNeighbours(
		pool.data(), pool.size(), max_links,
		[&](size_t a, size_t b) { return metric_.Distance(Element(pool[a].id), Element(pool[b].id)); },
		kept, ReprunedFillTarget(level, max_links));
	SetLinks(to, level, pool.data(), kept);
}

void InMemoryGraph::Link(uint32_t id, SearchScratch &scratch, std::vector<uint32_t> &kept) {
	int level = levels_[id];
	std::unique_lock<std::mutex> raise(entry_mutex_);
	uint32_t entry = entry_;
	int max_level = max_level_;
	if (entry == kInvalidNode) {
		entry_ = id;
		max_level_ = level;
		return;
	}
	if (level <= max_level)
		raise.unlock();

	const void *element = Element(id);
	QueryView view(*this, element);
	Candidate from{view.Distance(entry), entry};
	for (int l = max_level; l > level; l--)
		from = GreedyClosest(view, from, l, scratch);
	scratch.results.assign(1, from);
	std::vector<Candidate> pool;
	// The node's own lists on all its levels are written before any back link
	// makes it reachable. Otherwise a thread that reached it on an upper level
	// would go down to a level where its list is still empty, find nothing
	// beyond it, and link its own node to it alone; in 1 parallel build in 10
	// of a few hundred nodes, such nodes were left unreachable.
	int top = std::min(level, max_level);
	std::vector<std::vector<Candidate>> chosen(size_t(top) + 1);
	for (int l = top; l >= 0; l--) {
		SearchLayer(view, Size(), size_t(params_.ef_construction), l, scratch);
		auto &found = scratch.results;
		found.erase(std::remove_if(found.begin(), found.end(),
		                           [id](const Candidate &c) { return c.id == id; }),
		            found.end());
		SelectNeighbours(
			found.data(), found.size(), MaxLinks(l),
			[&](size_t a, size_t b) { return metric_.Distance(Element(found[a].id), Element(found[b].id)); },
			kept, MaxLinks(l));
		{
			NodeLock lock(locks_[id]);
			SetLinks(id, l, found.data(), kept);
		}
		for (uint32_t k : kept)
			chosen[l].push_back(found[k]);
	}
	for (int l = top; l >= 0; l--)
		for (const Candidate &c : chosen[l])
			AddLink(c.id, id, c.distance, l, pool, kept);
	if (level > max_level) {
		entry_ = id;
		max_level_ = level;
	}
}

bool InMemoryGraph::LinkAll(int threads, const std::function<bool(size_t done)> &poll) {
	size_t first = linked_, end = Size();
	if (lock_count_ < end) {  // no thread runs here, so the locks are all free
		locks_.reset(new std::atomic<bool>[end]);
		for (size_t i = 0; i < end; i++)
			locks_[i].store(false);
		lock_count_ = end;
	}
	std::atomic<size_t> next{first};
	std::atomic<bool> stop{false};
	std::exception_ptr failure;
	std::mutex failure_mutex;
	auto work = [&](bool polling) {
		SearchScratch scratch;
		std::vector<uint32_t> kept;
		try {
			for (size_t id; !stop.load(std::memory_order_relaxed) && (id = next++) < end;) {
				Link(uint32_t(id), scratch, kept);
				if (polling && (id & 15) == 0 && !poll(std::min(size_t(next), end) - first))
					stop = true;
			}
		} catch (...) {
			std::lock_guard<std::mutex> guard(failure_mutex);
			failure = std::current_exception();
			stop = true;
		}
	};
	std::vector<std::thread> workers;
	try {
		SignalsBlocked blocked;
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
	// Every id claimed from `next` was linked in full, so a later call resumes
	// exactly where this one stopped.
	linked_ = std::min(next.load(), end);
	return linked_ == end;
}

void InMemoryGraph::Search(const void *query, size_t k, size_t ef, SearchScratch &scratch,
                           std::vector<Candidate> &out) const {
	QueryView view(*this, query);
	SearchGraph(view, entry_, max_level_, Size(), std::max(ef, k), scratch);
	out.assign(scratch.results.begin(), scratch.results.begin() + std::min(k, scratch.results.size()));
}

}  // namespace vdb
