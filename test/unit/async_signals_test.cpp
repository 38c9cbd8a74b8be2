// The one signal blocker (core/threads/async_signals.h): the host's
// asynchronous signals are blocked in the scope and in threads started from
// it, the synchronous fault signals never are, and the mask comes back.
#include "core/threads/async_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <thread>

#include "core/threads/parallel_section.h"

namespace {

bool Blocked(int sig) {
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, nullptr, &now);
	return sigismember(&now, sig) == 1;
}

constexpr int kAsync[] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGQUIT, SIGALRM, SIGCHLD, SIGHUP};
constexpr int kSync[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT};

TEST(AsyncSignals, BlocksTheHostsSignalsButNeverFaults) {
	ASSERT_FALSE(Blocked(SIGINT));
	{
		vdb::AsyncSignalsBlocked blocked;
		for (int sig : kAsync)
			EXPECT_TRUE(Blocked(sig)) << "signal " << sig;
		for (int sig : kSync)
			EXPECT_FALSE(Blocked(sig)) << "signal " << sig;
		bool thread_int = false, thread_segv = true;
		std::thread([&] {
			thread_int = Blocked(SIGINT);
			thread_segv = Blocked(SIGSEGV);
		}).join();
		EXPECT_TRUE(thread_int) << "a thread started in the scope must inherit the block";
		EXPECT_FALSE(thread_segv);
	}
	for (int sig : kAsync)
		EXPECT_FALSE(Blocked(sig)) << "signal " << sig << " still blocked after the scope";
}

TEST(AsyncSignals, RestoresAMaskThatWasAlreadySet) {
	sigset_t one, before;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &one, &before);
	{
		vdb::AsyncSignalsBlocked blocked;
		blocked.LetPendingRun();  // opens to the old mask and shuts again
		EXPECT_TRUE(Blocked(SIGINT));
		EXPECT_TRUE(Blocked(SIGUSR2));
	}
	EXPECT_TRUE(Blocked(SIGUSR2));
	EXPECT_FALSE(Blocked(SIGINT));
	pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

// A pending SIGUSR1 runs its handler on this thread when the scope lets it.
volatile sig_atomic_t handled = 0;

TEST(AsyncSignals, PendingSignalsRunWhenLetThrough) {
	struct sigaction action = {}, old;
	action.sa_handler = [](int) { handled = 1; };
	sigaction(SIGUSR1, &action, &old);
	handled = 0;
	{
		vdb::AsyncSignalsBlocked blocked;
		pthread_kill(pthread_self(), SIGUSR1);
		EXPECT_EQ(handled, 0);
		blocked.LetPendingRun();
		EXPECT_EQ(handled, 1);
		EXPECT_TRUE(Blocked(SIGUSR1));
	}
	sigaction(SIGUSR1, &old, nullptr);
}

// The OpenMP section uses the same blocker: same semantics.
TEST(AsyncSignals, ParallelSectionBlocksTheSameSet) {
	vdb::ParallelSection section(2, nullptr);
	for (int sig : kAsync)
		EXPECT_TRUE(Blocked(sig)) << "signal " << sig;
	for (int sig : kSync)
		EXPECT_FALSE(Blocked(sig)) << "signal " << sig;
}

}  // namespace
