// FakeFirewall: records applied scripts and which bridges got a zone; can be told
// to refuse scripts, to test that a bridge never comes up without its firewall.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "firewall/firewall.h"

namespace failoverd::testing {

class FakeFirewall final : public firewall::Firewall {
 public:
  // `journal`, when given, gets "firewall <script>" for every applied script, so a
  // test can see firewall changes and kernel calls in one order.
  explicit FakeFirewall(std::vector<std::string>* journal = nullptr) : journal_(journal) {}

  Status Apply(const std::string& script) override {
    if (refuse_all_ || (!refuse_containing_.empty() && script.find(refuse_containing_) != std::string::npos))
      return Status::Error("Error: injected refusal");
    scripts.push_back(script);
    if (journal_) journal_->push_back("firewall " + script);
    return Status::Ok();
  }
  Status Check(const std::string& script) override {
    ++checks;
    for (const auto& text : refuse_checks_)
      if (script.find(text) != std::string::npos) return Status::Error("Error: injected refusal");
    return Status::Ok();
  }
  // Check() refuses a script holding any of `texts` (nothing is ever committed by a check).
  void RefuseChecksContaining(std::vector<std::string> texts) { refuse_checks_ = std::move(texts); }
  Result<bool> HasZone(const std::string& bridge) override {
    for (const auto& script : scripts)
      if (script.find("in_" + bridge) != std::string::npos) return true;
    return false;
  }
  // The table as the applied scripts left it: a whole-table script starts it afresh,
  // scripts for the sweep guard's table leave it alone, other scripts add to it, Flush() (someone's `nft flush ruleset`) removes it and
  // Tamper() (someone's `nft insert rule ...`) changes it.
  Result<std::string> ReadFingerprint() override {
    if (unreadable_) return Status::Error("Error: injected read failure");
    std::string table;
    const std::string guard = std::string("table inet ") + firewall::kSweepGuardTable + "\n";
    for (const auto& script : scripts) {
      if (script == kFlushed)
        table.clear();
      else if (script.rfind(guard, 0) == 0)
        continue;  // another table (SweepGuardScript)
      else if (script.find("delete table inet failoverd\n") != std::string::npos)
        table = script;
      else
        table += script;
    }
    return table;
  }
  void Tamper(const std::string& edit) { scripts.push_back("# changed by someone else: " + edit + "\n"); }
  void MakeUnreadable(bool unreadable) { unreadable_ = unreadable; }
  void Flush() { scripts.push_back(kFlushed); }
  static constexpr const char* kFlushed = "# flushed by someone else";
  void RefuseAll() { refuse_all_ = true; }
  void RefuseScriptsContaining(std::string text) { refuse_containing_ = std::move(text); }

  std::vector<std::string> scripts;
  int checks = 0;  // dry runs asked for

 private:
  std::vector<std::string>* journal_;
  bool refuse_all_ = false;
  bool unreadable_ = false;
  std::vector<std::string> refuse_checks_;
  std::string refuse_containing_;
};

}  // namespace failoverd::testing
