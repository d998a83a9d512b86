// ARP for network identification (RFC 826, RFC 5227): the probe a NIC without
// an address sends to ask "is `target` on this cable?", and the decoder that
// recognises an answer. Pure functions, no socket.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/fingerprint.h"

namespace failoverd::frames {

inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;

// An RFC 5227 ARP probe: Ethernet broadcast from `src`, ARP request with
// sender hardware address `src`, sender IP 0.0.0.0 (so no host that receives
// it updates its ARP cache), target hardware address zero, target IP `target`
// (IPv4). Padded to 60 bytes.
std::vector<uint8_t> BuildArpProbe(const MacAddress& src, const IpAddress& target);

// An Ethernet/IPv4 ARP packet, structurally valid, of any opcode.
struct ArpPacket {
  MacAddress eth_dst;
  MacAddress eth_src;
  uint16_t op = 0;
  MacAddress sender_mac;
  IpAddress sender_ip;
  MacAddress target_mac;
  IpAddress target_ip;
};

// Checks the structure only: ethertype 0x0806 (untagged), hardware type
// Ethernet with 6-byte addresses, protocol IPv4 with 4-byte addresses, opcode
// request or reply. Trailing bytes (padding) are ignored.
Result<ArpPacket> ParseArp(std::span<const uint8_t> frame);

// What `packet` proves about the cable, seen from the NIC with `our_mac`: the
// sender owns sender_ip. That holds for a reply (opcode 2) and — RFC 5227 2.1.1
// counts it as the address being in use — for a request whose sender IP is set.
// The frame must be addressed to `our_mac` or broadcast; frames the NIC only
// saw because it is promiscuous (a bridge port) prove nothing to us, nor do
// probes (sender IP 0.0.0.0) or frames from `our_mac` itself.
// The caller keeps only answers for targets it actually probed.
std::optional<core::ArpAnswer> ArpAnswerFrom(const ArpPacket& packet, const MacAddress& our_mac);

// ParseArp + ArpAnswerFrom, with the reason when there is no answer.
Result<core::ArpAnswer> DecodeArpReply(std::span<const uint8_t> frame, const MacAddress& our_mac);

}  // namespace failoverd::frames
