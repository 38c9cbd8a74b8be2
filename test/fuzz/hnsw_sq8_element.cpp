// libFuzzer target: an 8-bit hnsw element (quantizer = 'sq8') as a page
// stores it, any bytes: decoding it and every distance and bound the scan
// computes from it read nothing outside it and run without undefined
// behaviour, whatever its floats (NaN, infinities) hold. Input: byte 0 the
// metric, bytes 1-2 dimensions - 1 (little-endian, modulo 256, which
// reaches every SIMD loop and tail), then the element, repeated to its size.
#include <cmath>
#include <vector>

#include "core/element/sq8_element.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size < 4)
		return 0;
	static const vdb::MetricKind kKinds[] = {vdb::MetricKind::kL2, vdb::MetricKind::kInnerProduct,
	                                         vdb::MetricKind::kCosine};
	vdb::MetricKind kind = kKinds[data[0] % 3];
	size_t dims = 1 + (data[1] | data[2] << 8) % 256;
	std::vector<uint8_t> element(vdb::Sq8ElementBytes(dims));
	for (size_t i = 0; i < element.size(); i++)
		element[i] = data[3 + i % (size - 3)];

	std::vector<float> decoded(dims);
	vdb::Sq8DecodeElement(element.data(), dims, decoded.data());
	std::vector<float> query(dims, 1.0f / std::sqrt(float(dims)));
	vdb::Sq8ElementQuery prepared = vdb::Sq8PrepareQuery(kind, query.data(), dims);
	float distance = vdb::Sq8ElementDistance(prepared, element.data());
	vdb::Sq8LowerBound(prepared, distance, element.data());
	vdb::Sq8L2Between(element.data(), element.data(), dims);
	vdb::Sq8NegDotBetween(element.data(), element.data(), dims);

	// An element the index wrote itself decodes to a finite vector.
	std::vector<uint8_t> encoded(element.size());
	vdb::Sq8EncodeElement(query.data(), dims, encoded.data());
	vdb::Sq8DecodeElement(encoded.data(), dims, decoded.data());
	for (float x : decoded)
		FUZZ_CHECK(std::isfinite(x));
	return 0;
}
