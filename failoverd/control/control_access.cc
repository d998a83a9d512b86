#include "failoverd/control/control_access.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace failoverd {
namespace {

// Starting size for the *_r lookups' string buffer; doubled on ERANGE.
size_t InitialBufferSize(int sysconf_name) {
  const long size = sysconf(sysconf_name);
  return size > 0 ? static_cast<size_t>(size) : 1024;
}

constexpr size_t kMaxLookupBuffer = 1 << 20;

}  // namespace

Result<gid_t> LookupGroupId(const std::string& name) {
  std::vector<char> buffer(InitialBufferSize(_SC_GETGR_R_SIZE_MAX));
  while (true) {
    struct group entry {};
    struct group* found = nullptr;
    const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxLookupBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0) {
      return Status::Error("control_group '" + name +
                           "': group lookup failed: " + std::strerror(rc));
    }
    if (found == nullptr) return Status::Error("control_group '" + name + "': no such group");
    return found->gr_gid;
  }
}

bool UserIsInGroup(uid_t uid, gid_t gid) {
  std::vector<char> buffer(InitialBufferSize(_SC_GETPW_R_SIZE_MAX));
  struct passwd entry {};
  struct passwd* found = nullptr;
  while (true) {
    const int rc = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxLookupBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return false;  // a uid with no user has no groups
    break;
  }
  if (found->pw_gid == gid) return true;

  std::vector<gid_t> groups(64);
  while (true) {
    int count = static_cast<int>(groups.size());
    if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<size_t>(count));
      break;
    }
    // -1 with `count` set to the number needed; grow and ask again.
    if (count <= static_cast<int>(groups.size()) || groups.size() >= 65536) return false;
    groups.resize(static_cast<size_t>(count));
  }
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

bool PeerMayChangeState(const PeerCred& peer, gid_t control_gid) {
  if (peer.uid == 0) return true;
  if (peer.gid == control_gid) return true;
  return UserIsInGroup(peer.uid, control_gid);
}

}  // namespace failoverd
