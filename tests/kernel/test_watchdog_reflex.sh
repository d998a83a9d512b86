#!/usr/bin/env bash
# systemd's watchdog is fed only while both the daemon's loop turns and the reflex
# answers (issue 15): a reflex held with SIGSTOP is killed by the daemon after 5 s of
# silence and started again; meanwhile WATCHDOG=1 stops, and the log says so; once the
# new reflex answers, the watchdog is fed again. A receiver stands in for systemd.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init wdreflex
lab_require_daemon
lab_require /usr/bin/python3 pgrep
lab_eth0_one 02:00:00:00:08:11

lab_bg notify /usr/bin/python3 "$(dirname "$0")/notify_listen.py" "$T/notify.sock" 60 "$T/notify.stamps"
wait_until 5 grep -q listening "$T/notify.out"
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 lab_daemon_start server "$T/policy.toml"
wait_until 5 grep -qx 'READY=1' "$T/notify.out"
main=$(lab_daemon_main_pid)
reflex_pid() { pgrep -P "$main" -f -- '--reflex-fd' | head -n 1; }
has_reflex() { [[ -n "$(reflex_pid)" ]]; }
wait_until 5 has_reflex
old=$(reflex_pid)
watchdogs() { grep -cx 'WATCHDOG=1' "$T/notify.out" || true; }
at_least() { (($(watchdogs) >= $1)); }
wait_until 10 at_least 4
ok "the watchdog is fed while the reflex (pid $old) answers"

kill -STOP "$old"
not_fed_logged() { grep -q "the reflex does not answer: systemd's watchdog is not fed" "$LAB_DAEMON_LOG"; }
wait_until 15 not_fed_logged
ok "the daemon stops feeding the watchdog for a silent reflex, and says so"
replaced() { local now; now=$(reflex_pid); [[ -n "$now" && "$now" != "$old" ]]; }
wait_until 20 replaced
lab_pid_gone "$old" || fail "the stopped reflex $old was not killed"
grep -q "the reflex (pid $old) has not answered for 5 s: killed" "$LAB_DAEMON_LOG" || fail "the log does not say why"
ok "the silent reflex was killed and a new one started (pid $(reflex_pid))"
fed_again() { grep -q "the reflex answers again: systemd's watchdog is fed again" "$LAB_DAEMON_LOG"; }
wait_until 10 fed_again
before=$(watchdogs)
wait_until 10 at_least $((before + 3))
ok "the watchdog is fed again"
# The largest gap between pings: 0.5 s while both answer; the silence shows as a gap.
gap=$(awk '$2 == "WATCHDOG=1" { if (last != "") { g = $1 - last; if (g > max) max = g }; last = $1 }
           END { printf "%.1f", max }' "$T/notify.stamps")
awk -v g="$gap" 'BEGIN { exit !(g >= 1.5) }' || fail "no gap in the watchdog pings while the reflex was silent (largest $gap s)"
ok "the largest gap between watchdog pings was $gap s (0.5 s while both answer)"
lab_active_is eth0 "$(lab_nic_name server 02:00:00:00:08:11)" || fail "eth0 lost its port"
lab_daemon_stop
