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

// The fields of SSH_CONNECTION failoverd uses: SERVER_IP (checked to be an address,
// without a scope), CLIENT_IP ("" when not an address) and SERVER_PORT (0 when not a
// number); nullopt when the value is not four fields or SERVER_IP is not an address.
struct SshSession {
  std::string server;
  std::string client;
  int port = 0;
};
std::optional<SshSession> SessionFromSshConnection(std::string_view value);

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

// The session of this process: $SSH_CONNECTION, else the nearest ancestor's (up to
// init); nullopt when there is none or it is unreadable.
std::optional<SshSession> FindSshSession();
// Its SERVER_IP.
std::optional<std::string> FindSessionAddress();

}  // namespace failoverd
