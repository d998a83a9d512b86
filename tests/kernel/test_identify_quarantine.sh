#!/usr/bin/env bash
# A NIC on an unknown network (issue 3, section 5): a NIC preferred by eth0 is cabled to
# a third switch whose LLDP agent is "other-sw" and whose only host is 203.0.113.5. Its
# LLDP contradicts both bridges' identify keys, so it is quarantined: role quarantined,
# network "unknown", not enslaved. From that cable, arping and ping of every server
# address (also sent straight to the server's MACs), an IPv6 neighbour solicitation and
# a ping of all nodes get no answer, the server's ICMP counters do not move, and the
# switch sees nothing from the server but its cable probes. The same probes from the
# lan gateway do reach eth0 (through the second NIC, on the real lan): the checks can fail.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init idquar
lab_require_daemon
lab_require tcpdump arping ndisc6

P=02:00:00:33                # this test's MAC prefix
m_unk=$P:00:01               # eth0's first choice, cabled to the unknown switch
m_lan=$P:00:02               # eth0's second choice, on the lan
m_wan=$P:00:03               # eth1's, on the wan
unk_host_mac=$P:0b:03

lab_ns server
S=$LAB_NS
lab_identify_lan "$P"
lab_identify_wan "$P"
lab_switch unknown
lab_lldpd unknown other-sw "$P:0a:03"
lab_host unknown unkhost 203.0.113.5/24
U=$LAB_NS
ip -n "$U" link set net0 address "$unk_host_mac"
# Every server address is on the unknown host's link (so it asks for them there).
ip -n "$U" route add 192.0.2.0/24 dev net0
ip -n "$U" route add 198.51.100.0/24 dev net0
lab_nic server ens1 "$m_unk" unknown
lab_nic server ens2 "$m_lan" lan
lab_nic server ens3 "$m_wan" wan
lab_capture unknown cap-unknown
lab_identify_policy "$T/policy.toml" "ports = [{ mac = \"$m_unk\" }, { mac = \"$m_lan\" }]" "ports = [{ mac = \"$m_wan\" }]"

lab_daemon_start server "$T/policy.toml"
n_unk=$(lab_nic_name server "$m_unk")
n_lan=$(lab_nic_name server "$m_lan")
n_wan=$(lab_nic_name server "$m_wan")
assert_match '^hweth[0-9]+$' "$n_unk" "NIC on the unknown network named"

wait_until 15 lab_nic_field_is "$n_unk" .role quarantined
ok "$n_unk is quarantined"
assert_eq unknown "$(lab_nic_field "$n_unk" .network)" "status: $n_unk network"
assert_eq null "$(lab_nic_field "$n_unk" .bridge)" "status: $n_unk serves no bridge"
assert_eq other-sw "$(lab_nic_field "$n_unk" .seen.lldp.system_name)" "status: $n_unk sees LLDP system other-sw"
assert_match 'quarantined' "$(lab_nic_field "$n_unk" .reason)" "status: $n_unk's reason"
assert_match "$n_unk: .*quarantined" "$(lab_ctl events | grep -m 1 "$n_unk: .*quarantined")" "events: $n_unk quarantined"
assert_eq 1 "$(lab_ctl metrics | awk '$1 == "failoverd_quarantines_total" { print $2 }')" "metrics: failoverd_quarantines_total counts it"
assert_match 'unknown' "$(lab_ctl probe "$n_unk")" "failoverctl probe $n_unk"
wait_until 15 lab_active_is eth0 "$n_lan"
wait_until 15 lab_active_is eth1 "$n_wan"
ok "eth0 active $n_lan (its second choice), eth1 active $n_wan"
for br in eth0 eth1; do
  assert_eq "" "$(lab_ports_of server "$br" | grep -x "$n_unk" || true)" "$n_unk is not a port of $br"
done
assert_eq "" "$(ip -n "$S" -j link show dev "$n_unk" | jq -r '.[0].master // ""')" "$n_unk has no master"
echo "# $n_unk: probing -> quarantined in $(lab_log_ms "$LAB_DAEMON_LOG" "$n_unk: probing its cable" "$n_unk: .*quarantined") ms"

bridge_mac() { lab_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .mac'; }
br0_mac=$(bridge_mac eth0)
br1_mac=$(bridge_mac eth1)
nic_mac=$(lab_nic_field "$n_unk" .mac)
assert_eq "$m_unk" "$nic_mac" "$n_unk's MAC"

# The server's ICMP echo request counters (IPv4, IPv6). Nothing but the probes below
# pings the server while they run.
server_counters() {
  ip netns exec "$S" awk '$1 == "Icmp:" && !seen { seen = 1; split($0, head); next }
    $1 == "Icmp:" { for (i = 2; i <= NF; i++) if (head[i] == "InEchos") print "IcmpInEchos", $i }' /proc/net/snmp
  ip netns exec "$S" awk '$1 == "Icmp6InEchos" { print $1, $2 }' /proc/net/snmp6
}
# Everything that reaches the server's bridges, and the lan and wan switches, from now on.
lab_capture server cap-eth0 eth0
lab_capture server cap-eth1 eth1
lab_capture lan cap-lan
lab_capture wan cap-wan

# The probes from HOST (a lab namespace with net0): ARP and ping of every server address,
# ping again with the address mapped straight to each of the server's MACs, a neighbour
# solicitation for 2001:db8:1::9 and a ping of all nodes. Prints one line per probe,
# "answered PROBE" or "silent PROBE". The two addresses and IPv6 are probed in parallel.
probe_address() {  # NS ADDR MAC...
  local ns=$1 addr=$2 mac; shift 2
  if ip netns exec "$ns" arping -q -i net0 -c 2 -W 0.2 -w 1 "$addr" >/dev/null 2>&1; then
    echo "answered arping $addr"; else echo "silent arping $addr"; fi
  if ip netns exec "$ns" ping -n -q -c 3 -i 0.2 -w 1 "$addr" >/dev/null 2>&1; then
    echo "answered ping $addr"; else echo "silent ping $addr"; fi
  for mac in "$@"; do
    ip -n "$ns" neigh replace "$addr" lladdr "$mac" dev net0 nud permanent
    if ip netns exec "$ns" ping -n -q -c 3 -i 0.2 -w 1 "$addr" >/dev/null 2>&1; then
      echo "answered ping $addr at $mac"; else echo "silent ping $addr at $mac"; fi
    ip -n "$ns" neigh del "$addr" dev net0
  done
}
probe_ipv6() {  # NS
  local ns=$1 own
  if ip netns exec "$ns" ndisc6 -1 -q -r 2 -w 300 2001:db8:1::9 net0 >/dev/null 2>&1; then
    echo "answered ndisc6 2001:db8:1::9"; else echo "silent ndisc6 2001:db8:1::9"; fi
  # All nodes answer, the host itself too: any other answer is from the server.
  own=$(ip -n "$ns" -j -6 addr show dev net0 scope link | jq -r '.[0].addr_info[0].local')
  if ip netns exec "$ns" ping -n -c 3 -i 0.2 -w 1 ff02::1%net0 2>/dev/null |
    grep 'bytes from' | grep -vqF "from $own"; then
    echo "answered ping ff02::1"; else echo "silent ping ff02::1"; fi
}
probe_server_from() {  # HOST MAC...
  local ns; ns=$(lab_nsname "$1"); shift
  probe_address "$ns" 192.0.2.9 "$@" >"$T/probe.1" &
  local p1=$!
  probe_address "$ns" 198.51.100.9 "$@" >"$T/probe.2" &
  local p2=$!
  probe_ipv6 "$ns" >"$T/probe.3"
  wait "$p1" "$p2"
  cat "$T/probe.1" "$T/probe.2" "$T/probe.3"
}

# --- from the unknown network: nothing answers ---------------------------------------------
wait_until 10 lab_link_local_ready unkhost
before=$(server_counters | paste -sd " ")
probe_server_from unkhost "$nic_mac" "$br0_mac" "$br1_mac" >"$T/probes-unknown.txt"
after=$(server_counters | paste -sd " ")
while read -r verdict probe; do
  [[ "$verdict" == silent ]] || fail "from the unknown network: $probe got an answer"
  ok "from the unknown network: $probe: no answer"
done <"$T/probes-unknown.txt"
assert_eq 12 "$(wc -l <"$T/probes-unknown.txt")" "from the unknown network: all probes ran"
assert_eq "$before" "$after" "the server's ICMP echo counters did not move"
assert_eq quarantined "$(lab_nic_field "$n_unk" .role)" "$n_unk still quarantined after the probes"
lab_capture_stop cap-unknown
# Nothing of the unknown network got into the server's bridges or through them.
of_unknown="ether host $unk_host_mac or net 203.0.113.0/24"
for cap in cap-eth0 cap-eth1 cap-lan cap-wan; do
  assert_eq "" "$(lab_capture_lines "$cap" "$of_unknown" | head -n 10)" "$cap: no frame of the unknown network"
done
# Nothing from the server on that cable but its probes: ARP probes (sender 0.0.0.0) and
# router solicitations. The capture did see those, and the host's probes.
from_server="ether src $nic_mac or ether src $br0_mac or ether src $br1_mac"
not_probes="not (arp and arp[14:4] = 0) and not (icmp6 and ip6[40] = 133)"
assert_eq "" "$(lab_capture_lines cap-unknown "($from_server) and $not_probes" | head -n 10)" \
  "the unknown switch saw nothing from the server but cable probes"
probes_seen=$(lab_capture_count cap-unknown "ether src $nic_mac and arp and arp[14:4] = 0")
((probes_seen > 0)) || fail "the unknown switch's capture holds none of $n_unk's ARP probes"
host_seen=$(lab_capture_count cap-unknown "ether src $unk_host_mac and (arp or icmp or icmp6)")
((host_seen > 10)) || fail "the unknown switch's capture holds only $host_seen of the host's probes"
ok "the capture holds $probes_seen ARP probes from $n_unk and $host_seen probes from the host"

# --- the same probes from the lan reach eth0 ----------------------------------------------
wait_until 10 lab_link_local_ready langw
wait_until 10 lab_ping_ok langw 192.0.2.9
before=$(server_counters | paste -sd " ")
probe_server_from langw "$br0_mac" >"$T/probes-lan.txt"
after=$(server_counters | paste -sd " ")
for probe in "arping 192.0.2.9" "ping 192.0.2.9" "ping 192.0.2.9 at $br0_mac" "ndisc6 2001:db8:1::9" "ping ff02::1"; do
  assert_cmd "from the lan: $probe: answered" grep -qxF "answered $probe" "$T/probes-lan.txt"
done
assert_ne "$before" "$after" "from the lan: the server's ICMP echo counters moved (before: $before)"
lab_daemon_stop
for cap in cap-eth0 cap-eth1 cap-lan cap-wan; do lab_capture_stop "$cap"; done
# The captures on eth0 and the lan switch saw the lan gateway's probes.
for cap in cap-eth0 cap-lan; do
  n=$(lab_capture_count "$cap" "ether src $P:0b:01 and (arp or icmp or icmp6)")
  ((n > 10)) || fail "$cap holds only $n of the lan gateway's probes"
  ok "$cap holds $n of the lan gateway's probes"
done
