// Chooses the distance kernels once per process from the CPU's features.
#include "core/pure.h"

#include "core/distance/distance.h"

namespace vdb {

const DistanceKernels &Kernels() {
	static const DistanceKernels &chosen = ScalarKernels();
	return chosen;
}

}  // namespace vdb
