#include "failoverd/frames/ethernet.h"

#include <algorithm>

#include "failoverd/frames/byte_reader.h"

namespace failoverd::frames {

MacAddress MacFromBytes(std::span<const uint8_t, 6> bytes) {
  MacAddress mac;
  std::copy(bytes.begin(), bytes.end(), mac.bytes.begin());
  return mac;
}

Result<EthernetHeader> ParseEthernet(std::span<const uint8_t> frame, bool allow_vlan_tag) {
  ByteReader r(frame);
  auto dst = r.Bytes(6);
  auto src = r.Bytes(6);
  auto ethertype = r.U16();
  if (!dst || !src || !ethertype) return Status::Error("truncated Ethernet header");
  EthernetHeader header;
  header.dst = MacFromBytes(dst->first<6>());
  header.src = MacFromBytes(src->first<6>());
  header.ethertype = *ethertype;
  if (header.ethertype == kEtherTypeVlan) {
    if (!allow_vlan_tag) return Status::Error("802.1Q-tagged frame");
    auto tci = r.U16();
    auto inner = r.U16();
    if (!tci || !inner) return Status::Error("truncated 802.1Q tag");
    if (*inner == kEtherTypeVlan) return Status::Error("stacked 802.1Q tags");
    header.vlan = static_cast<uint16_t>(*tci & 0x0fff);
    header.ethertype = *inner;
  }
  header.payload_offset = r.offset();
  return header;
}

}  // namespace failoverd::frames
