// failoverctl: the command-line client of failoverd. It turns a command line
// into one request on the control socket and the reply into output and an
// exit code: 0 ok, 1 refused or failed, 2 usage, 3 daemon unreachable.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "failoverd/control/control_protocol.h"
#include "failoverd/control/request_options.h"
#include "failoverd/ctl/control_client.h"
#include "failoverd/ctl/result_output.h"
#include "failoverd/ctl/session_address.h"

namespace failoverd {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

constexpr const char* kDefaultSocket = "/run/failoverd/control.sock";
// How long to wait for an ordinary reply before calling the daemon unreachable.
constexpr Millis kReplyTimeout{60000};

// A command that takes only positional words, sent as `NAME ARG...`.
struct SimpleCommand {
  const char* name;
  const char* help;
  std::vector<const char*> args;  // argument names, all required
};

const std::vector<SimpleCommand>& SimpleCommands() {
  static const std::vector<SimpleCommand> kCommands = {
      {"status", "Bridges, their ports and roles, and every NIC", {}},
      {"attach",
       "Attach NIC to BRIDGE (manual override, kept until `auto NIC`)",
       {"NIC", "BRIDGE"}},
      {"detach", "Detach NIC from its bridge (manual override, kept until `auto NIC`)", {"NIC"}},
      {"auto", "Hand NIC back to the daemon", {"NIC"}},
      {"restore", "Reconnect an isolated BRIDGE", {"BRIDGE"}},
      {"probe", "What NIC sees on its cable and which bridge it matches", {"NIC"}},
      {"plan", "What the daemon would change now and why", {}},
      {"confirm", "Confirm a pending apply, migration or guarded isolate", {}},
      {"metrics", "Counters and gauges in Prometheus text format", {}},
  };
  return kCommands;
}

// Rejects arguments that cannot travel as one word of a request line.
const CLI::Validator& WordValidator() {
  static const CLI::Validator kWord(
      [](std::string& value) -> std::string {
        return IsValidWord(value) ? "" : "must be non-empty, without spaces or control characters";
      },
      "");
  return kWord;
}

// Accepts a whole, positive number of seconds.
const CLI::Validator& SecondsValidator() {
  static const CLI::Validator kSeconds(
      [](std::string& value) -> std::string {
        const bool digits = !value.empty() && value.size() <= 9 &&
                            value.find_first_not_of("0123456789") == std::string::npos;
        return digits && std::stol(value) > 0 ? "" : "must be a positive whole number of seconds";
      },
      "");
  return kSeconds;
}

// The parsed command line.
struct Invocation {
  std::string socket_path = kDefaultSocket;
  bool as_json = false;
  std::vector<std::string> words;  // the request
  bool follow = false;             // `events --follow`
};

int PrintFailure(const std::string& message, int code) {
  std::cerr << "failoverctl: " << message << "\n";
  return code;
}

// Parses one reply line; returns false (after printing why) when it is not one.
bool ParseReplyLine(const std::string& line, nlohmann::json& reply) {
  reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded() || !reply.is_object()) {
    PrintFailure("malformed reply from failoverd", kExitFailed);
    return false;
  }
  return true;
}

int ReportRefusal(const nlohmann::json& reply) {
  // The daemon's message goes out as it is: a refused reload lists its
  // problems as PATH:LINE:COLUMN: message lines that tools may parse.
  const auto it = reply.find("error");
  std::string message = it != reply.end() && it->is_string() ? it->get<std::string>()
                                                             : "failoverd refused the request";
  if (message.empty() || message.back() != '\n') message += '\n';
  std::cerr << message;
  return kExitFailed;
}

int RunOnce(ControlClient& client, const Invocation& inv) {
  auto line = client.ReadLine();
  if (!line.ok()) return PrintFailure(line.message(), kExitUnreachable);
  if (!line->has_value()) {
    return PrintFailure(
        "failoverd at " + client.socket_path() + " closed the connection without a reply",
        kExitUnreachable);
  }
  nlohmann::json reply;
  if (!ParseReplyLine(**line, reply)) return kExitFailed;
  const auto ok = reply.find("ok");
  if (ok == reply.end() || !ok->is_boolean()) {
    return PrintFailure("malformed reply from failoverd", kExitFailed);
  }
  if (!ok->get<bool>()) return ReportRefusal(reply);
  const auto result = reply.find("result");
  std::cout << RenderResult(inv.words.front(), result != reply.end() ? *result : nlohmann::json(),
                            inv.as_json);
  return kExitOk;
}

int RunFollow(ControlClient& client, const Invocation& inv) {
  while (true) {
    auto line = client.ReadLine();
    if (!line.ok()) return PrintFailure(line.message(), kExitUnreachable);
    if (!line->has_value()) {
      return PrintFailure("failoverd at " + client.socket_path() + " closed the event stream",
                          kExitUnreachable);
    }
    nlohmann::json message;
    if (!ParseReplyLine(**line, message)) return kExitFailed;
    if (const auto event = message.find("event"); event != message.end()) {
      std::cout << RenderStreamedEvent(*event, inv.as_json) << std::flush;
      continue;
    }
    const auto ok = message.find("ok");
    if (ok != message.end() && ok->is_boolean() && !ok->get<bool>()) return ReportRefusal(message);
    // Anything else is a line a newer daemon added; skip it.
  }
}

int Run(const Invocation& inv) {
  ControlClient client(inv.socket_path);
  if (Status s = client.Connect(inv.follow ? Millis{0} : kReplyTimeout); !s.ok()) {
    return PrintFailure(s.message(), kExitUnreachable);
  }
  if (Status s = client.Send(inv.words); !s.ok()) {
    // A daemon that refuses the connection (busy) says why before it closes: that
    // answer is what counts, not the broken pipe it leaves.
    if (auto line = client.ReadLine(); line.ok() && line->has_value()) {
      nlohmann::json reply;
      if (ParseReplyLine(**line, reply)) {
        const auto ok = reply.find("ok");
        if (ok != reply.end() && ok->is_boolean() && !ok->get<bool>()) return ReportRefusal(reply);
      }
    }
    return PrintFailure(s.message(), kExitUnreachable);
  }
  return inv.follow ? RunFollow(client, inv) : RunOnce(client, inv);
}

// So that the daemon can refuse to cut off the session this command comes from:
// `session=SERVER_IP` (and the client and port when SSH_CONNECTION gives them).
void AddSessionWords(std::vector<std::string>& words) {
  const auto session = FindSshSession();
  if (!session) return;
  words.push_back(std::string(kSessionOption) + "=" + session->server);
  if (!session->client.empty()) words.push_back(std::string(kSessionPeerOption) + "=" + session->client);
  if (session->port > 0) words.push_back(std::string(kSessionPortOption) + "=" + std::to_string(session->port));
}

int Main(int argc, char** argv) {
  CLI::App app{"Control the failoverd network-failover daemon.", "failoverctl"};
  Invocation inv;
  app.add_option("--socket", inv.socket_path, "Control socket of failoverd")
      ->envname("FAILOVERD_SOCKET")
      ->capture_default_str();
  app.add_flag("--json", inv.as_json, "Print the result as JSON");
  app.require_subcommand(1);
  // Let --socket and --json also follow the command: `failoverctl status --json`.
  app.fallthrough();

  // Storage for the positional arguments of every simple command; sized up
  // front so the references CLI11 keeps stay valid.
  std::vector<std::vector<std::string>> simple_args(SimpleCommands().size());
  std::vector<CLI::App*> simple_apps;
  for (size_t i = 0; i < SimpleCommands().size(); ++i) {
    const auto& command = SimpleCommands()[i];
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    simple_args[i].resize(command.args.size());
    for (size_t a = 0; a < command.args.size(); ++a) {
      const std::string arg = command.args[a];
      sub->add_option(arg, simple_args[i][a],
                      arg == "NIC" ? "A managed NIC, e.g. hweth1" : "A bridge, e.g. eth0")
          ->required()
          ->check(WordValidator());
    }
    simple_apps.push_back(sub);
  }

  CLI::App* events = app.add_subcommand("events", "Recent decisions with timestamps and reasons");
  events->add_flag("-f,--follow", inv.follow, "Keep printing events as they happen");

  CLI::App* apply = app.add_subcommand("apply", "Switch to the policy in FILE");
  std::string policy_file;
  int confirm_seconds = 0;
  apply
      ->add_option("--confirm", confirm_seconds,
                   "Roll back unless `failoverctl confirm` follows within SECONDS")
      ->type_name("SECONDS")
      ->check(SecondsValidator());
  apply->add_option("FILE", policy_file, "The new policy")->required()->check(CLI::ExistingFile);
  bool apply_force = false;
  apply->add_flag("--force", apply_force,
                  "Apply even a policy that would leave the default route's bridge without a NIC or firewall "
                  "off your own session");
  apply->footer(
      "A policy that would leave the bridge of the default route without a usable NIC, or cut off the\n"
      "(SSH) session this command comes from, is refused with the reason unless --force is given.");

  CLI::App* reload = app.add_subcommand("reload", "Re-read the policy (like SIGHUP); refused with the errors if invalid");
  bool reload_force = false;
  reload->add_flag("--force", reload_force,
                   "Reload even a policy that would delete every bridge, leave every bridge or the default "
                   "route's without a usable NIC, or firewall off your own session");
  reload->footer(
      "A policy that would cut the host off (every bridge deleted or without a usable NIC, the bridge of the\n"
      "default route without one) or the (SSH) session this command comes from is refused with the reason\n"
      "unless --force is given. SIGHUP and `systemctl reload` never force.");

  CLI::App* isolate = app.add_subcommand("isolate", "Cut BRIDGE off its network (ports detached, all else untouched)");
  isolate->footer(
      "The bridge of the default route, or the one your own (SSH) session comes in through, is isolated\n"
      "only with --confirm (restored by itself unless `failoverctl confirm` follows in time) or --force.");
  std::string isolate_bridge;
  int isolate_confirm = 0;
  bool isolate_force = false;
  CLI::Option* isolate_confirm_option =
      isolate
          ->add_option("--confirm", isolate_confirm,
                       "Restore BRIDGE by itself unless `failoverctl confirm` follows within SECONDS")
          ->type_name("SECONDS")
          ->check(SecondsValidator());
  isolate->add_flag("--force", isolate_force, "Isolate even the bridge of the default route or of your session")
      ->excludes(isolate_confirm_option);
  isolate->add_option("BRIDGE", isolate_bridge, "A bridge, e.g. eth0")->required()->check(WordValidator());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 would exit with its own codes (106, 109, ...); the contract is 2.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  for (size_t i = 0; i < simple_apps.size(); ++i) {
    if (!simple_apps[i]->parsed()) continue;
    inv.words.push_back(SimpleCommands()[i].name);
    inv.words.insert(inv.words.end(), simple_args[i].begin(), simple_args[i].end());
  }
  if (events->parsed()) {
    inv.words = {"events"};
    if (inv.follow) inv.words.push_back("follow");
  }
  if (isolate->parsed()) {
    inv.words = {"isolate", isolate_bridge};
    if (isolate_confirm > 0) inv.words.push_back(std::string(kConfirmOption) + "=" + std::to_string(isolate_confirm));
    if (isolate_force) inv.words.push_back(std::string(kForceFlag));
    AddSessionWords(inv.words);
  }
  if (apply->parsed()) {
    // The daemon reads the file itself, from its own working directory.
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(policy_file, ec).lexically_normal().string();
    if (ec || !IsValidWord(absolute)) {
      return PrintFailure(
          "apply: " + policy_file +
              ": the path must be resolvable and contain no spaces or control characters",
          kExitUsage);
    }
    inv.words = {"apply", absolute};
    if (confirm_seconds > 0) inv.words.push_back(std::to_string(confirm_seconds));
    if (apply_force) inv.words.push_back(std::string(kForceFlag));
    AddSessionWords(inv.words);
  }
  if (reload->parsed()) {
    inv.words = {"reload"};
    if (reload_force) inv.words.push_back(std::string(kForceFlag));
    AddSessionWords(inv.words);
  }
  return Run(inv);
}

}  // namespace
}  // namespace failoverd

int main(int argc, char** argv) { return failoverd::Main(argc, argv); }
