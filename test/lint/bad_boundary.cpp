// Seeded mistakes for `scripts/lint-boundary.py --self-test`: every line
// marked "expect: lint" must be reported, and no other. Not built.
#include <memory>
#include <string>
#include <vector>

#include "core/walk.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "miscadmin.h"
}

std::string Label(int i);

void LocalAcrossEreport(int n) {
	std::vector<int> values(n);
	if (n > 10)
		ereport(ERROR, (errmsg("too many: %d", n)));  // expect: lint
}

void LocalAcrossPalloc() {
	std::string name = "x";
	char *copy = (char *) palloc(8);  // expect: lint
	copy[0] = name[0];
}

void LocalAcrossInterruptCheck() {
	std::unique_ptr<int> owned(new int(1));
	CHECK_FOR_INTERRUPTS();  // expect: lint
}

// A struct that only holds a vector has a non-trivial destructor too.
struct Holder {
	std::vector<float> floats;
};

void StructAcrossElog() {
	Holder holder;
	elog(ERROR, "bad %zu", holder.floats.size());  // expect: lint
}

void LocalAcrossRunCpp() {
	std::vector<int> values;
	vdb::RunCpp("test", [&] { values.push_back(1); });  // expect: lint
}

void LocalAcrossPallocInALambda() {
	std::vector<int> values;
	auto grow = [&] { return palloc(values.size()); };  // expect: lint
	grow();  // expect: lint (the lambda pallocs)
}

void TemporaryInTheMessage(int i) {
	ereport(ERROR, (errmsg("%s", Label(i).c_str())));  // expect: lint
}

// A later local in an inner block must not hide an earlier one outside it.
void EarlierLocalOutsideTheBlock() {
	std::vector<int> early;
	{
		elog(ERROR, "early is alive");  // expect: lint
		std::vector<int> late;
	}
}

// A core template instantiated with a glue accessor: the finding is in the
// template (core/walk.h), where the vector lives.
struct PageGraph {
	float Distance(int id);  // glue: may read a page and raise
};

float WalkPages(PageGraph &graph) {
	return lint_sample::Walk(graph);
}
