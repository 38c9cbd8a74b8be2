// Per-backend cache of the parts of an ivf index that only a rebuild or a
// rebalance changes: the metapage, the quantizer and the centroids. Inserts
// and scans would otherwise read and decode them on every call (a 245-list
// Fashion-MNIST index has 750 kB of centroids). Any rebuild (REINDEX,
// TRUNCATE, VACUUM FULL) writes a new relfilenode, and a rebalance bumps the
// metapage's generation; the entry is checked against both, so a stale
// entry is never handed out. A replaced entry may still be in use by a scan
// of this transaction (a cursor on the old layout, whose pages the rebalance
// keeps until that transaction ends): it is kept, retired, until the
// backend's next transaction.
#include "ivf/ivf.h"

#include <memory>
#include <unordered_map>
#include <vector>

#include "pg/cpp_boundary.h"

extern "C" {
#include "storage/proc.h"
}

namespace {

#if PG_VERSION_NUM >= 170000
#define VDB_LOCAL_XID (MyProc->vxid.lxid)
#else
#define VDB_LOCAL_XID (MyProc->lxid)
#endif

struct Retired {
	LocalTransactionId lxid;
	std::unique_ptr<IvfIndexState> state;
};

std::unordered_map<Oid, std::unique_ptr<IvfIndexState>> *states = NULL;
std::vector<Retired> *retired = NULL;

}  // namespace

uint32 IvfReadGeneration(Relation index) {
	Buffer buffer = VdbReadBuffer(index, IVF_METAPAGE_BLKNO, BUFFER_LOCK_SHARE);
	uint32 generation = ((IvfMetaPageData *) PageGetContents(BufferGetPage(buffer)))->generation;
	UnlockReleaseBuffer(buffer);
	return generation;
}

const IvfIndexState *IvfGetIndexState(Relation index) {
	Oid relid = RelationGetRelid(index);
	Oid relfilenode = index->rd_rel->relfilenode;
	uint32 generation = IvfReadGeneration(index);
	LocalTransactionId lxid = VDB_LOCAL_XID;
	const IvfIndexState *found = NULL;
	vdb::RunCpp("ivf cache", [&] {
		if (states == NULL) {
			states = new std::unordered_map<Oid, std::unique_ptr<IvfIndexState>>();
			retired = new std::vector<Retired>();
		}
		for (size_t i = 0; i < retired->size();) {
			if ((*retired)[i].lxid != lxid) {
				(*retired)[i] = std::move(retired->back());
				retired->pop_back();
			} else {
				i++;
			}
		}
		auto it = states->find(relid);
		if (it != states->end() && it->second->relfilenode == relfilenode &&
		    it->second->meta.generation == generation)
			found = it->second.get();
	});
	if (found != NULL)
		return found;
	IvfIndexState *state = IvfLoadIndexState(index);
	state->relfilenode = relfilenode;
	vdb::RunCpp("ivf cache", [&] {
		std::unique_ptr<IvfIndexState> owned(state);
		auto it = states->find(relid);
		if (it != states->end())
			retired->push_back(Retired{lxid, std::move(it->second)});
		(*states)[relid] = std::move(owned);
	});
	return state;
}
