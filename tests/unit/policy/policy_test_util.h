// Helpers shared by the policy parser tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_parser.h"

namespace failoverd::policy::testing_util {

// Every problem of `text` as the daemon prints it ("p.toml:LINE:COL: message").
inline std::vector<std::string> Errors(std::string_view text) {
  const ParseResult result = ParsePolicyText(text, "p.toml");
  std::vector<std::string> out;
  for (const Diagnostic& d : result.errors) out.push_back(d.ToString());
  // An invalid policy must yield no Policy at all.
  if (!result.errors.empty()) {
    EXPECT_FALSE(result.policy.has_value());
  }
  return out;
}

// `sections` plus one bridge: a policy must have a bridge to be valid, and tests of
// the [daemon] and [nics] sections are about those sections only.
inline std::string WithBridge(std::string_view sections) {
  return std::string(sections) + "\n[[bridge]]\nname = \"eth0\"\n";
}

// Parses a policy that must be valid; a failure lists its problems.
inline Policy ParseValid(std::string_view text) {
  ParseResult result = ParsePolicyText(text, "p.toml");
  for (const Diagnostic& d : result.errors) ADD_FAILURE() << d.ToString();
  if (!result.policy) {
    ADD_FAILURE() << "no policy";
    return Policy{};
  }
  return std::move(*result.policy);
}

}  // namespace failoverd::policy::testing_util
