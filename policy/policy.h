// The policy model: what the administrator asked for, as parsed from
// policy.toml (SPEC §3). Plain values only; the parser (policy_parser.h) is the
// one place that builds it, and it is immutable once built: a reload parses a
// new Policy and swaps it in whole.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"

namespace failoverd::policy {

// Where a value came from in the policy file (1-based), for messages.
struct SourcePos {
  int line = 0;
  int column = 0;
};

enum class BridgeMode {
  kActiveBackup,  // one uplink NIC at a time; standbys wait unattached
  kSwitch,        // all matching NICs attached, STP on (refused until implemented)
  kInternal,      // no NICs at all: a switch for VMs/containers only
};

enum class Failback {
  kNever,      // a working active NIC keeps the job
  kPreferred,  // return to the first preferred NIC once it has been up for up_delay_ms
};

enum class Require {
  kNone,        // no identification check
  kConfirmed,   // attach only once seen on this network in this link-up
  kRemembered,  // the last network recorded in state.json counts until contradicted
};

enum class UdevSource {
  kUdev,    // act on devices once udevd has processed them
  kKernel,  // raw kernel uevents (hosts/namespaces without udevd)
};

// How a NIC is picked out: by MAC, udev path, driver, name, being physical, or link kind.
struct NicSelector {
  enum class Kind {
    kMac,       // pattern is a MAC address; matches permanent (else current) MAC
    kPath,      // glob over the udev ID_PATH ("pci-0000:03:00.*")
    kDriver,    // glob over the kernel driver name ("igb")
    kName,      // glob over the current interface name
    kPhysical,  // has a bus device (only in [nics] include/exclude)
    kKind,      // rtnetlink link kind ("veth"); only in [nics] include/exclude
  };
  Kind kind = Kind::kName;
  std::string pattern;
  SourcePos pos;
};

struct MacRule {
  enum class Kind {
    kStable,    // derived from /etc/machine-id and the bridge name
    kInherit,   // permanent MAC of the first preferred NIC present
    kExplicit,  // the literal MAC in `value`
  };
  Kind kind = Kind::kStable;
  MacAddress value;
  // Whether the bridge's MAC is the policy's to the byte (stable or explicit), rather
  // than following whichever NIC ranks first (inherit).
  bool pinned() const { return kind != Kind::kInherit; }
};

struct Identify {
  std::optional<std::string> lldp_chassis;  // glob
  std::optional<std::string> lldp_port;     // glob
  std::optional<std::string> lldp_system;   // glob
  std::optional<IpAddress> arp_target;
  std::optional<IpPrefix> ra_prefix;
  Require require = Require::kNone;  // defaulted by the parser per SPEC
  bool HasAnyKey() const {
    return lldp_chassis || lldp_port || lldp_system || arp_target || ra_prefix;
  }
};

struct Bridge {
  std::string name;
  BridgeMode mode = BridgeMode::kActiveBackup;
  MacRule mac;
  std::string zone = "lan";
  std::vector<IpPrefix> addresses;
  std::optional<IpAddress> gateway;
  bool stp = false;
  int forward_delay_s = 0;
  std::vector<NicSelector> ports;  // preference order
  bool spares = true;
  Failback failback = Failback::kNever;
  Identify identify;
  SourcePos pos;       // of the [[bridge]] table
  SourcePos zone_pos;  // of the zone value (or of the table when the default is taken)
};

// `[[interface]]`: an interface failoverd does not manage (a management NIC, a VPN,
// docker0, virbr0) that the policy explicitly gives a zone. Without one, failoverd
// leaves such an interface's traffic to the administrator's own rules.
struct InterfaceZone {
  std::string name;  // exact interface name
  std::string zone;
  SourcePos pos;       // of the [[interface]] table
  SourcePos zone_pos;  // of the zone value
};

struct DaemonSettings {
  std::string state_dir = "/var/lib/failoverd";
  std::string control_socket = "/run/failoverd/control.sock";
  std::string control_group = "root";
  std::string zones_dir = "/etc/failoverd/zones";
  int hold_down_ms = 0;
  int up_delay_ms = 0;
  UdevSource udev_source = UdevSource::kUdev;
  // A valid policy that differs from the last one failoverd started with successfully
  // (edited, then a reboot) runs under a confirm window of this many seconds and goes
  // back to the last good one unless `failoverctl confirm` comes in time. 0: no window.
  int start_confirm_s = 600;
  SourcePos control_group_pos;  // of the control_group value, for host checks
};

struct NicSettings {
  std::string prefix = "hweth";
  std::vector<NicSelector> include = {{NicSelector::Kind::kPhysical, "physical", {}}};
  std::vector<NicSelector> exclude;
  SourcePos include_pos;  // of the include value; {0,0} when the default is taken
};

struct Policy {
  std::string source_path;
  DaemonSettings daemon;
  NicSettings nics;
  std::vector<Bridge> bridges;
  std::vector<InterfaceZone> interfaces;

  const InterfaceZone* FindInterface(const std::string& name) const {
    for (const auto& i : interfaces)
      if (i.name == name) return &i;
    return nullptr;
  }
  const Bridge* FindBridge(const std::string& name) const {
    for (const auto& b : bridges)
      if (b.name == name) return &b;
    return nullptr;
  }
};

const char* ToString(BridgeMode mode);  // "active-backup" | "switch" | "internal"
const char* ToString(Failback failback);
const char* ToString(Require require);
const char* ToString(UdevSource source);        // "udev" | "kernel"
const char* ToString(NicSelector::Kind kind);  // as written: "mac", "path", "driver", ...

}  // namespace failoverd::policy
