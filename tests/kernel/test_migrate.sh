#!/usr/bin/env bash
# Converting a live server onto the scheme (issue 7: `failoverd --migrate`), with an
# administrator's SSH session open the whole time: dropbear on the server's addressed
# veth NIC `eth0`, dbclient on a peer printing a line every 100 ms.
#  0. --dry-run (with and without --migrate) shows the conversion (MAC kept, addresses
#     and routes that move, the window) and the refusals with a start's exit status;
#  1. refusals change nothing: an address with a lease lifetime (a DHCP client's), and a
#     policy that would give the bridge another MAC than the NIC's;
#  2. migrate, not confirmed: eth0 becomes a bridge with the NIC's MAC, addresses and
#     routes; at the deadline the host is put back exactly (links, ports, addresses,
#     routes, `nft list ruleset`, the NIC's sysctls) and failoverd exits 4; the session
#     never drops. A plain restart then refuses to convert again by itself;
#  3. kill -9 inside the window: the next start puts the host back;
#  4. migrate and confirm: the conversion stays (bridge eth0 with the NIC's MAC and the
#     server's addresses, the NIC its active port); the session never drops, and a new
#     SSH login works through the bridge.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
source "$(dirname "$0")/../lab/ssh.sh"
source "$(dirname "$0")/../lab/host_state.sh"
lab_init migrate
lab_require_daemon
lab_require nft jq dropbear dbclient

m1=02:00:00:00:0e:01   # the server's NIC, named eth0, addressed
m2=02:00:00:00:0e:02   # a second NIC on the same switch: the standby after the conversion
lab_ns server
S=$(lab_nsname server)
lab_switch a
lab_nic server eth0 "$m1" a
lab_nic server ens2 "$m2" a
lab_host a gw 192.0.2.1/24 2001:db8:1::1/64
lab_host a admin 192.0.2.2/24

# The server as a live host configures it: static addresses, a default route and one
# more route, ARP and IPv6 settings of its own, and a firewall table of the admin's.
ip -n "$S" addr add 192.0.2.10/24 brd + dev eth0
ip -n "$S" addr add 2001:db8:1::10/64 dev eth0 nodad
ip -n "$S" link set eth0 up
ip -n "$S" route add default via 192.0.2.1 dev eth0
ip -n "$S" route add 203.0.113.0/24 via 192.0.2.1 dev eth0 metric 50
ip -n "$S" -6 route add default via 2001:db8:1::1 dev eth0
ip netns exec "$S" nft add table inet admin
ip netns exec "$S" nft add chain inet admin input '{ type filter hook input priority 10; policy accept; }'
ip netns exec "$S" nft add rule inet admin input tcp dport 2222 drop

lab_sshd server 192.0.2.10
STREAM="$T/session.txt"
lab_ssh_stream admin 192.0.2.10 "$STREAM"
lab_ssh_wait_lines "$STREAM" 10 15
SESSION_FROM=$(lab_now_ms)

# Everything compared before and after: lab_host_state, plus the NIC's address flags
# (broadcast, label, lifetimes) and the sysctls failoverd changes on a NIC.
snapshot() {  # OUTFILE
  lab_host_state server "$1"
  {
    echo "# eth0 addresses in detail"
    ip -n "$S" addr show dev eth0 2>/dev/null | grep -E 'inet6? ' | grep -v fe80:: | sed -E 's/ +$//'
    echo "# eth0 sysctls"
    for f in ipv4/conf/eth0/arp_ignore ipv4/conf/eth0/arp_announce ipv4/conf/eth0/rp_filter \
      ipv6/conf/eth0/disable_ipv6 ipv6/conf/eth0/accept_ra; do
      echo "$f=$(ip netns exec "$S" cat /proc/sys/net/$f 2>/dev/null || echo -)"
    done
  } >>"$1"
}
# Odd values, so a rollback that wrote defaults instead of the recorded ones would show.
ip netns exec "$S" sysctl -qw net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.rp_filter=2 \
  net.ipv6.conf.eth0.accept_ra=2
snapshot "$T/before.txt"

eth0_kind() { ip -n "$S" -d -j link show eth0 2>/dev/null | jq -r '.[0].linkinfo.info_kind // "none"'; }
eth0_is_bridge() { [[ "$(eth0_kind)" == bridge ]]; }
same_as_before() {  # LABEL
  snapshot "$T/after-$1.txt"
  if ! diff -u "$T/before.txt" "$T/after-$1.txt"; then
    fail "$1: the host is not as it was (diff above)"
  fi
  ok "$1: links, ports, addresses, routes, nft ruleset and eth0's sysctls identical to before"
}
session_ok() {  # LABEL
  lab_ssh_check "$STREAM" "$SESSION_FROM" "$(lab_now_ms)" 3000 || fail "$1: the SSH session broke"
  ok "$1: SSH session alive since the start, largest gap ${LAB_SSH_GAP_MS} ms over ${LAB_SSH_LINES} lines"
}

write_policy() {  # FILE MAC_RULE
  lab_policy "$1" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
mac = "$2"
address = ["192.0.2.10/24", "2001:db8:1::10/64"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]
EOF2
}
write_policy "$T/policy.toml" inherit
write_policy "$T/stable.toml" stable

# ---------------------------------------------------------------------------------------
# 0. --dry-run shows the conversion a start would make, and the refusals, changing nothing.
lab_failoverd_exits server 0 "$T/dry.log" "$T/policy.toml" --dry-run --migrate --confirm 300
cat "$T/dry.log"
assert_cmd "--dry-run --migrate shows the conversion, the MAC kept and the addresses that move" grep -Eq \
  "^convert: eth0 becomes a bridge named eth0 .* keeps MAC $m1; 192.0.2.10/24, 2001:db8:1::10/64 move" "$T/dry.log"
assert_cmd "... and the routes" grep -q "^convert: eth0: route 203.0.113.0/24 via 192.0.2.1 moves to the bridge" "$T/dry.log"
assert_cmd "... under the window asked for" grep -q "confirm window of 300 s" "$T/dry.log"
assert_cmd "... then the plan, the bridge with the NIC's MAC" grep -q "^eth0: create bridge, mac $m1" "$T/dry.log"
lab_failoverd_exits server 4 "$T/dry-mac.log" "$T/stable.toml" --dry-run
assert_cmd "--dry-run shows the refusal of a policy that changes the MAC, exit 4 like a start" \
  grep -q "^a start would refuse to convert this host" "$T/dry-mac.log"
assert_cmd "... and why" grep -Eq "would get MAC .* not the NIC's $m1" "$T/dry-mac.log"
same_as_before dry-run

# 1. Refusals: nothing changes.
lab_failoverd_exits server 4 "$T/refuse-mac.log" "$T/stable.toml" --migrate
assert_match "would get MAC .* not the NIC's $m1" "$(cat "$T/refuse-mac.log")" "mac = stable refused"
ip -n "$S" addr add 192.0.2.77/24 dev eth0 valid_lft 300 preferred_lft 300
lab_failoverd_exits server 4 "$T/refuse-lease.log" "$T/policy.toml" --migrate
assert_match "192.0.2.77/24 has a lease lifetime" "$(cat "$T/refuse-lease.log")" "a DHCP-leased address refused"
lab_failoverd_exits server 4 "$T/dry-lease.log" "$T/policy.toml" --dry-run
assert_match "192.0.2.77/24 has a lease lifetime" "$(cat "$T/dry-lease.log")" "--dry-run shows the leased address's refusal"
ip -n "$S" addr del 192.0.2.77/24 dev eth0
same_as_before refusals
session_ok refusals

# ---------------------------------------------------------------------------------------
# 2. Migrate, do not confirm.
started=$(lab_now_ms)
lab_daemon_start server "$T/policy.toml" --migrate --confirm 6
assert_cmd "eth0 is a bridge" eth0_is_bridge
assert_eq "$m1" "$(ip -n "$S" -j link show eth0 | jq -r '.[0].address')" "bridge eth0 has the NIC's MAC"
hw=$(lab_nic_name server "$m1")
assert_match '^hweth[0-9]+$' "$hw" "the NIC is now $hw"
assert_eq eth0 "$(ip -n "$S" -j link show "$hw" | jq -r '.[0].master')" "$hw is a port of eth0"
assert_match "192.0.2.10/24" "$(ip -n "$S" addr show dev eth0)" "the address is on the bridge"
assert_match "2001:db8:1::10/64" "$(ip -n "$S" addr show dev eth0)" "the IPv6 address is on the bridge"
assert_match "203.0.113.0/24 via 192.0.2.1 dev eth0 .*metric 50" "$(ip -n "$S" route)" "the NIC's route moved to the bridge"
assert_match "default via 2001:db8:1::1 dev eth0" "$(ip -n "$S" -6 route)" "the IPv6 default route moved"
assert_eq "" "$(ip -n "$S" addr show dev "$hw" | grep -E 'inet6? ' || true)" "the NIC holds no address"
pending=$(lab_status_json | jq -r '.pending_migration.bridges[0]')
assert_eq eth0 "$pending" "status shows the pending conversion"
lab_in admin ping -c 1 -W 2 192.0.2.10 >/dev/null || fail "the server does not answer ping through the bridge"
ok "converted; the server answers through the bridge"
lab_daemon_wait_exit 20
assert_eq 4 "$LAB_DAEMON_RC" "failoverd exits 4 after rolling back"
rolled=$(grep -oE 'rolled back in [0-9]+ ms' "$LAB_DAEMON_LOG" | grep -oE '[0-9]+' || true)
[[ -n "$rolled" ]] || fail "no 'rolled back in N ms' in the log"
echo "# measured: migration rollback (kernel changes) ${rolled} ms; conversion to exit $(( $(lab_now_ms) - started )) ms"
same_as_before not-confirmed
session_ok not-confirmed
assert_eq null "$(jq -c --arg m "$m1" '.nics[$m].name' "$T/state/state.json")" \
  "state.json no longer names the NIC (the udev rule would not rename it at the next boot)"
assert_eq object "$(jq -r '.migration_declined | type' "$T/state/state.json")" "state.json records the declined conversion"

# A plain start does not convert again by itself.
lab_failoverd_exits server 4 "$T/declined.log" "$T/policy.toml"
assert_match "was rolled back at .* does not convert it again by itself" "$(cat "$T/declined.log")" \
  "a restart after a rollback refuses to convert by itself"
same_as_before declined

# ---------------------------------------------------------------------------------------
# 3. kill -9 inside the window: the next start rolls back.
lab_daemon_start server "$T/policy.toml" --migrate --confirm 120
assert_cmd "eth0 is a bridge" eth0_is_bridge
kill -9 "$(lab_daemon_main_pid)"
lab_daemon_wait_exit 10
assert_eq bridge "$(eth0_kind)" "after kill -9 the conversion is still in place"
lab_failoverd_exits server 4 "$T/leftover.log" "$T/policy.toml"
assert_match "rolled back: the host is as it was" "$(cat "$T/leftover.log")" "the next start rolled the conversion back"
same_as_before killed
session_ok killed

# ---------------------------------------------------------------------------------------
# 4. Migrate and confirm.
lab_daemon_start server "$T/policy.toml" --migrate --confirm 120
assert_cmd "eth0 is a bridge" eth0_is_bridge
msg=$(lab_ctl confirm)
assert_match "conversion of eth0 confirmed" "$msg" "confirm"
assert_eq null "$(lab_status_json | jq -c '.pending_migration')" "nothing pending after confirm"
hw=$(lab_nic_name server "$m1")
active_is() { [[ "$(lab_json_active eth0)" == "$1" ]]; }
wait_until 10 active_is "$hw"
ok "$hw is eth0's active port"
assert_eq "$m1" "$(ip -n "$S" -j link show eth0 | jq -r '.[0].address')" "eth0 keeps the NIC's MAC"
assert_match "192.0.2.10/24" "$(ip -n "$S" addr show dev eth0)" "eth0 keeps the server's address"
STREAM2="$T/session2.txt"
lab_ssh_stream admin 192.0.2.10 "$STREAM2"
lab_ssh_wait_lines "$STREAM2" 5 15
ok "a new SSH login works through the bridge"
lab_ssh_stop "$STREAM2"
session_ok confirmed
lab_daemon_stop
assert_cmd "the bridge stays after the daemon stops" eth0_is_bridge
session_ok stopped
echo "PASS"
