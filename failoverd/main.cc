// failoverd: command line and process setup. Everything else is in daemon/.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/dry_run.h"
#include "failoverd/daemon/reflex.h"
#include "failoverd/daemon/runner.h"
#include "failoverd/runtime/logging.h"
#include "firewall/nft_firewall.h"
#include "policy/policy_parser.h"

namespace {

// Ends the process once the log is written, or at most a second later: a stderr that
// nobody reads must not keep a stopped daemon alive (the writer thread would be
// joined at exit), so then the process ends without waiting for it.
int Finish(int code) {
  if (!failoverd::DrainLogs(std::chrono::milliseconds(1000))) {
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

int Run(int argc, char** argv) {
  CLI::App app{"failoverd: NIC failover onto stable bridges"};
  std::string policy_path = "/etc/failoverd/policy.toml";
  bool check = false;
  bool dry_run = false;
  bool migrate = false;
  int confirm_seconds = 120;
  bool foreground = false;
  bool json = false;
  std::string log_level = "info";
  app.add_option("--policy", policy_path, "policy file");
  app.add_flag("--check", check, "validate the policy and zones, print problems, exit 0/2");
  auto* dry_run_flag = app.add_flag("--dry-run", dry_run, "print the plan against this host, change nothing");
  app.add_flag("--json", json, "with --dry-run: the report as JSON")->needs(dry_run_flag);
  auto* migrate_flag = app.add_flag("--migrate", migrate,
                                    "convert a running host onto the scheme: NICs named like a bridge, and bridges "
                                    "with a policy bridge's name that failoverd did not make");
  app.add_option("--confirm", confirm_seconds, "seconds to confirm a migration")->needs(migrate_flag);
  app.add_flag("--foreground", foreground, "stay in the foreground (failoverd always does)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical");
  // The reflex (failoverd/daemon/reflex.h), started by the daemon itself; not for people.
  int reflex_fd = -1;
  std::string reflex_socket;
  app.add_option("--reflex-fd", reflex_fd)->group("");
  app.add_option("--reflex-socket", reflex_socket)->group("");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return e.get_exit_code() == 0 ? code : 2;
  }
  if (!failoverd::InitLogging(log_level)) {
    std::fprintf(stderr, "failoverd: unknown log level '%s'\n", log_level.c_str());
    return 2;
  }

  if (reflex_fd >= 0) return failoverd::RunReflex(reflex_fd, reflex_socket);

  const auto parsed = failoverd::policy::ParsePolicyFile(policy_path);
  if (check) return failoverd::CheckPolicy(policy_path, parsed);
  if (confirm_seconds <= 0) {
    std::fprintf(stderr, "failoverd: --confirm needs a number of seconds above 0\n");
    return 2;
  }
  if (dry_run) {
    if (!parsed.policy) {
      for (const auto& error : parsed.errors) std::fprintf(stderr, "%s\n", error.ToString().c_str());
      std::fprintf(stderr, "failoverd: %zu problem(s) in %s; nothing was changed\n", parsed.errors.size(),
                   policy_path.c_str());
      return 2;
    }
    if (failoverd::CheckZones(*parsed.policy) != 0) return 2;
    return failoverd::PrintDryRun(*parsed.policy, {migrate, confirm_seconds}, json);
  }
  // The policy to run: the file, the last good one if the file is broken, or the
  // file under a confirm window if it changed since the last good start.
  failoverd::firewall::NftFirewall nft;
  auto plan = failoverd::PlanStart(policy_path, parsed, geteuid() == 0 ? &nft : nullptr,
                                     std::chrono::system_clock::now());
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.message().c_str());
    return 2;
  }
  return failoverd::RunDaemon(*plan, policy_path, {migrate, confirm_seconds});
}

}  // namespace

int main(int argc, char** argv) { return Finish(Run(argc, argv)); }
