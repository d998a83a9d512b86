// The administrator's overrides as they are kept in state.json (section
// "overrides"):  {"manual": {"<NIC identity>": "eth0" | ""}, "isolated": ["eth1"]}
// An entry that cannot be read is skipped; the rest still counts.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "failoverd/core/decision.h"

namespace failoverd {

nlohmann::json OverridesToJson(const core::Overrides& overrides);
core::Overrides OverridesFromJson(const nlohmann::json& json);

// The strings of a list kept in state.json (the bridges failoverd manages, ...);
// anything else in it is skipped.
std::set<std::string> StringsOf(const nlohmann::json& list);

}  // namespace failoverd
