// OpenBLAS, which FAISS needs for k-means and PQ training, loaded on first
// use rather than with the extension. Linked as a dependency, it was mapped
// and relocated (16,000 relocations, RTLD_NOW) in every backend the first
// time it touched any vector_db function: about as much CPU as the rest of
// the library's load together, for the few backends that ever train. Now
// the extension itself defines the BLAS and LAPACK routines FAISS calls
// (lazy_blas.cpp); each forwards to OpenBLAS, which LoadBlas opens the first
// time. ParallelSection, which every FAISS call runs inside, calls it first.
#pragma once

namespace vdb {

// Opens OpenBLAS and finds the routines FAISS calls, once per process;
// throws std::runtime_error (with dlerror's text) when that fails. Safe to
// call again and from any thread.
void LoadBlas();

}  // namespace vdb
