// The control socket's line protocol, shared by failoverd and failoverctl.
//
//   A client connects to the unix stream socket (default /run/failoverd/control.sock)
//   and writes ONE request line: the command words separated by single spaces,
//   terminated by '\n', at most 4096 bytes including the '\n'. A word is never
//   empty and holds no space and no control character:
//
//     status
//     events
//     attach hweth1 eth0
//     apply /etc/failoverd/new-policy.toml 120
//     isolate eth0 confirm=60 session=192.0.2.10
//
//   After its first argument a command may take option words, NAME=VALUE or a bare
//   NAME, in any order (request_options.h). `isolate BRIDGE` takes `confirm=SECONDS`
//   (restored unless `confirm` follows in time) or `force` (isolate even a guarded
//   bridge), and `session=ADDRESS`: the local address the caller's session arrived on
//   (failoverctl sends it when SSH_CONNECTION tells it), so that the bridge it comes
//   in through is refused like the one of the default route.
//
//   The server answers with exactly one line of JSON and closes the connection:
//
//     {"ok":true,"result":<any JSON>}
//     {"ok":false,"error":"message"}
//
//   Exception: after `events follow` the connection stays open and the server
//   writes one JSON object per line, {"event":{...}}, until the client closes it
//   (a refused `events follow` gets the usual {"ok":false,...} line instead).
//
//   A request line longer than 4096 bytes, or one not complete within 5 seconds
//   of connecting, is answered with an error line and the connection is closed.
//
// Everything here is pure: no sockets, no Linux headers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "failoverd/common/status.h"

namespace failoverd {

// Longest request line a server accepts, counting the terminating '\n'.
inline constexpr size_t kMaxRequestBytes = 4096;

// One parsed request: the command words in order, e.g. {"attach", "hweth1", "eth0"}.
struct Request {
  std::vector<std::string> words;
};

// What a command handler answers: a result on success, a message a person can
// read on refusal or failure.
struct Reply {
  bool ok = true;
  nlohmann::json result;
  std::string error;

  static Reply Ok(nlohmann::json result_value = nullptr) {
    return Reply{true, std::move(result_value), {}};
  }
  static Reply Error(std::string message) { return Reply{false, nullptr, std::move(message)}; }
};

// Parses one request line. `line` may carry its terminating '\n' (only that one
// is stripped); the words must be separated by single spaces.
Result<Request> ParseRequest(std::string_view line);

// The two functions failoverctl needs are inline so that it can use this
// header without linking the daemon's library.

// True when `word` can travel as one word of a request line: not empty, no
// space, no control character.
inline bool IsValidWord(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

// Builds the request line (with '\n') for `words`; the words must be valid.
inline std::string FormatRequest(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line += ' ';
    line += word;
  }
  line += '\n';
  return line;
}

// The reply lines, each terminated by '\n'. Invalid UTF-8 in strings is
// replaced rather than thrown about.
std::string FormatOk(const nlohmann::json& result);
std::string FormatError(std::string_view message);
std::string FormatReply(const Reply& reply);
// One line of an `events follow` stream: {"event":<event>}.
std::string FormatEvent(const nlohmann::json& event);

}  // namespace failoverd
