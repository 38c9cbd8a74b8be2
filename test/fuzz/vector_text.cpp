// libFuzzer target: the text input of vector (see dense_targets.h).
#include "dense_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	return vdb_fuzz::FuzzDenseText<float>(data, size);
}
