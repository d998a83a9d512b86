#!/usr/bin/env bash
# Builds (once) the Debian 12 guest the VM tests boot, from Debian's packages only, and
# caches it; prints the cache directory on stdout. Nothing on the host is installed or
# changed: the kernel package is only downloaded and unpacked.
#
#   tests/vm/build_image.sh            # -> /var/cache/failoverd-vm/base-<key>
#
# The cached base holds:
#   rootfs/      debootstrap --variant=minbase + systemd, udev, nftables and the libraries
#                failoverd links; a subset of the kernel's modules (virtio, ext4, net);
#                the test agent (guest/fod-vm-agent) on the second serial port
#   vmlinux      the uncompressed kernel of linux-image-amd64, booted directly (PVH)
#   initrd.img   busybox-static and the modules needed to mount /dev/vda (virtio, ext4)
#   kernel-version
# failoverd itself is not in it: make_disk.sh installs it per run with cmake --install.
#
# The key is a hash of this script, the guest files and the kernel package's version, so
# a change to any of them builds a new base. FOD_VM_CACHE moves the cache; FOD_VM_MIRROR
# picks the Debian mirror (default: the first one apt on this host uses).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${FOD_VM_CACHE:-/var/cache/failoverd-vm}
suite=bookworm

log() { echo "build_image: $*" >&2; }
die() { log "$*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot)"
for tool in debootstrap apt-get apt-cache dpkg-deb cpio xz chroot; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
done

# The packages of the guest: systemd as init, udev for the naming rule, nftables (the
# guest's own `nft` for the tests to read the ruleset), iproute2, and the libraries the
# failoverd binaries link (checked with ldd after the install, in make_disk.sh).
guest_pkgs=systemd,systemd-sysv,udev,kmod,nftables,iproute2,procps,netbase
guest_pkgs+=,libnl-3-200,libnl-route-3-200,libmnl0,libnftables1,libspdlog1.10,libfmt9
guest_pkgs+=,libsystemd0,libudev1,libtomlplusplus3,libcap2
# The sanitizer runtimes, for a test build installed as it is (ASan, UBSan).
guest_pkgs+=,libasan8,libubsan1

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[[ -n $kernel_pkg ]] || die "apt knows no linux-image-amd64 (run apt-get update)"
kernel_pkg_version=$(apt-cache policy "$kernel_pkg" | awk '/Candidate:/ { print $2 }')
key=$(cat "$0" "$here"/guest/* | { cat; echo "$kernel_pkg $kernel_pkg_version $guest_pkgs"; } | sha256sum | cut -c1-16)
base=$cache/base-$key
if [[ -f $base/complete ]]; then
  echo "$base"
  exit 0
fi

mirror=${FOD_VM_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -m1 '/debian/$' || true)}
mirror=${mirror:-http://deb.debian.org/debian/}
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

log "debootstrap $suite from $mirror into $work/rootfs"
debootstrap --variant=minbase --include="$guest_pkgs" "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
root=$work/rootfs

log "downloading $kernel_pkg $kernel_pkg_version and busybox-static"
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$kernel_pkg" busybox-static >/dev/null)
dpkg-deb -x "$work"/"$kernel_pkg"_*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
kver=${kernel_pkg#linux-image-}
[[ -d $work/kernel/lib/modules/$kver ]] || die "no modules for $kver in $kernel_pkg"

# The uncompressed kernel: the xz stream inside the bzImage (Debian builds with
# CONFIG_KERNEL_XZ), booted by QEMU's PVH entry, which saves the guest decompressing it.
vmlinuz=$work/kernel/boot/vmlinuz-$kver
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1)
[[ -n $offset ]] || die "no xz stream in $vmlinuz"
tail -c "+$((offset + 1))" "$vmlinuz" | xz -dc --single-stream >"$work/vmlinux" 2>/dev/null || true
[[ $(head -c4 "$work/vmlinux" | od -An -c | tr -d ' ') == '177ELF' ]] || die "could not unpack vmlinux from $vmlinuz"

# Modules: what a guest with virtio devices, ext4 and failoverd's networking loads
# (bridge, nf_tables and its expressions, IPv6 helpers), not the 400 MB of all drivers.
log "installing the $kver modules the guest needs"
mods=$work/kernel/lib/modules/$kver
dest=$root/lib/modules/$kver
mkdir -p "$dest"
(cd "$mods" && cp -a --parents kernel/net kernel/lib kernel/crypto kernel/arch/x86/crypto \
  kernel/fs/ext4 kernel/fs/jbd2 kernel/fs/mbcache.ko kernel/drivers/virtio \
  kernel/drivers/block/virtio_blk.ko kernel/drivers/net/virtio_net.ko kernel/drivers/net/net_failover.ko \
  kernel/drivers/char/hw_random modules.builtin modules.builtin.modinfo modules.order "$dest/")
cp "$work/kernel/boot/System.map-$kver" "$root/boot/"
chroot "$root" depmod -a "$kver"
for m in virtio_pci virtio_blk virtio_net ext4 bridge nf_tables nft_ct nft_reject_inet nft_fib_inet nf_conntrack; do
  chroot "$root" modprobe -S "$kver" --show-depends "$m" >/dev/null 2>&1 || die "module $m is missing from the guest"
done

# The initramfs: busybox, the modules for the root disk, and an init that mounts
# /dev/vda and hands over to systemd.
log "building the initramfs"
init=$work/initramfs
mkdir -p "$init"/{bin,dev,proc,sys,newroot}
cp "$work/busybox/bin/busybox" "$init/bin/busybox"
for m in virtio_pci virtio_blk ext4; do
  chroot "$root" modprobe -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$work/initrd-modules"
while read -r ko; do
  mkdir -p "$init/$(dirname "$ko")"
  cp "$root$ko" "$init$ko"
done <"$work/initrd-modules"
cp "$work/initrd-modules" "$init/modules"
install -m 755 "$here/guest/initramfs-init" "$init/init"
(cd "$init" && find . | cpio -o -H newc --quiet) >"$work/initrd.img"

log "configuring the guest"
echo fod-guest >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 fod-guest\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 rw,relatime 0 0\n' >"$root/etc/fstab"
: >"$root/etc/machine-id"
chroot "$root" passwd -dq root
# A root shell on the console for a person reading console.log or attaching to it.
mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200 %%I $TERM\n' \
  >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
# Nothing that wakes up on a timer or scrubs disks during a test.
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
  e2scrub_reap.service systemd-pstore.service getty@tty1.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
install -m 755 "$here/guest/fod-vm-agent" "$root/usr/local/sbin/fod-vm-agent"
install -m 644 "$here/guest/fod-vm-agent.service" "$root/etc/systemd/system/fod-vm-agent.service"
mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
ln -sf /etc/systemd/system/fod-vm-agent.service "$root/etc/systemd/system/sysinit.target.wants/fod-vm-agent.service"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info,locale}/*

echo "$kver" >"$work/kernel-version"
mkdir -p "$work/out"
mv "$work/rootfs" "$work/vmlinux" "$work/initrd.img" "$work/kernel-version" "$work/out/"
touch "$work/out/complete"
rm -rf "$base"
mv "$work/out" "$base"
# Older bases (another key) are of no further use.
find "$cache" -mindepth 1 -maxdepth 1 -name 'base-*' ! -name "base-$key" -exec rm -rf {} +
log "built $base in $(($(date +%s) - started)) s"
echo "$base"
