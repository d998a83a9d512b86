#!/usr/bin/env bash
# A typo never leaves a reachable server unreachable (issue 14 points 3 and 6, and the
# last good policy). The server's bridge eth0 (zone lan, SSH) is reached by the LAN
# peer; an echo stream runs from the peer through every phase but the one that cuts
# it on purpose.
#  1. A successful start keeps the policy as the last good one (and its zero phase).
#  2. The policy file broken (a TOML syntax error), then a start: failoverd runs the last
#     good policy, says so in the log, status, events and metrics, `--check` exits 2 and
#     says what the next start runs; the peer keeps reaching SSH.
#  3. `systemctl reload` (the unit's ExecReload, run as the unit would) and `failoverctl
#     reload` of the broken or emptied file: refused, non-zero, the reasons on stderr;
#     a SIGHUP too (the log says why); eth0 stays.
#  4. The file fixed (and changed): ExecReload loads it, the fallback ends, it is the last
#     good policy.
#  5. A valid but wrong policy (eth0's zone isolated) and a reboot-like restart: it runs
#     under the confirm window (start_confirm_s = 3) and cuts the peer off; at the
#     deadline the last good policy comes back and the peer gets in again, by itself.
#     The next start runs the last good policy directly.
# Times are printed, not asserted.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init fallback
lab_require_daemon
lab_require perl python3

m1=02:00:00:00:53:01
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_nic server ens1 "$m1" a
lab_host a peer 192.0.2.1/24
lab_tcp_listen server 22

write_policy() {  # ZONE [EXTRA ADDRESS]
  {
    lab_policy_header
    cat <<EOF

[[bridge]]
name = "eth0"
zone = "$1"
address = ["192.0.2.9/24"${2:+, \"$2\"}]
ports = [{ mac = "$m1" }]
EOF
  } >"$T/policy.toml"
  # The confirm window of a changed policy, short for the test.
  sed -i 's/^\[daemon\]$/[daemon]\nstart_confirm_s = 3/' "$T/policy.toml"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
policy_field() { lab_status_json | jq -r ".policy.$1 // \"null\""; }
reachable() { lab_tcp_connects peer 192.0.2.9 22; }
# The unit's own ExecReload command line, pointed at the binaries and socket under test.
exec_reload() {
  local line
  line=$(sed -n 's/^ExecReload=//p' "$FAILOVERD_SOURCE_DIR/failoverd/systemd/failoverd.service")
  line=${line//\/usr\/bin\/failoverctl/$FAILOVERCTL_BIN}
  # shellcheck disable=SC2086  # the unit's words, as systemd splits them
  FAILOVERD_SOCKET=$LAB_DAEMON_SOCKET ip netns exec "$S" $line
}

# 1. -----------------------------------------------------------------------------------------
write_policy lan
lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_active_is eth0 "$(lab_nic_name server "$m1")"
wait_until 10 reachable
[[ -f $T/state/last-good.json ]] || fail "no last good policy after a successful start"
assert_eq "$(cat "$T/policy.toml")" "$(jq -r .policy "$T/state/last-good.json")" "the started policy is the last good one"
grep -q 'policy drop;' "$T/state/zero-phase.nft" || fail "no zero phase written from the last good policy"
ok "the zero phase from the last good policy is in state/zero-phase.nft"
lab_daemon_stop
lab_stream s peer 192.0.2.9 0.005

# 2. -----------------------------------------------------------------------------------------
good=$(cat "$T/policy.toml")
printf '%s\n[[bridge]\nname = "oops"\n' "$good" >"$T/policy.toml"  # a typo: unclosed table header
expect_rc 2 "--check of the broken policy" ip netns exec "$S" "$FAILOVERD_BIN" --policy "$T/policy.toml" --check
assert_match "policy.toml:[0-9]+:[0-9]+: " "$ERR" "--check names the place"
assert_match "at its next start failoverd would run the last good policy" "$ERR" "--check says what the next start runs"
lab_daemon_start server "$T/policy.toml"
assert_eq last-good "$(policy_field running)" "status: the last good policy runs"
assert_eq invalid "$(policy_field fallback)" "status: because the file is invalid"
grep -q "THE POLICY FILE IS INVALID" "$LAB_DAEMON_LOG" || fail "the log does not say it loudly"
grep -q "THE POLICY FILE IS INVALID" <<<"$(lab_ctl events)" || fail "events do not record it"
grep -qx 'failoverd_policy_fallback{reason="invalid"} 1' <<<"$(lab_ctl metrics)" || fail "metrics do not show the fallback"
wait_until 10 reachable
ok "the peer reaches SSH on eth0"

# 3. -----------------------------------------------------------------------------------------
expect_rc 1 "systemctl reload (ExecReload) of the broken file" exec_reload
assert_match "policy.toml:[0-9]+:[0-9]+: .*policy refused" "$ERR" "with the reasons on stderr"
: >"$T/policy.toml"
expect_rc 1 "failoverctl reload of an emptied policy file" lab_ctl reload
assert_match "the policy has no \[\[bridge\]\]" "$ERR" "refused with the reason"
expect_rc 1 "systemctl reload (ExecReload) of the emptied file" exec_reload
lines=$(wc -l <"$LAB_DAEMON_LOG")
kill -HUP "$(lab_daemon_main_pid)"
wait_until 5 bash -c "tail -n +$((lines + 1)) '$LAB_DAEMON_LOG' | grep -q 'reload refused'"
ok "a SIGHUP of the emptied file is refused too (the log says why)"
[[ -n "$(lab_ports_of server eth0)" ]] || fail "eth0 lost its port"
assert_cmd "eth0 stays, and the peer reaches SSH" reachable

# 4. -----------------------------------------------------------------------------------------
write_policy lan 192.0.2.19/24
expect_rc 0 "systemctl reload (ExecReload) of the fixed file" exec_reload
assert_eq file "$(policy_field running)" "status: the file runs again"
assert_eq null "$(policy_field fallback)" "no fallback"
assert_match "192.0.2.19/24" "$(jq -r .policy "$T/state/last-good.json")" "the reloaded policy is the last good one"
wait_until 5 lab_ping_ok peer 192.0.2.19
lab_daemon_stop
read -r lost sent <<<"$(lab_stream_stop s)"
echo "# echo stream through phases 2-4 (two daemon runs, refused reloads): $lost of $sent lost"
((sent >= 40)) || fail "the stream sent only $sent requests"
assert_eq 0 "$lost" "echo requests lost while the broken policy was started, refused and fixed"

# 5. -----------------------------------------------------------------------------------------
write_policy isolated 192.0.2.19/24
t0=$(now_ms)
lab_daemon_start server "$T/policy.toml"
assert_match "^[0-9]" "$(lab_status_json | jq -r '.policy.pending_start.seconds_left')" "the changed policy runs under a confirm window"
assert_not_cmd "the wrong policy cuts the peer off" lab_ping_ok peer 192.0.2.9
wait_until 15 reachable
t1=$(now_ms)
ok "the last good policy came back by itself: the peer reaches SSH again $((t1 - t0)) ms after the start (window 3 s)"
assert_eq unconfirmed "$(policy_field fallback)" "status: the file was not confirmed"
grep -q "was not confirmed in time: back to the last good policy" <<<"$(lab_ctl events)" || fail "events do not record the way back"
lab_daemon_stop
lab_daemon_start server "$T/policy.toml"
assert_cmd "the next start runs the last good policy directly" reachable
assert_eq unconfirmed "$(policy_field fallback)" "and says why"
assert_eq null "$(lab_status_json | jq -r '.policy.pending_start')" "with no window"
lab_daemon_stop
