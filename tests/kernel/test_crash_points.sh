#!/usr/bin/env bash
# Crash consistency (issue 5): the daemon is killed with SIGKILL at injected points
# (FAILOVERD_CRASH_AT, failoverd/runtime/crash_points.h) and the next start converges:
#   after-rename         a NIC renamed hwethN and still down
#   after-zone           the bridges with their zone chains, still down
#   mid-state-write      a complete state.json.tmp, no state.json yet (first start)
#   state-write-partial  a torn state.json.tmp; state.json is the previous complete version
# Each point runs in namespaces of its own (server, two switches, two peers). While the
# state points run, a watcher parses state.json on every change it sees: it is never torn.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init crash
lab_require_daemon
lab_require nft

# Builds phase N's lab: server "srvN" with NICs ens1 ens2 (switch "lanN") and ens3
# (switch "wanN"), peers "peerN" 192.0.2.1 and "wanpeerN" 198.51.100.1, and its policy
# $T/policy-N.toml (own state dir $T/state-N and control socket).
# Sets M1 M2 M3 (the NICs' MACs), SRV (server namespace), STATE (its state.json).
setup_phase() {  # N
  local n=$1
  M1=02:00:00:00:6$n:01 M2=02:00:00:00:6$n:02 M3=02:00:00:00:6$n:03
  lab_ns "srv$n"; SRV=$LAB_NS
  lab_switch "lan$n"
  lab_switch "wan$n"
  lab_nic "srv$n" ens1 "$M1" "lan$n"
  lab_nic "srv$n" ens2 "$M2" "lan$n"
  lab_nic "srv$n" ens3 "$M3" "wan$n"
  lab_host "lan$n" "peer$n" 192.0.2.1/24
  lab_host "wan$n" "wanpeer$n" 198.51.100.1/24
  lab_policy "$T/policy-$n.toml.in" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "$M1" }, { mac = "$M2" }]

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "$M3" }]
EOF2
  mkdir -p "$T/state-$n"
  sed -e "s|\"$T/state\"|\"$T/state-$n\"|" -e "s|\"$T/control.sock\"|\"$T/control-$n.sock\"|" \
    "$T/policy-$n.toml.in" >"$T/policy-$n.toml"
  STATE="$T/state-$n/state.json"
  echo "# phase $n: server $SRV"
}

# Kills the daemon at POINT (phase N) and checks that it died there, by SIGKILL.
crash_at() {  # N POINT
  lab_daemon_run_until_exit "srv$1" "$T/policy-$1.toml" 20 "FAILOVERD_CRASH_AT=$2"
  assert_eq 137 "$LAB_DAEMON_RC" "$2: exit status is that of kill -9"
  assert_eq 1 "$(grep -c "^failoverd: crash point $2\$" "$LAB_DAEMON_LOG")" "$2: died at the crash point (stderr line)"
}

quiet() { "$@" >/dev/null 2>&1; }  # CMD...: its status only
link_json() { ip -n "$SRV" -d -j link show dev "$1"; }
link_is_down() { link_json "$1" | jq -e '.[0].flags | index("UP") == null' >/dev/null; }
veth_names() { ip -n "$SRV" -d -j link show type veth | jq -r '[.[].ifname] | sort | join(" ")'; }
zone_chain_exists() { ip netns exec "$SRV" nft list chain inet failoverd "in_$1" >/dev/null 2>&1; }

# Everything is where the policy and state.json say: each NIC (MACS) carries the name
# state.json gives it (an hwethN name), both bridges are up with their zone chains,
# eth0 has M1 (preferred) as its only port and eth1 has M3, and both peers ping.
converged() {  # MACS...
  local mac name
  for mac in "$@"; do
    name=$(jq -r --arg m "$mac" '.nics[$m].name // ""' "$STATE" 2>/dev/null) || return 1
    [[ "$name" == hweth* && "$(lab_nic_name "${SRV#"$LAB_PREFIX"-}" "$mac")" == "$name" ]] || return 1
  done
  local n1 n3
  n1=$(jq -r --arg m "$M1" '.nics[$m].name' "$STATE"); n3=$(jq -r --arg m "$M3" '.nics[$m].name' "$STATE")
  [[ "$(lab_ports_of "${SRV#"$LAB_PREFIX"-}" eth0)" == "$n1" && "$(lab_ports_of "${SRV#"$LAB_PREFIX"-}" eth1)" == "$n3" ]] &&
    lab_link_has_carrier "${SRV#"$LAB_PREFIX"-}" eth0 && lab_link_has_carrier "${SRV#"$LAB_PREFIX"-}" eth1 &&
    zone_chain_exists eth0 && zone_chain_exists eth1 && lab_active_is eth0 "$n1" && lab_active_is eth1 "$n3"
}

# Starts the daemon normally in phase N and checks that it converges (MACS: every NIC).
recover() {  # N MACS...
  local n=$1; shift
  lab_daemon_start "srv$n" "$T/policy-$n.toml"
  wait_until 15 converged "$@"
  wait_until 10 lab_ping_ok "peer$n" 192.0.2.9
  wait_until 10 lab_ping_ok "wanpeer$n" 198.51.100.9
  jq -e . "$STATE" >/dev/null || fail "state.json does not parse after recovery"
  local mac names=""
  for mac in "$@"; do names+=" $(jq -r --arg m "$mac" '.nics[$m].name' "$STATE")"; done
  ok "converged: every NIC named as state.json says (${names# }), eth0 <- $(lab_ports_of "srv$n" eth0), eth1 <- $(lab_ports_of "srv$n" eth1), zones installed, both peers ping"
  lab_daemon_stop
}

# A background watcher that parses FILE (with jq) whenever its inode or mtime changes,
# every 10 ms, appending "ok" or "TORN" per observation to $T/watch-NAME.txt.
WATCH_PID=""
watch_start() {  # NAME FILE
  : >"$T/watch-$1.txt"
  lab_bg "watch-$1" bash -c '
    last=""
    while :; do
      if cur=$(stat -c "%i %s %y" "$1" 2>/dev/null); then
        if [[ "$cur" != "$last" ]]; then
          if jq -e . "$1" >/dev/null 2>&1; then echo ok; else echo "TORN $cur"; cp "$1" "$1.torn.$$" 2>/dev/null; fi
          last=$cur
        fi
      fi
      sleep 0.01
    done >>"$2"' watcher "$2" "$T/watch-$1.txt"
  WATCH_PID=$LAB_BG_PID
}
watch_stop() {  # NAME
  lab_bg_stop "$WATCH_PID"
  local seen torn
  seen=$(wc -l <"$T/watch-$1.txt"); torn=$(grep -c TORN "$T/watch-$1.txt" || true)
  ((torn == 0)) || fail "$1: state.json was seen torn $torn time(s): $(grep TORN "$T/watch-$1.txt" | head -n 3)"
  ((seen > 0)) || fail "$1: the watcher never saw state.json"
  ok "$1: state.json parsed at each of the $seen versions the watcher saw, never torn"
}

# ---- 1: after-rename -----------------------------------------------------------------
setup_phase 1
crash_at 1 after-rename
renamed=$(ip -n "$SRV" -d -j link show type veth | jq -r '[.[].ifname | select(startswith("hweth"))] | join(" ")')
assert_match '^hweth[0-9]+$' "$renamed" "after-rename: exactly one NIC renamed"
assert_cmd "after-rename: $renamed is down" link_is_down "$renamed"
mac=$(link_json "$renamed" | jq -r '.[0].address')
assert_eq "$renamed" "$(jq -r --arg m "$mac" '.nics[$m].name' "$STATE")" "after-rename: state.json already held the name (saved before the rename)"
assert_not_cmd "after-rename: no bridge yet" quiet ip -n "$SRV" link show eth0
recover 1 "$M1" "$M2" "$M3"
assert_eq "$renamed" "$(lab_nic_name srv1 "$mac")" "after-rename: $mac kept the name it was given before the crash"

# ---- 2: after-zone -------------------------------------------------------------------
setup_phase 2
crash_at 2 after-zone
# New bridges' zones go in as one nft transaction after all of them exist and before any
# is up (plan.cc, executor.cc): at this point both bridges have their zone and are down.
for b in eth0 eth1; do
  assert_cmd "after-zone: $b has its zone chain" zone_chain_exists "$b"
  assert_eq bridge "$(link_json "$b" | jq -r '.[0].linkinfo.info_kind')" "after-zone: $b exists as a bridge"
  assert_cmd "after-zone: $b is down" link_is_down "$b"
  assert_eq "" "$(lab_ports_of srv2 "$b")" "after-zone: $b has no port yet"
done
recover 2 "$M1" "$M2" "$M3"

# ---- 3: mid-state-write (first start: there is no state.json yet) --------------------
setup_phase 3
watch_start mid "$STATE"
names_before=$(veth_names)
crash_at 3 mid-state-write
assert_cmd "mid-state-write: no state.json (it was never renamed into place)" test ! -e "$STATE"
assert_cmd "mid-state-write: state.json.tmp is complete (jq parses it)" quiet jq -e '.nics | length == 3' "$STATE.tmp"
assert_eq "$names_before" "$(veth_names)" "mid-state-write: no NIC renamed before the names were saved"
recover 3 "$M1" "$M2" "$M3"
assert_cmd "mid-state-write: the temp file is gone after recovery" test ! -e "$STATE.tmp"
watch_stop mid

# ---- 4: state-write-partial (state.json holds the previous version) -----------------
# A first run names the three NICs; then a fourth NIC appears while the daemon is
# stopped, so the next start must write state.json again, and dies half-way through it.
setup_phase 4
lab_daemon_start srv4 "$T/policy-4.toml"
wait_until 15 converged "$M1" "$M2" "$M3"
lab_daemon_stop
cp "$STATE" "$T/state-4.previous"
M4=02:00:00:00:64:04
lab_nic srv4 ens4 "$M4" lan4
watch_start partial "$STATE"
crash_at 4 state-write-partial
assert_cmd "state-write-partial: state.json is still the previous complete version" cmp "$T/state-4.previous" "$STATE"
assert_cmd "state-write-partial: state.json.tmp exists" test -s "$STATE.tmp"
assert_not_cmd "state-write-partial: state.json.tmp is torn (jq rejects it)" quiet jq -e . "$STATE.tmp"
assert_eq "ens4" "$(lab_nic_name srv4 "$M4")" "state-write-partial: the new NIC was not renamed"
recover 4 "$M1" "$M2" "$M3" "$M4"
assert_cmd "state-write-partial: state.json holds all four NICs" quiet jq -e '.nics | length == 4' "$STATE"
assert_cmd "state-write-partial: the torn temp file is gone" test ! -e "$STATE.tmp"
watch_stop partial
