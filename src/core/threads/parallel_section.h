// A ParallelSection is the only place where FAISS and OpenBLAS may run
// OpenMP threads inside a PostgreSQL backend. Postgres is single-threaded:
// its signal handlers (SIGINT for cancel, SIGTERM, SIGUSR1 for latches) set
// flags and write to the latch self-pipe of the process, and assume they run
// on the backend's own thread. The kernel delivers a process-directed signal
// to any thread that does not block it, so an OpenMP worker thread with an
// open signal mask could run a Postgres handler concurrently with the
// backend. Workers inherit the signal mask of the thread that creates them,
// and libgomp creates its pool lazily in the first parallel region (and grows
// it in later ones), always from the calling thread. So while a section is
// open the calling thread blocks every asynchronous signal (AsyncSignalsBlocked,
// threads/async_signals.h: never the synchronous ones such as SIGSEGV), which
// makes every pool thread born inside it deaf to signals for life; when the
// section closes the caller's mask is restored. Signals that arrive meanwhile stay
// pending on the process until the caller polls: StopRequested() opens the
// mask for an instant on the calling thread only, which lets the pending
// handlers run there (setting InterruptPending), closes it again, and then
// asks the caller's should_stop. FAISS polls the same function through its
// InterruptCallback between k-means iterations and between blocks of its
// distance computations, and stops by throwing, which the core catches.
//
// Rules for callers: open a section around every call that can reach an
// OpenMP region (FAISS training, BLAS), never run Postgres code inside one
// apart from should_stop (which may only read flags), and do not nest them.
#pragma once

#include <pthread.h>

#include "core/threads/async_signals.h"

namespace vdb {

// Polled while long work runs; true asks it to stop. Glue reads
// InterruptPending (and nothing that may ereport).
using ShouldStop = bool (*)();

// The number of OpenMP threads to use: `requested` clamped to [1, cores],
// where 0 or less means every core the process may run on.
int WorkerThreadCount(int requested);

class ParallelSection {
public:
	ParallelSection(int threads, ShouldStop should_stop);
	~ParallelSection();
	ParallelSection(const ParallelSection &) = delete;
	ParallelSection &operator=(const ParallelSection &) = delete;

	// True once should_stop has said so (sticky). Lets pending signals run
	// their handlers first when called on the thread that opened the section;
	// on any other thread it only reports what is already known.
	bool StopRequested();
	bool stopped() const { return stopped_; }

private:
	AsyncSignalsBlocked signals_;  // first: blocked before the rest is set up, restored last
	int saved_threads_;
	pthread_t owner_;
	ShouldStop should_stop_;
	volatile bool stopped_ = false;
};

}  // namespace vdb
