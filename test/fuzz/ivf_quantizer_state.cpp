// libFuzzer target: the quantizer state an ivf index keeps in its metapages
// (sq8 ranges, pq codebooks, the rabitq rotation), read by IvfCoder::Load as
// the glue reads it from the pages (src/ivf/ivf_storage.cpp). Input:
//   byte 0: quantizer (flat, sq8, pq, rabitq); byte 1: element type and
//   metric; bytes 2-3: dimensions - 1 (little-endian, modulo 256: every
//   SIMD loop and tail is reached below that, and small vectors leave time
//   for more inputs); then the stored state.
// Load either refuses the state as corrupt or gives a coder whose state
// serialises back to the same bytes and that encodes, prepares and scores
// vectors, and scores code bytes read from the input, without a fault.
#include <cmath>
#include <cstring>
#include <vector>

#include "core/float16.h"
#include "core/ivf/list_coder.h"
#include "fuzz_check.h"

namespace {

using vdb::IvfCoder;

std::vector<uint8_t> Element(const vdb::ElementMetric &metric, float value) {
	std::vector<uint8_t> element(metric.bytes);
	for (size_t i = 0; i < metric.dims; i++) {
		if (metric.type == vdb::ElementType::kFloat16) {
			vdb::Half h = vdb::FloatToHalf(value);
			memcpy(element.data() + 2 * i, &h, sizeof h);
		} else {
			memcpy(element.data() + 4 * i, &value, sizeof value);
		}
	}
	return element;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 4)
		return 0;
	static const vdb::MetricKind kKinds[] = {vdb::MetricKind::kL2, vdb::MetricKind::kInnerProduct,
	                                         vdb::MetricKind::kCosine};
	vdb::IvfQuantizer quantizer = vdb::IvfQuantizer(data[0] % 4);
	vdb::ElementType type = data[1] & 4 ? vdb::ElementType::kFloat16 : vdb::ElementType::kFloat32;
	size_t dims = 1 + (data[2] | data[3] << 8) % 256;
	vdb::ElementMetric metric = vdb::MakeElementMetric(type, kKinds[data[1] % 3], dims);
	const uint8_t *state = data + 4;
	size_t state_size = size - 4;

	IvfCoder coder = IvfCoder::Flat(metric);
	vdb::Status status = IvfCoder::Load(quantizer, metric, state, state_size, &coder);
	if (!status.ok()) {
		FUZZ_CHECK(status.code == vdb::Status::kCorrupt);
		return 0;
	}
	std::vector<uint8_t> again = coder.Serialize();
	FUZZ_CHECK(again.size() == state_size && (again.empty() || memcmp(again.data(), state, state_size) == 0));

	// Cosine elements are unit length, as PrepareElement leaves them.
	std::vector<uint8_t> element = Element(metric, 1.0f / std::sqrt(float(dims)));
	std::vector<float> centroid(dims, 0.25f);
	std::vector<uint8_t> code(coder.code_size());
	coder.Encode(element.data(), centroid.data(), code.data());
	vdb::IvfListQuery query;
	coder.PrepareQuery(element.data(), &query);
	coder.PrepareList(centroid.data(), &query);
	coder.Score(query, code.data());
	// A code as a page would hold it: any bytes.
	for (size_t i = 0; i < code.size(); i++)
		code[i] = data[i % size];
	coder.Score(query, code.data());
	return 0;
}
