// Which zone and bridge names the firewall accepts, and the chain names it
// derives from a bridge name.
#include <string>
#include <string_view>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

// IFNAMSIZ (16) less the terminating NUL.
constexpr size_t kMaxInterfaceName = 15;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

Status CheckZoneName(const std::string& zone) {
  if (zone.empty()) return Status::Error("zone name is empty");
  for (char c : zone) {
    if (!IsAsciiAlnum(c) && c != '_' && c != '-') {
      return Status::Error("invalid zone name '" + zone +
                           "': only letters, digits, '_' and '-' are allowed");
    }
  }
  return Status::Ok();
}

Status CheckBridgeName(const std::string& bridge) {
  if (bridge.empty()) return Status::Error("bridge name is empty");
  if (bridge.size() > kMaxInterfaceName) {
    return Status::Error("invalid bridge name '" + bridge + "': longer than 15 characters");
  }
  if (bridge == "." || bridge == "..") {
    return Status::Error("invalid bridge name '" + bridge + "'");
  }
  for (char c : bridge) {
    // Anything else would need quoting in a chain name, which nft does not allow.
    if (!IsAsciiAlnum(c) && c != '_' && c != '-' && c != '.') {
      return Status::Error("invalid bridge name '" + bridge +
                           "': only letters, digits, '_', '-' and '.' are allowed");
    }
  }
  return Status::Ok();
}

std::string InputChainName(const std::string& bridge) { return "in_" + bridge; }

std::string ForwardChainName(const std::string& bridge) { return "fwd_" + bridge; }

}  // namespace failoverd::firewall
