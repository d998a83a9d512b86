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
  // The table as the applied scripts left it (a zero phase resets it; zone chains
  // come and go with their add/delete lines); Flush() is someone's `nft flush ruleset`.
  Result<firewall::TableState> ReadTable() override {
    firewall::TableState state;
    for (const auto& script : scripts) {
      if (script == kFlushed) state = {};
      if (script.find("delete table inet failoverd") != std::string::npos) state = {true, {}};
      size_t at = 0;
      while ((at = script.find("chain inet failoverd in_", at)) != std::string::npos) {
        const bool deleted = at >= 7 && script.compare(at - 7, 7, "delete ") == 0;
        const size_t name_start = at + 24;
        const std::string bridge = script.substr(name_start, script.find('\n', name_start) - name_start);
        if (deleted) state.zones.erase(bridge);
        else state.zones.insert(bridge);
        at = name_start;
      }
    }
    return state;
  }
  void Flush() { scripts.push_back(kFlushed); }
  static constexpr const char* kFlushed = "# flushed by someone else";
  void RefuseAll() { refuse_all_ = true; }
  void RefuseScriptsContaining(std::string text) { refuse_containing_ = std::move(text); }

  std::vector<std::string> scripts;

 private:
  std::vector<std::string>* journal_;
  bool refuse_all_ = false;
  std::string refuse_containing_;
};

}  // namespace failoverd::testing
