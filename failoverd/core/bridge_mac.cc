#include "failoverd/core/bridge_mac.h"

#include <cstdint>

namespace failoverd::core {

MacAddress StableBridgeMac(const std::string& machine_id, const std::string& bridge_name) {
  uint64_t hash = 14695981039346656037ULL;
  auto feed = [&hash](const std::string& text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hash ^= 0;  // separator byte
    hash *= 1099511628211ULL;
  };
  feed("failoverd-bridge");
  feed(machine_id);
  feed(bridge_name);
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) mac.bytes[i] = static_cast<uint8_t>(hash >> (8 * i));
  mac.bytes[0] = static_cast<uint8_t>((mac.bytes[0] & 0xfe) | 0x02);  // unicast, locally administered
  return mac;
}

}  // namespace failoverd::core
