// The Postgres-free validators of index pages (core/hnsw/node_check.h,
// core/ivf/page_check.h): intact pages pass, each corrupt count, level or
// offset is named, and random page bytes are never read past the page (the
// page ends at a guard page, so one byte too far is a SIGSEGV).
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "core/hnsw/node_check.h"
#include "core/ivf/page_check.h"
#include "guarded_buffer.h"

namespace vdb {
namespace {

constexpr size_t kPage = 8192;
constexpr uint32_t kDataOffset = 24;
constexpr uint32_t kDataEnd = 8176;

// m = 16: records of 16 + 32 links, upper lists of count + 16 links.
HnswPageShape Shape() {
	HnswPageShape s{};
	s.data_offset = kDataOffset;
	s.data_end = kDataEnd;
	s.group_nodes = 10;
	s.record_bytes = 16 + 32 * 4;
	s.upper_bytes = 4 + 16 * 4;
	s.upper_area_offset = kDataOffset + 10 * s.record_bytes;
	s.vector_area_offset = s.upper_area_offset + 10 * s.upper_bytes;
	s.max_links0 = 32;
	s.max_links_upper = 16;
	return s;
}

template <typename T>
void Store(uint8_t *page, size_t offset, T value) {
	std::memcpy(page + offset, &value, sizeof value);
}

// Random page bytes, each 64-bit word or-ed with `set`.
void FillRandom(uint8_t *page, std::mt19937_64 &rng, uint64_t set) {
	for (size_t i = 0; i < kPage; i += 8) {
		uint64_t word = rng() | set;
		std::memcpy(page + i, &word, 8);
	}
}

// Calls check(page, rng, round) on 20000 rounds of one page that ends at a
// guard page; sums what it returns (the validations that passed).
template <typename Check>
size_t PassingRandomPages(uint64_t seed, Check check) {
	GuardedBuffer buffer(kPage);
	uint8_t *page = buffer.As<uint8_t>();
	std::mt19937_64 rng(seed);
	size_t passed = 0;
	for (int round = 0; round < 20000; round++)
		passed += check(page, rng, round);
	return passed;
}

size_t Record(const HnswPageShape &s, uint32_t slot) { return s.data_offset + size_t(slot) * s.record_bytes; }

// Slot 0: level 0 with a full list; slot 1: level 2 with the first upper slot.
struct GraphPage {
	GuardedBuffer buffer{kPage};
	uint8_t *page = buffer.As<uint8_t>();
	HnswPageShape shape = Shape();
	uint32_t upper_used = 2 * shape.upper_bytes;

	GraphPage() {
		std::memset(page, 0, kPage);
		Store<uint16_t>(page, Record(shape, 0) + HnswRecordField::kCount, 32);
		size_t r1 = Record(shape, 1);
		Store<uint8_t>(page, r1 + HnswRecordField::kLevel, 2);
		Store<uint8_t>(page, r1 + HnswRecordField::kUpperCapacity, 2);
		Store<uint16_t>(page, r1 + HnswRecordField::kUpperOffset, uint16_t(shape.upper_area_offset));
		Store<uint16_t>(page, r1 + HnswRecordField::kCount, 5);
		Store<uint32_t>(page, shape.upper_area_offset, 16);
		Store<uint32_t>(page, shape.upper_area_offset + shape.upper_bytes, 3);
	}
	PageFinding Check(uint32_t slot) { return CheckHnswNodeRecord(page, kPage, shape, slot, upper_used); }
};

TEST(HnswPageCheck, IntactShapeAndRecordsPass) {
	GraphPage g;
	EXPECT_FALSE(CheckHnswPageShape(g.shape, kPage));
	for (uint32_t slot = 0; slot < g.shape.group_nodes; slot++)
		EXPECT_FALSE(g.Check(slot)) << slot << ": " << g.Check(slot).what;
}

TEST(HnswPageCheck, ShapesThatDoNotFitAreNamed) {
	HnswPageShape s = Shape();
	s.vector_area_offset = kDataEnd + 4;
	EXPECT_STREQ(CheckHnswPageShape(s, kPage).what, "vector area outside the page");
	s = Shape();
	s.record_bytes = 16 + 31 * 4;
	EXPECT_STREQ(CheckHnswPageShape(s, kPage).what, "node record too small for its links");
	s = Shape();
	s.upper_area_offset += 4;
	EXPECT_STREQ(CheckHnswPageShape(s, kPage).what, "upper area does not follow the node records");
	s = Shape();
	s.group_nodes = 0x40000000;  // group_nodes * record_bytes overflows 32 bits
	EXPECT_TRUE(CheckHnswPageShape(s, kPage));
	s = Shape();
	s.data_end = kPage + 8;
	EXPECT_STREQ(CheckHnswPageShape(s, kPage).what, "page data area outside the page");
}

TEST(HnswPageCheck, CorruptFieldsAreNamedWithTheirValue) {
	{
		GraphPage g;
		Store<uint16_t>(g.page, Record(g.shape, 0) + HnswRecordField::kCount, 33);
		PageFinding f = g.Check(0);
		EXPECT_STREQ(f.what, "too many links");
		EXPECT_EQ(f.value, 33u);
	}
	{
		GraphPage g;
		Store<uint16_t>(g.page, Record(g.shape, 0) + HnswRecordField::kCount, 0xFFFF);
		EXPECT_STREQ(g.Check(0).what, "too many links");
	}
	{
		GraphPage g;
		Store<uint32_t>(g.page, g.shape.upper_area_offset + g.shape.upper_bytes, 17);  // level 2's count
		EXPECT_STREQ(g.Check(1).what, "too many links");
	}
	{
		GraphPage g;
		Store<uint8_t>(g.page, Record(g.shape, 1) + HnswRecordField::kLevel, 200);
		EXPECT_STREQ(g.Check(1).what, "level out of range");
	}
	{
		GraphPage g;
		Store<uint8_t>(g.page, Record(g.shape, 1) + HnswRecordField::kLevel, 3);
		EXPECT_STREQ(g.Check(1).what, "level above its upper slot's capacity");
	}
	for (uint16_t offset : {uint16_t(0), uint16_t(Shape().upper_area_offset - 4), uint16_t(Shape().upper_area_offset + 2),
	                        uint16_t(Shape().upper_area_offset + Shape().upper_bytes), uint16_t(0xFFFF)}) {
		GraphPage g;
		Store<uint16_t>(g.page, Record(g.shape, 1) + HnswRecordField::kUpperOffset, offset);
		PageFinding f = g.Check(1);
		EXPECT_STREQ(f.what, "upper links outside the upper area") << offset;
		EXPECT_EQ(f.value, offset);
	}
	{
		GraphPage g;
		g.upper_used = g.shape.vector_area_offset - g.shape.upper_area_offset + 4;
		EXPECT_STREQ(g.Check(0).what, "upper area overflows");
	}
	{
		GraphPage g;
		EXPECT_STREQ(g.Check(g.shape.group_nodes).what, "node slot beyond its group");
	}
}

TEST(HnswPageCheck, FreeSlotsKeepOnlyTheirUpperSlotChecked) {
	GraphPage g;
	size_t r = Record(g.shape, 2);
	Store<uint8_t>(g.page, r + HnswRecordField::kFlags, kHnswFreeFlag);
	Store<uint8_t>(g.page, r + HnswRecordField::kLevel, 99);
	Store<uint16_t>(g.page, r + HnswRecordField::kCount, 0xFFFF);
	EXPECT_FALSE(g.Check(2));
	Store<uint8_t>(g.page, r + HnswRecordField::kUpperCapacity, 1);
	Store<uint16_t>(g.page, r + HnswRecordField::kUpperOffset, uint16_t(g.shape.vector_area_offset));
	EXPECT_STREQ(g.Check(2).what, "upper links outside the upper area");
}

TEST(HnswPageCheck, RandomPagesAreNeverReadPastTheEnd) {
	HnswPageShape shape = Shape();
	size_t passed = PassingRandomPages(7, [&](uint8_t *page, std::mt19937_64 &rng, int round) {
		FillRandom(page, rng, 0);
		// Mostly small values, so that some records pass and reach every check.
		if (round % 2 == 0)
			for (size_t i = 0; i < kPage; i++)
				page[i] &= 0x07;
		uint32_t upper_used = uint32_t(rng() % (shape.vector_area_offset - shape.upper_area_offset + 8));
		size_t ok = 0;
		for (uint32_t slot = 0; slot < shape.group_nodes; slot++)
			ok += !CheckHnswNodeRecord(page, kPage, shape, slot, upper_used);
		return ok;
	});
	EXPECT_GT(passed, 0u);
}

IvfPageShape IvfShape() { return IvfPageShape{kDataOffset, kDataEnd, 8 + 16, (kDataEnd - kDataOffset - 8) / 24}; }

TEST(IvfPageCheck, IntactPagePassesAndCorruptionIsNamed) {
	GuardedBuffer buffer(kPage);
	uint8_t *page = buffer.As<uint8_t>();
	std::memset(page, 0, kPage);
	IvfPageShape s = IvfShape();
	EXPECT_FALSE(CheckIvfPageShape(s, kPage));
	uint32_t count = s.tuples_per_page;
	Store<uint32_t>(page, s.data_offset + IvfPageField::kCount, count);
	for (uint32_t i = 0; i < count; i++)
		Store<uint16_t>(page, s.data_offset + IvfPageField::kHeaderBytes + i * s.tuple_size + IvfPageField::kTidOffset,
		                uint16_t(i + 1));
	EXPECT_FALSE(CheckIvfDataPage(page, kPage, s));

	Store<uint16_t>(page, s.data_offset + IvfPageField::kHeaderBytes + 5 * s.tuple_size + IvfPageField::kTidOffset, 0);
	PageFinding f = CheckIvfDataPage(page, kPage, s);
	EXPECT_STREQ(f.what, "tuple with an invalid heap TID");
	EXPECT_EQ(f.value, 5u);

	Store<uint32_t>(page, s.data_offset + IvfPageField::kCount, count + 1);
	f = CheckIvfDataPage(page, kPage, s);
	EXPECT_STREQ(f.what, "page holds more tuples than fit");
	EXPECT_EQ(f.value, count + 1);
}

TEST(IvfPageCheck, ImpossibleShapesAreNamed) {
	IvfPageShape s = IvfShape();
	s.tuples_per_page++;
	EXPECT_STREQ(CheckIvfPageShape(s, kPage).what, "tuples do not fit a page");
	s = IvfShape();
	s.tuples_per_page = 0x80000000u;  // tuples_per_page * tuple_size wraps in 32 bits
	s.tuple_size = 8;
	EXPECT_TRUE(CheckIvfPageShape(s, kPage));
	s = IvfShape();
	s.tuple_size = 4;
	EXPECT_TRUE(CheckIvfPageShape(s, kPage));
}

TEST(IvfPageCheck, RandomPagesAreNeverReadPastTheEnd) {
	IvfPageShape s = IvfShape();
	size_t passed = PassingRandomPages(11, [&](uint8_t *page, std::mt19937_64 &rng, int) {
		FillRandom(page, rng, 0x0001000100010001ull);  // no zero offset numbers
		Store<uint32_t>(page, s.data_offset + IvfPageField::kCount, uint32_t(rng() % (2 * s.tuples_per_page)));
		return size_t(!CheckIvfDataPage(page, kPage, s));
	});
	EXPECT_GT(passed, 0u);
}

}  // namespace
}  // namespace vdb
