#!/usr/bin/env bash
# The guarded isolate (issue 7, SPEC §5 `isolate` / `confirm`), with the real daemon and a peer
# on eth0's switch that is eth0's default gateway (192.0.2.1) and pings the server every 20 ms:
#  1. `isolate eth0` (the bridge of the default route) is refused with exit 1 and the reason,
#     and the peer's traffic keeps flowing;
#  2. `isolate eth1` (no default route, no session) isolates and restores as before;
#  3. `isolate --confirm 3 eth0`: the replies stop, and come back by themselves after the
#     deadline (the time from the deadline to the first reply is measured); events say why;
#  4. `isolate --confirm 3 eth0` + `confirm`: nothing pending, eth0 stays isolated past the
#     deadline, until `restore`;
#  5. the caller's session: with SSH_CONNECTION naming eth1's address (in failoverctl's own
#     environment, or only in an ancestor's, as after sudo), `isolate eth1` is refused;
#  6. kill -9 inside a confirm window: the restarted daemon restores eth0.
#
#   switch a: m1 (eth0's port), peer 192.0.2.1 (the gateway)
#   switch b: m3 (eth1's port), peerb 198.51.100.1
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init isoguard
lab_require_daemon
lab_require stdbuf

m1=02:00:00:00:47:01   # eth0
m3=02:00:00:00:47:03   # eth1
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24
lab_host b peerb 198.51.100.1/24
lab_policy "$T/policy.toml" <<EOF
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.10/24"]
gateway = "192.0.2.1"
ports = [{ mac = "$m1" }]

[[bridge]]
name = "eth1"
zone = "lan"
address = ["198.51.100.10/24"]
ports = [{ mac = "$m3" }]
EOF
# Only the session this test sets on purpose: the one the test itself may run in
# (sshd's SSH_CONNECTION) names an address outside these namespaces.
unset SSH_CONNECTION

# ---- helpers ------------------------------------------------------------------------------
now_s() { date +%s.%N; }
ports() { lab_ports_of server "$1" | tr '\n' ' ' | sed 's/ $//'; }
ports_are() { [[ "$(ports "$1")" == "$2" ]]; }
check_ports() {  # BRIDGE "NIC..." WHEN
  local now; now=$(ports "$1")
  [[ "$now" == "$2" ]] || fail "$3: $1's ports are '$now', expected '$2'"
  ok "$3: $1's ports (ip link): '$2'"
}
bridge_state() { lab_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .state'; }
pending_json() { lab_status_json | jq -c '.pending_isolate'; }
pending_none() { [[ "$(pending_json)" == "[]" ]]; }
default_route_via_eth0() {
  ip -n "$S" -j route show default | jq -e '[.[] | select(.dev == "eth0" and .gateway == "192.0.2.1")] | length == 1' >/dev/null
}
state_json_is() { jq -e "$1" "$T/state/state.json" >/dev/null; }
# The peer's stream: replies after unix time T ("[T] 64 bytes from ...", ping -D).
replies_between() {  # FROM TO
  awk -v a="$1" -v b="$2" '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (t > a + 0 && t < b + 0) n++ }
    END { print n + 0 }' "$T/stream.out"
}
first_reply_after() {  # T -> unix time of the first reply after T ("" if none)
  awk -v a="$1" '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (t > a + 0) { printf "%.6f\n", t; exit } }' "$T/stream.out"
}
# No reply for the last 500 ms (the stream sends every 20 ms).
stream_quiet() {
  local last; last=$(awk '/bytes from/ { t = substr($1, 2, length($1) - 2) } END { printf "%.6f\n", t + 0 }' "$T/stream.out")
  awk -v l="$last" -v n="$(now_s)" 'BEGIN { exit !(n - l > 0.5) }'
}
# Longest silence (ms) of the stream between FROM and TO.
longest_gap_ms() {  # FROM TO
  awk -v a="$1" -v b="$2" '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (t < a + 0 || t > b + 0) next
      if (last == "") last = a + 0; if (t - last > gap) gap = t - last; last = t }
    END { if (last == "") last = a + 0; if (b - last > gap) gap = b - last; printf "%.0f\n", gap * 1000 }' "$T/stream.out"
}
epoch_of() { date -d "$1" +%s.%N; }  # RFC 3339 -> unix time
plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a + b }'; }  # T SECONDS -> T + SECONDS
peerb_cut() { ! lab_ping_ok peerb 198.51.100.10; }

# ---- start --------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n3=$(lab_nic_name server "$m3")
assert_match '^hweth[0-9]+$' "$n1" "m1 named"
assert_match '^hweth[0-9]+$' "$n3" "m3 named"
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_active_is eth1 "$n3"
wait_until 10 ports_are eth0 "$n1"
wait_until 10 ports_are eth1 "$n3"
wait_until 10 default_route_via_eth0
ok "the server's default route is via 192.0.2.1 out of eth0"
wait_until 10 lab_ping_ok peer 192.0.2.10
wait_until 10 lab_ping_ok peerb 198.51.100.10
ok "both peers reach the server"
lab_bg stream lab_in peer stdbuf -oL ping -n -D -O -i 0.02 192.0.2.10
STREAM_PID=$LAB_BG_PID
wait_until 10 lab_ping_replies_after stream "$(now_s)" 10
ok "the peer's 50/s echo stream to 192.0.2.10 is answered"

# ---- 1. the default-route bridge is refused -----------------------------------------------
t1=$(now_s)
expect_rc 1 "isolate eth0 (the default route's bridge) refused" lab_ctl isolate eth0
assert_match 'refused: eth0 carries the default route \(via 192\.0\.2\.1\)' "$ERR" "refusal: the reason"
assert_match 'failoverctl isolate --confirm SECONDS eth0' "$ERR" "refusal: what to do instead"
[[ -z "$OUT" ]] || fail "a refusal printed on stdout: $OUT"
check_ports eth0 "$n1" "after the refused isolate"
assert_eq "up []" "$(bridge_state eth0) $(pending_json)" "status: eth0 up, nothing pending"
assert_cmd "state.json: nothing isolated" state_json_is '(.overrides.isolated // []) == [] and .pending_isolate == null'
t1_end=$(now_s)
wait_until 10 lab_ping_replies_after stream "$t1_end" 10
gap=$(longest_gap_ms "$t1" "$(now_s)")
# No echo request went unanswered around the refusal (ping -O reports each one that did);
# the longest gap between replies is printed, not asserted.
unanswered=$(awk -v a="$t1" '/no answer yet/ { t = substr($1, 2, length($1) - 2) + 0; if (t >= a + 0) n++ } END { print n + 0 }' "$T/stream.out")
assert_eq 0 "$unanswered" "echo requests unanswered around the refused isolate (longest gap between replies $gap ms)"
lab_ctl events >"$T/events.1"
grep -q 'eth0: isolate refused: eth0 carries the default route' "$T/events.1" || fail "events lack the refusal: $(tail -n 3 "$T/events.1")"
ok "events: $(grep -m1 'isolate refused' "$T/events.1")"

# ---- 2. a bridge without the default route isolates as before -----------------------------
expect_rc 0 "isolate eth1 (no default route, no session)" lab_ctl isolate eth1
assert_match 'eth1: isolated by hand .* until `failoverctl restore eth1`' "$OUT" "isolate eth1: message"
check_ports eth1 "" "after isolate eth1"
wait_until 5 peerb_cut
ok "peerb no longer reaches 198.51.100.10"
assert_eq "isolated []" "$(bridge_state eth1) $(pending_json)" "status: eth1 isolated, nothing pending"
t2=$(now_s)
wait_until 5 lab_ping_replies_after stream "$t2" 10
ok "eth0's stream unaffected"
expect_rc 0 "restore eth1" lab_ctl restore eth1
wait_until 5 ports_are eth1 "$n3"
wait_until 10 lab_ping_ok peerb 198.51.100.10
ok "eth1 restored: peerb reaches 198.51.100.10 again"

# ---- 3. --confirm, not confirmed: restored by itself at the deadline ----------------------
log_skip=$(wc -l <"$LAB_DAEMON_LOG")
expect_rc 0 "isolate --confirm 3 eth0" lab_ctl isolate --confirm 3 eth0
t3=$(now_s)
assert_match 'eth0: isolated by hand .*restored at .* unless `failoverctl confirm` within 3 s; although eth0 carries the default route' \
  "$OUT" "isolate --confirm: message"
check_ports eth0 "" "inside the window"
lab_status_json >"$T/status.3"
jq -e '.pending_isolate | length == 1 and .[0].bridge == "eth0" and .[0].seconds_left <= 3 and (.[0].deadline | type == "string")' \
  "$T/status.3" >/dev/null || fail "status.pending_isolate: $(jq -c .pending_isolate "$T/status.3")"
deadline=$(epoch_of "$(jq -r '.pending_isolate[0].deadline' "$T/status.3")")
ok "status.pending_isolate: $(jq -c .pending_isolate "$T/status.3")"
assert_eq isolated "$(jq -r '.bridges[] | select(.name == "eth0") | .state' "$T/status.3")" "status: eth0 isolated"
lab_ctl status >"$T/status.3.txt"
grep -q '^pending isolate of eth0: restored at .* unless `failoverctl confirm` comes first$' "$T/status.3.txt" ||
  fail "failoverctl status does not show the pending isolate: $(tail -n 3 "$T/status.3.txt")"
ok "failoverctl status: $(grep '^pending isolate' "$T/status.3.txt")"
assert_cmd "state.json records the pending isolate" \
  state_json_is '.pending_isolate[0].bridge == "eth0" and .overrides.isolated == ["eth0"]'
wait_until 3 stream_quiet
ok "the peer's replies stopped"
wait_until 10 lab_ping_replies_after stream "$deadline" 5
ok "the replies came back by themselves after the deadline"
back=$(first_reply_after "$deadline")
restore_ms=$(awk -v d="$deadline" -v b="$back" 'BEGIN { printf "%.0f", (b - d) * 1000 }')
inside=$(replies_between "$(plus "$t3" 0.1)" "$(plus "$deadline" -0.05)")
assert_eq 0 "$inside" "no reply inside the window"
((restore_ms >= 0)) || fail "the first reply came $((-restore_ms)) ms before the deadline"
ok "first reply $restore_ms ms after the deadline (not before it)"
check_ports eth0 "$n1" "after the deadline"
assert_eq "up []" "$(bridge_state eth0) $(pending_json)" "status: eth0 up, nothing pending"
assert_cmd "state.json: nothing pending or isolated" state_json_is '.pending_isolate == null and .overrides.isolated == []'
lab_ctl events >"$T/events.3"
grep -q 'eth0: restored: isolation not confirmed within 3 s' "$T/events.3" ||
  fail "events do not give the restore's reason: $(tail -n 5 "$T/events.3")"
ok "events: $(grep -m1 'not confirmed within' "$T/events.3")"
log_ms=$(lab_log_ms "$LAB_DAEMON_LOG" "eth0: isolated by hand" "eth0: restored: isolation not confirmed" "$log_skip")
ok "daemon log: isolate to automatic restore $log_ms ms (window 3000 ms)"

# ---- 4. --confirm, confirmed: stays isolated past the deadline until restore ---------------
expect_rc 0 "isolate --confirm 3 eth0 (again)" lab_ctl isolate --confirm 3 eth0
t4=$(now_s)
check_ports eth0 "" "inside the second window"
expect_rc 0 "confirm" lab_ctl confirm
assert_match '^isolation of eth0 confirmed: it stays isolated until `failoverctl restore eth0`$' "$OUT" "confirm: message"
assert_eq "isolated []" "$(bridge_state eth0) $(pending_json)" "status after confirm: eth0 isolated, nothing pending"
assert_cmd "state.json: eth0 isolated, nothing pending" state_json_is '.pending_isolate == null and .overrides.isolated == ["eth0"]'
until_after=$(awk -v t="$t4" -v n="$(now_s)" 'BEGIN { printf "%.2f", t + 4.5 - n }')
eth0_has_port() { ! ports_are eth0 ""; }
if poll_until "$until_after" eth0_has_port; then fail "eth0 got a port back after confirm"; fi
ok "eth0 still has no port 1.5 s after the confirmed window ended"
assert_eq 0 "$(replies_between "$(plus "$t4" 0.1)" "$(now_s)")" "no reply since the confirmed isolate"
expect_rc 1 "confirm with nothing pending" lab_ctl confirm
assert_match 'nothing is waiting for confirmation' "$ERR" "confirm with nothing pending: message"
t4_restore=$(now_s)
expect_rc 0 "restore eth0" lab_ctl restore eth0
wait_until 5 ports_are eth0 "$n1"
wait_until 10 lab_ping_replies_after stream "$t4_restore" 5
ok "restored by hand: the stream is answered again"

# ---- 5. the caller's own session --------------------------------------------------------
session="192.0.2.1 40000 198.51.100.10 22"   # an SSH session to eth1's address
expect_rc 1 "isolate eth1 with SSH_CONNECTION naming eth1's address" lab_ctl_in_session "$session" isolate eth1
assert_match 'refused: your session comes in through eth1 \(198\.51\.100\.10 is one of its addresses\); isolating it could cut your session off' \
  "$ERR" "refusal names the session"
check_ports eth1 "$n3" "after the refused isolate of the session's bridge"
# As under sudo, which drops SSH_CONNECTION: failoverctl finds it in its parent's environment.
# (The shell runs failoverctl as a child and waits: no exec, so it stays the parent; env and
# `ip netns exec` exec in place.)
only_in_parent() {
  SSH_CONNECTION="$session" bash -c 'rc=0; env -u SSH_CONNECTION ip netns exec "$1" "$2" --socket "$3" isolate eth1 || rc=$?; exit "$rc"' \
    _ "$LAB_DAEMON_NS" "$FAILOVERCTL_BIN" "$LAB_DAEMON_SOCKET"
}
expect_rc 1 "isolate eth1 with SSH_CONNECTION only in an ancestor's environment" only_in_parent
assert_match 'your session comes in through eth1' "$ERR" "refusal names the session found in the ancestor"
check_ports eth1 "$n3" "after the second refused isolate"
expect_rc 0 "isolate eth1 from a session to eth0's address" lab_ctl_in_session "192.0.2.1 40000 192.0.2.10 22" isolate eth1
check_ports eth1 "" "eth1 isolated (the session comes in through eth0)"
expect_rc 0 "restore eth1" lab_ctl restore eth1
wait_until 5 ports_are eth1 "$n3"

# ---- 6. kill -9 inside a window: the next start restores ----------------------------------
expect_rc 0 "isolate --confirm 60 eth0" lab_ctl isolate --confirm 60 eth0
check_ports eth0 "" "inside the 60 s window"
assert_cmd "state.json records the pending isolate" state_json_is '.pending_isolate[0].bridge == "eth0"'
main_pid=$(lab_daemon_main_pid)
kill -KILL "$main_pid"
poll_until 10 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon survived kill -9"
lab_daemon_reap
ok "daemon killed with SIGKILL (status $LAB_DAEMON_RC); eth0's ports: '$(ports eth0)'"
t6=$(now_s)
lab_daemon_start server "$T/policy.toml"
wait_until 10 ports_are eth0 "$n1"
wait_until 10 lab_ping_replies_after stream "$t6" 5
ok "the restarted daemon restored eth0: the stream is answered again"
assert_eq "up []" "$(bridge_state eth0) $(pending_json)" "status: eth0 up, nothing pending"
assert_cmd "state.json: nothing pending or isolated" state_json_is '.pending_isolate == null and .overrides.isolated == []'
lab_ctl events >"$T/events.6"
grep -q 'eth0: restored at start: failoverd stopped before `failoverctl confirm`' "$T/events.6" ||
  fail "events do not mention the restore at start: $(head -n 5 "$T/events.6")"
ok "events: $(grep -m1 'restored at start' "$T/events.6")"

lab_daemon_stop
lab_bg_stop "$STREAM_PID" INT
echo "# measured: automatic restore of an unconfirmed isolate: first reply ${restore_ms} ms after the deadline (50/s stream; daemon log isolate->restore ${log_ms} ms for a 3000 ms window)"
