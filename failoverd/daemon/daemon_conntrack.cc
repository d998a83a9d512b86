// The sweep after a firewall repair (core/conntrack_sweep.h): what the daemon gives it
// and what it says about it.
#include <string>

#include "failoverd/daemon/daemon.h"

namespace failoverd {

void Daemon::SweepConnectionsAfterRepair() {
  if (!conntrack_) return;
  core::SweepScope scope;
  scope.accepted_mark = firewall::kAcceptedCtMark;
  // The addresses of every interface the table governs, whoever put them there (the
  // policy, DHCP, the administrator): connections to them are the zones' to judge.
  const std::vector<std::string> governed = CurrentTable().governed;
  for (const std::string& name : governed) {
    const core::LinkInfo* link = observed_.FindByName(name);
    if (!link) continue;
    auto addresses = kernel_.ListAddresses(link->ifindex);
    if (!addresses) {
      // Left out: its connections are kept, which never cuts anyone off.
      log_->warn("{}: addresses not read, its connections are not swept: {}", name, addresses.message());
      continue;
    }
    for (const IpPrefix& prefix : *addresses) scope.managed.push_back(prefix.address);
  }
  if (scope.managed.empty()) return;
  // Every address of the host: a connection from one of them the host opened itself.
  if (auto host = kernel_.ListAddresses(0); host) {
    for (const IpPrefix& prefix : *host) scope.host.push_back(prefix.address);
  } else {
    log_->warn("the host's addresses not read (connections from the governed ones are still kept): {}",
               host.message());
  }

  auto report = conntrack_->Sweep(scope);
  if (!report) {
    const std::string what = "connections opened while table inet failoverd was missing were not removed: " +
                             report.message();
    log_->error("{}", what);
    events_.Add(clock_.WallNow(), "error", what);
    return;
  }
  metrics_.conntrack_swept += report->swept;
  // A guard still up from an earlier sweep comes back too (`nft flush ruleset` took it).
  if (report->swept > 0 || sweep_guard_.raised()) sweep_guard_.Raise(governed);
  if (report->swept == 0 && report->forwarded == 0 && report->tcp_kept == 0 && !report->truncated &&
      report->failed == 0) {
    log_->info("no connection was opened to the host while table inet failoverd was missing ({} unmarked entries)",
               report->examined);
    return;
  }
  std::string what = "removed " + std::to_string(report->swept) +
                     " connection-tracking entries opened to the host while table inet failoverd was missing "
                     "(their next packet is judged by the zone)";
  if (report->forwarded)
    what += "; " + std::to_string(report->forwarded) + " forwarded connection(s) without the mark left in place";
  if (report->tcp_kept)
    what += "; " + std::to_string(report->tcp_kept) +
            " TCP connection(s) kept: nf_conntrack_tcp_loose is off, a removed one would not be picked up again";
  if (report->failed) what += "; " + std::to_string(report->failed) + " delete(s) refused";
  if (report->truncated || !report->note.empty()) what += " (" + report->note + ")";
  log_->warn("{}", what);
  events_.Add(clock_.WallNow(), "firewall", what);
}

}  // namespace failoverd
