#include "failoverd/common/background_close.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace failoverd {
namespace {

class Closer {
 public:
  ~Closer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
  }

  void Close(int fd) {
    if (!Started()) {
      close(fd);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(fd);
    }
    wake_.notify_one();
  }

 private:
  bool Started() {
    std::call_once(start_once_, [this] {
      // The thread inherits the mask in force when it is made: all blocked, so no
      // signal meant for the daemon's signalfd is ever delivered to it.
      sigset_t all;
      sigset_t previous;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &previous);
      try {
        worker_ = std::thread([this] { Run(); });
      } catch (const std::system_error&) {
        // No thread: Close() closes inline.
      }
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    });
    return worker_.joinable();
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      std::vector<int> batch;
      batch.swap(queue_);
      lock.unlock();
      for (int fd : batch) close(fd);
      lock.lock();
      if (stopping_ && queue_.empty()) return;
    }
  }

  std::once_flag start_once_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<int> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

Closer& TheCloser() {
  static Closer closer;
  return closer;
}

}  // namespace

void CloseInBackground(int fd) {
  if (fd >= 0) TheCloser().Close(fd);
}

}  // namespace failoverd
