// The spelling of every policy enum in policy.toml. Shared by the parser (text
// -> value) and ToString (value -> text) so the two can never disagree.
#pragma once

#include <string_view>

#include "policy/policy.h"

namespace failoverd::policy {

template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

inline constexpr EnumName<BridgeMode> kBridgeModeNames[] = {
    {"active-backup", BridgeMode::kActiveBackup},
    {"switch", BridgeMode::kSwitch},
    {"internal", BridgeMode::kInternal},
};

inline constexpr EnumName<Failback> kFailbackNames[] = {
    {"never", Failback::kNever},
    {"preferred", Failback::kPreferred},
};

inline constexpr EnumName<Require> kRequireNames[] = {
    {"none", Require::kNone},
    {"confirmed", Require::kConfirmed},
    {"remembered", Require::kRemembered},
};

inline constexpr EnumName<UdevSource> kUdevSourceNames[] = {
    {"udev", UdevSource::kUdev},
    {"kernel", UdevSource::kKernel},
};

// The selector kinds as they are written: the keys of a ports entry, and the
// "kind:" prefixes of [nics] include/exclude.
inline constexpr EnumName<NicSelector::Kind> kSelectorKindNames[] = {
    {"mac", NicSelector::Kind::kMac},         {"path", NicSelector::Kind::kPath},
    {"driver", NicSelector::Kind::kDriver},   {"name", NicSelector::Kind::kName},
    {"physical", NicSelector::Kind::kPhysical}, {"kind", NicSelector::Kind::kKind},
};

}  // namespace failoverd::policy
