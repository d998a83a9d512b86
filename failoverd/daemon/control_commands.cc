#include "failoverd/daemon/control_commands.h"

#include <set>

namespace failoverd {

Reply HandleControlCommand(Daemon& daemon, const Request& request, bool may_change_state) {
  if (request.words.empty()) return Reply::Error("empty request");
  const std::string& command = request.words[0];
  const size_t args = request.words.size() - 1;
  if (command == "status" && args == 0) return Reply::Ok(daemon.StatusJson());
  if (command == "events" && args == 0) return Reply::Ok(daemon.events().ToJson());
  if (command == "events" && args == 1 && request.words[1] == "follow") return Reply::Ok(daemon.events().ToJson());
  if (command == "plan" && args == 0) return Reply::Ok(daemon.PlanJson());
  if (command == "metrics" && args == 0) return Reply::Ok(daemon.MetricsText());
  if (command == "probe" && args == 1) {
    auto probe = daemon.ProbeJson(request.words[1]);
    return probe ? Reply::Ok(*probe) : Reply::Error(probe.message());
  }

  static const std::set<std::string> kLater = {"attach", "detach", "auto", "isolate", "restore",
                                               "reload", "apply", "confirm"};
  if (kLater.count(command)) {
    if (!may_change_state)
      return Reply::Error("permission denied: '" + command + "' needs root or the control group");
    return Reply::Error("'" + command + "' is not implemented in this version of failoverd");
  }
  return Reply::Error("unknown command '" + command + "'");
}

}  // namespace failoverd
