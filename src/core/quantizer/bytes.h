// Plain little-endian byte strings for the trained state the index pages
// store. Every serialised quantizer starts with a kind byte and a format
// version byte; readers check both and every length before they trust a
// field, and report a truncated or foreign string instead of reading past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

namespace vdb {

// Kinds of serialised quantizer state (first byte).
enum class QuantizerKind : uint8_t { kSq8 = 1, kPq = 2, kRabitq = 3 };

class ByteWriter {
public:
	template <typename T>
	void Put(T value) {
		static_assert(std::is_trivially_copyable<T>::value, "plain data only");
		const uint8_t *p = reinterpret_cast<const uint8_t *>(&value);
		bytes_.insert(bytes_.end(), p, p + sizeof(T));
	}
	void PutFloats(const std::vector<float> &values) {
		const uint8_t *p = reinterpret_cast<const uint8_t *>(values.data());
		bytes_.insert(bytes_.end(), p, p + values.size() * sizeof(float));
	}
	std::vector<uint8_t> Take() { return std::move(bytes_); }

private:
	std::vector<uint8_t> bytes_;
};

class ByteReader {
public:
	ByteReader(const uint8_t *bytes, size_t size) : p_(bytes), left_(size) {}

	template <typename T>
	bool Get(T *value) {
		if (left_ < sizeof(T))
			return false;
		memcpy(value, p_, sizeof(T));
		p_ += sizeof(T);
		left_ -= sizeof(T);
		return true;
	}
	bool GetFloats(size_t count, std::vector<float> *values) {
		if (count > left_ / sizeof(float))
			return false;
		values->resize(count);
		memcpy(values->data(), p_, count * sizeof(float));
		p_ += count * sizeof(float);
		left_ -= count * sizeof(float);
		return true;
	}
	bool AtEnd() const { return left_ == 0; }

private:
	const uint8_t *p_;
	size_t left_;
};

// Starts a serialised quantizer: kind byte, version byte.
inline void PutHeader(ByteWriter &out, QuantizerKind kind, uint8_t version) {
	out.Put(uint8_t(kind));
	out.Put(version);
}

// True when the next two bytes are this kind and version.
inline bool HeaderMatches(ByteReader &in, QuantizerKind kind, uint8_t version) {
	uint8_t got_kind, got_version;
	return in.Get(&got_kind) && in.Get(&got_version) && got_kind == uint8_t(kind) &&
	       got_version == version;
}

}  // namespace vdb
