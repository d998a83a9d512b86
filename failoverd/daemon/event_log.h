// EventLog: the recent decisions of the daemon, each with a wall-clock time, a
// kind and a reason a person can read; served by `failoverctl events`.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace failoverd {

struct LoggedEvent {
  std::chrono::system_clock::time_point time;
  std::string kind;     // "role", "rename", "bridge", "firewall", "error", ...
  std::string message;  // "hweth1: standby -> active (hweth0 lost carrier; ...)"
  nlohmann::json ToJson() const;
};

class EventLog {
 public:
  static constexpr size_t kCapacity = 1000;

  // `listener` (optional) sees every event as it is added, e.g. to stream it.
  void SetListener(std::function<void(const LoggedEvent&)> listener) { listener_ = std::move(listener); }
  void Add(std::chrono::system_clock::time_point time, std::string kind, std::string message);
  const std::deque<LoggedEvent>& events() const { return events_; }
  nlohmann::json ToJson() const;

 private:
  std::deque<LoggedEvent> events_;
  std::function<void(const LoggedEvent&)> listener_;
};

std::string FormatRfc3339(std::chrono::system_clock::time_point time);

}  // namespace failoverd
