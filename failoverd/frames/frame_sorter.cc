#include "failoverd/frames/frame_sorter.h"

#include <utility>

#include "failoverd/frames/arp_frames.h"
#include "failoverd/frames/ethernet.h"
#include "failoverd/frames/ipv6_nd_frames.h"
#include "failoverd/frames/lldp_decoder.h"

namespace failoverd::frames {

namespace {

using Kind = core::CableObservation::Kind;

SortedFrame Malformed(std::string reason) {
  return SortedFrame{SortedFrame::Kind::kMalformed, {}, std::move(reason)};
}
SortedFrame Ignored(std::string reason) {
  return SortedFrame{SortedFrame::Kind::kIgnored, {}, std::move(reason)};
}
SortedFrame Seen(core::CableObservation observation) {
  return SortedFrame{SortedFrame::Kind::kObservation, std::move(observation), ""};
}

}  // namespace

SortedFrame SortCableFrame(std::span<const uint8_t> frame, bool vlan_tagged,
                           const SortContext& context) {
  auto ethernet = ParseEthernet(frame, /*allow_vlan_tag=*/true);
  if (!ethernet.ok()) return Malformed(ethernet.message());
  switch (ethernet->ethertype) {
    case kEtherTypeLldp: {
      auto lldp = DecodeLldp(frame);
      if (!lldp.ok()) return Malformed(lldp.message());
      core::CableObservation observation;
      observation.kind = Kind::kLldp;
      observation.lldp = std::move(lldp).value();
      return Seen(std::move(observation));
    }
    case kEtherTypeArp: {
      if (vlan_tagged || ethernet->vlan) return Ignored("ARP on a tagged VLAN");
      auto packet = ParseArp(frame);
      if (!packet.ok()) return Malformed(packet.message());
      auto answer = ArpAnswerFrom(*packet, context.our_mac);
      if (!answer) return Ignored("ARP that answers nothing we asked");
      if (!context.arp_targets.contains(answer->target))
        return Ignored("ARP from " + answer->target.ToString() + ", which we did not probe");
      core::CableObservation observation;
      observation.kind = Kind::kArp;
      observation.arp = *answer;
      return Seen(std::move(observation));
    }
    case kEtherTypeIpv6: {
      if (vlan_tagged || ethernet->vlan) return Ignored("RA on a tagged VLAN");
      auto ra = DecodeRouterAdvert(frame);
      if (!ra.ok()) return Malformed(ra.message());
      core::CableObservation observation;
      observation.kind = Kind::kRouterAdvert;
      observation.ra = std::move(ra).value();
      return Seen(std::move(observation));
    }
    default:
      return Malformed("ethertype " + std::to_string(ethernet->ethertype) +
                       " that the socket filter should not have passed");
  }
}

}  // namespace failoverd::frames
