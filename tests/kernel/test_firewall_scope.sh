#!/usr/bin/env bash
# failoverd's firewall judges only what failoverd manages (issue 14 points 2 and 8).
# The server has:
#   eth0     failoverd's bridge (zone lan: ping and SSH only), its NIC on switch a, the
#            LAN peer 192.0.2.1 there, and a container (veth ctr0 enslaved to eth0,
#            192.0.2.50 inside) — frames between the container and the LAN are bridged
#   mgmt0    a management NIC excluded by the policy (203.0.113.10/26, peer on switch c)
#   docker0  someone else's bridge (198.51.100.1/24) with a container behind it
#   virbr0   someone else's bridge (203.0.113.65/26) the policy gives zone "isolated" ([[interface]])
# Checked with the daemon running:
#   - the excluded NIC answers ping and TCP (22 and 8080) after the start;
#   - docker0 (unknown to failoverd) answers its container's ping;
#   - virbr0 follows the zone the policy gives it (isolated: no answer), and after a
#     reload without the [[interface]] it is left to its owner again (answers);
#   - eth0 still judges its own traffic: 8080 stays closed on eth0, 22 open;
#   - the container on eth0 reaches the LAN peer, with br_netfilter on and off;
#   - the zero phase failoverd writes from its last good policy (for an early-boot unit,
#     if failoverd cannot start) keeps the excluded NIC open and everything else closed.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init fwscope
lab_require_daemon
lab_require python3 nft

m1=02:00:00:00:52:01
mm=02:00:00:00:52:0a
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_switch c
lab_nic server ens1 "$m1" a
lab_nic server mgmt0 "$mm" c
lab_host a peer 192.0.2.1/24
lab_host c admin 203.0.113.1/26
ip -n "$S" addr add 203.0.113.10/26 dev mgmt0
ip -n "$S" link set mgmt0 up

# A container namespace cabled to interface IF in the server (server end SERVER_IF).
container() {  # NAME SERVER_IF ADDR/LEN
  lab_ns "$1"
  ip -n "$S" link add "$2" type veth peer name eth0 netns "$LAB_NS"
  ip -n "$LAB_NS" addr add "$3" dev eth0
  ip -n "$LAB_NS" link set eth0 up
  ip -n "$S" link set "$2" up
}
ip -n "$S" link add docker0 type bridge
ip -n "$S" addr add 198.51.100.1/24 dev docker0
container dk docker0-c 198.51.100.2/24
ip -n "$S" link set docker0-c master docker0
ip -n "$S" link set docker0 up
ip -n "$S" link add virbr0 type bridge
ip -n "$S" addr add 203.0.113.65/26 dev virbr0
container vm virbr0-c 203.0.113.66/26
ip -n "$S" link set virbr0-c master virbr0
ip -n "$S" link set virbr0 up

policy_with() {  # FILE [with_interface]
  {
    lab_policy_header
    cat <<EOF
exclude = ["mac:$mm", "ctr*", "docker0-c", "virbr0-c"]

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]
EOF
    [[ "${2:-1}" == 1 ]] && printf '\n[[interface]]\nname = "virbr0"\nzone = "isolated"\n'
    true
  } >"$1"
}
policy_with "$T/policy.toml"
policy_with "$T/no-interface.toml" 0

lab_tcp_listen server 22
lab_tcp_listen server 8080
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_ping_ok peer 192.0.2.9

# Point 2: what failoverd does not manage is not firewalled by it.
assert_eq mgmt0 "$(lab_nic_name server "$mm")" "the excluded NIC keeps its name"
assert_cmd "the excluded NIC answers ping after the start" lab_ping_ok admin 203.0.113.10
assert_cmd "... and TCP to SSH" lab_tcp_connects admin 203.0.113.10 22
assert_cmd "... and TCP to any other service of the host's" lab_tcp_connects admin 203.0.113.10 8080
assert_cmd "docker0, which failoverd never heard of, answers its container" lab_ping_ok dk 198.51.100.1
assert_cmd "... also TCP" lab_tcp_connects dk 198.51.100.1 8080
assert_not_cmd "virbr0 follows the zone the policy gives it (isolated): no answer" lab_ping_ok vm 203.0.113.65
assert_cmd "eth0's zone still admits SSH" lab_tcp_connects peer 192.0.2.9 22
assert_not_cmd "eth0's zone still closes 8080" lab_tcp_connects peer 192.0.2.9 8080

# Point 8: a container on eth0 reaches the LAN through the bridge, whatever br_netfilter does.
container ctr ctr0 192.0.2.50/24
ip -n "$S" link set ctr0 master eth0
bridged_ok() { lab_ping_ok ctr 192.0.2.1; }
if [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && ip netns exec "$S" sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1; then
  wait_until 10 bridged_ok
  ok "with br_netfilter on: the container on eth0 (zone lan) reaches the LAN peer"
  lab_in ctr ping -n -q -c 20 -i 0.05 -W 1 192.0.2.1 >/dev/null || fail "with br_netfilter on: a ping stream from the container lost replies"
  ok "with br_netfilter on: 20 of 20 echo requests from the container answered"
  ip netns exec "$S" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0
else
  echo "# this kernel has no br_netfilter: only bridging without it is checked"
fi
wait_until 10 bridged_ok
ok "with br_netfilter off: the container on eth0 reaches the LAN peer"
assert_cmd "the container reaches the host's own SSH on eth0 (zone lan)" lab_tcp_connects ctr 192.0.2.9 22
assert_not_cmd "... but not 8080: the zone judges what enters the host" lab_tcp_connects ctr 192.0.2.9 8080

# A reload without the [[interface]]: virbr0 is its owner's again.
cp "$T/no-interface.toml" "$T/policy.toml"
expect_rc 0 "reload without [[interface]] virbr0" lab_ctl reload
wait_until 5 lab_ping_ok vm 203.0.113.65
ok "virbr0 answers again: left to its owner's rules"
set_listing=$(nft_out=$(ip netns exec "$S" nft list set inet failoverd governed) && echo "$nft_out")
grep -q virbr0 <<<"$set_listing" && fail "virbr0 is still governed: $set_listing"
assert_cmd "the excluded NIC still answers" lab_tcp_connects admin 203.0.113.10 22

# The zero phase failoverd wrote from its last good policy, as an early-boot unit would load
# it when failoverd cannot start: everything closed but what that policy left open — the
# NIC it excluded (by MAC, written by its name).
lab_daemon_stop
zero=$T/state/zero-phase.nft
grep -q 'iifname "mgmt0" accept' "$zero" || fail "the zero phase does not keep the excluded NIC open: $(cat "$zero")"
ip netns exec "$S" nft -f "$zero" || fail "the written zero phase does not load"
ok "the zero phase written from the last good policy loads"
assert_cmd "under it the excluded NIC answers ping" lab_ping_ok admin 203.0.113.10
assert_cmd "... and TCP" lab_tcp_connects admin 203.0.113.10 22
assert_not_cmd "... while eth0 is closed (default deny before takeover)" lab_tcp_connects peer 192.0.2.9 22
assert_not_cmd "... and so is docker0, which that policy did not exclude" lab_ping_ok dk 198.51.100.1
