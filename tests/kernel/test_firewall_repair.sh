#!/usr/bin/env bash
# Someone else's nftables change does not leave the host open or dark: after
# `nft flush ruleset` (what Debian's nftables.service does on stop, and what its
# default nftables.conf starts with), and after the static zero-phase file is loaded
# over the running daemon's table, the daemon puts table inet failoverd back with
# every bridge's zone, in one transaction, and the peer's traffic comes back.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init fwrepair
lab_require_daemon
lab_require nft

m1=02:00:00:00:0b:01
lab_ns server
lab_switch a
lab_nic server ens1 "$m1" a
lab_host a peer 192.0.2.1/24

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]
EOF2

server=$(lab_nsname server)
zone_present() { ip netns exec "$server" nft list chain inet failoverd in_eth0 >/dev/null 2>&1; }
restores() { lab_ctl metrics | awk '$1 == "failoverd_firewall_restores_total" { print $2 }'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_ping_ok peer 192.0.2.9
zone_present || fail "eth0's zone chain is missing after start"
ok "peer pings 192.0.2.9; zone in_eth0 installed"
assert_eq 0 "$(restores)" "no repair while nothing else touched the table"

# 1. Someone flushes the whole ruleset: the host would be open.
t0=$(now_ms)
ip netns exec "$server" nft flush ruleset
wait_until 5 zone_present
t1=$(now_ms)
ok "after 'nft flush ruleset' the table and eth0's zone are back in $((t1 - t0)) ms"
policy=$(ip netns exec "$server" nft -j list chains inet | jq -r '.nftables[] | select(.chain.name == "input" and .chain.table == "failoverd") | .chain.policy')
assert_eq drop "$policy" "input is default-deny again"
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 again"
assert_eq 1 "$(restores)" "metrics count the repair"

# 2. The static zero-phase file is loaded over the running daemon: eth0 would go dark.
t0=$(now_ms)
ip netns exec "$server" nft -f "$FAILOVERD_SOURCE_DIR/firewall/zero-phase.nft"
wait_until 5 zone_present
t1=$(now_ms)
ok "after loading zero-phase.nft eth0's zone is back in $((t1 - t0)) ms"
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 again"
assert_eq 2 "$(restores)" "metrics count both repairs"
lab_ctl events | grep "flushed or replaced by someone else" >/dev/null || fail "events do not say why the table was reinstalled"
ok "events record the repair with its reason"
lab_daemon_stop
