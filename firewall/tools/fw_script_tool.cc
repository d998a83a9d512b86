// fw_script_tool: prints the firewall scripts failoverd would apply, and runs
// scripts through NftFirewall, for tests/kernel/test_firewall_scripts.sh. It is
// a test driver, not a product command: `apply`, `check` and `has-zone` talk
// to the kernel of whatever network namespace the tool runs in.
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "firewall/firewall.h"
#include "firewall/nft_firewall.h"

namespace {

using failoverd::Result;
using failoverd::Status;
namespace fw = failoverd::firewall;

constexpr const char* kUsage =
    "usage: fw_script_tool zero [ZONEDIR BRIDGE ZONE [BRIDGE ZONE]...]\n"
    "       fw_script_tool table ZONEDIR [BRIDGE ZONE [BRIDGE ZONE]...]\n"
    "       fw_script_tool install BRIDGE ZONEDIR ZONE\n"
    "       fw_script_tool remove BRIDGE\n"
    "       fw_script_tool apply|check < SCRIPT\n"
    "       fw_script_tool has-zone BRIDGE\n";

int Usage() {
  std::cerr << kUsage;
  return 2;
}

int Fail(const std::string& message) {
  std::cerr << "fw_script_tool: " << message << "\n";
  return 1;
}

Result<fw::BridgeZone> LoadBridgeZone(const std::string& bridge, const std::string& zones_dir,
                                      const std::string& zone) {
  if (Status s = fw::CheckBridgeName(bridge); !s.ok()) return s;
  Result<fw::ZoneFragment> fragment = fw::LoadZone(zones_dir, zone);
  if (!fragment.ok()) return fragment.status();
  return fw::BridgeZone{bridge, std::move(fragment).value()};
}

// `zero`: the static zero phase; `zero ZONEDIR BRIDGE ZONE...`: the zero phase with
// those bridges governed and zoned; `table ZONEDIR BRIDGE ZONE...`: the table after
// takeover (interfaces that are not governed pass).
int Table(const std::vector<std::string>& args, bool before_takeover) {
  if (args.empty() && before_takeover) {
    std::cout << fw::ZeroPhaseScript();
    return 0;
  }
  if (args.size() % 2 != 1) return Usage();
  fw::TableSpec spec;
  spec.before_takeover = before_takeover;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    Result<fw::BridgeZone> bridge = LoadBridgeZone(args[i], args[0], args[i + 1]);
    if (!bridge.ok()) return Fail(bridge.message());
    spec.governed.push_back(args[i]);
    spec.zones.push_back(std::move(bridge).value());
  }
  std::cout << fw::TableScript(spec);
  return 0;
}

int Install(const std::vector<std::string>& args) {
  if (args.size() != 3) return Usage();
  Result<fw::BridgeZone> bridge = LoadBridgeZone(args[0], args[1], args[2]);
  if (!bridge.ok()) return Fail(bridge.message());
  std::cout << fw::InstallZoneScript(*bridge);
  return 0;
}

int Remove(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage();
  if (Status s = fw::CheckBridgeName(args[0]); !s.ok()) return Fail(s.message());
  std::cout << fw::RemoveZoneScript(args[0]);
  return 0;
}

int RunScript(bool dry_run) {
  std::string script(std::istreambuf_iterator<char>(std::cin), {});
  fw::NftFirewall firewall;
  Status status = dry_run ? firewall.Check(script) : firewall.Apply(script);
  return status.ok() ? 0 : Fail(status.message());
}

int HasZone(const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage();
  fw::NftFirewall firewall;
  Result<bool> has = firewall.HasZone(args[0]);
  if (!has.ok()) return Fail(has.message());
  std::cout << (*has ? "present" : "absent") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "zero") return Table(args, /*before_takeover=*/true);
  if (command == "table") return Table(args, /*before_takeover=*/false);
  if (command == "install") return Install(args);
  if (command == "remove") return Remove(args);
  if (command == "apply" && args.empty()) return RunScript(/*dry_run=*/false);
  if (command == "check" && args.empty()) return RunScript(/*dry_run=*/true);
  if (command == "has-zone") return HasZone(args);
  return Usage();
}
