#!/usr/bin/env bash
# Installs everything failoverd needs to build, test and run its lab on Debian 12.
# Idempotent: packages already present are left alone. Must run as root.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  libnl-3-dev libnl-route-3-dev libmnl-dev libudev-dev libnftables-dev libsystemd-dev
  libspdlog-dev libgtest-dev libgmock-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  clang-14 libclang-rt-14-dev  # libFuzzer target tests/fuzz (clang's fuzzer runtime)
)
# Real peers and tools used by the kernel tests and the lab.
peer_pkgs=(iproute2 iputils-ping arping tcpdump nftables procps util-linux perl
  jq       # JSON checks on `failoverctl --json status` and `ip -j`
  strace   # test_zone_before_up: the order of the daemon's netlink writes
  lldpd    # test_cable_probe: the switch's LLDP agent (only ever run inside a lab namespace)
  radvd    # test_cable_probe: router advertisements (only ever run inside a lab namespace)
  ndisc6   # test_identify_quarantine: IPv6 neighbour solicitations from a peer host
  python3  # test_sd_notify: a stand-in for systemd's NOTIFY_SOCKET
  socat    # test_socket_protocol: the control socket driven without failoverctl, as the README shows
  dropbear-bin  # tests/lab/ssh.sh: an SSH server and client inside lab namespaces (no service of its own)
  coreutils
  # tests/vm: a Debian guest under QEMU, its image built from Debian's packages
  qemu-system-x86 debootstrap cpio xz-utils e2fsprogs systemd)

# The peer daemons are only ever started by the kernel tests, by hand, inside lab
# namespaces. Their packages enable them at boot (systemd unit and rc.d links), which on
# a machine booted with systemd would run lldpd on every host NIC: switch that off.
keep_peer_daemons_off() {
  [ "$(id -u)" -eq 0 ] || return 0
  local d
  for d in lldpd radvd; do
    dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed' || continue
    systemctl disable --quiet "$d.service" >/dev/null 2>&1 || true
    update-rc.d "$d" disable >/dev/null 2>&1 || true
  done
}

missing=()
for p in "${build_pkgs[@]}" "${peer_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  keep_peer_daemons_off
  echo "install-deps: everything is already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (missing: ${missing[*]})" >&2
  exit 1
fi

# Peer daemons (dnsmasq, lldpd, radvd) must never start on the host's own interfaces
# when their packages are installed: forbid service starts for the duration.
policy_rc=/usr/sbin/policy-rc.d
created_policy_rc=0
if [ ! -e "$policy_rc" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy_rc"
  chmod 755 "$policy_rc"
  created_policy_rc=1
fi
trap '[ "$created_policy_rc" = 1 ] && rm -f "$policy_rc"' EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
keep_peer_daemons_off
echo "install-deps: installed ${missing[*]}"
