// libFuzzer target: the text input of halfvec (see dense_targets.h).
#include "dense_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	return vdb_fuzz::FuzzDenseText<vdb::Half>(data, size);
}
