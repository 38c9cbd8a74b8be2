// Per access method callbacks of the shared SQL functions
// (vector_db_index_check, vector_db_index_stats): each AM registers its own
// by AM name from _PG_init, and the function looks up the index's.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "commands/defrem.h"
#include "utils/rel.h"
}

template <typename Callback>
class VdbIndexRegistry {
public:
	void Add(const char *am_name, Callback callback) {
		if (count_ == lengthof(entries_))
			elog(ERROR, "too many index access methods registered");
		entries_[count_++] = Entry{am_name, callback};
	}

	// The callback of the index's access method; 0A000 when it is not ours.
	Callback Find(Relation index) const {
		const char *am = get_am_name(index->rd_rel->relam);
		for (int i = 0; i < count_; i++)
			if (am != NULL && strcmp(entries_[i].am_name, am) == 0)
				return entries_[i].callback;
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("index \"%s\" is not a vector_db index", RelationGetRelationName(index))));
		return NULL;
	}

private:
	struct Entry {
		const char *am_name;
		Callback callback;
	};
	Entry entries_[4] = {};
	int count_ = 0;
};
