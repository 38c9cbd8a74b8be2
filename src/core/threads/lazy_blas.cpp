// See lazy_blas.h. Each routine is declared as FAISS declares it: Fortran's
// calling convention passes every argument by address, so a forwarder that
// takes and passes N pointers is exactly the callee's signature. A routine
// that OpenBLAS's own LAPACK calls through the global symbol scope reaches
// it through these forwarders too, once it is loaded.
#include "core/pure.h"

#include "core/threads/lazy_blas.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>

#ifndef VDB_OPENBLAS_PATH
#error "VDB_OPENBLAS_PATH must name the OpenBLAS library (see the Makefile)"
#endif

namespace vdb {
namespace {

// The routines FAISS calls (nm -u libfaiss.a), with their names.
enum Routine { kSgemm, kDgemm, kSsyrk, kSgeqrf, kSorgqr, kSgesvd, kDgesvd, kDsyev, kRoutines };
const char *const kNames[kRoutines] = {"sgemm_",  "dgemm_",  "ssyrk_",  "sgeqrf_",
                                       "sorgqr_", "sgesvd_", "dgesvd_", "dsyev_"};

std::atomic<void *> routines[kRoutines];
std::once_flag opened;
std::string failure;  // set once, under `opened`

void Open() {
	void *handle = dlopen(VDB_OPENBLAS_PATH, RTLD_NOW | RTLD_LOCAL);
	if (handle == nullptr) {
		const char *why = dlerror();
		failure = std::string("could not load OpenBLAS: ") + (why ? why : VDB_OPENBLAS_PATH);
		return;
	}
	for (int i = 0; i < kRoutines; i++) {
		void *fn = dlsym(handle, kNames[i]);
		if (fn == nullptr) {
			failure = std::string("OpenBLAS (" VDB_OPENBLAS_PATH ") has no ") + kNames[i];
			return;
		}
		routines[i].store(fn, std::memory_order_release);
	}
}

// Calls routine r with the caller's arguments. Reached only after LoadBlas
// succeeded (FAISS runs inside a ParallelSection); throwing is the fallback
// for a call from anywhere else.
template <typename... Args>
int Forward(Routine r, Args... args) {
	void *fn = routines[r].load(std::memory_order_acquire);
	if (fn == nullptr) {
		LoadBlas();
		fn = routines[r].load(std::memory_order_acquire);
	}
	return reinterpret_cast<int (*)(Args...)>(fn)(args...);
}

}  // namespace

void LoadBlas() {
	std::call_once(opened, Open);
	if (!failure.empty())
		throw std::runtime_error(failure);
}

}  // namespace vdb

using P = void *;

extern "C" {

int sgemm_(P a, P b, P c, P d, P e, P f, P g, P h, P i, P j, P k, P l, P m) {
	return vdb::Forward(vdb::kSgemm, a, b, c, d, e, f, g, h, i, j, k, l, m);
}
int dgemm_(P a, P b, P c, P d, P e, P f, P g, P h, P i, P j, P k, P l, P m) {
	return vdb::Forward(vdb::kDgemm, a, b, c, d, e, f, g, h, i, j, k, l, m);
}
int ssyrk_(P a, P b, P c, P d, P e, P f, P g, P h, P i, P j) {
	return vdb::Forward(vdb::kSsyrk, a, b, c, d, e, f, g, h, i, j);
}
int sgeqrf_(P a, P b, P c, P d, P e, P f, P g, P h) { return vdb::Forward(vdb::kSgeqrf, a, b, c, d, e, f, g, h); }
int sorgqr_(P a, P b, P c, P d, P e, P f, P g, P h, P i) {
	return vdb::Forward(vdb::kSorgqr, a, b, c, d, e, f, g, h, i);
}
int sgesvd_(P a, P b, P c, P d, P e, P f, P g, P h, P i, P j, P k, P l, P m, P n) {
	return vdb::Forward(vdb::kSgesvd, a, b, c, d, e, f, g, h, i, j, k, l, m, n);
}
int dgesvd_(P a, P b, P c, P d, P e, P f, P g, P h, P i, P j, P k, P l, P m, P n) {
	return vdb::Forward(vdb::kDgesvd, a, b, c, d, e, f, g, h, i, j, k, l, m, n);
}
int dsyev_(P a, P b, P c, P d, P e, P f, P g, P h, P i) {
	return vdb::Forward(vdb::kDsyev, a, b, c, d, e, f, g, h, i);
}

}  // extern "C"
