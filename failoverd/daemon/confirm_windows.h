// ConfirmWindows: the changes that undo themselves unless `failoverctl confirm`
// comes first — an apply, a policy started under a window, each guarded isolate —
// as one kind of thing: a named window with a deadline, the timer that ends it, and
// what happens then. What a change records to undo itself (the previous policy,
// the override, the state.json section) stays with its owner; this keeps the time.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "failoverd/common/clock.h"
#include "failoverd/runtime/event_loop.h"

namespace failoverd {

class ConfirmWindows {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  struct Window {
    WallTime deadline;
    int seconds = 0;  // the length asked for; 0 for a window reopened at a start
  };

  ConfirmWindows(EventLoop& loop, const Clock& clock) : loop_(loop), clock_(clock) {}
  ~ConfirmWindows();  // cancels every timer: the loop outlives the windows
  ConfirmWindows(const ConfirmWindows&) = delete;
  ConfirmWindows& operator=(const ConfirmWindows&) = delete;

  // Opens `name` for `seconds` from now, replacing a window of that name. At the
  // deadline the window closes, then `expire` runs.
  void Open(const std::string& name, int seconds, std::function<void()> expire);
  // The same, until a wall-clock deadline already recorded (a start reopening a
  // window): the timer runs on the monotonic clock for the time left, none if past.
  void OpenUntil(const std::string& name, WallTime deadline, std::function<void()> expire);
  // Closes `name` without running its expiry; false when it was not open.
  bool Close(const std::string& name);

  const Window* Find(const std::string& name) const;
  bool IsOpen(const std::string& name) const { return Find(name) != nullptr; }
  // The open windows whose name starts with `prefix`, by name.
  std::vector<std::pair<std::string, Window>> With(const std::string& prefix) const;
  bool empty() const { return windows_.empty(); }

  // For status: {"deadline", "seconds_left"} and "confirm_seconds" when known.
  nlohmann::json Json(const Window& window) const;
  // "restored at T unless `failoverctl confirm` within N s" style notes end with this.
  std::string Until(const Window& window) const;

 private:
  struct Entry {
    Window window;
    EventLoop::TimerId timer = 0;
  };
  void Arm(const std::string& name, Window window, MonoTime due, std::function<void()> expire);

  EventLoop& loop_;
  const Clock& clock_;
  std::map<std::string, Entry> windows_;
};

}  // namespace failoverd
