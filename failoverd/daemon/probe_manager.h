// ProbeManager: runs the cable probes of every managed NIC that has carrier and
// keeps what each one has seen in this link-up (its NicEvidence). On link-up it
// starts a fresh fingerprint, sends ARP probes for every bridge's arp_target
// (kArpTries, kArpInterval apart) and router solicitations (kRsTries), and listens
// for LLDP, ARP answers and RAs. Carrier loss forgets the fingerprint. It tells its
// owner (the daemon) whenever the evidence changes, so the decision is recomputed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <vector>
#include <memory>
#include <set>
#include <string>

#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/core/cable_session.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/observed.h"
#include "failoverd/runtime/event_loop.h"
#include "policy/policy.h"

namespace failoverd {

class ProbeManager {
 public:
  static constexpr int kArpTries = 3;
  static constexpr Millis kArpInterval{1000};
  static constexpr int kRsTries = 2;
  static constexpr Millis kRsInterval{2000};
  // After this long without an answer the probes are done (an unknown network).
  static constexpr Millis kProbeWindow{4000};
  // LLDP cannot be asked for; with LLDP keys the window covers one default tx interval.
  static constexpr Millis kLldpWindow{35000};

  using SessionFactory =
      std::function<Result<std::unique_ptr<core::CableSession>>(int ifindex, const std::string& name, const MacAddress& mac)>;

  ProbeManager(EventLoop& loop, const Clock& clock, SessionFactory factory, std::function<void()> on_change);
  ~ProbeManager();

  // Brings the sessions in line with the managed NICs: opens one for every NIC
  // with carrier (a new link-up starts a fresh fingerprint), closes the rest.
  // `remembered_networks`: identity -> last network, from state.json.
  // Returns true when the evidence changed (a probe was started or stopped).
  bool Sync(const policy::Policy& policy, const core::ObservedState& observed, const core::Decision& decision,
            const std::map<MacAddress, std::string>& remembered_networks);

  const std::map<int, core::NicEvidence>& evidence() const { return evidence_; }
  uint64_t malformed(int ifindex) const;
  // Reads every session now, as if each had become readable.
  void PollAll();

 private:
  struct Session {
    std::unique_ptr<core::CableSession> probe;
    std::string name;
    MonoTime link_up;  // the observed carrier change this session belongs to
    MonoTime started;  // when probing began (the schedule counts from here)
    int arp_sent = 0;
    int rs_sent = 0;
    std::optional<EventLoop::TimerId> timer;
  };

  // Returns true when a session was opened.
  bool Start(int ifindex, const std::string& name, const MacAddress& mac, MonoTime link_up);
  void Stop(int ifindex);
  void Tick(int ifindex);
  void OnReadable(int ifindex);
  void Record(int ifindex, const core::CableObservation& observation);
  // Tells the owner after the current callback has returned (the owner may call Sync,
  // which can close the very session whose callback is running).
  void NotifyChange();
  Millis Window() const;

  EventLoop& loop_;
  const Clock& clock_;
  SessionFactory factory_;
  std::function<void()> on_change_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<IpAddress> arp_targets_;
  bool want_ra_ = false;
  bool lldp_keys_ = false;
  std::map<int, Session> sessions_;
  std::map<int, core::NicEvidence> evidence_;
  // NICs whose session could not be opened, with the link-up it failed in: retried
  // on the next link-up, not on every reconcile.
  std::map<int, MonoTime> failed_;
  bool change_pending_ = false;
};

}  // namespace failoverd
