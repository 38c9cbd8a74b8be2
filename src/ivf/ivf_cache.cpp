// Per-backend cache of the parts of an ivf index that never change after
// its build: the metapage, the quantizer and the centroids. Inserts and
// scans would otherwise read and decode them on every call (a 245-list
// Fashion-MNIST index has 750 kB of centroids). Any rebuild (REINDEX,
// TRUNCATE, VACUUM FULL) writes a new relfilenode, which the entry is
// checked against, so a stale entry is never used; those commands refuse to
// run on an index this backend is scanning, so a scan's entry stays valid.
#include "ivf/ivf.h"

#include <memory>
#include <unordered_map>

#include "pg/cpp_boundary.h"

namespace {

#if PG_VERSION_NUM >= 160000
#define VDB_RELFILENODE(rel) ((rel)->rd_locator.relNumber)
#else
#define VDB_RELFILENODE(rel) ((rel)->rd_node.relNode)
#endif

std::unordered_map<Oid, std::unique_ptr<IvfIndexState>> *states = NULL;

}  // namespace

const IvfIndexState *IvfGetIndexState(Relation index) {
	Oid relid = RelationGetRelid(index);
	Oid relfilenode = VDB_RELFILENODE(index);
	const IvfIndexState *found = NULL;
	vdb::RunCpp("ivf cache", [&] {
		if (states == NULL)
			states = new std::unordered_map<Oid, std::unique_ptr<IvfIndexState>>();
		auto it = states->find(relid);
		if (it != states->end() && it->second->relfilenode == relfilenode)
			found = it->second.get();
	});
	if (found != NULL)
		return found;
	IvfIndexState *state = IvfLoadIndexState(index);
	state->relfilenode = relfilenode;
	vdb::RunCpp("ivf cache", [&] {
		std::unique_ptr<IvfIndexState> owned(state);
		(*states)[relid] = std::move(owned);
	});
	return state;
}
