// Readers of the text forms (see text_input.h). A Cursor walks the literal
// and turns each fault into an InputError that points into it.
#include "core/pure.h"

#include "core/io/text_input.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace vdb {
namespace {

// PostgreSQL 15's scanner_isspace, which the text forms have always skipped.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

class Cursor {
public:
	explicit Cursor(const char *input) : input_(input), p_(input) {}

	void SkipSpace() {
		while (IsSpace(*p_))
			p_++;
	}
	char Peek() const { return *p_; }
	void Advance() { p_++; }
	// Skips whitespace and takes `c` if it comes next.
	bool Take(char c) {
		SkipSpace();
		if (*p_ != c)
			return false;
		p_++;
		return true;
	}
	bool AtEnd() {
		SkipSpace();
		return *p_ == '\0';
	}
	InputError Syntax(InputError::Place place = InputError::kInside) const {
		return InputError::At(InputError::kSyntax, Offset(p_), Offset(p_), place);
	}

	// A float read like float4in; |value| >= overflow_at is out of range, and
	// so is a nonzero number that underflows to (signed) zero unless
	// zero_underflow_ok. Underflow to a subnormal is always kept.
	InputError Float(float overflow_at, bool zero_underflow_ok, float *value) {
		SkipSpace();
		char *end;
		errno = 0;
		float x = strtof(p_, &end);
		if (end == p_)
			return Syntax();
		bool out_of_range = errno == ERANGE && (std::isinf(x) || (x == 0 && !zero_underflow_ok));
		if (out_of_range || (std::isfinite(x) && std::fabs(x) >= overflow_at))
			return InputError::At(InputError::kOutOfRange, Offset(p_), Offset(end));
		InputError e = ValidateFinite(x);
		if (!e.ok()) {
			e.begin = Offset(p_);
			e.end = Offset(end);
			return e;
		}
		p_ = end;
		*value = x;
		return InputError();
	}

	// A decimal integer, clamped to int32: one beyond it is out of the
	// type's range anyway, so the range check that follows reports it as
	// pgvector does (a dimension count too large, an index out of bounds).
	InputError Integer(int64_t *value) {
		SkipSpace();
		char *end;
		long long x = strtoll(p_, &end, 10);
		if (end == p_)
			return Syntax();
		p_ = end;
		*value = std::min<long long>(std::max<long long>(x, INT32_MIN), INT32_MAX);
		return InputError();
	}

private:
	size_t Offset(const char *p) const { return size_t(p - input_); }

	const char *input_;
	const char *p_;
};

}  // namespace

size_t DenseTextCapacity(size_t length, const DenseKind &kind) {
	// Every element but the last takes a digit and a comma.
	return std::min(length / 2 + 1, size_t(kind.max_dim));
}

InputError ParseDenseText(const char *input, const DenseKind &kind, int32_t typmod, float *values,
                          size_t capacity, int *dim) {
	Cursor in(input);
	if (!in.Take('['))
		return in.Syntax(InputError::kOpening);
	int n = 0;
	if (in.Take(']'))
		return InputError::Of(InputError::kDimCount, 0, kind.max_dim);
	for (;;) {
		// Checked before each element, so a huge literal fails early.
		if (n == kind.max_dim)
			return InputError::Of(InputError::kDimCount, n + 1, kind.max_dim);
		if (size_t(n) == capacity)
			return InputError::Of(InputError::kCapacity, n, int64_t(capacity));
		// Dense types keep an underflow as 0 or -0, as pgvector does.
		InputError e = in.Float(kind.overflow_at, true, &values[n]);
		if (!e.ok())
			return e;
		n++;
		if (in.Take(']'))
			break;
		if (!in.Take(','))
			return in.Syntax();
	}
	if (!in.AtEnd())
		return in.Syntax(InputError::kTrailing);
	*dim = n;
	return ValidateDimensions(n, kind.max_dim, typmod);
}

size_t SparseTextCapacity(size_t length) {
	// Every entry takes at least "1:1," and the literal needs "{" and "/1".
	return length / 4 + 1;
}

InputError ParseSparseText(const char *input, int32_t typmod, SparseEntry *entries, size_t capacity,
                           int *nnz, int *dim) {
	Cursor in(input);
	if (!in.Take('{'))
		return in.Syntax(InputError::kOpening);
	size_t count = 0;
	if (!in.Take('}')) {
		for (;;) {
			if (count == capacity)
				return InputError::Of(InputError::kCapacity, int64_t(count), int64_t(capacity));
			SparseEntry &entry = entries[count];
			InputError e = in.Integer(&entry.index);
			if (e.ok() && !in.Take(':'))
				e = in.Syntax();
			if (e.ok())
				// sparsevec refuses an underflow, as pgvector's does: the
				// entry would silently vanish.
				e = in.Float(std::numeric_limits<float>::infinity(), false, &entry.value);
			if (!e.ok())
				return e;
			count++;
			if (in.Take('}'))
				break;
			if (!in.Take(','))
				return in.Syntax();
		}
	}
	if (!in.Take('/'))
		return in.Syntax(InputError::kNoDims);
	int64_t n_dims;
	InputError e = in.Integer(&n_dims);
	if (!e.ok())
		return e;
	if (!in.AtEnd())
		return in.Syntax(InputError::kTrailing);
	e = ValidateDimensions(n_dims, kSparseMaxDim, typmod);
	if (!e.ok())
		return e;

	std::sort(entries, entries + count,
	          [](const SparseEntry &a, const SparseEntry &b) { return a.index < b.index; });
	int64_t nonzero = 0;
	for (size_t i = 0; i < count; i++) {
		if (entries[i].index < 1 || entries[i].index > n_dims)
			return InputError::Of(InputError::kIndexRange, entries[i].index, n_dims);
		if (i > 0 && entries[i].index == entries[i - 1].index)
			return InputError::Of(InputError::kDuplicateIndex, entries[i].index);
		nonzero += entries[i].value != 0;
	}
	e = ValidateSparseNnz(nonzero, n_dims);
	if (!e.ok())
		return e;

	// Drop the zeros and count from 0, in place.
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (entries[i].value != 0)
			entries[k++] = SparseEntry{entries[i].index - 1, entries[i].value};
	*nnz = int(k);
	*dim = int(n_dims);
	return InputError();
}

}  // namespace vdb
