#!/usr/bin/env bash
# A cable cut while the daemon is dead (issue 15): kill -9, then the active port's
# cable is cut. The reflex the daemon started (failoverd/daemon/reflex.h) attaches the
# standby on its own and announces the bridge's address out of it (a gratuitous ARP on
# the wire), and the peer reaches the server while no daemon runs. The next
# daemon takes over from the reflex before it changes anything: it keeps the standby
# (no flap: ip monitor shows it joining once and staying, the dead port never back),
# takes the dead port out, and its log and events tell what the reflex did. A clean
# stop ends the reflex with the daemon. The cut-to-attach time is printed.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init cutdead
lab_require_daemon
lab_require tcpdump

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
lab_daemon_reap

# Every change to eth0's ports from the cut on, as the kernel reports them: the monitor
# counts as listening once it has shown a change of lo's MTU made for it.
S=$(lab_nsname server)
MONITOR_MARK=0
monitor_sees_mark() {
  MONITOR_MARK=$((MONITOR_MARK + 1))
  ip -n "$S" link set dev lo mtu $((65000 + MONITOR_MARK))
  grep -q "mtu $((65000 + MONITOR_MARK)) " "$T/monitor.out"
}
monitor_start() {
  : >"$T/monitor.out"
  lab_bg monitor lab_in server ip -o monitor link
  monitor_pid=$LAB_BG_PID
  wait_until 5 monitor_sees_mark
}
monitor_start
# What the server sends out of the standby's cable: an ARP with sender and target
# 192.0.2.9 can only be the announcement (as in test_failover.sh).
lab_bg garp ip netns exec "$(lab_cable_switch "$m2")" tcpdump -l -n -e -Q in -i "$(lab_cable_port "$m2")" \
  'arp and arp[14:4] = 0xc0000209 and arp[24:4] = 0xc0000209'
garp_pid=$LAB_BG_PID
wait_until 10 grep -q 'listening on' "$T/garp.err"
t0=$(date +%s%N)
lab_cable_cut "$m1"
# Both ports in eth0, the dead one without carrier: the reflex only attaches.
wait_until 10 eval 'lab_ports_of server eth0 | grep -qx "$n2"'
t1=$(date +%s%N)
echo "# cut -> $n2 in eth0 with the daemon dead: $(((t1 - t0) / 1000000)) ms (with ip polling)"
ok "with the daemon dead, its reflex put $n2 into eth0 when $n1's cable was cut"
wait_until 5 grep -q 'Request\|Reply' "$T/garp.out"
lab_bg_stop "$garp_pid" INT
ok "the reflex announced 192.0.2.9 out of $n2: $(head -n 1 "$T/garp.out")"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches 192.0.2.9 through $n2 while the daemon is dead"

lab_daemon_start server "$T/policy.toml"
wait_until 10 port_of_eth0_is "$n2"
wait_until 10 lab_active_is eth0 "$n2"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the restarted daemon kept $n2 and took the dead $n1 out; the peer reaches 192.0.2.9"
grep -q "while failoverd was not running, its reflex failed over: eth0: $n2 attached ($n1 lost carrier)" \
  "$LAB_DAEMON_LOG" || fail "the restarted daemon does not tell what the reflex did"
ok "the restarted daemon took over from the reflex and says what it did"
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
assert_cmd "events tell the reflex's failover" jq -e --arg n "$n2" \
  '[.[] | select(.message | test("the reflex.*eth0: " + $n + " attached"))] | length == 1' "$T/events.json"

# The race: the cable is cut while the next daemon starts, before or after it has
# taken over from the reflex; whichever of the two acts, the other never undoes it.
for round in 1 2 3; do
  active=$(lab_json_active eth0)
  if [[ $active == "$n1" ]]; then other=$n2 m_active=$m1 m_other=$m2; else other=$n1 m_active=$m2 m_other=$m1; fi
  lab_cable_restore "$m_other"
  wait_until 10 lab_nic_field_is "$other" .carrier true
  wait_until 10 lab_nic_field_is "$other" .role standby
  main_pid=$(lab_daemon_main_pid)
  kill -KILL "$main_pid"
  poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived SIGKILL"
  wait "$LAB_DAEMON_PID" 2>/dev/null || true
  LAB_DAEMON_PID=""
  monitor_start
  lab_cable_cut "$m_active" &
  cut_pid=$!
  lab_daemon_start server "$T/policy.toml"
  wait "$cut_pid"
  wait_until 10 port_of_eth0_is "$other"
  wait_until 10 lab_active_is eth0 "$other"
  lab_bg_stop "$monitor_pid"
  lines_of "$other" | awk '/^Deleted/ && joined { bad = 1 } /master eth0/ { joined = 1; next } joined { bad = 1 }
    END { exit !joined || bad }' || { cat "$T/monitor.out" >&2; fail "round $round: $other did not join eth0 once and stay"; }
  acted=$(grep -c "its reflex failed over" "$LAB_DAEMON_LOG" || true)
  ok "round $round: cut during the start, $other took over once and stayed (the reflex acted: $acted)"
done
wait_until 10 lab_ping_ok peer 192.0.2.9
lab_daemon_stop
# A clean stop ends the reflex with the daemon.
wait_until 5 eval "! ip netns pids '$S' | xargs -r -n1 sh -c 'readlink /proc/\$0/exe' 2>/dev/null | grep -q failoverd"
ok "after a clean stop no failoverd process is left in the namespace (the reflex ended too)"
echo PASS
