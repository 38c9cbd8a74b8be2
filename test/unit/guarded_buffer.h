// Memory that ends exactly where an inaccessible page begins, so a kernel that
// reads or writes even one byte past the end of its vector dies with SIGSEGV
// instead of silently using a neighbour's bytes.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace vdb {

class GuardedBuffer {
  public:
	explicit GuardedBuffer(size_t bytes) {
		size_t page = size_t(sysconf(_SC_PAGESIZE));
		span_ = (bytes + page - 1) / page * page + page;
		void *base =
		    mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base == MAP_FAILED)
			throw std::runtime_error("mmap failed");
		base_ = static_cast<uint8_t *>(base);
		if (mprotect(base_ + span_ - page, page, PROT_NONE) != 0)
			throw std::runtime_error("mprotect failed");
		data_ = base_ + span_ - page - bytes;
	}
	~GuardedBuffer() { munmap(base_, span_); }
	GuardedBuffer(const GuardedBuffer &) = delete;
	GuardedBuffer &operator=(const GuardedBuffer &) = delete;

	// The buffer as an array of T; its last element ends at the guard page.
	template <typename T> T *As() { return reinterpret_cast<T *>(data_); }

  private:
	uint8_t *base_;
	uint8_t *data_;
	size_t span_;
};

} // namespace vdb
