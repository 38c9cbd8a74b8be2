// The arena-based HNSW builder (see graph.h for the layout and the
// concurrency scheme). Locks are spinlocks on std::atomic flags inside the
// arena: lock-free atomics are address-free, so they work between processes
// that map the arena at different addresses, where a std::mutex would not.
#include "core/pure.h"

#include "core/hnsw/graph.h"

#include "core/element/sparse_element.h"
#include "core/hnsw/link.h"
#include "core/hnsw/reachability.h"

#include <cstring>
#include <new>
#include <stdexcept>
#include <thread>

namespace vdb {

// Lives at the start of the arena; the arrays follow at offsets computed
// from it by every participant alike.
struct GraphHeader {
	uint64_t capacity;
	uint64_t upper_lists;
	uint64_t pool_bytes;  // element pool, when elements vary in size; else 0
	uint32_t element_bytes;
	uint8_t variable;
	uint32_t m;
	uint32_t ef_construction;
	uint32_t entry;     // guarded by entry_lock
	int32_t max_level;  // guarded by entry_lock
	std::atomic<uint8_t> entry_lock;
	std::atomic<uint32_t> size;         // nodes added
	std::atomic<uint32_t> next_link;    // next node to claim for linking
	std::atomic<uint64_t> upper_used;   // lists taken from the pool
	std::atomic<uint64_t> pool_used;    // element pool bytes taken
};

namespace {

static_assert(std::atomic<uint8_t>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free && std::atomic<uint64_t>::is_always_lock_free,
              "arena atomics must be lock-free to work across processes");

// Holds a spinlock flag for one scope (or until Unlock).
class SpinLock {
public:
	explicit SpinLock(std::atomic<uint8_t> &flag) : flag_(&flag) {
		while (flag_->exchange(1, std::memory_order_acquire))
			std::this_thread::yield();
	}
	~SpinLock() { Unlock(); }
	void Unlock() {
		if (flag_ != nullptr)
			flag_->store(0, std::memory_order_release);
		flag_ = nullptr;
	}

private:
	std::atomic<uint8_t> *flag_;
};

size_t Align8(size_t bytes) { return (bytes + 7) & ~size_t(7); }

// Offsets of the arena's parts, in the order they are laid out: elements
// (capacity * element_bytes, or a pool of pool_bytes and an offset per node
// when they vary in size), then links, levels, locks and upper lists.
struct Layout {
	size_t elements, offsets, level0, upper_first, levels, locks, upper, end;
	Layout(size_t element_bytes, bool variable, size_t pool_bytes, size_t m, size_t capacity,
	       size_t upper_lists) {
		elements = Align8(sizeof(GraphHeader));
		offsets = Align8(elements + (variable ? pool_bytes : capacity * element_bytes));
		level0 = offsets + (variable ? capacity * sizeof(uint64_t) : 0);
		upper_first = level0 + capacity * (1 + 2 * m) * sizeof(uint32_t);
		levels = upper_first + capacity * sizeof(uint32_t);
		locks = levels + capacity;
		upper = Align8(locks + capacity);
		end = upper + upper_lists * (1 + m) * sizeof(uint32_t);
	}
};

// Claims `count` units of a bounded shared counter; false (and nothing
// claimed) when they would pass `limit`.
template <typename T>
bool ClaimUnits(std::atomic<T> &counter, uint64_t count, uint64_t limit, T &first) {
	T seen = counter.load(std::memory_order_relaxed);
	do {
		if (seen + count > limit)
			return false;
	} while (!counter.compare_exchange_weak(seen, T(seen + count), std::memory_order_relaxed));
	first = seen;
	return true;
}

// One node's sparse element scattered into `dense` (the owner's zeros,
// sized here) for a view that measures many distances from it, when
// ScatterApplies; else inactive. Release leaves the array zeros again.
class ScatteredNode {
public:
	ScatteredNode(const ArenaGraph &graph, std::vector<float> &dense) : graph_(graph) {
		if (ScatterApplies(graph.Metric())) {
			dense.resize(graph.Metric().dims);
			dense_ = dense.data();
		}
	}
	bool Active() const { return dense_ != nullptr; }
	const float *Dense() const { return dense_; }
	float Norm2() const { return norm2_; }
	// Scatters id's element there, in place of the one there before.
	void Scatter(uint32_t id) {
		if (id == current_)
			return;
		Release();
		SparseView v = SparseElementView(graph_.Element(id));
		SparseScatter(v, dense_);
		norm2_ = SparseSquaredNorm(v);
		current_ = id;
	}
	void Release() {
		if (current_ != kInvalidNode)
			SparseUnscatter(SparseElementView(graph_.Element(current_)), dense_);
		current_ = kInvalidNode;
	}

private:
	const ArenaGraph &graph_;
	float *dense_ = nullptr;
	uint32_t current_ = kInvalidNode;
	float norm2_ = 0;  // of current_'s element
};

}  // namespace

// The graph as SearchLayer sees it while a given query is being placed;
// with `scattered`, the query is a sparse element scattered there (of
// squared norm norm2), which measures faster (ScatterApplies).
class ArenaGraph::QueryView {
public:
	QueryView(const ArenaGraph &graph, const void *query, const float *scattered = nullptr, float norm2 = 0)
	    : graph_(graph), query_(query), scattered_(scattered), norm2_(norm2) {}
	float Distance(uint32_t id) const {
		return scattered_ != nullptr ? ScatteredDistance(graph_.metric_, scattered_, norm2_, graph_.Element(id))
		                             : graph_.metric_.Distance(query_, graph_.Element(id));
	}
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const {
		graph_.Neighbours(id, level, out);
	}
	// A variable-size element's length is in the element itself: fetch its start.
	void Prefetch(uint32_t id) const {
		PrefetchBytes(graph_.Element(id), graph_.metric_.variable ? 128 : graph_.metric_.bytes);
	}

private:
	const ArenaGraph &graph_;
	const void *query_;
	const float *scattered_;
	float norm2_;
};

// The graph as LinkUnreachable sees it (see reachability.h). A sparse
// node measures from its element scattered, as the linker's do: the pass
// searches for hosts once per unreached node, and sparse rows under L2
// leave most nodes unreached after linking (see reachability.h).
class ArenaGraph::ReachView {
public:
	explicit ReachView(ArenaGraph &graph) : graph_(graph), scattered_(graph, dense_) {}
	size_t NodeCount() const { return graph_.Size(); }
	bool Live(uint32_t) const { return true; }
	void Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const { graph_.Neighbours(id, level, out); }
	size_t MaxLinks() const { return graph_.MaxLinks(0); }
	void SetLinks(uint32_t id, const std::vector<uint32_t> &links) {
		SpinLock lock(graph_.locks_[id]);
		uint32_t *slot = graph_.LinkSlot(id, 0);
		slot[0] = uint32_t(links.size());
		std::copy(links.begin(), links.end(), slot + 1);
	}
	int MaxLevel() const { return graph_.MaxLevel(); }
	size_t Ef() const { return size_t(graph_.ef_construction_); }
	QueryView QueryOf(uint32_t id) {
		if (!scattered_.Active())
			return QueryView(graph_, graph_.Element(id));
		scattered_.Scatter(id);
		return QueryView(graph_, graph_.Element(id), scattered_.Dense(), scattered_.Norm2());
	}

private:
	ArenaGraph &graph_;
	std::vector<float> dense_;
	ScatteredNode scattered_;
};

// The graph as the linker (link.h) sees it. A list is read and written
// under its node's spinlock, a back link's re-prune included, so that
// participants linking at once lose no link.
//
// Sparse elements (ScatterApplies) measure from one node scattered into
// `scattered` (the caller's zeros): the linker measures many distances from
// each node in turn (the new node's search, a re-pruned list's owner, each
// candidate of the heuristic against those kept), so each is scattered
// once. A view from QueryOf measures until the next Between; Release
// leaves the array zeros again.
class ArenaGraph::LinkStore {
public:
	LinkStore(ArenaGraph &graph, std::vector<float> &dense) : graph_(graph), scattered_(graph, dense) {}
	size_t MaxLinks(int level) const { return graph_.MaxLinks(level); }
	// No other node is unusable: nothing is deleted during a build.
	void DropUnusable(std::vector<Candidate> &found, uint32_t id, int) const {
		found.erase(std::remove_if(found.begin(), found.end(), [id](const Candidate &c) { return c.id == id; }),
		            found.end());
	}
	void Prepare(const std::vector<Candidate> &candidates) { prepared_ = candidates.data(); }
	float Between(size_t a, size_t b) {
		if (!scattered_.Active())
			return graph_.metric_.Distance(graph_.Element(prepared_[a].id), graph_.Element(prepared_[b].id));
		scattered_.Scatter(prepared_[a].id);
		return ScatteredDistance(graph_.metric_, scattered_.Dense(), scattered_.Norm2(),
		                         graph_.Element(prepared_[b].id));
	}
	QueryView QueryOf(uint32_t id) {
		if (!scattered_.Active())
			return QueryView(graph_, graph_.Element(id));
		scattered_.Scatter(id);
		return QueryView(graph_, graph_.Element(id), scattered_.Dense(), scattered_.Norm2());
	}
	void Release() { scattered_.Release(); }
	void SetLinks(uint32_t id, int level, const std::vector<uint32_t> &links) {
		SpinLock lock(graph_.locks_[id]);
		Write(id, level, links);
	}
	template <typename Edit>
	void EditLinks(uint32_t id, int level, std::vector<uint32_t> &links, Edit edit) {
		SpinLock lock(graph_.locks_[id]);
		const uint32_t *slot = graph_.LinkSlot(id, level);
		links.assign(slot + 1, slot + 1 + slot[0]);
		if (edit(links) != ListEdit::kKept)
			Write(id, level, links);
	}

private:
	void Write(uint32_t id, int level, const std::vector<uint32_t> &links) {
		uint32_t *slot = graph_.LinkSlot(id, level);
		slot[0] = uint32_t(links.size());
		std::copy(links.begin(), links.end(), slot + 1);
	}

	ArenaGraph &graph_;
	const Candidate *prepared_ = nullptr;
	ScatteredNode scattered_;
};

size_t ArenaGraph::BytesFor(const ElementMetric &metric, int m, size_t capacity, size_t upper_lists,
                            size_t pool_bytes) {
	return Layout(metric.bytes, metric.variable, pool_bytes, size_t(m), capacity, upper_lists).end;
}

size_t ArenaGraph::UpperListsFor(int m, size_t capacity) {
	return 2 * capacity / size_t(m - 1) + 64;
}

size_t ArenaGraph::BytesPerNode(const ElementMetric &metric, int m) {
	size_t upper = 2 * (size_t(m) + 1) * sizeof(uint32_t) / size_t(m - 1);
	size_t element = metric.variable ? sizeof(uint64_t) : metric.bytes;
	return element + (1 + 2 * size_t(m)) * sizeof(uint32_t) + sizeof(uint32_t) + 2 + upper;
}

ArenaGraph::ArenaGraph(void *memory, const ElementMetric &metric) : metric_(metric) {
	uint8_t *base = static_cast<uint8_t *>(memory);
	header_ = static_cast<GraphHeader *>(memory);
	m_ = int(header_->m);
	ef_construction_ = int(header_->ef_construction);
	Layout layout(header_->element_bytes, header_->variable != 0, header_->pool_bytes, header_->m, header_->capacity,
	              header_->upper_lists);
	elements_ = base + layout.elements;
	offsets_ = header_->variable ? reinterpret_cast<uint64_t *>(base + layout.offsets) : nullptr;
	level0_ = reinterpret_cast<uint32_t *>(base + layout.level0);
	upper_first_ = reinterpret_cast<uint32_t *>(base + layout.upper_first);
	levels_ = base + layout.levels;
	locks_ = reinterpret_cast<std::atomic<uint8_t> *>(base + layout.locks);
	upper_ = reinterpret_cast<uint32_t *>(base + layout.upper);
}

ArenaGraph ArenaGraph::Create(void *memory, const ElementMetric &metric, const HnswParams &params,
                              size_t capacity, size_t upper_lists, size_t pool_bytes) {
	if (params.m < 2 || capacity >= kInvalidNode || upper_lists >= UINT32_MAX)
		throw std::invalid_argument("hnsw graph arena: bad parameters");
	GraphHeader *header = new (memory) GraphHeader();
	header->capacity = capacity;
	header->upper_lists = upper_lists;
	header->pool_bytes = metric.variable ? pool_bytes : 0;
	header->element_bytes = uint32_t(metric.bytes);
	header->variable = metric.variable;
	header->m = uint32_t(params.m);
	header->ef_construction = uint32_t(params.ef_construction);
	header->entry = kInvalidNode;
	header->max_level = -1;
	header->entry_lock.store(0);
	header->size.store(0);
	header->next_link.store(0);
	header->upper_used.store(0);
	header->pool_used.store(0);
	ArenaGraph graph(memory, metric);
	// Only link counts and lock flags must start at zero; elements and
	// upper lists are written before they are read.
	std::memset(graph.level0_, 0, capacity * (1 + graph.MaxLinks(0)) * sizeof(uint32_t));
	for (size_t i = 0; i < capacity; i++)
		new (&graph.locks_[i]) std::atomic<uint8_t>(0);
	return graph;
}

ArenaGraph ArenaGraph::Attach(void *memory, const ElementMetric &metric) {
	const GraphHeader *header = static_cast<const GraphHeader *>(memory);
	if (header->element_bytes != metric.bytes || (header->variable != 0) != metric.variable)
		throw std::invalid_argument("hnsw graph arena: element size differs");
	return ArenaGraph(memory, metric);
}

size_t ArenaGraph::Size() const { return header_->size.load(std::memory_order_acquire); }
size_t ArenaGraph::Capacity() const { return header_->capacity; }
size_t ArenaGraph::Claimed() const { return header_->next_link.load(std::memory_order_relaxed); }
uint32_t ArenaGraph::EntryPoint() const { return header_->entry; }
int ArenaGraph::MaxLevel() const { return header_->max_level; }

uint32_t ArenaGraph::Add(const void *element, const std::function<int(uint32_t id)> &level_for) {
	size_t size = metric_.ElementSize(element);
	uint64_t offset = 0;
	// Pool bytes come first, so a refused element takes no node slot. 8-byte
	// steps keep every element aligned for the words read in place.
	if (offsets_ != nullptr && !ClaimUnits(header_->pool_used, Align8(size), header_->pool_bytes, offset)) {
		// Every later element is refused too (all counts stay below the
		// limit, so this store never takes bytes back from anyone): all
		// participants stop adding alike, as when the node array is full.
		header_->pool_used.store(header_->pool_bytes, std::memory_order_relaxed);
		return kInvalidNode;
	}
	uint32_t id;
	if (!ClaimUnits(header_->size, 1, header_->capacity, id))
		return kInvalidNode;
	int level = std::max(0, std::min(level_for(id), LevelGenerator::kMaxLevel));
	uint64_t first = 0;
	if (level > 0 && !ClaimUnits(header_->upper_used, uint64_t(level), header_->upper_lists, first))
		level = 0;
	if (offsets_ != nullptr)
		offsets_[id] = offset;
	std::memcpy(const_cast<void *>(Element(id)), element, size);
	levels_[id] = uint8_t(level);
	upper_first_[id] = uint32_t(first);
	for (int l = 1; l <= level; l++)
		LinkSlot(id, l)[0] = 0;
	return id;
}

uint32_t *ArenaGraph::LinkSlot(uint32_t id, int level) const {
	if (level == 0)
		return &level0_[size_t(id) * (1 + MaxLinks(0))];
	return &upper_[(size_t(upper_first_[id]) + size_t(level - 1)) * (1 + MaxLinks(1))];
}

void ArenaGraph::Neighbours(uint32_t id, int level, std::vector<uint32_t> &out) const {
	SpinLock lock(locks_[id]);
	const uint32_t *slot = LinkSlot(id, level);
	out.assign(slot + 1, slot + 1 + slot[0]);
}

void ArenaGraph::Link(uint32_t id, LinkScratch &scratch) {
	int level = levels_[id];
	SpinLock raise(header_->entry_lock);
	uint32_t entry = header_->entry;
	int max_level = header_->max_level;
	if (entry == kInvalidNode) {
		header_->entry = id;
		header_->max_level = level;
		return;
	}
	if (level <= max_level)
		raise.Unlock();
	LinkStore store(*this, scratch.scattered);
	QueryView view = store.QueryOf(id);
	FindCandidates(view, entry, max_level, level, Size(), size_t(ef_construction_), scratch);
	LinkNode(store, id, std::min(level, max_level), scratch);
	store.Release();
	if (level > max_level) {
		header_->entry = id;
		header_->max_level = level;
	}
}

bool ArenaGraph::LinkClaimed(const std::function<bool(size_t claimed)> &poll) {
	uint32_t end = uint32_t(Size());
	LinkScratch scratch;
	for (uint32_t id; ClaimUnits(header_->next_link, 1, end, id);) {
		Link(id, scratch);
		if ((id & 15) == 0 && !poll(Claimed()))
			return false;
	}
	return true;
}

size_t ArenaGraph::LinkUnreachable() {
	ReachView view(*this);
	ReachScratch scratch;
	return vdb::LinkUnreachable(view, EntryPoint(), scratch);
}

void ArenaGraph::Search(const void *query, size_t k, size_t ef, SearchScratch &scratch,
                        std::vector<Candidate> &out) const {
	QueryView view(*this, query);
	SearchGraph(view, EntryPoint(), MaxLevel(), Size(), std::max(ef, k), scratch);
	out.assign(scratch.results.begin(), scratch.results.begin() + std::min(k, scratch.results.size()));
}

}  // namespace vdb
