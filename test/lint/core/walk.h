// A stand-in for a core search template (like src/core/hnsw/search.h) for
// the lint's self-test: it holds a vector while it calls the accessor, which
// in glue may read pages and raise. Not built.
#pragma once

#include <vector>

namespace lint_sample {

template <typename G>
float Walk(G &graph) {
	std::vector<int> seen(3);
	return graph.Distance(1) + float(seen.size());  // expect: lint
}

}  // namespace lint_sample
