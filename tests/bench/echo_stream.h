// EchoStream: a fixed-rate, sequence-numbered ICMP echo stream from a peer host
// to the server's bridge address, sent and received by a thread of its own on a
// raw socket opened inside the peer's lab namespace. A reply proves both
// directions through the failed-over port work, so the outage of one failover is
// the longest silence between two consecutive replies around the cut. ICMP, not
// UDP: the `lan` zone lets ICMP in and drops unsolicited UDP. Like
// tests/lab/icmp_stream.pl, it keeps its schedule (request k at start + k *
// interval) whatever is lost.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include "failoverd/common/status.h"

namespace failoverd::bench {

struct StreamOutage {
  double longest_gap_ms = 0;  // between consecutive replies received in the window
  int lost = 0;               // requests sent in the window that got no reply
  int sent = 0;
};

class EchoStream {
 public:
  EchoStream() = default;
  ~EchoStream() { Stop(); }
  EchoStream(const EchoStream&) = delete;
  EchoStream& operator=(const EchoStream&) = delete;

  // Opens the socket in lab namespace NETNS and starts sending to DESTINATION (IPv4).
  Status Start(const std::string& netns, const std::string& destination, std::chrono::microseconds interval);
  void Stop();
  // When the latest reply arrived (epoch time_point if none yet).
  BenchClock::time_point LastReplyAt() const;

  // The outage seen in [from, to): replies are looked at in the window, lost
  // requests among those sent in [from, to - grace) (a reply may be in flight).
  StreamOutage Outage(BenchClock::time_point from, BenchClock::time_point to,
                      std::chrono::milliseconds grace = std::chrono::milliseconds(20)) const;

 private:
  void Run();

  int fd_ = -1;
  uint32_t destination_ = 0;  // network byte order
  uint16_t id_ = 0;
  std::chrono::microseconds interval_{200};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<BenchClock::time_point> sent_;  // by sequence number
  std::vector<bool> answered_;                // by sequence number
  struct Reply {
    uint32_t seq;
    BenchClock::time_point at;
  };
  std::vector<Reply> replies_;  // in arrival order
};

}  // namespace failoverd::bench
