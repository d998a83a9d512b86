#!/usr/bin/env bash
# Hot-plug and removal (issue: "a NIC that appears is named and becomes a standby or
# spare; one that disappears is treated as lost carrier"). NICs are added to and
# deleted from the running server namespace, as a PCI hot-plug or a dead card would.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init hotplug
lab_require_daemon

m1=02:00:00:00:07:01   # preferred, present at start
m2=02:00:00:00:07:02   # preferred, plugged in later
m3=02:00:00:00:07:03   # in no bridge's ports: a spare, plugged in last
lab_ns server
lab_switch a
lab_nic server ens1 "$m1" a
lab_host a peer 192.0.2.1/24
S=$(lab_nsname server)

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]
spares = true
EOF2

nic_role() {  # NAME -> role in status JSON
  lab_status_json | jq -r --arg n "$1" '.nics[] | select(.name == $n) | .role'
}
role_is() { [[ "$(nic_role "$1")" == "$2" ]]; }
named() { [[ "$(lab_nic_name server "$1")" =~ ^hweth[0-9]+$ ]]; }

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "start: $n1 active, peer reaches 192.0.2.9"

# 1. A preferred NIC appears: named, up, standby, not enslaved, silenced.
lab_nic server ens7 "$m2" a
wait_until 10 named "$m2"
n2=$(lab_nic_name server "$m2")
ok "hot-plugged NIC ens7 was renamed $n2"
wait_until 10 role_is "$n2" standby
ok "$n2 is eth0's standby"
assert_eq "" "$(lab_ports_of server eth0 | grep -x "$n2" || true)" "$n2 is not enslaved"
assert_eq 1 "$(ip netns exec "$S" cat /proc/sys/net/ipv6/conf/"$n2"/disable_ipv6)" "$n2 has IPv6 disabled"
assert_eq 8 "$(ip netns exec "$S" cat /proc/sys/net/ipv4/conf/"$n2"/arp_ignore)" "$n2 answers no ARP"
assert_cmd "$n2 is up" eval "ip -n '$S' -j link show dev '$n2' | jq -e '.[0].flags | index(\"UP\") != null' >/dev/null"

# 2. The active NIC disappears (card dies): handled as lost carrier.
ip -n "$S" link del "$n1"
wait_until 10 lab_active_is eth0 "$n2"
assert_eq "$n2" "$(lab_ports_of server eth0 | tr -d '\n')" "$n2 is eth0's only port"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "after $n1 was removed, $n2 took over and the peer reaches 192.0.2.9 again"
assert_eq "" "$(lab_status_json | jq -r --arg n "$n1" '.nics[] | select(.name == $n) | .name')" \
  "the removed NIC is gone from status"
lab_ctl metrics >"$T/metrics.txt" || fail "failoverctl metrics failed"
assert_cmd "metrics: the removal took the fast path (the standby attached before the re-read)" \
  grep -qx 'failoverd_fast_failovers_total 1' "$T/metrics.txt"

# 3. A NIC in no bridge's ports appears: a spare; when the last preferred NIC goes, it serves.
lab_nic server ens8 "$m3" a
wait_until 10 named "$m3"
n3=$(lab_nic_name server "$m3")
wait_until 10 role_is "$n3" spare
assert_eq null "$(lab_status_json | jq -r --arg n "$n3" '.nics[] | select(.name == $n) | .bridge')" \
  "spare $n3 serves no bridge"
ip -n "$S" link del "$n2"
wait_until 10 lab_active_is eth0 "$n3"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "with no preferred NIC left, spare $n3 took over eth0 and the peer reaches 192.0.2.9"

# 4. The first NIC comes back (same MAC): it gets its old name, and as failback = never it
#    waits as a standby.
lab_nic server ens1 "$m1" a
wait_until 10 named "$m1"
assert_eq "$n1" "$(lab_nic_name server "$m1")" "the returning card got its old name back"
wait_until 10 role_is "$n1" standby
lab_active_is eth0 "$n3" || fail "failback = never: $n3 should keep the job"
ok "failback = never: spare $n3 keeps the job, $n1 is standby"

lab_daemon_stop
echo PASS
