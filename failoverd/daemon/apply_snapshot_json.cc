#include "failoverd/daemon/apply_snapshot_json.h"

#include <algorithm>

namespace failoverd {

namespace {

using nlohmann::json;

json PortToJson(const RecordedPort& port) { return {{"nic", port.nic}, {"identity", port.identity.ToString()}}; }

json ZoneToJson(const firewall::ZoneFragment& zone) {
  return {{"name", zone.name}, {"path", zone.path}, {"input", zone.input_rules}, {"forward", zone.forward_rules}};
}

json BridgeToJson(const RecordedBridge& bridge) {
  json addresses = json::array();
  for (const auto& address : bridge.l3.addresses) addresses.push_back(address.ToString());
  json gateways = json::array();
  for (const auto& gateway : bridge.l3.gateways) gateways.push_back(gateway.ToString());
  json standbys = json::array();
  for (const auto& port : bridge.standbys) standbys.push_back(PortToJson(port));
  return {{"name", bridge.name},
          {"present", bridge.present},
          {"mac", bridge.mac.ToString()},
          {"active", bridge.active ? PortToJson(*bridge.active) : json()},
          {"standbys", standbys},
          {"addresses", addresses},
          {"gateways", gateways},
          {"zone", bridge.zone ? ZoneToJson(*bridge.zone) : json()}};
}

// Readers: each returns false (and says why in `error`) on anything unexpected.
struct Reader {
  std::string error;

  bool Fail(const std::string& what) {
    error = what;
    return false;
  }
  bool String(const json& object, const char* key, std::string& out) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return Fail(std::string("'") + key + "' is not a string");
    out = it->get<std::string>();
    return true;
  }
  bool Mac(const json& object, const char* key, MacAddress& out) {
    std::string text;
    if (!String(object, key, text)) return false;
    auto mac = MacAddress::Parse(text);
    if (!mac) return Fail("'" + text + "' is not a MAC address");
    out = *mac;
    return true;
  }
  bool Strings(const json& object, const char* key, std::vector<std::string>& out) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_array()) return Fail(std::string("'") + key + "' is not a list");
    for (const auto& item : *it) {
      if (!item.is_string()) return Fail(std::string("'") + key + "' holds a non-string");
      out.push_back(item.get<std::string>());
    }
    return true;
  }
  bool Port(const json& object, RecordedPort& out) {
    if (!object.is_object()) return Fail("a port is not an object");
    return String(object, "nic", out.nic) && Mac(object, "identity", out.identity);
  }
  bool Zone(const json& object, firewall::ZoneFragment& out) {
    if (!object.is_object()) return Fail("a zone is not an object");
    return String(object, "name", out.name) && String(object, "path", out.path) &&
           Strings(object, "input", out.input_rules) && Strings(object, "forward", out.forward_rules);
  }
  bool Bridge(const json& object, RecordedBridge& out) {
    if (!object.is_object()) return Fail("a bridge is not an object");
    auto present = object.find("present");
    if (present == object.end() || !present->is_boolean()) return Fail("'present' is not a boolean");
    out.present = present->get<bool>();
    std::vector<std::string> addresses;
    std::vector<std::string> gateways;
    if (!String(object, "name", out.name) || !Mac(object, "mac", out.mac) ||
        !Strings(object, "addresses", addresses) || !Strings(object, "gateways", gateways))
      return false;
    for (const auto& text : addresses) {
      auto prefix = IpPrefix::Parse(text);
      if (!prefix) return Fail("'" + text + "' is not an address");
      out.l3.addresses.push_back(*prefix);
    }
    for (const auto& text : gateways) {
      auto gateway = IpAddress::Parse(text);
      if (!gateway) return Fail("'" + text + "' is not an IP address");
      out.l3.gateways.push_back(*gateway);
    }
    std::sort(out.l3.addresses.begin(), out.l3.addresses.end());
    std::sort(out.l3.gateways.begin(), out.l3.gateways.end());
    auto active = object.find("active");
    if (active == object.end()) return Fail("'active' is missing");
    if (!active->is_null() && !Port(*active, out.active.emplace())) return false;
    auto standbys = object.find("standbys");
    if (standbys == object.end() || !standbys->is_array()) return Fail("'standbys' is not a list");
    for (const auto& port : *standbys)
      if (!Port(port, out.standbys.emplace_back())) return false;
    auto zone = object.find("zone");
    if (zone == object.end()) return Fail("'zone' is missing");
    if (!zone->is_null() && !Zone(*zone, out.zone.emplace())) return false;
    return true;
  }
};

}  // namespace

json SnapshotToJson(const ApplySnapshot& snapshot) {
  json bridges = json::array();
  for (const auto& bridge : snapshot.bridges) bridges.push_back(BridgeToJson(bridge));
  json names = json::object();
  for (const auto& [identity, name] : snapshot.names) names[identity.ToString()] = name;
  return {{"bridges", bridges}, {"names", names}};
}

Result<ApplySnapshot> SnapshotFromJson(const json& object) {
  if (!object.is_object()) return Status::Error("the recorded state is not an object");
  ApplySnapshot snapshot;
  Reader reader;
  auto bridges = object.find("bridges");
  if (bridges == object.end() || !bridges->is_array()) return Status::Error("the recorded state has no bridge list");
  for (const auto& bridge : *bridges)
    if (!reader.Bridge(bridge, snapshot.bridges.emplace_back()))
      return Status::Error("a recorded bridge cannot be read: " + reader.error);
  auto names = object.find("names");
  if (names == object.end() || !names->is_object()) return Status::Error("the recorded state has no NIC names");
  for (const auto& [key, name] : names->items()) {
    auto identity = MacAddress::Parse(key);
    if (!identity || !name.is_string()) return Status::Error("a recorded NIC name cannot be read: " + key);
    snapshot.names[*identity] = name.get<std::string>();
  }
  return snapshot;
}

}  // namespace failoverd
