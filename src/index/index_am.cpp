// Shared IndexAmRoutine flags for the vector index access methods.
#include "index/index_am.h"

IndexAmRoutine *VdbNewIndexAmRoutine(void) {
	IndexAmRoutine *am = makeNode(IndexAmRoutine);  // zeroed: callbacks NULL
	am->amstrategies = 0;
	am->amsupport = 2;  // 1: distance, 2: norm (normalise on the way in)
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
#if PG_VERSION_NUM >= 170000
	am->amcanbuildparallel = false;
#endif
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
#if PG_VERSION_NUM >= 160000
	am->amsummarizing = false;
#endif
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;
	return am;
}
