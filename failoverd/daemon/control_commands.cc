#include "failoverd/daemon/control_commands.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "failoverd/control/request_options.h"

namespace failoverd {

namespace {

Reply FromResult(const Result<std::string>& result) {
  return result ? Reply::Ok(nlohmann::json{{"message", *result}}) : Reply::Error(result.message());
}

Reply FromResult(const Result<nlohmann::json>& result) {
  return result ? Reply::Ok(*result) : Reply::Error(result.message());
}

// "apply FILE [SECONDS]", "isolate BRIDGE confirm=SECONDS": a whole positive number.
bool ParseSeconds(const std::string& word, int& seconds) {
  if (word.empty() || word.size() > 9 || word.find_first_not_of("0123456789") != std::string::npos) return false;
  seconds = std::stoi(word);
  return seconds > 0;
}

// The daemon reads an applied policy file as root. It reads only a file the caller
// could read by owner, primary group or everyone, so `apply` (open to the control
// group) can never be used to read another file through the daemon's error messages.
Status CallerMayRead(const std::string& path, const PeerCred& peer) {
  if (path.empty() || path[0] != '/') return Status::Error("apply: the path must be absolute");
  if (peer.uid == 0) return Status::Ok();
  struct stat st {};
  if (stat(path.c_str(), &st) < 0) return Status::Error("cannot read " + path + ": " + strerror(errno));
  const bool readable = (st.st_uid == peer.uid && (st.st_mode & S_IRUSR)) ||
                        (st.st_gid == peer.gid && (st.st_mode & S_IRGRP)) || (st.st_mode & S_IROTH);
  if (!readable) return Status::Error("cannot read " + path + ": permission denied for uid " + std::to_string(peer.uid));
  return Status::Ok();
}

Reply Usage(const std::string& command, const std::string& usage) {
  return Reply::Error("usage: " + command + " " + usage);
}

// session=ADDRESS [session_peer=ADDRESS] [session_port=PORT]: the caller's session.
Result<std::optional<CallerSession>> TakeCallerSession(std::vector<std::string>& args) {
  auto local = TakeSession(args);
  if (!local) return local.status();
  auto peer = TakeOption(args, kSessionPeerOption);
  if (!peer) return peer.status();
  auto port = TakeOption(args, kSessionPortOption);
  if (!port) return port.status();
  if (!*local) return std::optional<CallerSession>();
  CallerSession session{**local, std::nullopt, 22};
  if (*peer) {
    session.peer = IpAddress::Parse(**peer);
    if (!session.peer) return Status::Error("session_peer=" + **peer + " is not an address");
  }
  if (*port && !ParseSeconds(**port, session.port)) return Status::Error("session_port=" + **port + " is not a port");
  return std::optional<CallerSession>(session);
}

// isolate BRIDGE [confirm=SECONDS | force] [session=ADDRESS ...]
Reply IsolateCommand(Daemon& daemon, std::vector<std::string> args) {
  const char* usage = "BRIDGE [confirm=SECONDS | force] [session=ADDRESS]";
  auto caller = TakeCallerSession(args);
  if (!caller) return Reply::Error("isolate: " + caller.message());
  const std::optional<IpAddress> session =
      *caller ? std::optional<IpAddress>((*caller)->local) : std::optional<IpAddress>();
  auto confirm = TakeOption(args, kConfirmOption);
  if (!confirm) return Reply::Error("isolate: " + confirm.message());
  core::IsolateRequest request;
  request.session = session;
  auto force = TakeFlag(args, kForceFlag);
  if (!force) return Reply::Error("isolate: " + force.message());
  request.force = *force;
  if (args.size() != 1 || (*confirm && !ParseSeconds(**confirm, request.confirm_seconds)))
    return Usage("isolate", usage);
  if (request.force && request.confirm_seconds > 0)
    return Reply::Error("isolate: confirm= and force exclude each other; usage: isolate " + std::string(usage));
  return FromResult(daemon.Isolate(args[0], request));
}

}  // namespace

namespace {

Reply Answer(Daemon& daemon, const Request& request, bool may_change_state, const PeerCred& peer);

}  // namespace

Reply HandleControlCommand(Daemon& daemon, const Request& request, bool may_change_state, const PeerCred& peer) {
  Reply reply = Answer(daemon, request, may_change_state, peer);
  // A change that state.json could not keep yet must not pass for a kept one.
  const std::string unsaved = daemon.UnsavedNote();
  if (reply.ok && may_change_state && !unsaved.empty() && !request.words.empty() && request.words[0] != "status" &&
      request.words[0] != "events" && request.words[0] != "plan" && request.words[0] != "metrics" &&
      request.words[0] != "probe") {
    if (reply.result.is_string()) {
      reply.result = reply.result.get<std::string>() + "; " + unsaved;
    } else if (reply.result.is_object()) {
      if (auto message = reply.result.find("message"); message != reply.result.end() && message->is_string())
        *message = message->get<std::string>() + "; " + unsaved;
      reply.result["warning"] = unsaved;
    }
  }
  return reply;
}

namespace {

Reply Answer(Daemon& daemon, const Request& request, bool may_change_state, const PeerCred& peer) {
  if (request.words.empty()) return Reply::Error("empty request");
  const std::string& command = request.words[0];
  const std::vector<std::string> args(request.words.begin() + 1, request.words.end());
  if (command == "status" && args.empty()) return Reply::Ok(daemon.StatusJson());
  if (command == "events" && args.empty()) return Reply::Ok(daemon.events().ToJson());
  if (command == "events" && args.size() == 1 && args[0] == "follow") return Reply::Ok(daemon.events().ToJson());
  if (command == "plan" && args.empty()) return Reply::Ok(daemon.PlanJson());
  if (command == "metrics" && args.empty()) return Reply::Ok(daemon.MetricsText());
  if (command == "probe" && args.size() == 1) return FromResult(daemon.ProbeJson(args[0]));

  static const std::set<std::string> kChanging = {"attach", "detach", "auto", "isolate", "restore",
                                                  "reload", "apply", "confirm"};
  if (!kChanging.count(command)) return Reply::Error("unknown command '" + command + "' (or wrong arguments)");
  // Credentials are checked before the arguments: a caller who may not change
  // anything learns nothing about what would have happened.
  if (!may_change_state) return Reply::Error("permission denied: '" + command + "' needs root or the control group");

  if (command == "attach") return args.size() == 2 ? FromResult(daemon.Attach(args[0], args[1])) : Usage(command, "NIC BRIDGE");
  if (command == "detach") return args.size() == 1 ? FromResult(daemon.Detach(args[0])) : Usage(command, "NIC");
  if (command == "auto") return args.size() == 1 ? FromResult(daemon.Auto(args[0])) : Usage(command, "NIC");
  if (command == "isolate") return IsolateCommand(daemon, args);
  if (command == "restore") return args.size() == 1 ? FromResult(daemon.Restore(args[0])) : Usage(command, "BRIDGE");
  if (command == "reload") {
    std::vector<std::string> words = request.words;  // option words after the command itself
    auto session = TakeCallerSession(words);
    if (!session) return Reply::Error("reload: " + session.message());
    auto force = TakeFlag(words, kForceFlag);
    if (!force) return Reply::Error("reload: " + force.message());
    return words.size() == 1 ? FromResult(daemon.Reload({*force, *session})) : Usage(command, "[force]");
  }
  if (command == "confirm") return args.empty() ? FromResult(daemon.Confirm()) : Usage(command, "");
  // apply FILE [SECONDS] [force] [session=ADDRESS ...]
  std::vector<std::string> words = args;
  auto session = TakeCallerSession(words);
  if (!session) return Reply::Error("apply: " + session.message());
  auto force = TakeFlag(words, kForceFlag);
  if (!force) return Reply::Error("apply: " + force.message());
  int seconds = 0;
  if (words.empty() || words.size() > 2 || (words.size() == 2 && !ParseSeconds(words[1], seconds)))
    return Usage(command, "FILE [SECONDS] [force]");
  if (Status readable = CallerMayRead(words[0], peer); !readable) return Reply::Error(readable.message());
  return FromResult(daemon.ApplyFile(words[0], seconds, {*force, *session}));
}

}  // namespace

}  // namespace failoverd
