// CableSession: the probes of one NIC's cable, as an interface — listen for LLDP,
// ARP answers and router advertisements, send ARP probes and router solicitations.
// The real one is a packet socket (failoverd/kernel/cable_probe.h); tests use a fake.
#pragma once

#include <cstdint>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/fingerprint.h"

namespace failoverd::core {

struct CableObservation {
  enum class Kind { kLldp, kArp, kRouterAdvert };
  Kind kind = Kind::kLldp;
  LldpNeighbor lldp;  // kLldp
  ArpAnswer arp;      // kArp
  RouterAdvert ra;    // kRouterAdvert
};

class CableSession {
 public:
  virtual ~CableSession() = default;
  virtual int fd() const = 0;  // readable when observations are waiting
  virtual Status SendArpProbe(const IpAddress& target) = 0;
  virtual Status SendRouterSolicitation() = 0;
  virtual std::vector<CableObservation> Read() = 0;
  virtual uint64_t malformed() const = 0;  // frames refused by the decoders so far
};

}  // namespace failoverd::core
