// The one signal blocker of the core. Postgres (the host) handles its
// asynchronous signals (SIGINT for cancel, SIGTERM, SIGUSR1 for latches) on
// the backend's own thread only: a handler that ran on one of our threads
// would race the backend. The kernel hands a process-directed signal to any
// thread that does not block it, and a thread starts with the mask of the
// thread that creates it. So code that starts threads (std::thread in the
// HNSW build, OpenMP pools in a ParallelSection) does so inside an
// AsyncSignalsBlocked scope, and the threads are deaf to those signals for
// life.
//
// Synchronous signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT) are
// never blocked: they are raised by the faulting thread itself, and a blocked
// fault signal makes the kernel kill the process without running the
// server's handler (no crash report, no orderly restart).
#pragma once

#include <signal.h>

namespace vdb {

// Blocks the asynchronous signals in the calling thread for one scope and
// restores the previous mask when it ends.
class AsyncSignalsBlocked {
public:
	AsyncSignalsBlocked();
	~AsyncSignalsBlocked();
	AsyncSignalsBlocked(const AsyncSignalsBlocked &) = delete;
	AsyncSignalsBlocked &operator=(const AsyncSignalsBlocked &) = delete;

	// Lets signals that arrived meanwhile run their handlers on this thread
	// (for an instant, with the mask the scope started from), then blocks
	// them again. Only on the thread that opened the scope.
	void LetPendingRun() const;

private:
	sigset_t previous_;
	sigset_t blocked_;  // previous_ plus every asynchronous signal
};

}  // namespace vdb
