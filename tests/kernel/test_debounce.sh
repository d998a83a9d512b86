#!/usr/bin/env bash
# hold_down_ms and up_delay_ms on real links (issue 15's safety net; the unit tests
# check them under a fake clock). With both at 1500 ms:
#  1. the active cable is cut: the active port keeps its job through the hold-down (it is
#     still active most of a second later), then the standby takes over;
#  2. with both cables cut, the first one comes back: it is not taken into service at
#     once (the dead port still holds the job most of a second later), but after the
#     up-delay.
# The times are printed, not asserted; the checks hold whatever the machine's load,
# since a busy machine can only make failoverd act later.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init debounce
lab_require_daemon

m1=02:00:00:00:56:01
m2=02:00:00:00:56:02
lab_eth0_pair "$m1" "$m2"
sed -i 's/^hold_down_ms = 0$/hold_down_ms = 1500/; s/^up_delay_ms = 0$/up_delay_ms = 1500/' "$T/policy.toml"
grep -q '^hold_down_ms = 1500$' "$T/policy.toml" && grep -q '^up_delay_ms = 1500$' "$T/policy.toml" ||
  fail "the policy does not set the delays"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Succeeds when `lab_json_active eth0` stays EXPECTED for SECONDS (polled every 50 ms).
stays() {  # SECONDS EXPECTED
  local limit; limit=$(lab_deadline_ns "$1")
  while (($(date +%s%N) < limit)); do
    [[ "$(lab_json_active eth0)" == "$2" ]] || return 1
    sleep 0.05
  done
}

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
n2=$(lab_nic_name server "$m2")
wait_until 15 lab_active_is eth0 "$n1"
ok "eth0 active $n1 (after the up-delay of a fresh start)"

# 1. -----------------------------------------------------------------------------------------
t0=$(now_ms)
lab_cable_cut "$m1"
wait_until 5 bash -c "! ip -n $(lab_nsname server) link show $n1 | grep -q LOWER_UP"
assert_cmd "through the hold-down $n1 keeps the job (still active 0.8 s after the cut)" stays 0.8 "$n1"
wait_until 10 lab_active_is eth0 "$n2"
echo "# hold-down: $n2 took over $(($(now_ms) - t0)) ms after the cut (hold_down_ms 1500)"

# 2. -----------------------------------------------------------------------------------------
lab_cable_cut "$m2"
wait_until 5 bash -c "! ip -n $(lab_nsname server) link show $n2 | grep -q LOWER_UP"
# With no usable NIC left, the dead port keeps the job (nothing better to give it to).
assert_cmd "with both cables cut, $n2 keeps the job" stays 2 "$n2"
t0=$(now_ms)
lab_cable_restore "$m1"
wait_until 5 lab_link_has_carrier server "$n1"
assert_cmd "within the up-delay $n1 is not taken ($n2 still active 0.8 s after $n1's carrier came back)" stays 0.8 "$n2"
wait_until 10 lab_active_is eth0 "$n1"
echo "# up-delay: $n1 taken $(($(now_ms) - t0)) ms after its cable came back (up_delay_ms 1500)"
lab_daemon_stop
