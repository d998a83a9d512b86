#!/usr/bin/env bash
# A real machine end to end (issue 6): a Debian 12 guest under QEMU with failoverd
# installed by `cmake --install`, four virtio-net PCI NICs on two switches, and the
# scenarios of a server nobody can walk up to, on two boots of one disk:
#
#   boot 1   the first boot: the udev rule names no NIC (failoverd has never started on
#            this host), failoverd names them hwethN itself when it starts; bridges and
#            zones before network-pre.target, and peers probing the guest from the first
#            instruction get no answer its zones do not allow
#   carrier  set_link off on eth0's active NIC: the standby takes over (outage measured)
#   replace  device_del of eth1's active card, device_add of a new card (new MAC): it is
#            named hweth4, identified on eth1's network and takes the dead card's place
#   cabling  eth0's standby cable moved to the wan switch: the NIC is identified on eth1's
#            network and serves eth1, never eth0
#   boot 2   powered off, one card removed and a new one added: every surviving card
#            keeps its name, the bridges keep their MACs and addresses; boot 1's checks
#            again, but now (failoverd enabled and started once) the udev rule names every
#            NIC hwethN during boot (no renameN) and failoverd renames none
#
# FOD_VM_BUILD_DIR: the configured and built tree whose `cmake --install` goes into the
# guest (the test command passes its own build). Prints "vm:" lines with the measured
# boot-to-READY and failover outage.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
lab_init vmguest
lab_require jq lldpd tcpdump ping
build=${FOD_VM_BUILD_DIR:?FOD_VM_BUILD_DIR must name a built tree to install into the guest}
PROBER="$VM_DIR/../kernel/port_prober.py"

P=02:00:00:61                       # the peers' MAC prefix
M1=52:54:00:fd:00:01 M2=52:54:00:fd:00:02   # eth0's ports (policy.toml), on the lan switch
M3=52:54:00:fd:00:03 M4=52:54:00:fd:00:04   # eth1's ports, on the wan switch
M9=52:54:00:fd:00:09                # the replacement card (in no ports list)
M5=52:54:00:fd:00:05                # the card added while powered off

lab_switch lan
lab_lldpd lan core-sw-1 "$P:0a:01"
lab_host lan langw 192.0.2.1/24 2001:db8:1::1/64
lab_switch wan
lab_lldpd wan edge-sw-1 "$P:0a:02"
lab_host wan wangw 198.51.100.1/24
vm_prepare "$build" "$VM_DIR/policy.toml"

# ---- helpers -------------------------------------------------------------------------

nic_field() {  # MAC JQ_PATH
  vm_status_json | jq -r --arg m "$1" ".nics[] | select(.perm_mac == \$m) | $2"
}
id_of_mac() {  # MAC -> QEMU device id
  local id
  for id in "${!VM_NIC_MAC[@]}"; do [[ ${VM_NIC_MAC[$id]} == "$1" ]] && { echo "$id"; return; }; done
  fail "no device has MAC $1"
}
mac_of_name() {  # guest NIC name -> MAC
  vm_status_json | jq -r --arg n "$1" '.nics[] | select(.name == $n) | .perm_mac'
}
standby_of() {  # BRIDGE -> the NIC of BRIDGE that is not active
  vm_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .active as $a | [.ports[] | select(.nic != $a) | .nic][0] // ""'
}
bridge_has_active() { [[ -n "$(vm_active_of "$1")" ]]; }
active_is_not() { local a; a=$(vm_active_of "$1"); [[ -n $a && $a != "$2" ]]; }
nic_network_is() { [[ "$(nic_field "$1" .network)" == "$2" ]]; }

# The longest time between two consecutive echo replies in ping stream NAME after unix time
# FROM - 1 s, in ms (the outage of a 10 ms stream across an event at FROM), and the
# number of requests never answered.
ping_outage() {  # NAME FROM
  awk -v from="$2" '/bytes from/ {
      ts = substr($1, 2, length($1) - 2) + 0; if (ts < from - 1) next
      match($0, /icmp_seq=[0-9]+/); seq = substr($0, RSTART + 9, RLENGTH - 9) + 0
      if (prev != "" && ts - prev > gap) gap = ts - prev
      if (lastseq != "" && seq > lastseq + 1) lost += seq - lastseq - 1
      prev = ts; lastseq = seq }
    END { printf "%.0f %d\n", gap * 1000, lost }' "$T/$1.out"
}

# Peers probing the guest's addresses from before QEMU starts: a TCP connect every 20 ms
# to each port (port_prober.py), and a ping every 50 ms.
start_boot_probes() {  # BOOT
  lab_capture lan "cap-lan-$1"
  lab_capture wan "cap-wan-$1"
  lab_bg "probe-lan-$1" lab_in langw python3 "$PROBER" probe --interval-ms 20 --timeout-ms 500 \
    192.0.2.9,2001:db8:1::9 22,80,8080
  PROBE_LAN_PID=$LAB_BG_PID
  lab_bg "probe-wan-$1" lab_in wangw python3 "$PROBER" probe --interval-ms 20 --timeout-ms 500 \
    198.51.100.9 22,80
  PROBE_WAN_PID=$LAB_BG_PID
}
lan_ssh_answered() { grep -q ' 192\.0\.2\.9 22 refused ' "$T/probe-lan-$1.out"; }

# Checks the probes of BOOT: thousands of attempts, from before the first instruction to
# after the guest answered its lan SSH port (allowed by zone lan: an RST, no sshd), and
# not one answer (SYN-ACK or RST) on a port the zones do not allow.
check_boot_probes() {  # BOOT
  local b=$1 lan wan
  wait_until 60 lan_ssh_answered "$b"
  lab_bg_stop "$PROBE_LAN_PID"
  lab_bg_stop "$PROBE_WAN_PID"
  # Allowed answers: lan (zone lan) SSH on both addresses; wan (zone external) none.
  lan=$(awk '$4 != 22 && ($5 == "open" || $5 == "refused") { bad++ } { n++ } END { print n + 0, bad + 0 }' "$T/probe-lan-$b.out")
  wan=$(awk '$5 == "open" || $5 == "refused" { bad++ } { n++ } END { print n + 0, bad + 0 }' "$T/probe-wan-$b.out")
  (( ${lan% *} >= 1000 && ${wan% *} >= 500 )) || fail "$b: too few probes to prove anything (lan ${lan% *}, wan ${wan% *})"
  [[ ${lan#* } == 0 ]] || fail "$b: the guest answered ${lan#* } lan probes on ports zone lan drops: $(grep -E ' (80|8080) (open|refused) ' "$T/probe-lan-$b.out" | head -n 3)"
  [[ ${wan#* } == 0 ]] || fail "$b: the guest answered ${wan#* } wan probes, zone external allows none: $(grep -E ' (open|refused) ' "$T/probe-wan-$b.out" | head -n 3)"
  ok "$b: ${lan% *} lan and ${wan% *} wan TCP probes from before the first instruction to full service: no answer the zones do not allow (lan SSH answered, as zone lan allows)"
  # The same from the switches, whatever the probers' timeouts: every TCP segment or ICMP
  # error the guest sent during the boot. Only lan SSH answers may be there.
  lab_capture_stop "cap-lan-$b"
  lab_capture_stop "cap-wan-$b"
  local guest_lan="(src host 192.0.2.9 or src host 2001:db8:1::9)" ssh bad_lan bad_wan
  ssh=$(lab_capture_count "cap-lan-$b" "$guest_lan and tcp src port 22")
  bad_lan=$(lab_capture_count "cap-lan-$b" "$guest_lan and ((tcp and not tcp src port 22) or icmp[icmptype] == icmp-unreach or (icmp6 and ip6[40] == 1))")
  bad_wan=$(lab_capture_count "cap-wan-$b" "src host 198.51.100.9 and (tcp or icmp[icmptype] == icmp-unreach)")
  ((ssh > 0)) || fail "$b: the lan capture holds no SSH answer from the guest: it proves nothing"
  ((bad_lan == 0 && bad_wan == 0)) ||
    fail "$b: the switches saw forbidden answers from the guest: $(lab_capture_lines "cap-lan-$b" "$guest_lan and tcp and not tcp src port 22" | head -n 2) $(lab_capture_lines "cap-wan-$b" "src host 198.51.100.9 and tcp" | head -n 2)"
  ok "$b: the switch captures hold $ssh lan SSH answers from the guest and no other TCP segment or ICMP error from it"
}

# failoverd never crashed or was restarted in this boot. The guest runs a build without
# sanitizers (build_tree.sh: LeakSanitizer cannot run under udevd's system call filter), so
# what is looked for is what systemd and libstdc++ say when a process dies: a main process
# that exited by a signal or dumped core, a failed result, an uncaught exception.
check_no_crash() {  # BOOT
  local restarts reports
  restarts=$(vm_run 'systemctl show -P NRestarts failoverd.service') || fail "$1: cannot ask systemd"
  reports=$(vm_run 'journalctl -b -u failoverd --no-pager -o cat | grep -cE "code=(killed|dumped)|Failed with result|terminate called|Segmentation fault|Aborted" || true')
  [[ $restarts == 0 && $reports == 0 ]] ||
    fail "$1: failoverd was restarted $restarts time(s); $reports crash line(s) in its journal: $(vm_run 'journalctl -b -u failoverd --no-pager -o cat | grep -E "code=(killed|dumped)|Failed with result|terminate called|Segmentation fault|Aborted" | head -n 3')"
  ok "$1: failoverd ran the whole boot without a restart or a crash"
}

# Names, ordering and firewall of the boot just finished. NAMER: who must have named the
# NICs: "failoverd" (first boot: the udev rule follows the service, which has never
# started) or "udev".
check_boot() {  # BOOT NAMER
  local b=$1 namer=$2 links odd n j
  links=$(vm_run 'ip -j -d link show') || fail "$b: ip link in the guest failed"
  n=$(jq '[.[] | select(.ifname != "lo" and (.linkinfo.info_kind // "") == "")] | length' <<<"$links")
  odd=$(jq -r '[.[] | select(.ifname != "lo" and (.linkinfo.info_kind // "") == "") | .ifname | select(test("^hweth[0-9]+$") | not)] | join(" ")' <<<"$links")
  [[ -z $odd ]] || fail "$b: NICs not named hwethN: $odd"
  ok "$b: all $n NICs are named hwethN, no renameN or kernel names left"
  j=$(vm_run 'dmesg; journalctl -b -u failoverd --no-pager -o cat') || fail "$b: cannot read the guest's logs"
  n=$(grep -cE 'hweth[0-9]+: renamed from eth[0-9]+' <<<"$j" || true)
  local by_failoverd
  by_failoverd=$(grep -cE 'renamed to hweth' <<<"$j" || true)
  if [[ $namer == udev ]]; then
    ((n >= 4)) || fail "$b: the kernel log shows $n udev renames to hwethN, expected every NIC's"
    ((by_failoverd == 0)) || fail "$b: failoverd renamed a NIC (udev should have): $(grep 'renamed to' <<<"$j" | head -n 2)"
    ok "$b: udev named every NIC hwethN while the guest booted (failoverd renamed none)"
  else
    ((n == 0)) || fail "$b: udev renamed $n NICs to hwethN although failoverd had never started on this host"
    ((by_failoverd >= 4)) || fail "$b: failoverd renamed $by_failoverd NICs, expected every NIC's"
    ok "$b: the udev rule named no NIC (failoverd never started here before); failoverd named all $by_failoverd"
  fi

  # The guest journal, in order: both bridges created (with their zones), READY, and only
  # then network-pre.target.
  j=$(vm_run 'journalctl -b -o short-monotonic --no-pager') || fail "$b: cannot read the guest journal"
  local l_eth0 l_eth1 l_ready l_pre
  l_eth0=$(grep -n 'eth0: bridge created' <<<"$j" | head -n 1 | cut -d: -f1)
  l_eth1=$(grep -n 'eth1: bridge created' <<<"$j" | head -n 1 | cut -d: -f1)
  l_ready=$(grep -n 'Started failoverd.service' <<<"$j" | head -n 1 | cut -d: -f1)
  l_pre=$(grep -nE 'Reached target network-pre.target' <<<"$j" | head -n 1 | cut -d: -f1)
  [[ -n $l_eth0 && -n $l_eth1 && -n $l_ready && -n $l_pre ]] ||
    fail "$b: journal lacks a line (eth0 created: '$l_eth0', eth1: '$l_eth1', failoverd started: '$l_ready', network-pre: '$l_pre')"
  ((l_eth0 < l_pre && l_eth1 < l_pre && l_ready < l_pre)) ||
    fail "$b: network-pre.target was reached before the bridges or READY: $(sed -n "${l_pre}p" <<<"$j")"
  at() { [[ -n $1 ]] && sed -n "${1}p" <<<"$j" | sed 's/^\[ *\([0-9.]*\)\].*/\1 s/' || echo "?"; }
  first() { grep -n "$1" <<<"$j" | head -n 1 | cut -d: -f1; }
  ok "$b: guest journal: eth0 created at $(at "$l_eth0"), eth1 at $(at "$l_eth1"), failoverd READY at $(at "$l_ready"), then network-pre.target at $(at "$l_pre")"
  echo "vm: $b journal: failoverd.service starting at $(at "$(first 'Starting failoverd.service')"), firewall installed at $(at "$(first 'firewall installed')"), READY at $(at "$l_ready")"
  local times ready_us pre_us
  times=$(vm_run 'for u in failoverd.service network-pre.target; do systemctl show -P ActiveEnterTimestampMonotonic $u; done')
  ready_us=$(sed -n 1p <<<"$times"); pre_us=$(sed -n 2p <<<"$times")
  ((ready_us > 0 && ready_us <= pre_us)) || fail "$b: failoverd READY at $ready_us us, network-pre.target at $pre_us us"
  vm_run 'm=$(nft list map inet failoverd zone_input) && grep -q "\"eth0\" : jump in_eth0" <<<"$m" && grep -q "\"eth1\" : jump in_eth1" <<<"$m"' >/dev/null ||
    fail "$b: the zones of eth0 and eth1 are not in the ruleset: $(vm_run 'nft list table inet failoverd' | head -n 20)"
  echo "vm: $b boot-to-READY $(awk -v u="$ready_us" 'BEGIN { printf "%.2f", u / 1e6 }') s after the kernel started (guest monotonic clock); QEMU start to READY seen by the test $(awk -v a="$VM_BOOT_TS" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
}

# ---- boot 1 ------------------------------------------------------------------------------
start_boot_probes b1
vm_boot b1 "nic0=$M1@lan" "nic1=$M2@lan" "nic2=$M3@wan" "nic3=$M4@wan"
vm_wait_ready 240
wait_until 60 bridge_has_active eth0
wait_until 60 bridge_has_active eth1
ok "b1: failoverd READY, eth0 active $(vm_active_of eth0), eth1 active $(vm_active_of eth1)"
check_boot_probes b1
check_boot b1 failoverd
declare -A NAME_B1=()
for mac in "$M1" "$M2"; do NAME_B1[$mac]=$(nic_field "$mac" .name); done
br_before=$(vm_run 'ip -j addr show dev eth0; ip -j addr show dev eth1' | jq -c -s '[.[][] | {ifname, address, addrs: [.addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"] | sort}]')

# ---- carrier: set_link off on eth0's active NIC --------------------------------------------
lab_bg ping-lan lab_in langw ping -n -D -i 0.01 192.0.2.9
lab_bg ping-wan lab_in wangw ping -n -D -i 0.01 198.51.100.9
wait_until 20 lab_ping_replies_after ping-lan 0 20
wait_until 20 lab_ping_replies_after ping-wan 0 20
a0=$(vm_active_of eth0); id_a0=$(id_of_mac "$(mac_of_name "$a0")")
cut_ts=$(date +%s.%N)
vm_set_link "$id_a0" off
wait_until 20 active_is_not eth0 "$a0"
wait_until 20 lab_ping_replies_after ping-lan "$cut_ts" 50
read -r outage lost < <(ping_outage ping-lan "$cut_ts")
ok "carrier: $a0 ($id_a0) lost carrier, eth0 active now $(vm_active_of eth0), the lan gateway's stream resumed"
echo "vm: failover outage in the guest: ${outage} ms without an echo reply, $lost of 100/s requests lost (set_link off on $id_a0)"
vm_run 'journalctl -b -u failoverd --no-pager -o cat | grep -E "attached at once|standby -> active" | tail -n 2' || true
vm_set_link "$id_a0" on

# ---- replacement: the active card of eth1 is unplugged, a new card is plugged in -----------
a1=$(vm_active_of eth1); s1=$(standby_of eth1)
[[ -n $s1 ]] || fail "eth1 has no standby before the replacement"
id_a1=$(id_of_mac "$(mac_of_name "$a1")"); id_s1=$(id_of_mac "$(mac_of_name "$s1")")
gone_ts=$(date +%s.%N)
vm_unplug "$id_a1"
nic_gone() { [[ -z "$(nic_field "$1" .name)" ]]; }
wait_until 30 nic_gone "${VM_NIC_MAC[$id_a1]}"
wait_until 20 vm_active_is eth1 "$s1"
wait_until 20 lab_ping_replies_after ping-wan "$gone_ts" 50
ok "replace: $a1 ($id_a1) unplugged (DEVICE_DELETED), eth1 failed over to $s1"
vm_plug nic4 "$M9" wan
nic_named() { [[ "$(nic_field "$1" .name)" =~ ^hweth[0-9]+$ ]]; }
wait_until 60 nic_named "$M9"
n9=$(nic_field "$M9" .name)
assert_eq hweth4 "$n9" "replace: the new card (MAC $M9) gets the next name"
wait_until 30 nic_network_is "$M9" eth1
assert_eq "eth1 standby" "$(nic_field "$M9" '"\(.bridge) \(.role)"')" "replace: $n9 identified on eth1's network, eth1's standby"
swap_ts=$(date +%s.%N)
vm_set_link "$id_s1" off
wait_until 20 vm_active_is eth1 "$n9"
wait_until 20 lab_ping_replies_after ping-wan "$swap_ts" 50
ok "replace: $s1 lost carrier, the new card $n9 took over eth1 and the wan gateway's stream resumed (no policy edit)"

# ---- mis-cabling: eth0's standby cable moved to the wan switch -----------------------------
s0=$(standby_of eth0)
[[ -n $s0 ]] || fail "eth0 has no standby before the cable move"
m_s0=$(mac_of_name "$s0"); id_s0=$(id_of_mac "$m_s0")
vm_move_cable "$id_s0" wan
wait_until 30 nic_network_is "$m_s0" eth1
assert_eq "eth1" "$(nic_field "$m_s0" .bridge)" "cabling: $s0 ($id_s0, in eth0's ports list) identified on eth1's network, serves eth1"
[[ -z "$(vm_run "ip -o link show master eth0 | grep -w $s0" || true)" ]] || fail "cabling: $s0 is a port of eth0"
ok "cabling: $s0 is not a port of eth0"
move_ts=$(date +%s.%N)
vm_set_link nic4 off
wait_until 20 vm_active_is eth1 "$s0"
wait_until 20 lab_ping_replies_after ping-wan "$move_ts" 50
wait_until 10 lab_ping_replies_after ping-lan "$move_ts" 50
ok "cabling: with $n9 down, $s0 carries eth1 on the wan switch; eth0 kept serving the lan"

# ---- boot 2: powered off, one card removed, one added ------------------------------------
check_no_crash b1
vm_poweroff 120
ok "b1: the guest powered off"
for id in "${!VM_NIC_MAC[@]}"; do
  mac=${VM_NIC_MAC[$id]}
  [[ -n ${LAB_CABLE_NS[$mac]:-} ]] && ip -n "${LAB_CABLE_NS[$mac]}" link del "${LAB_CABLE_PORT[$mac]}" 2>/dev/null
  unset "LAB_CABLE_NS[$mac]" "LAB_CABLE_PORT[$mac]"
done
VM_NIC_MAC=()
NAME_B1[$M9]=$n9
# M4 stays out; M5 is new. The survivors are recabled as at first.
start_boot_probes b2
vm_boot b2 "nic0=$M1@lan" "nic1=$M2@lan" "nic2=$M9@wan" "nic3=$M5@wan"
vm_wait_ready 240
wait_until 60 bridge_has_active eth0
wait_until 60 bridge_has_active eth1
check_boot_probes b2
check_boot b2 udev
for mac in "$M1" "$M2" "$M9"; do
  assert_eq "${NAME_B1[$mac]}" "$(nic_field "$mac" .name)" "b2: the card with MAC $mac kept its name"
done
n5=$(nic_field "$M5" .name)
[[ $n5 =~ ^hweth[0-9]+$ && $n5 != "${NAME_B1[$M1]}" && $n5 != "${NAME_B1[$M2]}" && $n5 != "$n9" ]] ||
  fail "b2: the new card $M5 is named '$n5'"
ok "b2: the new card $M5 is named $n5"
br_after=$(vm_run 'ip -j addr show dev eth0; ip -j addr show dev eth1' | jq -c -s '[.[][] | {ifname, address, addrs: [.addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"] | sort}]')
assert_eq "$br_before" "$br_after" "b2: eth0 and eth1 kept their MACs and addresses"
lab_bg ping-lan-b2 lab_in langw ping -n -D -i 0.05 192.0.2.9
lab_bg ping-wan-b2 lab_in wangw ping -n -D -i 0.05 198.51.100.9
wait_until 20 lab_ping_replies_after ping-lan-b2 0 5
wait_until 20 lab_ping_replies_after ping-wan-b2 0 5
ok "b2: both gateways reach the guest"
check_no_crash b2
vm_poweroff 120
