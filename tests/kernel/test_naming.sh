#!/usr/bin/env bash
# Naming: managed NICs are renamed hwethN, state.json maps each MAC to its name, and the
# mapping survives a daemon restart (NICs renamed behind its back) and a re-plug of all
# NICs in reverse order (new ifindexes, names that sort differently).
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init naming
lab_require_daemon

macs=(02:00:00:00:01:01 02:00:00:00:01:02 02:00:00:00:01:03)
lab_ns server
lab_switch a
for i in 0 1 2; do lab_nic server "ens$((i + 1))" "${macs[$i]}" a; done
S=$(lab_nsname server)

lab_policy "$T/policy.toml" <<EOF2
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "${macs[0]}" }, { mac = "${macs[1]}" }, { mac = "${macs[2]}" }]
EOF2

all_named() {  # every MAC on an hwethN name
  local m n
  for m in "${macs[@]}"; do
    n=$(lab_nic_name server "$m")
    [[ "$n" =~ ^hweth[0-9]+$ ]] || return 1
  done
}
state_maps() {  # state.json maps every MAC to its current name
  local m n
  [[ -s "$T/state/state.json" ]] || return 1
  for m in "${macs[@]}"; do
    n=$(lab_nic_name server "$m")
    [[ "$(jq -r --arg m "$m" '.nics[$m].name // ""' "$T/state/state.json" 2>/dev/null)" == "$n" ]] || return 1
  done
}

lab_daemon_start server "$T/policy.toml"
wait_until 10 all_named
declare -A first=()
for m in "${macs[@]}"; do
  first[$m]=$(lab_nic_name server "$m")
  assert_match '^hweth[0-9]+$' "${first[$m]}" "NIC $m renamed"
done
assert_eq 3 "$(printf '%s\n' "${first[@]}" | sort -u | wc -l)" "three distinct hwethN names"
assert_eq 2 "$(jq -r '.version' "$T/state/state.json")" "state.json format (2 since bridges carry failoverd's mark)"
wait_until 10 state_maps
ok "state.json maps each MAC to its hwethN name"
for m in "${macs[@]}"; do
  assert_eq "${first[$m]}" "$(lab_status_json | jq -r --arg n "${first[$m]}" '.nics[] | select(.name == $n) | .name')" \
    "status lists ${first[$m]}"
done

# Restart with the NICs renamed behind the daemon's back; the new names sort in the
# reverse order of the old ones, so only the state can give the same answer.
lab_daemon_stop
for m in "${macs[@]}"; do
  assert_eq "${first[$m]}" "$(lab_nic_name server "$m")" "name kept after SIGTERM"
done
rnd=(zz$RANDOM mm$RANDOM aa$RANDOM)
for i in 0 1 2; do
  n=$(lab_nic_name server "${macs[$i]}")
  ip -n "$S" link set "$n" down
  ip -n "$S" link set "$n" name "${rnd[$i]}"
  ip -n "$S" link set "${rnd[$i]}" up
done
ok "renamed to ${rnd[*]} while the daemon was stopped"
lab_daemon_start server "$T/policy.toml"
wait_until 10 all_named
for m in "${macs[@]}"; do
  assert_eq "${first[$m]}" "$(lab_nic_name server "$m")" "NIC $m got its old name back after restart"
done

# Unplug every NIC and plug them back in reverse order under swapped names: new
# ifindexes, same MACs -> same hwethN.
lab_daemon_stop
for m in "${macs[@]}"; do ip -n "$S" link del "$(lab_nic_name server "$m")"; done
for i in 2 1 0; do lab_nic server "ens$((3 - i))" "${macs[$i]}" a; done
ok "NICs re-created in reverse order: $(ip -n "$S" -br link | awk '$1 ~ /^ens/ {print $1, $3}' | tr '\n' ' ')"
lab_daemon_start server "$T/policy.toml"
wait_until 10 all_named
for m in "${macs[@]}"; do
  assert_eq "${first[$m]}" "$(lab_nic_name server "$m")" "re-plugged NIC $m got its old name"
done
wait_until 10 state_maps
ok "state.json still maps each MAC to the same name"
lab_daemon_stop
