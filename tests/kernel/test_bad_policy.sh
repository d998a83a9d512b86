#!/usr/bin/env bash
# An invalid policy is refused as a whole (SPEC §3): `failoverd --check` exits 2 and prints
# PATH:LINE:COLUMN: for each problem, at the lines written here; a valid one exits 0; and
# the daemon proper, given a bad policy, exits 2 without touching any link or firewall.
set -euo pipefail
source "$(dirname "$0")/../lab/lib.sh"
lab_init badpol
lab_require_daemon

zones="$FAILOVERD_SOURCE_DIR/firewall/zones"
# Lines 1-10 of every policy here; the problems below sit at known lines after them.
header() {
  cat <<EOF2
[daemon]
state_dir = "$T/state"
control_socket = "$T/control.sock"
zones_dir = "$zones"
udev_source = "kernel"
hold_down_ms = 0
up_delay_ms = 0

[nics]
include = ["kind:veth"]
EOF2
}
mkdir -p "$T/state"

# valid: 11 blank, 12 [[bridge]], 13 name, 14 zone, 15 address, 16 ports
{ header; cat <<'EOF2'

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "02:00:00:00:07:01" }, { mac = "02:00:00:00:07:02" }]
EOF2
} >"$T/good.toml"

# unknown key at line 14 ("colour")
{ header; cat <<'EOF2'

[[bridge]]
name = "eth0"
colour = "blue"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [{ mac = "02:00:00:00:07:01" }]
EOF2
} >"$T/unknown_key.toml"

# duplicate bridge name: second [[bridge]] at line 17, its name at line 18
{ header; cat <<'EOF2'

[[bridge]]
name = "eth0"
zone = "lan"
ports = [{ mac = "02:00:00:00:07:01" }]

[[bridge]]
name = "eth0"
zone = "external"
ports = [{ mac = "02:00:00:00:07:02" }]
EOF2
} >"$T/duplicate.toml"

# bad MAC at line 15
{ header; cat <<'EOF2'

[[bridge]]
name = "eth0"
zone = "lan"
ports = [{ mac = "02:00:00:00:07:01" }, { mac = "02:00:00:zz:07:02" }]
EOF2
} >"$T/bad_mac.toml"

# bad CIDR at line 15
{ header; cat <<'EOF2'

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/33"]
ports = [{ mac = "02:00:00:00:07:01" }]
EOF2
} >"$T/bad_cidr.toml"

# all four at once: unknown key line 6, bad CIDR line 15, bad MAC line 16,
# duplicate bridge at line 18 (header) / 19 (name)
{ header | sed '6s/.*/verbosity = "loud"/'; cat <<'EOF2'

[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/33"]
ports = [{ mac = "02:00:00:00:07:0g" }]

[[bridge]]
name = "eth0"
zone = "external"
EOF2
} >"$T/all.toml"
assert_eq 'verbosity = "loud"' "$(sed -n 6p "$T/all.toml")" "all.toml line 6 is the unknown key"

# --check needs no namespace, but runs in one anyway: nothing here may touch the host.
lab_ns server
S=$(lab_nsname server)
check() {  # FILE -> sets out, rc
  set +e
  out=$(ip netns exec "$S" timeout 20 "$FAILOVERD_BIN" --policy "$1" --check 2>&1)
  rc=$?
  set -e
}
# Asserts a diagnostic for FILE at one of LINES ("15" or "17|18").
expect_diag() {  # FILE LINES WHAT
  local re
  re="^$(printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g'):($2):[0-9]+: .+"
  grep -Eq "$re" <<<"$out" || fail "$3: no '$1:($2):COLUMN: message' line in --check output:
$out"
  ok "$3: $(grep -E "$re" <<<"$out" | head -n 1)"
}

check "$T/good.toml"
assert_eq 0 "$rc" "--check of a valid policy exits 0 (output: ${out:-none})"
# (Warnings — a port's MAC no NIC here has — are not problems.)
grep -E ":[0-9]+:[0-9]+: " <<<"$out" | grep -vq ": warning: " && fail "--check of a valid policy printed problems: $out"

check "$T/unknown_key.toml";  assert_eq 2 "$rc" "--check, unknown key: exit status"
expect_diag "$T/unknown_key.toml" 14 "unknown key"
check "$T/duplicate.toml";    assert_eq 2 "$rc" "--check, duplicate bridge: exit status"
expect_diag "$T/duplicate.toml" "17|18" "duplicate bridge name"
check "$T/bad_mac.toml";      assert_eq 2 "$rc" "--check, bad MAC: exit status"
expect_diag "$T/bad_mac.toml" 15 "bad MAC"
check "$T/bad_cidr.toml";     assert_eq 2 "$rc" "--check, bad CIDR: exit status"
expect_diag "$T/bad_cidr.toml" 15 "bad CIDR"
check "$T/all.toml";          assert_eq 2 "$rc" "--check, four problems: exit status"
expect_diag "$T/all.toml" 6 "all four: unknown key"
expect_diag "$T/all.toml" 15 "all four: bad CIDR"
expect_diag "$T/all.toml" 16 "all four: bad MAC"
expect_diag "$T/all.toml" "18|19" "all four: duplicate bridge"

# A zone whose rule nftables refuses (an unknown protocol, which only the kernel's
# side of nft resolves): located at its file, line and column, and the table the
# check builds and deletes in one transaction is not left behind.
mkdir -p "$T/zones"
cp "$zones"/*.nft "$T/zones/"
printf 'input {\n\ttcp dport 22 accept\n\tmeta l4proto icmp accept\n\tct helper set "no-such-helper"\n}\n' >"$T/zones/odd.nft"
sed -e "s|^zones_dir = .*|zones_dir = \"$T/zones\"|" -e 's/^zone = "lan"/zone = "odd"/' "$T/good.toml" >"$T/odd_zone.toml"
check "$T/odd_zone.toml"
if [[ $rc == 0 ]]; then
  echo "# (this nft accepts the odd rule; nothing to locate)"
else
  assert_eq 2 "$rc" "--check, a rule nftables refuses: exit status (output: $out)"
  expect_diag "$T/zones/odd.nft" 4 "the refused rule located"
fi
tables=$(ip netns exec "$S" nft list tables)
[[ "$tables" != *failoverd_zone_check* ]] || fail "the check left its table behind: $tables"
ok "no check table left in the namespace"

# The daemon itself with a bad policy: exit 2 and nothing touched.
lab_switch a
lab_nic server ens1 02:00:00:00:07:01 a
lab_nic server ens2 02:00:00:00:07:02 a
ip -n "$S" link set ens2 up
lab_link_snapshot server >"$T/links.before"
ip netns exec "$S" nft list ruleset >"$T/nft.before"
for f in all unknown_key duplicate; do
  set +e
  ip netns exec "$S" timeout 20 "$FAILOVERD_BIN" --policy "$T/$f.toml" --foreground --log-level debug \
    >"$T/daemon.$f.log" 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || { cat "$T/daemon.$f.log" >&2; fail "daemon with $f.toml: exit status $rc, expected 2"; }
  ok "daemon with $f.toml exits 2"
  grep -Eq "^$T/$f.toml:[0-9]+:[0-9]+: " "$T/daemon.$f.log" ||
    fail "daemon with $f.toml did not print PATH:LINE:COLUMN problems: $(cat "$T/daemon.$f.log")"
  ok "daemon with $f.toml printed its problems"
  lab_link_snapshot server >"$T/links.after"
  diff -u "$T/links.before" "$T/links.after" >&2 || fail "daemon with $f.toml changed links (diff above)"
  ok "links untouched ($(jq -r '[.[].ifname] | join(" ")' "$T/links.after"))"
  ip netns exec "$S" nft list ruleset >"$T/nft.after"
  diff -u "$T/nft.before" "$T/nft.after" >&2 || fail "daemon with $f.toml changed the firewall (diff above)"
  ok "firewall untouched"
  [[ ! -e "$T/control.sock" ]] || fail "daemon with $f.toml left a control socket"
done
[[ ! -e "$T/state/state.json" ]] || fail "a refused policy wrote state.json"
ok "no state.json written"
