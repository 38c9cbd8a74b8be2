// sphere_vector and sphere_halfvec: the composite (center, radius) that
// sphere(q, r) builds and the range operators <<->>, <<#>>, <<=>> take
// (docs/range_search.md). Read by the operators and by index scans, which
// get the same datum as a scan key.
#pragma once

#include "pg/pg.h"

struct VdbSphere {
	Datum center;  // a vector or halfvec, not detoasted
	double radius;
};

// False when the sphere, its center or its radius is NULL: such a sphere
// contains nothing (the operator returns NULL).
bool VdbReadSphere(Datum sphere, VdbSphere *out);
