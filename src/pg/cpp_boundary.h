// Calls into C++ code that may throw, from a Postgres frame. ereport() is a
// longjmp, which would skip C++ destructors, and a C++ exception must never
// unwind through Postgres frames. So the callable runs inside try/catch, the
// message is copied into a plain buffer, and only after every C++ object is
// destroyed is it raised as an ERROR.
#pragma once

#include <exception>
#include <new>

#include "pg/pg.h"

namespace vdb {

template <typename Fn>
void RunCpp(const char *what, Fn &&fn) {
	char message[512] = "";
	int code = ERRCODE_INTERNAL_ERROR;
	try {
		fn();
	} catch (const std::bad_alloc &) {
		code = ERRCODE_OUT_OF_MEMORY;
		strlcpy(message, "out of memory", sizeof message);
	} catch (const std::exception &e) {
		strlcpy(message, e.what(), sizeof message);
	} catch (...) {
		strlcpy(message, "unknown C++ exception", sizeof message);
	}
	if (message[0] != '\0')
		ereport(ERROR, (errcode(code), errmsg("%s failed: %s", what, message)));
}

// A new T owned by the current memory context: deleted when the context is
// reset or deleted, so an ERROR (a longjmp past the frame that made it)
// cannot leak it. init(T &) fills it in, inside RunCpp.
template <typename T, typename Init>
T *NewContextOwned(const char *what, Init &&init) {
	T *object = NULL;
	RunCpp(what, [&] {
		object = new T();
		init(*object);
	});
	MemoryContextCallback *cleanup = (MemoryContextCallback *) palloc(sizeof(MemoryContextCallback));
	cleanup->func = [](void *arg) { delete static_cast<T *>(arg); };
	cleanup->arg = object;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cleanup);
	return object;
}

}  // namespace vdb
