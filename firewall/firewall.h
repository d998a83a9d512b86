// The firewall model: zone fragments, the nft scripts generated from them, and
// the interface that applies a script as one atomic transaction.
//
// Table `inet failoverd` dispatches per bridge through verdict maps keyed by
// iifname, so no rule depends on which NIC is attached (chains mark_input and
// mark_forward, after input and forward, mark what they accepted: kAcceptedCtMark):
//   map zone_input   { type ifname : verdict }  "eth0" : jump in_eth0
//   map zone_forward { type ifname : verdict }  "eth0" : jump fwd_eth0
//   set governed     { type ifname }            "eth0": what the zone left undecided
//                                               is dropped (replies excepted)
// A zone file zones/NAME.nft holds an `input { ... }` and/or `forward { ... }`
// block of nft rule statements, one per line; '#' starts a comment.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/status.h"

namespace failoverd::firewall {

inline constexpr const char* kTableFamily = "inet";
inline constexpr const char* kTableName = "failoverd";

// The one bit of the conntrack mark failoverd owns: set on every connection whose
// first packet got through the input or forward hook (the zone, or the table's
// policy for what failoverd does not govern, accepted it). A connection opened
// while table inet failoverd was missing lacks it, so after a repair the daemon can
// tell which connections to the host no zone ever accepted (conntrack records no
// input interface). The bit is ORed in; the other 31 bits stay the administrator's.
inline constexpr uint32_t kAcceptedCtMark = 0x01000000;

// Where a rule stands in its zone file (1-based), for messages about it.
struct RuleAt {
  int line = 0;
  int column = 0;
};

struct ZoneFragment {
  std::string name;  // "lan"
  std::string path;  // file it was read from, for messages
  std::vector<std::string> input_rules;
  std::vector<std::string> forward_rules;
  // Parallel to the rules when read from a file; empty for zones recorded elsewhere
  // (a rollback's), whose rules have no file to point at.
  std::vector<RuleAt> input_at = {};
  std::vector<RuleAt> forward_at = {};
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
// Every zone `LoadZone` could find: the NAME.nft files of ZONES_DIR and the shipped
// zones, sorted, each once.
std::vector<std::string> AvailableZones(const std::string& zones_dir);
// Parses fragment text (exposed for tests); `path` is used in messages.
Result<ZoneFragment> ParseZone(const std::string& text, const std::string& name,
                               const std::string& path);

// What table inet failoverd holds. failoverd judges only what it governs: its
// bridges and the interfaces the policy gives a zone ([[interface]]) by their zones,
// and its NICs (PREFIX*) not at all (dropped). Every other interface — an excluded
// or management NIC, lo, a VPN, docker0, a container's veth — passes the table and
// is left to the administrator's own rules. Before takeover (the zero phase an
// early-boot unit loads) the table drops everything else too, but `open`.
struct TableSpec {
  std::string nic_prefix = "hweth";
  std::vector<std::string> governed;  // exact interface names
  std::vector<BridgeZone> zones;      // installed in the same transaction
  bool before_takeover = false;       // policy drop instead of accept
  // Before takeover only: interfaces accepted all the same (nft wildcards allowed,
  // "mgmt*"): what the last good policy excluded or left alone, so a host whose
  // failoverd cannot start keeps its management NIC.
  std::vector<std::string> open;
};

// One script that atomically replaces table inet failoverd, existing or not.
std::string TableScript(const TableSpec& spec);
// The static zero phase: everything but lo dropped (firewall/zero-phase.nft).
std::string ZeroPhaseScript();
// One script that installs (or atomically replaces) the zone of one bridge or
// interface, and makes it governed.
std::string InstallZoneScript(const BridgeZone& bridge);
// One script that removes a bridge's zone chains, map entries and governed element.
std::string RemoveZoneScript(const std::string& bridge);

// Table inet failoverd_sweep, kept for a while after a sweep deleted connections
// (failoverd/daemon/daemon_conntrack.cc). A deleted TCP connection is picked up again
// by whichever side sends next (nf_conntrack_tcp_loose): from the client, the zone
// judges it; from the host (a server pushing data, a retransmission, a delayed ACK)
// nothing would, and the client's packets would then be replies of an established
// connection. The guard drops what the host sends out of a governed interface on a TCP
// connection conntrack has just picked up mid-stream (new, neither SYN nor RST).
// Separate from table inet failoverd so that its coming and going is no change there.
inline constexpr const char* kSweepGuardTable = "failoverd_sweep";
// Replaces the guard table (existing or not) for these interfaces; empty: removes it.
std::string SweepGuardScript(const std::vector<std::string>& governed);

// Applies nft scripts. Each Apply is one transaction: all of it or none of it.
class Firewall {
 public:
  virtual ~Firewall() = default;
  virtual Status Apply(const std::string& script) = 0;
  // Validates a script against the kernel without committing anything.
  virtual Status Check(const std::string& script) = 0;
  // Validates a script that only builds `table` ("inet name"), which no one else uses:
  // it runs in one transaction that deletes `table` again at its end, so the kernel
  // judges every rule as a dry run would and nothing stays. A dry run ends in the
  // kernel's abort path, which waits for an RCU grace period (15-25 ms here, at every
  // start and reload); this commit does not (~1 ms).
  virtual Status CheckInScratchTable(const std::string& script, const std::string& table) {
    (void)table;
    return Check(script);
  }
  // Whether the zone chain of `bridge` is present in the kernel's table now.
  virtual Result<bool> HasZone(const std::string& bridge) = 0;
  // Table inet failoverd as the kernel holds it now, in a canonical form (no rule
  // handles, set elements sorted) that equal contents share: the daemon compares it
  // with what it read after its own last commit, so any change by someone else — a
  // rule added, a chain flushed, an element removed, the table replaced — shows.
  // "" when there is no such table.
  virtual Result<std::string> ReadFingerprint() = 0;
};

}  // namespace failoverd::firewall
