// libFuzzer target: every input is handed to ParseZone as the text of a zone
// file (LoadZone reads the file with fread, so NUL bytes reach the parser). A
// rule it accepts is later emitted as one `add rule` command in a script that
// libnftables reads as a C string, so an accepted rule must not be able to end
// that command or the script: no ';', '{', '}' outside a string, no line break,
// no NUL, no table/chain/flush/delete word. Anything else aborts the run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "firewall/firewall.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

void CheckRule(std::string_view rule) {
  Check(!rule.empty());
  Check(!IsBlank(rule.front()) && !IsBlank(rule.back()));
  Check(rule.find('\n') == std::string_view::npos);
  Check(rule.find('\0') == std::string_view::npos);
  bool in_quote = false;
  size_t word_start = std::string_view::npos;
  for (size_t i = 0; i <= rule.size(); ++i) {
    const char c = i < rule.size() ? rule[i] : ' ';
    if (c == '"') in_quote = !in_quote;
    if (in_quote) continue;
    Check(c != ';' && c != '{' && c != '}' && c != '#');
    if (!IsBlank(c) && word_start == std::string_view::npos) word_start = i;
    if (IsBlank(c) && word_start != std::string_view::npos) {
      const std::string_view word = rule.substr(word_start, i - word_start);
      Check(word != "table" && word != "chain" && word != "flush" && word != "delete");
      word_start = std::string_view::npos;
    }
  }
  Check(!in_quote);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto zone = failoverd::firewall::ParseZone(text, "fuzz", "fuzz.nft");
  if (!zone.ok()) {
    Check(!zone.message().empty());
    return 0;
  }
  Check(zone->name == "fuzz" && zone->path == "fuzz.nft");
  for (const std::string& rule : zone->input_rules) CheckRule(rule);
  for (const std::string& rule : zone->forward_rules) CheckRule(rule);
  return 0;
}
