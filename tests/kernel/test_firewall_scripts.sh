#!/usr/bin/env bash
# Kernel test of the firewall scripts (not a unit test: needs root and a kernel
# with nftables). Loads the generated zero-phase, install and remove scripts
# into a private network namespace and checks what the kernel holds, and that
# traffic from a peer namespace across a veth and a bridge meets the zones.
#
# Nothing here touches the caller's network namespace: every nft command runs
# as `ip netns exec $NS ...` in a namespace this script created, and both
# namespaces are deleted on exit, also on failure.
#
# Binaries: fw_script_tool is $FAILOVERD_BUILD_DIR/firewall/fw_script_tool.
# FAILOVERD_BUILD_DIR defaults to the build directory of $FAILOVERD_BIN (set by
# ctest: BUILD/failoverd/failoverd), else to /work/main/build-fw.
# FW_SCRIPT_TOOL overrides the tool's path outright.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=${FAILOVERD_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
if [[ -z "${FAILOVERD_BUILD_DIR:-}" && -n "${FAILOVERD_BIN:-}" ]]; then
  FAILOVERD_BUILD_DIR=$(dirname "$(dirname "$FAILOVERD_BIN")")
fi
build_dir=${FAILOVERD_BUILD_DIR:-/work/main/build-fw}
tool=${FW_SCRIPT_TOOL:-$build_dir/firewall/fw_script_tool}
zones=$src_dir/firewall/zones
zero_file=$src_dir/firewall/zero-phase.nft

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

[[ $(id -u) -eq 0 ]] || fail "must run as root (it creates network namespaces)"
[[ -x "$tool" ]] || fail "no fw_script_tool at $tool (build target fw_script_tool, or set FAILOVERD_BUILD_DIR)"
command -v nft >/dev/null || fail "nft is not installed"

NS=fod-fw-$$
PEER=fod-fw-$$-peer
cleanup() {
  ip netns del "$PEER" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NS"
ip netns add "$PEER"

# The only ways this script reaches nftables: inside $NS.
nft_ns() { ip netns exec "$NS" nft "$@"; }
load() { ip netns exec "$NS" nft -f -; }  # script on stdin
tool_ns() { ip netns exec "$NS" "$tool" "$@"; }

has_chain() { nft_ns list chain inet failoverd "$1" >/dev/null 2>&1; }
# Listings go to a variable first: with pipefail, `nft ... | grep -q` fails
# whenever grep exits before nft has written everything.
listing_has() {  # listing_has TEXT NFT-LIST-ARGS...
  local text=$1 listing
  shift
  listing=$(nft_ns list "$@") || return 1
  grep -qF -- "$text" <<<"$listing"
}
# The listing exists and lacks TEXT: a missing chain or map must not pass for "no TEXT".
listing_lacks() {  # listing_lacks TEXT NFT-LIST-ARGS...
  local text=$1 listing
  shift
  listing=$(nft_ns list "$@") || return 1
  ! grep -qF -- "$text" <<<"$listing"
}

# ---- zero phase --------------------------------------------------------------
nft_ns -f "$zero_file" || fail "zero-phase.nft does not load"
nft_ns -f "$zero_file" || fail "zero-phase.nft does not load over itself"
from_file=$(nft_ns list ruleset)
pass "zero-phase.nft loads twice"

"$tool" zero | load || fail "generated zero phase does not load over zero-phase.nft"
"$tool" zero | load || fail "generated zero phase does not load over itself"
from_generator=$(nft_ns list ruleset)
[[ "$from_generator" == "$from_file" ]] ||
  fail "kernel holds different rulesets for zero-phase.nft and the generator:
$from_file
---
$from_generator"
pass "generated zero phase loads twice and equals zero-phase.nft in the kernel"

grep -q 'policy drop' <<<"$from_generator" || fail "no policy drop"
# ---- zero phase with adopted bridges -----------------------------------------
"$tool" zero "$zones" br-t.1 lan eth0 external | load || fail "zero phase with bridges does not load"
"$tool" zero "$zones" br-t.1 lan eth0 external | load || fail "zero phase with bridges does not load twice"
for chain in in_br-t.1 fwd_br-t.1 in_eth0 fwd_eth0; do
  has_chain "$chain" || fail "zero phase with bridges: no chain $chain"
done
listing_has '"br-t.1" : jump in_br-t.1' map inet failoverd zone_input || fail "zero phase with bridges: no zone_input element"
listing_has '"eth0" : jump fwd_eth0' map inet failoverd zone_forward || fail "zero phase with bridges: no zone_forward element"
pass "zero phase with adopted bridges loads twice"

"$tool" zero | load || fail "zero phase does not replace a table with zones"
has_chain in_br-t.1 && fail "zero phase left the zone chain in_br-t.1 behind"
[[ "$(nft_ns list ruleset)" == "$from_file" ]] || fail "zero phase did not reset the table"
pass "zero phase replaces a table that holds zones"

# ---- a bridge with a peer behind it ------------------------------------------
# $NS is the host with bridge br-t.1 (192.0.2.1); $PEER sits at the other end
# of a veth that is a port of the bridge (192.0.2.2).
ip -n "$NS" link set lo up
ip -n "$PEER" link set lo up
ip -n "$NS" link add br-t.1 type bridge
ip -n "$NS" link add veth-h type veth peer name veth-p netns "$PEER"
ip -n "$NS" link set veth-h master br-t.1
ip -n "$NS" addr add 192.0.2.1/24 dev br-t.1
ip -n "$PEER" addr add 192.0.2.2/24 dev veth-p
ip -n "$NS" link set veth-h up
ip -n "$NS" link set br-t.1 up
ip -n "$PEER" link set veth-p up

# ping_ok FROM ADDR: the ping succeeds within a deadline (links come up, ARP).
ping_ok() { ip netns exec "$1" ping -q -c1 -W1 -w10 "$2" >/dev/null 2>&1; }
# ping_blocked FROM ADDR: no answer to two echo requests.
ping_blocked() { ! ip netns exec "$1" ping -q -c2 -W1 -i0.2 "$2" >/dev/null 2>&1; }

# With no zone for the bridge: nothing new comes in; replies to the host do.
ping_ok "$NS" 192.0.2.2 || fail "no zone: host cannot ping the peer (replies must be accepted)"
ping_blocked "$PEER" 192.0.2.1 || fail "no zone: the peer can ping the host (policy must drop)"
pass "no zone: default deny inbound, replies accepted"

# ---- install -----------------------------------------------------------------
"$tool" install br-t.1 "$zones" lan | load || fail "install lan does not load"
once=$(nft_ns list ruleset)
"$tool" install br-t.1 "$zones" lan | load || fail "install lan does not load twice"
[[ "$(nft_ns list ruleset)" == "$once" ]] || fail "second install changed the ruleset"
has_chain in_br-t.1 || fail "install: no chain in_br-t.1"
has_chain fwd_br-t.1 || fail "install: no chain fwd_br-t.1"
listing_has '"br-t.1" : jump in_br-t.1' map inet failoverd zone_input || fail "install: no zone_input element"
listing_has '"br-t.1" : jump fwd_br-t.1' map inet failoverd zone_forward || fail "install: no zone_forward element"
listing_has 'tcp dport 22 accept' chain inet failoverd in_br-t.1 || fail "install: lan rules missing"
pass "install lan twice: idempotent, chains and map elements present"

ping_ok "$PEER" 192.0.2.1 || fail "lan: the peer cannot ping the host"
pass "lan: the peer can ping the host"

"$tool" install br-t.1 "$zones" isolated | load || fail "install isolated over lan does not load"
listing_lacks 'tcp dport' chain inet failoverd in_br-t.1 || fail "isolated: lan rules left behind (or no chain)"
listing_has 'drop' chain inet failoverd in_br-t.1 || fail "isolated: the chain does not drop"
ping_blocked "$PEER" 192.0.2.1 || fail "isolated: the peer can ping the host"
ping_blocked "$NS" 192.0.2.2 || fail "isolated: established replies reach the host"
pass "isolated replaces lan; drops even replies to the host"

for zone in trusted lan external isolated; do
  "$tool" install eth0 "$zones" "$zone" | load || fail "shipped zone $zone does not load"
done
pass "every shipped zone loads"

# ---- remove ------------------------------------------------------------------
"$tool" remove br-t.1 | load || fail "remove does not load"
"$tool" remove br-t.1 | load || fail "remove does not load twice"
has_chain in_br-t.1 && fail "remove: chain in_br-t.1 still there"
has_chain fwd_br-t.1 && fail "remove: chain fwd_br-t.1 still there"
listing_lacks 'br-t.1' map inet failoverd zone_input || fail "remove: zone_input element still there (or no map)"
listing_lacks 'br-t.1' map inet failoverd zone_forward || fail "remove: zone_forward element still there (or no map)"
listing_lacks 'br-t.1' set inet failoverd governed || fail "remove: still governed (or no set)"
has_chain in_eth0 || fail "remove of br-t.1 removed eth0's zone"
"$tool" remove never-there | load || fail "remove of a bridge without a zone fails"
ping_blocked "$PEER" 192.0.2.1 || fail "after remove: the peer can ping the host"
ping_ok "$NS" 192.0.2.2 || fail "after remove: host cannot ping the peer"
pass "remove twice: chains and elements gone, back to default deny"

# ---- NftFirewall (libnftables) -----------------------------------------------
[[ "$(tool_ns has-zone br-x)" == absent ]] || fail "has-zone: br-x present before install"
"$tool" install br-x "$zones" lan | tool_ns check || fail "check of a valid install fails"
[[ "$(tool_ns has-zone br-x)" == absent ]] || fail "check committed the install"
"$tool" install br-x "$zones" lan | tool_ns apply || fail "apply of an install fails"
[[ "$(tool_ns has-zone br-x)" == present ]] || fail "has-zone: br-x absent after apply"
if err=$(printf 'add rule inet failoverd in_br-x tcp dport 22 bogus\n' | tool_ns check 2>&1); then
  fail "check accepted a bad script"
fi
grep -q 'Error' <<<"$err" || fail "check failure does not carry nft's message: $err"
if err=$({ "$tool" install br-y "$zones" lan; echo 'add rule inet failoverd in_br-y bogus'; } |
  tool_ns apply 2>&1); then
  fail "apply accepted a bad script"
fi
[[ "$(tool_ns has-zone br-y)" == absent ]] || fail "a failed apply committed part of its script"
"$tool" remove br-x | tool_ns apply || fail "apply of a remove fails"
[[ "$(tool_ns has-zone br-x)" == absent ]] || fail "has-zone: br-x present after remove"
pass "NftFirewall: apply, check (dry run), has-zone, all-or-nothing"

echo "PASS: firewall scripts"
