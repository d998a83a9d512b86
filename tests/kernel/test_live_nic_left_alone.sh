#!/usr/bin/env bash
# A live NIC is never silenced outside a confirm window (issue 14 point 1). The server's
# veth "eth0" carries 192.0.2.10/24 and the default route, with SSH (22) and a web
# service (8080) on it; the peer pings it and connects to both ports through
# the whole test (every 5 ms). [nics] include = ["kind:veth"] selects it.
#  1. A policy with no [[bridge]]: refused by --check and at start (exit 2, PATH:LINE:COLUMN),
#     nothing changed.
#  2. A policy whose bridge lan0 selects other NICs (eth0's MAC mistyped in its ports): the
#     daemon runs lan0 and leaves eth0 alone — name, address, route, no firewall of
#     failoverd's — and status, the log, events and metrics say why.
#  3. A NIC that appears already configured (hot-plug; the daemon is frozen while it is
#     plugged and addressed): left alone; a fresh NIC plugged next to it is taken.
#  4. A restart and a reload: still left alone.
# The stream loses nothing; every connect is answered.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init livenic
lab_require_daemon
lab_require perl python3

mlive=02:00:00:00:51:01
m1=02:00:00:00:51:02
m2=02:00:00:00:51:03
mtypo=02:00:00:00:51:0f
lab_ns server
S=$(lab_nsname server)
lab_switch a  # the live NIC's network
lab_switch b  # lan0's network
lab_switch c  # the hot-plugged live NIC's network
lab_nic server eth0 "$mlive" a
lab_nic server ens1 "$m1" b
lab_nic server ens2 "$m2" b
lab_host a peer 192.0.2.1/24
lab_host b peerb 198.51.100.1/24
lab_host c peerc 203.0.113.1/24

# The live host as someone configured it.
ip -n "$S" addr add 192.0.2.10/24 dev eth0
ip -n "$S" link set eth0 up
wait_until 10 lab_link_has_carrier server eth0
ip -n "$S" route add default via 192.0.2.1 dev eth0
lab_tcp_listen server 22
lab_tcp_listen server 8080
wait_until 10 lab_ping_ok peer 192.0.2.10
lab_stream live peer 192.0.2.10 0.005
wait_until 5 lab_stream_replies live 1

# What must never change about eth0: its name, MAC, addresses and routes.
eth0_state() {
  ip -n "$S" -j addr show dev eth0 2>/dev/null | jq -c '[.[] | {ifname, address, addrs: [.addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"]}]'
  ip -n "$S" -j route show dev eth0 2>/dev/null | jq -c '[.[] | {dst, gateway, protocol}]'
}
before=$(eth0_state)
grep -q 192.0.2.10/24 <<<"$before" || fail "setup: eth0 has no address: $before"
eth0_unchanged() { [[ "$(eth0_state)" == "$before" ]]; }
services_answer() {
  local port
  for port in 22 8080; do
    lab_tcp_connects peer 192.0.2.10 "$port" || fail "$1: a TCP connect to 192.0.2.10:$port was not answered"
  done
  ok "$1: eth0's SSH and web ports answer"
}
services_answer "before failoverd"

# 1. ----------------------------------------------------------------------------------------
lab_policy_header >"$T/nobridge.toml"
expect_rc 2 "--check of a policy without [[bridge]]" ip netns exec "$S" "$FAILOVERD_BIN" --policy "$T/nobridge.toml" --check
assert_match "nobridge.toml:10:11: the policy has no \[\[bridge\]\]" "$ERR" "--check says where and why"
lab_daemon_run_until_exit server "$T/nobridge.toml" 20
assert_eq 2 "$LAB_DAEMON_RC" "the daemon refuses to start with it"
grep -q "the policy has no \[\[bridge\]\]" "$LAB_DAEMON_LOG" || fail "the daemon's refusal does not say why"
assert_cmd "eth0 untouched" eth0_unchanged
services_answer "after the refused start"

# 2. ----------------------------------------------------------------------------------------
lab_policy "$T/policy.toml" <<EOF
[[bridge]]
name = "lan0"
zone = "lan"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m1" }, { mac = "$mtypo" }]
EOF
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is lan0 "$n1"
wait_until 10 lab_ping_ok peerb 198.51.100.9
ok "lan0 runs on $n1 and answers"
assert_cmd "eth0 keeps its name, MAC, address and routes" eth0_unchanged
run lab_ctl status
assert_match "eth0: left alone: carries 192.0.2.10/24 and the default route via 192.0.2.1; add a bridge named eth0" \
  "$OUT" "status says why"
assert_eq eth0 "$(lab_status_json | jq -r '.left_alone[0].name')" "status --json lists it under left_alone"
assert_eq 1 "$(grep -c 'eth0: left alone' "$LAB_DAEMON_LOG")" "the log says it once"
grep -q "eth0: left alone" <<<"$(lab_ctl events)" || fail "events do not record it"
grep -qx "failoverd_nics_left_alone 1" <<<"$(lab_ctl metrics)" || fail "metrics do not count it"
services_answer "with failoverd running"
set_listing=$(ip netns exec "$S" nft list set inet failoverd governed)
grep -q '"eth0"' <<<"$set_listing" && fail "eth0 is governed by failoverd's firewall: $set_listing"
ok "eth0 is not in failoverd's firewall"

# 3. ----------------------------------------------------------------------------------------
main=$(lab_daemon_main_pid)
kill -STOP "$main"
lab_nic server ens9 02:00:00:00:51:09 c
ip -n "$S" addr add 203.0.113.10/24 dev ens9
ip -n "$S" link set ens9 up
ip -n "$S" route add 10.99.0.0/16 via 203.0.113.1 dev ens9
lab_nic server ens8 02:00:00:00:51:08 b
kill -CONT "$main"
ens9_left_alone() { lab_status_json | jq -e '.left_alone[] | select(.name == "ens9")' >/dev/null; }
wait_until 10 ens9_left_alone
fresh_taken() { [[ "$(lab_nic_name server 02:00:00:00:51:08)" == hweth* ]]; }
wait_until 10 fresh_taken
ok "the fresh NIC is taken: $(lab_nic_name server 02:00:00:00:51:08)"
assert_eq ens9 "$(lab_nic_name server 02:00:00:00:51:09)" "the hot-plugged live NIC keeps its name"
assert_match "203.0.113.10/24" "$(ip -n "$S" addr show dev ens9)" "and its address"
assert_match "10.99.0.0/16 via 203.0.113.1" "$(ip -n "$S" route show dev ens9)" "and its route"
wait_until 10 lab_ping_ok peerc 203.0.113.10
ok "peer on its network reaches it"

# 4. ----------------------------------------------------------------------------------------
lab_daemon_stop
lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_active_is lan0 "$n1"
assert_eq 2 "$(lab_status_json | jq '.left_alone | length')" "after a restart both live NICs are still left alone"
expect_rc 0 "reload" lab_ctl reload
assert_eq 2 "$(lab_status_json | jq '.left_alone | length')" "after a reload too"
assert_cmd "eth0 keeps its name, MAC, address and routes through it all" eth0_unchanged
services_answer "at the end"
read -r lost sent <<<"$(lab_stream_stop live)"
((sent >= 50)) || fail "the stream sent only $sent requests"
assert_eq 0 "$lost" "echo requests to eth0 lost (of $sent)"
lab_daemon_stop
