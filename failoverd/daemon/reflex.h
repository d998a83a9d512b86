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
//
// A daemon that lives but has stopped moving (a deadlock, a loop that never ends, a
// SIGSTOP) fails over no more than a dead one. The daemon beats over the pair — every
// second from its loop and between the steps of every plan — and a reflex that hears
// nothing for kReflexStallSeconds kills it (SIGKILL: nothing of it runs again) and
// arms, as for a crash; systemd starts the next daemon, which takes over as usual.
// The other way round, the reflex answers every message: one that stays silent for
// kReflexSilenceSeconds is killed and started again, and systemd's watchdog is fed
// only while both the daemon's loop turns and the reflex answers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/core/reflex_table.h"

namespace failoverd {

inline constexpr int kReflexHoldSeconds = 600;
inline constexpr int kReflexStallSeconds = 10;
inline constexpr int kReflexBeatMs = 1000;  // the daemon's loop beats this often
// The reflex answers every message; one silent this long is killed and started again,
// and meanwhile the daemon does not feed systemd's watchdog.
inline constexpr int kReflexSilenceSeconds = 5;
inline constexpr int kReflexReviveSeconds = 10;  // a reflex is started at most this often

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
  // started again (at most every kReflexReviveSeconds).
  void Publish(const core::ReflexTable& table);
  // Proof that the daemon moves: sent unless something went to the reflex in the
  // last 250 ms. Reads the reflex's answers; one silent for kReflexSilenceSeconds is
  // killed. A reflex that died is started again here too.
  void Beat();
  // Whether the reflex has answered within kReflexSilenceSeconds (true when none was
  // started: nothing to wait for). systemd's watchdog is fed only while it has.
  bool Responsive();
  // A clean stop: the reflex ends instead of arming.
  void Bye();

 private:
  void Reap();
  // Reads the reflex's answers that have come in, without waiting.
  void HearAnswers();
  // Starts a reflex again after it died, at most every kReflexReviveSeconds; false if none runs.
  bool Revive();
  // Sends one message without waiting; false (and the reflex is given up) if it is gone.
  bool Send(const std::string& message);

  int fd_ = -1;
  int pid_ = 0;
  int dying_ = 0;  // a reflex told to end (or killed) that had not ended yet: reaped by a later beat
  std::string socket_path_, log_level_, sent_;
  std::string table_;  // the last table published, sent to a revived reflex
  long long last_start_s_ = 0;
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point last_heard_{};  // the reflex's last answer (or its start)
};

}  // namespace failoverd
