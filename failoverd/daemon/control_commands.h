// The daemon's answers to control-socket commands (SPEC §5). Read-only commands
// are open to every peer allowed on the socket; the rest need CanChangeState.
#pragma once

#include "failoverd/control/control_access.h"
#include "failoverd/control/control_protocol.h"
#include "failoverd/daemon/daemon.h"

namespace failoverd {

// `peer`: who asks; `apply` reads only a file that peer could read itself.
Reply HandleControlCommand(Daemon& daemon, const Request& request, bool may_change_state, const PeerCred& peer);

}  // namespace failoverd
