#include "failoverd/frames/lldp_decoder.h"

#include <cstdio>
#include <optional>

#include "failoverd/frames/byte_reader.h"
#include "failoverd/frames/ethernet.h"

namespace failoverd::frames {

namespace {

// TLV types (IEEE 802.1AB-2016 table 8-1).
constexpr uint8_t kTlvEnd = 0;
constexpr uint8_t kTlvChassisId = 1;
constexpr uint8_t kTlvPortId = 2;
constexpr uint8_t kTlvTtl = 3;
constexpr uint8_t kTlvPortDescription = 4;
constexpr uint8_t kTlvSystemName = 5;
constexpr uint8_t kTlvOrganizational = 127;

// Chassis ID subtypes (8.5.2.2) and port ID subtypes (8.5.3.2): the same
// meanings sit at different numbers.
constexpr uint8_t kChassisSubtypeMac = 4;
constexpr uint8_t kChassisSubtypeNetworkAddress = 5;
constexpr uint8_t kPortSubtypeMac = 3;
constexpr uint8_t kPortSubtypeNetworkAddress = 4;

// Network address IDs start with an IANA address family number.
constexpr uint8_t kIanaFamilyIpv4 = 1;
constexpr uint8_t kIanaFamilyIpv6 = 2;

// IEEE 802.1 organizationally specific TLVs (Annex D): OUI 00-80-c2, subtype 1
// is the Port VLAN ID, two bytes.
constexpr uint8_t kOui8021[3] = {0x00, 0x80, 0xc2};
constexpr uint8_t kOui8021SubtypePortVlan = 1;

struct Tlv {
  uint8_t type = 0;
  std::span<const uint8_t> value;
};

// A TLV header is 7 bits of type and 9 bits of length.
std::optional<Tlv> ReadTlv(ByteReader& r, std::string* error) {
  auto header = r.U16();
  if (!header) {
    *error = r.empty() ? "no End TLV" : "truncated TLV header";
    return std::nullopt;
  }
  Tlv tlv;
  tlv.type = static_cast<uint8_t>(*header >> 9);
  const size_t length = *header & 0x01ff;
  auto value = r.Bytes(length);
  if (!value) {
    *error = "TLV " + std::to_string(tlv.type) + " of length " + std::to_string(length) +
             " overruns the frame";
    return std::nullopt;
  }
  tlv.value = *value;
  return tlv;
}

// Renders a chassis or port ID value (subtype byte first). `mac_subtype` and
// `address_subtype` differ between the two TLVs.
Result<std::string> RenderId(const char* what, std::span<const uint8_t> value, uint8_t mac_subtype,
                             uint8_t address_subtype) {
  // 1 byte of subtype and 1 to 255 bytes of ID.
  if (value.size() < 2 || value.size() > 256)
    return Status::Error(std::string(what) + " TLV of length " + std::to_string(value.size()));
  const uint8_t subtype = value[0];
  const auto id = value.subspan(1);
  if (subtype == mac_subtype) {
    if (id.size() != 6)
      return Status::Error(std::string(what) + " MAC address of " + std::to_string(id.size()) +
                           " bytes");
    return MacFromBytes(id.first<6>()).ToString();
  }
  if (subtype == address_subtype) {
    const uint8_t family = id[0];
    const auto address = id.subspan(1);
    if (family == kIanaFamilyIpv4 || family == kIanaFamilyIpv6) {
      IpAddress ip;
      ip.family = family == kIanaFamilyIpv4 ? IpFamily::kV4 : IpFamily::kV6;
      if (address.size() != ip.size())
        return Status::Error(std::string(what) + " network address of " +
                             std::to_string(address.size()) + " bytes");
      std::copy(address.begin(), address.end(), ip.bytes.begin());
      return ip.ToString();
    }
    // Another family (e.g. 6, IEEE 802): shown as text like any other subtype.
  }
  return EscapeLldpText(id);
}

}  // namespace

std::string EscapeLldpText(std::span<const uint8_t> bytes) {
  std::string text;
  text.reserve(bytes.size());
  for (uint8_t b : bytes) {
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      text.push_back(static_cast<char>(b));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", b);
      text += escaped;
    }
  }
  return text;
}

Result<core::LldpNeighbor> DecodeLldp(std::span<const uint8_t> frame) {
  auto ethernet = ParseEthernet(frame, /*allow_vlan_tag=*/true);
  if (!ethernet.ok()) return ethernet.status();
  if (ethernet->ethertype != kEtherTypeLldp) return Status::Error("not an LLDP ethertype");
  const MacAddress& dst = ethernet->dst;
  if (dst != kLldpNearestBridgeMac && dst != kLldpNearestNonTpmrBridgeMac &&
      dst != kLldpNearestCustomerBridgeMac) {
    return Status::Error("LLDP to " + dst.ToString() + ", not an LLDP group address");
  }

  ByteReader r(frame.subspan(ethernet->payload_offset));
  std::string error;
  core::LldpNeighbor neighbor;

  // The three mandatory TLVs, in this order (8.2).
  constexpr uint8_t kMandatory[] = {kTlvChassisId, kTlvPortId, kTlvTtl};
  constexpr const char* kMandatoryNames[] = {"chassis ID", "port ID", "TTL"};
  for (size_t i = 0; i < 3; ++i) {
    if (r.empty()) return Status::Error(std::string("missing ") + kMandatoryNames[i] + " TLV");
    auto tlv = ReadTlv(r, &error);
    if (!tlv) return Status::Error(error);
    if (tlv->type != kMandatory[i])
      return Status::Error(std::string("TLV ") + std::to_string(tlv->type) + " where the " +
                           kMandatoryNames[i] + " TLV must be");
    if (tlv->type == kTlvChassisId) {
      auto id =
          RenderId("chassis ID", tlv->value, kChassisSubtypeMac, kChassisSubtypeNetworkAddress);
      if (!id.ok()) return id.status();
      neighbor.chassis_id = std::move(id).value();
    } else if (tlv->type == kTlvPortId) {
      auto id = RenderId("port ID", tlv->value, kPortSubtypeMac, kPortSubtypeNetworkAddress);
      if (!id.ok()) return id.status();
      neighbor.port_id = std::move(id).value();
    } else {
      if (tlv->value.size() != 2)
        return Status::Error("TTL TLV of length " + std::to_string(tlv->value.size()));
      neighbor.ttl_s = static_cast<uint16_t>(tlv->value[0] << 8 | tlv->value[1]);
    }
  }

  bool have_port_description = false;
  bool have_system_name = false;
  while (true) {
    auto tlv = ReadTlv(r, &error);
    if (!tlv) return Status::Error(error);
    switch (tlv->type) {
      case kTlvEnd:
        if (!tlv->value.empty()) return Status::Error("End TLV with a length");
        // Whatever follows is padding of a short frame.
        return neighbor;
      case kTlvChassisId:
      case kTlvPortId:
      case kTlvTtl:
        return Status::Error("duplicate " + std::string(kMandatoryNames[tlv->type - 1]) + " TLV");
      case kTlvPortDescription:
        // At most one is allowed; a second one is ignored, the first one wins.
        if (!have_port_description) neighbor.port_description = EscapeLldpText(tlv->value);
        have_port_description = true;
        break;
      case kTlvSystemName:
        if (!have_system_name) neighbor.system_name = EscapeLldpText(tlv->value);
        have_system_name = true;
        break;
      case kTlvOrganizational: {
        if (tlv->value.size() < 4)
          return Status::Error("organizational TLV of length " + std::to_string(tlv->value.size()));
        const auto& v = tlv->value;
        const bool ieee_8021 = v[0] == kOui8021[0] && v[1] == kOui8021[1] && v[2] == kOui8021[2];
        if (ieee_8021 && v[3] == kOui8021SubtypePortVlan) {
          if (v.size() != 6)
            return Status::Error("port VLAN ID TLV of length " + std::to_string(v.size()));
          const auto pvid = static_cast<uint16_t>(v[4] << 8 | v[5]);
          // 0: the port does not support VLANs or its PVID is not known (D.2.1.1).
          if (pvid != 0) neighbor.port_vlan = pvid;
        }
        break;
      }
      default:
        break;  // system description, capabilities, management address, reserved: skipped
    }
  }
}

}  // namespace failoverd::frames
