#!/usr/bin/env bash
# Runs bench_identify (identification time per method after a cable comes up) in a
# namespace lab of its own, and cleans everything up on exit. Root required. Nothing
# runs in the machine's own network namespace: lldpd, radvd, arping, rdisc6 and the
# benchmark all run inside the lab's namespaces; addresses are 192.0.2.0/24 and
# 2001:db8:1::/64 only.
#
#   switch "sw"   bridge + lldpd (tx-interval 1 s) on the server-facing port
#   server        nic0 (the NIC under test: up, IPv6 off, no address — a standby NIC)
#   peer          owns 192.0.2.1, answers the ARP probes
#   router        radvd advertising 2001:db8:1::/64
#   client        a plain host (192.0.2.2, IPv6 on) for the arping / rdisc6 baselines
#
# Env: BENCH_ROUNDS (20) rounds per method; BENCH_METHODS ("arp ra lldp ra-default");
#      BENCH_IDENTIFY_BIN (build-bench/tests/bench/bench_identify).
#
# radvd rate limits: a solicited *multicast* RA is sent at most once per
# MinDelayBetweenRAs (RFC 4861's MIN_DELAY_BETWEEN_RAS); an RS that comes sooner is
# answered at the next allowed moment plus a random 0-500 ms. The probe's router
# solicitation comes from the unspecified address (the NIC has no IPv6), so its answer
# must be multicast and the limit applies. radvd 2.19 refuses anything below 3 s
# ("MinDelayBetweenRAs ... must be at least 3.00") unless its Mobile IPv6 extensions
# are on, and then allows 0.03 s. So:
#   ra          MinDelayBetweenRAs 0.03 with "AdvIntervalOpt on" (the least intrusive
#               Mobile IPv6 switch: it only adds an Advertisement Interval option,
#               which the probe's decoder skips): the fastest radvd can answer;
#   ra-default  MinDelayBetweenRAs 3 (radvd's plain minimum, a stock router): run last,
#               it restarts radvd. This lab's radvd multicasts every 3-4 s and has just
#               answered the previous round, so every link-up falls inside the limit:
#               the worst case (a quiet router answers the first RS at once, as in ra).
# rdisc6 (the baseline) solicits from a link-local address, and radvd answers it by
# unicast (AdvRASolicitedUnicast, on by default), which is not rate limited.
#
# lldpd: with tx-interval 1 it sends one LLDPDU per second per port; a port that comes
# up gets its first one at lldpd's next transmission (nothing is sent on link-up), so
# the LLDP number is a wait for the next tick, up to one interval.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init bench-id
lab_require lldpd radvd arping rdisc6
: "${BENCH_ROUNDS:=20}"
: "${BENCH_METHODS:=arp ra lldp ra-default}"
: "${BENCH_IDENTIFY_BIN:=$LAB_REPO/build-bench/tests/bench/bench_identify}"
[[ -x "$BENCH_IDENTIFY_BIN" ]] || fail "bench_identify not found at $BENCH_IDENTIFY_BIN (scripts/bench.sh builds it)"
MIN_DELAY_BETWEEN_RAS=0.03
RADVD_MIPV6="AdvIntervalOpt on;"  # turns on radvd's Mobile IPv6 limits (see above)

NIC_MAC=02:00:00:00:00:11
SWITCH_MAC=02:00:00:00:0a:01
PEER_MAC=02:00:00:00:00:21
ROUTER_MAC=02:00:00:00:00:31
CLIENT_MAC=02:00:00:00:00:41

# --- topology ----------------------------------------------------------------------------
lab_switch sw
SW=$LAB_NS
lab_ns server
S=$LAB_NS
lab_nic server nic0 "$NIC_MAC" sw
PORT=$(lab_cable_port nic0)
ip netns exec "$S" sysctl -qw net.ipv6.conf.nic0.disable_ipv6=1
ip -n "$S" link set nic0 up
# The switch's management interface, whose MAC lldpd uses as the chassis ID.
ip -n "$SW" link add mgmt0 address "$SWITCH_MAC" type veth peer name mgmt1
ip -n "$SW" link set mgmt0 up
ip -n "$SW" link set mgmt1 up

lab_host sw peer 192.0.2.1/24
ip -n "$LAB_NS" link set net0 address "$PEER_MAC"
lab_host sw router 192.0.2.254/24
R=$LAB_NS
ip -n "$R" link set net0 address "$ROUTER_MAC"
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1  # radvd refuses to run otherwise
lab_host sw client 192.0.2.2/24
C=$LAB_NS
ip -n "$C" link set net0 address "$CLIENT_MAC"

link_local_ready() {  # NS
  [[ -n "$(ip -n "$1" -6 addr show dev net0 scope link -tentative 2>/dev/null)" ]]
}
wait_until 10 link_local_ready "$R"
wait_until 10 link_local_ready "$C"

# --- lldpd on the switch (as in tests/kernel/test_cable_probe.sh) --------------------------
chmod 711 "$T"
mkdir -m 755 "$T/lldpd"
cat >"$T/lldpd/lldpd.conf" <<'CONF'
configure lldp tx-interval 1
configure system hostname core-sw-1
CONF
lab_bg lldpd lab_in sw lldpd -d -d -u "$T/lldpd/lldpd.sock" -p "$T/lldpd/lldpd.pid" \
  -O "$T/lldpd/lldpd.conf" -I 'p*,mgmt0' -C mgmt0 -S "failoverd lab switch"
LLDPD_PID=$LAB_BG_PID

# --- radvd on the router -------------------------------------------------------------------
# start_radvd MIN_DELAY_BETWEEN_RAS [EXTRA_OPTION]: (re)starts radvd and waits until it answers.
RADVD_PID=""
start_radvd() {
  [[ -z "$RADVD_PID" ]] || lab_bg_stop "$RADVD_PID"
  cat >"$T/radvd.conf" <<CONF
interface net0 {
  AdvSendAdvert on;
  MinRtrAdvInterval 3;
  MaxRtrAdvInterval 4;
  MinDelayBetweenRAs $1;
  ${2:-}
  prefix 2001:db8:1::/64 { };
};
CONF
  lab_bg radvd lab_in router radvd -n -m stderr -C "$T/radvd.conf" -p "$T/radvd.pid" -u root
  RADVD_PID=$LAB_BG_PID
  poll_until 15 radvd_answers ||
    { tail -n 5 "$T/radvd.err"; fail "radvd (MinDelayBetweenRAs $1) does not answer rdisc6"; }
  if grep -q 'must be at least' "$T/radvd.err"; then fail "radvd: $(grep 'must be at least' "$T/radvd.err" | tail -n 1)"; fi
  echo "# radvd: MinDelayBetweenRAs $1 s${2:+ ($2)}"
}
radvd_answers() { lab_in client rdisc6 -1 -q -n -r 1 -w 1000 net0 2>/dev/null | grep -q '^2001:db8:1::/64$'; }
start_radvd "$MIN_DELAY_BETWEEN_RAS" "$RADVD_MIPV6"
kill -0 "$LLDPD_PID" 2>/dev/null || fail "lldpd exited: $(tail -n 5 "$T/lldpd.err")"
# Versions, asked inside the lab too (even a version query never starts these in the host's namespace).
echo "# versions: radvd $(lab_in client radvd --version 2>&1 | awk '/^Version/ {print $2}')," \
  "lldpd $(lab_in client lldpd -v), arping $(lab_in client arping --help 2>&1 | awk 'NR == 1 {sub(",", "", $2); print $2}')," \
  "rdisc6 $(lab_in client rdisc6 -V 2>&1 | awk 'NR == 1 {print $(NF - 1)}')"

# --- the benchmark ------------------------------------------------------------------------
rows=()
run_bench() {  # METHOD LABEL
  ip netns exec "$S" "$BENCH_IDENTIFY_BIN" --netns "$S" --nic nic0 --method "$1" --label "$2" \
    --rounds "$BENCH_ROUNDS" --switch-ns "$SW" --switch-port "$PORT" \
    --baseline-ns "$C" --baseline-ifname net0 --arp-target 192.0.2.1 --ra-prefix 2001:db8:1::/64 \
    >"$T/bench.$2.out" 2>"$T/bench.$2.err" ||
    { cat "$T/bench.$2.out" "$T/bench.$2.err"; fail "bench_identify --method $1 failed"; }
  cat "$T/bench.$2.out"
  [[ ! -s "$T/bench.$2.err" ]] || sed 's/^/# stderr: /' "$T/bench.$2.err"
  rows+=("$(sed -n 's/^ROW //p' "$T/bench.$2.out")")
}
for method in $BENCH_METHODS; do
  case $method in
    arp | lldp) run_bench "$method" "$method" ;;
    ra) run_bench ra ra ;;
    ra-default)
      # The same with radvd's plain minimum (3 s, RFC 4861's MIN_DELAY_BETWEEN_RAS): what a
      # stock router gives. Last, since it restarts radvd.
      start_radvd 3
      run_bench ra ra-default ;;
    *) fail "unknown method $method (arp, ra, lldp, ra-default)" ;;
  esac
done
kill -0 "$LLDPD_PID" 2>/dev/null || fail "lldpd exited during the benchmark"
kill -0 "$RADVD_PID" 2>/dev/null || fail "radvd exited during the benchmark"

echo
echo "identification after carrier up (ms; ratio = median / baseline median)"
printf '%-10s %-9s %12s %10s %12s %10s %8s\n' method answered median_ms p99_ms base_med_ms base_p99 ratio
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086
  printf '%-10s %-9s %12s %10s %12s %10s %8s\n' $row
done
echo "baselines: arp = arping -c 1 RTT (plain host -> peer); ra, ra-default = rdisc6 RS -> RA on the plain host's wire;" \
  "lldp = LLDPDU gap on the wire"
