#!/usr/bin/env bash
# Control clients cannot delay a failover (issue 15): 48 clients send `events follow` —
# a read-only command anyone who can connect may send — and never read a byte, while
# 8 more ask for `status` and never read the reply. Then the active cable is cut: the
# standby takes over, `failoverctl status` still answers at once, and the idle clients
# are dropped as their unread data passes the limit or their reply times out. The
# failover's time (from the daemon's log) is printed, not asserted.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init slowcli
lab_require_daemon
lab_require python3

m1=02:00:00:00:57:01
m2=02:00:00:00:57:02
lab_eth0_pair "$m1" "$m2"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"

# A full event history (the log keeps the last 1000), so that each follower's backlog
# is far more than its socket takes at once: detach and auto the standby, over the socket.
lab_in server python3 -c '
import socket, sys
for i in range(600):
    for word in ("detach", "auto"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        s.sendall(("%s %s\n" % (word, sys.argv[2])).encode())
        while s.recv(65536):
            pass
        s.close()' "$LAB_DAEMON_SOCKET" "$n2"
events=$(lab_ctl --json events | jq 'length')
((events >= 1000)) || fail "only $events events in the history"
ok "the event history holds $events events ($(lab_ctl --json events | wc -c) bytes as JSON)"

# The idle clients: connect, send one request, never read, hold the connection.
lab_bg idle python3 -c '
import socket, sys, time
held = []
for i in range(56):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sys.argv[1])
    s.sendall(b"events follow\n" if i < 48 else b"status\n")
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(120)' "$LAB_DAEMON_SOCKET"
wait_until 10 grep -q "holding 56" "$T/idle.out"
ok "56 clients connected and never read (48 following events, 8 asked for status)"
# More events for the followers to choke on: each detach and auto is broadcast.
for i in 1 2 3; do
  lab_ctl detach "$n2" >/dev/null
  lab_ctl auto "$n2" >/dev/null
done

lines=$(wc -l <"$LAB_DAEMON_LOG")
lab_cable_cut "$m1"
wait_until 10 lab_active_is eth0 "$n2"
ok "the standby took over with 56 idle clients connected: eth0 active $n2"
echo "# carrier loss -> $n2 attached in $(lab_log_ms "$LAB_DAEMON_LOG" "$n1: carrier down|lost carrier" "$n2: .*-> active|attached" "$lines") ms (daemon log)"
expect_rc 0 "failoverctl status still answers" lab_ctl status
lab_daemon_stop
