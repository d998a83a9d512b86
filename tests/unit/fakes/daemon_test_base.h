// DaemonTestBase: what every daemon unit test stands on — a private state
// directory, a fake clock with an event loop on it, a fake kernel and a fake
// firewall that writes into the kernel's call journal (so one list shows kernel
// and firewall changes in order) — plus lookups in that journal.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "failoverd/runtime/event_loop.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_firewall.h"
#include "fakes/fake_kernel.h"
#include "fakes/temp_dir.h"

namespace failoverd::testing {

class DaemonTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(state_dir_.empty());
    ASSERT_TRUE(loop_.Init());
  }

  // Whether any kernel or firewall call so far contains `needle`.
  bool Called(const std::string& needle) const {
    const auto& calls = kernel_.calls();
    return std::any_of(calls.begin(), calls.end(),
                       [&](const std::string& call) { return call.find(needle) != std::string::npos; });
  }
  // The position of the first call containing `needle`; a test failure (and the
  // end of the list) when there is none.
  size_t IndexOf(const std::string& needle) const {
    const auto& calls = kernel_.calls();
    for (size_t i = 0; i < calls.size(); ++i)
      if (calls[i].find(needle) != std::string::npos) return i;
    ADD_FAILURE() << "no call containing '" << needle << "'";
    return calls.size();
  }

  TempDir temp_;
  const std::string state_dir_ = temp_.path();
  FakeClock clock_;
  EventLoop loop_{clock_};
  FakeKernel kernel_;
  FakeFirewall firewall_{kernel_.journal()};
};

}  // namespace failoverd::testing
