// LinkMonitor: the rtnetlink event socket. Subscribed to RTNLGRP_LINK, it turns
// the kernel's link notifications into LinkEvents carrying the same complete
// LinkInfo that RtnlOps::DumpLinks produces (same parser, same enrichment).
// The daemon's event loop owns it, polls fd() and calls Read() when readable.
#pragma once

#include <memory>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/kernel/link_event.h"

struct mnl_socket;
struct udev;
namespace spdlog {
class logger;
}

namespace failoverd::kernel {

class LinkMonitor {
 public:
  LinkMonitor();
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  // Opens the non-blocking socket, joins RTNLGRP_LINK, sizes the receive buffer.
  Status Open();
  int fd() const;

  // Reads every pending notification without blocking. Sets *overflow to true
  // if the kernel dropped notifications (ENOBUFS): the picture is then stale
  // and the caller must re-dump the links. The events read are still returned.
  std::vector<LinkEvent> Read(bool* overflow);
  // The daemon's way: it re-dumps the links on any change and never trusts an
  // event's contents, so the events are only counted, not parsed or enriched (the
  // sysfs and udev reads of Read() made draining an overflowed socket take over a
  // second during a storm of link events). Reads at most `max_datagrams` (the socket
  // stays readable for the rest), so a decision is never held up by a long storm.
  // Returns the number of link messages read; *overflow as for Read(). With
  // `carriers`, each message's carrier bit is appended to it in the kernel's order
  // (the fast failover path acts on a loss before the re-dump).
  size_t Drain(bool* overflow, size_t max_datagrams, std::vector<core::CarrierNote>* carriers = nullptr);

 private:
  mnl_socket* socket_ = nullptr;
  udev* udev_ = nullptr;
  std::vector<uint8_t> buffer_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace failoverd::kernel
