// The firewall model: zone fragments, the nft scripts generated from them, and
// the interface that applies a script as one atomic transaction.
//
// Table `inet failoverd` (the zero phase) drops input and forward by default,
// accepts loopback and established/related, and dispatches per bridge through
// verdict maps keyed by iifname, so no rule depends on which NIC is attached:
//   map zone_input   { type ifname : verdict }  "eth0" : jump in_eth0
//   map zone_forward { type ifname : verdict }  "eth0" : jump fwd_eth0
// A zone file zones/NAME.nft holds an `input { ... }` and/or `forward { ... }`
// block of nft rule statements, one per line; '#' starts a comment.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "failoverd/common/status.h"

namespace failoverd::firewall {

inline constexpr const char* kTableFamily = "inet";
inline constexpr const char* kTableName = "failoverd";

struct ZoneFragment {
  std::string name;  // "lan"
  std::string path;  // file it was read from, for messages
  std::vector<std::string> input_rules;
  std::vector<std::string> forward_rules;
};

struct BridgeZone {
  std::string bridge;  // "eth0"
  ZoneFragment zone;
};

// Names. A zone name matches [A-Za-z0-9_-]+. A bridge name must be a Linux
// interface name (1..15 bytes, not "." or "..") made of [A-Za-z0-9_.-], because
// it becomes part of the unquoted nft chain identifiers in_NAME and fwd_NAME
// (nft 1.0.6 accepts no quoted chain names). The script generators below
// require bridge names that pass CheckBridgeName; a policy naming another
// bridge must be refused before any script is generated for it.
Status CheckZoneName(const std::string& zone);
Status CheckBridgeName(const std::string& bridge);
std::string InputChainName(const std::string& bridge);    // "in_eth0"
std::string ForwardChainName(const std::string& bridge);  // "fwd_eth0"

// Reads and checks ZONES_DIR/NAME.nft. Errors name the file, line and column. A
// shipped zone (trusted, lan, external, isolated) missing from ZONES_DIR falls back
// to the copy built into failoverd; a file in ZONES_DIR always wins.
Result<ZoneFragment> LoadZone(const std::string& zones_dir, const std::string& name);
// Parses fragment text (exposed for tests); `path` is used in messages.
Result<ZoneFragment> ParseZone(const std::string& text, const std::string& name,
                               const std::string& path);

// One script that atomically replaces table inet failoverd with the zero phase plus
// the zones of `bridges` (the bridges adopted at start). Existing table or not.
std::string ZeroPhaseScript(const std::vector<BridgeZone>& bridges);
// One script that installs (or atomically replaces) the zone of one bridge.
std::string InstallZoneScript(const BridgeZone& bridge);
// One script that removes a bridge's zone chains and map entries.
std::string RemoveZoneScript(const std::string& bridge);

// What the kernel holds of table inet failoverd right now.
struct TableState {
  bool intact = false;          // the table with its input and forward base chains, both policy drop
  std::set<std::string> zones;  // bridges whose in_ and fwd_ chains are both present
};

// Applies nft scripts. Each Apply is one transaction: all of it or none of it.
class Firewall {
 public:
  virtual ~Firewall() = default;
  virtual Status Apply(const std::string& script) = 0;
  // Validates a script against the kernel without committing anything.
  virtual Status Check(const std::string& script) = 0;
  // Whether the zone chain of `bridge` is present in the kernel's table now.
  virtual Result<bool> HasZone(const std::string& bridge) = 0;
  // Reads the table back, so the daemon notices when someone else flushed or replaced it.
  virtual Result<TableState> ReadTable() = 0;
};

}  // namespace failoverd::firewall
