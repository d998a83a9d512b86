#include "failoverd/ctl/status_table.h"

#include <string>
#include <vector>

#include "failoverd/ctl/json_fields.h"
#include "failoverd/ctl/text_table.h"

namespace failoverd {
namespace {

// Port columns are at least as wide as their widest usual value ("standby",
// "carrier down") so the blocks of different bridges line up.
const std::vector<size_t> kPortColumnWidths = {0, 7, 12, 0};

const nlohmann::json& ArrayField(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::string BridgeLine(const nlohmann::json& bridge) {
  const std::string mode = FieldText(bridge, "mode");
  std::string line =
      FieldText(bridge, "name", "?") + "  " + mode + "  " + FieldText(bridge, "state");
  if (HasText(bridge, "error")) line += " (" + FieldText(bridge, "error") + ")";
  if (HasText(bridge, "mac")) line += "  mac " + FieldText(bridge, "mac");
  if (HasText(bridge, "zone")) line += "  zone " + FieldText(bridge, "zone");
  if (HasText(bridge, "active")) {
    line += "  active " + FieldText(bridge, "active");
  } else if (mode == "active-backup") {
    line += "  active none";  // an active-backup bridge without uplink is news
    // ... and so is why: isolated by hand, no NIC with carrier, none identified.
    if (HasText(bridge, "reason")) line += "\n  (" + FieldText(bridge, "reason") + ")";
  }
  return line + "\n";
}

// An apply waiting for `failoverctl confirm` must not go unnoticed.
std::string PendingApplyLine(const nlohmann::json& status) {
  const auto it = status.is_object() ? status.find("pending_apply") : status.end();
  if (it == status.end() || !it->is_object()) return "";
  return "pending apply of " + FieldText(*it, "file", "?") + ": rolled back at " + FieldText(*it, "deadline", "?") +
         " unless `failoverctl confirm` comes first\n";
}

// So must a guarded isolate that restores itself unless confirmed.
std::string PendingIsolateLines(const nlohmann::json& status) {
  std::string out;
  for (const auto& pending : ArrayField(status, "pending_isolate")) {
    const auto left = pending.is_object() ? pending.find("seconds_left") : pending.end();
    const std::string seconds = left != pending.end() && left->is_number_integer()
                                    ? " (" + std::to_string(left->get<int64_t>()) + " s left)"
                                    : "";
    out += "pending isolate of " + FieldText(pending, "bridge", "?") + ": restored at " +
           FieldText(pending, "deadline", "?") + seconds + " unless `failoverctl confirm` comes first\n";
  }
  return out;
}

// When the policy in force is not the policy file, or the file runs under its start
// confirm window, the administrator must see it first.
std::string PolicyLines(const nlohmann::json& status) {
  const auto it = status.is_object() ? status.find("policy") : status.end();
  if (it == status.end() || !it->is_object()) return "";
  std::string out;
  if (FieldText(*it, "running") == "last-good")
    out += "policy: RUNNING THE LAST GOOD POLICY (saved " + FieldText(*it, "last_good_saved_at", "?") + "), not " +
           FieldText(*it, "file", "the policy file") + ": " + FieldText(*it, "message") + "\n";
  const auto pending = it->find("pending_start");
  if (pending != it->end() && pending->is_object())
    out += "policy: " + FieldText(*it, "file", "the policy file") + " changed since the last good start: the last good "
           "policy comes back at " + FieldText(*pending, "deadline", "?") + " unless `failoverctl confirm` comes first\n";
  return out;
}

// A change the daemon holds but state.json does not (yet) would be lost by a restart.
std::string StateLine(const nlohmann::json& status) {
  const auto it = status.is_object() ? status.find("state") : status.end();
  if (it == status.end() || !it->is_object()) return "";
  const auto saved = it->find("saved");
  if (saved == it->end() || !saved->is_boolean() || saved->get<bool>()) return "";
  return "state: NOT SAVED: " + FieldText(*it, "path", "state.json") + " cannot be written (" +
         FieldText(*it, "error", "?") + "); retried until it works, a restart before then loses the latest changes\n";
}

// Live NICs failoverd will not touch, and why: the administrator must see them.
std::string LeftAloneLines(const nlohmann::json& status) {
  std::string out;
  for (const auto& nic : ArrayField(status, "left_alone"))
    out += FieldText(nic, "name", "?") + ": " + FieldText(nic, "reason", "left alone") + "\n";
  return out;
}

std::string PortLines(const nlohmann::json& ports) {
  if (ports.empty()) return "  no ports\n";
  TextTable table(kPortColumnWidths);
  for (const auto& port : ports) {
    const std::string since = HasText(port, "since") ? "since " + FieldText(port, "since") : "";
    table.AddRow({FieldText(port, "nic", "?"), FieldText(port, "role"),
                  "carrier " + CarrierText(port, "carrier"), since});
  }
  return table.Render("  ");
}

std::string NicTable(const nlohmann::json& nics) {
  if (nics.empty()) return "no managed NICs\n";
  TextTable table;
  table.AddRow({"NAME", "PERM_MAC", "DRIVER", "CARRIER", "BRIDGE", "ROLE", "NETWORK"});
  for (const auto& nic : nics) {
    table.AddRow({FieldText(nic, "name", "?"), FieldText(nic, "perm_mac"), FieldText(nic, "driver"),
                  CarrierText(nic, "carrier"), FieldText(nic, "bridge"), FieldText(nic, "role"),
                  FieldText(nic, "network")});
  }
  return table.Render();
}

std::string FirewallLine(const nlohmann::json& status) {
  const auto it = status.is_object() ? status.find("firewall") : status.end();
  if (!status.is_object() || it == status.end() || !it->is_object()) return "firewall: unknown\n";
  std::string line = "firewall: " + FieldText(*it, "table", "none");
  const auto zero = it->find("zero_phase");
  if (zero != it->end() && zero->is_boolean()) {
    line += zero->get<bool>() ? " (zero phase in place)" : " (zero phase NOT in place)";
  }
  return line + "\n";
}

}  // namespace

std::string RenderStatusTable(const nlohmann::json& status) {
  std::string out = PolicyLines(status) + StateLine(status);
  const auto& bridges = ArrayField(status, "bridges");
  if (bridges.empty()) out += "no bridges\n";
  for (const auto& bridge : bridges) {
    out += BridgeLine(bridge);
    out += PortLines(ArrayField(bridge, "ports"));
  }
  out += "\n";
  out += NicTable(ArrayField(status, "nics"));
  out += LeftAloneLines(status);
  out += "\n";
  out += FirewallLine(status);
  out += PendingApplyLine(status);
  out += PendingIsolateLines(status);
  return out;
}

}  // namespace failoverd
