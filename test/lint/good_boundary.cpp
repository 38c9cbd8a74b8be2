// The patterns `scripts/lint-boundary.py --self-test` must accept: nothing
// here may be reported. Not built.
#include <string>
#include <vector>

#include "pg/cpp_boundary.h"

// The C++ objects live inside RunCpp; a plain copy crosses to Postgres.
void ScopedInRunCpp(int n) {
	char message[64] = "";
	vdb::RunCpp("test", [&] {
		std::vector<int> values(n);
		if (values.size() > 10)
			strlcpy(message, std::to_string(n).c_str(), sizeof message);
	});
	if (message[0] != '\0')
		ereport(ERROR, (errmsg("%s", message)));
}

// The block ends, and the vector with it, before the error.
void BlockEndsFirst(int n) {
	{
		std::vector<int> values(n);
		(void) values;
	}
	elog(ERROR, "after the block");
}

// The error comes before the vector exists.
int ErrorBeforeTheLocal(int n) {
	if (n < 0)
		elog(ERROR, "negative");
	std::vector<int> values(n);
	return int(values.size());
}

// References, pointers and trivial structs own nothing.
void NothingOwned(std::vector<int> &values) {
	std::vector<int> *pointer = &values;
	std::vector<int> &reference = values;
	struct {
		int count;
		char name[8];
	} plain = {};
	ereport(ERROR, (errmsg("%zu %zu %d", pointer->size(), reference.size(), plain.count)));
}
