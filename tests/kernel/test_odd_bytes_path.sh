#!/usr/bin/env bash
# Issue 16, point 1: a policy file whose name is not UTF-8. `failoverctl apply FILE
# --confirm 30` used to answer "internal error" (a strict JSON dump of state.json
# threw), leave a half-made pending apply behind, and abort the daemon at its next
# save. Now the apply is a whole one: status shows it, the next saves work, confirm
# ends it, and the daemon lives on.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init oddbytes
lab_require_daemon

m1=02:00:00:00:30:01
m2=02:00:00:00:30:02
lab_eth0_pair "$m1" "$m2"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"

odd="$T/p"$'\xff'".toml"
cp "$T/policy.toml" "$odd"
out=$(lab_ctl apply "$odd" --confirm 30 2>&1) || fail "apply of a file named with a byte that is not UTF-8 failed: $out"
ok "apply --confirm 30 of a file whose name is not UTF-8: $(head -n 1 <<<"$out")"
lab_ctl --json status >"$T/status.json" || fail "failoverctl status failed"
assert_cmd "status shows the pending apply with its time left" \
  jq -e '.pending_apply.seconds_left > 0 and .pending_apply.seconds_left <= 30' "$T/status.json"

# A change that must be saved: the daemon saves state.json with the odd name in it.
lab_ctl detach "$n2" >/dev/null || fail "detach $n2 failed"
assert_cmd "the daemon lives on after the save" lab_daemon_alive
assert_cmd "state.json is valid JSON and keeps the pending apply" \
  jq -e '.pending_apply.file | endswith(".toml")' "$T/state/state.json"
out=$(lab_ctl confirm 2>&1) || fail "confirm failed: $out"
assert_match "confirmed" "$out" "confirm ends the apply"
lab_ctl --json status >"$T/status.json" || fail "failoverctl status failed"
assert_cmd "nothing pending any more" jq -e '.pending_apply == null' "$T/status.json"
lab_ctl auto "$n2" >/dev/null || fail "auto $n2 failed"
assert_cmd "the daemon lives on" lab_daemon_alive
lab_daemon_stop
echo PASS
