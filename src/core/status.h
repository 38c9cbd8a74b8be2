// The result of a core call that can fail on its input: training, decoding a
// serialised quantizer. Core code returns a Status instead of throwing so that
// glue can pick the SQLSTATE from the code (pgRouting's drivers do the same:
// C++ returns a message, the C side ereports it).
#pragma once

#include <string>
#include <utility>

namespace vdb {

struct Status {
	enum Code {
		kOk,
		kInvalidArgument,  // the caller's input or parameters: 22023 / 22000
		kCanceled,         // should_stop asked to stop: glue runs CHECK_FOR_INTERRUPTS
		kCorrupt,          // bytes that do not decode: XX002
		kInternal,         // FAISS or the library failed: XX000
	};

	Code code = kOk;
	std::string message;

	static Status Ok() { return Status(); }
	static Status Error(Code code, std::string message) {
		Status s;
		s.code = code;
		s.message = std::move(message);
		return s;
	}
	bool ok() const { return code == kOk; }
};

}  // namespace vdb
