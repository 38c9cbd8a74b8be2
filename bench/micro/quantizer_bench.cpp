// Quantized distance kernels, scalar reference against the chosen SIMD
// table, per code at the dimensions of the anchor data sets (128, 784).
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/quantizer/kernels.h"

namespace vdb {
namespace {

struct Inputs {
	std::vector<float> a, b, table;
	std::vector<int16_t> weights;
	std::vector<uint8_t> codes;
	std::vector<uint64_t> bits, planes;
	explicit Inputs(size_t n)
	    : a(n), b(n), table(n * 256), weights(n), codes(n), bits(n / 64 + 1), planes(4 * (n / 64 + 1)) {
		std::mt19937 rng(1);
		std::uniform_real_distribution<float> u(-1, 1);
		for (std::vector<float> *v : {&a, &b, &table})
			for (float &x : *v)
				x = u(rng);
		for (int16_t &w : weights)
			w = int16_t(int(rng() % (2 * kI16U8MaxWeight + 1)) - kI16U8MaxWeight);
		for (uint8_t &c : codes)
			c = uint8_t(rng());
		for (uint64_t &w : bits)
			w = (uint64_t(rng()) << 32) | rng();
		for (uint64_t &w : planes)
			w = (uint64_t(rng()) << 32) | rng();
	}
};

const QuantizerKernels &Table(int simd) { return simd ? QuantKernels() : ScalarQuantKernels(); }

void F32U8Dot(benchmark::State &state) {
	Inputs in(size_t(state.range(0)));
	const QuantizerKernels &k = Table(int(state.range(1)));
	for (auto _ : state)
		benchmark::DoNotOptimize(k.i16_u8_dot(in.weights.data(), in.codes.data(), in.codes.size()));
	state.SetLabel(k.name);
}

// PQ with 4 dimensions per sub-quantizer: m = d / 4.
void PqSum(benchmark::State &state) {
	Inputs in(size_t(state.range(0)) / 4);
	const QuantizerKernels &k = Table(int(state.range(1)));
	for (auto _ : state)
		benchmark::DoNotOptimize(k.pq_sum(in.table.data(), in.codes.data(), in.codes.size()));
	state.SetLabel(k.name);
}

void BitPlaneDot(benchmark::State &state) {
	Inputs in(size_t(state.range(0)));
	const QuantizerKernels &k = Table(int(state.range(1)));
	for (auto _ : state)
		benchmark::DoNotOptimize(k.bit_plane_dot(in.bits.data(), in.planes.data(), in.bits.size(), 4));
	state.SetLabel(k.name);
}

BENCHMARK(F32U8Dot)->ArgsProduct({{128, 784}, {0, 1}});
BENCHMARK(PqSum)->ArgsProduct({{128, 784}, {0, 1}});
BENCHMARK(BitPlaneDot)->ArgsProduct({{128, 784}, {0, 1}});

}  // namespace
}  // namespace vdb

BENCHMARK_MAIN();
