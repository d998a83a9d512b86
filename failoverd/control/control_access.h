// Who may talk to the control socket and who may change state through it: the
// peer credentials of a client and the group-membership checks against
// `control_group`. Lookups go through NSS (getgrnam_r, getpwuid_r,
// getgrouplist); nothing here is cached.
#pragma once

#include <sys/types.h>

#include <string>

#include "failoverd/common/status.h"

namespace failoverd {

// The credentials of a connected client, read with SO_PEERCRED when it connects.
struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The gid of group `name`; an error when no such group exists.
Result<gid_t> LookupGroupId(const std::string& name);

// True when `uid` is a member of `gid`: as its primary group or as one of the
// supplementary groups listed for that user in the group database.
bool UserIsInGroup(uid_t uid, gid_t gid);

// True when `peer` may run state-changing commands: root, or a member of the
// control group (the peer's own gid, or a supplementary group of its uid).
bool PeerMayChangeState(const PeerCred& peer, gid_t control_gid);

}  // namespace failoverd
