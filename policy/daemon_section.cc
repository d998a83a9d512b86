// [daemon]: where the daemon keeps its files and how it debounces carrier.
#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

// Ten minutes: any longer debounce is a typo (seconds written as ms), and an
// unbounded value would overflow timer arithmetic.
constexpr int kMaxDelayMs = 600000;
// A day: a start confirm window longer than that is a typo (minutes written as seconds).
constexpr int kMaxStartConfirmS = 86400;

using D = DaemonSettings;

// The schema of this section: one row per key, one line per row (even when
// long) so it reads as a table.
constexpr KeySpec<D> kDaemonKeys[] = {
    {"state_dir", [](const KeyValue& v, D& d) { Set(d.state_dir, ReadAbsolutePath(v)); }},
    {"control_socket", [](const KeyValue& v, D& d) { Set(d.control_socket, ReadAbsolutePath(v)); }},
    {"control_group", [](const KeyValue& v, D& d) { Set(d.control_group, ReadNonEmptyString(v)); d.control_group_pos = v.pos(); }},
    {"zones_dir", [](const KeyValue& v, D& d) { Set(d.zones_dir, ReadAbsolutePath(v)); }},
    {"hold_down_ms", [](const KeyValue& v, D& d) { Set(d.hold_down_ms, ReadInt(v, 0, kMaxDelayMs)); }},
    {"up_delay_ms", [](const KeyValue& v, D& d) { Set(d.up_delay_ms, ReadInt(v, 0, kMaxDelayMs)); }},
    {"udev_source", [](const KeyValue& v, D& d) { Set(d.udev_source, ReadEnum(v, kUdevSourceNames)); }},
    {"start_confirm_s", [](const KeyValue& v, D& d) { Set(d.start_confirm_s, ReadInt(v, 0, kMaxStartConfirmS)); }},
};

}  // namespace

void ReadDaemonSection(const KeyValue& value, DaemonSettings& daemon) {
  if (const toml::table* table = ReadTable(value))
    ApplyKeyTable(*table, kDaemonKeys, "in [daemon]", value.diag, daemon);
}

}  // namespace failoverd::policy::detail
