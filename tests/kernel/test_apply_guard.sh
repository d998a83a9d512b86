#!/usr/bin/env bash
# The guard of `apply` and `reload` (issue 7): a policy that would leave the bridge of the
# default route without a usable NIC, or firewall off the caller's own (SSH) session, is
# refused with the reason unless --force; a refusal changes nothing. A peer that is eth0's
# gateway pings the server every 20 ms throughout.
#  1. eth0's ports changed to a NIC that is not there (no spares): refused (default route, no
#     usable NIC);
#  2. eth0 deleted: refused;
#  3. from a session on eth1's address (SSH_CONNECTION): eth1's zone changed to "external"
#     (no SSH): refused, "firewall it off"; the zone stays;
#  4. the same with --force: applied, and the force is in events;
#  5. `reload` of a policy file that strands eth0: refused, the running policy stays;
#  6. `apply --confirm 3 --force` of the stranding policy: eth0 loses its port, and the
#     rollback brings it back by itself.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init applyguard
lab_require_daemon
lab_require stdbuf nft

m1=02:00:00:00:48:01   # eth0
m3=02:00:00:00:48:03   # eth1
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24
lab_host b peerb 198.51.100.1/24
unset SSH_CONNECTION

write_policy() {  # FILE ETH0_PORT ETH1_ZONE [with_eth0]
  {
    lab_policy_header
    if [[ "${4:-1}" == 1 ]]; then
      cat <<EOF2

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.10/24"]
gateway = "192.0.2.1"
spares = false
ports = [{ mac = "$2" }]
EOF2
    fi
    cat <<EOF2

[[bridge]]
name = "eth1"
zone = "$3"
address = ["198.51.100.10/24"]
ports = [{ mac = "$m3" }]
EOF2
  } >"$1"
}
write_policy "$T/policy.toml" "$m1" lan
write_policy "$T/lan.toml" "$m1" lan   # apply installs FILE as policy.toml: the way back
write_policy "$T/strand.toml" 02:00:00:00:48:99 lan
write_policy "$T/no-eth0.toml" "$m1" lan 0
write_policy "$T/external.toml" "$m1" external

now_s() { date +%s.%N; }
eth1_zone_has_ssh() { grep -q 'tcp dport 22 accept' <<<"$(ip netns exec "$S" nft list chain inet failoverd in_eth1)"; }
# eth1's zone chain exists and holds zone external's rules (ICMP, no SSH): a positive check,
# so that a missing chain cannot pass for "no SSH".
eth1_zone_is_external() {
  local chain
  chain=$(ip netns exec "$S" nft list chain inet failoverd in_eth1) || return 1
  grep -q 'meta l4proto icmp accept' <<<"$chain" && ! grep -q 'tcp dport 22' <<<"$chain"
}
eth0_has_port() { [[ -n "$(lab_json_active eth0)" ]]; }
eth0_without_port() { [[ -z "$(lab_json_active eth0)" ]]; }
stream_answered() { lab_ping_replies_after stream "$1" 5; }

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1")
wait_until 10 lab_active_is eth0 "$n1"
wait_until 10 lab_ping_ok peer 192.0.2.10
lab_bg stream lab_in peer stdbuf -oL ping -n -D -O -i 0.02 192.0.2.10
wait_until 10 stream_answered "$(now_s)"
ok "the gateway's 50/s echo stream to 192.0.2.10 is answered"
assert_cmd "eth1's zone lets SSH in" eth1_zone_has_ssh

# 1. ---------------------------------------------------------------------------------------
expect_rc 1 "apply of a policy leaving eth0 without a usable NIC refused" lab_ctl apply "$T/strand.toml"
assert_match 'eth0 carries the default route \(via 192\.0\.2\.1\) and would have no usable NIC' "$ERR" "the reason"
assert_match "failoverctl apply --force $T/strand.toml" "$ERR" "how to go ahead anyway"
assert_eq "$n1" "$(lab_json_active eth0)" "eth0 keeps its port"
write_policy "$T/expected.toml" "$m1" lan
cmp -s "$T/policy.toml" "$T/expected.toml" || fail "the policy file changed"
ok "the policy file is untouched"
wait_until 5 stream_answered "$(now_s)"
ok "traffic keeps flowing after the refusal"

# 2. ---------------------------------------------------------------------------------------
expect_rc 1 "apply of a policy deleting eth0 refused" lab_ctl apply "$T/no-eth0.toml"
assert_match 'eth0 carries the default route \(via 192\.0\.2\.1\) and the new policy deletes it' "$ERR" "the reason"

# 3. ---------------------------------------------------------------------------------------
session="198.51.100.1 40022 198.51.100.10 22"
expect_rc 1 "from a session on eth1: a zone without SSH refused" lab_ctl_in_session "$session" apply "$T/external.toml"
assert_match 'your session \(198\.51\.100\.10:22\) comes in through eth1, and the new policy would firewall it off: zone external accepts no new connection' "$ERR" "the reason"
assert_cmd "eth1's zone still lets SSH in" eth1_zone_has_ssh
# The same policy from no session (the console): nothing to protect, it applies.
expect_rc 0 "the same policy from the console (no session)" lab_ctl apply "$T/external.toml"
assert_cmd "eth1's zone is external" eth1_zone_is_external
expect_rc 0 "back to the first policy" lab_ctl apply "$T/lan.toml"
wait_until 10 eth1_zone_has_ssh

# 4. ---------------------------------------------------------------------------------------
expect_rc 0 "the same with --force" lab_ctl_in_session "$session" apply --force "$T/external.toml"
assert_cmd "eth1's zone is external now" eth1_zone_is_external
events=$(lab_ctl events)
assert_match 'forced although your session' "$(grep forced <<<"$events")" "events record the force"
expect_rc 0 "back to the first policy" lab_ctl_in_session "$session" apply "$T/lan.toml"
wait_until 10 eth1_zone_has_ssh

# 5. ---------------------------------------------------------------------------------------
cp "$T/strand.toml" "$T/policy.toml"
expect_rc 1 "reload of a stranding policy refused" lab_ctl reload
assert_match 'would have no usable NIC.*the running policy stays in force' "$ERR" "the reason"
assert_eq "$n1" "$(lab_json_active eth0)" "eth0 keeps its port"
cp "$T/lan.toml" "$T/policy.toml"

# 6. ---------------------------------------------------------------------------------------
expect_rc 0 "apply --confirm 3 --force of the stranding policy" lab_ctl apply --confirm 3 --force "$T/strand.toml"
wait_until 5 eth0_without_port
ok "eth0 has no port inside the window"
wait_until 15 eth0_has_port
assert_eq "$n1" "$(lab_json_active eth0)" "the rollback gave eth0 its NIC back"
wait_until 10 stream_answered "$(now_s)"
ok "the gateway's stream is answered again"
lab_daemon_stop
