#!/usr/bin/env bash
# Resource hygiene (issue 5, item 5), measured by hand, not a timed test:
#   - idle: voluntary + involuntary context switches of the daemon over IDLE_S seconds
#     with nothing happening (0 means it sleeps in epoll: no busy loop, no idle timer);
#   - open fds and RSS at the start, after half of the failovers and after all of them
#     (ROUNDS x 2 failovers: the active cable cut, the standby takes over, cable back).
# Use a Release build (ASan's quarantine makes RSS meaningless):
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DFAILOVERD_TESTS=OFF
#   cmake --build build-rel --target failoverd failoverctl
#   sudo env ROUNDS=5000 FAILOVERD_BIN=build-rel/failoverd/failoverd \
#     FAILOVERCTL_BIN=build-rel/failoverd/failoverctl FAILOVERD_SOURCE_DIR=$PWD \
#     bash tests/bench/run_hygiene_bench.sh
# Runs in lab namespaces only (tests/lab/lib.sh), like every kernel test.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init hygiene
m1=02:00:00:00:1a:01; m2=02:00:00:00:1a:02
lab_eth0_pair "$m1" "$m2"
lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_ping_ok peer 192.0.2.9
pid=$(lab_daemon_main_pid)
ctx() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s}' /proc/$pid/status; }
fds() { ls /proc/$pid/fd | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }
# After any link event the daemon asks the kernel for the active ports' carrier every
# millisecond for 1.1 s (the kernel may report a loss up to 1 s late); idle is what
# comes after that, so counting starts 2 s after the last change.
sleep 2
c0=$(ctx); f0=$(fds); r0=$(rss); t0=$(date +%s)
sleep "${IDLE_S:-30}"  # measuring idle: the point is to let time pass with nothing to do
c1=$(ctx); f1=$(fds); r1=$(rss)
echo "# idle ${IDLE_S:-30} s: context switches $c0 -> $c1 ($((c1 - c0))), fds $f0 -> $f1, RSS ${r0} -> ${r1} kB"
# 200 failovers: cut/restore the active cable alternately
half=$(( ${ROUNDS:-100} / 2 ))
for i in $(seq 1 ${ROUNDS:-100}); do
  for m in "$m1" "$m2"; do
    act=$(lab_json_active eth0)
    lab_cable_cut "$m"
    wait_until 5 eval '[[ "$(lab_json_active eth0)" != "$act" ]] || ! lab_daemon_alive' 2>/dev/null || true
    lab_cable_restore "$m"
  done
  if ((i == half)); then fh=$(fds); rh=$(rss); fo_h=$(lab_ctl metrics | awk '/^failoverd_failovers_total/ {print $2}'); fi
done
f2=$(fds); r2=$(rss)
fo=$(lab_ctl metrics | awk '/^failoverd_failovers_total/ {print $2}')
echo "# start: fds $f1, RSS $r1 kB; after $fo_h failovers: fds $fh, RSS $rh kB; after $fo: fds $f2, RSS $r2 kB"
lab_daemon_stop
