// Plain network value types shared by the policy, the decision core and the
// kernel edge: MAC addresses, IP addresses and prefixes. No Linux headers.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace failoverd {

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  // Accepts "aa:bb:cc:dd:ee:ff" (also with '-' separators), case-insensitive.
  static std::optional<MacAddress> Parse(std::string_view text);
  std::string ToString() const;  // lower case, ':' separated
  bool IsZero() const;
  bool IsMulticast() const { return (bytes[0] & 0x01) != 0; }
  // Byte order, as the defaulted comparison would give, but on one integer: MACs key
  // the maps the decision core searches for every NIC on every event.
  std::strong_ordering operator<=>(const MacAddress& other) const { return Key() <=> other.Key(); }
  bool operator==(const MacAddress& other) const { return Key() == other.Key(); }

 private:
  uint64_t Key() const {
    uint64_t key = 0;
    for (uint8_t byte : bytes) key = key << 8 | byte;
    return key;
  }
};

enum class IpFamily { kV4, kV6 };

struct IpAddress {
  IpFamily family = IpFamily::kV4;
  std::array<uint8_t, 16> bytes{};  // first 4 used for IPv4

  static std::optional<IpAddress> Parse(std::string_view text);
  std::string ToString() const;
  size_t size() const { return family == IpFamily::kV4 ? 4 : 16; }
  auto operator<=>(const IpAddress&) const = default;
};

// An address with its prefix length ("192.0.2.9/24"); the host bits are kept,
// because bridge addresses are written this way.
struct IpPrefix {
  IpAddress address;
  int length = 0;

  static std::optional<IpPrefix> Parse(std::string_view text);
  std::string ToString() const;
  bool Contains(const IpAddress& other) const;
  auto operator<=>(const IpPrefix&) const = default;
};

// fnmatch(3)-style glob ("*", "?", "[...]"), used for NIC names, paths, LLDP fields.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace failoverd
