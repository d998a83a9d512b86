// The nft scripts for table inet failoverd: the zero phase and the install and
// removal of one bridge's zone. Pure text generation; nothing here talks to
// the kernel. firewall/zero-phase.nft is ZeroPhaseScript({}) with a header
// comment (tests/unit/firewall/zero_phase_file_test.cc keeps them equal).
#include <string>
#include <vector>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

std::string Table() { return std::string(kTableFamily) + " " + kTableName; }

// "eth0" as an nft ifname string. CheckBridgeName guarantees there is nothing
// to escape (nft strings have no escapes anyway).
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

std::string ZeroPhaseScript(const std::vector<BridgeZone>& bridges) {
  const std::string table = Table();
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
  // The zone dispatch comes before the established rule so that a zone can
  // drop even established traffic (isolated); a zone chain that ends without
  // a verdict returns here and established/related traffic is accepted.
  out += "\tchain input {\n";
  out += "\t\ttype filter hook input priority filter; policy drop;\n";
  out += "\t\tiif \"lo\" accept\n";
  out += "\t\tiifname vmap @zone_input\n";
  out += "\t\tct state established,related accept\n";
  out += "\t}\n";
  out += "\n";
  out += "\tchain forward {\n";
  out += "\t\ttype filter hook forward priority filter; policy drop;\n";
  out += "\t\tiifname vmap @zone_forward\n";
  out += "\t\tct state established,related accept\n";
  out += "\t}\n";
  // No output chain: what the host itself sends is not filtered.
  out += "}\n";
  for (const BridgeZone& bridge : bridges) out += InstallZoneScript(bridge);
  return out;
}

std::string InstallZoneScript(const BridgeZone& bridge) {
  const std::string in = InputChainName(bridge.bridge);
  const std::string fwd = ForwardChainName(bridge.bridge);
  std::string out;
  AppendChain(out, in, bridge.zone.input_rules);
  AppendChain(out, fwd, bridge.zone.forward_rules);
  // A bridge's element always holds the same verdict (jump to its own chain),
  // and the kernel accepts re-adding an element identical to an existing one,
  // so `add` is idempotent here. (A delete-then-add would fail when the element
  // is missing; nft 1.0.6 has no `destroy`.)
  out += "add " + Element("zone_input", bridge.bridge, in);
  out += "add " + Element("zone_forward", bridge.bridge, fwd);
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
  return out;
}

}  // namespace failoverd::firewall
