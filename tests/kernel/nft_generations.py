#!/usr/bin/env python3
"""Replays an `nft monitor` log of table inet failoverd commit by commit (for
test_zero_phase_handover.sh) and checks what the kernel held after every transaction.

  nft_generations.py LOG BRIDGE

`nft monitor` prints the objects each transaction adds and deletes, then
"# new generation N by process PID (NAME)" when the kernel commits it: packets only ever
meet the state at such a boundary. From the first commit that holds the table on:
  - table inet failoverd exists, with base chains input and forward, both policy drop
    (the zero phase) or both policy accept with BRIDGE in set `governed` (failoverd's
    table after takeover: what BRIDGE's zone does not accept is dropped; interfaces
    failoverd does not govern pass);
  - once BRIDGE's zone has been committed (chains in_BRIDGE and fwd_BRIDGE, and the
    elements "BRIDGE" : jump in_/fwd_BRIDGE in zone_input/zone_forward), it is there at
    every later commit.
Prints one line per commit and a summary line
  "summary: C commits, table replaced by nft R1 times, by failoverd R2 times, ..."
and exits 1 when an invariant is broken at some commit.
"""
import re
import sys

T = r"inet failoverd"


def main():
    log, bridge = sys.argv[1], sys.argv[2]
    zone = {("zone_input", bridge, "in_" + bridge), ("zone_forward", bridge, "fwd_" + bridge)}
    table = False
    chains = {}  # name -> policy (None for regular chains)
    elements = set()  # (map, key, chain)
    governed = set()  # names in set governed
    tx = []  # the lines of the transaction being read
    started = False  # a commit held the table
    zone_committed = False
    commits = 0
    replaced = {}
    zone_first = None
    errors = []

    def elements_of(map_name, body):
        for item in body.split(","):
            m = re.match(r'\s*"([^"]*)"\s*:\s*(?:jump|goto)\s+(\S+)\s*$', item)
            if m:
                yield (map_name, m.group(1), m.group(2))

    with open(log) as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = re.match(r"^# new generation (\d+) by process (\d+) \((.*)\)", line)
            if not m:
                tx.append(line)
                if re.match(r"^add table %s\s*$" % T, line):
                    table = True
                elif re.match(r"^delete table %s\s*$" % T, line):
                    table, chains, elements, governed = False, {}, set(), set()
                elif re.match(r"^add chain %s (\S+)" % T, line):
                    name = re.match(r"^add chain %s (\S+)" % T, line).group(1)
                    pol = re.search(r"policy (\w+);", line)
                    chains[name] = pol.group(1) if pol else None
                elif re.match(r"^delete chain %s (\S+)" % T, line):
                    chains.pop(re.match(r"^delete chain %s (\S+)" % T, line).group(1), None)
                elif re.match(r"^(add|delete) element %s (\S+) \{ (.*) \}" % T, line):
                    op, map_name, body = re.match(r"^(add|delete) element %s (\S+) \{ (.*) \}" % T, line).groups()
                    for e in elements_of(map_name, body):
                        (elements.add if op == "add" else elements.discard)(e)
                    if map_name == "governed":
                        for name in re.findall(r'"([^"]*)"', body):
                            (governed.add if op == "add" else governed.discard)(name)
                elif re.match(r"^delete (?:set|map) %s (\S+)" % T, line):
                    gone = re.match(r"^delete (?:set|map) %s (\S+)" % T, line).group(1)
                    elements = {e for e in elements if e[0] != gone}
                    if gone == "governed":
                        governed = set()
                elif re.match(r"^add set %s governed .*elements = \{ (.*) \}" % T, line):
                    body = re.match(r"^add set %s governed .*elements = \{ (.*) \}" % T, line).group(1)
                    governed.update(re.findall(r'"([^"]*)"', body))
                continue

            gen, proc = m.group(1), m.group(3)
            commits += 1
            did_replace = any(re.match(r"^delete table %s\s*$" % T, l) for l in tx)
            if did_replace:
                replaced[proc] = replaced.get(proc, 0) + 1
            has_zone = zone <= elements and "in_" + bridge in chains and "fwd_" + bridge in chains
            started = started or table
            problems = []
            if started:
                if not table:
                    problems.append("no table inet failoverd")
                for base in ("input", "forward"):
                    policy = chains.get(base, "missing")
                    if policy != "drop" and not (policy == "accept" and bridge in governed):
                        problems.append("base chain %s: policy %s with %s %s" % (
                            base, policy, bridge, "governed" if bridge in governed else "not governed"))
                if zone_committed and not has_zone:
                    problems.append("zone of %s gone (chains %s, elements %s)" % (
                        bridge, sorted(c for c in chains if c.endswith("_" + bridge)),
                        sorted(e for e in elements if e[1] == bridge)))
            if has_zone and not zone_committed:
                zone_committed = True
                zone_first = "generation %s by %s" % (gen, proc)
            print("generation %s by %s: %d events%s; table %s, zone %s %s%s" % (
                gen, proc, len(tx), ", table replaced" if did_replace else "",
                "present" if table else "absent", bridge, "present" if has_zone else "absent",
                ("; BROKEN: " + "; ".join(problems)) if problems else ""))
            errors.extend("generation %s by %s: %s" % (gen, proc, p) for p in problems)
            tx = []

    print("summary: %d commits, table replaced by %s, zone %s first committed in %s" % (
        commits, ", ".join("%s %d times" % kv for kv in sorted(replaced.items())) or "nobody",
        bridge, zone_first or "none"))
    for e in errors:
        print("BROKEN: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
