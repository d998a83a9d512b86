#include "failoverd/daemon/probe_manager.h"

#include <algorithm>

#include "failoverd/core/identify.h"
#include "failoverd/runtime/logging.h"

namespace failoverd {

ProbeManager::ProbeManager(EventLoop& loop, const Clock& clock, SessionFactory factory,
                           std::function<void()> on_change)
    : loop_(loop),
      clock_(clock),
      factory_(std::move(factory)),
      on_change_(std::move(on_change)),
      log_(GetLogger("engine")) {}

ProbeManager::~ProbeManager() {
  while (!sessions_.empty()) Stop(sessions_.begin()->first);
}

Millis ProbeManager::Window() const { return lldp_keys_ ? std::max(kLldpWindow, kProbeWindow) : kProbeWindow; }

uint64_t ProbeManager::malformed(int ifindex) const {
  auto it = sessions_.find(ifindex);
  return it == sessions_.end() ? 0 : it->second.probe->malformed();
}

bool ProbeManager::Sync(const policy::Policy& policy, const core::ObservedState& observed,
                        const core::Decision& decision,
                        const std::map<MacAddress, std::string>& remembered_networks) {
  arp_targets_.clear();
  want_ra_ = false;
  lldp_keys_ = false;
  for (const auto& bridge : policy.bridges) {
    const auto& id = bridge.identify;
    if (id.arp_target && std::find(arp_targets_.begin(), arp_targets_.end(), *id.arp_target) == arp_targets_.end())
      arp_targets_.push_back(*id.arp_target);
    want_ra_ = want_ra_ || id.ra_prefix.has_value();
    lldp_keys_ = lldp_keys_ || id.lldp_chassis || id.lldp_port || id.lldp_system;
  }
  const bool probing = core::AnyIdentifyKeys(policy);
  bool changed = false;

  std::set<int> wanted;
  for (const auto& nic : decision.nics) {
    if (!probing || nic.role == core::NicRole::kPending) continue;
    const core::LinkInfo* link = observed.Find(nic.ifindex);
    if (!link || !link->carrier || !link->admin_up) continue;
    wanted.insert(nic.ifindex);
    const MonoTime link_up = observed.CarrierSince(nic.ifindex).value_or(MonoTime{});
    auto it = sessions_.find(nic.ifindex);
    if (it != sessions_.end() && it->second.link_up != link_up) {
      Stop(nic.ifindex);  // carrier went down and up since: a new link-up, a fresh fingerprint
      it = sessions_.end();
    }
    if (it == sessions_.end()) {
      changed = Start(nic.ifindex, link->name, link->mac, link_up) || changed;
    } else {
      it->second.name = link->name;
    }
    auto remembered = remembered_networks.find(nic.identity);
    if (evidence_.count(nic.ifindex))
      evidence_[nic.ifindex].remembered_network = remembered == remembered_networks.end() ? "" : remembered->second;
  }
  std::vector<int> gone;
  for (const auto& [ifindex, session] : sessions_)
    if (!wanted.count(ifindex)) gone.push_back(ifindex);
  for (int ifindex : gone) Stop(ifindex);
  for (auto it = failed_.begin(); it != failed_.end();) it = wanted.count(it->first) ? std::next(it) : failed_.erase(it);
  return changed || !gone.empty();
}

bool ProbeManager::Start(int ifindex, const std::string& name, const MacAddress& mac, MonoTime link_up) {
  auto failed = failed_.find(ifindex);
  if (failed != failed_.end() && failed->second == link_up) return false;
  auto probe = factory_(ifindex, name, mac);
  if (!probe) {
    log_->error("{}: cannot probe the cable: {}", name, probe.message());
    failed_[ifindex] = link_up;
    return false;
  }
  failed_.erase(ifindex);
  Session session;
  session.probe = std::move(probe).value();
  session.name = name;
  session.link_up = link_up;
  session.started = clock_.Now();
  const int fd = session.probe->fd();
  sessions_[ifindex] = std::move(session);
  evidence_[ifindex] = core::NicEvidence{};
  if (Status added = loop_.AddFd(fd, [this, ifindex] { OnReadable(ifindex); }); !added)
    log_->error("{}: {}", name, added.message());
  log_->debug("{}: probing its cable", name);
  Tick(ifindex);
  return true;
}

void ProbeManager::Stop(int ifindex) {
  auto it = sessions_.find(ifindex);
  if (it != sessions_.end()) {
    loop_.RemoveFd(it->second.probe->fd());
    if (it->second.timer) loop_.CancelTimer(*it->second.timer);
    sessions_.erase(it);
  }
  evidence_.erase(ifindex);
}

void ProbeManager::Tick(int ifindex) {
  auto it = sessions_.find(ifindex);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  s.timer.reset();
  const MonoTime now = clock_.Now();
  // Send what is due.
  while (!arp_targets_.empty() && s.arp_sent < kArpTries && now >= s.started + kArpInterval * s.arp_sent) {
    for (const auto& target : arp_targets_)
      if (Status sent = s.probe->SendArpProbe(target); !sent) log_->warn("{}: {}", s.name, sent.message());
    ++s.arp_sent;
  }
  while (want_ra_ && s.rs_sent < kRsTries && now >= s.started + kRsInterval * s.rs_sent) {
    if (Status sent = s.probe->SendRouterSolicitation(); !sent) log_->warn("{}: {}", s.name, sent.message());
    ++s.rs_sent;
  }
  // Then: the next send, or the end of the window.
  std::optional<MonoTime> next;
  auto consider = [&next](MonoTime t) {
    if (!next || t < *next) next = t;
  };
  if (!arp_targets_.empty() && s.arp_sent < kArpTries) consider(s.started + kArpInterval * s.arp_sent);
  if (want_ra_ && s.rs_sent < kRsTries) consider(s.started + kRsInterval * s.rs_sent);
  core::NicEvidence& evidence = evidence_[ifindex];
  if (!evidence.probing_done) {
    if (now >= s.started + Window()) {
      evidence.probing_done = true;
      log_->info("{}: probing done", s.name);
      NotifyChange();
    } else {
      consider(s.started + Window());
    }
  }
  if (next) s.timer = loop_.AddTimer(*next, [this, ifindex] { Tick(ifindex); });
}

void ProbeManager::OnReadable(int ifindex) {
  auto it = sessions_.find(ifindex);
  if (it == sessions_.end()) return;
  for (const auto& observation : it->second.probe->Read()) Record(ifindex, observation);
  evidence_[ifindex].fingerprint.malformed_frames = it->second.probe->malformed();
}

void ProbeManager::PollAll() {
  std::vector<int> ifindexes;
  for (const auto& [ifindex, session] : sessions_) ifindexes.push_back(ifindex);
  for (int ifindex : ifindexes) OnReadable(ifindex);
}

void ProbeManager::Record(int ifindex, const core::CableObservation& observation) {
  core::Fingerprint& f = evidence_[ifindex].fingerprint;
  const std::string& name = sessions_.at(ifindex).name;
  bool changed = false;
  switch (observation.kind) {
    case core::CableObservation::Kind::kLldp:
      changed = !f.lldp || !(*f.lldp == observation.lldp);
      f.lldp = observation.lldp;
      f.lldp_at = clock_.Now();
      if (changed)
        log_->info("{}: LLDP neighbour chassis {} system {} port {}", name, observation.lldp.chassis_id,
                   observation.lldp.system_name, observation.lldp.port_id);
      break;
    case core::CableObservation::Kind::kArp:
      if (std::find(f.arp.begin(), f.arp.end(), observation.arp) == f.arp.end()) {
        f.arp.push_back(observation.arp);
        changed = true;
        log_->info("{}: ARP answer for {} from {}", name, observation.arp.target.ToString(),
                   observation.arp.mac.ToString());
      }
      break;
    case core::CableObservation::Kind::kRouterAdvert:
      for (const auto& prefix : observation.ra.prefixes) {
        if (std::find(f.ra_prefixes.begin(), f.ra_prefixes.end(), prefix) != f.ra_prefixes.end()) continue;
        f.ra_prefixes.push_back(prefix);
        changed = true;
        log_->info("{}: router advertisement for {} from {}", name, prefix.ToString(), observation.ra.router.ToString());
      }
      break;
  }
  if (changed) NotifyChange();
}

void ProbeManager::NotifyChange() {
  if (change_pending_) return;
  change_pending_ = true;
  loop_.AddTimer(clock_.Now(), [this] {
    change_pending_ = false;
    on_change_();
  });
}

}  // namespace failoverd
