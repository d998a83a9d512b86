#!/usr/bin/env bash
# Checks the lab library itself, without the daemon: topology, cable cut/restore seen as
# carrier on the server NIC, peers reaching each other through a switch, and cleanup of
# every namespace and process even when a test fails.
#   sudo bash tests/lab/selftest.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ "${1:-}" == --failing-child ]]; then
  # Builds a lab, starts a background process, then fails: the trap must clean up.
  source "$here/lib.sh"
  lab_init selfchild
  lab_switch a
  lab_host a h1 192.0.2.1/24
  lab_bg sleeper lab_in h1 sleep 300
  echo "$LAB_PREFIX $LAB_BG_PID" >"$2"
  fail "deliberate failure"
fi

source "$here/lib.sh"
lab_init self

lab_ns server
lab_switch a
lab_switch b
lab_nic server ens1 02:00:00:00:aa:01 a
lab_nic server ens2 02:00:00:00:aa:02 b
lab_host a peer 192.0.2.1/24 2001:db8::1/64
lab_host b other 192.0.2.50/24

S=$(lab_nsname server)
assert_eq "ens1" "$(lab_nic_name server 02:00:00:00:aa:01)" "NIC found by MAC"
assert_eq "ens2" "$(lab_nic_name server 02:00:00:00:AA:02)" "NIC found by upper-case MAC"
assert_eq "sw" "$(ip -n "$(lab_nsname a)" -j link show master sw | jq -r '.[0].master')" "switch port enslaved to sw"

# A NIC left down has no carrier; up with the switch port up, it has.
assert_not_cmd "fresh server NIC is down, no carrier" lab_link_has_carrier server ens1
ip -n "$S" link set ens1 up
ip -n "$S" link set ens2 up
wait_until 5 lab_link_has_carrier server ens1
ok "server NIC up: carrier"

lab_cable_cut 02:00:00:00:aa:01
wait_until 5 eval '! lab_link_has_carrier server ens1'
ok "cable cut (by MAC): server NIC lost carrier"
lab_link_has_carrier server ens2 || fail "cutting ens1 dropped ens2's carrier"
ok "other NIC keeps its carrier"
lab_cable_restore ens1
wait_until 5 lab_link_has_carrier server ens1
ok "cable restored (by name): carrier is back"

# Traffic through the switch: put an address on the server NIC (inside the lab only).
ip -n "$S" addr add 192.0.2.9/24 dev ens1
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "peer on switch a reaches the server NIC"
assert_not_cmd "peer on switch b does not (different switch)" lab_ping_ok other 192.0.2.9
lab_cable_cut ens1
assert_not_cmd "no ping through a cut cable" lab_ping_ok peer 192.0.2.9
lab_cable_restore ens1
wait_until 5 lab_ping_ok peer 192.0.2.9
ok "ping works again after restore"

# wait_until gives up (in a subshell, so only the subshell exits).
if (wait_until 0.3 false) 2>/dev/null; then fail "wait_until false succeeded"; fi
ok "wait_until fails on timeout"

# Background processes are tracked and stopped.
lab_bg pinger lab_in peer ping -n -i 0.2 192.0.2.9
pid=$LAB_BG_PID
wait_until 5 grep -q 'icmp_seq=' "$T/pinger.out"
lab_bg_stop "$pid" INT
lab_pid_gone "$pid" || fail "pinger still running"
ok "background ping started and stopped"

# Cleanup on failure: the child fails deliberately; afterwards nothing of it remains.
info="$T/child.info"
if bash "$0" --failing-child "$info" >"$T/child.log" 2>&1; then fail "failing child passed"; fi
read -r child_prefix child_pid <"$info"
if ip netns list | grep -q "^$child_prefix-"; then fail "child's namespaces survived: $(ip netns list | grep "^$child_prefix-")"; fi
ok "failing child's namespaces deleted"
lab_pid_gone "$child_pid" || fail "child's background process $child_pid survived"
ok "failing child's background process killed"
grep -q 'FAIL: deliberate failure' "$T/child.log" || fail "child did not report its failure"
ok "failing child reported FAIL"

echo "namespaces of this lab: $(ip netns list | grep -c "^$LAB_PREFIX-" || true)"
