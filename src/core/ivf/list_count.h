// The number of IVF lists to build when the user does not say: pgvector's
// guidance, about rows / 1000 up to a million rows and sqrt(rows) above
// (the two agree at a million, so the count never jumps).
#pragma once

#include <cstdint>

namespace vdb {

uint32_t DefaultListCount(uint64_t rows);

}  // namespace vdb
