// Which local address the caller's session came in on, so that failoverd can refuse
// to cut that session off (`isolate` of the bridge it arrives through). failoverctl
// reads sshd's SSH_CONNECTION ("CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT") from its
// own environment, or — when sudo dropped it — from the nearest ancestor process that
// still has it. The parsing is pure and unit-tested; only FindSessionAddress reads /proc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace failoverd {

// SERVER_IP of an SSH_CONNECTION value, checked to be an IP address; a scope
// ("fe80::1%eth0") is dropped. nullopt when the value is not four fields or the third
// is not an address.
std::optional<std::string> SessionAddressFromSshConnection(std::string_view value);

// The value of SSH_CONNECTION in a /proc/PID/environ image `image` (NUL-separated
// NAME=VALUE entries); nullopt when absent.
std::optional<std::string> SshConnectionFromEnviron(std::string_view image);

// The parent pid in a /proc/PID/stat line ("PID (COMM) STATE PPID ..."; COMM may hold
// spaces and parentheses); nullopt when malformed.
std::optional<int> ParentPidFromStat(std::string_view stat);

// The session address of this process: $SSH_CONNECTION, else the nearest ancestor's
// (up to init); nullopt when there is none or it is unreadable.
std::optional<std::string> FindSessionAddress();

}  // namespace failoverd
