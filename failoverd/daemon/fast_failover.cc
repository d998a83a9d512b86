// The daemon's fast path (core/fast_failover.h). A carrier loss of an active port
// switches its bridge to the standby with one netlink write before anything else;
// the reconcile that follows detaches the dead port, announces, logs and saves.
//
// The kernel batches link notifications: once it has sent one about a carrier or
// operational state, the next comes at the earliest a second later, for any link.
// A carrier loss in that second is reported up to a second late (measured here:
// ~0.2-0.7 s on veth). So for a second after each batch of link notifications the
// daemon asks the kernel directly for the carrier of every active port, every
// millisecond (every few when there are many), and stops when nothing happens.
#include "failoverd/core/fast_failover.h"
#include "failoverd/core/nic_match.h"
#include "failoverd/daemon/daemon.h"

namespace failoverd {

void Daemon::OnLinkNotifications(const std::vector<core::CarrierNote>& notes) {
  if (notes.empty()) return;
  for (int ifindex : core::LostCarrier(notes)) FailOverAtOnce(ifindex, /*verify=*/true);
  carrier_window_.Notified();
}

std::vector<int> Daemon::ActivePorts() const {
  std::vector<int> ports;
  for (const auto& bridge : decision_.bridges) {
    const core::LinkInfo* link = bridge.active ? observed_.Find(bridge.active) : nullptr;
    if (link && link->carrier && core::ActiveBridgeOf(decision_, observed_, bridge.active))
      ports.push_back(bridge.active);
  }
  return ports;
}

bool Daemon::CheckActiveCarriers() {
  std::vector<int> lost;
  for (int ifindex : ActivePorts())
    if (auto carrier = kernel_.HasCarrier(ifindex); carrier.ok() && !*carrier) lost.push_back(ifindex);
  bool acted = false;
  for (int ifindex : lost) {
    ++metrics_.early_carrier_losses;
    acted = FailOverAtOnce(ifindex, /*verify=*/false) || acted;
  }
  return acted;
}

bool Daemon::InterruptPlan() {
  const MonoTime now = clock_.Now();
  if (!carrier_window_.TakePlanCheck(now)) return false;
  const uint64_t switched = metrics_.fast_failovers;
  interrupting_ = true;
  if (hooks_.link_pump) hooks_.link_pump();
  if (carrier_window_.IsOpen(now)) CheckActiveCarriers();
  interrupting_ = false;
  return metrics_.fast_failovers != switched;
}

bool Daemon::PollCarriers() {
  const bool acted = CheckActiveCarriers();
  if (acted) Resync();
  return acted;
}

bool Daemon::FailOverAtOnce(int lost, bool verify) {
  // Inside a reconcile only between two of its actions (InterruptPlan), never during one.
  if ((reconciling_ && !interrupting_) || !core::ActiveBridgeOf(decision_, observed_, lost)) return false;
  const core::LinkInfo* link = observed_.Find(lost);
  if (!link->carrier) return false;  // already known
  // A notification can be older than the truth (a loss and a return in one burst):
  // the kernel's answer now is what counts, as in the re-read. No answer means the
  // link is gone (unplugged), which is no carrier either.
  if (verify) {
    auto carrier = kernel_.HasCarrier(lost);
    if (carrier.ok() && *carrier) return false;
  }
  const MonoTime noticed = clock_.Now();
  core::LinkInfo down = *link;
  down.carrier = false;
  observed_.Update(down, noticed);
  const auto step = core::FastFailoverStep(decision_, observed_, lost, noticed,
                                           std::chrono::milliseconds(policy_.daemon.up_delay_ms),
                                           std::chrono::milliseconds(policy_.daemon.hold_down_ms));
  Status attached = Status::Ok();
  if (step) attached = kernel_.SetMaster(step->nic, step->bridge);
  const auto took_us = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now() - noticed).count();

  // Everything below comes after the switch.
  log_->info("{}: carrier down", down.name);
  if (core::IsManagedNic(policy_.nics, down)) ++metrics_.carrier_changes[down.name];
  if (!step) return true;
  if (!attached.ok()) {
    log_->warn("{}: attaching {} at once failed ({}); the reconcile tries again", step->bridge_name,
               step->nic_name, attached.message());
    return true;
  }
  ++metrics_.fast_failovers;
  progress_.unannounced_ports[step->bridge_name] = step->nic;
  events_.Add(clock_.WallNow(), "port", step->nic_name + ": attach to " + step->bridge_name + " at once (" +
                                            down.name + " lost carrier)");
  log_->info("{}: {} attached at once, {} us after {}'s carrier loss was known", step->bridge_name, step->nic_name,
             took_us, down.name);
  return true;
}

}  // namespace failoverd
