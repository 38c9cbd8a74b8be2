// Filter columns of an hnsw, ivfflat or ivf index: which columns an index
// may have, the words a row's filter values become (core/filter.h), and the scan
// keys on them. Values hash with their type's extended hash function (the
// default hash operator class's), under the column's collation, so a
// query's value and a stored one agree exactly when = would say so.
#include "index/index_filter.h"

#include "index/index_metric.h"
#include "pg/cpp_boundary.h"

extern "C" {
#include "access/genam.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "commands/defrem.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

int VdbFilterColumns(Relation index) {
	int columns = IndexRelationGetNumberOfKeyAttributes(index);
	if (columns == 1)
		return 0;  // VdbResolveIndexMetric reports a column that is no vector
	const char *name = RelationGetRelationName(index);
	const char *am = get_am_name(index->rd_rel->relam);
	if (!OidIsValid(index_getprocid(index, 1, VDB_DISTANCE_PROC)))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("first column of %s index \"%s\" must be its vector column", am, name),
		                errhint("List the filter columns after the vector column.")));
	for (int attno = 2; attno <= columns; attno++)
		if (OidIsValid(index_getprocid(index, attno, VDB_DISTANCE_PROC)))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("%s index \"%s\" can have only one vector column", am, name),
			                errdetail("Column %d has a vector operator class.", attno)));
	if (VdbResolveIndexMetric(index, true).type == vdb::ElementType::kSparse)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("%s index \"%s\" on sparsevec cannot have filter columns", am, name)));
	return columns - 1;
}

namespace {

// How the values of index column `attno` (1-based) hash: the column's type,
// or for a label array its element type.
struct ColumnHash {
	TypeCacheEntry *type;  // of a scalar, or of an array's elements
	Oid collation;
	bool array;
};

// `type`: of the values to hash when not the column's (a cross-type key of
// the integer family, whose extended hash functions agree across int2, int4
// and int8), else InvalidOid.
ColumnHash HashOf(Relation index, int attno, Oid type = InvalidOid) {
	if (!OidIsValid(type))
		type = TupleDescAttr(RelationGetDescr(index), attno - 1)->atttypid;
	Oid element = get_element_type(type);
	ColumnHash hash{lookup_type_cache(OidIsValid(element) ? element : type, TYPECACHE_HASH_EXTENDED_PROC_FINFO),
	                index->rd_indcollation[attno - 1], OidIsValid(element)};
	if (!OidIsValid(hash.type->hash_extended_proc))
		elog(ERROR, "type %u of filter column %d has no extended hash function", hash.type->type_id, attno);
	return hash;
}

uint64 HashValue(const ColumnHash &hash, Datum value) {
	return DatumGetUInt64(FunctionCall2Coll(&hash.type->hash_extended_proc_finfo, hash.collation, value,
	                                        UInt64GetDatum(0)));
}

// A label's signature bits under `scheme` (core/filter.h).
uint64 LabelBitsOf(const ColumnHash &hash, Datum label, vdb::LabelScheme scheme) {
	if (scheme == vdb::LabelScheme::kSmallIntegers) {
		uint64 bit = 0;
		switch (hash.type->type_id) {
		case INT2OID: bit = vdb::SmallLabelBit(DatumGetInt16(label)); break;
		case INT4OID: bit = vdb::SmallLabelBit(DatumGetInt32(label)); break;
		case INT8OID: bit = vdb::SmallLabelBit(DatumGetInt64(label)); break;
		}
		if (bit != 0)
			return bit;
	}
	return vdb::LabelBits(HashValue(hash, label));
}

// For an array's non-NULL elements, palloc'd, *count of them: their
// hashes, or with `labels` their signature bits under that scheme.
uint64 *ElementWords(const ColumnHash &hash, Datum array, int *count, const vdb::LabelScheme *labels = NULL) {
	Datum *elements;
	bool *nulls;
	int n;
	deconstruct_array(DatumGetArrayTypeP(array), hash.type->type_id, hash.type->typlen, hash.type->typbyval,
	                  hash.type->typalign, &elements, &nulls, &n);
	uint64 *words = (uint64 *) palloc(sizeof(uint64) * Max(n, 1));
	*count = 0;
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			words[(*count)++] = labels != NULL ? LabelBitsOf(hash, elements[i], *labels) : HashValue(hash, elements[i]);
	return words;
}

}  // namespace

void VdbFilterWords(Relation index, vdb::LabelScheme scheme, int columns, const Datum *values, const bool *isnull,
                    uint64 *words) {
	for (int column = 0; column < columns; column++) {
		int attno = column + 2;
		words[column] = 0;
		if (isnull[attno - 1])
			continue;
		ColumnHash hash = HashOf(index, attno);
		if (!hash.array) {
			words[column] = HashValue(hash, values[attno - 1]);
			continue;
		}
		int count;
		uint64 *bits = ElementWords(hash, values[attno - 1], &count, &scheme);
		for (int i = 0; i < count; i++)
			words[column] |= bits[i];
		pfree(bits);
	}
}

bool VdbFilterKeys(Relation index, vdb::LabelScheme scheme, ScanKey keys, int nkeys,
                   std::vector<vdb::FilterKey> &out) {
	vdb::RunCpp("filter keys", [&] { out.clear(); });
	for (int i = 0; i < nkeys; i++) {
		ScanKey key = &keys[i];
		if (!VdbIsFilterStrategy(key->sk_strategy))
			continue;
		if (key->sk_flags & SK_ISNULL)
			return false;
		// An equality key's subtype is its argument's type (an = ANY array's
		// element type); label keys compare arrays of the column's type.
		ColumnHash hash =
		    HashOf(index, key->sk_attno, key->sk_strategy == VDB_FILTER_EQUAL ? key->sk_subtype : InvalidOid);
		vdb::FilterKey::Kind kind = key->sk_strategy == VDB_FILTER_EQUAL     ? vdb::FilterKey::kEqualsAny
		                            : key->sk_strategy == VDB_FILTER_OVERLAP ? vdb::FilterKey::kOverlaps
		                                                                      : vdb::FilterKey::kContainsAll;
		int count = 1;
		uint64 single;
		uint64 *words = &single;
		if (kind == vdb::FilterKey::kEqualsAny && !(key->sk_flags & SK_SEARCHARRAY))
			single = HashValue(hash, key->sk_argument);
		else if (kind == vdb::FilterKey::kEqualsAny)  // = ANY's array holds values of the column's type
			words = ElementWords(hash, key->sk_argument, &count);
		else  // && and @>'s, labels
			words = ElementWords(hash, key->sk_argument, &count, &scheme);
		if (count == 0 && kind != vdb::FilterKey::kContainsAll)
			return false;
		vdb::RunCpp("filter keys", [&] {
			vdb::FilterKey filter{uint16_t(key->sk_attno - 2), kind, {}};
			if (kind == vdb::FilterKey::kContainsAll) {
				uint64_t all = 0;
				for (int j = 0; j < count; j++)
					all |= words[j];
				filter.values.push_back(all);
			} else
				filter.values.assign(words, words + count);
			out.push_back(std::move(filter));
		});
	}
	return true;
}
