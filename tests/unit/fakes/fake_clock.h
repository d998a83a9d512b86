// FakeClock: time that moves only when a test says so.
#pragma once

#include "failoverd/common/clock.h"

namespace failoverd::testing {

class FakeClock final : public Clock {
 public:
  MonoTime Now() const override { return now_; }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::time_point(now_.time_since_epoch());
  }
  void Advance(Millis by) { now_ += by; }

 private:
  MonoTime now_ = MonoTime(std::chrono::hours(1));
};

}  // namespace failoverd::testing
