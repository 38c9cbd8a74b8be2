// The one way core code calls a FAISS routine that may use OpenMP: inside a
// ParallelSection, with FAISS's exceptions turned into a Status. A canceled
// run is recognised by the section having seen the stop request (FAISS then
// throws from its interrupt check); bad_alloc is left to the caller's
// boundary, which reports it as out of memory.
#pragma once

#include <exception>
#include <new>
#include <string>

#include <faiss/impl/FaissException.h>

#include "core/status.h"
#include "core/threads/parallel_section.h"

namespace vdb {

// `what` names the work in messages ("k-means training").
template <typename Fn>
Status RunFaiss(const char *what, int threads, ShouldStop should_stop, Fn &&fn) {
	try {
		ParallelSection section(threads, should_stop);
		try {
			fn();
		} catch (const faiss::FaissException &e) {
			if (section.stopped())
				return Status::Error(Status::kCanceled, std::string(what) + " canceled");
			return Status::Error(Status::kInternal, std::string(what) + ": " + e.what());
		}
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		return Status::Error(Status::kInternal, std::string(what) + ": " + e.what());
	}
	return Status::Ok();
}

}  // namespace vdb
