#!/usr/bin/env bash
# Runs bench_failover (issue 5, item 7) part by part, each in a namespace lab of its
# own (tests/lab/lib.sh), and prints one JSON document: per measurement the median,
# p99 and max over many runs with a baseline measured in the same run. Root required;
# nothing runs in the machine's own network namespace, traffic stays on 192.0.2.0/24
# and 198.51.100.0/24 inside the lab. A part that fails is listed under "errors" and
# the others still run; the exit status is then 1.
#
# Parts (BENCH_SECTIONS, default all, in this order):
#   failover   failoverd, then a bash script reacting to `ip -o monitor link` (baseline):
#              cut -> standby forwarding, an ICMP stream's outage, then each one's RSS
#              and wake-ups while idle
#   stp        a Linux bridge holding both NICs with STP at its minimum timers (baseline)
#   storm      SIGCONT -> forwarding after 10 200 link changes with the daemon frozen
#              (its event socket overflows), against the same freeze without a storm
#   start      64 NICs -> 64 bridges with their zones: first start and restart ->
#              READY=1, against `nft -f` + `ip -batch` building the same end state
#   taps       restart -> READY=1 with 1000 tap ports on eth0, against no taps
#   load       failover rounds with nothing else going on, then under each load of
#              issue 15's table (idle followers, a held state lock, apply of a FIFO and
#              of /dev/zero, reloads between 1 and 200 bridges), and rounds where the
#              active NIC is removed (hot-unplug) instead, and rounds with the daemon
#              killed before the cut (its reflex answers); p99 ratios to no load
# Env: BENCH_FAILOVER_ROUNDS (50) failover rounds per contender; BENCH_STP_ROUNDS (5); BENCH_STORM_RUNS (3);
#      BENCH_START_RUNS (5); BENCH_LOAD_ROUNDS (20) rounds per load; BENCH_IDLE_S (60, 0 = skip the idle measurement);
#      BENCH_STREAM_US (200) echo interval; BENCH_OUT (a file for the JSON as well);
#      BENCH_FAILOVER_BIN, FAILOVERD_BIN, FAILOVERCTL_BIN (the daemon under test).
set -euo pipefail
# stdout is the JSON document only: everything else (the lab's messages too) goes to stderr.
exec 3>&1 1>&2
REPO=$(cd "$(dirname "$0")/../.." && pwd)
: "${FAILOVERD_BIN:=$REPO/build-bench/failoverd/failoverd}"
: "${FAILOVERCTL_BIN:=$REPO/build-bench/failoverd/failoverctl}"
: "${BENCH_FAILOVER_BIN:=$REPO/build-bench/tests/bench/bench_failover}"
export FAILOVERD_BIN FAILOVERCTL_BIN
source "$(dirname "$0")/../lab/lib.sh"
lab_init bench-fo
lab_require_daemon
lab_require nft sysctl
[[ -x "$BENCH_FAILOVER_BIN" ]] || fail "bench_failover not found at $BENCH_FAILOVER_BIN (scripts/bench.sh builds it)"
: "${BENCH_SECTIONS:=failover stp storm start taps load}"
: "${BENCH_FAILOVER_ROUNDS:=50}" "${BENCH_STP_ROUNDS:=5}" "${BENCH_STORM_RUNS:=3}" "${BENCH_START_RUNS:=5}" "${BENCH_LOAD_ROUNDS:=20}"
: "${BENCH_IDLE_S:=60}" "${BENCH_STREAM_US:=200}"
B=$BENCH_FAILOVER_BIN
RESULTS="$T/results.jsonl"
: >"$RESULTS"
ERRORS=()
STARTED=$(date +%s)

# The server's bridge eth0 is settled for the next cut: $1 is its active port and $2
# its standby (failoverctl status; failback "never", so roles alternate).
write_settle_script() {  # FILE
  cat >"$1" <<EOF
#!/usr/bin/env bash
# \$2 unplugged (its link gone): only the active port counts.
r=\$2; ip link show dev "\$r" >/dev/null 2>&1 || r=""
"$FAILOVERCTL_BIN" --socket "$T/control.sock" --json status |
  jq -e --arg a "\$1" --arg r "\$r" '.bridges[] | select(.name == "eth0") |
    .active == \$a and (\$r == "" or [.ports[] | select(.nic == \$r) | .role] == ["standby"])' >/dev/null
EOF
}
SETTLE_CMD='exec bash "$SETTLE_SCRIPT" "$@"'

# Runs bench_failover SUBCOMMAND ARGS..., its series appended to $RESULTS; progress to stderr.
bench() {
  "$B" "$@" >>"$RESULTS"
}
bench_in() {  # NS SUBCOMMAND ARGS...
  local ns=$1; shift
  ip netns exec "$ns" "$B" "$@" >>"$RESULTS"
}

# ---- failover: the daemon, then the `ip monitor` script, on the same lab -------------------
part_failover() {
  local m1=02:00:00:00:7a:01 m2=02:00:00:00:7a:02 S SW P n1 n2 pid
  lab_eth0_pair "$m1" "$m2"
  S=$(lab_nsname server); SW=$(lab_nsname a); P=$(lab_nsname peer)
  lab_daemon_start server "$T/policy.toml"
  n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
  wait_until 10 lab_active_is eth0 "$n1"
  wait_until 10 lab_ping_ok peer 192.0.2.9
  SETTLE_SCRIPT="$T/settled.sh"; export SETTLE_SCRIPT
  write_settle_script "$SETTLE_SCRIPT"
  local nics=(--nic "$n1=$(lab_cable_port "$m1")" --nic "$n2=$(lab_cable_port "$m2")")
  local stream=(--stream-ns "$P" --stream-dst 192.0.2.9 --stream-interval-us "$BENCH_STREAM_US")
  echo "# failover: failoverd ($FAILOVERD_BIN), $BENCH_FAILOVER_ROUNDS rounds" >&2
  bench_in "$S" failover --netns "$S" --switch-ns "$SW" "${nics[@]}" "${stream[@]}" --label daemon \
    --rounds "$BENCH_FAILOVER_ROUNDS" --settle-cmd "SETTLE_SCRIPT='$SETTLE_SCRIPT' $SETTLE_CMD" ||
    fail "failover rounds with the daemon"
  pid=$(lab_daemon_main_pid)
  if ((BENCH_IDLE_S > 0)); then
    # After any link event the daemon asks the kernel for the active ports' carrier
    # every millisecond for 1.1 s (the kernel may report a loss up to 1 s late); idle
    # is what follows, so the count starts after 2 s with nothing happening.
    sleep 2
    echo "# failover: the daemon idle for $BENCH_IDLE_S s" >&2
    bench idle --label resources.daemon --pid "$pid" --seconds "$BENCH_IDLE_S"
  fi
  lab_daemon_stop >&2

  # Baseline A: the script below does what the daemon does, as a shell would: it reads
  # `ip -o monitor link`, and when the active NIC's line says NO-CARRIER it attaches the
  # standby and detaches the dead NIC (exactly one port before each cut).
  local active standby
  active=$(lab_ports_of server eth0)
  [[ "$active" == "$n1" || "$active" == "$n2" ]] || fail "after the daemon: eth0's ports are '$active'"
  if [[ "$active" == "$n1" ]]; then standby=$n2; else standby=$n1; fi
  cat >"$T/monitor-failover.sh" <<'EOF'
#!/usr/bin/env bash
# BRIDGE ACTIVE STANDBY: on NO-CARRIER of ACTIVE, STANDBY becomes BRIDGE's port.
bridge=$1 active=$2 standby=$3
while read -r _ name rest; do
  name=${name%:}; name=${name%%@*}
  if [[ $name == lo ]]; then echo "seen lo $rest"; continue; fi
  if [[ $name == "$active" && $rest == *NO-CARRIER* ]]; then
    ip link set dev "$standby" master "$bridge"
    ip link set dev "$active" nomaster
    echo "failover $active -> $standby"
    t=$active; active=$standby; standby=$t
  fi
done < <(exec ip -o monitor link)
EOF
  lab_bg monitor-script lab_in server bash "$T/monitor-failover.sh" eth0 "$active" "$standby"
  local script_pid=$LAB_BG_PID fence=200
  fence_seen() { grep -q "group $fence" "$T/monitor-script.out"; }
  next_fence() { fence=$((fence + 1)); ip -n "$S" link set dev lo group "$fence"; fence_seen; }
  poll_until 5 next_fence || fail "the ip monitor script did not start"
  echo "# failover: the ip monitor script, $BENCH_FAILOVER_ROUNDS rounds" >&2
  bench_in "$S" failover --netns "$S" --switch-ns "$SW" "${nics[@]}" "${stream[@]}" --label shell \
    --rounds "$BENCH_FAILOVER_ROUNDS" || fail "failover rounds with the ip monitor script"
  local ip_pid
  ip_pid=$(cat /proc/"$script_pid"/task/*/children | tr ' ' '\n' | grep -m 1 . || true)
  if ((BENCH_IDLE_S > 0)); then
    [[ -n "$ip_pid" ]] || fail "no ip monitor process under the script"
    echo "# failover: the script idle for $BENCH_IDLE_S s" >&2
    bench idle --label resources.shell --pid "$script_pid" --pid "$ip_pid" --seconds "$BENCH_IDLE_S"
  fi
  lab_bg_stop "$script_pid"
  [[ -z "$ip_pid" ]] || lab_bg_stop "$ip_pid"
}

# ---- stp: a bridge with both NICs and STP at the kernel's minimum timers -----------------
part_stp() {
  local S SW P
  lab_ns server; S=$LAB_NS
  lab_switch a; SW=$LAB_NS
  lab_nic server ens1 02:00:00:00:7b:01 a
  lab_nic server ens2 02:00:00:00:7b:02 a
  lab_host a peer 192.0.2.1/24; P=$LAB_NS
  # forward_delay / max_age / hello_time in centiseconds: 2 s, 6 s, 1 s are the least
  # the kernel takes with STP on (BR_MIN_FORWARD_DELAY, BR_MIN_MAX_AGE, BR_MIN_HELLO_TIME).
  ip -n "$S" link add eth0 type bridge stp_state 1 forward_delay 200 max_age 600 hello_time 100
  ip -n "$S" addr add 192.0.2.9/24 dev eth0
  local nic
  for nic in ens1 ens2; do
    ip -n "$S" link set "$nic" master eth0
    ip -n "$S" link set "$nic" up
  done
  ip -n "$S" link set eth0 up
  stp_settled() {  # one port forwarding, the other blocking
    [[ "$(bridge -n "$S" -j link show | jq -r '[.[] | select(.master == "eth0") | .state] | sort | join(",")')" == "blocking,forwarding" ]]
  }
  wait_until 30 stp_settled
  wait_until 10 lab_ping_ok peer 192.0.2.9
  echo "# stp: $BENCH_STP_ROUNDS rounds (each waits for max_age and two forward delays)" >&2
  bench_in "$S" failover --netns "$S" --switch-ns "$SW" --nic "ens1=$(lab_cable_port ens1)" \
    --nic "ens2=$(lab_cable_port ens2)" --stream-ns "$P" --stream-dst 192.0.2.9 \
    --stream-interval-us "$BENCH_STREAM_US" --label stp --any-active --warmup 0 \
    --rounds "$BENCH_STP_ROUNDS" --timeout-ms 60000 --pause-ms 500 || fail "failover rounds with STP"
}

# ---- storm: recovery after 10 200 link events with the daemon frozen ------------------------
part_storm() {
  local m1=02:00:00:00:7c:01 m2=02:00:00:00:7c:02 S SW n1 n2 pid
  lab_eth0_pair "$m1" "$m2"
  S=$(lab_nsname server); SW=$(lab_nsname a)
  lab_daemon_start server "$T/policy.toml"
  n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
  wait_until 10 lab_active_is eth0 "$n1"
  SETTLE_SCRIPT="$T/settled.sh"; export SETTLE_SCRIPT
  write_settle_script "$SETTLE_SCRIPT"
  # 300 bridges (not veth: the policy does not manage them), then 17 x up + down of each:
  # 10 200 link changes, each one notification. Created once; deleted at the end.
  local names; names=$(seq -f 's%03g' 0 299)
  sed 's/^/link add name /; s/$/ type bridge/' <<<"$names" >"$T/create.batch"
  : >"$T/storm.batch"
  for ((r = 0; r < 17; r++)); do
    sed 's/^/link set up dev /' <<<"$names" >>"$T/storm.batch"
    sed 's/^/link set down dev /' <<<"$names" >>"$T/storm.batch"
  done
  ip -n "$S" -batch "$T/create.batch"
  pid=$(lab_daemon_main_pid)
  local nics=(--nic "$n1=$(lab_cable_port "$m1")" --nic "$n2=$(lab_cable_port "$m2")")
  metric() { lab_ctl metrics | awk -v m="$1" '$1 == m { print $2 }'; }
  echo "# storm: baseline (frozen, no storm), $BENCH_STORM_RUNS runs" >&2
  bench_in "$S" failover --netns "$S" --switch-ns "$SW" "${nics[@]}" --label storm_baseline --warmup 1 \
    --rounds "$BENCH_STORM_RUNS" --freeze-pid "$pid" --settle-cmd "SETTLE_SCRIPT='$SETTLE_SCRIPT' $SETTLE_CMD" ||
    fail "frozen failovers without a storm"
  local overflows_before; overflows_before=$(metric failoverd_netlink_overflows_total)
  echo "# storm: $(wc -l <"$T/storm.batch") link changes while frozen, $BENCH_STORM_RUNS runs" >&2
  bench_in "$S" failover --netns "$S" --switch-ns "$SW" "${nics[@]}" --label storm --warmup 0 \
    --rounds "$BENCH_STORM_RUNS" --freeze-pid "$pid" --storm-batch "$T/storm.batch" --timeout-ms 60000 \
    --settle-cmd "SETTLE_SCRIPT='$SETTLE_SCRIPT' $SETTLE_CMD" || fail "failovers after a storm"
  local overflows_after; overflows_after=$(metric failoverd_netlink_overflows_total)
  jq -cn --arg b "${overflows_before:-}" --arg a "${overflows_after:-}" --argjson ops "$(wc -l <"$T/storm.batch")" \
    '{name: "storm.overflows", what: "failoverd_netlink_overflows_total during the storm runs (null: no such metric)",
      link_changes_per_storm: $ops,
      overflows: (if $a == "" or $b == "" then null else ($a | tonumber) - ($b | tonumber) end)}' >>"$RESULTS"
  lab_daemon_stop >&2
  sed 's/^/link del dev /' <<<"$names" >"$T/delete.batch"
  ip -n "$S" -batch "$T/delete.batch"  # now, not in the namespace's teardown (which holds rtnl)
}

# ---- start: 64 NICs -> 64 bridges with their zones ------------------------------------------
part_start() {
  local S SW i zones=(trusted lan external isolated) N=64
  lab_ns server; S=$LAB_NS
  lab_switch a; SW=$LAB_NS
  mac() { printf '02:00:00:00:%02x:%02x' $((0x80 + $1 / 256)) $(($1 % 256)); }
  { lab_policy_header; for ((i = 0; i < N; i++)); do
      printf '\n[[bridge]]\nname = "eth%d"\nzone = "%s"\naddress = ["198.51.100.%d/32"]\nports = [{ mac = "%s" }]\n' \
        "$i" "${zones[i % 4]}" $((i + 1)) "$(mac "$i")"
    done; } >"$T/policy64.toml"
  for ((i = 0; i < N; i++)); do echo "link add name ens$i address $(mac "$i") type veth peer name c$i netns $SW"; done >"$T/nics.batch"
  # 64 bridges are 64 networks: each cable gets a switch bridge of its own. On one
  # shared bridge every broadcast (an announcement, a bridge's IPv6 DAD) crossed all 64
  # of the server's bridges, in softirq on the CPU of whoever sent it — a cost a real
  # switch carries, not the server.
  for ((i = 0; i < N; i++)); do echo "link add name sw$i type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
    echo "link set dev sw$i up"; done | ip -n "$SW" -batch -
  for ((i = 0; i < N; i++)); do echo "link set dev c$i master sw$i"; echo "link set dev c$i up"; done >"$T/cables.batch"
  # The same fresh host for every run: no links but lo, no nft tables, no state.
  fresh_host() {
    ip -n "$S" -j link show | jq -r '.[] | select(.ifname != "lo") | "link del dev \(.ifname)"' >"$T/wipe.batch"
    [[ ! -s "$T/wipe.batch" ]] || ip -n "$S" -batch "$T/wipe.batch"
    ip netns exec "$S" nft flush ruleset
    rm -rf "$T/state"; mkdir -p "$T/state"
    ip -n "$S" -batch "$T/nics.batch"
    ip -n "$SW" -batch "$T/cables.batch"
  }
  local daemon=(-- "$FAILOVERD_BIN" --policy "$T/policy64.toml" --foreground --log-level info)
  local start=(start --netns "$S" --notify "$T/notify.sock" --log "$T/daemon64.log")
  # Warm-up (not counted): also the end state the baseline rebuilds.
  fresh_host
  bench "${start[@]}" --label start.warmup "${daemon[@]}"
  ip netns exec "$S" nft list table inet failoverd >"$T/ruleset.nft"
  ip -n "$S" -j -d link show >"$T/end-state.json"
  # The baseline: what the daemon did, as three commands (firewall first, as it does).
  jq -r '.[] | select(.linkinfo.info_kind == "veth") | "\(.address) \(.ifname) \(.master)"' "$T/end-state.json" >"$T/map"
  [[ $(wc -l <"$T/map") == "$N" ]] || fail "expected $N NICs after the daemon, got $(wc -l <"$T/map")"
  local sysctls=() mac_ name master
  : >"$T/build1.batch"; : >"$T/build2.batch"
  while read -r mac_ name master; do
    i=${master#eth}
    printf 'link set dev ens%d name %s\nlink add name %s type bridge stp_state 0 forward_delay 0\nlink set dev %s master %s\naddress add 198.51.100.%d/32 dev %s\n' \
      $((16#${mac_: -2} + 256 * (16#${mac_:12:2} - 0x80))) "$name" "$master" "$name" "$master" $((i + 1)) "$master" >>"$T/build1.batch"
    printf 'link set dev %s up\nlink set dev %s up\n' "$name" "$master" >>"$T/build2.batch"
    sysctls+=("net.ipv6.conf.$name.accept_ra=0" "net.ipv6.conf.$name.disable_ipv6=1" "net.ipv4.conf.$name.arp_ignore=8"
              "net.ipv4.conf.$name.arp_announce=2" "net.ipv4.conf.$name.rp_filter=1")
  done <"$T/map"
  { echo 'set -e'; echo "nft -f '$T/ruleset.nft'"; echo "ip -batch '$T/build1.batch'"
    echo "sysctl -q -w ${sysctls[*]}"; echo "ip -batch '$T/build2.batch'"; } >"$T/build.sh"
  : >"$T/first.ms"; : >"$T/restart.ms"; : >"$T/build.ms"
  for ((r = 0; r < BENCH_START_RUNS; r++)); do
    echo "# start: run $r of $BENCH_START_RUNS (first start, restart, baseline)" >&2
    fresh_host
    "$B" "${start[@]}" --label x "${daemon[@]}" | jq -r 'select(.name == "x") | .samples[0]' >>"$T/first.ms"
    "$B" "${start[@]}" --label x "${daemon[@]}" | jq -r 'select(.name == "x") | .samples[0]' >>"$T/restart.ms"
    fresh_host
    "$B" time --netns "$S" --label x -- bash "$T/build.sh" | jq -r '.samples[0]' >>"$T/build.ms"
  done
  bench stats --label start64.first --what "64 NICs, 64 bridges with zones: fork+exec -> READY=1 on a fresh host" <"$T/first.ms"
  bench stats --label start64.restart --what "the same, restarted on the converged host" <"$T/restart.ms"
  bench stats --label start64.build --what "the same end state by a script: nft -f (the daemon's table), ip -batch, sysctl -w, ip -batch" <"$T/build.ms"
  [[ $(wc -l <"$T/first.ms") == "$BENCH_START_RUNS" && $(wc -l <"$T/build.ms") == "$BENCH_START_RUNS" ]] || fail "start runs missing"
  ip -n "$S" -j link show | jq -r '.[] | select(.ifname != "lo") | "link del dev \(.ifname)"' >"$T/wipe.batch"
  ip -n "$S" -batch "$T/wipe.batch"
}

# ---- taps: 1000 tap ports on eth0 -------------------------------------------------------
part_taps() {
  local S i
  lab_eth0_pair 02:00:00:00:7d:01 02:00:00:00:7d:02
  S=$(lab_nsname server)
  local start=(start --netns "$S" --notify "$T/notify.sock" --log "$T/daemon-taps.log")
  local daemon=(-- "$FAILOVERD_BIN" --policy "$T/policy.toml" --foreground --log-level info)
  bench "${start[@]}" --label taps.warmup "${daemon[@]}"  # converges the host (eth0 and its port)
  echo "# taps: restarts without taps, $BENCH_START_RUNS runs" >&2
  bench "${start[@]}" --label taps.none --runs "$BENCH_START_RUNS" "${daemon[@]}"
  bench time --netns "$S" --label taps.none.dump --runs "$BENCH_START_RUNS" -- ip -o link show
  for ((i = 0; i < 1000; i++)); do echo "tuntap add dev tap$i mode tap"; done >"$T/taps.batch"
  for ((i = 0; i < 1000; i++)); do echo "link set dev tap$i master eth0"; echo "link set dev tap$i up"; done >>"$T/taps.batch"
  bench time --netns "$S" --label taps.create -- ip -batch "$T/taps.batch"
  echo "# taps: restarts with 1000 taps on eth0, $BENCH_START_RUNS runs" >&2
  bench "${start[@]}" --label taps.1000 --runs "$BENCH_START_RUNS" "${daemon[@]}"
  bench time --netns "$S" --label taps.1000.dump --runs "$BENCH_START_RUNS" -- ip -o link show
  local left; left=$(ip -n "$S" -o link show master eth0 | grep -c ': tap' || true)
  jq -cn --argjson n "$left" '{name: "taps.left", what: "tap ports still on eth0 after the restarts", taps: $n}' >>"$RESULTS"
  for ((i = 0; i < 1000; i++)); do echo "link del dev tap$i"; done >"$T/untap.batch"
  ip -n "$S" -batch "$T/untap.batch"
}

# ---- load: failover with something slow or hostile next to it (issue 15) --------------------
# The same rounds as `failover` (daemon only), first with nothing else going on, then
# under each load in turn; each row's p99 is compared with the no-load p99 of this run.
#   followers  16 clients that sent `events follow` and never read (replaced when dropped)
#   lock       another process holds state.lock while a NIC is plugged in and pulled
#              every 300 ms (each makes a state save due)
#   fifo       `failoverctl apply FIFO` every 100 ms
#   zero       `failoverctl apply /dev/zero` every 100 ms (the daemon runs under
#              prlimit --as 2 GiB: an old daemon reads until the cap, not the machine's end)
#   reload     the policy switched between 1 and 200 bridges and reloaded, again and again
# Every load is bounded in time and stopped before the next row.
part_load() {
  local m1=02:00:00:00:7e:01 m2=02:00:00:00:7e:02 S SW n1 n2 i
  lab_eth0_pair "$m1" "$m2"
  S=$(lab_nsname server); SW=$(lab_nsname a)
  cp "$T/policy.toml" "$T/policy-1.toml"
  { cat "$T/policy-1.toml"
    for ((i = 1; i < 200; i++)); do printf '\n[[bridge]]\nname = "br%d"\nmode = "internal"\nzone = "isolated"\n' "$i"; done
  } >"$T/policy-200.toml"
  LAB_DAEMON_WRAPPER=(prlimit --as=$((2 * 1024 * 1024 * 1024)) --)
  lab_daemon_start server "$T/policy.toml"
  LAB_DAEMON_WRAPPER=()
  n1=$(lab_nic_name server "$m1"); n2=$(lab_nic_name server "$m2")
  wait_until 10 lab_active_is eth0 "$n1"
  SETTLE_SCRIPT="$T/settled.sh"; export SETTLE_SCRIPT
  write_settle_script "$SETTLE_SCRIPT"
  local nics=(--nic "$n1=$(lab_cable_port "$m1")" --nic "$n2=$(lab_cable_port "$m2")")
  local seconds=$((BENCH_LOAD_ROUNDS * 3 + 60))  # every load ends by itself after this
  local ctl=(ip netns exec "$S" timeout 10 "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET")
  rounds() {  # LABEL [BENCH_FAILOVER ARGS...]
    echo "# load: $1, $BENCH_LOAD_ROUNDS rounds" >&2
    bench_in "$S" failover --netns "$S" --switch-ns "$SW" "${nics[@]}" --label "$1" --rounds "$BENCH_LOAD_ROUNDS" "${@:2}" \
      --timeout-ms 30000 --settle-cmd "SETTLE_SCRIPT='$SETTLE_SCRIPT' $SETTLE_CMD" || fail "failover rounds under $1"
  }
  rounds load.none

  lab_bg followers lab_in server timeout "$seconds" python3 "$REPO/tests/bench/load_clients.py" "$LAB_DAEMON_SOCKET" 16 "$seconds"
  local load=$LAB_BG_PID
  wait_until 10 grep -q "holding 16" "$T/followers.out"
  rounds load.followers
  lab_bg_stop "$load"

  lab_bg lock timeout "$seconds" flock "$T/state/state.lock" sleep "$seconds"
  local holder=$LAB_BG_PID
  lab_bg churn timeout "$seconds" bash -c '
    for ((i = 0; ; i++)); do
      ip -n "$1" link add name ld$i type veth peer name ldp$i netns "$2" || exit 1
      sleep 0.3
      ip -n "$2" link del dev ldp$i || exit 1
    done' churn "$S" "$SW"
  load=$LAB_BG_PID
  rounds load.lock
  lab_bg_stop "$load"; lab_bg_stop "$holder"

  mkfifo "$T/apply.fifo"
  lab_bg fifo timeout "$seconds" bash -c 'while :; do "${@}" apply "$0" || true; sleep 0.1; done' \
    "$T/apply.fifo" "${ctl[@]}"
  load=$LAB_BG_PID
  rounds load.fifo
  lab_bg_stop "$load"
  # An old daemon may still wait for a writer: one opens the FIFO and goes.
  timeout 2 bash -c ': >"$1"' _ "$T/apply.fifo" || true

  lab_bg zero timeout "$seconds" bash -c 'while :; do "${@}" apply /dev/zero || true; sleep 0.1; done' \
    _ "${ctl[@]}"
  load=$LAB_BG_PID
  rounds load.zero
  lab_bg_stop "$load"
  lab_daemon_alive || fail "the daemon died under apply /dev/zero"

  lab_bg reload timeout "$seconds" bash -c '
    while :; do
      for n in 200 1; do
        cp "$1/policy-$n.toml" "$1/policy.toml"
        "${@:2}" reload >/dev/null || true
      done
    done' _ "$T" "${ctl[@]}"
  load=$LAB_BG_PID
  rounds load.reload
  lab_bg_stop "$load"
  cp "$T/policy-1.toml" "$T/policy.toml"
  "${ctl[@]}" reload >/dev/null || true

  # Not a load: the active NIC is removed (hot-unplug) instead of losing carrier.
  rounds load.unplug --unplug

  # Not a load either: the daemon is killed (-9) before each cut, so its reflex answers
  # the cut; once the standby forwards the daemon is started again and takes over.
  # The reflex's own command line has no --policy, so only the daemon matches.
  cat >"$T/kill-daemon.sh" <<EOF
pkill -KILL -f -- "--policy $T/[p]olicy.toml" || exit 1
for ((i = 0; i < 2000; i++)); do pgrep -f -- "--policy $T/[p]olicy.toml" >/dev/null || exit 0; sleep 0.005; done
exit 1
EOF
  cat >"$T/start-daemon.sh" <<EOF
setsid "$FAILOVERD_BIN" --policy "$T/policy.toml" --foreground --log-level info >>"$T/daemon-dead.log" 2>&1 </dev/null &
for ((i = 0; i < 2000; i++)); do
  "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" status >/dev/null 2>&1 && exit 0
  sleep 0.01
done
exit 1
EOF
  rounds load.dead --before-cut-cmd "bash $T/kill-daemon.sh" --after-forward-cmd "bash $T/start-daemon.sh"
  # The daemon running now is the last one started by the rounds, not the lab's own.
  pkill -TERM -f -- "--policy $T/[p]olicy.toml" || true
  wait_until 20 eval "! pgrep -f -- '--policy $T/[p]olicy.toml' >/dev/null"
  wait "$LAB_DAEMON_PID" 2>/dev/null || true
  LAB_DAEMON_PID=""
}

# ---- run the parts -----------------------------------------------------------------------
run_part() {  # NAME
  local rc=0
  echo "## part $1 ($(date -u +%T))" >&2
  # A subshell with a temp dir of its own: lab_cleanup (its EXIT trap) removes the part's
  # namespaces and daemon whether it passed or failed; `fail` ends only the part.
  (
    T="$T/$1"; mkdir -p "$T"
    trap lab_cleanup EXIT
    "part_$1"
  ) >&2 || rc=$?
  if ((rc != 0)); then
    ERRORS+=("$1: failed with status $rc (see the messages above)")
    echo "## part $1 FAILED ($rc)" >&2
  fi
}
for section in $BENCH_SECTIONS; do
  case $section in
    failover | stp | storm | start | taps | load) run_part "$section" ;;
    *) ERRORS+=("$section: unknown part (failover stp storm start taps load)") ;;
  esac
done

# ---- one JSON document --------------------------------------------------------------------
errors_json=$(printf '%s\n' "${ERRORS[@]+"${ERRORS[@]}"}" | jq -R . | jq -sc 'map(select(. != ""))')
jq -s --arg date "$(date -u +%FT%TZ)" --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg daemon "$FAILOVERD_BIN" --arg sections "$BENCH_SECTIONS" \
  --argjson wall "$(($(date +%s) - STARTED))" --argjson errors "$errors_json" '
  (map({key: .name, value: .}) | from_entries) as $s
  | def brief(x): x | {name, what, runs} + (with_entries(select(.key | test("^(median|p99|max)_")))) ;
    def pair(name; m; b):
      if ($s[m] != null and $s[b] != null) then
        [brief($s[m]) + {name: name, series: m, baseline: brief($s[b]),
          ratio_median: (if ($s[b] | .[(keys[] | select(startswith("median_")))]) > 0
                         then (($s[m] | .[(keys[] | select(startswith("median_")))]) /
                               ($s[b] | .[(keys[] | select(startswith("median_")))]) * 1e6 | round / 1e6)
                         else null end),
          ratio_p99: (if ($s[b] | .[(keys[] | select(startswith("p99_")))]) > 0
                      then (($s[m] | .[(keys[] | select(startswith("p99_")))]) /
                            ($s[b] | .[(keys[] | select(startswith("p99_")))]) * 1e6 | round / 1e6)
                      else null end)}]
      else [] end;
  {date: $date, kernel: $kernel, cpus: $cpus, load_at_end: $load, daemon: $daemon, sections: $sections,
   wall_s: $wall,
   measurements: (
       pair("failover: carrier loss -> standby forwarding"; "daemon"; "shell")
     + pair("failover vs STP: carrier loss -> standby forwarding"; "daemon"; "stp")
     + pair("failover: cut -> standby forwarding"; "daemon.cut"; "shell.cut")
     + pair("stream outage across failover"; "daemon.outage"; "shell.outage")
     + pair("stream outage vs STP"; "daemon.outage"; "stp.outage")
     + pair("stream packets lost across failover"; "daemon.lost"; "shell.lost")
     + pair("cold start, 64 NICs / 64 bridges with zones"; "start64.first"; "start64.build")
     + pair("restart on a converged host, 64 bridges"; "start64.restart"; "start64.build")
     + pair("start with 1000 tap ports on eth0 (restart)"; "taps.1000"; "taps.none")
     + pair("ip -o link show with 1000 taps"; "taps.1000.dump"; "taps.none.dump")
     + pair("recovery after a 10 200-event storm (SIGCONT -> forwarding)"; "storm"; "storm_baseline")
     + pair("failover next to 16 idle event followers"; "load.followers"; "load.none")
     + pair("failover with state.lock held and a NIC plugged in"; "load.lock"; "load.none")
     + pair("failover next to apply FIFO"; "load.fifo"; "load.none")
     + pair("failover next to apply /dev/zero"; "load.zero"; "load.none")
     + pair("failover during reloads between 1 and 200 bridges"; "load.reload"; "load.none")
     + pair("failover when the active NIC is removed (hot-unplug), not cut"; "load.unplug"; "load.none")
     + pair("failover while the daemon is dead (kill -9): the reflex"; "load.dead"; "load.none")
     + pair("cut -> forwarding next to 16 idle event followers"; "load.followers.cut"; "load.none.cut")
     + pair("cut -> forwarding with state.lock held and a NIC plugged in"; "load.lock.cut"; "load.none.cut")
     + pair("cut -> forwarding next to apply FIFO"; "load.fifo.cut"; "load.none.cut")
     + pair("cut -> forwarding next to apply /dev/zero"; "load.zero.cut"; "load.none.cut")
     + pair("cut -> forwarding during reloads between 1 and 200 bridges"; "load.reload.cut"; "load.none.cut")
     + pair("removal -> forwarding (hot-unplug) against cut -> forwarding"; "load.unplug.cut"; "load.none.cut")
     + pair("cut -> forwarding while the daemon is dead (the reflex)"; "load.dead.cut"; "load.none.cut")),
   kernel_carrier_report: ($s["daemon.kernel_carrier"] // null | if . then brief(.) else null end),
   resources: {daemon: $s["resources.daemon"], baseline_ip_monitor_script: $s["resources.shell"]},
   storm: $s["storm.overflows"], taps_left_on_eth0: $s["taps.left"],
   series: ., errors: $errors}' "$RESULTS" >"$T/bench.json"
[[ -z "${BENCH_OUT:-}" ]] || cp "$T/bench.json" "$BENCH_OUT"
cat "$T/bench.json" >&3
((${#ERRORS[@]} == 0)) || { printf 'run_failover_bench: %s\n' "${ERRORS[@]}" >&2; exit 1; }
