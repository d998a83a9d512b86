#include "failoverd/daemon/confirm_windows.h"

#include <algorithm>

#include "failoverd/daemon/event_log.h"

namespace failoverd {

ConfirmWindows::~ConfirmWindows() {
  for (const auto& [name, open] : windows_) loop_.CancelTimer(open.timer);
}

void ConfirmWindows::Open(const std::string& name, int seconds, std::function<void()> expire) {
  const auto length = std::chrono::seconds(std::max(0, seconds));
  Arm(name, Window{clock_.WallNow() + length, seconds}, clock_.Now() + length, std::move(expire));
}

void ConfirmWindows::OpenUntil(const std::string& name, WallTime deadline, std::function<void()> expire) {
  const auto left = std::max(deadline - clock_.WallNow(), WallTime::duration::zero());
  Arm(name, Window{deadline, 0}, clock_.Now() + std::chrono::duration_cast<MonoTime::duration>(left),
      std::move(expire));
}

void ConfirmWindows::Arm(const std::string& name, Window window, MonoTime due, std::function<void()> expire) {
  Close(name);
  const EventLoop::TimerId timer = loop_.AddTimer(due, [this, name, expire = std::move(expire)] {
    windows_.erase(name);  // fired: nothing to cancel
    expire();
  });
  windows_[name] = Entry{window, timer};
}

bool ConfirmWindows::Close(const std::string& name) {
  auto it = windows_.find(name);
  if (it == windows_.end()) return false;
  loop_.CancelTimer(it->second.timer);
  windows_.erase(it);
  return true;
}

const ConfirmWindows::Window* ConfirmWindows::Find(const std::string& name) const {
  auto it = windows_.find(name);
  return it == windows_.end() ? nullptr : &it->second.window;
}

std::vector<std::pair<std::string, ConfirmWindows::Window>> ConfirmWindows::With(const std::string& prefix) const {
  std::vector<std::pair<std::string, Window>> found;
  for (auto it = windows_.lower_bound(prefix); it != windows_.end() && it->first.starts_with(prefix); ++it)
    found.emplace_back(it->first, it->second.window);
  return found;
}

nlohmann::json ConfirmWindows::Json(const Window& window) const {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(window.deadline - clock_.WallNow());
  nlohmann::json json = {{"deadline", FormatRfc3339(window.deadline)},
                         {"seconds_left", std::max<int64_t>(0, left.count())}};
  if (window.seconds > 0) json["confirm_seconds"] = window.seconds;
  return json;
}

std::string ConfirmWindows::Until(const Window& window) const {
  return FormatRfc3339(window.deadline) + " unless `failoverctl confirm`" +
         (window.seconds > 0 ? " within " + std::to_string(window.seconds) + " s" : " comes first");
}

}  // namespace failoverd
