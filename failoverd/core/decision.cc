#include "failoverd/core/decision.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "failoverd/core/bridge_mac.h"
#include "failoverd/core/name_allocator.h"
#include "failoverd/core/nic_match.h"

namespace failoverd::core {

const char* ToString(NicRole role) {
  switch (role) {
    case NicRole::kActive: return "active";
    case NicRole::kStandby: return "standby";
    case NicRole::kSpare: return "spare";
    case NicRole::kPending: return "pending";
    case NicRole::kQuarantined: return "quarantined";
    case NicRole::kManual: return "manual";
  }
  return "?";
}

const NicDecision* Decision::FindNic(int ifindex) const {
  for (const auto& nic : nics)
    if (nic.ifindex == ifindex) return &nic;
  return nullptr;
}

const BridgeDecision* Decision::FindBridge(const std::string& name) const {
  for (const auto& bridge : bridges)
    if (bridge.policy->name == name) return &bridge;
  return nullptr;
}

std::string ManualAttachProblem(const NicDecision& nic, const policy::Bridge& bridge) {
  if (bridge.mode != policy::BridgeMode::kActiveBackup)
    return bridge.name + " is not an active-backup bridge: it takes no NICs";
  const Identification& id = nic.identification;
  const std::string why = id.reason.empty() ? "" : " (" + id.reason + ")";
  switch (id.verdict) {
    case Identification::Verdict::kMatched:
      if (id.bridge == bridge.name) return "";
      return nic.name + "'s cable carries " + id.bridge + "'s network" + why + ": attaching it to " + bridge.name +
             " would bridge two networks";
    case Identification::Verdict::kConflict:
      return nic.name + "'s cable shows more than one network" + why;
    case Identification::Verdict::kUnknown:
    case Identification::Verdict::kUndetermined:
      if (id.contradicted.count(bridge.name))
        return nic.name + "'s cable is not on " + bridge.name + "'s network" + why + ": attaching it would bridge two networks";
      return "";
  }
  return "";
}

namespace {

using Ms = std::chrono::milliseconds;

// Carrier timing of one NIC, judged against the policy's debounce settings.
struct Health {
  bool carrier = false;
  std::optional<MonoTime> since;  // nullopt: unchanged since before the daemon started

  // May be taken into service: carrier for at least up_delay.
  bool Usable(MonoTime now, Ms up_delay) const {
    return carrier && (!since || now - *since >= up_delay);
  }
  // May keep its job: carrier, or lost for less than hold_down.
  bool Working(MonoTime now, Ms hold_down) const {
    return carrier || (since && now - *since < hold_down);
  }
};

// The active-backup bridges' `ports` selectors, arranged so that finding the bridge
// that prefers a NIC costs a MAC lookup plus the non-MAC selectors, not every selector
// of every bridge (policies list NICs by MAC, and a host may have hundreds).
class PortIndex {
 public:
  struct Match {
    size_t bridge = 0;  // index in policy.bridges
    int port = 0;       // index in that bridge's ports
    auto operator<=>(const Match&) const = default;
  };

  explicit PortIndex(const policy::Policy& policy) {
    for (size_t b = 0; b < policy.bridges.size(); ++b) {
      const policy::Bridge& bridge = policy.bridges[b];
      if (bridge.mode != policy::BridgeMode::kActiveBackup) continue;
      for (size_t p = 0; p < bridge.ports.size(); ++p) {
        const policy::NicSelector& selector = bridge.ports[p];
        const Match match{b, static_cast<int>(p)};
        const auto mac = selector.kind == policy::NicSelector::Kind::kMac ? MacAddress::Parse(selector.pattern)
                                                                            : std::nullopt;
        if (mac)
          by_mac_.push_back({*mac, match});
        else
          others_.push_back({&selector, match});
      }
    }
    // By MAC, and for one MAC the first (bridge, port), which ranks first.
    std::sort(by_mac_.begin(), by_mac_.end());
  }

  // The first bridge in policy order with a port selector matching `link`, and the
  // first such port; the same answer as PreferenceIndex over every bridge in turn.
  // `named_link()` gives the link as the selectors see it; it is called only if a
  // selector other than a MAC needs it.
  template <typename NamedLink>
  std::optional<Match> FirstMatch(const MacAddress& identity, NamedLink named_link) const {
    std::optional<Match> best;
    auto it = std::lower_bound(by_mac_.begin(), by_mac_.end(), identity,
                               [](const auto& entry, const MacAddress& key) { return entry.first < key; });
    if (it != by_mac_.end() && it->first == identity) best = it->second;
    if (others_.empty() || (best && !(others_.front().second < *best))) return best;
    const LinkInfo link = named_link();
    for (const auto& [selector, match] : others_) {
      if (best && !(match < *best)) break;  // others_ is in (bridge, port) order
      if (MatchesSelector(*selector, link)) best = match;
    }
    return best;
  }

 private:
  std::vector<std::pair<MacAddress, Match>> by_mac_;
  std::vector<std::pair<const policy::NicSelector*, Match>> others_;
};

class Decider {
 public:
  explicit Decider(const DecisionInput& input)
      : in_(input),
        up_delay_(input.policy.daemon.up_delay_ms),
        hold_down_(input.policy.daemon.hold_down_ms) {}

  Decision Run() {
    CollectNics();
    AssignNames();
    AssignPreferences();
    if (AnyIdentifyKeys(in_.policy)) ApplyIdentification();
    if (in_.overrides) ApplyOverrides();
    IndexCandidates();
    for (const auto& bridge : in_.policy.bridges) DecideBridge(bridge);
    return std::move(out_);
  }

 private:
  void CollectNics() {
    out_.nics.reserve(in_.observed.links().size());
    out_.bridges.reserve(in_.policy.bridges.size());
    for (const auto& [ifindex, link] : in_.observed.links()) {
      if (!IsManagedNic(in_.policy.nics, link) || (in_.left_alone && in_.left_alone->count(ifindex))) {
        foreign_names_.push_back(&link.name);
        continue;
      }
      NicDecision nic;
      nic.ifindex = ifindex;
      nic.identity = link.identity();
      nic.current_name = link.name;
      const bool pending = WaitingForUdev(link);
      nic.role = pending ? NicRole::kPending : NicRole::kSpare;
      nic.reason = pending ? "waiting for udev" : "preferred by no bridge";
      out_.nics.push_back(std::move(nic));
    }
  }

  // With udev_source = "udev", a NIC is left alone until udevd has processed it
  // (renaming it under udevd's feet would race its own naming), but no longer than
  // kUdevWait. With "kernel" there is no udevd to wait for.
  bool WaitingForUdev(const LinkInfo& link) {
    if (in_.policy.daemon.udev_source != policy::UdevSource::kUdev || link.udev_ready) return false;
    const MonoTime deadline = in_.observed.FirstSeen(link.ifindex) + kUdevWait;
    if (in_.now >= deadline) return false;
    WakeAt(deadline);
    return true;
  }

  void AssignNames() {
    if (AssignRememberedNames()) return;
    std::vector<NamingInput> inputs;
    for (const auto& nic : out_.nics)
      if (nic.role != NicRole::kPending) inputs.push_back({nic.identity, nic.current_name});
    std::set<std::string> reserved;
    for (const std::string* name : foreign_names_) reserved.insert(*name);
    for (const auto& bridge : in_.policy.bridges) reserved.insert(bridge.name);
    NameAllocator allocator(in_.policy.nics.prefix, in_.remembered_names, reserved);
    const auto names = allocator.Assign(inputs);
    for (auto& nic : out_.nics) {
      auto it = names.find(nic.identity);
      nic.name = it != names.end() ? it->second : nic.current_name;
    }
  }

  // The allocator's first rule alone, when it is all there is to do: every NIC is
  // remembered and gets its name back. (The allocator copies the naming state; a settled
  // host would pay for that on every event.) False, with nothing changed, otherwise.
  bool AssignRememberedNames() {
    std::vector<const std::string*> names;
    names.reserve(out_.nics.size());
    for (const auto& nic : out_.nics) {
      if (nic.role == NicRole::kPending) {
        names.push_back(&nic.current_name);
        continue;
      }
      auto it = in_.remembered_names.find(nic.identity);
      if (it == in_.remembered_names.end()) return false;
      names.push_back(&it->second);
    }
    for (size_t i = 0; i < out_.nics.size(); ++i) out_.nics[i].name = *names[i];
    return true;
  }

  // The link as the policy's selectors see it: under its service name.
  LinkInfo AsNamed(const NicDecision& nic) const {
    LinkInfo link = *in_.observed.Find(nic.ifindex);
    link.name = nic.name;
    return link;
  }

  // A NIC preferred by several bridges belongs to the first in policy order, at the
  // first of that bridge's ports that matches it.
  void AssignPreferences() {
    const PortIndex ports(in_.policy);
    for (auto& nic : out_.nics) {
      if (nic.role == NicRole::kPending) continue;
      const auto match = ports.FirstMatch(nic.identity, [&] { return AsNamed(nic); });
      if (!match) continue;
      const policy::Bridge& bridge = in_.policy.bridges[match->bridge];
      nic.bridge = bridge.name;
      nic.preference = match->port;
      nic.role = NicRole::kStandby;
      nic.reason = "preferred by " + bridge.name;
    }
  }

  const NicEvidence* EvidenceOf(int ifindex) const {
    if (!in_.evidence) return nullptr;
    auto it = in_.evidence->find(ifindex);
    return it == in_.evidence->end() ? nullptr : &it->second;
  }

  // What the cable carries overrides what the policy prefers: a NIC seen on another
  // bridge's network serves that bridge; one that matches none, or several, is
  // quarantined (unless it only serves a bridge that asks for no check).
  void ApplyIdentification() {
    static const NicEvidence kNothing;
    for (auto& nic : out_.nics) {
      if (nic.role == NicRole::kPending) continue;
      const NicEvidence* evidence = EvidenceOf(nic.ifindex);
      if (!evidence) evidence = &kNothing;
      nic.identification = Identify(in_.policy, evidence->fingerprint, evidence->probing_done);
      const Identification& id = nic.identification;
      switch (id.verdict) {
        case Identification::Verdict::kMatched: {
          nic.network = id.bridge;
          if (nic.bridge == id.bridge) break;
          const policy::Bridge* target = in_.policy.FindBridge(id.bridge);
          if (nic.bridge.empty() && !target->spares) {
            nic.reason = "seen on " + id.bridge + "'s network, which takes no spares";
            break;
          }
          nic.reason = (nic.bridge.empty() ? "identified on " + id.bridge
                                           : "moved " + nic.bridge + " -> " + id.bridge) + ": " + id.reason;
          nic.placement = NicPlacement::kIdentified;
          nic.bridge = id.bridge;
          const int index = PreferenceIndex(target->ports, AsNamed(nic));
          // Not among the target's preferred NICs: it ranks after them.
          nic.preference = index >= 0 ? index : static_cast<int>(target->ports.size());
          nic.role = NicRole::kStandby;
          break;
        }
        case Identification::Verdict::kConflict:
        case Identification::Verdict::kUnknown: {
          nic.network = "unknown";
          // "No check" lets a NIC on an unrecognised network serve; answers from two
          // networks on one cable are never trusted.
          const policy::Bridge* serves = nic.bridge.empty() ? nullptr : in_.policy.FindBridge(nic.bridge);
          if (id.verdict == Identification::Verdict::kUnknown && serves &&
              serves->identify.require == policy::Require::kNone)
            break;
          nic.role = NicRole::kQuarantined;
          nic.reason = "quarantined: " + id.reason;
          nic.bridge.clear();
          nic.preference = -1;
          break;
        }
        case Identification::Verdict::kUndetermined:
          break;
      }
    }
  }

  // A NIC the administrator attached or detached by hand is the daemon's no more,
  // except that an attach its cable contradicts is suspended: never two networks
  // bridged, whoever asks.
  void ApplyOverrides() {
    for (auto& nic : out_.nics) {
      if (nic.role == NicRole::kPending) continue;
      auto it = in_.overrides->manual.find(nic.identity);
      if (it == in_.overrides->manual.end()) continue;
      const std::string& target = it->second;
      nic.role = NicRole::kManual;
      nic.bridge.clear();
      nic.preference = -1;
      if (target.empty()) {
        nic.reason = "detached by the administrator until `failoverctl auto " + nic.name + "`";
        continue;
      }
      const policy::Bridge* bridge = in_.policy.FindBridge(target);
      std::string problem = bridge ? ManualAttachProblem(nic, *bridge) : target + " is not in the policy";
      if (problem.empty() && manual_ports_.count(target))
        problem = manual_ports_[target]->name + " is already attached to " + target + " by hand";
      if (!problem.empty()) {
        nic.reason = "manual attach to " + target + " suspended: " + problem;
        continue;
      }
      nic.bridge = target;
      nic.reason = "attached to " + target + " by the administrator until `failoverctl auto " + nic.name + "`";
      manual_ports_[target] = &nic;
    }
  }

  // Which NICs DecideBridge must look at for each bridge: those that serve it
  // (preferred, or moved to it by identification) and the spares. Grouped once, so
  // deciding all bridges is linear in the NICs unless many bridges take spares.
  void IndexCandidates() {
    for (auto& nic : out_.nics) {
      if (nic.role == NicRole::kPending || nic.role == NicRole::kQuarantined || nic.role == NicRole::kManual) continue;
      if (!nic.bridge.empty()) serving_[nic.bridge].push_back(&nic);
      if (nic.role == NicRole::kSpare) spare_nics_.push_back(&nic);
    }
  }

  // The NICs that may serve `bridge` or be its spare, in the order of out_.nics;
  // `scratch` holds them when the list has to be put together.
  const std::vector<NicDecision*>& CandidatesFor(const policy::Bridge& bridge,
                                                  std::vector<NicDecision*>& scratch) const {
    static const std::vector<NicDecision*> kNone;
    auto it = serving_.find(bridge.name);
    const std::vector<NicDecision*>& serving = it != serving_.end() ? it->second : kNone;
    if (!bridge.spares || spare_nics_.empty()) return serving;
    scratch = serving;
    scratch.insert(scratch.end(), spare_nics_.begin(), spare_nics_.end());
    std::sort(scratch.begin(), scratch.end(), std::less<>());
    scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
    return scratch;
  }

  // Whether `nic` may be a port of `bridge` as far as identification goes.
  bool Eligible(const NicDecision& nic, const policy::Bridge& bridge) const {
    if (nic.role == NicRole::kQuarantined) return false;
    const Identification& id = nic.identification;
    if (id.verdict == Identification::Verdict::kMatched) return id.bridge == bridge.name;
    switch (bridge.identify.require) {
      case policy::Require::kNone:
        return true;
      case policy::Require::kConfirmed:
        return false;
      case policy::Require::kRemembered: {
        const NicEvidence* evidence = EvidenceOf(nic.ifindex);
        return evidence && evidence->remembered_network == bridge.name && !id.contradicted.count(bridge.name);
      }
    }
    return false;
  }

  Health HealthOf(const NicDecision& nic) const {
    return {in_.observed.Find(nic.ifindex)->carrier, in_.observed.CarrierSince(nic.ifindex)};
  }

  void WakeAt(MonoTime when) {
    if (!out_.next_wakeup || when < *out_.next_wakeup) out_.next_wakeup = when;
  }

  // Notes when a NIC with carrier becomes usable, so Decide runs again then.
  bool UsableOrWake(const NicDecision& nic) {
    const Health health = HealthOf(nic);
    if (health.Usable(in_.now, up_delay_)) return true;
    if (health.carrier && health.since) WakeAt(*health.since + up_delay_);
    return false;
  }

  void DecideBridge(const policy::Bridge& bridge) {
    BridgeDecision decision;
    decision.policy = &bridge;
    if (bridge.mode != policy::BridgeMode::kActiveBackup) {
      decision.mac = MacFor(bridge, {});
      decision.reason = "internal bridge: no NICs";
      out_.bridges.push_back(std::move(decision));
      return;
    }
    const int bridge_ifindex = BridgeIfindex(bridge.name);

    std::vector<NicDecision*> preferred;
    std::vector<NicDecision*> spares;
    NicDecision* current = nullptr;
    std::vector<NicDecision*> waiting;  // would serve, but not identified for it
    std::vector<NicDecision*> scratch;
    for (NicDecision* candidate : CandidatesFor(bridge, scratch)) {
      NicDecision& nic = *candidate;
      const bool eligible = Eligible(nic, bridge);
      if (nic.bridge == bridge.name) (eligible ? preferred : waiting).push_back(&nic);
      if (nic.role == NicRole::kSpare && !claimed_.count(nic.ifindex) && eligible) spares.push_back(&nic);
      const bool enslaved_here =
          bridge_ifindex != 0 && in_.observed.Find(nic.ifindex)->master == bridge_ifindex;
      const bool may_serve = eligible && (nic.bridge == bridge.name ||
                                          (nic.role == NicRole::kSpare && bridge.spares && !claimed_.count(nic.ifindex)));
      if (enslaved_here && may_serve && (!current || Ranks(nic, *current))) current = &nic;
    }
    for (NicDecision* nic : waiting)
      if (nic->placement != NicPlacement::kIdentified)
        nic->reason = "waiting for identification on " + bridge.name + "'s network (" + nic->identification.reason + ")";
    auto by_rank = [](const NicDecision* a, const NicDecision* b) { return Ranks(*a, *b); };
    std::sort(preferred.begin(), preferred.end(), by_rank);
    std::sort(spares.begin(), spares.end(), by_rank);
    decision.mac = MacFor(bridge, preferred);

    if (in_.overrides && in_.overrides->isolated.count(bridge.name)) {
      decision.isolated = true;
      decision.reason = "isolated by the administrator until `failoverctl restore " + bridge.name + "`";
      for (NicDecision* nic : preferred) nic->reason = "standby for " + bridge.name + " (isolated)";
      if (auto manual = manual_ports_.find(bridge.name); manual != manual_ports_.end())
        manual->second->reason += "; not attached while " + bridge.name + " is isolated";
      out_.bridges.push_back(std::move(decision));
      return;
    }
    if (auto manual = manual_ports_.find(bridge.name); manual != manual_ports_.end()) {
      decision.active = manual->second->ifindex;
      decision.reason = manual->second->name + " attached by the administrator";
      for (NicDecision* nic : preferred)
        nic->reason = "standby for " + bridge.name + " (" + manual->second->name + " attached by hand)";
      out_.bridges.push_back(std::move(decision));
      return;
    }

    NicDecision* chosen = nullptr;
    std::string reason;
    const Health current_health = current ? HealthOf(*current) : Health{};
    if (NicDecision* restored = RestoredPort(bridge, preferred, spares); restored && UsableOrWake(*restored)) {
      chosen = restored;
      reason = restored->name + " put back as the active port recorded before the apply (rollback)";
    } else if (current && current_health.Working(in_.now, hold_down_)) {
      chosen = current;
      reason = current->name + " keeps the job (carrier " + (current_health.carrier ? "up" : "in hold-down") + ")";
      if (!current_health.carrier && current_health.since) WakeAt(*current_health.since + hold_down_);
      if (bridge.failback == policy::Failback::kPreferred) {
        for (NicDecision* nic : preferred) {
          if (nic == current || (current->preference >= 0 && nic->preference >= current->preference)) break;
          if (UsableOrWake(*nic)) {
            chosen = nic;
            reason = "failback to preferred " + nic->name + " from " + current->name;
            break;
          }
        }
      }
    } else {
      const std::string lost = current ? current->name + " lost carrier; " : "";
      for (NicDecision* nic : preferred) {
        if (UsableOrWake(*nic)) {
          chosen = nic;
          const bool listed = nic->preference < static_cast<int>(bridge.ports.size());
          reason = lost + nic->name + (listed ? " is the first preferred NIC with carrier"
                                              : " is the first NIC with carrier on " + bridge.name + "'s network");
          break;
        }
      }
      if (!chosen && bridge.spares) {
        for (NicDecision* nic : spares) {
          if (UsableOrWake(*nic)) {
            chosen = nic;
            reason = lost + "no preferred NIC has carrier; spare " + nic->name + " taken";
            break;
          }
        }
      }
      if (!chosen && current) {
        // Nothing better: keep the dead port attached rather than leave the bridge
        // with none, so it forwards again the moment its cable comes back.
        chosen = current;
        reason = current->name + " lost carrier and no other NIC is usable";
      }
      if (!chosen) {
        reason = "no NIC with carrier";
        if (!waiting.empty() && bridge.identify.require != policy::Require::kNone)
          reason = "no NIC identified on " + bridge.name + "'s network (require = " +
                   policy::ToString(bridge.identify.require) + ")";
      }
    }

    if (chosen) {
      // Keep the story of a move in the reason of the NIC that now serves.
      if (chosen->placement == NicPlacement::kIdentified)
        reason = chosen->reason + "; " + reason;
      if (chosen->role == NicRole::kSpare) {
        claimed_.insert(chosen->ifindex);
        chosen->bridge = bridge.name;
      }
      chosen->role = NicRole::kActive;
      chosen->reason = reason;
      decision.active = chosen->ifindex;
    }
    for (NicDecision* nic : preferred)
      if (nic != chosen && nic->placement != NicPlacement::kIdentified)
        nic->reason = "standby for " + bridge.name + (HealthOf(*nic).carrier ? "" : ", no carrier");
    if (chosen) {
      auto add_successors = [&](const std::vector<NicDecision*>& nics, NicRole role) {
        for (NicDecision* nic : nics)
          if (nic != chosen && nic->role == role && MayTakeOver(*nic)) decision.successors.push_back(nic->ifindex);
      };
      add_successors(preferred, NicRole::kStandby);
      if (bridge.spares) add_successors(spares, NicRole::kSpare);
    }
    decision.reason = reason;
    out_.bridges.push_back(std::move(decision));
  }

  // A successor: not in up_delay now. One without carrier is listed (whoever acts on
  // the list checks the carrier at that moment).
  bool MayTakeOver(const NicDecision& nic) const {
    const Health health = HealthOf(nic);
    return !health.carrier || health.Usable(in_.now, up_delay_);
  }

  // The NIC a rollback puts back as `bridge`'s active port, if it may serve the
  // bridge now (one of its NICs, or a spare it may take); nullptr otherwise.
  NicDecision* RestoredPort(const policy::Bridge& bridge, const std::vector<NicDecision*>& preferred,
                            const std::vector<NicDecision*>& spares) const {
    if (!in_.restore_active) return nullptr;
    auto hint = in_.restore_active->find(bridge.name);
    if (hint == in_.restore_active->end()) return nullptr;
    for (NicDecision* nic : preferred)
      if (nic->identity == hint->second) return nic;
    if (bridge.spares)
      for (NicDecision* nic : spares)
        if (nic->identity == hint->second) return nic;
    return nullptr;
  }

  // Preferred NICs by preference order, then spares; names break ties.
  static bool Ranks(const NicDecision& a, const NicDecision& b) {
    const int pa = a.preference < 0 ? 1 << 20 : a.preference;
    const int pb = b.preference < 0 ? 1 << 20 : b.preference;
    if (pa != pb) return pa < pb;
    return a.name < b.name;
  }

  int BridgeIfindex(const std::string& name) const {
    const LinkInfo* link = in_.observed.FindByName(name);
    return link && link->is_bridge() ? link->ifindex : 0;
  }

  MacAddress MacFor(const policy::Bridge& bridge, const std::vector<NicDecision*>& preferred) const {
    switch (bridge.mac.kind) {
      case policy::MacRule::Kind::kExplicit:
        return bridge.mac.value;
      case policy::MacRule::Kind::kInherit:
        if (!preferred.empty()) return preferred.front()->identity;
        break;
      case policy::MacRule::Kind::kStable:
        break;
    }
    return StableBridgeMac(in_.machine_id, bridge.name);
  }

  const DecisionInput& in_;
  const Ms up_delay_;
  const Ms hold_down_;
  Decision out_;
  std::vector<const std::string*> foreign_names_;  // links it does not manage, into in_.observed
  std::set<int> claimed_;  // spares already taken by an earlier bridge
  std::unordered_map<std::string, std::vector<NicDecision*>> serving_;  // bridge -> NICs that serve it
  std::vector<NicDecision*> spare_nics_;                      // NICs that were spares before any bridge chose
  std::map<std::string, NicDecision*> manual_ports_;  // bridge -> the NIC attached to it by hand
};

}  // namespace

Decision Decide(const DecisionInput& input) { return Decider(input).Run(); }

}  // namespace failoverd::core
