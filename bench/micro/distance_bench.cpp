// Nanoseconds per distance for every kernel of every ISA this CPU has (each
// ISA's own table, not the mix that Kernels() may pick) at 128, 784 and 1,536
// dimensions, beside FAISS's fvec_L2sqr and fvec_inner_product (Debian's
// libfaiss.a, built without AVX2) in the same run. Each iteration computes
// one distance from a fixed query to the next of 64 base vectors, so the data
// stays in cache and the figure is the kernel's. At the end it prints our CPU
// time over FAISS's for L2² and dot at each size: timings are noisy on a
// shared machine, and the ratio within one run is what counts.
//
//   .build/cmake/distance_bench [--benchmark_filter=784]
#include <cstdio>
#include <initializer_list>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <faiss/utils/distances.h>

#include "core/distance/distance.h"
#include "core/distance/isa_tables.h"

namespace vdb {
namespace {

constexpr size_t kDims[] = {128, 784, 1536};
constexpr size_t kPool = 64; // base vectors cycled through

// A query and kPool base vectors of dim elements each, in every format.
struct Data {
	std::vector<float> floats;
	std::vector<Half> halves;
	std::vector<uint8_t> bytes;

	explicit Data(size_t dim)
	    : floats((kPool + 1) * dim), halves(floats.size()), bytes(floats.size()) {
		std::mt19937 rng{unsigned(dim)};
		std::normal_distribution<float> normal;
		for (size_t i = 0; i < floats.size(); i++) {
			floats[i] = normal(rng);
			halves[i] = FloatToHalf(floats[i]);
			bytes[i] = uint8_t(rng());
		}
	}
};

const Data &DataFor(size_t dim) {
	static std::map<size_t, Data> cache;
	auto it = cache.find(dim);
	if (it == cache.end())
		it = cache.emplace(dim, Data(dim)).first;
	return it->second;
}

// Calls distance(query, base, length) once per iteration, cycling through the
// pool; `all` holds the query and then the pool, dim elements apart.
template <typename T, typename Distance>
void Run(benchmark::State &state, const std::vector<T> &all, size_t dim, size_t length,
         Distance distance) {
	const T *query = all.data();
	const T *base = all.data() + dim;
	size_t next = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(distance(query, base + next * dim, length));
		next = (next + 1) % kPool;
	}
	state.SetItemsProcessed(state.iterations());
}

// One benchmark per (name, kernel) over dim-element vectors of `data`; R is
// what the kernels return (float, or double for cosine).
template <typename T, typename R = float>
void RegisterDistances(
    const std::string &suffix, const std::vector<T> &data, size_t dim,
    std::initializer_list<std::pair<const char *, R (*)(const T *, const T *, size_t)>>
        kernels) {
	for (auto [name, kernel] : kernels)
		benchmark::RegisterBenchmark(
		    (name + suffix).c_str(),
		    [&data, dim, kernel = kernel](benchmark::State &s) { Run(s, data, dim, dim, kernel); });
}

// One vector of `data` converted per iteration.
template <typename From, typename To>
void RegisterConversion(const std::string &name, const std::vector<From> &data, size_t dim,
                        void (*convert)(const From *, To *, size_t)) {
	benchmark::RegisterBenchmark(name.c_str(), [&data, dim, convert](benchmark::State &s) {
		std::vector<To> out(dim);
		Run(s, data, dim, dim, [&](const From *, const From *in, size_t n) {
			convert(in, out.data(), n);
			return out[0];
		});
	});
}

void RegisterLevel(const DistanceKernels &k) {
	std::string level = k.name;
	for (size_t dim : kDims) {
		const Data &d = DataFor(dim);
		std::string suffix = "/" + level + "/" + std::to_string(dim);
		RegisterDistances<float>(suffix, d.floats, dim,
		                         {{"l2_squared_f32", k.l2_squared_f32},
		                          {"dot_f32", k.dot_f32},
		                          {"l1_f32", k.l1_f32}});
		RegisterDistances<float, double>(suffix, d.floats, dim, {{"cosine_f32", k.cosine_f32}});
		RegisterDistances<Half>(suffix, d.halves, dim,
		                        {{"l2_squared_f16", k.l2_squared_f16},
		                         {"dot_f16", k.dot_f16},
		                         {"l1_f16", k.l1_f16}});
		RegisterDistances<Half, double>(suffix, d.halves, dim, {{"cosine_f16", k.cosine_f16}});
		// Bit vectors of dim bits.
		benchmark::RegisterBenchmark(
		    ("hamming" + suffix).c_str(),
		    [&d, dim, &k](benchmark::State &s) { Run(s, d.bytes, dim, dim / 8, k.hamming); });
		benchmark::RegisterBenchmark(
		    ("and_or_popcount" + suffix).c_str(), [&d, dim, &k](benchmark::State &s) {
			    Run(s, d.bytes, dim, dim / 8, [&k](const uint8_t *a, const uint8_t *b, size_t n) {
				    uint64_t both, either;
				    k.and_or_popcount(a, b, n, &both, &either);
				    return both + either;
			    });
		    });
		RegisterConversion<float, Half>("f32_to_f16" + suffix, d.floats, dim, k.f32_to_f16);
		RegisterConversion<Half, float>("f16_to_f32" + suffix, d.halves, dim, k.f16_to_f32);
	}
}

void RegisterFaiss() {
	for (size_t dim : kDims)
		RegisterDistances<float>(
		    "/faiss/" + std::to_string(dim), DataFor(dim).floats, dim,
		    {{"l2_squared_f32", faiss::fvec_L2sqr}, {"dot_f32", faiss::fvec_inner_product}});
}

// Keeps each run's time per iteration so main can print ratios to FAISS.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
	std::map<std::string, double> ns;

	void ReportRuns(const std::vector<Run> &runs) override {
		for (const Run &run : runs)
			if (run.run_type == Run::RT_Iteration)
				ns[run.benchmark_name()] = run.GetAdjustedCPUTime();
		ConsoleReporter::ReportRuns(runs);
	}
};

void PrintRatios(const RatioReporter &reporter) {
	std::printf("\nours / FAISS (CPU time per distance; below 1 is faster than FAISS)\n");
	for (const char *kernel : {"l2_squared_f32", "dot_f32"})
		for (size_t dim : kDims) {
			auto time = [&](const char *level) {
				auto it =
				    reporter.ns.find(std::string(kernel) + "/" + level + "/" + std::to_string(dim));
				return it == reporter.ns.end() ? 0.0 : it->second;
			};
			double faiss = time("faiss");
			std::string line;
			for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512})
				if (double ours = time(SimdLevelName(level)); ours > 0 && faiss > 0)
					line += std::string("  ") + SimdLevelName(level) + " " +
					        std::to_string(ours / faiss).substr(0, 4);
			if (!line.empty())
				std::printf("%-15s %5zu:%s\n", kernel, dim, line.c_str());
		}
}

} // namespace
} // namespace vdb

int main(int argc, char **argv) {
	using namespace vdb;
	for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512})
		if (const DistanceKernels *kernels = IsaKernels(level))
			RegisterLevel(*kernels);
	RegisterFaiss();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	RatioReporter reporter;
	benchmark::RunSpecifiedBenchmarks(&reporter);
	PrintRatios(reporter);
	benchmark::Shutdown();
	return 0;
}
