// See parallel_section.h for why signals are blocked around OpenMP work.
#include "core/pure.h"

#include "core/threads/parallel_section.h"
#include "core/threads/lazy_blas.h"

#include <algorithm>
#include <stdexcept>

#include <faiss/impl/AuxIndexStructures.h>
#include <omp.h>

namespace vdb {
namespace {

// Bridges FAISS's process-wide interrupt hook to the open section.
class InterruptBridge : public faiss::InterruptCallback {
public:
	explicit InterruptBridge(ParallelSection *section) : section_(section) {}
	bool want_interrupt() override { return section_->StopRequested(); }

private:
	ParallelSection *section_;
};

ParallelSection *open_section = nullptr;

}  // namespace

int WorkerThreadCount(int requested) {
	int cores = std::max(1, omp_get_num_procs());
	return requested <= 0 ? cores : std::min(requested, cores);
}

ParallelSection::ParallelSection(int threads, ShouldStop should_stop)
    : owner_(pthread_self()), should_stop_(should_stop) {
	if (open_section != nullptr)
		throw std::logic_error("parallel sections must not nest");
	LoadBlas();  // FAISS may call BLAS only in here (lazy_blas.h)
	saved_threads_ = omp_get_max_threads();
	omp_set_num_threads(WorkerThreadCount(threads));

	std::lock_guard<std::mutex> guard(faiss::InterruptCallback::lock);
	faiss::InterruptCallback::instance.reset(new InterruptBridge(this));
	open_section = this;
}

ParallelSection::~ParallelSection() {
	{
		std::lock_guard<std::mutex> guard(faiss::InterruptCallback::lock);
		faiss::InterruptCallback::instance.reset();
	}
	open_section = nullptr;
	omp_set_num_threads(saved_threads_);
}

bool ParallelSection::StopRequested() {
	if (stopped_ || !pthread_equal(pthread_self(), owner_))
		return stopped_;
	// Let signals that arrived meanwhile run their handlers here, on the
	// backend's own thread, then shut the mask again.
	signals_.LetPendingRun();
	if (should_stop_ != nullptr && should_stop_())
		stopped_ = true;
	return stopped_;
}

}  // namespace vdb
