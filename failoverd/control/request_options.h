// Option words of a control request (see control_protocol.h): after a command's
// first argument may come words `NAME=VALUE` or a bare `NAME`, in any order, e.g.
//
//   isolate eth0 confirm=60 session=192.0.2.10
//
// A command takes out the options it knows; whatever is left is its positional
// arguments, so an option a command does not know stays and is refused as a wrong
// argument. The first argument (a NIC, a bridge, an absolute file) is never an
// option, so a bridge called `force` is still a bridge. Pure; failoverctl uses only
// the word names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd {

// `session=ADDRESS`: the local address the caller's session arrived on (failoverctl
// reads it from SSH_CONNECTION); any command that guards against cutting its caller off
// may receive it.
inline constexpr std::string_view kSessionOption = "session";
// The client address and the local port of that session (apply and reload check
// that the new policy would still let the client in on that port).
inline constexpr std::string_view kSessionPeerOption = "session_peer";
inline constexpr std::string_view kSessionPortOption = "session_port";
// `isolate BRIDGE confirm=SECONDS` / `isolate BRIDGE force`.
inline constexpr std::string_view kConfirmOption = "confirm";
inline constexpr std::string_view kForceFlag = "force";

// Removes the `NAME=VALUE` word from args[1..] and returns VALUE; nullopt when there
// is none; an error when it is given twice or VALUE is empty.
Result<std::optional<std::string>> TakeOption(std::vector<std::string>& args, std::string_view name);
// Removes the bare word NAME from args[1..]; whether it was there, an error when it
// is there more than once (`isolate eth0 force force` is a mistake, not a stronger force).
Result<bool> TakeFlag(std::vector<std::string>& args, std::string_view name);
// Removes `session=ADDRESS` and parses it (an IPv4-mapped IPv6 address counts as the
// IPv4 address it maps, as sshd may report it); an error when it is not an address.
Result<std::optional<IpAddress>> TakeSession(std::vector<std::string>& args);

}  // namespace failoverd
