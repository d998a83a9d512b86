#!/usr/bin/env bash
# state.json's lock cannot delay a failover (issue 15) and a change that cannot be
# saved is not lost (issue 16): another process holds state.lock (`flock state.lock
# sleep`); a new NIC is plugged in (its name is to be recorded), the administrator
# detaches a NIC, and the active cable is cut. The standby takes over at once; status,
# metrics and the detach's reply say state.json is not saved; once the lock is released
# the save goes through by itself and state.json holds the new NIC and the override.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init statelock
lab_require_daemon
lab_require flock python3

m1=02:00:00:00:59:01
m2=02:00:00:00:59:02
m3=02:00:00:00:59:03
m4=02:00:00:00:59:04
lab_eth0 "$m1" "$m2" "$m3"
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n3=$(lab_nic_name server "$m3")
wait_until 10 lab_active_is eth0 "$n1"

# (Held by one process of its own, so that stopping it releases the lock: `flock FILE
# sleep` would leave the lock with its child.)
lab_bg locker python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)' "$T/state/state.lock"
locker=$LAB_BG_PID
wait_until 5 grep -q held "$T/locker.out"
ok "another process holds state.lock"

lab_nic server ens4 "$m4" a
named() { [[ "$(lab_nic_name server "$m4")" == hweth* ]]; }
wait_until 10 named
ok "a NIC plugged in meanwhile is named $(lab_nic_name server "$m4") all the same"
expect_rc 0 "detach $n3 while state.lock is held" lab_ctl detach "$n3"
assert_match "NOT SAVED" "$OUT" "the reply says the override is not saved yet"

lab_cable_cut "$m1"
n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n2"
ok "the standby took over while state.lock was held: eth0 active $n2"
assert_eq false "$(lab_status_json | jq -r .state.saved)" "status: state.json not saved"
grep -q "^state: NOT SAVED" <<<"$(lab_ctl status)" || fail "failoverctl status does not say so"
grep -qx "failoverd_state_unsaved 1" <<<"$(lab_ctl metrics)" || fail "metrics do not say so"
ok "status and metrics say state.json is not saved"

lab_bg_stop "$locker"
saved() { [[ "$(lab_status_json | jq -r .state.saved)" == true ]]; }
wait_until 10 saved
ok "once the lock is released the save goes through by itself"
assert_eq "$(lab_nic_name server "$m4")" "$(jq -r --arg m "$m4" '.nics[$m].name' "$T/state/state.json")" "state.json holds the new NIC's name"
assert_eq '""' "$(jq -c --arg m "$m3" '.overrides.manual[$m]' "$T/state/state.json")" "state.json holds the detach"
lab_daemon_stop
