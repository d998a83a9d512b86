#include "failoverd/core/conntrack_sweep.h"

#include <algorithm>

namespace failoverd::core {
namespace {

bool IsLoopback(const IpAddress& address) {
  if (address.family == IpFamily::kV4) return address.bytes[0] == 127;
  static constexpr IpAddress kV6Loopback{IpFamily::kV6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  return address == kV6Loopback;
}

// Multicast and the IPv4 limited broadcast: to the host, but to none of its addresses.
bool IsGroup(const IpAddress& address) {
  if (address.family == IpFamily::kV6) return address.bytes[0] == 0xff;
  return (address.bytes[0] & 0xf0) == 0xe0 ||
         (address.bytes[0] == 255 && address.bytes[1] == 255 && address.bytes[2] == 255 && address.bytes[3] == 255);
}

bool In(const std::vector<IpAddress>& addresses, const IpAddress& address) {
  return std::find(addresses.begin(), addresses.end(), address) != addresses.end();
}

}  // namespace

SweepVerdict JudgeEntry(const ConntrackEntry& entry, const SweepScope& scope, bool tcp_resumes) {
  if ((entry.mark & scope.accepted_mark) != 0) return SweepVerdict::kAccepted;
  if (IsLoopback(entry.source) || In(scope.host, entry.source) || In(scope.managed, entry.source))
    return SweepVerdict::kHostOpened;
  if (In(scope.managed, entry.destination))
    return entry.protocol == kProtocolTcp && !tcp_resumes ? SweepVerdict::kTcpWouldBreak : SweepVerdict::kSweep;
  if (IsLoopback(entry.destination) || IsGroup(entry.destination) || In(scope.host, entry.destination))
    return SweepVerdict::kNotManaged;
  return SweepVerdict::kForwarded;
}

bool CountUnlessSwept(SweepVerdict verdict, SweepReport& report) {
  switch (verdict) {
    case SweepVerdict::kSweep:
      return true;
    case SweepVerdict::kForwarded:
      ++report.forwarded;
      break;
    case SweepVerdict::kTcpWouldBreak:
      ++report.tcp_kept;
      break;
    default:
      break;
  }
  return false;
}

}  // namespace failoverd::core
