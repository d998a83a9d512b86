#!/usr/bin/env bash
# A NIC no bridge wants (SPEC §4): named hwethN, up (to sense carrier), not enslaved, no
# IPv4 address, IPv6 disabled, and silent: a peer on ITS cable gets no ARP answer for the
# server's addresses and its pings (sent straight to the NIC's MAC) never reach the
# server's ICMP. The same from the eth0 network works, so the checks can fail.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init silent
lab_require_daemon
lab_require arping

m1=02:00:00:00:06:01   # eth0's only port
m2=02:00:00:00:06:02   # wanted by nobody
lab_ns server
S=$(lab_nsname server)
# Host setup, before the daemon: no reverse-path filter, so that only what the daemon
# does (firewall, sysctls) can keep traffic arriving on the outside NIC away.
ip netns exec "$S" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" b
lab_host a peer 192.0.2.1/24
lab_host b outsider 192.0.2.50/24

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]
spares = false
EOF2

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
assert_match '^hweth[0-9]+$' "$n2" "outside NIC $m2 is named"
wait_until 10 eval '[[ "$(lab_ports_of server eth0)" == "$n1" ]]'
ok "eth0's port is $n1"
n2_up() { ip -n "$S" -j link show dev "$n2" | jq -e '.[0].flags | index("UP") != null' >/dev/null; }
wait_until 10 n2_up
ok "$n2 is up"
wait_until 10 lab_link_has_carrier server "$n2"
ok "$n2 has carrier"
assert_eq null "$(ip -n "$S" -j link show dev "$n2" | jq -r '.[0].master // null')" "$n2 is not enslaved"
assert_eq "" "$(ip -n "$S" -4 -j addr show dev "$n2" | jq -r '.[0].addr_info[]?.local')" "$n2 has no IPv4 address"
v6_disabled() { [[ "$(ip netns exec "$S" cat "/proc/sys/net/ipv6/conf/$n2/disable_ipv6")" == 1 ]]; }
wait_until 10 v6_disabled
ok "/proc/sys/net/ipv6/conf/$n2/disable_ipv6 = 1"
assert_eq "" "$(ip -n "$S" -6 -j addr show dev "$n2" | jq -r '.[0].addr_info[]?.local')" "$n2 has no IPv6 address"
assert_eq null "$(lab_status_json | jq -r --arg n "$n2" '.nics[] | select(.name == $n) | .bridge')" \
  "status: $n2 serves no bridge"

# Echo requests the server's ICMP has seen (Icmp InEchos in /proc/net/snmp).
in_echos() {
  ip netns exec "$S" awk '$1 == "Icmp:" { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
                                          else print $col["InEchos"] }' /proc/net/snmp
}

# From the outside NIC's own cable.
if lab_in outsider arping -i net0 -c 3 -w 3 192.0.2.9 >"$T/arping.outside" 2>&1; then
  cat "$T/arping.outside" >&2
  fail "arping 192.0.2.9 from the outside NIC's network got a reply"
fi
grep -q 'bytes from' "$T/arping.outside" && fail "arping output shows a reply: $(cat "$T/arping.outside")"
ok "arping 192.0.2.9 from 192.0.2.50 (outside NIC's cable): no reply"

lab_in outsider ip neigh replace 192.0.2.9 lladdr "$m2" dev net0 nud permanent
before=$(in_echos)
if lab_in outsider ping -n -c 3 -i 0.2 -W 1 192.0.2.9 >"$T/ping.outside" 2>&1; then
  fail "ping 192.0.2.9 via the outside NIC's MAC got a reply: $(cat "$T/ping.outside")"
fi
after=$(in_echos)
assert_eq "$before" "$after" "server's ICMP saw none of the 3 echo requests sent to $n2 (InEchos)"
ok "ping 192.0.2.9 with neighbour 192.0.2.9 -> $m2 from 192.0.2.50: no reply"

# The same from the eth0 network works.
lab_in peer arping -i net0 -c 3 -w 3 192.0.2.9 >"$T/arping.inside" 2>&1 ||
  fail "arping 192.0.2.9 from the eth0 network got no reply: $(cat "$T/arping.inside")"
ok "arping 192.0.2.9 from 192.0.2.1 (eth0's network): replies"
before=$(in_echos)
wait_until 10 lab_ping_ok peer 192.0.2.9
after=$(in_echos)
((after > before)) || fail "InEchos did not grow ($before -> $after) for pings from the eth0 network"
ok "ping 192.0.2.9 from 192.0.2.1: replies, InEchos $before -> $after"
lab_daemon_stop
