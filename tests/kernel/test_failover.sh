#!/usr/bin/env bash
# Failover in active-backup mode: the active NIC of eth0 loses carrier, the standby is
# enslaved at once (the fast path: one write before the links are re-read), a gratuitous ARP for the bridge's address goes out of the new port,
# and the peer reaches the server again. At every check exactly one NIC is a port.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init failover
lab_require_daemon
lab_require tcpdump

m1=02:00:00:00:04:01   # preferred
m2=02:00:00:00:04:02
lab_eth0_pair "$m1" "$m2"

# Exactly one NIC enslaved to eth0, and it is NIC.
one_port_is() {  # NIC
  local ports; ports=$(lab_ports_of server eth0 | tr '\n' ' ')
  [[ "$ports" == "$1 " ]]
}
check_one_port() {  # NIC WHEN
  local ports; ports=$(lab_ports_of server eth0 | tr '\n' ' ')
  [[ "$ports" == "$1 " ]] || fail "$2: eth0's ports are '$ports', expected exactly '$1'"
  ok "$2: exactly one port of eth0: $1"
}

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
assert_match '^hweth[0-9]+$' "$n1" "preferred NIC named"
assert_match '^hweth[0-9]+$' "$n2" "second NIC named"
wait_until 10 lab_active_is eth0 "$n1"
ok "status: eth0 active is the preferred NIC $n1"
wait_until 10 one_port_is "$n1"
check_one_port "$n1" "at start"
assert_eq standby "$(lab_status_json | jq -r --arg n "$n2" '.bridges[] | select(.name == "eth0") | .ports[] | select(.nic == $n) | .role')" \
  "status: $n2 is eth0's standby"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer 192.0.2.1 pings 192.0.2.9"
check_one_port "$n1" "after the first ping"

# Watch what the server sends out of the standby's cable (direction in = from the server):
# before the switch nothing can come from 192.0.2.9 there, so an ARP with sender and
# target 192.0.2.9 (a gratuitous request or reply) can only be the announcement.
sw_a=$(lab_cable_switch "$m2")
port2=$(lab_cable_port "$m2")
lab_bg garp ip netns exec "$sw_a" tcpdump -l -n -e -Q in -i "$port2" \
  'arp and arp[14:4] = 0xc0000209 and arp[24:4] = 0xc0000209'
garp_pid=$LAB_BG_PID
wait_until 10 grep -q 'listening on' "$T/garp.err"

lab_cable_cut "$m1"
ok "cable of $n1 cut"
wait_until 10 lab_active_is eth0 "$n2"
ok "status: eth0 active is now $n2"
check_one_port "$n2" "right after the switch"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 again"
check_one_port "$n2" "after the ping"
assert_eq false "$(lab_status_json | jq -r --arg n "$n1" '.nics[] | select(.name == $n) | .carrier')" \
  "status: $n1 has no carrier"

garp_seen() { grep -q 'Request\|Reply' "$T/garp.out"; }
wait_until 5 garp_seen
lab_bg_stop "$garp_pid" INT
ok "gratuitous ARP for 192.0.2.9 sent out of $n2: $(head -n 1 "$T/garp.out")"

# failback = "never" (the default): the restored preferred NIC waits as standby.
lab_cable_restore "$m1"
n1_has_carrier() {
  [[ "$(lab_status_json | jq -r --arg n "$n1" '.nics[] | select(.name == $n) | .carrier')" == true ]]
}
wait_until 10 n1_has_carrier
ok "status: $n1 has carrier again"
assert_eq "$n2" "$(lab_json_active eth0)" "failback=never: $n2 keeps the job"
check_one_port "$n2" "after restoring $n1's cable"
lab_ping_ok peer 192.0.2.9 || fail "ping after restoring $n1's cable"
ok "peer still pings 192.0.2.9"

# And back: cut the now active NIC, the restored one takes over.
lab_cable_cut "$m2"
wait_until 10 lab_active_is eth0 "$n1"
ok "second failover: eth0 active is $n1 again"
check_one_port "$n1" "after the second failover"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer pings 192.0.2.9 after the second failover"
lab_ctl metrics >"$T/metrics.txt" || fail "failoverctl metrics failed"
assert_cmd "metrics count both failovers of eth0" grep -qx 'failoverd_failovers_total{bridge="eth0"} 2' "$T/metrics.txt"
assert_cmd "metrics give the last failover's duration" grep -Eq '^failoverd_last_failover_duration_seconds [0-9.]+$' "$T/metrics.txt"
# Both switches were made by the fast path: the standby attached by one write on the
# carrier-loss report (or on asking the kernel), before the links were re-read.
assert_cmd "metrics: both failovers took the fast path" grep -qx 'failoverd_fast_failovers_total 2' "$T/metrics.txt"
grep -E "attached at once, [0-9]+ us after" "$LAB_DAEMON_LOG" >/dev/null || fail "the log does not show the fast path"
ok "daemon log: $(grep -E -m1 'attached at once' "$LAB_DAEMON_LOG" | sed 's/^.*\] //')"
lab_daemon_stop
check_one_port "$n1" "after SIGTERM"
