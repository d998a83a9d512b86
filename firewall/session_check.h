// Whether a zone would still let the administrator in: a new TCP connection from
// the caller's address to the local address and port their session came in on
// (SSH_CONNECTION). Judged from the zone's rule text alone, conservatively: a rule
// failoverd cannot read is assumed to match, so a drop it cannot rule out counts as
// a drop, and an accept it cannot confirm does not count. A connection no rule
// accepts falls through to the base chain, which drops everything new.
//
// Used to refuse (unless --force) a policy that would firewall off the caller's
// session: the session itself might live on as established traffic, but if it ever
// dropped, no new login would get in.
#pragma once

#include <optional>
#include <string>

#include "failoverd/common/net_types.h"
#include "firewall/firewall.h"

namespace failoverd::firewall {

struct NewTcpConnection {
  std::optional<IpAddress> client;  // unknown: a rule on the source may match
  IpAddress local;
  int port = 22;
};

struct SessionVerdict {
  bool admitted = false;
  std::string why;  // the rule that admits or may drop it, or what happens without one
};

SessionVerdict JudgeNewConnection(const ZoneFragment& zone, const NewTcpConnection& connection);

}  // namespace failoverd::firewall
