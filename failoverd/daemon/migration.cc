#include "failoverd/daemon/migration.h"

#include <algorithm>
#include <fstream>

#include "failoverd/common/clock.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/nic_match.h"
#include "failoverd/core/plan.h"
#include "failoverd/daemon/event_log.h"
#include "failoverd/daemon/overrides_json.h"
#include "failoverd/kernel/host_facts.h"
#include "failoverd/kernel/sysctl.h"
#include "failoverd/runtime/logging.h"

namespace failoverd {

namespace {

constexpr const char* kPendingSection = "pending_migration";
constexpr const char* kDeclinedSection = "migration_declined";

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

std::string AddressesText(const std::vector<IpPrefix>& addresses) {
  std::vector<std::string> parts;
  for (const auto& prefix : addresses) parts.push_back(prefix.ToString());
  return parts.empty() ? "no address" : Join(parts, ", ");
}

}  // namespace

Migration::Migration(const policy::Policy& policy, std::string machine_id, core::KernelOps& kernel,
                     firewall::NftFirewall& firewall)
    : policy_(policy),
      machine_id_(std::move(machine_id)),
      kernel_(kernel),
      firewall_(firewall),
      state_(policy.daemon.state_dir),
      log_(GetLogger("migrate")) {}

bool Migration::UndoLeftover(std::string& message) {
  if (Status loaded = state_.Load(); !loaded) return false;  // the daemon reports an unreadable file
  const nlohmann::json pending = state_.Section(kPendingSection);
  if (!pending.is_object()) return false;
  auto snapshot = kernel::HostSnapshot::FromJson(pending.value("snapshot", nlohmann::json()));
  if (!snapshot) {
    message = "state.json holds an unreadable pending conversion (" + snapshot.message() +
              "); the host cannot be put back automatically";
    state_.SetSection(kPendingSection, nullptr);
    (void)state_.Save();
    return true;
  }
  snapshot_ = *snapshot;
  if (pending.value("boot_id", "") != BootId()) {
    // Rebooted inside the window: the links (and their ifindexes) are this boot's own,
    // not the ones recorded, so there is nothing of the conversion to undo in the
    // kernel. The conversion counts as not confirmed all the same.
    pending_ = true;
    (void)Forget("the host rebooted inside the confirm window");
    message = "the conversion left pending by the previous boot was not confirmed; nothing to undo in this boot";
    return true;
  }
  const nlohmann::json names = pending.value("names_before", nlohmann::json::object());
  for (const auto& [key, name] : names.items())
    if (auto mac = MacAddress::Parse(key); mac && name.is_string()) names_before_[*mac] = name.get<std::string>();
  const nlohmann::json nics = pending.value("nics", nlohmann::json::array());
  for (const auto& nic : nics) {
    auto mac = MacAddress::Parse(nic.value("mac", ""));
    candidates_.push_back({nic.value("bridge", ""), nic.value("ifindex", 0), mac.value_or(MacAddress{}), {}});
  }
  for (const auto& bridge : pending.value("bridges", nlohmann::json::array())) {
    auto mac = MacAddress::Parse(bridge.value("mac", ""));
    takeovers_.push_back({bridge.value("bridge", ""), bridge.value("ifindex", 0), mac.value_or(MacAddress{}), {}, {}});
  }
  pending_ = true;
  const Status restored = RollBack("failoverd stopped inside the confirm window and started again");
  message = restored ? "the conversion left pending by an earlier run was rolled back: the host is as it was"
                     : "the conversion left pending by an earlier run was rolled back, with errors: " + restored.message();
  return true;
}

Result<Migration::Judgement> Migration::Judge(bool requested) {
  if (Status opened = rtnl_.Open(); !opened) return Status::Error("netlink: " + opened.message());
  if (Status loaded = state_.Load(); !loaded) log_->warn("{}", loaded.message());
  auto links = kernel_.DumpLinks();
  if (!links) return Status::Error("cannot read links: " + links.message());
  SystemClock clock;
  Judgement judged;
  judged.observed.ReplaceAll(*links, clock.Now(), /*initial=*/true);
  auto addresses = kernel::ReadAddressFacts(rtnl_);
  if (!addresses) return Status::Error("cannot read addresses: " + addresses.message());
  judged.addresses = std::move(*addresses);
  judged.candidates = core::FindMigrationCandidates(policy_, judged.observed, judged.addresses);
  // Someone else's bridge is taken over only when asked: a plain start leaves it alone.
  if (requested)
    judged.takeovers = core::FindForeignBridges(
        policy_, judged.observed, judged.addresses,
        core::OwnedAtStart(policy_, judged.observed, StringsOf(state_.Section(StateStore::kMadeBeforeMarks)),
                           StringsOf(state_.Section("bridges"))));
  if (judged.candidates.empty() && judged.takeovers.empty()) return judged;

  const nlohmann::json declined = state_.Section(kDeclinedSection);
  if (declined.is_object() && !requested)
    judged.declined = "a conversion of this host was rolled back at " + declined.value("at", "?") + " (" +
                      declined.value("why", "?") + "); failoverd does not convert it again by itself. "
                      "Run `failoverd --migrate [--confirm SECONDS]` when ready";
  const core::Overrides overrides = OverridesFromJson(state_.Section("overrides"));
  const core::Decision decision =
      core::Decide({policy_, judged.observed, state_.names(), machine_id_, clock.Now(), nullptr, &overrides});
  for (const auto& candidate : judged.candidates) {
    const std::string managed = core::ManagerProblem(candidate.bridge, judged.addresses.at(candidate.ifindex),
                                                     kernel::ReadManagerFacts(candidate.ifindex));
    if (!managed.empty()) judged.problems.push_back(managed);
    const std::string decided = core::DecisionProblem(decision, judged.observed, candidate);
    if (!decided.empty()) judged.problems.push_back(decided);
  }
  for (const auto& takeover : judged.takeovers) {
    const auto facts = judged.addresses.find(takeover.ifindex);
    const std::string managed =
        core::ManagerProblem(takeover.bridge, facts != judged.addresses.end() ? facts->second : std::vector<core::AddressFact>{},
                             kernel::ReadManagerFacts(takeover.ifindex));
    if (!managed.empty()) judged.problems.push_back(managed);
    const std::string taken = core::TakeoverProblem(policy_, decision, judged.observed, takeover);
    if (!taken.empty()) judged.problems.push_back(taken);
  }
  return judged;
}

Result<bool> Migration::Begin(bool requested, int confirm_seconds) {
  auto judged = Judge(requested);
  if (!judged) return judged.status();
  candidates_ = judged->candidates;
  takeovers_ = judged->takeovers;
  if (candidates_.empty() && takeovers_.empty()) {
    if (requested)
      log_->info("--migrate: no NIC named like a bridge carries addresses, and no bridge of the policy's is someone "
                 "else's; nothing to convert");
    return false;
  }
  if (!judged->declined.empty()) return Status::Error(judged->declined);
  if (!judged->problems.empty())
    return Status::Error("cannot convert this host: " + Join(judged->problems, "; ") + ". Nothing was changed");
  const core::ObservedState& observed = judged->observed;
  SystemClock clock;

  // The host as it is, before anything changes: every NIC failoverd manages and
  // every link named like one of its bridges.
  std::vector<core::LinkInfo> touched;
  for (const auto& [ifindex, link] : observed.links())
    if (core::IsManagedNic(policy_.nics, link) || policy_.FindBridge(link.name)) touched.push_back(link);
  auto table = firewall_.TableText();
  if (!table) return Status::Error("cannot read table inet failoverd: " + table.message());
  auto snapshot = kernel::CaptureHost(rtnl_, touched, *table, !table->empty());
  if (!snapshot) return Status::Error("cannot record the host as it is: " + snapshot.message());
  snapshot_ = std::move(*snapshot);
  names_before_ = state_.names();
  deadline_ = clock.WallNow() + std::chrono::seconds(confirm_seconds);
  if (Status recorded = Record(); !recorded)
    return Status::Error("cannot record the rollback point in " + state_.path() + ": " + recorded.message() +
                         ". Nothing was changed");
  pending_ = true;
  for (const auto& candidate : candidates_)
    log_->warn("converting {} ({}, MAC {}) into a bridge with the NIC as its port; rolled back at {} unless "
               "`failoverctl confirm` comes first",
               candidate.bridge, AddressesText(candidate.addresses), candidate.mac.ToString(), FormatRfc3339(deadline_));
  for (const auto& takeover : takeovers_)
    log_->warn("taking over bridge {} ({}, MAC {}, {} port(s)), which failoverd did not make; rolled back at {} "
               "unless `failoverctl confirm` comes first",
               takeover.bridge, AddressesText(takeover.addresses), takeover.mac.ToString(), takeover.ports.size(),
               FormatRfc3339(deadline_));
  if (Status marked = MarkTakeovers(); !marked) {
    (void)RollBack("cannot mark the bridges taken over: " + marked.message());
    return Status::Error("cannot mark the bridges taken over as failoverd's: " + marked.message() +
                         "; the host was put back as it was");
  }
  return true;
}

std::string Migration::BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::vector<std::string> Migration::BridgeNames() const {
  std::vector<std::string> bridges;
  for (const auto& candidate : candidates_) bridges.push_back(candidate.bridge);
  for (const auto& takeover : takeovers_) bridges.push_back(takeover.bridge);
  return bridges;
}

Status Migration::MarkTakeovers() {
  for (const auto& takeover : takeovers_)
    if (Status marked = kernel_.SetAlias(takeover.ifindex, std::string(core::kOwnerMark)); !marked) return marked;
  return Status::Ok();
}

Status Migration::Record() {
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& candidate : candidates_)
    nics.push_back({{"bridge", candidate.bridge}, {"ifindex", candidate.ifindex}, {"mac", candidate.mac.ToString()}});
  nlohmann::json taken = nlohmann::json::array();
  for (const auto& takeover : takeovers_)
    taken.push_back({{"bridge", takeover.bridge}, {"ifindex", takeover.ifindex}, {"mac", takeover.mac.ToString()}});
  nlohmann::json names = nlohmann::json::object();
  for (const auto& [identity, name] : names_before_) names[identity.ToString()] = name;
  state_.SetSection(kPendingSection, {{"deadline", FormatRfc3339(deadline_)},
                                      {"boot_id", BootId()},
                                      {"nics", nics},
                                      {"bridges", taken},
                                      {"names_before", names},
                                      {"snapshot", snapshot_.ToJson()}});
  state_.SetSection(kDeclinedSection, nullptr);
  return state_.Save();
}

Status Migration::CarryOver() {
  auto links = kernel_.DumpLinks();
  if (!links) return Status::Error("cannot read links: " + links.message());
  for (const auto& candidate : candidates_) {
    const core::LinkInfo* bridge = nullptr;
    for (const auto& link : *links)
      if (link.name == candidate.bridge && link.is_bridge()) bridge = &link;
    if (!bridge) return Status::Error(candidate.bridge + ": the bridge was not created");
    const kernel::SnapshotLink* nic = snapshot_.Find(candidate.ifindex);
    if (!nic) return Status::Error(candidate.bridge + ": not in the recorded snapshot");
    auto addresses = kernel::ReplayAddresses(rtnl_, nic->addresses, bridge->ifindex);
    if (!addresses) return Status::Error(candidate.bridge + ": " + addresses.message());
    auto routes = kernel::ReplayRoutes(rtnl_, snapshot_.routes, candidate.ifindex, bridge->ifindex);
    if (!routes) return Status::Error(candidate.bridge + ": " + routes.message());
    log_->info("{}: the NIC's {} address(es) and {} route(s) are now on the bridge (MAC {})", candidate.bridge,
               *addresses, *routes, bridge->mac.ToString());
    const std::vector<IpPrefix>& kept = policy_.FindBridge(candidate.bridge)->addresses;
    for (const auto& prefix : candidate.addresses)
      if (std::find(kept.begin(), kept.end(), prefix) == kept.end())
        log_->warn("{}: address {} is not in the policy: it stays on the bridge until the next boot; add it to "
                   "the bridge's `address` (or keep configuring {} with ifupdown) before confirming",
                   candidate.bridge, prefix.ToString(), candidate.bridge);
  }
  for (const auto& takeover : takeovers_) {
    const std::vector<IpPrefix>& kept = policy_.FindBridge(takeover.bridge)->addresses;
    for (const auto& prefix : takeover.addresses)
      if (std::find(kept.begin(), kept.end(), prefix) == kept.end())
        log_->warn("{}: address {} is not in the policy: failoverd leaves it on the bridge, and whatever configured "
                   "it must keep doing so; add it to the bridge's `address` before confirming if failoverd is to",
                   takeover.bridge, prefix.ToString());
  }
  return Status::Ok();
}

std::optional<std::string> Migration::Confirm() {
  if (!pending_) return std::nullopt;
  pending_ = false;
  state_.SetSection(kPendingSection, nullptr);
  if (Status saved = state_.Save(); !saved) log_->error("cannot save {}: {}", state_.path(), saved.message());
  const std::vector<std::string> bridges = BridgeNames();
  const std::string message = "conversion of " + Join(bridges, ", ") + " confirmed";
  log_->info("{}", message);
  return message;
}

nlohmann::json Migration::StatusJson() const {
  if (!pending_) return nullptr;
  const std::vector<std::string> bridges = BridgeNames();
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline_ - std::chrono::system_clock::now());
  return {{"bridges", bridges},
          {"deadline", FormatRfc3339(deadline_)},
          {"seconds_left", std::max<int64_t>(0, left.count())}};
}

Status Migration::RollBack(const std::string& why) {
  if (!pending_) return Status::Ok();
  const auto started = std::chrono::steady_clock::now();
  if (!rtnl_.is_open())
    if (Status opened = rtnl_.Open(); !opened) return Status::Error("netlink: " + opened.message());
  const Status restored = Restore(snapshot_);
  Status saved = Forget(why);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  const std::vector<std::string> bridges = BridgeNames();
  if (restored)
    log_->warn("conversion of {} rolled back in {} ms ({}): the host is as it was before failoverd started",
               Join(bridges, ", "), took.count(), why);
  else
    log_->error("conversion of {} rolled back in {} ms ({}), with errors: {}", Join(bridges, ", "), took.count(), why,
                restored.message());
  if (!saved) log_->error("cannot save {}: {}", state_.path(), saved.message());
  return restored;
}

Status Migration::Forget(const std::string& why) {
  // The names this conversion gave go too, so nothing renames the NICs at the next boot.
  if (Status reread = state_.Reload(); !reread) log_->warn("{}", reread.message());
  std::vector<MacAddress> given;
  for (const auto& [identity, name] : state_.names())
    if (!names_before_.count(identity)) given.push_back(identity);
  for (const auto& [identity, name] : names_before_) state_.SetName(identity, name);
  std::vector<std::string> macs;
  for (const auto& candidate : candidates_) macs.push_back(candidate.mac.ToString());
  state_.SetSection(kPendingSection, nullptr);
  state_.SetSection(kDeclinedSection,
                    {{"at", FormatRfc3339(std::chrono::system_clock::now())}, {"why", why}, {"nics", macs}});
  pending_ = false;
  return state_.ForgetNames(given);
}

Status Migration::Restore(const kernel::HostSnapshot& snapshot) {
  std::vector<std::string> errors;
  auto note = [&errors](const Status& status) {
    if (!status) errors.push_back(status.message());
  };
  auto links = kernel_.DumpLinks();
  if (!links) return Status::Error("cannot read links: " + links.message());
  // Out of the bridges first, then the bridges the snapshot does not have go.
  for (const auto& link : *links) {
    const kernel::SnapshotLink* before = snapshot.Find(link.ifindex);
    if (before && link.master != before->master) note(kernel_.SetMaster(link.ifindex, before->master));
  }
  for (const auto& link : *links)
    if (link.is_bridge() && !snapshot.Find(link.ifindex) && policy_.FindBridge(link.name))
      note(kernel_.DeleteLink(link.ifindex));
  // Names back (down first: the kernel renames no link that is up), settings, addresses.
  for (const auto& link : *links) {
    const kernel::SnapshotLink* before = snapshot.Find(link.ifindex);
    if (!before || link.name == before->name) continue;
    note(kernel_.SetLinkUp(link.ifindex, false));
    note(kernel_.SetLinkName(link.ifindex, before->name));
  }
  // A bridge taken over keeps its ifindex: its MAC, STP and alias back, and what the
  // policy added to it (addresses, gateway) goes.
  for (const auto& link : *links) {
    const kernel::SnapshotLink* before = snapshot.Find(link.ifindex);
    if (!before || !before->bridge || !link.is_bridge()) continue;
    if (link.mac != before->mac || link.bridge_settings != before->bridge)
      note(kernel_.UpdateBridge(link.ifindex, {before->name, before->mac, before->bridge->stp,
                                               before->bridge->forward_delay_cs / core::kUserHz}));
    note(kernel_.SetAlias(link.ifindex, before->alias));
    if (auto added = kernel::AddedAddresses(rtnl_, link.ifindex, before->addresses); added) {
      for (const auto& prefix : *added) note(kernel_.RemoveAddress(link.ifindex, prefix));
    } else {
      errors.push_back(before->name + ": " + added.message());
    }
    if (const policy::Bridge* bridge = policy_.FindBridge(before->name);
        bridge && bridge->gateway && !kernel::HasDefaultRouteVia(snapshot.routes, link.ifindex, *bridge->gateway))
      note(kernel_.RemoveDefaultRoute(link.ifindex, *bridge->gateway));
  }
  for (const auto& before : snapshot.links) {
    // disable_ipv6 goes back before the addresses: IPv6 ones cannot be added while it is 1.
    for (const auto& [path, value] : before.sysctls)
      note(kernel::WriteSysctl(std::string(kernel::kProcSysRoot) + "/net/" + path, value));
    if (auto added = kernel::ReplayAddresses(rtnl_, before.addresses, before.ifindex); !added)
      errors.push_back(before.name + ": " + added.message());
    note(kernel_.SetLinkUp(before.ifindex, before.up));
  }
  for (const auto& before : snapshot.links)
    if (auto added = kernel::ReplayRoutes(rtnl_, snapshot.routes, before.ifindex, before.ifindex); !added)
      errors.push_back(before.name + ": " + added.message());
  // The firewall last: the host was never more open than it was before.
  const std::string table = std::string("table ") + firewall::kTableFamily + " " + firewall::kTableName;
  // A sweep guard raised inside the window (daemon/sweep_guard.h) was not there before either.
  note(firewall_.Apply(table + "\ndelete " + table + "\n" + (snapshot.had_table ? snapshot.table_text : "") +
                       firewall::SweepGuardScript({})));
  if (!errors.empty()) return Status::Error(Join(errors, "; "));
  return Status::Ok();
}

}  // namespace failoverd
