// NftMonitor: the nfnetlink socket subscribed to NFNLGRP_NFTABLES, which the
// kernel notifies of every committed nftables change by anyone. The daemon does
// not parse the messages: any change (or a lost notification) only means "read
// table inet failoverd back and put it right if someone else flushed or replaced
// it" — e.g. nftables.service loading a ruleset that starts with `flush ruleset`.
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
  // Reads every pending notification without blocking; true if there was any
  // (or the kernel dropped some: ENOBUFS).
  bool Drain();

 private:
  mnl_socket* socket_ = nullptr;
  std::vector<char> buffer_;
};

}  // namespace failoverd::kernel
