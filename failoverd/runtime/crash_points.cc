#include "failoverd/runtime/crash_points.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "failoverd/runtime/logging.h"

namespace failoverd {

namespace {

// Read once at program start (static initialisation, before main and before any
// thread) and never written again: a test hook, not configuration, hence not passed
// in through a constructor. strdup: a later setenv must not change what we compare.
const char* const kArmedPoint = [] {
  const char* value = std::getenv("FAILOVERD_CRASH_AT");
  return value && *value ? strdup(value) : nullptr;
}();

}  // namespace

bool CrashPointArmed(const char* point) {
  return kArmedPoint != nullptr && std::strcmp(kArmedPoint, point) == 0;
}

void CrashPoint(const char* point) {
  if (!CrashPointArmed(point)) return;
  (void)DrainLogs(std::chrono::milliseconds(1000));  // what was logged before the crash is kept
  // write(2), not stdio or the logger: nothing buffered may be lost to the SIGKILL.
  char line[128];
  const int n = std::snprintf(line, sizeof(line), "failoverd: crash point %s\n", point);
  if (n > 0) (void)!write(STDERR_FILENO, line, static_cast<size_t>(n) < sizeof(line) ? n : sizeof(line) - 1);
  raise(SIGKILL);
  _exit(137);  // not reached: SIGKILL cannot be caught or blocked
}

}  // namespace failoverd
