// Consistency levels on hot standbys (docs/operations.md#consistency-levels).
//
// Both waits poll: the startup process wakes nobody when it replays a
// record, so a waiter sleeps on its latch for 1 ms, doubling up to 10 ms,
// checks its condition and interrupts, and sleeps again. A wait takes no lock
// and holds no buffer; the caller may hold an index's AccessShareLock (the
// scan's), which is why the staleness wait is bounded.
//
// Staleness is PostgreSQL's own measure of the apply delay (that of
// GetReplicationApplyDelay, which the WAL receiver logs), made conservative: zero
// once replay has reached the end of the WAL the WAL receiver flushed, else
// the time since the startup process began replaying the chunk of streamed
// WAL it is in; unknown (nothing streamed yet, but WAL waiting) counts as
// too stale.
#include "consistency/consistency.h"

extern "C" {
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "miscadmin.h"
#include "replication/walreceiver.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/pg_lsn.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

int vdb_max_standby_staleness = -1;

namespace {

// Polls reached(arg) until it holds or timeout_us microseconds pass (< 0: no
// limit); returns whether it held.
bool WaitUntil(bool (*reached)(void *), void *arg, int64 timeout_us) {
	TimestampTz deadline = timeout_us >= 0 ? GetCurrentTimestamp() + timeout_us : 0;
	long sleep_ms = 1;
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		if (reached(arg))
			return true;
		long left_ms = sleep_ms;
		if (timeout_us >= 0) {
			TimestampTz now = GetCurrentTimestamp();
			if (now >= deadline)
				return false;
			left_ms = Min(sleep_ms, (long) ((deadline - now + 999) / 1000));
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		sleep_ms = Min(sleep_ms * 2, 10L);
	}
}

// How far this server has come: WAL replayed on a standby, WAL inserted on
// a primary (a committed write is visible there at once).
XLogRecPtr PositionReached(void) {
	return RecoveryInProgress() ? GetXLogReplayRecPtr(NULL) : GetXLogInsertRecPtr();
}

// The halves of %X/%X (LSN_FORMAT_ARGS does not compile as C++).
uint32 LsnHigh(XLogRecPtr lsn) { return uint32(lsn >> 32); }
uint32 LsnLow(XLogRecPtr lsn) { return uint32(lsn); }

bool LsnReached(void *arg) { return PositionReached() >= *(XLogRecPtr *) arg; }

// An interval as microseconds; months count 30 days, as interval arithmetic
// does. Computed in double so that a huge (or infinite) interval saturates
// to "no limit" instead of overflowing.
int64 IntervalMicroseconds(const Interval *span) {
	double us = double(span->time) + double(span->day) * USECS_PER_DAY +
	            double(span->month) * DAYS_PER_MONTH * USECS_PER_DAY;
	if (us < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("timeout must not be negative")));
	return us >= double(PG_INT64_MAX / 2) ? -1 : int64(us);
}

// Milliseconds of apply delay (see the note atop); -1 when unknown.
int64 StalenessMs(void) {
	if (GetXLogReplayRecPtr(NULL) >= GetWalRcvFlushRecPtr(NULL, NULL))
		return 0;
	TimestampTz chunk_start = GetCurrentChunkReplayStartTime();
	if (chunk_start == 0)
		return -1;
	return Max(GetCurrentTimestamp() - chunk_start, 0) / 1000;
}

bool FreshEnough(void *) {
	int64 staleness = StalenessMs();
	return staleness >= 0 && staleness <= vdb_max_standby_staleness;
}

// What a standby snapshot sees, by the fields that change when replay ends
// a transaction: xmax grows, or an xid below it leaves the in-progress set
// (which below xmax only ever shrinks during recovery).
struct SnapshotView {
	TransactionId xmax;
	uint32 xcnt;
	int32 subxcnt;
	bool overflowed;
	bool Same(const SnapshotView &other) const {
		return xmax == other.xmax && xcnt == other.xcnt && subxcnt == other.subxcnt && !overflowed &&
		       !other.overflowed;
	}
};

SnapshotView ViewOf(Snapshot snapshot) {
	return SnapshotView{snapshot->xmax, snapshot->xcnt, snapshot->subxcnt, snapshot->suboverflowed};
}

}  // namespace

// Bounded staleness: a standby further behind than the setting waits up to
// the setting again for replay to come within it. The statement's snapshot
// was taken before the wait, so it may only go on if replay ended no
// transaction meanwhile (the snapshot then sees what a new one would);
// otherwise it errors and a retry, with a new snapshot, finds the standby
// caught up.
void VdbWaitForBoundedStaleness(void) {
	if (!RecoveryInProgress() || FreshEnough(NULL))
		return;
	bool has_snapshot = ActiveSnapshotSet() && !IsInParallelMode();
	SnapshotView before = has_snapshot ? ViewOf(GetActiveSnapshot()) : SnapshotView{};
	int64 started = StalenessMs();
	bool caught_up = WaitUntil(FreshEnough, NULL, int64(vdb_max_standby_staleness) * 1000);
	if (caught_up && has_snapshot && before.Same(ViewOf(GetLatestSnapshot())))
		return;
	if (caught_up)
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
		                errmsg("standby replay was further behind than vector_db.max_standby_staleness (%d ms) "
		                       "when the statement began",
		                       vdb_max_standby_staleness),
		                errdetail("Replay has caught up since; the statement's snapshot predates it."),
		                errhint("Retry the statement.")));
	int64 now_ms = StalenessMs();
	ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
	                errmsg("standby replay is further behind than vector_db.max_standby_staleness (%d ms)",
	                       vdb_max_standby_staleness),
	                now_ms >= 0 ? errdetail("Replay was %lld ms behind, and %lld ms after waiting.",
	                                        (long long) started, (long long) now_ms)
	                            : errdetail("The standby has received WAL but not yet replayed any it streamed."),
	                errhint("Read from the primary or another standby, or raise the setting.")));
}

// vector_db_wait_for_lsn(lsn pg_lsn, timeout interval): returns once this
// server has replayed (standby) or written (primary) WAL up to lsn; errors
// when timeout passes first. NULL timeout: no limit but statement_timeout.
VDB_FUNCTION(vector_db_wait_for_lsn) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("lsn must not be null")));
	XLogRecPtr target = PG_GETARG_LSN(0);
	int64 timeout_us = PG_ARGISNULL(1) ? -1 : IntervalMicroseconds(PG_GETARG_INTERVAL_P(1));
	if (WaitUntil(LsnReached, &target, timeout_us))
		PG_RETURN_VOID();
	XLogRecPtr reached = PositionReached();
	ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
	                errmsg("timed out waiting for WAL position %X/%X", LsnHigh(target), LsnLow(target)),
	                RecoveryInProgress() ? errdetail("The standby has replayed WAL up to %X/%X.", LsnHigh(reached), LsnLow(reached))
	                                     : errdetail("The server has written WAL up to %X/%X.", LsnHigh(reached), LsnLow(reached)),
	                errhint("Read from the primary, or wait longer.")));
}

void VdbConsistencyInit(void) {
	DefineCustomIntVariable("vector_db.max_standby_staleness",
	                        "On a hot standby, how far replay may lag when a vector index scan begins.",
	                        "-1 turns the check off. A scan on a standby further behind waits up to this long "
	                        "again, then fails.",
	                        &vdb_max_standby_staleness, -1, -1, INT_MAX, PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
}
