// libFuzzer target: every input is handed, as one received Ethernet frame, to
// the LLDP, ARP and router advertisement decoders and to the frame sorter the
// cable probe uses. Under AddressSanitizer and UndefinedBehaviorSanitizer any
// read outside the input or undefined arithmetic stops the run; a decoded
// value that breaks the decoders' own promises aborts it as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "failoverd/frames/arp_frames.h"
#include "failoverd/frames/frame_sorter.h"
#include "failoverd/frames/ipv6_nd_frames.h"
#include "failoverd/frames/lldp_decoder.h"

namespace {

using namespace failoverd;

const MacAddress kOurMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x11}};

void Check(bool condition) {
  if (!condition) std::abort();
}

// Printable ASCII only: the decoder escapes everything else.
bool Printable(const std::string& text) {
  for (char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> frame(data, size);

  if (auto lldp = frames::DecodeLldp(frame); lldp.ok()) {
    Check(!lldp->chassis_id.empty() && !lldp->port_id.empty());
    Check(Printable(lldp->chassis_id) && Printable(lldp->port_id));
    Check(Printable(lldp->system_name) && Printable(lldp->port_description));
  } else {
    Check(!lldp.message().empty());
  }

  if (auto arp = frames::DecodeArpReply(frame, kOurMac); arp.ok()) {
    Check(arp->target.family == IpFamily::kV4);
    Check(arp->mac != kOurMac && !arp->mac.IsMulticast());
  }

  if (auto ra = frames::DecodeRouterAdvert(frame); ra.ok()) {
    Check(ra->router.family == IpFamily::kV6);
    for (const IpPrefix& prefix : ra->prefixes) {
      Check(prefix.length >= 0 && prefix.length <= 128);
      // Host bits are cleared: the prefix contains exactly its own network address.
      Check(prefix.Contains(prefix.address));
    }
  }

  frames::SortContext context;
  context.our_mac = kOurMac;
  context.arp_targets.insert(IpAddress{IpFamily::kV4, {192, 0, 2, 1}});
  for (bool tagged : {false, true}) {
    const frames::SortedFrame sorted = frames::SortCableFrame(frame, tagged, context);
    Check((sorted.kind == frames::SortedFrame::Kind::kObservation) == sorted.reason.empty());
  }
  return 0;
}
