// Reading the filter directory (hnsw_pages.h, core/hnsw/filter_directory.h):
// the ids of the nodes whose words pass a scan's filter keys, found by
// reading each key's column of every directory, a page per ~1,000 nodes,
// one page at a time under a share lock. A word written after the read is
// a node appended after the scan's metapage read, which the scan does not
// look for anyway (nor would a walk). Free and deleted slots may pass:
// the caller reads each node's record before returning its row.
#include "hnsw/hnsw.h"

extern "C" {
#include "miscadmin.h"
}

static_assert(VDB_PAGE_DATA_SIZE % sizeof(uint64) == 0, "directory words never straddle pages");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the match flags are read eight to a word");

bool HnswDirectoryMatches(Relation index, const HnswMetaPageData &meta, const std::vector<vdb::FilterKey> &keys,
                          size_t limit, HnswDirectoryScratch &s, HnswBufferHints *hints) {
	const HnswGeometry &g = meta.geometry;
	uint32 span = vdb::DirectoryNodes(g);
	s.matches.clear();  // both sized by HnswSizeDirectoryScratch: nothing allocates here
	for (uint32 first = 0; first < meta.node_count; first += span) {
		CHECK_FOR_INTERRUPTS();
		uint32 count = Min(span, meta.node_count - first);
		memset(s.pass.data(), 1, count);
		// Each key's column, tested where it lies, page by page.
		for (const vdb::FilterKey &key : keys)
			VdbForEachSpanPiece(HnswDirectoryWordPos(g, first, key.column), count * uint32(sizeof(uint64)),
			                    [&](VdbSpanPos pos, uint32 piece, uint32 done) {
				                    Buffer buffer = VdbReadHinted(index, pos.block, hints);
				                    const uint64 *words = (const uint64 *) (BufferGetPage(buffer) + pos.offset);
				                    vdb::FilterKeyNarrow(key, words, piece / sizeof(uint64),
				                                         &s.pass[done / sizeof(uint64)]);
				                    UnlockReleaseBuffer(buffer);
			                    });
		// The flags are 0 or 1, mostly 0 when few pass: read eight at a
		// time, the set ones by their lowest bits (little-endian).
		memset(s.pass.data() + count, 0, sizeof(uint64));
		for (uint32 j = 0; j < count; j += sizeof(uint64)) {
			uint64 flags;
			memcpy(&flags, &s.pass[j], sizeof(flags));
			for (; flags != 0; flags &= flags - 1) {
				if (s.matches.size() == limit)
					return false;
				s.matches.push_back(first + j + uint32(__builtin_ctzll(flags)) / 8);
			}
		}
		if (vdb::ClearlyPastExactLimit(s.matches.size(), first + count, meta.node_count, limit))
			return false;
	}
	return true;
}
