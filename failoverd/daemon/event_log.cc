#include "failoverd/daemon/event_log.h"

#include <ctime>

namespace failoverd {

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

nlohmann::json LoggedEvent::ToJson() const {
  return {{"time", FormatRfc3339(time)}, {"kind", kind}, {"message", message}};
}

void EventLog::Add(std::chrono::system_clock::time_point time, std::string kind, std::string message) {
  events_.push_back({time, std::move(kind), std::move(message)});
  if (events_.size() > kCapacity) events_.pop_front();
  if (listener_) listener_(events_.back());
}

nlohmann::json EventLog::ToJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& event : events_) list.push_back(event.ToJson());
  return list;
}

}  // namespace failoverd
