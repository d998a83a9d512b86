#include "policy/policy.h"

#include "policy/enum_names.h"

namespace failoverd::policy {

namespace {

template <typename E, size_t N>
const char* NameOf(const EnumName<E> (&names)[N], E value) {
  for (const auto& entry : names)
    if (entry.value == value) return entry.name.data();  // literals: NUL-terminated
  return "?";
}

}  // namespace

const char* ToString(BridgeMode mode) { return NameOf(kBridgeModeNames, mode); }
const char* ToString(Failback failback) { return NameOf(kFailbackNames, failback); }
const char* ToString(Require require) { return NameOf(kRequireNames, require); }
const char* ToString(UdevSource source) { return NameOf(kUdevSourceNames, source); }
const char* ToString(NicSelector::Kind kind) { return NameOf(kSelectorKindNames, kind); }

}  // namespace failoverd::policy
