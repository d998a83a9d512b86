#include "failoverd/common/net_types.h"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <cstdio>

namespace failoverd {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<MacAddress> MacAddress::Parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    const int hi = HexValue(text[at]);
    const int lo = HexValue(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[at + 2] != ':' && text[at + 2] != '-') return std::nullopt;
    if (i < 5 && text[at + 2] != text[2]) return std::nullopt;  // one separator style
    mac.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string MacAddress::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

bool MacAddress::IsZero() const {
  for (uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  const std::string s(text);
  IpAddress ip;
  if (s.find(':') != std::string::npos) {
    ip.family = IpFamily::kV6;
    if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  } else {
    ip.family = IpFamily::kV4;
    if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  }
  return ip;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const int af = family == IpFamily::kV4 ? AF_INET : AF_INET6;
  if (!inet_ntop(af, bytes.data(), buf, sizeof buf)) return "?";
  return buf;
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  int length = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + (c - '0');
  }
  const int max = address->family == IpFamily::kV4 ? 32 : 128;
  if (length > max) return std::nullopt;
  return IpPrefix{*address, length};
}

std::string IpPrefix::ToString() const { return address.ToString() + "/" + std::to_string(length); }

bool IpPrefix::Contains(const IpAddress& other) const {
  if (other.family != address.family) return false;
  int bits = length;
  for (size_t i = 0; i < address.size() && bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<uint8_t>(bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff);
    if ((address.bytes[i] & mask) != (other.bytes[i] & mask)) return false;
  }
  return true;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

}  // namespace failoverd
