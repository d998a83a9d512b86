#!/usr/bin/env bash
# A daemon restart adopts what exists without taking anything down (SPEC §4): every link
# keeps its name, master, flags and addresses, and `ip monitor link` running across the
# stop + start sees no link go down, lose carrier, leave its bridge, vanish or be renamed.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init noflap
lab_require_daemon
lab_require perl nft

m1=02:00:00:00:05:01
m2=02:00:00:00:05:02
m3=02:00:00:00:05:03
lab_ns server
lab_switch a
lab_switch b
lab_nic server ens1 "$m1" a
lab_nic server ens2 "$m2" a
lab_nic server ens3 "$m3" b
lab_host a peer 192.0.2.1/24
lab_host b wanpeer 198.51.100.1/24
S=$(lab_nsname server)

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$m1" }, { mac = "$m2" }]

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "$m3" }]

[[bridge]]
name = "vmbr0"
mode = "internal"
zone = "trusted"
EOF2

lab_daemon_start server "$T/policy.toml"
n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2"); n3=$(lab_nic_name server "$m3")
settled() {
  lab_active_is eth0 "$n1" && lab_active_is eth1 "$n3" &&
    [[ "$(lab_ports_of server eth0)" == "$n1" && "$(lab_ports_of server eth1)" == "$n3" ]] &&
    lab_link_has_carrier server "$n2" && lab_link_has_carrier server eth0 && lab_link_has_carrier server eth1
}
wait_until 10 settled
wait_until 10 lab_ping_ok peer 192.0.2.9
wait_until 10 lab_ping_ok wanpeer 198.51.100.9
ok "settled: eth0 <- $n1 (standby $n2), eth1 <- $n3, both networks answer"

addr_snapshot() {
  ip -n "$S" -j addr show | jq -S '[.[] | {ifname, addrs: ([.addr_info[] | "\(.local)/\(.prefixlen)"] | sort)}]'
}
fw_snapshot() {  # chains and zone map elements (structure, not handles or counters)
  { ip netns exec "$S" nft list table inet failoverd | grep -o "chain [^ ]*" | sort
    ip netns exec "$S" nft list map inet failoverd zone_input | grep -o '"[^"]*" : [a-z]* [^ ,}]*' | sort
    ip netns exec "$S" nft list map inet failoverd zone_forward | grep -o '"[^"]*" : [a-z]* [^ ,}]*' | sort
  }
}

# The monitor is listening once it reports a marker change made on lo (its MTU; lo is
# not checked below). Repeated until seen: the first may come before it subscribed.
monitor_saw_marker() {  # MTU
  ip -n "$S" link set lo mtu 65000
  ip -n "$S" link set lo mtu "$1"
  grep -q "lo: .* mtu $1 " "$T/monitor.out"
}
lab_bg monitor ip netns exec "$S" stdbuf -oL ip -ts monitor link
mon_pid=$LAB_BG_PID
wait_until 10 monitor_saw_marker 65001
lab_link_snapshot server >"$T/links.before"
addr_snapshot >"$T/addrs.before"
fw_snapshot >"$T/fw.before"
ok "recorded $(jq length "$T/links.before") links, monitor running"

lab_daemon_stop
lab_daemon_start server "$T/policy.toml"
wait_until 10 settled
lab_ping_ok peer 192.0.2.9 || fail "eth0 network does not answer after the restart"
lab_ping_ok wanpeer 198.51.100.9 || fail "eth1 network does not answer after the restart"
ok "after restart: same roles, both networks answer"
wait_until 10 monitor_saw_marker 65002
lab_bg_stop "$mon_pid" INT
ip -n "$S" link set lo mtu 65001

lab_link_snapshot server >"$T/links.after"
addr_snapshot >"$T/addrs.after"
fw_snapshot >"$T/fw.after"
diff -u "$T/links.before" "$T/links.after" >&2 || fail "links changed across the restart (diff above)"
ok "every link kept its name, master, flags, operstate, MAC and MTU"
diff -u "$T/addrs.before" "$T/addrs.after" >&2 || fail "addresses changed across the restart (diff above)"
ok "addresses unchanged"
diff -u "$T/fw.before" "$T/fw.after" >&2 || fail "firewall chains/zone maps changed across the restart (diff above)"
ok "firewall chains and zone maps unchanged"

# Every monitor line about a link that existed before: compare with the recorded state.
jq -r '.[] | [.ifindex, .ifname, (.master // "-"), (.flags | join(",")), .operstate] | @tsv' \
  "$T/links.before" >"$T/links.tsv"
perl "$LAB_REPO/tests/lab/link_flaps.pl" "$T/links.tsv" "$T/monitor.out" >"$T/flaps.txt" || { cat "$T/flaps.txt" >&2; fail "ip monitor saw links flap during the restart"; }
ok "ip monitor link across stop + start: no down, no carrier loss, no detach, no delete, no rename ($(tail -n 1 "$T/flaps.txt"))"
lab_daemon_stop
