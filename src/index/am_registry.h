// What the SQL entry points shared by every vector_db index AM
// (vector_db_index_check, vector_db_compact) use to find the AM's own
// implementation: callbacks registered by AM name at load time.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "commands/defrem.h"
#include "utils/rel.h"
}

template <typename Callback>
class VdbAmRegistry {
public:
	void Add(const char *am_name, Callback callback) {
		if (count_ == lengthof(names_))
			elog(ERROR, "too many index access methods registered");
		names_[count_] = am_name;
		callbacks_[count_++] = callback;
	}
	// The callback of the index's AM, or NULL when it is not ours.
	Callback Find(Relation index) const {
		const char *am = get_am_name(index->rd_rel->relam);
		for (int i = 0; i < count_; i++)
			if (am != NULL && strcmp(names_[i], am) == 0)
				return callbacks_[i];
		return NULL;
	}

private:
	const char *names_[4];
	Callback callbacks_[4];
	int count_ = 0;
};

// The table of index index_oid; ERROR when there is no such relation or it
// is not an index.
Oid VdbTableOfIndex(Oid index_oid);
