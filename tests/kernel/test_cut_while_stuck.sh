#!/usr/bin/env bash
# A cable cut while the daemon lives but has stopped moving (issue 15): the daemon is
# frozen with SIGSTOP, then the active port's cable is cut. The reflex hears no beat
# for kReflexStallSeconds (10 s), kills the frozen daemon and fails over as for a
# crash: the standby joins eth0 and the peer gets through. The next daemon takes over
# from the reflex and keeps the standby. Printed: stop -> attach and cut -> attach.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init cutstuck
lab_require_daemon

m1=02:00:00:00:2e:01
m2=02:00:00:00:2e:02
lab_eth0_pair "$m1" "$m2"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
# A daemon that only waits beats on: well past the stall limit, nothing is killed.
main_pid=$(lab_daemon_main_pid)
poll_until 12 eval '[[ $(grep -c "killed, so that no failover waits" "$LAB_DAEMON_LOG" || true) != 0 ]]' &&
  fail "the reflex killed a daemon that was only idle"
assert_cmd "the idle daemon lives on" kill -0 "$main_pid"
ok "an idle daemon is left alone by the reflex for longer than the stall limit (it beats every second)"

t_stop=$(date +%s%N)
kill -STOP "$main_pid"
lab_cable_cut "$m1"
t_cut=$(date +%s%N)
wait_until 25 eval 'lab_ports_of server eth0 | grep -qx "$n2"'
t_attach=$(date +%s%N)
echo "# SIGSTOP -> $n2 in eth0: $(((t_attach - t_stop) / 1000000)) ms; cut -> attach: $(((t_attach - t_cut) / 1000000)) ms"
ok "with the daemon frozen, the reflex put $n2 into eth0"
poll_until 10 lab_pid_gone "$main_pid" || fail "the frozen daemon was not killed"
grep -q "failoverd (pid $main_pid) has given no sign of progress for 10 s: killed" "$LAB_DAEMON_LOG" ||
  fail "the reflex does not say why it killed the daemon"
ok "the reflex killed the frozen daemon (pid $main_pid) and said why"
lab_daemon_reap
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches 192.0.2.9 through $n2"

lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_active_is eth0 "$n2"
wait_until 10 eval '[[ "$(lab_ports_of server eth0 | tr -d "\n")" == "$n2" ]]'
grep -q "while failoverd was not running, its reflex failed over: eth0: $n2 attached ($n1 lost carrier)" \
  "$LAB_DAEMON_LOG" || fail "the restarted daemon does not tell what the reflex did"
ok "the next daemon took over from the reflex and kept $n2"
lab_daemon_stop
echo PASS
