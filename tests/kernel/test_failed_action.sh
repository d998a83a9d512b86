#!/usr/bin/env bash
# A kernel change that fails is counted, reported and retried (issue 15's safety net):
# eth0's only NIC carries a macvlan (someone else's), so the kernel refuses to make it a
# bridge port (EBUSY: the macvlan holds its receive handler). failoverd logs the failure,
# counts it in failoverd_failed_actions_total and tries again with a growing delay; once
# the macvlan is gone the retry attaches the NIC and the peer reaches the bridge.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init failact
lab_require_daemon

m1=02:00:00:00:55:01
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_nic server ens1 "$m1" a
lab_host a peer 192.0.2.1/24
ip -n "$S" link add mv0 link ens1 type macvlan mode bridge
lab_policy "$T/policy.toml" <<EOF
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }]
EOF

failed_actions() { lab_ctl metrics | awk '$1 == "failoverd_failed_actions_total" { print $2 }'; }
some_failed() { (($(failed_actions) >= 1)); }
lab_daemon_start server "$T/policy.toml"
wait_until 10 some_failed
ok "the refused attach is counted: failoverd_failed_actions_total $(failed_actions)"
grep -qE "attach.*failed|failed.*attach" "$LAB_DAEMON_LOG" || fail "the log does not report the failed attach"
grep -q "trying again in" "$LAB_DAEMON_LOG" || fail "the log does not say it will try again"
ok "the log reports the failure and the retry"
[[ -z "$(lab_ports_of server eth0)" ]] || fail "eth0 has a port although the kernel refused it"

ip -n "$S" link del mv0
n1=$(lab_nic_name server "$m1")
wait_until 40 lab_active_is eth0 "$n1"
assert_eq "$n1" "$(lab_ports_of server eth0)" "once the macvlan is gone, a retry attaches $n1"
wait_until 10 lab_ping_ok peer 192.0.2.9
ok "the peer reaches eth0"
lab_daemon_stop
