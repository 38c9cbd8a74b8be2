// Where an hnsw index keeps its filter directory (docs/hnsw.md, "Filter
// columns"): every node's filter words again, packed densely, so that a
// filtered scan can find the nodes that pass by reading a page per
// thousand of them instead of one per node.
//
// Groups are laid out in equal slots of group_pages pages. With a
// directory (K = g.directory_groups > 0), slot s holds a directory when
// s % (K + 1) == 0: the words of the K groups in the slots after it. Within
// a directory the words run on from page to page, column by column: column
// c of the node at position j (0 .. K * G - 1) within its directory is word
// c * K * G + j. A scan that tests one column reads only that column's
// pages. Without a directory (K = 0), group g is slot g, as before.
#pragma once

#include <cstdint>

#include "core/hnsw/group_layout.h"

namespace vdb {

// K for a geometry whose elements carry `columns` filter words: as many
// groups as a slot of g.group_pages pages of page_words words each holds
// the words of; 0 (no directory) without columns or when one group's words
// do not fit a slot.
uint32_t FilterDirectoryGroups(const HnswGeometry &g, uint32_t columns, uint32_t page_words);

// The slot group `group` lies in.
inline uint32_t GroupSlot(const HnswGeometry &g, uint32_t group) {
	uint32_t k = g.directory_groups;
	return k == 0 ? group : group + group / k + 1;
}

// What slot `slot` holds: a directory (of the groups from `group` on) or
// group `group`.
struct SlotContents {
	bool directory;
	uint32_t group;
};
inline SlotContents SlotOf(const HnswGeometry &g, uint32_t slot) {
	uint32_t k = g.directory_groups;
	if (k == 0)
		return SlotContents{false, slot};
	uint32_t run = slot / (k + 1), at = slot % (k + 1);
	return at == 0 ? SlotContents{true, run * k} : SlotContents{false, run * k + at - 1};
}

// Slots that groups [0, groups) and their directories take.
inline uint32_t SlotsForGroups(const HnswGeometry &g, uint32_t groups) {
	return groups == 0 ? 0 : GroupSlot(g, groups - 1) + 1;
}

// Nodes one directory covers: K groups of G.
inline uint32_t DirectoryNodes(const HnswGeometry &g) { return g.group_nodes * g.directory_groups; }

// The directory slot that holds node id's words, and the first node it covers.
inline uint32_t DirectorySlot(const HnswGeometry &g, uint32_t id) {
	return id / DirectoryNodes(g) * (g.directory_groups + 1);
}
inline uint32_t DirectoryFirstNode(const HnswGeometry &g, uint32_t id) {
	return id / DirectoryNodes(g) * DirectoryNodes(g);
}

// Where column `column` of node id lies in its directory slot: the slot's
// page, and the word on that page.
struct DirectoryWordPos {
	uint32_t page;
	uint32_t word;
};
inline DirectoryWordPos DirectoryWordOf(const HnswGeometry &g, uint32_t id, uint32_t column, uint32_t page_words) {
	uint64_t at = uint64_t(column) * DirectoryNodes(g) + (id - DirectoryFirstNode(g, id));
	return DirectoryWordPos{uint32_t(at / page_words), uint32_t(at % page_words)};
}

}  // namespace vdb
