// Library entry point: the module magic block and _PG_init, which registers
// each module's settings. Loading must stay cheap and single-threaded: a
// postmaster that preloads us forks every backend from this state.
#include "pg/pg.h"

#include "consistency/consistency.h"
#include "hnsw/hnsw.h"
#include "ivf/ivf.h"
#include "pg/fault.h"
#include "scaleout/scaleout.h"
#include "worker/worker.h"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void) {
	HnswInit();
	IvfInit();
	VdbFaultInit();
	VdbWorkerInit();
	VdbConsistencyInit();
	VdbShardSettingsInit();
}
