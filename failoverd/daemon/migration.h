// Migration: converting a live host onto the scheme under a confirm window
// (`failoverd --migrate [--confirm SECONDS]`, or the first start on a host whose
// NIC named like a bridge still carries addresses).
//
//   Begin      before the daemon starts: finds the NICs to convert, refuses (with
//              what to change first) a NIC a DHCP client or network manager
//              drives, or one the policy would not keep as its bridge's port with
//              its MAC; records the host as it is (HostSnapshot) and the deadline
//              in state.json, durably, before anything changes.
//              With --migrate, a bridge with a policy bridge's name that failoverd
//              did not make is taken over too (refused when it has a port the
//              policy does not select, or would change MAC or port): recorded
//              with its alias, MAC, STP and ports, then marked as failoverd's.
//   (Daemon::Start then converts like for any NIC named like a bridge: the NIC
//   becomes hwethN, the bridge takes the name with the NIC's MAC, its zone is
//   installed before it is up, the NIC becomes its port.)
//   CarryOver  right after: the NIC's addresses and routes go onto the bridge.
//   Confirm    `failoverctl confirm`: the conversion stays.
//   RollBack   not confirmed in time, the daemon stopped inside the window, or a
//              daemon that died inside it is started again: the host is put back
//              exactly as recorded, and failoverd does not convert it again by
//              itself (`failoverd --migrate` does).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/migration.h"
#include "failoverd/kernel/host_snapshot.h"
#include "failoverd/state/state_store.h"
#include "firewall/nft_firewall.h"
#include "policy/policy.h"

namespace failoverd {

// failoverd's exit status after a conversion was rolled back, and when it refuses
// to convert again by itself; the unit's RestartPreventExitStatus names it.
inline constexpr int kExitNotConverted = 4;

class Migration {
 public:
  Migration(const policy::Policy& policy, std::string machine_id, core::KernelOps& kernel,
            firewall::NftFirewall& firewall);

  // A conversion left pending in state.json by a daemon that stopped inside its
  // window: rolls it back. True when there was one (whatever the outcome, the
  // daemon then exits with kExitNotConverted); `message` says what happened.
  bool UndoLeftover(std::string& message);

  // What a start would convert here, and why it would refuse; changes nothing.
  struct Judgement {
    core::ObservedState observed;
    std::vector<core::MigrationCandidate> candidates;
    std::vector<core::BridgeTakeover> takeovers;  // with --migrate only
    std::map<int, std::vector<core::AddressFact>> addresses;
    std::string declined;               // a rolled-back conversion keeps a plain start from converting
    std::vector<std::string> problems;  // a NIC driven by something else, a MAC or port the policy changes
  };
  Result<Judgement> Judge(bool requested);
  // Before Daemon::Start. True when a conversion is under way; an error means
  // failoverd must not start (nothing was changed).
  Result<bool> Begin(bool requested, int confirm_seconds);
  // After Daemon::Start: the recorded addresses and routes onto the bridges.
  Status CarryOver();

  bool pending() const { return pending_; }
  // The bridges of this conversion: those made of a NIC, and those taken over.
  std::vector<std::string> BridgeNames() const;
  // The ifindexes of the NICs being converted (live, but not to be left alone).
  std::set<int> ConvertingNics() const {
    std::set<int> out;
    if (pending_)
      for (const auto& candidate : candidates_) out.insert(candidate.ifindex);
    return out;
  }
  std::chrono::system_clock::time_point deadline() const { return deadline_; }
  // Ends the window; nullopt when no conversion is pending.
  std::optional<std::string> Confirm();
  nlohmann::json StatusJson() const;  // null when nothing is pending
  // Puts the host back as recorded; `why` goes into the log and state.json.
  Status RollBack(const std::string& why);

 private:
  Status Record();
  // Puts failoverd's mark on the bridges taken over, so the start governs them.
  Status MarkTakeovers();
  // state.json after a rollback: no pending conversion, the refusal to convert again
  // by itself (with `why`), and the names the conversion gave taken back.
  Status Forget(const std::string& why);
  static std::string BootId();
  Status Restore(const kernel::HostSnapshot& snapshot);

  const policy::Policy& policy_;
  std::string machine_id_;
  core::KernelOps& kernel_;
  firewall::NftFirewall& firewall_;
  kernel::NetlinkRequester rtnl_;
  StateStore state_;
  std::shared_ptr<spdlog::logger> log_;

  bool pending_ = false;
  std::vector<core::MigrationCandidate> candidates_;
  std::vector<core::BridgeTakeover> takeovers_;
  kernel::HostSnapshot snapshot_;
  std::map<MacAddress, std::string> names_before_;
  std::chrono::system_clock::time_point deadline_{};
};

}  // namespace failoverd
