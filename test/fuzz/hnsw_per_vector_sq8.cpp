// libFuzzer target: an 8-bit hnsw element (quantizer = 'sq8') as a page
// stores it, any bytes: decoding it and every distance and bound the scan
// computes from it read nothing outside it and run without undefined
// behaviour, whatever its floats (NaN, infinities) hold. Input: byte 0 the
// metric, bytes 1-2 dimensions - 1 (little-endian, modulo 256, which
// reaches every SIMD loop and tail), then the element, repeated to its size.
#include <cmath>
#include <vector>

#include "core/element/per_vector_sq8.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 4)
		return 0;
	static const vdb::MetricKind kKinds[] = {vdb::MetricKind::kL2, vdb::MetricKind::kInnerProduct,
	                                         vdb::MetricKind::kCosine, vdb::MetricKind::kL1};
	vdb::MetricKind kind = kKinds[data[0] % 4];
	size_t dims = 1 + (data[1] | data[2] << 8) % 256;
	std::vector<uint8_t> element(vdb::PerVectorSq8Bytes(dims));
	for (size_t i = 0; i < element.size(); i++)
		element[i] = data[3 + i % (size - 3)];

	std::vector<float> decoded(dims);
	vdb::PerVectorSq8Decode(element.data(), dims, decoded.data());
	std::vector<float> query(dims, 1.0f / std::sqrt(float(dims)));
	vdb::PerVectorSq8Query prepared = vdb::PerVectorSq8PrepareQuery(kind, query.data(), dims);
	float distance = vdb::PerVectorSq8Distance(prepared, element.data());
	vdb::PerVectorSq8LowerBound(prepared, distance, element.data());
	// A halfvec query of the same values, and the element decoded to halfvec.
	std::vector<vdb::Half> half_query(dims, vdb::FloatToHalf(query[0]));
	vdb::PerVectorSq8Query half = vdb::PerVectorSq8PrepareHalfQuery(kind, half_query.data(), dims);
	vdb::PerVectorSq8LowerBound(half, vdb::PerVectorSq8Distance(half, element.data()), element.data());
	vdb::PerVectorSq8DecodeHalf(element.data(), dims, half_query.data());
	vdb::PerVectorSq8L2Between(element.data(), element.data(), dims);
	vdb::PerVectorSq8NegDotBetween(element.data(), element.data(), dims);
	vdb::PerVectorSq8L1Between(element.data(), element.data(), dims);

	// An element the index wrote itself decodes to a finite vector.
	std::vector<uint8_t> encoded(element.size());
	vdb::PerVectorSq8Encode(kind, query.data(), dims, encoded.data());
	vdb::PerVectorSq8Decode(encoded.data(), dims, decoded.data());
	for (float x : decoded)
		FUZZ_CHECK(std::isfinite(x));
	return 0;
}
