#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/ivf/kmeans.h"
#include "test_data.h"

namespace vdb {
namespace {

using testing::ClusteredData;

KMeansParams TestParams() {
	KMeansParams p;
	p.threads = testing::kTestThreads;
	return p;
}

TEST(KMeans, FindsWellSeparatedClusters) {
	const size_t n = 4000, d = 16, k = 8;
	std::vector<float> x = ClusteredData(n, d, k, 20, 1);
	KMeansResult r = TrainKMeans(x.data(), n, d, k, TestParams());
	ASSERT_TRUE(r.status.ok()) << r.status.message;
	ASSERT_EQ(r.lists, k);
	ASSERT_EQ(r.centroids.size(), k * d);
	// Every point's nearest centroid is within a blob's radius (sqrt(d) = 4).
	for (size_t i = 0; i < n; i += 37) {
		float best = std::numeric_limits<float>::max();
		for (size_t c = 0; c < k; c++)
			best = std::min(best, testing::L2Squared(&x[i * d], &r.centroids[c * d], d));
		EXPECT_LT(best, 3.0f * d) << i;
	}
}

TEST(KMeans, SameSampleGivesSameCentroids) {
	std::vector<float> x = ClusteredData(2000, 8, 5, 3, 2);
	KMeansResult a = TrainKMeans(x.data(), 2000, 8, 20, TestParams());
	KMeansResult b = TrainKMeans(x.data(), 2000, 8, 20, TestParams());
	ASSERT_TRUE(a.status.ok() && b.status.ok());
	EXPECT_EQ(a.centroids, b.centroids);
}

TEST(KMeans, FewerVectorsThanListsTrainsFewerLists) {
	std::vector<float> x = ClusteredData(5, 4, 5, 3, 3);
	KMeansResult r = TrainKMeans(x.data(), 5, 4, 10, TestParams());
	ASSERT_TRUE(r.status.ok()) << r.status.message;
	EXPECT_EQ(r.lists, 5u);
	EXPECT_EQ(r.centroids.size(), 5u * 4);
	EXPECT_NE(r.notice.find("only 5 lists"), std::string::npos) << r.notice;
}

TEST(KMeans, RejectsBadInputBeforeFaissSeesIt) {
	std::vector<float> x = ClusteredData(100, 4, 2, 3, 4);
	KMeansParams p = TestParams();
	EXPECT_EQ(TrainKMeans(x.data(), 100, 0, 2, p).status.code, Status::kInvalidArgument);
	EXPECT_EQ(TrainKMeans(x.data(), 100, 4, 0, p).status.code, Status::kInvalidArgument);
	EXPECT_EQ(TrainKMeans(x.data(), 0, 4, 2, p).status.code, Status::kInvalidArgument);
	EXPECT_EQ(TrainKMeans(nullptr, 100, 4, 2, p).status.code, Status::kInvalidArgument);
	EXPECT_EQ(TrainKMeans(x.data(), SIZE_MAX / 2, 4, 2, p).status.code, Status::kInvalidArgument);
	EXPECT_EQ(TrainKMeans(x.data(), 100, 4, size_t(1) << 40, p).status.code,
	          Status::kInvalidArgument);
	x[57] = std::numeric_limits<float>::quiet_NaN();
	KMeansResult nan = TrainKMeans(x.data(), 100, 4, 2, p);
	EXPECT_EQ(nan.status.code, Status::kInvalidArgument);
	EXPECT_NE(nan.status.message.find("vector 14"), std::string::npos) << nan.status.message;
	x[57] = std::numeric_limits<float>::infinity();
	EXPECT_EQ(TrainKMeans(x.data(), 100, 4, 2, p).status.code, Status::kInvalidArgument);
}

TEST(KMeans, CosineTrainsUnitCentroidsAndSkipsZeroVectors) {
	const size_t n = 1000, d = 8;
	std::vector<float> x = ClusteredData(n, d, 4, 5, 5);
	std::fill(x.begin(), x.begin() + 10 * d, 0.0f);
	KMeansParams p = TestParams();
	p.metric = MetricKind::kCosine;
	KMeansResult r = TrainKMeans(x.data(), n, d, 4, p);
	ASSERT_TRUE(r.status.ok()) << r.status.message;
	for (size_t c = 0; c < r.lists; c++)
		EXPECT_NEAR(testing::Dot(&r.centroids[c * d], &r.centroids[c * d], d), 1.0f, 1e-4);

	std::vector<float> zeros(10 * d, 0.0f);
	EXPECT_EQ(TrainKMeans(zeros.data(), 10, d, 2, p).status.code, Status::kInvalidArgument);
}

// Samples a table really holds: every row the same, as many rows as lists,
// one dimension. FAISS must not reach a failed assertion on any of them.
TEST(KMeans, DegenerateSamplesTrainWithoutAborting) {
	for (MetricKind metric : {MetricKind::kL2, MetricKind::kInnerProduct, MetricKind::kCosine}) {
		KMeansParams p = TestParams();
		p.metric = metric;
		std::vector<float> same(500 * 3, 0.5f);
		KMeansResult r = TrainKMeans(same.data(), 500, 3, 10, p);
		ASSERT_TRUE(r.status.ok()) << r.status.message;
		EXPECT_EQ(r.centroids.size(), 10u * 3);
		for (float v : r.centroids)
			EXPECT_TRUE(std::isfinite(v));

		std::vector<float> x = ClusteredData(16, 4, 4, 3, 8);
		r = TrainKMeans(x.data(), 16, 4, 16, p);
		ASSERT_TRUE(r.status.ok()) << r.status.message;
		EXPECT_TRUE(r.notice.empty());

		std::vector<float> line = ClusteredData(300, 1, 3, 5, 9);
		r = TrainKMeans(line.data(), 300, 1, 3, p);
		ASSERT_TRUE(r.status.ok()) << r.status.message;
	}
}

// Counts polls and asks to stop at poll number `stop_at`.
std::atomic<int> polls{0};
int stop_at = 0;
bool StopAfterSomePolls() { return ++polls >= stop_at; }

// Trains k centroids on n x d clustered rows for `iterations`, polling
// StopAfterSomePolls, which asks to stop at poll `stop`.
KMeansResult TrainUntilPoll(size_t n, size_t d, size_t k, int iterations, int stop) {
	std::vector<float> x = ClusteredData(n, d, 50, 2, 6);
	KMeansParams p = TestParams();
	p.iterations = iterations;
	p.should_stop = StopAfterSomePolls;
	polls = 0;
	stop_at = stop;
	return TrainKMeans(x.data(), n, d, k, p);
}

// How soon a cancel is served is measured in work, not seconds (the test
// machine may be loaded): training stops at the first poll that asks, and it
// polls at least once per iteration (FAISS also polls between blocks of its
// distance computations).
TEST(KMeans, CancelStopsTrainingAtTheFirstPollThatAsks) {
	// Big enough to run for many seconds: 100 iterations over 20000 x 256
	// against 1000 centroids.
	KMeansResult r = TrainUntilPoll(20000, 256, 1000, 100, 3);
	EXPECT_EQ(r.status.code, Status::kCanceled) << r.status.message;
	EXPECT_TRUE(r.centroids.empty());
	EXPECT_EQ(polls.load(), 3);  // stops at the first poll that says so
}

TEST(KMeans, PollsAtLeastOncePerIteration) {
	KMeansResult r = TrainUntilPoll(2000, 16, 20, 10, std::numeric_limits<int>::max());
	ASSERT_TRUE(r.status.ok()) << r.status.message;
	EXPECT_GE(polls.load(), 10);
}

// A signal sent to the process while training runs is handled on the thread
// that called TrainKMeans (as a backend's handlers require), never on an
// OpenMP worker, and the worker threads block every asynchronous signal.
std::atomic<pid_t> handler_thread{0};
void RecordHandlerThread(int) { handler_thread = pid_t(syscall(SYS_gettid)); }

bool SignalThenStop() {
	if (++polls == 2)
		kill(getpid(), SIGUSR1);
	return handler_thread != 0;
}

// SigBlk of every thread of this process but the main one.
std::vector<unsigned long long> WorkerSignalMasks() {
	std::vector<unsigned long long> masks;
	DIR *dir = opendir("/proc/self/task");
	while (dirent *entry = readdir(dir)) {
		std::string tid = entry->d_name;
		if (tid == "." || tid == ".." || tid == std::to_string(getpid()))
			continue;
		std::ifstream status("/proc/self/task/" + tid + "/status");
		for (std::string line; std::getline(status, line);)
			if (line.rfind("SigBlk:", 0) == 0)
				masks.push_back(std::stoull(line.substr(7), nullptr, 16));
	}
	closedir(dir);
	return masks;
}

TEST(KMeans, SignalsReachOnlyTheCallingThread) {
	struct sigaction action = {};
	action.sa_handler = RecordHandlerThread;
	sigaction(SIGUSR1, &action, nullptr);
	const size_t n = 20000, d = 128, k = 500;
	std::vector<float> x = ClusteredData(n, d, 50, 2, 7);
	KMeansParams p = TestParams();
	p.iterations = 100;
	p.threads = 2;
	p.should_stop = SignalThenStop;
	polls = 0;
	handler_thread = 0;
	KMeansResult r = TrainKMeans(x.data(), n, d, k, p);
	EXPECT_EQ(r.status.code, Status::kCanceled) << r.status.message;
	EXPECT_EQ(handler_thread.load(), getpid());
	// Sent from inside poll 2 after the mask was shut again: it waits,
	// pending, until poll 3 opens the mask on this thread.
	EXPECT_EQ(polls.load(), 3);

	// The calling thread's mask is restored; the pool's stays shut.
	sigset_t now;
	pthread_sigmask(SIG_SETMASK, nullptr, &now);
	EXPECT_FALSE(sigismember(&now, SIGUSR1));
	EXPECT_FALSE(sigismember(&now, SIGINT));
	auto bit = [](int sig) { return 1ull << (sig - 1); };
	std::vector<unsigned long long> masks = WorkerSignalMasks();
	if (WorkerThreadCount(0) > 1) {
		EXPECT_FALSE(masks.empty());  // the OpenMP pool exists and is checked
	}
	for (unsigned long long mask : masks) {
		EXPECT_TRUE(mask & bit(SIGINT));
		EXPECT_TRUE(mask & bit(SIGTERM));
		EXPECT_TRUE(mask & bit(SIGUSR1));
		EXPECT_TRUE(mask & bit(SIGALRM));
	}
}

TEST(ParallelSection, ThreadCountIsBoundedByTheMachine) {
	int cores = WorkerThreadCount(0);
	EXPECT_GE(cores, 1);
	EXPECT_EQ(WorkerThreadCount(1), 1);
	EXPECT_EQ(WorkerThreadCount(cores + 100), cores);
	EXPECT_EQ(WorkerThreadCount(-3), cores);
}

}  // namespace
}  // namespace vdb
