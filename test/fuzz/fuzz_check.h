// What every fuzz target shares: FUZZ_CHECK, an assertion that stays on in
// every build and aborts (libFuzzer then saves the input as a crash), and the
// shortest text of a float that reads back to it, as the types print.
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                              \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			abort();                                                                  \
		}                                                                             \
	} while (0)

namespace vdb_fuzz {

// Bit for bit, so that -0 differs from 0 (memcmp of empty vectors would be
// undefined: their data() may be null).
template <typename T>
bool SameBits(const std::vector<T> &a, const std::vector<T> &b) {
	return a.size() == b.size() && (a.empty() || memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

inline void AppendShortest(std::string *out, float value) {
	char digits[64];
	auto result = std::to_chars(digits, digits + sizeof digits, value);
	FUZZ_CHECK(result.ec == std::errc());
	out->append(digits, result.ptr);
}

}  // namespace vdb_fuzz
