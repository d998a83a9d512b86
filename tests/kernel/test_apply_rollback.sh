#!/usr/bin/env bash
# `apply --confirm` rolls back to EXACTLY the recorded state (SPEC §5, issue 7 items 1 and 5).
# Server with three veth NICs on two switches; policy A: eth0 (lan, IPv4 + IPv6 address,
# gateway, ports [m1, m2]) and eth1 (external, m3). The whole namespace state S0 is dumped
# with lab_host_state (links, bridge MACs, ports, addresses, routes, nft ruleset). Policy B
# changes a lot: eth0 in zone "noping", another address, another gateway, ports [m2, m1]
# with failback = "preferred" (so m2 becomes active), eth1 removed, a new internal bridge eth2.
#  1. apply --confirm 3 B, not confirmed: B takes effect (state differs from S0); lan.nft is
#     edited inside the window; at the deadline the state is S0 again, byte for byte, with
#     lan's rules as they were recorded, and m1 active again although failback is "never";
#  2. apply --confirm 3 B, confirmed: B still in effect after the window;
#     (a plain apply of A and a failover back to m1 return to S0)
#  3. kill -9 inside a window: the restarted daemon rolls back to S0.
# Each time: status shows pending_apply with its deadline during the window, events record
# the apply, the confirm or the rollback with reasons; the daemon's measured rollback time
# is printed as "# measured: rollback N ms".
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/../lab/host_state.sh"
lab_init rollback
lab_require_daemon
lab_require nft bridge

m1=02:00:00:00:0e:01   # eth0, preferred in A
m2=02:00:00:00:0e:02   # eth0, preferred in B
m3=02:00:00:00:0e:03   # eth1 (A only)
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24 2001:db8:1::1/64
lab_host b peerb 198.51.100.1/24

# Zones from $T/zones, so the test can edit lan.nft inside a window.
mkdir -p "$T/zones"
cp "$FAILOVERD_SOURCE_DIR"/firewall/zones/*.nft "$T/zones/"
cp "$T/zones/lan.nft" "$T/lan.nft.orig"
cat >"$T/zones/noping.nft" <<'EOF2'
# Test zone: echo requests dropped.
input {
	icmp type echo-request drop
	meta l4proto icmp accept
	meta l4proto ipv6-icmp accept
}
EOF2
header() { lab_policy_header | sed "s|^zones_dir = .*|zones_dir = \"$T/zones\"|"; }

P="$T/policy.toml"
A="$T/policy-a.toml"
B="$T/policy-b.toml"
{ header; cat <<EOF2

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24", "2001:db8:1::9/64"]
gateway = "192.0.2.1"
ports = [{ mac = "$m1" }, { mac = "$m2" }]

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m3" }]
EOF2
} >"$A"
{ header; cat <<EOF2

[[bridge]]
name = "eth0"
zone = "noping"
address = ["192.0.2.9/24", "192.0.2.19/24"]
gateway = "192.0.2.254"
failback = "preferred"
ports = [{ mac = "$m2" }, { mac = "$m1" }]

[[bridge]]
name = "eth2"
mode = "internal"
zone = "lan"
address = ["2001:db8:e2::1/64"]
EOF2
} >"$B"
cp "$A" "$P"

# ---------------------------------------------------------------------------------------
# Helpers

now_ms() { echo $(($(date +%s%N) / 1000000)); }
link_exists() { ip -n "$S" link show dev "$1" >/dev/null 2>&1; }
link_gone() { ! link_exists "$1"; }
has_addr() { ip -n "$S" -j addr show dev "$1" 2>/dev/null | jq -e --arg a "${2%/*}" --argjson l "${2#*/}" \
  '[.[0].addr_info[] | select(.local == $a and .prefixlen == $l)] | length == 1' >/dev/null; }
default_via() { [[ "$(ip -n "$S" -4 route show default | awk '{ print $3 }')" == "$1" ]]; }
# (Read whole first: under pipefail, grep -q stopping early would fail the pipeline with SIGPIPE.)
chain_has() { local rules; rules=$(ip netns exec "$S" nft list chain inet failoverd "$1" 2>/dev/null) && grep -qF -- "$2" <<<"$rules"; }
# (Not `ip addr show tentative`: that also lists every link without addresses.)
no_tentative() { ip -n "$S" -j addr show | jq -e '[.[].addr_info[]? | select(.tentative == true)] | length == 0' >/dev/null; }
ctl_rc() {  # NAME CMD...: failoverctl with stdout/stderr to $T/NAME.{out,err}; echoes rc
  local name=$1; shift
  local rc=0
  lab_ctl "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
  echo "$rc"
}
state_is() {  # FILE: the server's state now equals FILE
  lab_host_state server "$T/state.now"
  cmp -s "$1" "$T/state.now"
}
# Polls until the state equals FILE (the kernel finishes some things on its own time, e.g.
# IPv6 duplicate address detection); on timeout prints the diff and fails.
# What the first dump still lacked is printed as "#" lines, for the record.
expect_state() {  # FILE TIMEOUT_S WHAT
  local t0; t0=$(now_ms)
  if ! state_is "$1"; then
    echo "# $3: the first dump differed from $(basename "$1") in (kernel still settling):"
    diff "$1" "$T/state.now" | grep '^[<>]' | sed 's/^/#   /' || true
    if ! poll_until "$2" state_is "$1"; then
      diff -u "$1" "$T/state.now" >&2 || true
      fail "$3: the state differs from $(basename "$1") (diff above)"
    fi
  fi
  ok "$3: lab_host_state identical to $(basename "$1") ($(wc -l <"$1") lines; matched $(($(now_ms) - t0)) ms after the check began)"
}
events_have() { local events; events=$(lab_ctl events 2>/dev/null) && grep -qF -- "$1" <<<"$events"; }
# The daemon's rollback report, "apply of F: rollback complete in N ms: ...".
rollback_report() { lab_ctl events 2>/dev/null | grep -F 'rollback complete in' | tail -n 1 || true; }
MEASURED=()
record_measure() {  # LABEL
  local report ms
  report=$(rollback_report)
  ms=$(sed -nE 's/.*rollback complete in ([0-9]+) ms.*/\1/p' <<<"$report")
  [[ -n "$ms" ]] || fail "no rollback time in: $report"
  MEASURED+=("# measured: rollback $ms ms ($1)")
  echo "# measured: rollback $ms ms ($1)"
}
B_CHECKS=()  # what b_in_effect found missing the last time
b_in_effect() {
  B_CHECKS=()
  lab_active_is eth0 "$n2" || B_CHECKS+=("$n2 not active on eth0")
  link_exists eth2 || B_CHECKS+=("no eth2")
  link_gone eth1 || B_CHECKS+=("eth1 exists")
  has_addr eth0 192.0.2.19/24 || B_CHECKS+=("no 192.0.2.19/24 on eth0")
  default_via 192.0.2.254 || B_CHECKS+=("default route not via 192.0.2.254")
  chain_has in_eth0 'echo-request drop' || B_CHECKS+=("in_eth0 lacks noping's rule")
  ((${#B_CHECKS[@]} == 0))
}
check_pending() {  # FILE WHAT: status shows the pending apply of FILE with a deadline
  lab_status_json >"$T/status.pending"
  jq -e --arg f "$1" '.pending_apply.file == $f and (.pending_apply.deadline | type == "string") and
                      (.pending_apply.seconds_left | type == "number")' "$T/status.pending" >/dev/null ||
    fail "$2: status.pending_apply is $(jq -c .pending_apply "$T/status.pending")"
  ok "$2: status --json pending_apply $(jq -c .pending_apply "$T/status.pending")"
  lab_ctl status >"$T/status.text"
  grep -q "pending apply of $1: rolled back at " "$T/status.text" || fail "$2: text status does not show the pending apply"
  ok "$2: text status: $(grep 'pending apply of' "$T/status.text")"
}

# ---------------------------------------------------------------------------------------
# Start on A and record S0.
lab_daemon_start server "$P"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2"); n3=$(lab_nic_name server "$m3")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_active_is eth1 "$n3"
wait_until 10 lab_ping_ok peer 192.0.2.9
wait_until 10 lab_ping_ok peerb 198.51.100.9
wait_until 10 no_tentative
wait_until 5 default_via 192.0.2.1
ok "policy A: eth0 <- $n1 (standby $n2), eth1 <- $n3, peers reach the server, default via 192.0.2.1"
lab_host_state server "$T/S0"
ok "S0 recorded: $(wc -l <"$T/S0") lines ($(sed -n '/^# links/,/^# bridge/p' "$T/S0" | grep -vc '^#') links, $(sed -n '/^# nft/,$p' "$T/S0" | grep -c 'chain ') nft chains)"
lab_host_state server "$T/S0.again"
diff -u "$T/S0" "$T/S0.again" >&2 || fail "two dumps of an unchanged state differ"
ok "the dump is stable: two dumps of the unchanged state are identical"

# ---------------------------------------------------------------------------------------
# 1. apply --confirm 3 B, not confirmed: back to S0 exactly.
rc=$(ctl_rc apply-1 apply --confirm 3 "$B")
assert_eq 0 "$rc" "apply --confirm 3 B: exit status ($(head -n 1 "$T/apply-1.out"))"
check_pending "$B" "window 1"
jq -e --arg f "$B" '.pending_apply.file == $f and (.pending_apply.recorded_state.bridges | length) == 2' \
  "$T/state/state.json" >/dev/null || fail "state.json does not record the state: $(jq -c .pending_apply "$T/state/state.json" | head -c 300)"
ok "state.json records the pending apply with the state of eth0 and eth1"
wait_until 3 b_in_effect
ok "B in effect: $n2 active on eth0 (failback preferred), eth2 created, eth1 gone, 192.0.2.19, default via 192.0.2.254, zone noping"
lab_host_state server "$T/SB"
if diff -q "$T/S0" "$T/SB" >/dev/null; then fail "the state under B equals S0: B changed nothing"; fi
ok "the state under B differs from S0 in $(diff "$T/S0" "$T/SB" | grep -c '^[<>]') lines"
# Edit lan's zone file inside the window: the rollback must restore the recorded rules.
sed -i 's/^\ttcp dport 22 accept$/\ttcp dport 22 accept\n\ttcp dport 2222 accept/' "$T/zones/lan.nft"
grep -q 'dport 2222' "$T/zones/lan.nft" || fail "could not edit lan.nft"
ok "lan.nft edited inside the window (tcp dport 2222 accept added)"
wait_until 10 events_have "rollback complete in"
record_measure "deadline of apply --confirm 3"
expect_state "$T/S0" 5 "after the rollback at the deadline"
chain_has in_eth0 'tcp dport 22 accept' || fail "in_eth0 lacks lan's rules"
if chain_has in_eth0 'dport 2222'; then fail "in_eth0 has the edited file's rule"; fi
ok "in_eth0 has lan's recorded rules, not the edited file's"
report=$(rollback_report)
assert_match 'state identical to the one recorded at apply' "$report" "the daemon's own check"
assert_cmd "events: the apply with its deadline" events_have "applied $B; rolled back at "
assert_cmd "events: the rollback and why" events_have "apply of $B rolled back: not confirmed within 3 s"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after the rollback"
assert_eq true "$(lab_status_json | jq -c .last_rollback.identical)" "status: last_rollback.identical"
assert_cmd "the policy file is A again" cmp -s "$A" "$P"
lab_ctl metrics >"$T/metrics"
grep -q '^failoverd_last_rollback_duration_seconds ' "$T/metrics" || fail "metrics lack the rollback duration"
ok "metrics: $(grep '^failoverd_last_rollback_duration_seconds ' "$T/metrics")"
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "the peer reaches 192.0.2.9 again"
cp "$T/lan.nft.orig" "$T/zones/lan.nft"

# ---------------------------------------------------------------------------------------
# 2. apply --confirm 3 B, confirmed: B stays.
t_apply=$(now_ms)
rc=$(ctl_rc apply-2 apply --confirm 3 "$B")
assert_eq 0 "$rc" "apply --confirm 3 B (again): exit status"
check_pending "$B" "window 2"
wait_until 3 b_in_effect
rc=$(ctl_rc confirm confirm)
assert_eq 0 "$rc" "failoverctl confirm: exit status ($(head -n 1 "$T/confirm.out"))"
assert_cmd "events: the confirm" events_have "apply of $B confirmed"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after confirm"
b_left() { ! b_in_effect; }
left=$(awk -v a="$t_apply" -v n="$(now_ms)" 'BEGIN { printf "%.2f", (a + 4500 - n) / 1000 }')
if poll_until "$left" b_left; then fail "B was undone after confirm: ${B_CHECKS[*]}"; fi
ok "B still in effect 1.5 s after the confirmed window ended"
assert_cmd "the policy file keeps B" cmp -s "$B" "$P"
# Back to S0 by hand: a plain apply of A (final) keeps the working $n2 ("a working active
# NIC keeps the job"), so fail over to $n1 once.
rc=$(ctl_rc apply-a apply "$A")
assert_eq 0 "$rc" "plain apply of A: exit status"
wait_until 5 link_exists eth1
wait_until 5 lab_active_is eth0 "$n2"
lab_cable_cut "$m2"
wait_until 10 lab_active_is eth0 "$n1"
lab_cable_restore "$m2"
wait_until 10 lab_nic_field_is "$n2" .carrier true
wait_until 10 no_tentative
expect_state "$T/S0" 5 "after a plain apply of A and a failover back to $n1"

# ---------------------------------------------------------------------------------------
# 3. kill -9 inside a window: the next start rolls back to S0.
rc=$(ctl_rc apply-3 apply --confirm 60 "$B")
assert_eq 0 "$rc" "apply --confirm 60 B: exit status"
check_pending "$B" "window 3"
wait_until 3 b_in_effect
sed -i 's/^\ttcp dport 22 accept$/\ttcp dport 22 accept\n\ttcp dport 2222 accept/' "$T/zones/lan.nft"
ok "B in effect; lan.nft edited again"
main_pid=$(lab_daemon_main_pid)
kill -KILL "$main_pid"
poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived kill -9"
lab_daemon_reap
ok "daemon killed with SIGKILL inside the window (status $LAB_DAEMON_RC)"
b_in_kernel() {
  link_exists eth2 && link_gone eth1 && [[ "$(lab_ports_of server eth0)" == "$n2" ]] && default_via 192.0.2.254
}
assert_cmd "B is still in the kernel while no daemon runs (eth2, no eth1, $n2 on eth0, default via 192.0.2.254)" b_in_kernel
lab_daemon_start server "$P"
wait_until 10 events_have "rollback complete in"
record_measure "restart after kill -9"
expect_state "$T/S0" 5 "after the restart"
report=$(rollback_report)
assert_match 'state identical to the one recorded at apply' "$report" "the restarted daemon's own check"
assert_cmd "events: rolled back at start" events_have "apply of $B rolled back at start"
assert_eq null "$(lab_status_json | jq -c .pending_apply)" "status: nothing pending after the restart"
jq -e '.pending_apply == null' "$T/state/state.json" >/dev/null || fail "state.json still holds a pending apply"
ok "state.json holds no pending apply"
assert_cmd "the policy file is A again" cmp -s "$A" "$P"
wait_until 5 lab_ping_ok peer 192.0.2.9
wait_until 5 lab_ping_ok peerb 198.51.100.9
ok "both peers reach the server"

lab_daemon_stop
for line in "${MEASURED[@]}"; do echo "$line"; done
