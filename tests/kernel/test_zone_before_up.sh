#!/usr/bin/env bash
# A bridge's firewall exists before the bridge goes up (SPEC §1, §4). Checked by ORDER, not
# timing: the daemon runs under strace, which decodes its rtnetlink and nftables writes;
# for each bridge the nftables message creating chain in_<bridge> must come before the
# first RTM_NEWLINK/RTM_SETLINK (or SIOCSIFFLAGS) that sets IFF_UP on that bridge. Also: the very first
# kernel write is nftables (the zero-phase ruleset comes before anything else).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init zoneup
lab_require_daemon
lab_require strace perl nft

m1=02:00:00:00:03:01
m2=02:00:00:00:03:02
lab_ns server
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" b
S=$(lab_nsname server)

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m2" }]

[[bridge]]
name = "vmbr0"
mode = "internal"
zone = "trusted"
EOF2
bridges=(eth0 eth1 vmbr0)

# LeakSanitizer cannot run under ptrace; everything else of a sanitizer build still does.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# shellcheck disable=SC2054  # the commas are strace syntax
LAB_DAEMON_WRAPPER=(strace -f -qq -v -s 4096 -o "$T/strace.log" -e trace=sendmsg,sendto,sendmmsg,ioctl --)
lab_daemon_start server "$T/policy.toml"
for br in "${bridges[@]}"; do
  wait_until 10 eval "ip -n '$S' link show dev '$br' 2>/dev/null | grep '[<,]UP[,>]' >/dev/null"
done
ok "bridges ${bridges[*]} exist and are up"
lab_daemon_stop
# shellcheck disable=SC2034  # read by lib.sh
LAB_DAEMON_WRAPPER=()

perl "$LAB_DIR/netlink_trace.pl" "$T/strace.log" >"$T/writes.txt"
[[ -s "$T/writes.txt" ]] || fail "strace decoded no netlink writes (see $T/strace.log)"
ok "strace decoded $(grep -c ' nft ' "$T/writes.txt" || true) nftables and $(grep -c ' rtnl ' "$T/writes.txt" || true) rtnetlink writes"

# The first write of all is nftables (the zero-phase ruleset).
first_nft=$(awk '$2 == "nft" && $3 ~ /^NEW/ { print $1; exit }' "$T/writes.txt")
first_rtnl=$(awk '$2 == "rtnl" && !($4 == "index=0" && $7 == "ifname=") { print $1; exit }
                  $2 == "ioctl" { print $1; exit }' "$T/writes.txt")
[[ -n "$first_nft" ]] || fail "no nftables write seen"
[[ -z "$first_rtnl" || "$first_nft" -lt "$first_rtnl" ]] ||
  fail "first link write (strace line $first_rtnl: $(awk -v l="$first_rtnl" '$1 == l' "$T/writes.txt" | head -n 1)) comes before the first nftables write (line $first_nft)"
ok "first kernel write is nftables (strace line $first_nft; first link write: line ${first_rtnl:-none})"

for br in "${bridges[@]}"; do
  idx=$(ip -n "$S" -j link show dev "$br" | jq -r '.[0].ifindex')
  chain_line=$(awk -v c="name=in_$br" '$2 == "nft" && $3 == "NEWCHAIN" && $5 == c { print $1; exit }' "$T/writes.txt")
  # The first write setting IFF_UP on the bridge: by ifindex, by name, or creating it up.
  up_line=$(awk -v idx="$idx" -v br="$br" '
    $2 == "rtnl" && ($3 == "RTM_NEWLINK" || $3 == "RTM_SETLINK") && $NF == "up=1" &&
      ($4 == "index=" idx || $4 == "index=" br || ($4 == "index=0" && $7 == "ifname=" br)) { print $1; exit }
    $2 == "ioctl" && $4 == "name=" br && $NF == "up=1" { print $1; exit }' "$T/writes.txt")
  [[ -n "$chain_line" ]] || fail "$br: no nftables NEWCHAIN in_$br seen in the trace"
  [[ -n "$up_line" ]] || fail "$br (ifindex $idx): no RTM_NEWLINK/RTM_SETLINK/SIOCSIFFLAGS setting IFF_UP seen in the trace"
  ((chain_line < up_line)) ||
    fail "$br: set up at strace line $up_line before chain in_$br was created at line $chain_line"
  ok "$br (ifindex $idx): chain in_$br created (strace line $chain_line) before IFF_UP (line $up_line)"
done

chain_exists() { ip netns exec "$S" nft list chain inet failoverd "$1" >/dev/null 2>&1; }

# After the (traced) run the firewall is still there (SIGTERM leaves it), and is complete.
for br in "${bridges[@]}"; do
  assert_cmd "nft list chain inet failoverd in_$br" chain_exists "in_$br"
  ip netns exec "$S" nft list map inet failoverd zone_input >"$T/zone_input.txt" ||
    fail "nft list map inet failoverd zone_input failed"
  assert_cmd "zone_input maps \"$br\" to in_$br" grep -Eq "\"$br\" : (jump|goto) in_$br" "$T/zone_input.txt"
  ip netns exec "$S" nft list map inet failoverd zone_forward >"$T/zone_forward.txt" ||
    fail "nft list map inet failoverd zone_forward failed"
  assert_cmd "zone_forward maps \"$br\" to fwd_$br" grep -Eq "\"$br\" : (jump|goto) fwd_$br" "$T/zone_forward.txt"
done

# And a plain (untraced) restart adopts it all: the chains are still there.
lab_daemon_start server "$T/policy.toml"
for br in "${bridges[@]}"; do
  assert_cmd "after restart: chain in_$br" chain_exists "in_$br"
done
lab_daemon_stop
