// What a page validator found wrong: a static description and the offending
// value, or nothing. Trivially destructible on purpose: glue may hold one
// across an ereport(ERROR), and a fuzzer calls the validators millions of
// times without allocating.
#pragma once

#include <cstdint>

namespace vdb {

struct PageFinding {
	const char *what = nullptr;  // nullptr: nothing wrong
	uint32_t value = 0;

	explicit operator bool() const { return what != nullptr; }
};

}  // namespace vdb
