#!/usr/bin/env bash
# Someone else's nftables change does not leave the host open or dark: table inet
# failoverd is kept exactly as failoverd wrote it.
#  - the whole ruleset flushed (`nft flush ruleset`, what Debian's nftables.service
#    does on stop and its default nftables.conf starts with), and the static
#    zero-phase file loaded over the running daemon's table: put back;
#  - edits inside the table (issue 14 point 7): a rule inserted that would open the
#    host, eth0's zone chain flushed and eth0's element deleted from the verdict map
#    (each would cut SSH off): put back, every time, and counted.
# While the table is as failoverd wrote it, a forbidden port never answers and SSH's
# port always does (after the repair). Each repair's time is printed, not asserted.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init fwrepair
lab_require_daemon
lab_require nft python3

m1=02:00:00:00:0b:01
lab_eth0_one "$m1"

server=$(lab_nsname server)
nft_s() { ip netns exec "$server" nft "$@"; }
zone_present() { nft_s list chain inet failoverd in_eth0 >/dev/null 2>&1; }
restores() { lab_ctl metrics | awk '$1 == "failoverd_firewall_restores_total" { print $2 }'; }
restores_are() { [[ "$(restores)" == "$1" ]]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The table as the kernel holds it, without handles (they change with every repair).
table_text() { nft_s list table inet failoverd 2>/dev/null; }
table_is() { [[ "$(table_text)" == "$1" ]]; }

# Listeners on the server: 22 (lan admits it) and 8080 (lan does not).
lab_bg listen22 lab_in server python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()'
lab_bg listen8080 lab_in server python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()'
# A TCP connect from the peer: 0 when answered within 1 s.
connects() { lab_in peer timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_ping_ok peer 192.0.2.9
zone_present || fail "eth0's zone chain is missing after start"
ok "peer pings 192.0.2.9; zone in_eth0 installed"
wait_until 10 connects 192.0.2.9 22
assert_not_cmd "port 8080 (not in zone lan) does not answer" connects 192.0.2.9 8080
written=$(table_text)
[[ -n "$written" ]] || fail "no table inet failoverd"
assert_eq 0 "$(restores)" "no repair while nothing else touched the table"

# Each tampering: run it, wait until the table is exactly as written again, print the time.
n=0
tamper() {  # DESCRIPTION NFT-ARGS...
  local what=$1; shift
  local t0 t1
  t0=$(now_ms)
  nft_s "$@" || fail "could not $what"
  wait_until 5 table_is "$written"
  t1=$(now_ms)
  n=$((n + 1))
  wait_until 5 restores_are "$n"
  ok "$what: table inet failoverd is exactly as failoverd wrote it again after $((t1 - t0)) ms; repair $n counted"
}

# 1. Someone flushes the whole ruleset: the host would be open.
tamper "nft flush ruleset" flush ruleset
wait_until 5 lab_ping_ok peer 192.0.2.9
assert_not_cmd "port 8080 still does not answer" connects 192.0.2.9 8080

# 2. The static zero-phase file is loaded over the running daemon: eth0 would go dark.
tamper "load zero-phase.nft over the daemon's table" -f "$FAILOVERD_SOURCE_DIR/firewall/zero-phase.nft"
wait_until 5 lab_ping_ok peer 192.0.2.9
assert_cmd "SSH's port answers after the repair" connects 192.0.2.9 22

# 3. Edits inside the table (issue 14 point 7).
tamper "insert an accept-everything rule into input" insert rule inet failoverd input accept
assert_not_cmd "port 8080 does not answer after the inserted accept was removed" connects 192.0.2.9 8080
tamper "flush chain in_eth0 (the zone's rules)" flush chain inet failoverd in_eth0
assert_cmd "SSH's port answers after the zone chain was put back" connects 192.0.2.9 22
tamper "delete eth0's element from the zone_input map" delete element inet failoverd zone_input '{ "eth0" : jump in_eth0 }'
assert_cmd "SSH's port answers after the map element was put back" connects 192.0.2.9 22
tamper "delete eth0 from the governed set" delete element inet failoverd governed '{ "eth0" }'
tamper "add a rule to the forward chain" add rule inet failoverd forward accept

grep -q "flushed or deleted by someone else" <<<"$(lab_ctl events)" || fail "events do not say the table was flushed"
grep -q "changed by someone else; put back" <<<"$(lab_ctl events)" || fail "events do not say the table was changed"
ok "events record each repair with its reason"

# 4. Someone else's tables are theirs: a change there repairs nothing.
nft_s add table inet admin
nft_s add chain inet admin input '{ type filter hook input priority 0; policy accept; }'
nft_s add rule inet admin input tcp dport 9 drop
# (The daemon reads the notifications within milliseconds; a second is plenty.)
if poll_until 1 restores_are "$((n + 1))"; then fail "a change in another table was counted as a repair"; fi
assert_eq "$n" "$(restores)" "a change in another table is not counted as a repair"
table_is "$written" || fail "a change in another table changed failoverd's"
lab_daemon_stop
