#!/usr/bin/env bash
# README command 1: build failoverd (Release) and show it at work in a namespace lab.
#
# A "server" namespace gets four veth NICs: two cabled to switch "lan", one to switch
# "wan", one spare on "lan"; a peer host sits on each switch. failoverd runs in the server
# namespace with bridges eth0 (lan, 192.0.2.9/24, the two lan NICs in preferred order),
# eth1 (external, 198.51.100.9/24) and vmbr0 (internal). Then, for LAB_ROUNDS rounds
# (default 5), the lan peer sends a sequence-numbered ping stream (every 2 ms) to
# 192.0.2.9, the active cable is cut, and the outage is measured twice: missing sequence
# numbers x interval, and the wall time from the last reply before to the first reply
# after. (The stream is tests/lab/icmp_stream.pl rather than `ping -i 0.002`, which slows
# down to ~100/s after the first loss; see there.) The cable is restored; with failback = "never" the new NIC keeps the job, so
# the next round cuts the other one.
#
# Everything happens inside namespaces this script creates, never in the machine's own
# network namespace, and they are all deleted on exit.
#   scripts/lab.sh
#   LAB_ROUNDS=10 scripts/lab.sh
#   LAB_NO_BUILD=1 FAILOVERD_BIN=... FAILOVERCTL_BIN=... scripts/lab.sh   # use existing binaries
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
rounds=${LAB_ROUNDS:-5}
interval=0.002            # seconds between echo requests
interval_ms=2

if [[ "${LAB_NO_BUILD:-0}" != 1 ]]; then
  bash scripts/install-deps.sh
  cmake -S . -B build-lab -DCMAKE_BUILD_TYPE=Release -DFAILOVERD_TESTS=OFF
  cmake --build build-lab -j2
  export FAILOVERD_BIN="$repo/build-lab/failoverd/failoverd"
  export FAILOVERCTL_BIN="$repo/build-lab/failoverd/failoverctl"
fi

source "$repo/tests/lab/lib.sh"
lab_init lab
lab_require_daemon
lab_require perl

# ---- the lab -------------------------------------------------------------------------
lan1=02:00:00:00:0a:01   # eth0, preferred
lan2=02:00:00:00:0a:02   # eth0, second
spare=02:00:00:00:0a:03  # on the lan switch, in no bridge's port list
wan1=02:00:00:00:0b:01   # eth1
lab_ns server
lab_switch lan
lab_switch wan
lab_nic server ens1 "$lan1" lan
lab_nic server ens2 "$lan2" lan
lab_nic server ens3 "$wan1" wan
lab_nic server ens4 "$spare" lan
lab_host lan lanpeer 192.0.2.1/24
lab_host wan wanpeer 198.51.100.1/24

lab_policy "$T/policy.toml" <<EOF
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$lan1" }, { mac = "$lan2" }]
failback = "never"

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "$wan1" }]
spares = false

[[bridge]]
name = "vmbr0"
mode = "internal"
zone = "trusted"
EOF
echo "# policy: $T/policy.toml"
sed 's/^/#   /' "$T/policy.toml"

lab_daemon_start server "$T/policy.toml"
wait_until 15 eval '[[ -n "$(lab_json_active eth0)" && -n "$(lab_json_active eth1)" ]]'
wait_until 15 lab_ping_ok lanpeer 192.0.2.9
wait_until 15 lab_ping_ok wanpeer 198.51.100.9
echo
lab_ctl status
echo

# ---- rounds --------------------------------------------------------------------------
mac_of() { ip -n "$(lab_nsname server)" -j link show dev "$1" | jq -r '.[0].address'; }
replies() { grep -c '^R' "$1" 2>/dev/null || true; }
has_replies() { (($(replies "$1") >= $2)); }
new_active() { local a; a=$(lab_json_active eth0); [[ -n "$a" && "$a" != "$1" ]]; }
is_standby_with_carrier() {  # NIC
  lab_status_json | jq -e --arg n "$1" \
    '.bridges[] | select(.name == "eth0") | .ports[] | select(.nic == $n and .role == "standby" and .carrier == true)' >/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Reads an icmp_stream.pl log; prints "missing gap_ms first last replies": echo requests
# without a reply between the first and the last one answered, and the longest time
# between two consecutive replies.
analyse() {
  awk '
    $1 == "R" && !($2 in got) {
      s = $2 + 0; got[s] = $3; n++
      if (first == "" || s < first) first = s
      if (last == "" || s > last) last = s
    }
    END {
      missing = 0; gap = 0; prev = ""
      for (s = first; s <= last; s++) {
        if (!(s in got)) { missing++; continue }
        if (prev != "" && got[s] - got[prev] > gap) gap = got[s] - got[prev]
        prev = s
      }
      printf "%d %.1f %d %d %d\n", missing, gap * 1000, first, last, n
    }' "$1"
}

outages=()
gaps=()
for ((round = 1; round <= rounds; round++)); do
  old=$(lab_json_active eth0)
  old_mac=$(mac_of "$old")
  lab_bg "stream.$round" lab_in lanpeer perl "$LAB_DIR/icmp_stream.pl" 192.0.2.9 "$interval"
  pinger=$LAB_BG_PID
  log="$T/stream.$round.out"
  wait_until 10 has_replies "$log" 250
  before=$(replies "$log")
  t_cut=$(now_ms)
  lab_cable_cut "$old_mac"
  wait_until 10 new_active "$old"
  t_status=$(now_ms)
  new=$(lab_json_active eth0)
  ports=$(lab_ports_of server eth0 | tr '\n' ' ')
  [[ "$ports" == "$new " ]] || fail "round $round: eth0's ports are '$ports', expected exactly $new"
  # Let the stream run on until 500 more replies (1 s of traffic) have come back.
  wait_until 20 has_replies "$log" $((before + 500))
  lab_bg_stop "$pinger" INT
  read -r missing gap first last n < <(analyse "$log")
  outage=$((missing * interval_ms))
  outages+=("$outage")
  gaps+=("$gap")
  printf 'round %d: cut %s -> %s active (status after %d ms); %d of seq %d..%d missing (%d replies) = %d ms outage; reply gap %s ms\n' \
    "$round" "$old" "$new" $((t_status - t_cut)) "$missing" "$first" "$last" "$n" "$outage" "$gap"
  lab_cable_restore "$old_mac"
  wait_until 15 is_standby_with_carrier "$old"
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "outage per round (missing x ${interval_ms} ms): ${outages[*]}"
echo "median outage: $(median "${outages[@]}") ms"
echo "reply gap per round (ms): ${gaps[*]}"
echo "median reply gap: $(median "${gaps[@]}") ms"
echo
lab_ctl status
lab_daemon_stop
