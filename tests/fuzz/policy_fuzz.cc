// libFuzzer target: every input is handed to ParsePolicyText as the text of a
// policy.toml. The parser must never throw (a reload must not take the daemon
// down; an escaping exception ends the run through std::terminate), and its
// result must keep its promises: a Policy exactly when there are no errors,
// every error with a message, in file order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/policy_parser.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const failoverd::policy::ParseResult result =
      failoverd::policy::ParsePolicyText(text, "fuzz.toml");

  Check(result.policy.has_value() == result.errors.empty());
  if (result.policy) Check(result.policy->source_path == "fuzz.toml");
  for (size_t i = 0; i < result.errors.size(); ++i) {
    const failoverd::policy::Diagnostic& error = result.errors[i];
    Check(error.path == "fuzz.toml");
    Check(!error.message.empty());
    Check(error.line >= 0 && error.column >= 0);
    if (i > 0) {
      const auto& before = result.errors[i - 1];
      Check(before.line < error.line ||
            (before.line == error.line && before.column <= error.column));
    }
  }
  return 0;
}
