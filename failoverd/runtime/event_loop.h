// EventLoop: the daemon's single thread of control. epoll over file
// descriptors (readability, and writability where asked for), one timerfd
// multiplexing all timers, and a signalfd. Callbacks run one at a time; nothing
// in failoverd blocks outside a kernel request that is waiting for its
// acknowledgement.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

#include "failoverd/common/clock.h"
#include "failoverd/common/status.h"

namespace failoverd {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using TimerId = uint64_t;

  explicit EventLoop(const Clock& clock);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status Init();
  // `on_readable` runs whenever `fd` is readable (level-triggered) or has hung up.
  Status AddFd(int fd, Callback on_readable);
  // While set, `on_writable` runs whenever `fd` (added with AddFd) can be written
  // (level-triggered); an empty callback stops it. For sockets written without blocking.
  Status SetWritable(int fd, Callback on_writable);
  void RemoveFd(int fd);
  // Runs `cb` once at or after monotonic time `when`.
  TimerId AddTimer(MonoTime when, Callback cb);
  void CancelTimer(TimerId id);
  // Blocks `signo` for the process and runs `cb` from the loop when it arrives.
  Status AddSignal(int signo, Callback cb);

  Status Run();  // until Stop()
  void Stop() { running_ = false; }
  // Runs every timer due by the clock's now; Run() calls it, and so do tests that move a fake clock.
  void RunDueTimers();

 private:
  void ArmTimerFd();
  void DispatchSignals();

  const Clock& clock_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int signal_fd_ = -1;
  bool running_ = false;
  TimerId next_timer_id_ = 1;
  std::unordered_map<int, Callback> fd_callbacks_;
  std::unordered_map<int, Callback> write_callbacks_;
  std::multimap<MonoTime, std::pair<TimerId, Callback>> timers_;
  std::map<int, Callback> signal_callbacks_;
};

}  // namespace failoverd
