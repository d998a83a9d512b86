// The reflex: a small process the daemon starts (`failoverd --reflex-fd N`) that
// fails over while the daemon itself is dead — crashed, killed by the watchdog,
// restarting or being upgraded — the way bonding does while no daemon runs at all.
//
// While the daemon lives the reflex only keeps the last table it published
// (core/reflex_table.h) and changes nothing: the daemon is then the one writer of
// port membership. When the daemon's end of the pair closes without a "bye" (a
// clean stop says bye, and the reflex ends with it), the reflex arms: on its own
// netlink socket it watches the table's active ports (their notifications, and for
// 1.1 s after any the carrier of each every millisecond, as the daemon does) and
// attaches the table's first usable standby when one loses carrier or is removed,
// never while another port of that bridge still has carrier, and announces the
// bridge's addresses and MACs out of it as the daemon would. The next daemon, before
// it changes anything, asks it to stop over a unix socket next to the control socket
// (ReflexLink::HandOver) and learns what it did. An armed reflex that no daemon asks
// for ends by itself after kReflexHoldSeconds.
#pragma once

#include <string>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/core/reflex_table.h"

namespace failoverd {

inline constexpr int kReflexHoldSeconds = 600;

// `failoverd --reflex-fd FD --reflex-socket PATH`: runs the reflex; the exit code.
int RunReflex(int table_fd, const std::string& socket_path);

// The daemon's side.
class ReflexLink {
 public:
  ReflexLink() = default;
  ~ReflexLink();
  ReflexLink(const ReflexLink&) = delete;
  ReflexLink& operator=(const ReflexLink&) = delete;

  // Asks a reflex left by an earlier daemon (listening at `socket_path`) to stop,
  // waiting at most a second; returns what it did ("eth0: hweth1 attached, hweth0
  // lost carrier"), empty when there was none.
  static std::vector<std::string> HandOver(const std::string& socket_path);

  // Starts a reflex (this program with --reflex-fd) for the socket at `socket_path`.
  Status Start(const std::string& socket_path, const std::string& log_level);
  // Sends `table` if it differs from the last one sent. A reflex that died is
  // started again (at most once a minute).
  void Publish(const core::ReflexTable& table);
  // A clean stop: the reflex ends instead of arming.
  void Bye();

 private:
  void Reap();

  int fd_ = -1;
  int pid_ = 0;
  std::string socket_path_, log_level_, sent_;
  long long last_start_s_ = 0;
};

}  // namespace failoverd
