# shellcheck shell=bash
# lab_host_state NS OUTFILE: a normalised, diffable dump of one namespace's network
# state, for before/after comparisons (apply --confirm rolled back, a migration
# undone): `diff -u BEFORE AFTER` is empty exactly when nothing a test cares about
# differs. Sourced after lib.sh. NS is a lab short name ("server", as for lab_in) or
# the full name of a namespace.
#
# What it keeps, each section sorted, and what it leaves out (and why):
#   links      name, kind, MAC, master, admin state (UP or down). Left out: ifindex
#              (a re-created bridge gets a new one), carrier, operstate, qdisc, MTU,
#              counters, and the "@ifN" peer suffix of veths (ifindex-dependent).
#   ports      `bridge link`: port, its bridge, its STP state (forwarding, ...).
#   addresses  `ip addr`, IPv4 and IPv6, global scope only, as ADDRESS/LEN per link,
#              without lifetimes and flags (tentative, ...). Link-local (fe80::, from
#              the MAC, made by the kernel on link-up) and host scope (lo) are left out.
#   routes     `ip route show table all` and `ip -6 route show table all`, without
#              "expires" timers; IPv6 routes of link-local addresses left out (as above).
#   nftables   `nft list ruleset`, unchanged (no handles: nft prints none by default).

lab_host_state() {  # NS OUTFILE
  local ns=$1 out=$2
  local known; known=$(ip netns list | awk '{ print $1 }')
  grep -qxF -- "$ns" <<<"$known" || ns=$(lab_nsname "$ns")
  {
    echo "# links: name kind mac master state"
    ip -n "$ns" -d -j link show |
      jq -r '.[] | [.ifname, (.linkinfo.info_kind // "-"), (.address // "-"), (.master // "-"),
                     (if (.flags | index("UP")) != null then "UP" else "down" end)] | join(" ")' |
      LC_ALL=C sort
    echo "# bridge ports: port master state"
    ip netns exec "$ns" bridge -j link show |
      jq -r '.[] | [.ifname, (.master // "-"), (.state // "-")] | join(" ")' | LC_ALL=C sort
    echo "# addresses (global scope): link family address/len"
    ip -n "$ns" -j addr show |
      jq -r '.[] | .ifname as $l | .addr_info[]? | select(.scope == "global") |
                   [$l, .family, "\(.local)/\(.prefixlen)"] | join(" ")' | LC_ALL=C sort
    echo "# routes, IPv4, table all"
    ip -n "$ns" -4 route show table all | sed -E 's/ +$//' | LC_ALL=C sort
    echo "# routes, IPv6, table all (link-local left out)"
    ip -n "$ns" -6 route show table all | grep -v 'fe80::' |
      sed -E 's/ expires [^ ]+//; s/ +$//' | LC_ALL=C sort
    echo "# nft list ruleset"
    ip netns exec "$ns" nft list ruleset
  } >"$out"
}
