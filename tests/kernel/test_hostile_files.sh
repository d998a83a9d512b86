#!/usr/bin/env bash
# Files cannot make the daemon wait or run out of memory (issue 15): only regular files
# are read, and only up to a size limit.
#  1. A FIFO in place of state.json at start: the daemon starts (it warns) and serves.
#  2. `failoverctl apply FIFO` (nobody ever writes to it) and `apply /dev/zero`: refused at
#     once, with the reason; so is a policy file of 2 MiB. The daemon is capped at 1 GiB
#     of address space (prlimit), so a runaway read could not take the machine down.
#  3. The policy file replaced by a FIFO, then `reload`: refused at once.
#  4. A cable cut after all that: the standby takes over.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init hostfile
lab_require_daemon
lab_require prlimit

m1=02:00:00:00:58:01
m2=02:00:00:00:58:02
lab_eth0_pair "$m1" "$m2"
mkfifo "$T/state/state.json"
# ASan reserves far more address space than it uses; the cap only applies to a build
# without it (the test command's build is sanitized, the lab's is not).
# (ldd's output goes to a variable first: with pipefail, `ldd | grep -q` fails whenever grep
# exits before ldd has written everything.)
libs=$(ldd "$FAILOVERD_BIN")
if grep -q libasan <<<"$libs"; then
  cap=()
else
  cap=(prlimit --as=1073741824)
fi
LAB_DAEMON_WRAPPER=("${cap[@]}")

# 1. -----------------------------------------------------------------------------------------
lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
wait_until 10 lab_active_is eth0 "$n1"
ok "with a FIFO for state.json the daemon started and serves eth0 ($n1)"
grep -q "state.json: is a FIFO" "$LAB_DAEMON_LOG" || fail "the log does not say what is wrong with state.json"
ok "the log says state.json is a FIFO"

# 2. -----------------------------------------------------------------------------------------
mkfifo "$T/never.toml"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(now_ms)
expect_rc 1 "apply of a FIFO" lab_ctl apply "$T/never.toml"
assert_match "is a FIFO, not a regular file" "$ERR" "refused because it is a FIFO"
echo "# apply of a FIFO answered in $(($(now_ms) - t0)) ms"
expect_rc 1 "apply of /dev/zero" lab_ctl apply /dev/zero
assert_match "is a character device, not a regular file" "$ERR" "refused because it is a device"
{ cat "$T/policy.toml"; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' '#'; } >"$T/huge.toml"
expect_rc 1 "apply of a 2 MiB policy" lab_ctl apply "$T/huge.toml"
assert_match "larger than 1024 KiB" "$ERR" "refused because it is too large"

# 3. -----------------------------------------------------------------------------------------
mv "$T/policy.toml" "$T/policy.saved"
mkfifo "$T/policy.toml"
expect_rc 1 "reload of a FIFO policy file" lab_ctl reload
assert_match "is a FIFO, not a regular file" "$ERR" "refused because it is a FIFO"
rm "$T/policy.toml"
mv "$T/policy.saved" "$T/policy.toml"

# 4. -----------------------------------------------------------------------------------------
lab_cable_cut "$m1"
wait_until 10 lab_active_is eth0 "$n2"
ok "the standby took over: eth0 active $n2"
lab_daemon_stop
