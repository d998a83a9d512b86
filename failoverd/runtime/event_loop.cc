#include "failoverd/runtime/event_loop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

namespace failoverd {

EventLoop::EventLoop(const Clock& clock) : clock_(clock) {}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) close(signal_fd_);
  if (timer_fd_ >= 0) close(timer_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Status EventLoop::Init() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Status::Error(std::string("epoll_create1: ") + strerror(errno));
  // CLOCK_MONOTONIC matches std::chrono::steady_clock on Linux.
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) return Status::Error(std::string("timerfd_create: ") + strerror(errno));
  return AddFd(timer_fd_, [this] { RunDueTimers(); });
}

Status EventLoop::AddFd(int fd, Callback on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0)
    return Status::Error(std::string("epoll_ctl add: ") + strerror(errno));
  fd_callbacks_[fd] = std::move(on_readable);
  return Status::Ok();
}

Status EventLoop::SetWritable(int fd, Callback on_writable) {
  if (!fd_callbacks_.count(fd)) return Status::Error("epoll: fd " + std::to_string(fd) + " is not watched");
  const bool want = static_cast<bool>(on_writable);
  if (want == (write_callbacks_.count(fd) > 0)) {
    if (want) write_callbacks_[fd] = std::move(on_writable);
    return Status::Ok();
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) < 0)
    return Status::Error(std::string("epoll_ctl mod: ") + strerror(errno));
  if (want)
    write_callbacks_[fd] = std::move(on_writable);
  else
    write_callbacks_.erase(fd);
  return Status::Ok();
}

void EventLoop::RemoveFd(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  fd_callbacks_.erase(fd);
  write_callbacks_.erase(fd);
}

EventLoop::TimerId EventLoop::AddTimer(MonoTime when, Callback cb) {
  const TimerId id = next_timer_id_++;
  timers_.emplace(when, std::make_pair(id, std::move(cb)));
  ArmTimerFd();
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      break;
    }
  }
  ArmTimerFd();
}

void EventLoop::ArmTimerFd() {
  itimerspec spec{};
  if (!timers_.empty()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        timers_.begin()->first.time_since_epoch())
                        .count();
    // An absolute time of 0 would disarm the timer; anything due is due "now".
    const auto at = ns > 0 ? ns : 1;
    spec.it_value.tv_sec = static_cast<time_t>(at / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(at % 1000000000);
  }
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::RunDueTimers() {
  uint64_t expirations = 0;
  while (read(timer_fd_, &expirations, sizeof expirations) > 0) {
  }
  const MonoTime now = clock_.Now();
  std::vector<Callback> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    due.push_back(std::move(timers_.begin()->second.second));
    timers_.erase(timers_.begin());
  }
  ArmTimerFd();
  for (auto& cb : due) cb();
}

Status EventLoop::AddSignal(int signo, Callback cb) {
  signal_callbacks_[signo] = std::move(cb);
  sigset_t mask;
  sigemptyset(&mask);
  for (const auto& [sig, unused] : signal_callbacks_) sigaddset(&mask, sig);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0)
    return Status::Error(std::string("sigprocmask: ") + strerror(errno));
  const bool first = signal_fd_ < 0;
  signal_fd_ = signalfd(signal_fd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return Status::Error(std::string("signalfd: ") + strerror(errno));
  if (first) return AddFd(signal_fd_, [this] { DispatchSignals(); });
  return Status::Ok();
}

void EventLoop::DispatchSignals() {
  signalfd_siginfo info{};
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    auto it = signal_callbacks_.find(static_cast<int>(info.ssi_signo));
    if (it != signal_callbacks_.end()) it->second();
  }
}

Status EventLoop::Run() {
  running_ = true;
  epoll_event events[16];
  while (running_) {
    const int n = epoll_wait(epoll_fd_, events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::string("epoll_wait: ") + strerror(errno));
    }
    for (int i = 0; i < n && running_; ++i) {
      const int fd = events[i].data.fd;
      // Look the callbacks up each time: an earlier callback may have removed this fd.
      if (events[i].events & EPOLLOUT) {
        auto writable = write_callbacks_.find(fd);
        if (writable != write_callbacks_.end()) {
          Callback cb = writable->second;  // copy: the callback may remove itself
          cb();
        }
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      auto it = fd_callbacks_.find(fd);
      if (it == fd_callbacks_.end()) continue;
      Callback cb = it->second;  // copy: the callback may remove itself
      cb();
    }
  }
  return Status::Ok();
}

}  // namespace failoverd
