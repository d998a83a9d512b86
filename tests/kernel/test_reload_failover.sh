#!/usr/bin/env bash
# A cable cut in the middle of a long reload (issue 15): the reload from 200 bridges
# to 1 deletes 199 bridges, one kernel request each (seconds in all). The active
# port's cable is cut while it runs; the standby must take over at once, while
# bridges are still left to delete, and the reload must then finish as asked.
# What is asserted is the order of events in the kernel, not a duration; the time
# the failover took is printed (the benchmark's load.reload row measures it).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init reloadfo
lab_require_daemon

m1=02:00:00:00:1f:01
m2=02:00:00:00:1f:02
lab_eth0_pair "$m1" "$m2"
S=$(lab_nsname server)
cp "$T/policy.toml" "$T/policy-1.toml"
{ cat "$T/policy-1.toml"
  for ((i = 1; i < 200; i++)); do printf '\n[[bridge]]\nname = "br%d"\nmode = "internal"\nzone = "isolated"\n' "$i"; done
} >"$T/policy-200.toml"

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"

bridges_left() { ip -n "$S" -j link show type bridge | jq '[.[] | select(.ifname | test("^br[0-9]+$"))] | length'; }
port_of_eth0_is() { [[ "$(lab_ports_of server eth0 | tr -d '\n')" == "$1" ]]; }

cp "$T/policy-200.toml" "$T/policy.toml"
lab_ctl reload >/dev/null || fail "the reload to 200 bridges was refused"
assert_eq 199 "$(bridges_left)" "the reload made 199 more bridges"

# The long way back, in the background.
cp "$T/policy-1.toml" "$T/policy.toml"
lab_bg reload ip netns exec "$S" "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" reload
reload_pid=$LAB_BG_PID
wait_until 20 grep -Eq '\] br[0-9]+: deleted' "$LAB_DAEMON_LOG"
before=$(bridges_left)
t0=$(date +%s%N)
lab_cable_cut "$m1"
wait_until 10 port_of_eth0_is "$n2"
t1=$(date +%s%N)
left=$(bridges_left)
echo "# cut -> $n2 the only port of eth0: $(((t1 - t0) / 1000000)) ms (with ip and jq polling); bridges left: $before at the cut, $left then"
((left > 0)) || fail "the failover waited for the reload: no bridge was left to delete when $n2 took over"
ok "$n2 took over eth0 while the reload still had $left bridges to delete"

poll_until 120 lab_pid_gone "$reload_pid" || fail "the reload did not finish within 120 s"
wait "$reload_pid" && rc=0 || rc=$?
assert_eq 0 "$rc" "failoverctl reload succeeded ($(cat "$T/reload.out" "$T/reload.err" | head -n 3 | tr '\n' ' '))"
wait_until 10 lab_active_is eth0 "$n2"
assert_eq 0 "$(bridges_left)" "the reload deleted every bridge it was asked to"
grep -q "plan stopped before" "$LAB_DAEMON_LOG" || fail "the log does not show the reload's plan stopped for the failover"
grep -Eq "eth0: $n2 attached at once" "$LAB_DAEMON_LOG" || fail "the log does not show the standby attached at once"
ok "the reload's plan stopped for the failover and was made again"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches 192.0.2.9 through $n2"
nft_ok=$(ip netns exec "$S" nft list chains inet failoverd 2>/dev/null | grep -c 'chain in_br' || true)
assert_eq 0 "$nft_ok" "no zone of a deleted bridge is left in table inet failoverd"

lab_daemon_stop
echo PASS
