#!/usr/bin/env bash
# A log that nobody reads never holds the daemon up (issue 15): the daemon's stderr is
# a pipe of one page whose reader does not read (a stuck journald). The daemon still
# starts, answers `failoverctl`, fails over on a cable cut, and once the reader reads
# again the lines queued meanwhile arrive, the failover's among them. Stopped while
# the log is stuck, it still exits promptly with status 0.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init stucklog
lab_require_daemon
lab_require python3

m1=02:00:00:00:2e:01
m2=02:00:00:00:2e:02
lab_eth0_pair "$m1" "$m2"

# Starts the daemon with its stderr on a fresh stuck FIFO; sets READER_PID, FIFO_STATUS, FIFO_OUT.
start_with_stuck_log() {  # RUN
  local fifo="$T/stderr.$1.fifo"
  mkfifo "$fifo"
  FIFO_STATUS="$T/fifo.$1.status"; FIFO_OUT="$T/fifo.$1.out"
  lab_bg reader.$1 python3 "$FAILOVERD_SOURCE_DIR/tests/kernel/stuck_reader.py" "$fifo" "$FIFO_STATUS" "$FIFO_OUT" 300
  READER_PID=$LAB_BG_PID
  wait_until 10 test -s "$FIFO_STATUS"
  # The lab's own redirection goes to the log file; the wrapper sends the daemon's to the FIFO.
  LAB_DAEMON_WRAPPER=(bash -c 'exec "${@:1}" >"$0" 2>&1' "$fifo")
  lab_daemon_start server "$T/policy.toml"
  LAB_DAEMON_WRAPPER=()
}
# Lines are written whole (up to PIPE_BUF), so a full page may keep a few bytes free.
pipe_full() { (($(cut -d' ' -f1 "$FIFO_STATUS") >= 3584)); }
# Each request is a debug line in the log: asks until the pipe is full.
fill_pipe() { lab_ctl status >/dev/null || return 1; pipe_full; }
port_of_eth0_is() { [[ "$(lab_ports_of server eth0 | tr -d '\n')" == "$1" ]]; }

start_with_stuck_log 1
wait_until 20 fill_pipe
ok "the daemon's stderr is full and not read (debug log level), yet it started and answers"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"

lab_cable_cut "$m1"
wait_until 10 port_of_eth0_is "$n2"
wait_until 10 lab_active_is eth0 "$n2"
ok "a cable cut with the log stuck: $n2 took over eth0"
wait_until 10 lab_ping_ok peer 192.0.2.9
lab_ctl metrics >"$T/metrics.txt" || fail "failoverctl metrics failed"
assert_cmd "metrics count dropped log messages" grep -Eq '^failoverd_log_messages_dropped_total [0-9]+$' "$T/metrics.txt"
pipe_full || fail "the reader read something: the test did not keep the log stuck"

# The reader reads again: the lines queued meanwhile arrive, the failover's too.
kill -USR1 "$READER_PID"
wait_until 20 grep -q "eth0: $n2 attached at once" "$FIFO_OUT"
ok "after the log was read again, the failover's line arrived"

# Stopped while the log is stuck: ends within the lab's limit with status 0.
lab_daemon_stop
lab_bg_stop "$READER_PID"
start_with_stuck_log 2
wait_until 20 fill_pipe
lab_daemon_stop
ok "stopped with its log stuck, the daemon still ended with status 0"
lab_bg_stop "$READER_PID"
echo PASS
