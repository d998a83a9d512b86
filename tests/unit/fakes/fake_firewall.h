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
  Status Check(const std::string&) override { return Status::Ok(); }
  Result<bool> HasZone(const std::string& bridge) override {
    for (const auto& script : scripts)
      if (script.find("in_" + bridge) != std::string::npos) return true;
    return false;
  }
  void RefuseAll() { refuse_all_ = true; }
  void RefuseScriptsContaining(std::string text) { refuse_containing_ = std::move(text); }

  std::vector<std::string> scripts;

 private:
  std::vector<std::string>* journal_;
  bool refuse_all_ = false;
  std::string refuse_containing_;
};

}  // namespace failoverd::testing
