#!/usr/bin/env bash
# `cmake --install --prefix /usr` into a throwaway DESTDIR: every file lands in its FHS
# place, the unit and the udev rule name binaries that were installed with them, and the
# installed failoverd accepts the installed examples against the installed zones.
# Touches nothing outside DESTDIR; the --check run as root goes into a private netns.
set -euo pipefail
build=${BUILD_DIR:?BUILD_DIR must point at a configured and built tree}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! out=$(DESTDIR=$dest cmake --install "$build" --prefix /usr 2>&1); then
  echo "FAIL: cmake --install failed:"; echo "$out"; exit 1
fi

# expect PATH MODE: PATH (inside DESTDIR) is a regular file with exactly MODE.
expect() {
  local path=$1 mode=$2
  if [[ ! -f $dest$path ]]; then fail "$path was not installed"; return; fi
  local actual
  actual=$(stat -c %a "$dest$path")
  [[ $actual == "$mode" ]] || fail "$path has mode $actual, expected $mode"
}

expect /usr/sbin/failoverd 755
expect /usr/bin/failoverctl 755
expect /usr/libexec/failoverd-udev-name 755
expect /usr/lib/systemd/system/failoverd.service 644
expect /usr/lib/udev/rules.d/81-failoverd.rules 644
expect /usr/lib/udev/rules.d/82-failoverd-unmanaged.rules 644
expect /usr/share/failoverd/zero-phase.nft 644
expect /usr/share/doc/failoverd/README.md 644
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
for zone in "$src"/firewall/zones/*.nft; do [[ ${zone##*/} == lan.nft ]] || expect "/etc/failoverd/zones/${zone##*/}" 644; done
expect /etc/failoverd/zones/lan.nft 644
for example in "$src"/policy/examples/*.toml; do expect "/usr/share/doc/failoverd/examples/${example##*/}" 644; done
# The state directory exists from the install on: the udev rule names NICs at the first boot,
# before failoverd.service has ever run (tests/vm shows it on a real boot).
if [[ -d $dest/var/lib/failoverd ]]; then
  [[ $(stat -c %a "$dest/var/lib/failoverd") == 755 ]] || fail "/var/lib/failoverd has mode $(stat -c %a "$dest/var/lib/failoverd"), expected 755"
else
  fail "/var/lib/failoverd was not installed"
fi
[[ ! -e $dest/etc/failoverd/policy.toml ]] || fail "a live /etc/failoverd/policy.toml was installed"
[[ ! -e $dest/usr/sbin/failoverctl ]] || fail "failoverctl was installed in sbin as well as bin"

# expect_installed_program WHAT PATH: PATH, named by an installed file, was installed too.
expect_installed_program() {
  local what=$1 path=$2
  if [[ -z $path ]]; then fail "$what: no program path found"; return; fi
  [[ -x $dest$path ]] || fail "$what names $path, which was not installed (or is not executable)"
}
unit=$dest/usr/lib/systemd/system/failoverd.service
if [[ -f $unit ]]; then
  for key in ExecStart ExecReload; do
    # The first word, without systemd's "-@:+!" prefixes.
    program=$(sed -n "s/^$key=[-@:+!]*\([^ ]*\).*/\1/p" "$unit" | head -n1)
    expect_installed_program "unit $key" "$program"
  done
  grep -q '^Documentation=file:/usr/share/doc/failoverd/README.md$' "$unit" ||
    fail "unit Documentation= does not name the installed README"
fi
rule=$dest/usr/lib/udev/rules.d/81-failoverd.rules
if [[ -f $rule ]]; then
  program=$(sed -n 's/.*PROGRAM="\([^ "]*\).*/\1/p' "$rule" | head -n1)
  expect_installed_program "81-failoverd.rules PROGRAM" "$program"
fi
rule=$dest/usr/lib/udev/rules.d/82-failoverd-unmanaged.rules
if [[ -f $rule ]]; then
  program=$(sed -n 's/.*IMPORT{program}="\([^ "]*\).*/\1/p' "$rule" | head -n1)
  expect_installed_program "82-failoverd-unmanaged.rules IMPORT{program}" "$program"
fi

# Every example, pointed at the installed zones, passes --check when the zones it names
# are shipped; an example naming a zone the administrator must write (server.toml: dmz)
# must fail only on that zone (and a control group it names that this host lacks), not on
# the policy itself. As root, --check asks nftables
# to check (never commit) the ruleset: do that in a private network namespace.
run=()
[[ $(id -u) -ne 0 ]] || run=(unshare --net)
zones=$dest/etc/failoverd/zones
for example in "$dest"/usr/share/doc/failoverd/examples/*.toml; do
  [[ -x $dest/usr/sbin/failoverd && -d $zones ]] || break
  name=${example##*/}
  policy=$dest/check-$name
  if grep -q '^zones_dir' "$example"; then
    sed "s|^zones_dir *=.*|zones_dir = \"$zones\"|" "$example" >"$policy"
  elif grep -q '^\[daemon\]' "$example"; then
    sed "/^\[daemon\]/a zones_dir = \"$zones\"" "$example" >"$policy"
  else
    { cat "$example"; printf '\n[daemon]\nzones_dir = "%s"\n' "$zones"; } >"$policy"
  fi
  # What the administrator must provide on the host: zones they write (server.toml: dmz)
  # and a control group they create (server.toml: netadmin).
  missing=()
  for zone in $(sed -n 's/^zone *= *"\([^"]*\)".*/\1/p' "$example"); do
    [[ -f $zones/$zone.nft ]] || missing+=("zone '$zone' of .* does not exist")
  done
  group=$(sed -n 's/^control_group *= *"\([^"]*\)".*/\1/p' "$example")
  if [[ -n $group ]] && ! getent group "$group" >/dev/null; then
    missing+=("control_group '$group' is not a group on this host")
  fi
  status=0
  out=$("${run[@]}" "$dest/usr/sbin/failoverd" --check --policy "$policy" 2>&1) || status=$?
  if ((${#missing[@]} == 0)); then
    [[ $status -eq 0 ]] || fail "failoverd --check rejects installed example $name (exit $status): $out"
  elif [[ $status -ne 2 ]]; then
    fail "installed example $name: expected only ${missing[*]}, got exit $status: $out"
  else
    for want in "${missing[@]}"; do
      grep -q "$want" <<<"$out" || fail "installed example $name: no complaint '$want': $out"
    done
    # Nothing else: every PATH:LINE:COLUMN problem is one of those.
    while IFS= read -r line; do
      known=0
      for want in "${missing[@]}"; do grep -q "$want" <<<"$line" && known=1; done
      ((known)) || fail "installed example $name: unexpected problem: $line"
    done < <(grep -E ':[0-9]+:[0-9]+: ' <<<"$out" | grep -v ': warning: ' || true)
  fi
done

if ((failures)); then
  echo "$failures problem(s) with cmake --install"
  exit 1
fi
echo "ok - cmake --install --prefix /usr puts every file in place"
