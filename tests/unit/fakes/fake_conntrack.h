// FakeConntrack: a conntrack table the daemon's sweep after a firewall repair works
// on. It keeps entries, sweeps them with core::JudgeEntry as the kernel edge does,
// and records each sweep's scope, so a test sees what the daemon asked for and what
// was left.
#pragma once

#include <string>
#include <vector>

#include "failoverd/core/conntrack_sweep.h"

namespace failoverd::testing {

class FakeConntrack final : public core::ConntrackSweeper {
 public:
  Result<core::SweepReport> Sweep(const core::SweepScope& scope) override {
    scopes.push_back(scope);
    if (fail_) return Status::Error("conntrack dump: injected failure");
    core::SweepReport report;
    std::vector<core::ConntrackEntry> kept;
    for (const auto& entry : entries) {
      if ((entry.mark & scope.accepted_mark) == 0) ++report.examined;
      if (core::CountUnlessSwept(core::JudgeEntry(entry, scope, tcp_resumes), report)) {
        ++report.swept;
        continue;
      }
      kept.push_back(entry);
    }
    entries = std::move(kept);
    return report;
  }
  void Fail(bool fail) { fail_ = fail; }

  std::vector<core::ConntrackEntry> entries;
  std::vector<core::SweepScope> scopes;  // one per sweep asked for
  bool tcp_resumes = true;

 private:
  bool fail_ = false;
};

}  // namespace failoverd::testing
