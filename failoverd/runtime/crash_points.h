// Crash injection for the kernel tests (tests/kernel/test_crash_points.sh), test-only.
//
// FAILOVERD_CRASH_AT=<point> in the environment makes the process kill itself with
// SIGKILL (exactly what `kill -9` does: no destructors, no flush, no cleanup) the first
// time it reaches that point, after one line "failoverd: crash point <point>" on stderr.
// The variable is read once, when the program starts; unset (as in production) every
// check is one load of a cached null pointer, so the failover path pays nothing.
//
// The points:
//   after-rename         executor: a NIC was renamed (and so is down), before it is set up
//   after-zone           executor: the new bridges' firewall zones were installed, before any is up
//   mid-state-write      atomic_file: the temp file is written and fsynced, before the rename
//   state-write-partial  atomic_file: half of the data is in the temp file, the rest never comes
// The two atomic_file points fire on the process's first atomic write whatever the file;
// in the daemon that is state.json (names are saved before any rename).
#pragma once

namespace failoverd {

// Whether FAILOVERD_CRASH_AT names `point` (for points that must misbehave before dying).
bool CrashPointArmed(const char* point);

// Dies by SIGKILL here if FAILOVERD_CRASH_AT names `point`; otherwise returns at once.
void CrashPoint(const char* point);

}  // namespace failoverd
