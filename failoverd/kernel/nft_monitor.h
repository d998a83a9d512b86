// NftMonitor: the nfnetlink socket subscribed to NFNLGRP_NFTABLES, which the
// kernel notifies of every committed nftables change by anyone. Each commit ends
// with a new-generation message naming the committing process; the daemon only
// needs to know whether any commit was someone else's (or notifications were lost),
// which means "read table inet failoverd back and put it right if it changed" —
// e.g. nftables.service loading a ruleset that starts with `flush ruleset`, or an
// administrator's `nft insert rule inet failoverd ...`.
#pragma once

#include <vector>

#include "failoverd/common/status.h"

struct mnl_socket;

namespace failoverd::kernel {

class NftMonitor {
 public:
  NftMonitor() = default;
  ~NftMonitor();
  NftMonitor(const NftMonitor&) = delete;
  NftMonitor& operator=(const NftMonitor&) = delete;

  Status Open();  // non-blocking, joined to NFNLGRP_NFTABLES
  int fd() const;
  struct Drained {
    bool any = false;      // at least one notification (or some were lost)
    bool foreign = false;  // a commit by another process than this one, or lost notifications
  };
  // Reads every pending notification without blocking.
  Drained Drain();

 private:
  mnl_socket* socket_ = nullptr;
  std::vector<char> buffer_;
};

}  // namespace failoverd::kernel
