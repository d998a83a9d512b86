#!/usr/bin/env bash
# The guest's disk for one test run: the cached base (build_image.sh) with failoverd
# installed as a user installs it — `cmake --install` of a Release build into the guest
# root (DESTDIR), the policy as /etc/failoverd/policy.toml, the unit enabled with
# systemctl --root — made into an ext4 image without mounting anything (mke2fs -d).
#
#   tests/vm/make_disk.sh BASE BUILD_DIR POLICY DISK
set -euo pipefail
base=${1:?BASE} build=${2:?BUILD_DIR} policy=${3:?POLICY} disk=${4:?DISK}
die() { echo "make_disk: $*" >&2; exit 1; }
[[ -f $base/complete ]] || die "$base is not a built base (tests/vm/build_image.sh)"

root=$(mktemp -d "$(dirname "$disk")/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
cp -a "$base/rootfs/." "$root/"
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null || die "cmake --install into the guest failed"
install -m 644 "$policy" "$root/etc/failoverd/policy.toml"
systemctl --root="$root" --quiet enable failoverd.service || die "systemctl --root enable failed"

# Every library the installed binaries need is in the guest.
for bin in /usr/sbin/failoverd /usr/bin/failoverctl /usr/libexec/failoverd-udev-name; do
  missing=$(chroot "$root" ldd "$bin" | grep 'not found' || true)
  [[ -z $missing ]] || die "$bin in the guest lacks: $missing"
done

# The installed policy is one the installed daemon accepts (`failoverd --check`, as an
# administrator runs it before the first start); --check only asks nftables, in a network namespace of its own, and with a /proc
# of its own (a sanitizer build cannot run without one).
unshare --net --mount --pid --fork --mount-proc="$root/proc" chroot "$root" /usr/sbin/failoverd --check --policy /etc/failoverd/policy.toml >/dev/null ||
  die "the installed failoverd rejects the policy"

rm -f "$disk"
mke2fs -q -t ext4 -L fodroot -d "$root" "$disk" 1G >/dev/null || die "mke2fs -d failed"
