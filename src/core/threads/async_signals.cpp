// See async_signals.h for which signals are blocked and why.
#include "core/pure.h"

#include "core/threads/async_signals.h"

#include <pthread.h>

#include <initializer_list>

namespace vdb {
namespace {

// Every signal the scope blocks: all but the synchronous ones.
sigset_t AsyncSignalSet() {
	sigset_t set;
	sigfillset(&set);
	for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT})
		sigdelset(&set, sig);
	return set;
}

}  // namespace

AsyncSignalsBlocked::AsyncSignalsBlocked() {
	sigset_t async = AsyncSignalSet();
	pthread_sigmask(SIG_BLOCK, &async, &previous_);
	sigorset(&blocked_, &async, &previous_);
}

AsyncSignalsBlocked::~AsyncSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void AsyncSignalsBlocked::LetPendingRun() const {
	pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
	pthread_sigmask(SIG_SETMASK, &blocked_, nullptr);
}

}  // namespace vdb
