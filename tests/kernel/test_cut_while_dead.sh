#!/usr/bin/env bash
# A cable cut while the daemon is dead (issue 15). failoverd has no reflex that
# outlives it yet, so while it is dead nothing fails over: the bridge keeps the dead
# port. What is asserted is what happens when it comes back: its first reconcile
# puts the standby in, with no second change after it (no flap), the dead port goes
# out, the peer reaches the server again, and the log and events say why. The time
# from the new start to forwarding is printed (the restart is the whole outage here).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init cutdead
lab_require_daemon

m1=02:00:00:00:2d:01
m2=02:00:00:00:2d:02
lab_eth0_pair "$m1" "$m2"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
port_of_eth0_is() { [[ "$(lab_ports_of server eth0 | tr -d '\n')" == "$1" ]]; }

# The daemon dies without a word.
main_pid=$(lab_daemon_main_pid)
kill -KILL "$main_pid"
poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived SIGKILL"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
keep=(); for p in "${LAB_PIDS[@]}"; do [[ "$p" == "$LAB_DAEMON_PID" ]] || keep+=("$p"); done; LAB_PIDS=("${keep[@]}")
LAB_DAEMON_PID=""

no_carrier() { ip -n "$(lab_nsname server)" -j link show dev "$1" | jq -e '.[0].flags | index("LOWER_UP") == null' >/dev/null; }
lab_cable_cut "$m1"
wait_until 10 no_carrier "$n1"
port_of_eth0_is "$n1" || fail "something else changed eth0's ports while the daemon was dead"
ok "the cable of $n1 is cut while the daemon is dead: eth0 keeps the dead port (no reflex yet)"

# Every change to eth0's ports from here on, as the kernel reports them.
lab_bg monitor lab_in server ip -o monitor link
monitor_pid=$LAB_BG_PID
wait_until 5 test -e "$T/monitor.out"
t0=$(date +%s%N)
lab_daemon_start server "$T/policy.toml"
wait_until 10 port_of_eth0_is "$n2"
t1=$(date +%s%N)
echo "# start -> $n2 the only port of eth0: $(((t1 - t0) / 1000000)) ms (including the start and the polling)"
wait_until 10 lab_active_is eth0 "$n2"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the restarted daemon put $n2 in for the dead $n1; the peer reaches 192.0.2.9"
lab_bg_stop "$monitor_pid"
# No flap: after $n2 first shows "master eth0", every later line about it does too, and
# no bridge-port deletion of it comes; $n1 never shows "master eth0" with carrier again.
lines_of() { grep -E "^(Deleted )?[0-9]+: $1@" "$T/monitor.out" || true; }
lines_of "$n2" | awk '/^Deleted/ && joined { bad = 1 } /master eth0/ { joined = 1; next } joined { bad = 1 }
  END { exit !joined || bad }' || { cat "$T/monitor.out" >&2; fail "$n2 did not join eth0 once and stay"; }
if lines_of "$n1" | grep -v '^Deleted' | grep "master eth0" | grep -q "LOWER_UP"; then
  fail "$n1 was attached to eth0 again with carrier"
fi
ok "no flap: $n2 joined eth0 and stayed"
lab_ctl --json events >"$T/events.json" || fail "failoverctl events failed"
assert_cmd "events say $n2 took over because $n1 lost carrier" jq -e --arg n "$n2" --arg d "$n1" \
  '[.[] | select(.message | test($n + ": .*-> active of eth0 \\(" + $d + " lost carrier"))] | length >= 1' "$T/events.json"
lab_daemon_stop
echo PASS
