#!/usr/bin/env bash
# Ownership (issue 16 point 5): failoverd marks every bridge it makes (alias
# "failoverd").
#  1. A bridge `eth0` someone else made — its own MAC, address and port — is left as it
#     is when the policy has a bridge eth0: not re-MACed, not given ports or addresses,
#     not firewalled; status says why; its port is left alone; it keeps answering.
#  2. Deleted, failoverd makes its own eth0, marked, with the policy's MAC.
#     Its mark cleared while the daemon runs, it is marked again and keeps its zone.
#     Its MAC and STP changed by hand while the daemon runs are brought back.
#  3. failoverd's own bridge, changed by hand while the daemon was stopped (MAC, STP), is
#     brought back to the policy at the next start, and the log says old -> new.
#  4. With state.json lost, its own bridge is still its own (the mark is in the kernel).
#  5. failoverd's eth0 deleted and someone else's eth0 made before the daemon looks again
#     (the daemon is stopped with SIGSTOP meanwhile): failoverd's zone goes with its
#     bridge — the zone dispatch goes by name and would otherwise judge the newcomer.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init foreignbr
lab_require_daemon
lab_require jq nft

m1=02:00:00:00:0c:01
m2=02:00:00:00:0c:02
foreign_mac=02:00:00:00:0e:0e
lab_ns server
lab_switch a
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_host a peer 192.0.2.1/24
S=$(lab_nsname server)

# Someone's bridge eth0 with ens2 in it and an address of its own.
ip -n "$S" link add eth0 type bridge stp_state 0 forward_delay 0
ip -n "$S" link set eth0 address "$foreign_mac"
ip -n "$S" link set ens2 master eth0
ip -n "$S" link set ens2 up
ip -n "$S" addr add 192.0.2.50/24 dev eth0
ip -n "$S" link set eth0 up
wait_until 10 lab_ping_ok peer 192.0.2.50
ok "someone's eth0 answers before failoverd"

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "external"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]
EOF2

eth0_detail() { ip -n "$S" -d link show eth0; }
eth0_mac() { ip -n "$S" -j link show eth0 | jq -r '.[0].address'; }
eth0_state_is() { [[ "$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .state')" == "$1" ]]; }

# 1. ----------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml"
wait_until 10 eth0_state_is error
why=$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .error')
assert_match "bridge eth0 was not made by failoverd .*left as it is.*ip link set eth0 alias failoverd" "$why" \
  "status says why eth0 is not taken"
grep -q "eth0: bridge eth0 was not made by failoverd" "$LAB_DAEMON_LOG" || fail "the log does not say it"
assert_eq "$foreign_mac" "$(eth0_mac)" "its MAC is kept"
assert_match "inet 192.0.2.50/24" "$(ip -n "$S" addr show dev eth0)" "its address is kept"
assert_not_cmd "no policy address on it" grep -q "192.0.2.9/" <<<"$(ip -n "$S" addr show dev eth0)"
assert_eq "ens2" "$(lab_nic_name server "$m2")" "its port keeps its name"
assert_eq "eth0" "$(ip -n "$S" -j link show ens2 | jq -r '.[0].master')" "and stays its port"
assert_match "a port of bridge eth0, which failoverd did not make" "$(lab_status_json | jq -c '.left_alone')" \
  "status lists the port as left alone"
n1=$(lab_nic_name server "$m1")
assert_ne "eth0" "$(ip -n "$S" -j link show "$n1" | jq -r '.[0].master // ""')" "the policy's NIC is not put in it"
governed=$(ip netns exec "$S" nft list set inet failoverd governed)
assert_not_cmd "eth0 is not governed by failoverd's firewall" grep -q '"eth0"' <<<"$governed"
assert_not_cmd "no zone chain for it" ip netns exec "$S" nft list chain inet failoverd in_eth0
lab_ping_ok peer 192.0.2.50 || fail "someone's eth0 stopped answering"
ok "someone's eth0 still answers with failoverd running"

# 2. ----------------------------------------------------------------------------------------
ip -n "$S" link del eth0
wait_until 15 lab_active_is eth0 "$n1"
assert_match "alias failoverd" "$(eth0_detail)" "failoverd's eth0 carries the mark"
stable_mac=$(eth0_mac)
assert_ne "$foreign_mac" "$stable_mac" "with the policy's MAC"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "failoverd's eth0 answers on 192.0.2.9 (MAC $stable_mac)"

# 2b. Someone clears the mark while the daemon runs: it stays failoverd's, is marked
# again, and keeps its zone.
ip -n "$S" link set eth0 alias ""
marked_again() { grep -q "alias failoverd" <<<"$(eth0_detail)"; }
wait_until 10 marked_again
ok "a cleared mark is put back"
assert_cmd "eth0 keeps its zone chain" ip netns exec "$S" nft list chain inet failoverd in_eth0
eth0_state_is up || fail "eth0 is not up after its mark was cleared: $(lab_status_json | jq -c '.bridges')"
lab_ping_ok peer 192.0.2.9 || fail "failoverd's eth0 stopped answering after its mark was cleared"

# 2c. Someone changes its MAC and STP while the daemon runs: brought back, old -> new logged.
ip -n "$S" link set eth0 address 02:00:00:00:0e:0d
ip -n "$S" link set eth0 type bridge stp_state 1
mac_back() { [[ "$(eth0_mac)" == "$stable_mac" ]] && grep -q "stp_state 0" <<<"$(eth0_detail)"; }
wait_until 10 mac_back
grep -q "eth0: set mac $stable_mac.*mac 02:00:00:00:0e:0d -> $stable_mac" "$LAB_DAEMON_LOG" ||
  fail "the log does not say old -> new: $(grep 'eth0: set mac' "$LAB_DAEMON_LOG" || true)"
ok "a MAC and STP changed by hand on failoverd's running eth0 are brought back, old -> new in the log"

# 3. ----------------------------------------------------------------------------------------
lab_daemon_stop
ip -n "$S" link set eth0 address 02:00:00:00:0e:0f
ip -n "$S" link set eth0 type bridge forward_delay 400 stp_state 1
lab_daemon_start server "$T/policy.toml"
back_to_policy() { [[ "$(eth0_mac)" == "$stable_mac" ]] && grep -q "stp_state 0" <<<"$(eth0_detail)"; }
wait_until 15 back_to_policy
ok "MAC and STP back to the policy after a restart"
grep -q "eth0: set mac $stable_mac.*mac 02:00:00:00:0e:0f -> $stable_mac, stp on -> off, forward delay 4 -> 0 s" \
  "$LAB_DAEMON_LOG" || fail "the log does not say old -> new: $(grep 'eth0: set mac' "$LAB_DAEMON_LOG" || true)"
ok "the log says old -> new"

# 4. ----------------------------------------------------------------------------------------
lab_daemon_stop
rm -f "$T/state/state.json"
lab_daemon_start server "$T/policy.toml"
wait_until 15 lab_active_is eth0 "$(lab_nic_name server "$m1")"
eth0_state_is up || fail "eth0 is not up after state.json was lost: $(lab_status_json | jq -c '.bridges')"
ok "with state.json lost, eth0 is still failoverd's"

# 5. ----------------------------------------------------------------------------------------
pid=$(lab_daemon_main_pid)
assert_cmd "eth0 has its zone before" ip netns exec "$S" nft list chain inet failoverd in_eth0
kill -STOP "$pid"
ip -n "$S" link del eth0
ip -n "$S" link add eth0 type bridge stp_state 0 forward_delay 0
ip -n "$S" addr add 192.0.2.60/24 dev eth0
ip -n "$S" link set eth0 up
kill -CONT "$pid"
zone_gone() { ! ip netns exec "$S" nft list chain inet failoverd in_eth0 >/dev/null 2>&1; }
wait_until 10 zone_gone
ok "failoverd's zone for eth0 went when someone else's eth0 took the name"
assert_not_cmd "eth0 is not in the zone dispatch" grep -q '"eth0"' \
  <<<"$(ip netns exec "$S" nft list map inet failoverd zone_input)"
assert_not_cmd "nor governed" grep -q '"eth0"' <<<"$(ip netns exec "$S" nft list set inet failoverd governed)"
wait_until 10 eth0_state_is error
assert_match "was not made by failoverd" "$(lab_status_json | jq -r '.bridges[] | select(.name == "eth0") | .error')" \
  "status says why the new eth0 is not taken"
assert_not_cmd "the newcomer is left without the mark" grep -q "alias failoverd" <<<"$(eth0_detail)"
lab_daemon_stop
