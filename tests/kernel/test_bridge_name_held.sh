#!/usr/bin/env bash
# A bridge name a device failoverd does not manage holds (issue 16 point 6) — here a
# VM's tap called eth1:
#  - `failoverd --check` refuses the policy, at the bridge's line and column;
#  - a reload that adds eth1 is refused, and the running policy stays;
#  - a daemon started with it runs eth0 and shows eth1 as error with the reason, and
#    leaves the tap alone;
#  - once the tap is gone, eth1 is made.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init namehold
lab_require_daemon
lab_require jq

m1=02:00:00:00:0d:01
lab_eth0_pair "$m1" 02:00:00:00:0d:02
S=$(lab_nsname server)
ip -n "$S" tuntap add dev eth1 mode tap
tap_index=$(ip -n "$S" -j link show eth1 | jq -r '.[0].ifindex')

cp "$T/policy.toml" "$T/eth0.toml"
cat >>"$T/policy.toml" <<'EOF2'

[[bridge]]
name = "eth1"
zone = "lan"
address = ["198.51.100.9/24"]
EOF2
line=$(grep -n '^\[\[bridge\]\]' "$T/policy.toml" | tail -1 | cut -d: -f1)

# --check
expect_rc 2 "--check of a policy whose bridge eth1 a tap holds" \
  ip netns exec "$S" "$FAILOVERD_BIN" --policy "$T/policy.toml" --check
assert_match "policy.toml:$line:1: bridge name eth1 is held by a tun device failoverd does not manage" "$ERR" \
  "--check says where and why"

# reload
lab_daemon_start server "$T/eth0.toml"
wait_until 10 lab_active_is eth0 "$(lab_nic_name server "$m1")"
cp "$T/policy.toml" "$T/eth0.toml"
expect_rc 1 "a reload adding eth1" lab_ctl reload
assert_match "bridge name eth1 is held by a tun device" "$ERR$OUT" "the reload says why"
assert_eq null "$(lab_status_json | jq -c '.bridges[] | select(.name == "eth1")' | jq -sc '.[0]')" \
  "the running policy stays (no eth1)"
lab_daemon_stop

# start with it
lab_daemon_start server "$T/policy.toml"
wait_until 10 lab_active_is eth0 "$(lab_nic_name server "$m1")"
eth1_error() { lab_status_json | jq -r '.bridges[] | select(.name == "eth1") | .error // ""'; }
eth1_has_error() { [[ -n "$(eth1_error)" ]]; }
wait_until 10 eth1_has_error
assert_match "the name eth1 is held by a link failoverd does not manage" "$(eth1_error)" "status says why"
assert_eq "$tap_index" "$(ip -n "$S" -j link show eth1 | jq -r '.[0].ifindex')" "the tap is left alone"
assert_eq tun "$(ip -n "$S" -j -d link show eth1 | jq -r '.[0].linkinfo.info_kind')" "and is still a tap"

# the tap goes: eth1 is made
ip -n "$S" link del eth1
eth1_made() { [[ "$(ip -n "$S" -j -d link show eth1 2>/dev/null | jq -r '.[0].linkinfo.info_kind')" == bridge ]]; }
wait_until 15 eth1_made
ok "eth1 is made once the tap is gone"
lab_daemon_stop
