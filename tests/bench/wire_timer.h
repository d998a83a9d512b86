// WireTimer: the RA baseline's clock. rdisc6 prints no timing and its process
// start-up (~1.5 ms here) dwarfs the exchange itself, so its router solicitation
// and the router's answer are timed on the plain host's wire instead: a packet
// socket in that host's lab namespace, with kernel receive timestamps
// (SO_TIMESTAMPNS), sees the RS leave and the RA arrive.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "failoverd/common/status.h"

namespace failoverd::bench {

class WireTimer {
 public:
  // A packet socket on IFNAME inside lab namespace NETNS.
  static Result<std::unique_ptr<WireTimer>> Open(const std::string& netns, const std::string& ifname);
  ~WireTimer();
  WireTimer(const WireTimer&) = delete;
  WireTimer& operator=(const WireTimer&) = delete;

  // Forgets every frame seen so far.
  void Clear();
  // Among the frames since Clear(): ms from the first router solicitation sent to
  // the first router advertisement received after it; nullopt if either is missing.
  std::optional<double> SolicitationToAdvertMs();

 private:
  explicit WireTimer(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace failoverd::bench
