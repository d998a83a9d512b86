# shellcheck shell=bash
# The namespace lab: a small library sourced by the kernel tests and scripts/lab.sh.
#
# Everything it builds lives in private network namespaces named "$LAB_PREFIX-<name>"
# (LAB_PREFIX = fod-[<FOD_RUN_ID>-]<test>-<pid>), so tests can run in parallel and never
# touch the machine's own network namespace. lab_cleanup (installed as the EXIT/INT/TERM
# trap by lab_init) kills every process the lab started and deletes every namespace it
# created, whether the test passed or failed.
#
# The pieces:
#   switch  a namespace holding a bridge "sw" (STP off, forward delay 0): a dumb switch
#   nic     a veth pair: the server end (name + MAC) inside the server namespace, the
#           other end a port of a switch. Cutting the cable sets the switch end down,
#           which drops the server NIC's carrier, like pulling the plug.
#   host    a peer namespace cabled to a switch with an address on "net0"
#
# Waiting is done with wait_until (poll every 50 ms with a deadline), never a bare sleep.

# ---------------------------------------------------------------------------------------
# Reporting

LAB_FAILED=0

# Prints what was checked: "ok - MSG".
ok() { printf 'ok - %s\n' "$*"; }

# Prints "FAIL: MSG", the tail of the daemon log, and exits 1 (cleanup runs from the trap).
fail() {
  LAB_FAILED=1
  printf 'FAIL: %s\n' "$*" >&2
  lab_dump_daemon_log >&2
  exit 1
}

assert_eq() {  # EXPECTED ACTUAL MESSAGE
  [[ "$1" == "$2" ]] || fail "$3: expected '$1', got '$2'"
  ok "$3 ($2)"
}

assert_ne() {  # UNEXPECTED ACTUAL MESSAGE
  [[ "$1" != "$2" ]] || fail "$3: got '$2'"
  ok "$3 ($2)"
}

assert_match() {  # REGEX ACTUAL MESSAGE
  [[ "$2" =~ $1 ]] || fail "$3: '$2' does not match /$1/"
  ok "$3 ($2)"
}

# Runs CMD...; fails with MESSAGE unless it succeeds.
assert_cmd() {  # MESSAGE CMD...
  local msg=$1; shift
  "$@" || fail "$msg (command failed: $*)"
  ok "$msg"
}

# Runs CMD...; fails with MESSAGE if it succeeds.
assert_not_cmd() {  # MESSAGE CMD...
  local msg=$1; shift
  if "$@"; then fail "$msg (command unexpectedly succeeded: $*)"; fi
  ok "$msg"
}

# Nanoseconds since the epoch, plus SECONDS (may be fractional).
# (%.0f, not %d: mawk's %d stops at 2^31-1, which would cap every wait at 2.1 s.)
lab_deadline_ns() {  # SECONDS
  echo $(($(date +%s%N) + $(awk -v t="$1" 'BEGIN { printf "%.0f", t * 1000000000 }')))
}

# Polls CMD... every 50 ms until it succeeds; fails the test after TIMEOUT_S seconds.
# The only way the lab waits for anything.
wait_until() {  # TIMEOUT_S CMD...
  local timeout=$1; shift
  poll_until "$timeout" "$@" || fail "timed out after ${timeout}s waiting for: $*"
}

# Like wait_until but returns 1 on timeout instead of failing the test.
poll_until() {  # TIMEOUT_S CMD...
  local limit_ns; limit_ns=$(lab_deadline_ns "$1"); shift
  while true; do
    if "$@"; then return 0; fi
    (($(date +%s%N) >= limit_ns)) && return 1
    sleep 0.05
  done
}

# ---------------------------------------------------------------------------------------
# Setup and cleanup

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
: "${FAILOVERD_SOURCE_DIR:=$LAB_REPO}"
: "${FAILOVERD_BIN:=$LAB_REPO/build/failoverd/failoverd}"
: "${FAILOVERCTL_BIN:=$LAB_REPO/build/failoverd/failoverctl}"
export FAILOVERD_SOURCE_DIR FAILOVERD_BIN FAILOVERCTL_BIN

LAB_PREFIX=""
LAB_NAMESPACES=()   # full names, in creation order
LAB_PIDS=()         # background processes started by the lab
LAB_PORT_SEQ=0
declare -A LAB_CABLE_NS=()    # key (MAC or original NIC name) -> switch namespace
declare -A LAB_CABLE_PORT=()  # key -> switch-side veth name
LAB_DAEMON_PID=""
LAB_DAEMON_NS=""
LAB_DAEMON_SOCKET=""
LAB_DAEMON_LOG=""
LAB_DAEMON_RUNS=0
LAB_DAEMON_RC=""
LAB_DAEMON_WRAPPER=()  # e.g. (strace -f -o FILE ...): run the daemon under this
LAB_LOG_DUMPED=0

lab_require() {  # CMD...
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || fail "required command '$c' is missing (run scripts/install-deps.sh)"
  done
}

# Starts a lab: unique prefix, temp dir $T, cleanup trap.
lab_init() {  # SHORT_NAME
  local short=${1:?lab_init NAME}
  [[ $(id -u) -eq 0 ]] || { echo "FAIL: the namespace lab needs root" >&2; exit 1; }
  LAB_PREFIX="fod-${FOD_RUN_ID:+$FOD_RUN_ID-}${short}-$$"
  T=$(mktemp -d "${TMPDIR:-/tmp}/${LAB_PREFIX}.XXXXXX")
  export T
  trap lab_cleanup EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
  lab_require ip jq
  echo "# lab $LAB_PREFIX, temp dir $T"
}

lab_dump_daemon_log() {
  [[ $LAB_LOG_DUMPED == 0 && -n "$LAB_DAEMON_LOG" && -s "$LAB_DAEMON_LOG" ]] || return 0
  LAB_LOG_DUMPED=1
  echo "----- last 80 lines of $LAB_DAEMON_LOG -----"
  tail -n 80 "$LAB_DAEMON_LOG"
  echo "----- end of daemon log -----"
}

# Kills what the lab started and deletes its namespaces. Safe to call more than once.
lab_cleanup() {
  local rc=$?
  trap - EXIT HUP INT TERM
  trap '' PIPE  # a closed stdout must not stop the cleanup half-way
  set +e
  if ((rc != 0)) && [[ $LAB_FAILED == 0 ]]; then
    echo "FAIL: exiting with status $rc" >&2
    lab_dump_daemon_log >&2
  fi
  local pid ns
  # Polite first (a daemon leaves its links in place on SIGTERM), then firm.
  for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  local limit=$(($(date +%s) + 5))
  for pid in "${LAB_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && (($(date +%s) < limit)); do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Our namespaces: the recorded ones and any other one with our unique prefix
  # (e.g. created in a subshell). Processes still inside them are ours too.
  local all=("${LAB_NAMESPACES[@]}")
  if [[ -n "$LAB_PREFIX" ]]; then
    while read -r ns _; do
      [[ "$ns" == "$LAB_PREFIX"-* ]] && all+=("$ns")
    done < <(ip netns list 2>/dev/null)
  fi
  for ns in "${all[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  done
  for ns in "${all[@]}"; do
    ip netns del "$ns" 2>/dev/null
  done
  if [[ -n "${T:-}" && -d "$T" ]]; then
    if [[ "${LAB_KEEP:-0}" == 1 ]]; then
      echo "# kept $T" >&2
    else
      rm -rf "$T"
    fi
  fi
  if ((rc == 0)); then echo "PASS"; fi
  exit "$rc"
}

# Starts CMD... in the background with stdout to $T/NAME.out and stderr to $T/NAME.err;
# records its pid (in LAB_BG_PID and for cleanup). Must run in the test's own shell.
lab_bg() {  # NAME CMD...
  local name=$1; shift
  # Run external commands directly so that LAB_BG_PID is the process itself (a shell
  # function would leave a subshell in between that does not pass on signals).
  if [[ "$1" == lab_in ]]; then set -- ip netns exec "$(lab_nsname "$2")" "${@:3}"; fi
  "$@" >"$T/$name.out" 2>"$T/$name.err" &
  LAB_BG_PID=$!
  LAB_PIDS+=("$LAB_BG_PID")
}

# Stops a background process started with lab_bg (SIGNAL, default TERM) and reaps it.
lab_bg_stop() {  # PID [SIGNAL]
  local pid=$1 sig=${2:-TERM}
  kill "-$sig" "$pid" 2>/dev/null || true
  poll_until 5 lab_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

lab_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# ---------------------------------------------------------------------------------------
# Topology

lab_nsname() { echo "$LAB_PREFIX-$1"; }

# Creates namespace PREFIX-NAME with lo up. Sets LAB_NS to its full name.
lab_ns() {  # NAME
  LAB_NS=$(lab_nsname "$1")
  ip netns add "$LAB_NS" || fail "cannot create namespace $LAB_NS"
  LAB_NAMESPACES+=("$LAB_NS")
  ip -n "$LAB_NS" link set lo up
}

# A namespace holding bridge "sw": up, STP off, forward delay 0, no IPv6 of its own
# (a dumb switch must not add router solicitations or MLD reports to the wire).
lab_switch() {  # NAME
  lab_ns "$1"
  ip netns exec "$LAB_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$LAB_NS" link add name sw type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$LAB_NS" link set sw up
}

# A veth "cable": IFNAME with MAC inside the server namespace (left down, like a fresh
# NIC), the other end a port of the switch's bridge, up. Both SERVER and SWITCH are
# short names. The cable is remembered under the MAC and under IFNAME.
lab_nic() {  # SERVER IFNAME MAC SWITCH
  local srv sw port
  srv=$(lab_nsname "$1"); sw=$(lab_nsname "$4")
  LAB_PORT_SEQ=$((LAB_PORT_SEQ + 1))
  port="p$LAB_PORT_SEQ-$2"
  port=${port:0:15}
  ip -n "$srv" link add name "$2" address "$3" type veth peer name "$port" netns "$sw" ||
    fail "cannot create NIC $2 ($3) in $srv"
  ip -n "$sw" link set "$port" master sw
  ip -n "$sw" link set "$port" up
  LAB_CABLE_NS[$3]=$sw; LAB_CABLE_PORT[$3]=$port
  LAB_CABLE_NS[$2]=$sw; LAB_CABLE_PORT[$2]=$port
}

# The switch-side port name / namespace of a cable (by MAC or original NIC name).
lab_cable_port() { echo "${LAB_CABLE_PORT[$1]:?no cable $1}"; }
lab_cable_switch() { echo "${LAB_CABLE_NS[$1]:?no cable $1}"; }

# Pulls / plugs a cable: the switch end goes down / up, so the server NIC loses / regains carrier.
lab_cable_cut() { ip -n "$(lab_cable_switch "$1")" link set "$(lab_cable_port "$1")" down; }
lab_cable_restore() { ip -n "$(lab_cable_switch "$1")" link set "$(lab_cable_port "$1")" up; }

# A peer host: namespace NAME with "net0" cabled to SWITCH, addresses ADDR/LEN..., up.
lab_host() {  # SWITCH NAME ADDR/LEN [ADDR/LEN...]
  local sw host port a
  sw=$(lab_nsname "$1"); shift
  lab_ns "$1"; host=$LAB_NS; shift
  LAB_PORT_SEQ=$((LAB_PORT_SEQ + 1))
  port="h$LAB_PORT_SEQ"
  ip -n "$host" link add name net0 type veth peer name "$port" netns "$sw"
  ip -n "$sw" link set "$port" master sw
  ip -n "$sw" link set "$port" up
  for a in "$@"; do
    if [[ "$a" == *:* ]]; then
      ip -n "$host" addr add "$a" dev net0 nodad
    else
      ip -n "$host" addr add "$a" dev net0
    fi
  done
  ip -n "$host" link set net0 up
  LAB_NS=$host
}

# Runs CMD... inside the lab namespace NAME (short name).
lab_in() {  # NAME CMD...
  local ns; ns=$(lab_nsname "$1"); shift
  ip netns exec "$ns" "$@"
}

# The current name of the veth NIC with MAC inside namespace NAME ("" if none).
lab_nic_name() {  # NAME MAC
  ip -n "$(lab_nsname "$1")" -d -j link show |
    jq -r --arg m "${2,,}" '.[] | select(.address == $m and .linkinfo.info_kind == "veth") | .ifname' |
    head -n 1
}

# Whether link IFNAME in namespace NAME has carrier (LOWER_UP, no NO-CARRIER).
lab_link_has_carrier() {  # NAME IFNAME
  ip -n "$(lab_nsname "$1")" -j link show dev "$2" 2>/dev/null |
    jq -e '.[0].flags | (index("LOWER_UP") != null) and (index("NO-CARRIER") == null)' >/dev/null
}

# Names of the links enslaved to BRIDGE in namespace NAME, one per line.
lab_ports_of() {  # NAME BRIDGE
  ip -n "$(lab_nsname "$1")" -j link show master "$2" 2>/dev/null | jq -r '.[].ifname'
}

# ---------------------------------------------------------------------------------------
# Policy and daemon

# Prints the [daemon] and [nics] sections every test policy starts with (10 lines).
lab_policy_header() {
  mkdir -p "$T/state"
  cat <<EOF
[daemon]
state_dir = "$T/state"
control_socket = "$T/control.sock"
zones_dir = "$FAILOVERD_SOURCE_DIR/firewall/zones"
udev_source = "kernel"
hold_down_ms = 0
up_delay_ms = 0

[nics]
include = ["kind:veth"]
EOF
}

# Writes FILE from the header plus stdin (the [[bridge]] tables).
lab_policy() {  # FILE  < bridge tables
  { lab_policy_header; echo; cat; } >"$1"
}

# The usual bench: namespace `server` with NICs M1, M2, ... (ens1, ens2, ..., the first
# preferred) on switch `a`, a peer 192.0.2.1 there, and $T/policy.toml with eth0 (zone
# lan, 192.0.2.9/24, ports [M1, M2, ...]).
lab_eth0() {  # M1 [M2...]
  local i=0 mac ports=""
  lab_ns server
  lab_switch a
  for mac in "$@"; do
    i=$((i + 1))
    lab_nic server "ens$i" "$mac" a
    ports+="${ports:+, }{ mac = \"$mac\" }"
  done
  lab_host a peer 192.0.2.1/24
  lab_policy "$T/policy.toml" <<EOF
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [$ports]
EOF
}
lab_eth0_one() { lab_eth0 "$1"; }  # M1
lab_eth0_pair() { lab_eth0 "$1" "$2"; }  # M1 M2

lab_require_daemon() {
  [[ -x "$FAILOVERD_BIN" ]] || fail "daemon binary $FAILOVERD_BIN not found (build first)"
  [[ -x "$FAILOVERCTL_BIN" ]] || fail "failoverctl binary $FAILOVERCTL_BIN not found (build first)"
}

# failoverctl against the running lab daemon, inside its namespace.
lab_ctl() {
  ip netns exec "$LAB_DAEMON_NS" "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" "$@"
}
# The same, run from an SSH session described by SSH_CONNECTION ("CLIENT PORT SERVER PORT").
lab_ctl_in_session() {  # SSH_CONNECTION ARGS...
  local connection=$1; shift
  SSH_CONNECTION="$connection" ip netns exec "$LAB_DAEMON_NS" "$FAILOVERCTL_BIN" --socket "$LAB_DAEMON_SOCKET" "$@"
}

# Runs CMD...; its exit status, stdout and stderr land in RC, OUT and ERR.
run() {
  RC=0
  "$@" >"$T/run.out" 2>"$T/run.err" || RC=$?
  OUT=$(<"$T/run.out"); ERR=$(<"$T/run.err")
}
# Runs CMD... and fails unless it exits with RC.
expect_rc() {  # RC MESSAGE CMD...
  local want=$1 msg=$2; shift 2
  run "$@"
  [[ "$RC" == "$want" ]] || fail "$msg: exit $RC, expected $want (stdout: ${OUT:0:400}; stderr: ${ERR:0:600})"
  ok "$msg: exit $RC"
}

lab_status_json() { lab_ctl --json status; }

lab_daemon_ready() { lab_ctl status >/dev/null 2>&1; }

lab_daemon_alive() { [[ -n "$LAB_DAEMON_PID" ]] && kill -0 "$LAB_DAEMON_PID" 2>/dev/null; }

# Starts the daemon in namespace SERVER (short name) with POLICY and waits (20 s) until
# `failoverctl status` answers. Log: $LAB_DAEMON_LOG ($T/daemon.N.log, N = run number).
# Runs under LAB_DAEMON_WRAPPER if that array is set.
lab_daemon_start() {  # SERVER POLICY [EXTRA ARGS...]
  local server=$1 policy=$2; shift 2
  lab_require_daemon
  [[ -z "$LAB_DAEMON_PID" ]] || fail "lab_daemon_start: a daemon is already running"
  LAB_DAEMON_NS=$(lab_nsname "$server")
  LAB_DAEMON_SOCKET=$(sed -n 's/^[[:space:]]*control_socket[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$policy" | head -n 1)
  [[ -n "$LAB_DAEMON_SOCKET" ]] || LAB_DAEMON_SOCKET="$T/control.sock"
  LAB_DAEMON_RUNS=$((LAB_DAEMON_RUNS + 1))
  LAB_DAEMON_LOG="$T/daemon.$LAB_DAEMON_RUNS.log"
  LAB_LOG_DUMPED=0
  ip netns exec "$LAB_DAEMON_NS" "${LAB_DAEMON_WRAPPER[@]}" "$FAILOVERD_BIN" --policy "$policy" \
    --foreground --log-level debug "$@" >"$LAB_DAEMON_LOG" 2>&1 &
  LAB_DAEMON_PID=$!
  LAB_PIDS+=("$LAB_DAEMON_PID")
  local limit; limit=$(lab_deadline_ns 20)
  until lab_daemon_ready; do
    if ! lab_daemon_alive; then
      LAB_DAEMON_RC=0; wait "$LAB_DAEMON_PID" || LAB_DAEMON_RC=$?
      LAB_DAEMON_PID=""
      fail "daemon exited with status $LAB_DAEMON_RC before it was ready"
    fi
    (($(date +%s%N) < limit)) || fail "daemon not ready (failoverctl status) within 20 s"
    sleep 0.05
  done
  ok "daemon run $LAB_DAEMON_RUNS ready in $LAB_DAEMON_NS (pid $LAB_DAEMON_PID)"
}

# The pid of the failoverd process itself (differs from LAB_DAEMON_PID under a wrapper).
lab_daemon_main_pid() {
  local pid=$LAB_DAEMON_PID exe kids k
  local bin; bin=$(readlink -f "$FAILOVERD_BIN")
  for _ in 1 2 3 4; do
    exe=$(readlink -f "/proc/$pid/exe" 2>/dev/null || true)
    [[ "$exe" == "$bin" ]] && { echo "$pid"; return 0; }
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    k=${kids%% *}; k=${k%% }
    [[ -n "$k" ]] || break
    pid=$k
  done
  echo "$LAB_DAEMON_PID"
}

# SIGTERM to the daemon, wait (20 s) for it to exit; fails unless it exits with status 0.
# After the daemon has ended (killed, or exited by itself): its status in LAB_DAEMON_RC,
# and it is forgotten, so that a new one may start and the cleanup does not wait for it.
lab_daemon_reap() {
  LAB_DAEMON_RC=0; wait "$LAB_DAEMON_PID" 2>/dev/null || LAB_DAEMON_RC=$?
  local keep=() p
  for p in "${LAB_PIDS[@]}"; do [[ "$p" == "$LAB_DAEMON_PID" ]] || keep+=("$p"); done
  LAB_PIDS=("${keep[@]}")
  LAB_DAEMON_PID=""
}

# Waits (TIMEOUT_S) for the lab's daemon to exit by itself; LAB_DAEMON_RC gets its status.
lab_daemon_wait_exit() {  # TIMEOUT_S
  poll_until "$1" lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon still running after $1 s"
  lab_daemon_reap
}

# Runs failoverd --policy POLICY --foreground ARGS... in namespace SERVER (short name) to
# completion (it must exit by itself within 30 s), its output in LOG, and checks that
# its exit status is EXPECTED_STATUS (the output is shown when it is not).
lab_failoverd_exits() {  # SERVER EXPECTED_STATUS LOG POLICY [ARGS...]
  local ns want=$2 log=$3 policy=$4 rc=0
  ns=$(lab_nsname "$1"); shift 4
  timeout 30 ip netns exec "$ns" "$FAILOVERD_BIN" --policy "$policy" --foreground "$@" >"$log" 2>&1 || rc=$?
  if ((rc != want)); then
    cat "$log" >&2
    fail "failoverd $* exited with $rc, expected $want"
  fi
}

lab_daemon_stop() {
  [[ -n "$LAB_DAEMON_PID" ]] || return 0
  local main; main=$(lab_daemon_main_pid)
  kill -TERM "$main" 2>/dev/null || true
  poll_until 20 lab_pid_gone "$LAB_DAEMON_PID" || fail "daemon did not exit within 20 s of SIGTERM"
  LAB_DAEMON_RC=0; wait "$LAB_DAEMON_PID" || LAB_DAEMON_RC=$?
  LAB_DAEMON_PID=""
  ((LAB_DAEMON_RC == 0)) || fail "daemon exited with status $LAB_DAEMON_RC after SIGTERM"
  ok "daemon stopped with SIGTERM, status 0"
}

# The active NIC of BRIDGE according to `failoverctl --json status` ("" if none).
lab_json_active() {  # BRIDGE
  lab_status_json 2>/dev/null | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .active // ""'
}

# Succeeds when the status JSON names NIC as BRIDGE's active port.
lab_active_is() {  # BRIDGE NIC
  [[ -n "$2" && "$(lab_json_active "$1")" == "$2" ]]
}

# Pings ADDR once from lab namespace HOST (1 s timeout).
lab_ping_ok() {  # HOST ADDR
  lab_in "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1
}

# A JSON snapshot of the links in namespace NAME: name, kind, master, flags, operstate,
# address, per ifindex. Used to show that nothing was touched.
lab_link_snapshot() {  # NAME
  ip -n "$(lab_nsname "$1")" -d -j link show |
    jq -S '[.[] | {ifindex, ifname, kind: (.linkinfo.info_kind // null), master: (.master // null),
                   flags, operstate, address, mtu}]'
}

# ---- identification peers ----
# Real peers for the network-identification tests (tests/kernel/test_identify_*.sh): an
# LLDP agent on a switch, a router sending RAs, moving a cable to another switch, and a
# packet capture on a switch. Everything runs inside lab namespaces only.

declare -A LAB_LLDPD_PID=()  # switch short name -> pid of its lldpd

# Whether lldpd on SWITCH answers on its control socket and has applied SYSTEM_NAME.
lab_lldpd_configured() {  # SWITCH SYSTEM_NAME
  lab_in "$1" lldpcli -u "$T/lldpd-$1/lldpd.sock" -f json show chassis 2>/dev/null |
    jq -e --arg n "$2" '[.. | objects | select(has($n))] | length > 0' >/dev/null
}

# Runs lldpd as SWITCH's LLDP agent (tx interval 1 s): system name SYSTEM_NAME, chassis ID
# CHASSIS_MAC (the MAC of the switch's own management link mgmt0, not bridged). It sends
# on the switch's cable ports (p*, created by lab_nic, also those moved in later by
# lab_cable_move) and on mgmt0, never on the hosts' ports. Private control socket, pid
# file and configuration under $T/lldpd-SWITCH; waits (10 s) until the name is applied.
lab_lldpd() {  # SWITCH SYSTEM_NAME CHASSIS_MAC
  local short=$1 name=$2 mac=$3 ns dir
  lab_require lldpd lldpcli
  ns=$(lab_nsname "$short")
  dir="$T/lldpd-$short"
  # lldpd drops privileges to _lldpd and its helper lldpcli connects back to the control
  # socket as that user, so the socket's directory must be reachable by it.
  chmod 711 "$T"
  mkdir -m 755 "$dir"
  ip -n "$ns" link add mgmt0 address "$mac" type veth peer name mgmt1
  ip -n "$ns" link set mgmt0 up
  ip -n "$ns" link set mgmt1 up
  printf 'configure lldp tx-interval 1\nconfigure system hostname %s\n' "$name" >"$dir/lldpd.conf"
  # -d -d: foreground, log to stderr; -u/-p: private socket and pid file; -O: our config
  # instead of /etc/lldpd.{conf,d}; -I: the interfaces to use; -C: chassis ID from mgmt0.
  lab_bg "lldpd-$short" lab_in "$short" lldpd -d -d -u "$dir/lldpd.sock" -p "$dir/lldpd.pid" \
    -O "$dir/lldpd.conf" -I 'p*,mgmt0' -C mgmt0 -S "failoverd lab switch $name"
  LAB_LLDPD_PID[$short]=$LAB_BG_PID
  poll_until 10 lab_lldpd_configured "$short" "$name" ||
    fail "lldpd on $short did not come up as $name: $(tail -n 5 "$T/lldpd-$short.err")"
}

# Whether link-local IPv6 on net0 of lab namespace HOST is usable (DAD done).
lab_link_local_ready() {  # HOST
  [[ -n "$(ip -n "$(lab_nsname "$1")" -6 addr show dev net0 scope link -tentative 2>/dev/null)" ]]
}

# A router host ROUTER_HOST on SWITCH (net0 with MAC if given, no IPv4) running radvd,
# advertising PREFIX every 3-4 s and answering router solicitations. Waits (10 s) for
# its link-local address first (radvd refuses to start without one).
lab_radvd() {  # SWITCH ROUTER_HOST PREFIX [MAC]
  local sw=$1 host=$2 prefix=$3 mac=${4:-} ns
  lab_require radvd
  lab_host "$sw" "$host"
  ns=$LAB_NS
  [[ -z "$mac" ]] || ip -n "$ns" link set net0 address "$mac"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1  # radvd refuses to run otherwise
  cat >"$T/radvd-$host.conf" <<CONF
interface net0 {
  AdvSendAdvert on;
  MinRtrAdvInterval 3;
  MaxRtrAdvInterval 4;
  prefix $prefix { };
};
CONF
  poll_until 10 lab_link_local_ready "$host" || fail "router $host: no link-local address on net0"
  # -n: foreground; -m stderr: log to stderr; -p: private pid file; -u root: no radvd user needed.
  lab_bg "radvd-$host" lab_in "$host" radvd -n -m stderr -C "$T/radvd-$host.conf" -p "$T/radvd-$host.pid" -u root
  LAB_NS=$ns
}

# Moves a cable's switch end (by MAC or original NIC name) to the bridge of NEW_SWITCH:
# the port leaves its switch (the server NIC loses carrier), joins the other switch's
# "sw" and goes up (carrier again). Re-plugging a cable into another switch in one step
# (milliseconds), or plugging in one pulled earlier with lab_cable_cut.
lab_cable_move() {  # KEY NEW_SWITCH
  local old port new k
  old=$(lab_cable_switch "$1"); port=$(lab_cable_port "$1"); new=$(lab_nsname "$2")
  ip -n "$old" link set "$port" netns "$new" || fail "cannot move $port from $old to $new"
  ip -n "$new" link set "$port" master sw
  ip -n "$new" link set "$port" up
  for k in "${!LAB_CABLE_PORT[@]}"; do
    [[ "${LAB_CABLE_PORT[$k]}" == "$port" && "${LAB_CABLE_NS[$k]}" == "$old" ]] && LAB_CABLE_NS[$k]=$new
  done
  return 0
}

declare -A LAB_CAPTURE_PID=()  # capture name -> pid of its tcpdump

# Captures every frame passing SWITCH's bridge (promiscuous, so also frames forwarded
# between its ports) into $T/NAME.pcap until lab_capture_stop; waits until it listens.
# IFACE: another link of that namespace instead of "sw" (e.g. a server's bridge).
lab_capture() {  # SWITCH NAME [IFACE]
  lab_require tcpdump
  # -Z root: Debian's tcpdump would drop to user tcpdump, which cannot write into $T.
  # --immediate-mode -U: each frame is written when it arrives (by default libpcap hands
  # them over in blocks, up to 1 s late, and a capture stopped then loses the last second).
  lab_bg "$2" lab_in "$1" tcpdump -n --immediate-mode -U -Z root -s 256 -i "${3:-sw}" -w "$T/$2.pcap"
  LAB_CAPTURE_PID[$2]=$LAB_BG_PID
  poll_until 10 grep -q 'listening on' "$T/$2.err" || fail "capture $2 on $1 did not start: $(cat "$T/$2.err")"
}

# Stops capture NAME; fails if the kernel dropped frames of it (then it proves nothing).
lab_capture_stop() {  # NAME
  lab_bg_stop "${LAB_CAPTURE_PID[$1]:?no capture $1}" INT
  grep -q '^0 packets dropped by kernel' "$T/$1.err" || fail "capture $1 is incomplete: $(tr '\n' ' ' <"$T/$1.err")"
}

# Prints the frames of capture NAME matching a pcap FILTER, one line each (-tt -e: epoch time and MACs).
lab_capture_lines() {  # NAME FILTER
  tcpdump -n -tt -e -r "$T/$1.pcap" "$2" 2>/dev/null || true
}

lab_capture_count() {  # NAME FILTER
  lab_capture_lines "$1" "$2" | wc -l
}

# The two networks of the identification tests, each a switch with its LLDP agent and a
# host owning the gateway address (answers ARP); MAC_PREFIX (4 bytes, e.g. 02:00:00:31)
# gives each test's peers MACs of their own:
#   lan: switch "lan", lldpd "core-sw-1" (chassis PREFIX:0a:01), host "langw" 192.0.2.1/24
#        (PREFIX:0b:01), router "lanrtr" (PREFIX:0c:01) advertising 2001:db8:1::/64
#   wan: switch "wan", lldpd "edge-sw-1" (chassis PREFIX:0a:02), host "wangw"
#        198.51.100.1/24 (PREFIX:0b:02)
lab_identify_lan() {  # MAC_PREFIX
  lab_switch lan
  lab_lldpd lan core-sw-1 "$1:0a:01"
  lab_host lan langw 192.0.2.1/24
  ip -n "$LAB_NS" link set net0 address "$1:0b:01"
  lab_radvd lan lanrtr 2001:db8:1::/64 "$1:0c:01"
}
lab_identify_wan() {  # MAC_PREFIX
  lab_switch wan
  lab_lldpd wan edge-sw-1 "$1:0a:02"
  lab_host wan wangw 198.51.100.1/24
  ip -n "$LAB_NS" link set net0 address "$1:0b:02"
}

# Writes the identification tests' policy to FILE: bridge eth0 (zone lan, 192.0.2.9/24,
# 2001:db8:1::9/64) recognised by LLDP system "core-*", an ARP answer for 192.0.2.1 or
# the RA prefix 2001:db8:1::/64; bridge eth1 (zone external, 198.51.100.9/24) by LLDP
# system "edge-*" or an ARP answer for 198.51.100.1; both require = "confirmed".
# ETH0_KEYS / ETH1_KEYS: more keys for each bridge table (ports, spares), one string each.
lab_identify_policy() {  # FILE ETH0_KEYS ETH1_KEYS
  lab_policy "$1" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24", "2001:db8:1::9/64"]
$2

[bridge.identify]
lldp_system = "core-*"
arp_target = "192.0.2.1"
ra_prefix = "2001:db8:1::/64"
require = "confirmed"

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
$3

[bridge.identify]
lldp_system = "edge-*"
arp_target = "198.51.100.1"
require = "confirmed"
EOF2
}

# A field of NIC's entry in the status JSON (jq path after the NIC object, e.g. .role).
lab_nic_field() {  # NIC JQ_PATH
  lab_status_json 2>/dev/null | jq -r --arg n "$1" ".nics[] | select(.name == \$n) | $2"
}
lab_nic_field_is() {  # NIC JQ_PATH VALUE
  [[ "$(lab_nic_field "$1" "$2")" == "$3" ]]
}

# pcap filters for "a frame of the lan" and "a frame of the wan" in the identification
# lab (MAC_PREFIX as for lab_identify_lan/wan; ETH0_MAC/ETH1_MAC: the server's bridges):
# the network's addresses as a source, its hosts' MACs and its bridge's MAC.
lab_identify_filters() {  # MAC_PREFIX ETH0_MAC ETH1_MAC
  LAB_LAN_ONLY="src net 192.0.2.0/24 or src net 2001:db8:1::/64 or ether host $1:0b:01 or ether host $1:0c:01 or ether host $2"
  LAB_WAN_ONLY="src net 198.51.100.0/24 or ether host $1:0b:02 or ether host $3"
}

# The frames of capture NAME matching FILTER with a time in [FROM, TO) (unix times), counted.
lab_capture_count_between() {  # NAME FILTER FROM TO
  lab_capture_lines "$1" "$2" | awk -v from="$3" -v to="$4" '$1 + 0 >= from + 0 && $1 + 0 < to + 0' | wc -l
}

# Checks that the (stopped) captures cap-lan and cap-wan saw their own network: in
# [FROM, TO) each holds its gateway's echo requests to the server and the replies (at
# least 5 each) and so frames matching its lab_identify_filters filter. Without this,
# lab_identify_check_no_crossing would prove nothing.
lab_identify_check_captures() {  # LABEL FROM TO
  local net own gw srv n req rep
  for net in lan wan; do
    if [[ $net == lan ]]; then own=$LAB_LAN_ONLY gw=192.0.2.1 srv=192.0.2.9; else own=$LAB_WAN_ONLY gw=198.51.100.1 srv=198.51.100.9; fi
    n=$(lab_capture_count_between "cap-$net" "$own" "$2" "$3")
    req=$(lab_capture_count_between "cap-$net" "icmp[icmptype] = icmp-echo and src host $gw and dst host $srv" "$2" "$3")
    rep=$(lab_capture_count_between "cap-$net" "icmp[icmptype] = icmp-echoreply and src host $srv and dst host $gw" "$2" "$3")
    ((n > 0 && req >= 5 && rep >= 5)) ||
      fail "$net capture $1: $n frames of its own network, $req echo requests, $rep replies"
    ok "$net capture $1: $n frames of its own network, $req echo requests, $rep replies"
  done
}
# Checks that cap-lan holds no frame of the wan and cap-wan none of the lan.
lab_identify_check_no_crossing() {
  local crossed
  crossed=$(lab_capture_lines cap-lan "$LAB_WAN_ONLY")
  [[ -z "$crossed" ]] || fail "wan frames on the lan switch:"$'\n'"$(head -n 20 <<<"$crossed")"
  crossed=$(lab_capture_lines cap-wan "$LAB_LAN_ONLY")
  [[ -z "$crossed" ]] || fail "lan frames on the wan switch:"$'\n'"$(head -n 20 <<<"$crossed")"
  ok "no frame crossed between lan and wan ($(lab_capture_count cap-lan '') frames on lan, $(lab_capture_count cap-wan '') on wan)"
}

# "[UNIX TIME] 64 bytes from ..." lines of `ping -D` in $T/NAME.out: succeeds when at
# least COUNT replies arrived after unix time AFTER.
lab_ping_replies_after() {  # NAME AFTER COUNT
  awk -v t="$2" -v want="$3" '/bytes from/ { ts = substr($1, 2, length($1) - 2); if (ts + 0 > t + 0) n++ }
    END { exit !(n >= want) }' "$T/$1.out"
}

# Milliseconds in daemon log LOG between the first line matching FROM (an ERE) and the
# first later line matching TO, looking only after the first SKIP lines; "?" if missing.
lab_log_ms() {  # LOG FROM TO [SKIP]
  # awk reads the file itself: a pipe from tail would die of SIGPIPE when awk stops
  # early with more than a pipe buffer left (and fail the caller under pipefail).
  awk -v skip="${4:-0}" -v from="$2" -v to="$3" '
    function ms(stamp,  a) { split(substr(stamp, 12), a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
    NR <= skip { next }
    start == "" && $0 ~ from { start = ms($1); next }
    start != "" && $0 ~ to { printf "%.0f\n", ms($1) - start; found = 1; exit }
    END { if (!found) print "?" }' "$1"
}
# ---- end identification peers ----

# ---- crash runs ----
# For tests/kernel/test_crash_points.sh: a daemon run that is expected to end by itself
# (e.g. killed at an injected crash point, see failoverd/runtime/crash_points.h) rather
# than become ready.

# Starts the daemon in namespace SERVER (short name) with POLICY, with the environment
# additions VAR=VALUE..., like lab_daemon_start, and waits (TIMEOUT_S) for it to exit.
# Sets LAB_DAEMON_RC to its exit status (137 = SIGKILL) and leaves LAB_DAEMON_PID empty;
# LAB_DAEMON_LOG holds its output. Fails the test if it is still running at the deadline.
lab_daemon_run_until_exit() {  # SERVER POLICY TIMEOUT_S [VAR=VALUE...]
  local server=$1 policy=$2 timeout=$3; shift 3
  lab_require_daemon
  [[ -z "$LAB_DAEMON_PID" ]] || fail "lab_daemon_run_until_exit: a daemon is already running"
  LAB_DAEMON_NS=$(lab_nsname "$server")
  LAB_DAEMON_SOCKET=$(sed -n 's/^[[:space:]]*control_socket[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$policy" | head -n 1)
  [[ -n "$LAB_DAEMON_SOCKET" ]] || LAB_DAEMON_SOCKET="$T/control.sock"
  LAB_DAEMON_RUNS=$((LAB_DAEMON_RUNS + 1))
  LAB_DAEMON_LOG="$T/daemon.$LAB_DAEMON_RUNS.log"
  LAB_LOG_DUMPED=0
  ip netns exec "$LAB_DAEMON_NS" env "$@" "${LAB_DAEMON_WRAPPER[@]}" "$FAILOVERD_BIN" --policy "$policy" \
    --foreground --log-level debug >"$LAB_DAEMON_LOG" 2>&1 &
  LAB_DAEMON_PID=$!
  LAB_PIDS+=("$LAB_DAEMON_PID")
  if ! poll_until "$timeout" lab_pid_gone "$LAB_DAEMON_PID"; then
    kill -KILL "$LAB_DAEMON_PID" 2>/dev/null
    wait "$LAB_DAEMON_PID" 2>/dev/null
    LAB_DAEMON_PID=""
    fail "daemon run $LAB_DAEMON_RUNS ($*) still running after ${timeout}s"
  fi
  LAB_DAEMON_RC=0; wait "$LAB_DAEMON_PID" || LAB_DAEMON_RC=$?
  LAB_DAEMON_PID=""
  ok "daemon run $LAB_DAEMON_RUNS ($*) exited with status $LAB_DAEMON_RC"
}
# ---- end crash runs ----

# ---- reachability of a live host ----
# For the tests of what must never cut a host off (issue 14): services on the server
# and a peer that keeps using them.

declare -A LAB_STREAM_PID=()  # stream name -> pid of its icmp_stream.pl

# A TCP listener in lab namespace NAME on PORT (every IPv4 and IPv6 address) that
# accepts and closes; waits until it listens.
lab_tcp_listen() {  # NAME PORT
  lab_require python3
  lab_bg "listen-$1-$2" lab_in "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1]))); s.listen(64)
print("listening", flush=True)
while True:
    c, _ = s.accept(); c.close()' "$2"
  poll_until 5 grep -q listening "$T/listen-$1-$2.out" || fail "listener on port $2 in $1 did not start"
}

# Succeeds when a TCP connect from lab namespace HOST to ADDR:PORT is answered within 1 s.
lab_tcp_connects() {  # HOST ADDR PORT
  lab_in "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

# A sequence-numbered echo stream from lab namespace HOST to ADDR every INTERVAL_S
# (default 0.02) into $T/NAME.out (tests/lab/icmp_stream.pl: "S seq time", "R seq time").
lab_stream() {  # NAME HOST ADDR [INTERVAL_S]
  lab_bg "$1" lab_in "$2" perl "$LAB_DIR/icmp_stream.pl" "$3" "${4:-0.02}"
  LAB_STREAM_PID[$1]=$LAB_BG_PID
}
# Whether stream NAME has had at least COUNT replies.
lab_stream_replies() {  # NAME COUNT
  [[ $(grep -c '^R ' "$T/$1.out" 2>/dev/null) -ge $2 ]]
}
# Stops stream NAME and prints "LOST SENT": of the requests sent more than 0.2 s before
# the last one (the rest may still be in flight; on veth a reply takes well under 1 ms),
# how many got no reply.
lab_stream_stop() {  # NAME
  lab_bg_stop "${LAB_STREAM_PID[$1]:?no stream $1}" INT
  awk '$1 == "S" { sent[$2] = $3; last = $3 } $1 == "R" { got[$2] = 1 }
       END { n = 0; lost = 0; for (k in sent) if (sent[k] < last - 0.2) { n++; if (!(k in got)) lost++ }; print lost, n }' "$T/$1.out"
}
