# shellcheck shell=bash
# A QEMU guest on the lab's switches: sourced by the VM tests (tests/vm/test_*.sh).
#
# The guest is the Debian 12 image of build_image.sh with failoverd installed by
# make_disk.sh. QEMU (TCG, q35) runs inside a lab namespace "vmhost", so the tap devices
# it opens are created there, never in the machine's own namespace; each tap is then moved
# into its switch's namespace and enslaved to the switch's bridge like a lab cable (its
# name starts with "p", so the switch's lldpd sends on it). Each NIC sits behind a
# pcie-root-port of its own, so it can be unplugged and another card plugged in.
#
# The test talks to the guest through QMP (set_link, device_del, device_add, quit) and
# through a root shell agent on the guest's second serial port (vm.py). The console (first
# serial port) goes to $T/console-BOOT.log. Everything dies with the lab (lab_cleanup).
source "$(dirname "${BASH_SOURCE[0]}")/../lab/lib.sh"

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_SLOTS=6                  # pcie-root-ports: the NICs at boot plus room to plug cards in
VM_QEMU_PID=""
VM_BOOT=""                  # name of the current boot (console-$VM_BOOT.log)
VM_QMP=""
VM_AGENT=""
declare -A VM_NIC_MAC=()    # QEMU device id (nicN) -> MAC

vm_py() { python3 "$VM_DIR/vm.py" "$@"; }

# Builds (or finds cached) the guest base, and the disk $T/disk.img with failoverd from
# BUILD_DIR (a configured and built tree) and POLICY installed. Sets VM_BASE and VM_DISK.
vm_prepare() {  # BUILD_DIR POLICY
  lab_require qemu-system-x86_64 debootstrap mke2fs python3 cmake
  VM_BASE=$(bash "$VM_DIR/build_image.sh") || fail "cannot build the guest image"
  VM_DISK=$T/disk.img
  bash "$VM_DIR/make_disk.sh" "$VM_BASE" "$1" "$2" "$VM_DISK" || fail "cannot make the guest disk"
  ok "guest disk: $(cat "$VM_BASE/kernel-version") kernel, failoverd installed from $1"
  lab_ns vmhost
  VM_HOST_NS=$LAB_NS
}

# A tap for device ID in vmhost, where QEMU opens it; vm_cable_tap plugs it into a switch.
vm_tap_name() { echo "pv$VM_BOOT${1#nic}"; }
vm_tap_create() {  # ID
  ip -n "$VM_HOST_NS" tuntap add "$(vm_tap_name "$1")" mode tap || fail "cannot create the tap of $1"
}
# Moves ID's tap (still in vmhost, opened by QEMU) into SWITCH's namespace, onto its bridge.
vm_cable_tap() {  # ID SWITCH
  local tap sw mac=${VM_NIC_MAC[$1]}
  tap=$(vm_tap_name "$1"); sw=$(lab_nsname "$2")
  ip -n "$VM_HOST_NS" link set "$tap" netns "$sw" || fail "cannot move $tap to $sw"
  ip -n "$sw" link set "$tap" master sw
  ip -n "$sw" link set "$tap" up
  LAB_CABLE_NS[$mac]=$sw; LAB_CABLE_PORT[$mac]=$tap
}

# Boots the guest as boot NAME with the NICs SPEC... (ID=MAC@SWITCH, ID nicN: slot N).
# QEMU starts paused (-S) so every tap is on its switch before the first instruction.
vm_boot() {  # NAME SPEC...
  VM_BOOT=$1; shift
  local spec id mac sw args=() i
  [[ -z $VM_QEMU_PID ]] || fail "vm_boot: a guest is already running"
  VM_QMP=$T/qmp-$VM_BOOT.sock VM_AGENT=$T/agent-$VM_BOOT.sock
  for ((i = 0; i < VM_SLOTS; i++)); do
    args+=(-device "pcie-root-port,id=rp$i,bus=pcie.0,chassis=$((i + 1)),addr=0x$((10 + i))")
  done
  for spec in "$@"; do
    id=${spec%%=*}; mac=${spec#*=}; mac=${mac%@*}
    VM_NIC_MAC[$id]=$mac
    vm_tap_create "$id"
    args+=(-netdev "tap,id=n-$id,ifname=$(vm_tap_name "$id"),script=no,downscript=no"
      -device "virtio-net-pci,id=$id,netdev=n-$id,mac=$mac,bus=rp${id#nic}")
  done
  # -accel tcg: the /dev/kvm of these machines cannot run a guest. The kernel is booted
  # directly (uncompressed, PVH) with the image's small initramfs.
  lab_bg "qemu-$VM_BOOT" ip netns exec "$VM_HOST_NS" qemu-system-x86_64 -S \
    -machine q35 -accel tcg -cpu max -smp 2 -m 1024 \
    -nodefaults -no-user-config -display none -vga none -no-reboot \
    -kernel "$VM_BASE/vmlinux" -initrd "$VM_BASE/initrd.img" \
    -append "console=ttyS0,115200 root=/dev/vda rw quiet panic=-1 mitigations=off" \
    -drive "file=$VM_DISK,format=raw,if=none,id=disk" -device virtio-blk-pci,drive=disk,addr=0x8 \
    "${args[@]}" \
    -serial "file:$T/console-$VM_BOOT.log" -serial "unix:$VM_AGENT,server=on,wait=off" \
    -qmp "unix:$VM_QMP,server=on,wait=off"
  VM_QEMU_PID=$LAB_BG_PID
  vm_py qmp "$VM_QMP" 20 query-status >/dev/null ||
    fail "QEMU did not start: $(tail -n 5 "$T/qemu-$VM_BOOT.err")"
  for spec in "$@"; do
    id=${spec%%=*}; sw=${spec##*@}
    vm_cable_tap "$id" "$sw"
  done
  VM_BOOT_TS=$(date +%s.%N)
  vm_py qmp "$VM_QMP" 10 cont >/dev/null || fail "QMP cont failed"
}

# Runs a bash COMMAND in the guest (TIMEOUT_S, default 30); prints its output, returns its status.
vm_run() {  # [TIMEOUT_S] COMMAND
  local timeout=30
  (($# == 2)) && { timeout=$1; shift; }
  vm_py run "$VM_AGENT" "$timeout" "$1"
}
vm_qmp() { vm_py qmp "$VM_QMP" 30 "$@"; }

# Waits (TIMEOUT_S) until failoverd in the guest is active (READY=1 reached systemd).
vm_failoverd_active() { [[ "$(vm_run 5 'systemctl is-active failoverd.service' 2>/dev/null)" == active ]]; }
vm_wait_ready() {  # TIMEOUT_S
  vm_py wait-agent "$VM_AGENT" "$1" >/dev/null || fail "the guest's agent did not answer in $1 s"
  wait_until "$1" vm_failoverd_active
}

# The guest's failoverctl status as JSON.
vm_status_json() { vm_run 10 'failoverctl --json status'; }
# The guest's name for the NIC with MAC ("" if none).
vm_nic_name() {  # MAC
  vm_status_json | jq -r --arg m "$1" '.nics[] | select(.perm_mac == $m) | .name'
}
vm_active_of() {  # BRIDGE
  vm_status_json | jq -r --arg b "$1" '.bridges[] | select(.name == $b) | .active // ""'
}
vm_active_is() { [[ "$(vm_active_of "$1")" == "$2" ]]; }  # BRIDGE NIC

# Carrier of device ID, as a cable pulled (off) or plugged (on).
vm_set_link() {  # ID on|off
  local up=false
  [[ $2 == on ]] && up=true
  vm_qmp set_link "{\"name\": \"$1\", \"up\": $up}" >/dev/null || fail "QMP set_link $1 $2 failed"
}

# Unplugs card ID (PCI hot-unplug; waits for QEMU's DEVICE_DELETED) and drops its tap.
vm_unplug() {  # ID
  vm_py qmp "$VM_QMP" 60 device_del "{\"id\": \"$1\"}" --event DEVICE_DELETED --match "device=$1" >/dev/null ||
    fail "device_del $1: no DEVICE_DELETED"
  vm_qmp netdev_del "{\"id\": \"n-$1\"}" >/dev/null || fail "netdev_del n-$1 failed"
}

# Plugs a new card ID with MAC into its free slot, cabled to SWITCH.
vm_plug() {  # ID MAC SWITCH
  local id=$1
  VM_NIC_MAC[$id]=$2
  vm_tap_create "$id"
  vm_qmp netdev_add "{\"type\": \"tap\", \"id\": \"n-$id\", \"ifname\": \"$(vm_tap_name "$id")\", \"script\": \"no\", \"downscript\": \"no\"}" >/dev/null ||
    fail "netdev_add for $id failed"
  vm_cable_tap "$id" "$3"
  vm_qmp device_add "{\"driver\": \"virtio-net-pci\", \"id\": \"$id\", \"netdev\": \"n-$id\", \"mac\": \"$2\", \"bus\": \"rp${id#nic}\"}" >/dev/null ||
    fail "device_add $id failed"
}

# Moves card ID's cable to SWITCH by hand: pulled (carrier off), re-plugged elsewhere, on.
# (Moving the tap alone changes nothing the guest can see: QEMU reports no carrier change.)
vm_move_cable() {  # ID SWITCH
  vm_set_link "$1" off
  lab_cable_move "${VM_NIC_MAC[$1]}" "$2"
  vm_set_link "$1" on
}

# Shuts the guest down from inside and waits (TIMEOUT_S) for QEMU to exit.
vm_poweroff() {  # TIMEOUT_S
  vm_run 5 'systemctl --no-block poweroff' >/dev/null || true
  poll_until "$1" lab_pid_gone "$VM_QEMU_PID" || fail "the guest did not power off in $1 s"
  wait "$VM_QEMU_PID" 2>/dev/null || true
  VM_QEMU_PID=""
}

# On a failure: the guest's failoverd journal (if the agent still answers) and the
# console's last lines, instead of the lab's daemon log.
lab_dump_daemon_log() {
  [[ $LAB_LOG_DUMPED == 0 && -n $VM_BOOT ]] || return 0
  LAB_LOG_DUMPED=1
  echo "----- guest journal, failoverd (boot $VM_BOOT) -----"
  vm_run 10 'journalctl -b -u failoverd --no-pager | tail -n 60; failoverctl status' 2>&1 || echo "(the agent did not answer)"
  echo "----- last 30 lines of console-$VM_BOOT.log -----"
  tail -n 30 "$T/console-$VM_BOOT.log" 2>/dev/null
  echo "----- end -----"
}
