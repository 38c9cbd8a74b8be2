// Random levels for new HNSW nodes: level l is reached with probability
// m^-l (mL = 1/ln m, as in the HNSW paper), from a seeded generator so that a
// build over the same rows in the same order gives the same graph.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace vdb {

class LevelGenerator {
public:
	static constexpr int kMaxLevel = 15;

	LevelGenerator(int m, uint64_t seed) : ml_(1.0 / std::log(double(m))), rng_(seed) {}

	int Next() {
		// 1 - U lies in (0, 1], so the log is finite.
		double u = 1.0 - std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
		int level = int(-std::log(u) * ml_);
		return level > kMaxLevel ? kMaxLevel : level;
	}

private:
	double ml_;
	std::mt19937_64 rng_;
};

}  // namespace vdb
