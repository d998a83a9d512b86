// failoverd-udev-name [--policy PATH] [--systemd-root DIR] IFNAME: called by udev
// (81-failoverd.rules) when a network device appears, with the kernel's name (%k).
// For a NIC failoverd manages it prints the NIC's hwethN and exits 0 — its remembered
// name, or else a new one that it hands out and records in state.json. It exits 1,
// leaving the kernel's name in place for the daemon to deal with, for a NIC failoverd
// does not manage and on any problem (no policy, no state directory, state.json
// unreadable).
//
// Naming follows the service: nothing is named unless failoverd.service is enabled
// (a failoverd.service link in a *.wants directory of /etc/systemd/system or
// /run/systemd/system) and failoverd has started successfully on this host at least
// once (its last good policy, STATE_DIR/last-good.json, exists). A policy written to
// try `--dry-run` renames nothing at the next boot, and `systemctl disable failoverd`
// stops early naming. When the state directory is not mounted yet (a separate /var
// at early boot) there is no last good policy to see either: the helper declines,
// udev keeps the kernel's name, and failoverd renames the NIC when it starts.
//
// A new name is chosen under the exclusive lock on state_dir/state.lock, the one the
// daemon takes to write state.json: read state.json, dump the namespace's links, take
// the lowest prefixN that nobody remembers or carries and that names no bridge
// (core::EarlyNameOrNew), record it, write the file, release. So two helpers naming
// two NICs that appear together, or a helper and the daemon, never hand out one name
// twice. The helper only reads links; udev does the rename.
#include <glob.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "failoverd/core/early_name.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "failoverd/state/state_store.h"
#include "policy/policy_parser.h"

#ifdef FAILOVERD_UDEV_NAME_TESTING
#include <chrono>
#include <thread>
#endif

namespace {

#ifdef FAILOVERD_UDEV_NAME_TESTING
// Only in the test build (failoverd-udev-name-testing, never installed), for
// tests/kernel/test_udev_name_helper.sh: FAILOVERD_UDEV_NAME_HOLD_MS widens the window
// between choosing a name and writing it, so concurrent callers surely overlap;
// FAILOVERD_UDEV_NAME_NO_LOCK=1 reads state.json outside the lock (only the write is
// locked), the mistake the test must be able to catch.
int HoldMs() {
  const char* ms = std::getenv("FAILOVERD_UDEV_NAME_HOLD_MS");
  return ms ? std::atoi(ms) : 0;
}
void Hold() { std::this_thread::sleep_for(std::chrono::milliseconds(HoldMs())); }
bool NoLock() {
  const char* no_lock = std::getenv("FAILOVERD_UDEV_NAME_NO_LOCK");
  return no_lock && std::string(no_lock) == "1";
}
#else
void Hold() {}
bool NoLock() { return false; }
#endif

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Whether failoverd.service is enabled: `systemctl enable` (or a package preset) links it
// into a *.wants directory; `systemctl enable --runtime` does so under /run.
bool ServiceEnabled(const std::string& root) {
  for (const char* dir : {"/etc/systemd/system/", "/run/systemd/system/"}) {
    const std::string pattern = root + dir + "*.wants/failoverd.service";
    glob_t found{};
    const bool any = glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0 && found.gl_pathc > 0;
    globfree(&found);
    if (any) return true;
  }
  return false;
}

// Why the helper names nothing on this host now, or "" when it may: the service must be
// enabled and must have started successfully at least once.
std::string NotFollowingTheService(const std::string& systemd_root, const std::string& state_dir) {
  if (!ServiceEnabled(systemd_root)) return "failoverd.service is not enabled";
  if (!Exists(state_dir + "/last-good.json"))
    return "failoverd has not started successfully on this host yet (no " + state_dir + "/last-good.json)";
  return "";
}

}  // namespace

// --bridge-properties BRIDGE (82-failoverd-unmanaged.rules, IMPORT{program}): for a
// bridge of the policy with static addresses failoverd configures its L3 itself, so
// NetworkManager and systemd-networkd must keep off it; a bridge without addresses is
// left to them (SPEC: L3 is then theirs, e.g. a DHCP client). Prints udev properties.
int BridgeProperties(const failoverd::policy::Policy& policy, const std::string& name) {
  const failoverd::policy::Bridge* bridge = policy.FindBridge(name);
  if (!bridge || bridge->addresses.empty()) return 1;
  std::printf("NM_UNMANAGED=1\nID_NET_MANAGED_BY=failoverd\n");
  return 0;
}

int main(int argc, char** argv) {
  std::string policy_path = "/etc/failoverd/policy.toml";
  std::string systemd_root;
  std::string ifname;
  bool bridge_properties = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--policy" && i + 1 < argc) policy_path = argv[++i];
    else if (arg == "--systemd-root" && i + 1 < argc) systemd_root = argv[++i];
    else if (arg == "--bridge-properties") bridge_properties = true;
    else ifname = arg;
  }
  if (ifname.empty()) {
    std::fprintf(stderr, "usage: failoverd-udev-name [--policy PATH] [--systemd-root DIR] [--bridge-properties] IFNAME\n");
    return 2;
  }
  const auto parsed = failoverd::policy::ParsePolicyFile(policy_path);
  if (!parsed.policy) return 1;  // the daemon reports policy problems; udev keeps the name
  const failoverd::policy::Policy& policy = *parsed.policy;
  if (const std::string why = NotFollowingTheService(systemd_root, policy.daemon.state_dir); !why.empty()) {
    std::fprintf(stderr, "failoverd-udev-name: %s: left alone: %s\n", ifname.c_str(), why.c_str());
    return 1;
  }
  if (bridge_properties) return BridgeProperties(policy, ifname);
  failoverd::kernel::RtnlOps rtnl;
  if (!rtnl.Open()) return 1;
  auto link = rtnl.GetLinkByName(ifname);
  if (!link) return 1;
  failoverd::core::LinkInfo info = *link;
  // Inside udev's processing the device's database entry is not written yet: take
  // the path from the environment udev gives the program.
  if (const char* path = std::getenv("ID_PATH")) info.path = path;

  // Early in boot /var may not be mounted yet: a state directory made now would end
  // up hidden under the mount, and the name with it. The daemon names the NIC later.
  const std::string& state_dir = policy.daemon.state_dir;
  if (!IsDirectory(state_dir)) {
    std::fprintf(stderr, "failoverd-udev-name: %s: no state directory %s\n", ifname.c_str(), state_dir.c_str());
    return 1;
  }

  std::optional<std::string> name;
  std::string problem;
  // Reads the links and picks the name; runs with the lock held.
  auto choose = [&](failoverd::StateStore& state) {
    // A conversion of this live host that is under way or was rolled back: the NICs
    // keep the names the host gave them until `failoverd --migrate` is confirmed.
    if (state.Section("pending_migration").is_object() || state.Section("migration_declined").is_object()) return;
    auto links = rtnl.DumpLinks();
    if (!links) {
      problem = "cannot read links: " + links.message();
      return;
    }
    name = failoverd::core::EarlyNameOrNew(policy, state.names(), *links, info);
    Hold();
    if (name) state.SetName(info.identity(), *name);
  };
  failoverd::StateStore state(state_dir);
  failoverd::Status done;
  if (NoLock()) {
    done = state.Load();
    if (done) choose(state);
    if (done && problem.empty()) done = state.Save();
  } else {
    done = state.Update(choose);
  }
  if (!done) problem = done.message();
  if (!problem.empty()) {
    std::fprintf(stderr, "failoverd-udev-name: %s: %s\n", ifname.c_str(), problem.c_str());
    return 1;
  }
  if (!name) return 1;  // not managed: not ours to name
  std::printf("%s\n", name->c_str());
  return 0;
}
