// StateSaver: writes state.json when the daemon's knowledge changed, and never waits
// for it. A save that cannot be written — state.lock held by another process, a
// full or read-only filesystem — stays due and is tried again on a timer (250 ms,
// doubling up to 5 s) until it works; the log, events and metrics say so once per
// different error, and status shows it while it lasts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/daemon/event_log.h"
#include "failoverd/runtime/event_loop.h"
#include "failoverd/runtime/retry_timer.h"
#include "failoverd/state/state_store.h"

namespace failoverd {

class StateSaver {
 public:
  // `failures` counts the writes that failed (a metric).
  StateSaver(StateStore& state, EventLoop& loop, const Clock& clock, EventLog& events, uint64_t& failures,
             std::shared_ptr<spdlog::logger> log);

  // Writes state.json now if it can; false while the save is still due.
  bool Save();
  // Why the last save failed; "" when everything is saved.
  const std::string& error() const { return error_; }
  // A line for replies of changes that could not be kept yet; "" when saved.
  std::string UnsavedNote() const;

 private:
  StateStore& state_;
  const Clock& clock_;
  EventLog& events_;
  uint64_t& failures_;
  std::shared_ptr<spdlog::logger> log_;
  RetryTimer retry_;
  std::string error_;
};

}  // namespace failoverd
