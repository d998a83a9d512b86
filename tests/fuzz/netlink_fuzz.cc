// libFuzzer target: every input is one datagram read from an rtnetlink socket.
// It is cut into messages exactly as our readers do (NetlinkRequester::Exchange,
// LinkMonitor::Read: NetlinkMessageFits / mnl_nlmsg_next, so each header's
// nlmsg_len is at least a header and fits in what is left); each message is
// copied out with CopyNetlinkMessage as Exchange keeps it (a heap buffer of its
// aligned length, so a read past it is a heap overflow for ASan) and handed to
// all four parsers: ParseLinkMessage, ParseAddressMessage, ParseDefaultRoute and
// ParseDefaultRouteHops.
// Each ignores the message types that are not its own, as on a real socket.
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/link_parser.h"
#include "failoverd/kernel/netlink_requester.h"
#include "failoverd/kernel/route_requests.h"

namespace {

using namespace failoverd;
using namespace failoverd::kernel;

void Check(bool condition) {
  if (!condition) std::abort();
}

void ParseOne(const NetlinkMessage& message) {
  const nlmsghdr* nlh = Header(message);
  const uint16_t type = nlh->nlmsg_type;

  if (auto link = ParseLinkMessage(nlh)) {
    Check(type == RTM_NEWLINK || type == RTM_DELLINK);
    Check(link->name.find('\0') == std::string::npos);
    Check(link->name.size() < message.size());
  }
  if (auto address = ParseAddressMessage(nlh)) {
    Check(type == RTM_NEWADDR);
    Check(address->prefix.address.family == IpFamily::kV4 ||
          address->prefix.address.family == IpFamily::kV6);
    (void)address->prefix.ToString();
    (void)address->prefix.Contains(address->prefix.address);
    (void)address->tentative();
  }
  if (auto route = ParseDefaultRoute(nlh)) {
    Check(type == RTM_NEWROUTE);
    if (route->gateway) (void)route->gateway->ToString();
  }
  for (const auto& hop : ParseDefaultRouteHops(nlh)) {
    Check(type == RTM_NEWROUTE && hop.ifindex > 0);
    if (hop.gateway) (void)hop.gateway->ToString();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The socket's receive buffer: aligned, as the kernel's messages are.
  std::vector<uint8_t> datagram(data, data + size);
  int remaining = static_cast<int>(datagram.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data());
       NetlinkMessageFits(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    ParseOne(CopyNetlinkMessage(nlh));
  }
  return 0;
}
