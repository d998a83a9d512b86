#include "failoverd/core/identify.h"

#include <algorithm>

namespace failoverd::core {

const char* ToString(Identification::Verdict verdict) {
  switch (verdict) {
    case Identification::Verdict::kUndetermined: return "undetermined";
    case Identification::Verdict::kMatched: return "matched";
    case Identification::Verdict::kUnknown: return "unknown";
    case Identification::Verdict::kConflict: return "conflict";
  }
  return "?";
}

bool AnyIdentifyKeys(const policy::Policy& policy) {
  return std::any_of(policy.bridges.begin(), policy.bridges.end(),
                     [](const policy::Bridge& b) { return b.identify.HasAnyKey(); });
}

namespace {

struct Evidence {
  bool for_it = false;
  bool against = false;
  std::string why;
};

bool HasLldpKeys(const policy::Identify& id) { return id.lldp_chassis || id.lldp_port || id.lldp_system; }

void JudgeLldp(const policy::Identify& id, const LldpNeighbor& lldp, Evidence& e) {
  if (!HasLldpKeys(id)) return;
  std::string why;
  bool all = true;
  if (id.lldp_chassis) {
    all = all && GlobMatch(*id.lldp_chassis, lldp.chassis_id);
    why = "LLDP chassis " + lldp.chassis_id;
  }
  if (id.lldp_system) {
    all = all && GlobMatch(*id.lldp_system, lldp.system_name);
    why += std::string(why.empty() ? "LLDP " : ", ") + "system " + lldp.system_name;
  }
  if (id.lldp_port) {
    all = all && (GlobMatch(*id.lldp_port, lldp.port_id) || GlobMatch(*id.lldp_port, lldp.port_description));
    why += std::string(why.empty() ? "LLDP " : ", ") + "port " + lldp.port_id;
  }
  if (all) {
    e.for_it = true;
    e.why = why;
  } else {
    e.against = true;
  }
}

void JudgeRa(const policy::Identify& id, const std::vector<IpPrefix>& prefixes, Evidence& e) {
  if (!id.ra_prefix || prefixes.empty()) return;
  for (const auto& prefix : prefixes) {
    if (prefix.length == id.ra_prefix->length && id.ra_prefix->Contains(prefix.address)) {
      e.for_it = true;
      if (e.why.empty()) e.why = "RA prefix " + id.ra_prefix->ToString();
      return;
    }
  }
  e.against = true;
}

void JudgeArp(const policy::Identify& id, const std::vector<ArpAnswer>& answers, Evidence& e) {
  if (!id.arp_target) return;
  for (const auto& answer : answers) {
    if (answer.target == *id.arp_target) {
      e.for_it = true;
      if (e.why.empty()) e.why = "ARP answer for " + id.arp_target->ToString() + " from " + answer.mac.ToString();
      return;
    }
  }
}

}  // namespace

Identification Identify(const policy::Policy& policy, const Fingerprint& fingerprint, bool probing_done) {
  Identification out;
  std::vector<std::string> reasons;
  std::vector<std::string> supported;  // bridges with evidence for them
  for (const auto& bridge : policy.bridges) {
    if (!bridge.identify.HasAnyKey()) continue;
    Evidence e;
    if (fingerprint.lldp) JudgeLldp(bridge.identify, *fingerprint.lldp, e);
    JudgeRa(bridge.identify, fingerprint.ra_prefixes, e);
    JudgeArp(bridge.identify, fingerprint.arp, e);
    if (e.against) out.contradicted.insert(bridge.name);
    if (e.for_it) {
      supported.push_back(bridge.name);
      reasons.push_back(e.why + " matches " + bridge.name);
    }
  }
  // Evidence for two networks is a conflict even when one of them is also spoken
  // against: that cable cannot be trusted with either.
  if (supported.size() > 1) {
    out.verdict = Identification::Verdict::kConflict;
    out.matched = supported;
    out.reason = "matches several networks: ";
    for (size_t i = 0; i < reasons.size(); ++i) out.reason += (i ? "; " : "") + reasons[i];
    return out;
  }
  if (supported.size() == 1 && !out.contradicted.count(supported.front())) out.matched = supported;
  size_t with_keys = 0;
  for (const auto& bridge : policy.bridges) with_keys += bridge.identify.HasAnyKey() ? 1 : 0;
  // Evidence against every bridge settles it early; otherwise wait for the probes.
  const bool all_contradicted = with_keys > 0 && out.contradicted.size() == with_keys;
  if (out.matched.size() == 1) {
    out.verdict = Identification::Verdict::kMatched;
    out.bridge = out.matched.front();
    out.reason = reasons.front();
  } else if (all_contradicted || probing_done) {
    out.verdict = Identification::Verdict::kUnknown;
    out.reason = all_contradicted ? "what the cable carries matches no bridge"
                                  : "no identification answer on the cable";
  } else {
    out.reason = "identification in progress";
  }
  return out;
}

}  // namespace failoverd::core
