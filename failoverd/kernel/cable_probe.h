// CableProbe: finds out what network one NIC's cable is on, at layer 2 only
// (the NIC has no addresses and IPv6 disabled). It listens passively for LLDP,
// sends RFC 5227 ARP probes and router solicitations on request, and turns the
// answers into core::CableObservations. The real core::CableSession: one per
// NIC, made and owned by the daemon's ProbeManager. It works whether or not
// the NIC is a bridge port, because a packet socket bound to the NIC sees the
// NIC's frames before the bridge takes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/cable_session.h"
#include "failoverd/frames/frame_sorter.h"

namespace failoverd::kernel {

// Logger of the cable probes (see kernel_log.h for how loggers are made).
inline constexpr const char* kProbeLogger = "probe";

class CableProbe final : public core::CableSession {
 public:
  CableProbe(int ifindex, std::string name, MacAddress mac);
  ~CableProbe() override;
  CableProbe(const CableProbe&) = delete;
  CableProbe& operator=(const CableProbe&) = delete;

  // Opens the NIC's packet socket: non-blocking, close-on-exec, bound to the
  // NIC for every protocol, with a socket filter that lets through only LLDP
  // (also behind one 802.1Q tag), ARP and ICMPv6 router advertisements, and
  // with the LLDP and all-nodes multicast groups joined on the NIC.
  Status Open();
  // Readable when frames are waiting; -1 before Open().
  int fd() const override { return fd_; }

  // Sends an ARP probe for the IPv4 `target`; answers from it are reported
  // from then on (answers for addresses never probed are not).
  Status SendArpProbe(const IpAddress& target) override;
  // Sends a router solicitation; routers answer with a multicast RA.
  Status SendRouterSolicitation() override;

  // Receives every frame waiting (at most kMaxFramesPerRead per call, so one
  // busy NIC cannot starve the event loop) and returns what they showed.
  // Frames the NIC sent itself are skipped.
  std::vector<core::CableObservation> Read() override;

  // Frames that passed the filter but were refused by their decoder.
  uint64_t malformed() const override { return malformed_; }

  const std::string& name() const { return name_; }

  static constexpr int kMaxFramesPerRead = 256;

 private:
  Status Send(const std::vector<uint8_t>& frame, const std::string& what);
  void CountMalformed(const std::string& reason, size_t length);

  const int ifindex_;
  const std::string name_;
  int fd_ = -1;
  frames::SortContext context_;  // our MAC and the addresses probed so far
  std::vector<uint8_t> buffer_;
  uint64_t malformed_ = 0;
  // Malformed frames are logged at debug each, and at info at most once a second
  // per NIC with the number since the last such line.
  uint64_t malformed_unreported_ = 0;
  std::optional<std::chrono::steady_clock::time_point> malformed_reported_at_;
};

}  // namespace failoverd::kernel
