// The filter directory's slot arithmetic (core/hnsw/filter_directory.h):
// every group and every node's word has exactly one place, no two share
// one, and directories come before the groups they cover.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "core/hnsw/filter_directory.h"

namespace {

vdb::HnswGeometry Geometry(uint32_t nodes, uint32_t pages, uint32_t groups_per_directory, uint32_t columns) {
	vdb::HnswGeometry g{};
	g.group_nodes = nodes;
	g.group_pages = pages;
	g.directory_groups = groups_per_directory;
	g.directory_columns = columns;
	return g;
}

TEST(FilterDirectory, GroupsPerDirectoryFillASlot) {
	vdb::HnswGeometry g = Geometry(50, 6, 0, 0);
	EXPECT_EQ(vdb::FilterDirectoryGroups(g, 2, 1020), 61u);  // 6 * 1020 / (50 * 2)
	EXPECT_EQ(vdb::FilterDirectoryGroups(g, 0, 1020), 0u);
	EXPECT_EQ(vdb::FilterDirectoryGroups(Geometry(300, 1, 0, 0), 4, 1020), 0u);  // 1,200 words > 1,020
}

TEST(FilterDirectory, WithoutOneGroupsKeepTheirSlots) {
	vdb::HnswGeometry g = Geometry(10, 3, 0, 0);
	for (uint32_t group = 0; group < 50; group++) {
		EXPECT_EQ(vdb::GroupSlot(g, group), group);
		EXPECT_FALSE(vdb::SlotOf(g, group).directory);
	}
	EXPECT_EQ(vdb::SlotsForGroups(g, 7), 7u);
}

TEST(FilterDirectory, SlotsInterleaveDirectoriesBeforeTheirGroups) {
	vdb::HnswGeometry g = Geometry(10, 2, 3, 2);
	std::set<uint32_t> slots;
	for (uint32_t group = 0; group < 40; group++) {
		uint32_t slot = vdb::GroupSlot(g, group);
		EXPECT_TRUE(slots.insert(slot).second);
		vdb::SlotContents back = vdb::SlotOf(g, slot);
		EXPECT_FALSE(back.directory);
		EXPECT_EQ(back.group, group);
		// The directory of the group's first node precedes it and covers it.
		uint32_t directory = vdb::DirectorySlot(g, group * g.group_nodes);
		EXPECT_LT(directory, slot);
		vdb::SlotContents d = vdb::SlotOf(g, directory);
		EXPECT_TRUE(d.directory);
		EXPECT_LE(d.group, group);
		EXPECT_LT(group, d.group + g.directory_groups);
	}
	EXPECT_EQ(vdb::SlotsForGroups(g, 3), 4u);  // a directory and three groups
	EXPECT_EQ(vdb::SlotsForGroups(g, 4), 6u);  // the second directory comes with the fourth
	EXPECT_EQ(vdb::SlotsForGroups(g, 0), 0u);
}

TEST(FilterDirectory, EveryWordHasItsOwnPlaceWithinTheSlot) {
	vdb::HnswGeometry g = Geometry(7, 2, 5, 3);
	const uint32_t page_words = 60;  // 2 pages * 60 >= 5 * 7 * 3
	std::set<std::pair<uint32_t, uint64_t>> seen;  // (directory slot, word within it)
	for (uint32_t id = 0; id < 200; id++)
		for (uint32_t column = 0; column < g.directory_columns; column++) {
			vdb::DirectoryWordPos pos = vdb::DirectoryWordOf(g, id, column, page_words);
			EXPECT_LT(pos.page, g.group_pages);
			EXPECT_LT(pos.word, page_words);
			uint64_t at = uint64_t(pos.page) * page_words + pos.word;
			EXPECT_TRUE(seen.insert({vdb::DirectorySlot(g, id), at}).second) << id << " " << column;
		}
	// One column's words are contiguous: the first and the next node's.
	vdb::DirectoryWordPos a = vdb::DirectoryWordOf(g, 35, 1, page_words);
	vdb::DirectoryWordPos b = vdb::DirectoryWordOf(g, 36, 1, page_words);
	EXPECT_EQ(uint64_t(b.page) * page_words + b.word, uint64_t(a.page) * page_words + a.word + 1);
}

}  // namespace
