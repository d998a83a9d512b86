#!/usr/bin/env bash
# A NIC the kernel or an administrator named "eth0" while the policy needs a bridge eth0:
# the NIC becomes hwethN and a bridge named eth0 takes over the name, with the NIC as port.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init collide
lab_require_daemon

m1=02:00:00:00:02:01
m2=02:00:00:00:02:02
lab_ns server
lab_switch a
lab_nic server eth0 "$m1" a
lab_nic server ens2 "$m2" a
lab_host a peer 192.0.2.1/24
S=$(lab_nsname server)
assert_eq veth "$(ip -n "$S" -d -j link show eth0 | jq -r '.[0].linkinfo.info_kind')" "before: eth0 is the NIC"

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]
EOF2

lab_daemon_start server "$T/policy.toml"
eth0_is_bridge() { [[ "$(ip -n "$S" -d -j link show eth0 2>/dev/null | jq -r '.[0].linkinfo.info_kind')" == bridge ]]; }
wait_until 10 eth0_is_bridge
ok "ip -d link show eth0: $(ip -n "$S" -d link show eth0 | sed -n '3p' | awk '{print $1}')"
n1=$(lab_nic_name server "$m1")
assert_match '^hweth[0-9]+$' "$n1" "the NIC that was eth0 ($m1)"
port_is_n1() { [[ "$(lab_ports_of server eth0 | tr '\n' ' ')" == "$n1 " ]]; }
wait_until 10 port_is_n1
ok "eth0's only port is $n1"
assert_eq "$n1" "$(jq -r --arg m "$m1" '.nics[$m].name' "$T/state/state.json")" "state.json maps $m1"
assert_cmd "bridge eth0 carries 192.0.2.9/24" \
  bash -c "ip -n '$S' -j addr show dev eth0 | jq -e '.[0].addr_info[] | select(.local == \"192.0.2.9\" and .prefixlen == 24)' >/dev/null"
assert_eq "" "$(ip -n "$S" -4 -j addr show dev "$n1" | jq -r '.[0].addr_info[]?.local')" "no IPv4 address on $n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "peer reaches 192.0.2.9 through bridge eth0"
lab_daemon_stop
