#include "failoverd/daemon/last_good.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <regex>
#include <sstream>

#include "failoverd/daemon/event_log.h"
#include "failoverd/runtime/atomic_file.h"
#include "firewall/shipped_zones.h"
#include "policy/policy_parser.h"

namespace failoverd {

namespace {

uint64_t Fnv1a(uint64_t hash, const std::string& text) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// The text LoadZone would parse for `zone` in `zones_dir`.
Result<std::string> ZoneText(const std::string& zones_dir, const std::string& zone) {
  const std::string path = zones_dir + (zones_dir.ends_with("/") ? "" : "/") + zone + ".nft";
  auto text = ReadWholeFile(path);
  if (text) return text;
  if (auto shipped = firewall::ShippedZoneText(zone)) return std::string(*shipped);
  return Status::Error(path + ": " + text.message());
}

}  // namespace

std::string PolicyCopy::Fingerprint() const {
  uint64_t hash = 14695981039346656037ull;
  hash = Fnv1a(hash, text);
  for (const auto& [owner, zone] : zones) {
    hash = Fnv1a(hash, std::string(1, '\0') + owner + '\0' + zone.name + '\0');
    hash = Fnv1a(hash, zone.text);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

Result<PolicyCopy> CopyPolicy(const std::string& file, const policy::Policy& policy) {
  PolicyCopy copy;
  copy.file = file;
  auto text = ReadWholeFile(file);
  if (!text) return Status::Error("cannot read " + file + ": " + text.message());
  copy.text = *text;
  auto add = [&](const std::string& owner, const std::string& zone) -> Status {
    auto zone_text = ZoneText(policy.daemon.zones_dir, zone);
    if (!zone_text) return zone_text.status();
    copy.zones[owner] = {zone, *zone_text};
    return Status::Ok();
  };
  for (const auto& bridge : policy.bridges)
    if (Status added = add(bridge.name, bridge.zone); !added) return added;
  for (const auto& interface : policy.interfaces)
    if (Status added = add(interface.name, interface.zone); !added) return added;
  return copy;
}

Result<CopiedPolicy> Restore(const PolicyCopy& copy, const std::string& label) {
  auto parsed = policy::ParsePolicyText(copy.text, label);
  if (!parsed.policy) {
    std::string errors;
    for (const auto& error : parsed.errors) errors += (errors.empty() ? "" : "; ") + error.ToString();
    return Status::Error("the last good policy does not parse (any more): " + errors);
  }
  CopiedPolicy out{std::move(*parsed.policy), {}};
  for (const auto& [owner, zone] : copy.zones) {
    auto fragment = firewall::ParseZone(zone.text, zone.name, label + " (zone " + zone.name + ")");
    if (!fragment) return Status::Error("the last good zone " + zone.name + " does not parse: " + fragment.message());
    out.zones[owner] = std::move(*fragment);
  }
  return out;
}

Result<std::optional<LastGood::Saved>> LastGood::Load() const {
  auto text = ReadWholeFile(path());
  if (!text) {
    if (text.message().find("No such file") != std::string::npos) return std::optional<Saved>();
    return Status::Error("cannot read " + path() + ": " + text.message());
  }
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.value("policy", nlohmann::json()).is_string() ||
      !json.value("zones", nlohmann::json()).is_object())
    return Status::Error(path() + " is not a last good policy failoverd wrote");
  Saved saved;
  saved.saved_at = json.value("saved_at", "");
  saved.copy.file = json.value("file", "");
  saved.copy.text = json["policy"].get<std::string>();
  for (const auto& [owner, zone] : json["zones"].items()) {
    if (!zone.is_object() || !zone.value("zone", nlohmann::json()).is_string() ||
        !zone.value("text", nlohmann::json()).is_string())
      return Status::Error(path() + ": zone of " + owner + " is unreadable");
    saved.copy.zones[owner] = {zone["zone"].get<std::string>(), zone["text"].get<std::string>()};
  }
  return std::optional<Saved>(std::move(saved));
}

Status LastGood::Save(const PolicyCopy& copy, std::chrono::system_clock::time_point at) const {
  nlohmann::json zones = nlohmann::json::object();
  for (const auto& [owner, zone] : copy.zones) zones[owner] = {{"zone", zone.name}, {"text", zone.text}};
  const nlohmann::json json = {{"saved_at", FormatRfc3339(at)},
                               {"file", copy.file},
                               {"fingerprint", copy.Fingerprint()},
                               {"policy", copy.text},
                               {"zones", zones}};
  // Invalid UTF-8 in a policy or zone text (a comment in Latin-1) is kept as it is.
  return WriteFileAtomically(path(), json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0600);
}

std::string StateDirOfBrokenPolicy(const std::string& path) {
  const std::string fallback = policy::DaemonSettings{}.state_dir;
  auto text = ReadWholeFile(path);
  if (!text) return fallback;
  // A line-by-line look, since the file as a whole is not valid TOML: the last
  // `state_dir = "/abs/path"` inside [daemon].
  std::istringstream lines(*text);
  std::string line;
  bool in_daemon = false;
  std::string found;
  static const std::regex kSection(R"(^\s*\[\s*([A-Za-z0-9_.]+)\s*\]\s*(#.*)?$)");
  static const std::regex kStateDir(R"re(^\s*state_dir\s*=\s*"(/[^"\\]*)"\s*(#.*)?$)re");
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, kSection)) in_daemon = match[1] == "daemon";
    else if (in_daemon && std::regex_match(line, match, kStateDir)) found = match[1];
  }
  return found.empty() ? fallback : found;
}

}  // namespace failoverd
