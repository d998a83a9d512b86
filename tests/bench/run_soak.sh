#!/usr/bin/env bash
# Soak (issue 16): SOAK_SECONDS (default 3600) of random control requests (reads,
# garbage, overrides, isolate/restore), reloads between two policies, link flaps,
# cable moves between two switches and firewall flushes, against one daemon in a
# namespace lab. Prints what it did, the daemon's RSS and open fds over time (sampled
# every SOAK_SAMPLE_S, default 30), and at the end whether the state file, the kernel
# and `status` agree. SOAK_PACE_S (0.02) paces the actions. A benchmark, not a test: it prints figures and exits 1 only when
# the daemon died or the three disagree.
#   SOAK_SECONDS=600 FAILOVERD_BIN=build-bench/failoverd/failoverd \
#     FAILOVERCTL_BIN=build-bench/failoverd/failoverctl bash tests/bench/run_soak.sh
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init soak
lab_require_daemon
lab_require jq nft /usr/bin/python3

: "${SOAK_SECONDS:=3600}" "${SOAK_SAMPLE_S:=30}" "${SOAK_SEED:=16}" "${SOAK_PACE_S:=0.02}"
RANDOM=$SOAK_SEED

macs=(02:00:00:00:5a:01 02:00:00:00:5a:02 02:00:00:00:5b:01 02:00:00:00:5b:02)
home=(a a b b)  # the switch each cable starts on
lab_ns server
lab_switch a
lab_switch b
for i in 0 1 2 3; do lab_nic server "ens$((i + 1))" "${macs[$i]}" "${home[$i]}"; done
lab_host a peera 192.0.2.1/24
lab_host b peerb 198.51.100.1/24
S=$(lab_nsname server)

two_bridges() {
  cat <<EOF
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "${macs[0]}" }, { mac = "${macs[1]}" }]

[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [{ mac = "${macs[2]}" }, { mac = "${macs[3]}" }]
EOF
}
lab_policy "$T/a.toml" < <(two_bridges)
lab_policy "$T/b.toml" < <(two_bridges; printf '\n[[bridge]]\nname = "eth2"\nzone = "isolated"\naddress = ["203.0.113.9/24"]\n')
cp "$T/a.toml" "$T/policy.toml"

lab_daemon_start server "$T/policy.toml"
pid=$(lab_daemon_main_pid)
wait_until 15 lab_ping_ok peera 192.0.2.9
wait_until 15 lab_ping_ok peerb 198.51.100.9

declare -A done_count=()
count() { done_count[$1]=$((${done_count[$1]:-0} + 1)); }
ctl() { lab_ctl "$@" >/dev/null 2>&1 || true; }
nic_name() { lab_nic_name server "$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
fd_count() { ls "/proc/$pid/fd" | wc -l; }
garbage() {  # one line of random bytes (or an oversized one) to the control socket
  ip netns exec "$S" /usr/bin/python3 - "$LAB_DAEMON_SOCKET" "$RANDOM" <<'EOF' >/dev/null 2>&1 || true
import os, random, socket, sys
random.seed(int(sys.argv[2]))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
s.connect(sys.argv[1])
size = random.choice([1, 17, 300, 5000, 70000])
payload = bytes(random.getrandbits(8) for _ in range(size))
if random.random() < 0.5:
    payload = random.choice([b"status", b"detach", b"attach hweth0", b"isolate eth0 force force", b"apply /dev/zero",
                             b"events follow", b"\xff\xfe"]) + payload[:40]
s.sendall(payload + b"\n")
try:
    s.recv(65536)
except OSError:
    pass
EOF
}

cut=()  # cables cut, restored a little later
moved=()  # cables on the other switch
isolated=0
policy_b=0
samples=()
start=$(date +%s)
deadline=$((start + SOAK_SECONDS))
next_sample=$start
iterations=0
while (($(date +%s) < deadline)) && ((iterations < 2000000)); do
  iterations=$((iterations + 1))
  lab_daemon_alive || fail "the daemon died after $iterations iterations (log: $LAB_DAEMON_LOG)"
  now=$(date +%s)
  if ((now >= next_sample)); then
    samples+=("$((now - start)) $(rss_kb) $(fd_count)")
    next_sample=$((now + SOAK_SAMPLE_S))
  fi
  pick=$((RANDOM % 100))
  if ((pick < 35)); then
    ctl "$(printf '%s\n' status events metrics status | shuf -n 1)"; count read
  elif ((pick < 45)); then
    garbage; count garbage
  elif ((pick < 55)); then
    nic=$(nic_name "${macs[$((RANDOM % 4))]}")
    case $((RANDOM % 3)) in
      0) ctl detach "$nic" ;;
      1) ctl attach "$nic" "$( ((RANDOM % 2)) && echo eth0 || echo eth1)" ;;
      2) ctl auto "$nic" ;;
    esac
    count override
  elif ((pick < 60)); then
    if ((isolated)); then ctl restore eth1; isolated=0; else ctl isolate eth1; isolated=1; fi
    count isolate
  elif ((pick < 68)); then
    if ((policy_b)); then cp "$T/a.toml" "$T/policy.toml"; policy_b=0; else cp "$T/b.toml" "$T/policy.toml"; policy_b=1; fi
    ctl reload; count reload
  elif ((pick < 82)); then
    if ((${#cut[@]})); then
      lab_cable_restore "${cut[0]}"; cut=("${cut[@]:1}")
    else
      mac=${macs[$((RANDOM % 4))]}; lab_cable_cut "$mac"; cut+=("$mac")
    fi
    count flap
  elif ((pick < 90)); then
    i=$((RANDOM % 4))
    if [[ " ${moved[*]} " == *" $i "* ]]; then
      lab_cable_move "${macs[$i]}" "${home[$i]}"
      keep=(); for m in "${moved[@]}"; do [[ "$m" == "$i" ]] || keep+=("$m"); done; moved=("${keep[@]}")
    else
      lab_cable_move "${macs[$i]}" "$([[ ${home[$i]} == a ]] && echo b || echo a)"; moved+=("$i")
    fi
    count move
  else
    ip netns exec "$S" nft flush ruleset; count flush
  fi
  sleep "$SOAK_PACE_S"  # pacing, not waiting for anything: the lab keeps one core free
done
elapsed=$(($(date +%s) - start))
samples+=("$elapsed $(rss_kb) $(fd_count)")

# Quiet the lab: cables home and plugged, overrides gone, eth1 restored, policy a.
for mac in "${cut[@]}"; do lab_cable_restore "$mac"; done
for i in "${moved[@]}"; do lab_cable_move "${macs[$i]}" "${home[$i]}"; done
for mac in "${macs[@]}"; do ctl auto "$(nic_name "$mac")"; done
((isolated)) && ctl restore eth1
cp "$T/a.toml" "$T/policy.toml"; ctl reload
settled() {
  local status; status=$(lab_status_json) || return 1
  [[ "$(jq -r '[.bridges[] | select(.active != null)] | length' <<<"$status")" == 2 ]] &&
    [[ "$(jq -r '.state.saved' <<<"$status")" == true ]] &&
    [[ "$(jq -r '.bridges | length' <<<"$status")" == 2 ]]
}
wait_until 30 settled

# Do the state file, the kernel and status agree?
status=$(lab_status_json)
state=$(cat "$T/state/state.json")
disagree=()
for bridge in eth0 eth1; do
  active=$(jq -r --arg b "$bridge" '.bridges[] | select(.name == $b) | .active' <<<"$status")
  ports=$(lab_ports_of server "$bridge" | paste -sd ' ')
  [[ "$ports" == "$active" ]] || disagree+=("$bridge: status says $active is the port, the kernel has '$ports'")
done
for mac in "${macs[@]}"; do
  kernel=$(nic_name "$mac")
  saved=$(jq -r --arg m "$mac" '.nics[$m].name // ""' <<<"$state")
  listed=$(jq -r --arg m "$mac" '.nics[] | select(.perm_mac == $m or .mac == $m) | .name' <<<"$status" | head -n 1)
  [[ "$kernel" == "$saved" ]] || disagree+=("$mac: the kernel calls it $kernel, state.json $saved")
  [[ -z "$listed" || "$listed" == "$kernel" ]] || disagree+=("$mac: status calls it $listed, the kernel $kernel")
done
[[ "$(jq -c '.overrides.manual // {}' <<<"$state")" == "{}" ]] || disagree+=("state.json keeps overrides: $(jq -c .overrides <<<"$state")")
[[ "$(jq -c '.isolated' <<<"$status")" == "[]" ]] || disagree+=("status still isolates $(jq -c .isolated <<<"$status")")
governed=$(ip netns exec "$S" nft list set inet failoverd governed)
[[ "$governed" == *'"eth0"'* && "$governed" == *'"eth1"'* ]] || disagree+=("the firewall does not govern eth0 and eth1")

echo "== soak: $elapsed s, $iterations actions, seed $SOAK_SEED"
for kind in read garbage override isolate reload flap move flush; do printf '  %-9s %d\n' "$kind" "${done_count[$kind]:-0}"; done
echo "  time_s rss_kb fds"
for sample in "${samples[@]}"; do echo "  $sample"; done
first=(${samples[1]:-${samples[0]}}); last=(${samples[-1]})
max_rss=$(printf '%s\n' "${samples[@]}" | awk '{ if ($2 > m) m = $2 } END { print m }')
max_fds=$(printf '%s\n' "${samples[@]}" | awk '{ if ($3 > m) m = $3 } END { print m }')
echo "  rss: ${first[1]} kB at ${first[0]} s -> ${last[1]} kB at the end (max $max_rss kB, ratio $(awk -v a="${first[1]}" -v b="${last[1]}" 'BEGIN { printf "%.2f", b / a }'))"
echo "  fds: ${first[2]} -> ${last[2]} (max $max_fds)"
echo "  daemon log: $(grep -c ' error \| critical ' "$LAB_DAEMON_LOG" || true) error/critical lines, $(grep -c 'put back as failoverd wrote it' "$LAB_DAEMON_LOG" || true) firewall repairs"
if ((${#disagree[@]})); then
  printf '  DISAGREE: %s\n' "${disagree[@]}"
  fail "the state file, the kernel and status disagree at the end"
fi
echo "  the state file, the kernel and status agree"
lab_daemon_stop
