#include "firewall/zone_check.h"

#include <sstream>

namespace failoverd::firewall {
namespace {

// A table nobody uses, only ever named in checks, and deleted in the transaction
// that makes it (Firewall::CheckInScratchTable).
constexpr const char* kScratch = "inet failoverd_zone_check";

// One line: for a script given as a buffer, nft echoes the script's first line above
// the carets that mark the error (whatever line it is on), so a rule checked alone
// goes on the first line, after the commands that make its table and chain.
std::string ScratchPrefix() {
  return std::string("add table ") + kScratch + "; add chain " + kScratch + " c; add rule " + kScratch + " c ";
}

std::string ScratchScript(const std::vector<std::string>& rules) {
  std::string script;
  for (const std::string& rule : rules) script += ScratchPrefix() + rule + "\n";
  return script;
}

}  // namespace

std::string ErrorHeadline(const std::string& nft_error) {
  std::istringstream lines(nft_error);
  std::string line;
  while (std::getline(lines, line)) {
    // "/dev/stdin:3:24-27: Error: syntax error, ..." or "Error: Could not resolve ...".
    const size_t at = line.find("Error: ");
    if (at != std::string::npos) return line.substr(at + 7);
  }
  std::getline(std::istringstream(nft_error), line);
  return line;
}

int ErrorColumnInRule(const std::string& nft_error, const std::string& prefix, const std::string& rule) {
  // nft echoes the offending command line and marks the offending part below it:
  //   add rule inet t c tcp dprt 22 accept
  //                         ^^^^
  const std::string command = prefix + rule;
  std::istringstream lines(nft_error);
  std::string line;
  bool after_command = false;
  while (std::getline(lines, line)) {
    if (after_command) {
      const size_t caret = line.find('^');
      if (caret == std::string::npos || caret < prefix.size()) return 1;
      return static_cast<int>(caret - prefix.size()) + 1;
    }
    after_command = line == command;
  }
  return 1;
}

std::vector<std::string> CheckZonesWithNft(Firewall& firewall, const std::vector<const ZoneFragment*>& zones) {
  std::vector<std::string> all;
  for (const ZoneFragment* zone : zones) {
    all.insert(all.end(), zone->input_rules.begin(), zone->input_rules.end());
    all.insert(all.end(), zone->forward_rules.begin(), zone->forward_rules.end());
  }
  if (all.empty() || firewall.CheckInScratchTable(ScratchScript(all), kScratch)) return {};
  std::vector<std::string> errors;
  for (const ZoneFragment* zone : zones)
    for (auto& error : CheckZoneWithNft(firewall, *zone)) errors.push_back(std::move(error));
  return errors;
}

std::vector<std::string> CheckZoneWithNft(Firewall& firewall, const ZoneFragment& zone) {
  std::vector<std::string> all = zone.input_rules;
  all.insert(all.end(), zone.forward_rules.begin(), zone.forward_rules.end());
  std::vector<RuleAt> where = zone.input_at;
  where.insert(where.end(), zone.forward_at.begin(), zone.forward_at.end());
  if (all.empty() || firewall.CheckInScratchTable(ScratchScript(all), kScratch)) return {};

  // Something is refused: one check per rule finds which, and where in it.
  std::vector<std::string> errors;
  for (size_t i = 0; i < all.size(); ++i) {
    const Status checked = firewall.CheckInScratchTable(ScratchScript({all[i]}), kScratch);
    if (checked) continue;
    const RuleAt at = i < where.size() ? where[i] : RuleAt{0, 0};
    const int column = at.line > 0 ? at.column + ErrorColumnInRule(checked.message(), ScratchPrefix(), all[i]) - 1 : 0;
    errors.push_back(zone.path + ":" + std::to_string(at.line) + ":" + std::to_string(column) +
                     ": nftables: " + ErrorHeadline(checked.message()) + " in '" + all[i] + "'");
  }
  // The rules pass one by one but not together (a limit of the kernel's): say so at the file.
  if (errors.empty()) errors.push_back(zone.path + ":0:0: nftables refuses the zone's rules together");
  return errors;
}

}  // namespace failoverd::firewall
