#include "failoverd/core/plan.h"

#include <algorithm>
#include <string_view>

namespace failoverd::core {

const char* ToString(Action::Type type) {
  switch (type) {
    case Action::Type::kRename: return "rename";
    case Action::Type::kPrepareNic: return "prepare";
    case Action::Type::kLinkUp: return "up";
    case Action::Type::kCreateBridge: return "create-bridge";
    case Action::Type::kInstallZone: return "install-zone";
    case Action::Type::kConfigureL3: return "configure-l3";
    case Action::Type::kBridgeUp: return "bridge-up";
    case Action::Type::kDetach: return "detach";
    case Action::Type::kAttach: return "attach";
    case Action::Type::kAnnounce: return "announce";
    case Action::Type::kUpdateBridge: return "update-bridge";
    case Action::Type::kDeleteBridge: return "delete-bridge";
    case Action::Type::kRemoveZone: return "remove-zone";
  }
  return "?";
}

std::string Action::Describe() const {
  std::string text;
  switch (type) {
    case Type::kRename: text = name + ": rename (was ifindex " + std::to_string(ifindex) + ")"; break;
    case Type::kPrepareNic: text = name + ": strip addresses, disable IPv6, ignore ARP"; break;
    case Type::kLinkUp: text = name + ": set up"; break;
    case Type::kCreateBridge:
      text = bridge + ": create bridge, mac " + spec.mac.ToString() + ", stp " + (spec.stp ? "on" : "off") +
             ", forward delay " + std::to_string(spec.forward_delay_s) + " s";
      break;
    case Type::kInstallZone: text = bridge + ": install firewall zone"; break;
    case Type::kConfigureL3: text = bridge + ": configure static addresses and gateway"; break;
    case Type::kBridgeUp: text = bridge + ": set up"; break;
    case Type::kDetach: text = name + ": detach from " + bridge; break;
    case Type::kAttach: text = name + ": attach to " + bridge; break;
    case Type::kAnnounce: text = name + ": announce " + bridge + "'s addresses and MACs"; break;
    case Type::kUpdateBridge:
      text = bridge + ": set mac " + spec.mac.ToString() + ", stp " + (spec.stp ? "on" : "off") + ", forward delay " +
             std::to_string(spec.forward_delay_s) + " s";
      break;
    case Type::kDeleteBridge: text = bridge + ": delete bridge and its firewall zone"; break;
    case Type::kRemoveZone: text = bridge + ": remove firewall zone"; break;
  }
  if (!reason.empty()) text += " (" + reason + ")";
  return text;
}

namespace {

class Planner {
 public:
  Planner(const policy::Policy& policy, const Decision& decision, const ObservedState& observed,
          const Progress& progress)
      : policy_(policy), decision_(decision), observed_(observed), progress_(progress) {
    nics_.reserve(decision_.nics.size());
    for (const auto& nic : decision_.nics) nics_.emplace_back(nic.ifindex, &nic);
    std::sort(nics_.begin(), nics_.end());
    bridges_.reserve(decision_.bridges.size());
    for (const auto& bridge : decision_.bridges) bridges_.emplace_back(bridge.policy->name, &bridge);
    std::sort(bridges_.begin(), bridges_.end());
  }

  Plan Run() {
    PlanRenames();
    PlanNics();
    // Bridge by bridge, each step for all bridges: every new bridge is created, then all
    // their zones go in (the executor installs a run of zones in one transaction), then they
    // come up. Each bridge still has its zone after it exists and before it is up.
    std::vector<BridgeStep> steps;
    steps.reserve(decision_.bridges.size());
    for (const auto& bridge : decision_.bridges) steps.push_back(PlanBridgeLink(bridge));
    for (const auto& step : steps) PlanBridgeZone(step);
    for (const auto& step : steps) PlanBridgeUp(step);
    PlanDetaches();
    PlanRetired();
    PlanAttaches(steps);
    return std::move(plan_);
  }

 private:
  void Add(Action::Type type, int ifindex, std::string name, std::string bridge, std::string reason) {
    Action action;
    action.type = type;
    action.ifindex = ifindex;
    action.name = std::move(name);
    action.bridge = std::move(bridge);
    action.reason = std::move(reason);
    plan_.actions.push_back(std::move(action));
  }

  // Renames, through temporary names when NICs swap names among themselves.
  void PlanRenames() {
    std::set<std::string> renaming_from;
    for (const auto& nic : decision_.nics)
      if (nic.role != NicRole::kPending && nic.current_name != nic.name) renaming_from.insert(nic.current_name);
    for (const auto& nic : decision_.nics) {
      if (nic.role == NicRole::kPending || nic.current_name == nic.name) continue;
      const bool target_busy = renaming_from.count(nic.name) > 0;
      if (target_busy) {
        swap_needed_ = true;
        break;
      }
    }
    for (const auto& nic : decision_.nics) {
      if (nic.role == NicRole::kPending || nic.current_name == nic.name) continue;
      if (swap_needed_) {
        Add(Action::Type::kRename, nic.ifindex, TempName(nic.ifindex), "", "making room for a name swap");
      }
    }
    for (const auto& nic : decision_.nics) {
      if (nic.role == NicRole::kPending || nic.current_name == nic.name) continue;
      Add(Action::Type::kRename, nic.ifindex, nic.name, "", "was " + nic.current_name);
      renamed_.insert(nic.ifindex);
    }
  }

  // What differs between failoverd's bridge `link` and `spec`, as "mac A -> B, stp on
  // -> off"; "" when it is as the policy says. The MAC counts only when `mac_pinned`: a
  // zero MAC in `spec` follows the ports, and an inherited one follows whichever NIC
  // ranks first now (a NIC unplugged or not yet identified would move it), so a
  // running bridge keeps the one it was given.
  static std::string DifferencesFrom(const LinkInfo& link, const BridgeSpec& spec, bool mac_pinned) {
    std::string out;
    auto add = [&out](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
    if (mac_pinned && !spec.mac.IsZero() && link.mac != spec.mac)
      add("mac " + link.mac.ToString() + " -> " + spec.mac.ToString());
    if (const auto& kernel = link.bridge_settings) {
      if (kernel->stp != spec.stp)
        add(std::string("stp ") + (kernel->stp ? "on" : "off") + " -> " + (spec.stp ? "on" : "off"));
      if (kernel->forward_delay_cs != spec.forward_delay_s * kUserHz)
        add("forward delay " + std::to_string(kernel->forward_delay_cs / kUserHz) + " -> " +
            std::to_string(spec.forward_delay_s) + " s");
    }
    if (link.alias != kOwnerMark) add("marked as failoverd's");
    return out;
  }

  static std::string TempName(int ifindex) { return "fodtmp" + std::to_string(ifindex); }

  void PlanNics() {
    for (const auto& nic : decision_.nics) {
      if (nic.role == NicRole::kPending) continue;
      if (!progress_.prepared_nics.count(nic.ifindex))
        Add(Action::Type::kPrepareNic, nic.ifindex, nic.name, "", "");
      const LinkInfo* link = observed_.Find(nic.ifindex);
      if (renamed_.count(nic.ifindex) || !link->admin_up)
        Add(Action::Type::kLinkUp, nic.ifindex, nic.name, "", "sense carrier");
    }
  }

  const NicDecision* FindNic(int ifindex) const {
    auto it = std::lower_bound(nics_.begin(), nics_.end(), ifindex,
                               [](const auto& entry, int key) { return entry.first < key; });
    return it != nics_.end() && it->first == ifindex ? it->second : nullptr;
  }
  const BridgeDecision* FindBridge(std::string_view name) const {
    auto it = std::lower_bound(bridges_.begin(), bridges_.end(), name,
                               [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != bridges_.end() && it->first == name ? it->second : nullptr;
  }

  // The link that holds `name` once the planned renames are done, or nullptr.
  const LinkInfo* HolderAfterRenames(const std::string& name) const {
    const LinkInfo* link = observed_.FindByName(name);
    if (!link) return nullptr;
    const NicDecision* nic = FindNic(link->ifindex);
    if (nic && nic->role != NicRole::kPending && nic->name != name) return nullptr;  // renamed away
    return link;
  }

  // One bridge as the bridge steps see it: the link that holds its name once the renames
  // are done (nullptr: it is being created), or not planned at all.
  struct BridgeStep {
    const BridgeDecision* bridge = nullptr;
    const LinkInfo* link = nullptr;
    bool planned = false;  // false: an earlier error, or its name held by another link
  };

  BridgeStep PlanBridgeLink(const BridgeDecision& bridge) {
    const std::string& name = bridge.policy->name;
    BridgeStep step{&bridge, nullptr, false};
    if (progress_.bridge_errors.count(name)) return step;
    const LinkInfo* link = HolderAfterRenames(name);
    if (link && !link->is_bridge()) {
      plan_.blocked[name] = "the name " + name + " is held by a link failoverd does not manage";
      RetireZone(name, "the name is held by a link failoverd does not manage");
      return step;
    }
    if (link && !IsOwnBridge(*link, progress_)) {
      plan_.blocked[name] = "bridge " + name + " was not made by failoverd (it lacks the alias '" +
                            std::string(kOwnerMark) + "'): left as it is, with its MAC, addresses and ports; " +
                            "delete it, or hand it over with `ip link set " + name + " alias " +
                            std::string(kOwnerMark) + "` or `failoverd --migrate`";
      RetireZone(name, "the name is held by a bridge failoverd did not make");
      return step;
    }
    const BridgeSpec spec{name, bridge.mac, bridge.policy->stp, bridge.policy->forward_delay_s};
    if (!link) {
      Action create;
      create.type = Action::Type::kCreateBridge;
      create.bridge = name;
      create.spec = spec;
      create.reason = "required by the policy";
      plan_.actions.push_back(create);
    }
    if (link) {
      const bool changed = progress_.bridges_to_update.count(name) > 0;
      const bool mac_pinned = bridge.policy->mac.pinned();
      std::string differences = DifferencesFrom(*link, spec, mac_pinned);
      if (!differences.empty() || changed) {
        Action update;
        update.type = Action::Type::kUpdateBridge;
        update.bridge = name;
        update.spec = spec;
        if (!mac_pinned && !changed) update.spec.mac = link->mac;  // see DifferencesFrom
        update.reason = changed ? "changed in the policy" : "not as the policy says";
        if (!differences.empty()) update.reason += ": " + differences;
        plan_.actions.push_back(update);
      }
    }
    return {&bridge, link, true};
  }

  // The zone of failoverd's bridge `name` when someone else's link has taken the name
  // (failoverd's bridge was deleted and another link made before the next reconcile):
  // the zone dispatch goes by name, so it would judge the newcomer's traffic.
  void RetireZone(const std::string& name, const std::string& why) {
    if (progress_.zoned_bridges.count(name)) Add(Action::Type::kRemoveZone, 0, "", name, why);
  }

  void PlanBridgeZone(const BridgeStep& step) {
    if (!step.planned) return;
    const std::string& name = step.bridge->policy->name;
    if (!step.link || !progress_.zoned_bridges.count(name))
      Add(Action::Type::kInstallZone, 0, "", name, "zone " + step.bridge->policy->zone);
  }

  void PlanBridgeUp(const BridgeStep& step) {
    if (!step.planned) return;
    const std::string& name = step.bridge->policy->name;
    const LinkInfo* link = step.link;
    // Up before its addresses and gateway: the kernel adds an IPv4 subnet's route only
    // on an up device, and refuses a gateway it cannot reach ("Nexthop has invalid
    // gateway"). No port is attached yet, so nothing is reachable before the addresses.
    if (!link || !link->admin_up) Add(Action::Type::kBridgeUp, 0, "", name, "");
    if (!link || !progress_.configured_bridges.count(name))
      Add(Action::Type::kConfigureL3, 0, "", name, "");
  }

  bool IsPolicyBridge(int ifindex) const {
    const LinkInfo* link = observed_.Find(ifindex);
    return link && link->is_bridge() && FindBridge(link->name);
  }

  void PlanDetaches() {
    for (const auto& nic : decision_.nics) {
      if (nic.role == NicRole::kPending) continue;
      const LinkInfo* link = observed_.Find(nic.ifindex);
      if (link->master == 0) continue;
      const LinkInfo* master = observed_.Find(link->master);
      const std::string master_name = master ? master->name : std::to_string(link->master);
      if (IsPolicyBridge(link->master)) {
        const BridgeDecision* bridge = FindBridge(master_name);
        if (bridge && bridge->active == nic.ifindex) continue;
      }
      Add(Action::Type::kDetach, nic.ifindex, nic.name, master_name, nic.reason);
    }
  }

  // A bridge the policy no longer has goes, and its zone with it (the bridge first:
  // the zone exists exactly as long as the bridge). Its NICs were detached above.
  void PlanRetired() {
    for (const std::string& name : progress_.retired_bridges) {
      if (policy_.FindBridge(name)) continue;  // back in the policy: kept
      const LinkInfo* link = observed_.FindByName(name);
      const bool exists = link && link->is_bridge();
      if (exists && !IsOwnBridge(*link, progress_)) {  // someone else's now: never deleted
        RetireZone(name, "the name is held by a bridge failoverd did not make");
        continue;
      }
      if (!exists && !progress_.zoned_bridges.count(name)) continue;
      Add(Action::Type::kDeleteBridge, exists ? link->ifindex : 0, "", name, "no longer in the policy");
    }
  }

  void PlanAttaches(const std::vector<BridgeStep>& steps) {
    for (const auto& step : steps) {
      const BridgeDecision& bridge = *step.bridge;
      const std::string& name = bridge.policy->name;
      if (bridge.active == 0 || !step.planned) continue;
      const LinkInfo* nic_link = observed_.Find(bridge.active);
      const LinkInfo* bridge_link = observed_.FindByName(name);
      const NicDecision* nic = FindNic(bridge.active);
      if (bridge_link && bridge_link->is_bridge() && nic_link->master == bridge_link->ifindex) {
        if (auto due = progress_.unannounced_ports.find(name); due != progress_.unannounced_ports.end() &&
                                                              due->second == bridge.active)
          Add(Action::Type::kAnnounce, nic->ifindex, nic->name, name, "attached at once");
        continue;
      }
      Add(Action::Type::kAttach, nic->ifindex, nic->name, name, bridge.reason);
      Add(Action::Type::kAnnounce, nic->ifindex, nic->name, name, "");
    }
  }

  const policy::Policy& policy_;
  const Decision& decision_;
  const ObservedState& observed_;
  const Progress& progress_;
  // Lookups into decision_, so planning stays linear in the number of NICs and bridges.
  std::vector<std::pair<int, const NicDecision*>> nics_;                  // by ifindex
  std::vector<std::pair<std::string_view, const BridgeDecision*>> bridges_;  // by name
  Plan plan_;
  std::set<int> renamed_;
  bool swap_needed_ = false;
};

}  // namespace

bool IsOwnBridge(const LinkInfo& link, const Progress& progress) {
  return link.is_own_bridge() || (link.is_bridge() && (progress.own_bridges.count(link.ifindex) > 0 ||
                                                       progress.unmarked_own_bridges.count(link.name) > 0));
}

std::set<std::string> OwnedAtStart(const policy::Policy& policy, const ObservedState& observed,
                                   const std::set<std::string>& made_before_marks, const std::set<std::string>& listed) {
  std::set<int> with_ports;
  for (const auto& [ifindex, link] : observed.links())
    if (link.master) with_ports.insert(link.master);
  std::set<std::string> owned;
  for (const auto& bridge : policy.bridges) {
    const LinkInfo* link = observed.FindByName(bridge.name);
    if (!link || !link->is_bridge() || link->is_own_bridge()) continue;
    const bool empty = !link->admin_up && !with_ports.count(link->ifindex);
    if (made_before_marks.count(bridge.name) || (listed.count(bridge.name) && empty)) owned.insert(bridge.name);
  }
  return owned;
}

Plan MakePlan(const policy::Policy& policy, const Decision& decision, const ObservedState& observed,
              const Progress& progress) {
  return Planner(policy, decision, observed, progress).Run();
}

}  // namespace failoverd::core
