#include "failoverd/kernel/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace failoverd::kernel {

namespace {

struct NicSetting {
  const char* family;  // "ipv4" or "ipv6"
  const char* key;
  const char* value;
};

// Order matters: accept_ra goes to 0 before IPv6 is disabled, so that no router
// advertisement can configure an address in between.
constexpr NicSetting kNicSettings[] = {
    {"ipv6", "accept_ra", "0"},
    // Removes every IPv6 address, link-local included, and stops new ones.
    {"ipv6", "disable_ipv6", "1"},
    // 8: answer no ARP request at all, whatever local address it asks for.
    {"ipv4", "arp_ignore", "8"},
    // 2: should the host ever ARP out of this NIC, use the best local source.
    {"ipv4", "arp_announce", "2"},
    // 1: strict reverse-path filter; nothing routed should arrive on a NIC.
    {"ipv4", "rp_filter", "1"},
};

}  // namespace

Status WriteSysctl(const std::string& path, std::string_view value) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": " + std::strerror(errno));
  const ssize_t written = write(fd, value.data(), value.size());
  const int write_errno = errno;
  close(fd);
  if (written < 0) return Status::Error(path + ": " + std::strerror(write_errno));
  if (static_cast<size_t>(written) != value.size()) return Status::Error(path + ": short write");
  return Status::Ok();
}

Status ApplyNicSysctls(const std::string& ifname, const std::string& proc_sys_root) {
  if (ifname.empty() || ifname.find('/') != std::string::npos || ifname == "." || ifname == "..")
    return Status::Error("invalid interface name \"" + ifname + "\"");
  for (const NicSetting& setting : kNicSettings) {
    const std::string dir = proc_sys_root + "/net/" + setting.family + "/conf/" + ifname;
    if (std::string_view(setting.family) == "ipv6" && access(dir.c_str(), F_OK) != 0 &&
        errno == ENOENT) {
      continue;  // IPv6 is off on this host (ipv6.disable=1): nothing to disable
    }
    Status status = WriteSysctl(dir + "/" + setting.key, setting.value);
    if (!status.ok()) return Status::Error(ifname + ": sysctl " + status.message());
  }
  return Status::Ok();
}

}  // namespace failoverd::kernel
