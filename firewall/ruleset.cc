// The nft scripts for table inet failoverd: the zero phase and the install and
// removal of one bridge's zone. Pure text generation; nothing here talks to
// the kernel. firewall/zero-phase.nft is ZeroPhaseScript() with a header
// comment (tests/unit/firewall/zero_phase_file_test.cc keeps them equal).
#include <cstdio>
#include <string>
#include <vector>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

std::string Table() { return std::string(kTableFamily) + " " + kTableName; }

// "eth0" as an nft ifname string. CheckBridgeName guarantees there is nothing
// to escape (nft strings have no escapes anyway); a trailing '*' is nft's wildcard.
std::string Quoted(const std::string& bridge) { return "\"" + bridge + "\""; }

void AppendChain(std::string& out, const std::string& chain,
                 const std::vector<std::string>& rules) {
  const std::string table = Table();
  // `add` leaves an existing chain (and the map elements jumping to it) in
  // place; `flush` empties it, so the rules below replace the old ones.
  out += "add chain " + table + " " + chain + "\n";
  out += "flush chain " + table + " " + chain + "\n";
  for (const std::string& rule : rules) {
    out += "add rule " + table + " " + chain + " " + rule + "\n";
  }
}

std::string Element(const std::string& map, const std::string& bridge,
                    const std::string& chain) {
  return "element " + Table() + " " + map + " { " + Quoted(bridge) + " : jump " + chain + " }\n";
}

}  // namespace

std::string TableScript(const TableSpec& spec) {
  const std::string table = Table();
  const char* policy = spec.before_takeover ? "drop" : "accept";
  // What every base chain says after the zone dispatch: a governed interface gets
  // replies to what the host opened and nothing else the zone did not accept; a
  // failoverd NIC (PREFIX*) nothing at all — it carries no address and forwards only
  // as a bridge port, which no inet hook sees without br_netfilter (and with it, the
  // bridge is the input device). Everything else passes failoverd's table (policy
  // accept) and meets the administrator's own rules, except before takeover.
  auto governed_tail = [&](std::string& out) {
    out += "\t\tiifname @governed ct state established,related accept\n";
    out += "\t\tiifname @governed drop\n";
    if (!spec.nic_prefix.empty()) out += "\t\tiifname " + Quoted(spec.nic_prefix + "*") + " drop\n";
    if (!spec.before_takeover) return;
    for (const std::string& name : spec.open) out += "\t\tiifname " + Quoted(name) + " accept\n";
    out += "\t\tct state established,related accept\n";
  };
  // Creating the table first makes the delete valid whether or not it exists;
  // the kernel commits the whole script at once, so there is no moment
  // without the table (and no moment with a half-built one).
  std::string out;
  out += "table " + table + "\n";
  out += "delete table " + table + "\n";
  out += "table " + table + " {\n";
  out += "\tmap zone_input {\n";
  out += "\t\ttype ifname : verdict\n";
  out += "\t}\n";
  out += "\n";
  out += "\tmap zone_forward {\n";
  out += "\t\ttype ifname : verdict\n";
  out += "\t}\n";
  out += "\n";
  out += "\tset governed {\n";
  out += "\t\ttype ifname\n";
  if (!spec.governed.empty()) {
    out += "\t\telements = { ";
    for (size_t i = 0; i < spec.governed.size(); ++i) out += (i ? ", " : "") + Quoted(spec.governed[i]);
    out += " }\n";
  }
  out += "\t}\n";
  out += "\n";
  // The zone dispatch comes first so that a zone can drop even established
  // traffic (isolated); a zone chain that ends without a verdict returns here.
  out += "\tchain input {\n";
  out += std::string("\t\ttype filter hook input priority filter; policy ") + policy + ";\n";
  out += "\t\tiif \"lo\" accept\n";
  out += "\t\tiifname vmap @zone_input\n";
  governed_tail(out);
  out += "\t}\n";
  out += "\n";
  out += "\tchain forward {\n";
  out += std::string("\t\ttype filter hook forward priority filter; policy ") + policy + ";\n";
  out += "\t\tiifname vmap @zone_forward\n";
  governed_tail(out);
  out += "\t}\n";
  // A packet accepted by a base chain still meets the later base chains of its hook
  // (a dropped one does not): these see exactly the new connections that got through
  // input and forward, and mark them as accepted (kAcceptedCtMark, ORed into the ct
  // mark). A connection opened while this table was missing — `nft flush ruleset`,
  // until failoverd puts it back — has no mark; after the repair the daemon deletes
  // such entries to the host (core/conntrack_sweep.h), so their next packet is judged by
  // the zone. No policy: a base chain without one accepts.
  char mark[16];
  std::snprintf(mark, sizeof mark, "0x%08x", kAcceptedCtMark);
  for (const char* hook : {"input", "forward"}) {
    out += "\n";
    out += std::string("\tchain mark_") + hook + " {\n";
    out += std::string("\t\ttype filter hook ") + hook + " priority filter + 10;\n";
    out += std::string("\t\tct state new ct mark set ct mark or ") + mark + "\n";
    out += "\t}\n";
  }
  // No output chain: what the host itself sends is not filtered, and the connections
  // it opens need no mark (the sweep never takes a connection from a host address).
  out += "}\n";
  for (const BridgeZone& bridge : spec.zones) out += InstallZoneScript(bridge);
  return out;
}

std::string ZeroPhaseScript() {
  TableSpec spec;
  spec.before_takeover = true;
  return TableScript(spec);
}

std::string InstallZoneScript(const BridgeZone& bridge) {
  const std::string in = InputChainName(bridge.bridge);
  const std::string fwd = ForwardChainName(bridge.bridge);
  std::string out;
  AppendChain(out, in, bridge.zone.input_rules);
  // Frames bridged between two ports of the same bridge are layer 2, not routing:
  // with br_netfilter they pass the inet forward hook with the bridge as both the in
  // and the out device, and the zone (which judges what the host routes to its other
  // networks) must not drop them. (A packet the host routes back out of the interface
  // it came in on looks the same and passes too: it stays on one network.)
  std::vector<std::string> forward = {"oifname " + Quoted(bridge.bridge) + " accept"};
  forward.insert(forward.end(), bridge.zone.forward_rules.begin(), bridge.zone.forward_rules.end());
  AppendChain(out, fwd, forward);
  // A bridge's element always holds the same verdict (jump to its own chain),
  // and the kernel accepts re-adding an element identical to an existing one,
  // so `add` is idempotent here. (A delete-then-add would fail when the element
  // is missing; nft 1.0.6 has no `destroy`.)
  out += "add " + Element("zone_input", bridge.bridge, in);
  out += "add " + Element("zone_forward", bridge.bridge, fwd);
  out += "add element " + Table() + " governed { " + Quoted(bridge.bridge) + " }\n";
  return out;
}

std::string SweepGuardScript(const std::vector<std::string>& governed) {
  const std::string table = std::string(kTableFamily) + " " + kSweepGuardTable;
  std::string out = "table " + table + "\ndelete table " + table + "\n";
  if (governed.empty()) return out;
  std::string names;
  for (const std::string& name : governed) names += (names.empty() ? "" : ", ") + Quoted(name);
  out += "table " + table + " {\n";
  out += "\tchain output {\n";
  out += "\t\ttype filter hook output priority filter; policy accept;\n";
  out += "\t\toifname { " + names + " } ct state new tcp flags & (syn | rst) == 0 drop\n";
  out += "\t}\n";
  out += "}\n";
  return out;
}

std::string RemoveZoneScript(const std::string& bridge) {
  const std::string table = Table();
  const std::string in = InputChainName(bridge);
  const std::string fwd = ForwardChainName(bridge);
  // `delete` fails on what does not exist, so everything is first added (a
  // no-op when present); that makes the removal valid whether or not the
  // zone is installed. The kernel refuses to delete a chain that still has
  // rules or is still jumped to, hence the order: elements, flush, chains.
  std::string out;
  out += "add chain " + table + " " + in + "\n";
  out += "add chain " + table + " " + fwd + "\n";
  out += "add " + Element("zone_input", bridge, in);
  out += "add " + Element("zone_forward", bridge, fwd);
  out += "delete " + Element("zone_input", bridge, in);
  out += "delete " + Element("zone_forward", bridge, fwd);
  out += "flush chain " + table + " " + in + "\n";
  out += "flush chain " + table + " " + fwd + "\n";
  out += "delete chain " + table + " " + in + "\n";
  out += "delete chain " + table + " " + fwd + "\n";
  out += "add element " + table + " governed { " + Quoted(bridge) + " }\n";
  out += "delete element " + table + " governed { " + Quoted(bridge) + " }\n";
  return out;
}

}  // namespace failoverd::firewall
