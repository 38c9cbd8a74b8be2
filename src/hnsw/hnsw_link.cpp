// The page side of the linker (see hnsw_link.h for its lock protocol).
#include "hnsw/hnsw_link.h"

void HnswSizeLinkBuffers(const HnswMetaPageData &meta, HnswLinkBuffers &b) {
	b.element.resize(HnswElementScratchBytes(meta));
	b.spill.resize(HnswElementScratchBytes(meta));
	b.before.reserve(2 * meta.m);
	b.planned.resize(HnswElementScratchBytes(meta));
}

void HnswLinkStore::DropUnusable(std::vector<vdb::Candidate> &found, uint32_t id, int level) const {
	size_t kept = 0;
	for (const vdb::Candidate &c : found) {
		HnswNodeInfo info;
		HnswReadNode(index, meta->geometry, c.id, 0, NULL, &info, hints);
		if (c.id != id && info.level >= level && (info.flags & (HNSW_NODE_DELETED | HNSW_NODE_FREE)) == 0)
			found[kept++] = c;
	}
	found.resize(kept);
}

void HnswLinkStore::Prepare(const std::vector<vdb::Candidate> &candidates) {
	size_t bytes = metric.bytes;
	if (b->vectors.size() < candidates.size() * bytes)
		b->vectors.resize(candidates.size() * bytes);
	for (size_t i = 0; i < candidates.size(); i++)
		if (candidates[i].id == vdb::kPlannedNode)
			memcpy(&b->vectors[i * bytes], b->planned.data(), bytes);
		else
			HnswLoadElement(index, *meta, candidates[i].id, &b->vectors[i * bytes], b->spill.data(), hints);
}

HnswPageGraph HnswLinkStore::QueryOf(uint32_t id) {
	HnswLoadElement(index, *meta, id, b->element.data(), b->spill.data(), hints);
	query = HnswPrepareQuery(*meta, metric, b->element.data());
	return HnswPageGraph{index, meta, &query, b->spill.data(), hints};
}

void HnswLinkStore::WriteEdited(uint32_t id, int level, vdb::ListEdit how, std::vector<uint32_t> &links) {
	if (how == vdb::ListEdit::kRepruned && level == 0)
		HnswWriteRepruned(index, *meta, id, b->before, links, b->reach, keep_dropped);
	else if (how != vdb::ListEdit::kKept)
		HnswWriteLinks(index, meta->geometry, id, level, links.data(), uint32(links.size()));
}
