// The daemon's answers to control-socket commands (SPEC §5). Read-only commands
// are open to every peer allowed on the socket; the rest need CanChangeState.
#pragma once

#include "failoverd/control/control_protocol.h"
#include "failoverd/daemon/daemon.h"

namespace failoverd {

Reply HandleControlCommand(Daemon& daemon, const Request& request, bool may_change_state);

}  // namespace failoverd
