// ControlClient: failoverctl's end of the control socket (protocol in
// failoverd/control/control_protocol.h). It connects, sends one request line
// and reads reply lines; what the lines mean is the caller's business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/clock.h"
#include "failoverd/common/status.h"

namespace failoverd {

class ControlClient {
 public:
  explicit ControlClient(std::string socket_path);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Connects. A failure means the daemon is unreachable; its message reads
  // "cannot reach failoverd at PATH: <strerror>". `reply_timeout` bounds each
  // later wait for data (Millis{0}: wait for ever, as `events --follow` does).
  Status Connect(Millis reply_timeout);
  // Sends the request line for `words` (which must be valid protocol words).
  Status Send(const std::vector<std::string>& words);
  // The next line without its '\n'; std::nullopt when the daemon closed the
  // connection first. An error on a broken connection or a timeout.
  Result<std::optional<std::string>> ReadLine();

  const std::string& socket_path() const { return socket_path_; }

 private:
  const std::string socket_path_;
  int fd_ = -1;
  std::string buffer_;  // received bytes not yet returned as a line
};

}  // namespace failoverd
